#pragma once
// Bybit V5 order-book sequencing for one (category, symbol, depth) subscription, around an OrderBook.
//
// Rules (Bybit V5 "Orderbook" docs):
//  - a snapshot resets the book (clear, then apply its levels); so does any message with u == 1 (the
//    service restarted: the message is a full overwrite even when typed "delta");
//  - deltas carry u == last_u + 1 (u is contiguous per connection and topic). A gap (u > last_u + 1) or a
//    step backwards (u < last_u) makes the book UNTRUSTED: no delta is applied until the next snapshot, and
//    needs_resubscribe() is raised for the caller to act on (resubscribe, or reconnect);
//  - a duplicate u (u == last_u) is ignored; a snapshot with the same u as the last one (depth 1 re-sends
//    its snapshot with an unchanged u) is applied normally;
//  - a delta before any snapshot is ignored and the book stays untrusted.
// A new connection restarts u: call reset() when the transport reconnects.
//
// Time is passed in (local receive time, ns); nothing here reads a clock.
#include <cstdint>
#include <string_view>

#include "core/events.h"
#include "core/order_book.h"

namespace mm {

enum class SyncResult : uint8_t {
  kApplied = 0,       // snapshot, restart overwrite, or in-sequence delta applied
  kDuplicate,         // delta with u == last u: ignored
  kGap,               // delta with u > last u + 1: not applied, book now untrusted
  kBackwards,         // delta with u < last u (and u != 1): not applied, book now untrusted
  kIgnoredUntrusted,  // delta while untrusted (before the first snapshot or after a gap): not applied
  kError,             // the book refused the message: kBadPrice/kBadQty (message not applied, book
                      // untrusted) or kOverflowFull (applied except the refused levels, book incomplete)
};

constexpr std::string_view to_string(SyncResult r) noexcept {
  switch (r) {
    case SyncResult::kApplied:
      return "applied";
    case SyncResult::kDuplicate:
      return "duplicate";
    case SyncResult::kGap:
      return "gap";
    case SyncResult::kBackwards:
      return "backwards";
    case SyncResult::kIgnoredUntrusted:
      return "ignored_untrusted";
    case SyncResult::kError:
      return "error";
  }
  return "?";
}

// Plain counters since construction (reset() keeps them).
struct BookSyncCounters {
  uint64_t snapshots = 0;  // snapshots applied (incl. u == 1 overwrites)
  uint64_t deltas = 0;     // in-sequence deltas applied
  uint64_t restarts = 0;   // messages with u == 1 (service restart overwrite)
  uint64_t gaps = 0;
  uint64_t backwards = 0;
  uint64_t duplicates = 0;
  uint64_t resyncs = 0;                  // trust regained by a snapshot after a gap/backwards/bad message
  uint64_t ignored_before_snapshot = 0;  // deltas before the first snapshot (of this connection)
  uint64_t ignored_untrusted = 0;        // deltas dropped while waiting for a snapshot after a fault
  uint64_t crossed = 0;                  // transitions into a crossed book
  uint64_t overflow_errors = 0;          // messages with at least one level refused (kOverflowFull)
  uint64_t bad_messages = 0;             // messages refused for kBadPrice/kBadQty
};

class BookSync {
 public:
  // Book geometry as OrderBook's constructor (throws std::invalid_argument on a bad one, start-up only).
  explicit BookSync(uint32_t window_ticks = OrderBook::kDefaultWindowTicks,
                    uint32_t overflow_capacity = OrderBook::kDefaultOverflowCapacity);

  // Applies one orderbook message. recv_ns: local receive time (drives is_stale()).
  // Precondition: the level pointers are valid for their counts. Returns a SyncResult (see above).
  [[nodiscard]] SyncResult on_update(const BookUpdate& u, int64_t recv_ns) noexcept;

  // Back to "no snapshot yet" (new connection): clears the book and the sequence, keeps the counters.
  void reset() noexcept;

  [[nodiscard]] const OrderBook& book() const noexcept { return book_; }
  // A snapshot was applied and no sequencing fault or refused message happened since.
  [[nodiscard]] bool trusted() const noexcept { return trusted_; }
  // Trusted and no level was refused (kOverflowFull) since the last snapshot: the book is exact.
  [[nodiscard]] bool complete() const noexcept { return trusted_ && complete_; }
  // Raised on a gap, a step backwards or a refused message; stays up until take_resubscribe().
  [[nodiscard]] bool needs_resubscribe() const noexcept { return needs_resubscribe_; }
  // Returns needs_resubscribe() and clears it.
  bool take_resubscribe() noexcept {
    const bool r = needs_resubscribe_;
    needs_resubscribe_ = false;
    return r;
  }
  // The book was crossed after the last applied message.
  [[nodiscard]] bool crossed() const noexcept { return crossed_; }
  // No message applied for more than max_age_ns before now_ns, or none applied yet.
  [[nodiscard]] bool is_stale(int64_t now_ns, int64_t max_age_ns) const noexcept {
    return !has_applied_ || now_ns - last_applied_ns_ > max_age_ns;
  }

  [[nodiscard]] int64_t last_update_id() const noexcept { return last_u_; }  // 0 before the first snapshot
  [[nodiscard]] int64_t last_seq() const noexcept { return last_seq_; }
  [[nodiscard]] int64_t last_ts_ms() const noexcept { return last_ts_ms_; }
  [[nodiscard]] int64_t last_applied_ns() const noexcept { return last_applied_ns_; }
  [[nodiscard]] const BookSyncCounters& counters() const noexcept { return counters_; }

 private:
  SyncResult overwrite(const BookUpdate& u, int64_t recv_ns) noexcept;
  SyncResult finish(BookError e, const BookUpdate& u, int64_t recv_ns) noexcept;
  void lose_trust() noexcept;

  OrderBook book_;
  int64_t last_u_ = 0;
  int64_t last_seq_ = 0;
  int64_t last_ts_ms_ = 0;
  int64_t last_applied_ns_ = 0;
  bool has_snapshot_ = false;  // a snapshot arrived on this connection (even if trust was lost later)
  bool trusted_ = false;
  bool complete_ = false;
  bool needs_resubscribe_ = false;
  bool crossed_ = false;
  bool has_applied_ = false;
  BookSyncCounters counters_;
};

}  // namespace mm
