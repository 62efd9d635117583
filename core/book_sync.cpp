#include "core/book_sync.h"

namespace mm {

BookSync::BookSync(uint32_t window_ticks, uint32_t overflow_capacity)
    : book_(window_ticks, overflow_capacity) {}

void BookSync::reset() noexcept {
  book_.clear();
  last_u_ = 0;
  last_seq_ = 0;
  last_ts_ms_ = 0;
  has_snapshot_ = false;
  trusted_ = false;
  complete_ = false;
  needs_resubscribe_ = false;
  crossed_ = false;
  has_applied_ = false;
}

void BookSync::lose_trust() noexcept {
  trusted_ = false;
  needs_resubscribe_ = true;
}

SyncResult BookSync::on_update(const BookUpdate& u, int64_t recv_ns) noexcept {
  // u == 1 is checked before the sequence: after a restart it is legitimately smaller than last u.
  if (u.snapshot || u.update_id == 1) return overwrite(u, recv_ns);
  if (!trusted_) {
    if (has_snapshot_) {
      ++counters_.ignored_untrusted;
    } else {
      ++counters_.ignored_before_snapshot;
    }
    return SyncResult::kIgnoredUntrusted;
  }
  if (u.update_id == last_u_ + 1) [[likely]] {
    const BookError e = book_.apply_delta(u.bids, u.bid_count, u.asks, u.ask_count);
    if (e == BookError::kBadPrice || e == BookError::kBadQty) [[unlikely]] {
      // The delta was not applied: the book no longer follows the stream.
      ++counters_.bad_messages;
      lose_trust();
      return SyncResult::kError;
    }
    ++counters_.deltas;
    last_u_ = u.update_id;
    return finish(e, u, recv_ns);
  }
  if (u.update_id == last_u_) {
    ++counters_.duplicates;
    return SyncResult::kDuplicate;
  }
  if (u.update_id > last_u_) {
    ++counters_.gaps;
    lose_trust();
    return SyncResult::kGap;
  }
  ++counters_.backwards;
  lose_trust();
  return SyncResult::kBackwards;
}

SyncResult BookSync::overwrite(const BookUpdate& u, int64_t recv_ns) noexcept {
  if (u.update_id == 1) ++counters_.restarts;
  const BookError e = book_.apply_snapshot(u.bids, u.bid_count, u.asks, u.ask_count);
  if (e == BookError::kBadPrice || e == BookError::kBadQty) [[unlikely]] {
    // The old book is superseded and the new one was refused: nothing left to trust.
    book_.clear();
    crossed_ = false;
    ++counters_.bad_messages;
    lose_trust();
    return SyncResult::kError;
  }
  ++counters_.snapshots;
  // The first snapshot of a connection is not a resync; regaining trust after a fault is.
  if (has_snapshot_ && !trusted_) ++counters_.resyncs;
  has_snapshot_ = true;
  trusted_ = true;
  complete_ = true;
  last_u_ = u.update_id;
  return finish(e, u, recv_ns);
}

SyncResult BookSync::finish(BookError e, const BookUpdate& u, int64_t recv_ns) noexcept {
  last_seq_ = u.seq;
  last_ts_ms_ = u.ts_ms;
  last_applied_ns_ = recv_ns;
  has_applied_ = true;
  const bool c = book_.crossed();
  if (c && !crossed_) ++counters_.crossed;
  crossed_ = c;
  if (e != BookError::kOk) [[unlikely]] {
    // kOverflowFull: applied except the refused levels, which the book no longer holds.
    ++counters_.overflow_errors;
    complete_ = false;
    return SyncResult::kError;
  }
  return SyncResult::kApplied;
}

}  // namespace mm
