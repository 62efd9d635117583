#pragma once
// RingVenue: the venue of the decision thread in `mm replay --layout pipeline`. It encodes nothing: each
// accepted action is copied into an SPSC ring for the dispatch thread, which encodes it with a RecordingVenue
// (so the frames are byte-identical to the one-thread layout's). A tick that sends anything is framed by a
// kBegin item (its venue time) and a kEnd item (its TSC stamps), pushed by the driver through end_tick().
//
// Why actions are pushed as they are sent rather than at the end of the tick: the dispatch thread can encode
// the first span while the decision thread is still placing the next ones.
//
// Ring full: the send is refused (returns false, nothing of it pushed, counted in refusals()), as a live
// venue refuses when its buffer is full: do_work() never blocks, and the Trader keeps a refused action out of
// flight (strategy/venue.h). One worst tick always fits an empty ring (static_assert below), so a refusal
// means the dispatch thread is behind, never that a tick cannot be expressed. Every send keeps one slot free
// for the tick's kEnd, so an open tick can always be closed.
#include <array>
#include <cstdint>
#include <span>

#include "core/order_request.h"
#include "core/spsc_ring.h"
#include "strategy/quoter.h"
#include "strategy/trader.h"

namespace mm {

enum class ActionKind : uint8_t { kBegin = 0, kCreate, kAmend, kCancel, kCancelAll, kEnd };

struct TickBegin {
  int64_t recv_ns = 0;  // the venue clock of the tick (frame time): the encoder's request timestamps
};

// Stamps of one tick, taken on the decision thread, for the dispatch thread's encode/total/quote records.
struct TickEnd {
  int64_t t0 = 0;      // frame available (feed thread)
  int64_t t1 = 0;      // parsed
  int64_t pushed = 0;  // this item pushed (for the dispatch hop)
  std::array<int64_t, kTickMarkCount> stamps{};
  uint32_t actions = 0;  // Trader::last_action_count(): > 0 makes the tick a `quote` sample
};

struct ActionItem {
  ActionKind kind = ActionKind::kBegin;
  bool last = false;  // last item of one send_* span: the dispatch thread sends the span it collected
  union Payload {
    TickBegin begin;
    OrderCreate create;
    OrderAmend amend;
    OrderCancel cancel;
    CancelAll cancel_all;
    TickEnd end;
    Payload() noexcept : begin{} {}
  } u;
};
static_assert(std::is_trivially_copyable_v<ActionItem>, "ring items are copied as bytes");

inline constexpr size_t kActionRingCapacity = 1024;
using ActionRing = SpscRing<ActionItem, kActionRingCapacity>;

class RingVenue {
 public:
  // The longest span one send_* accepts; the dispatch thread collects spans up to this size.
  static constexpr size_t kMaxSpan = kMaxQuoterLiveOrders;
  static_assert(kMaxSpan >= kMaxQuoteCreates && kMaxSpan >= kMaxQuoteAmends && kMaxSpan >= kMaxQuoteCancels);
  static constexpr size_t kMaxKept = 128;  // as RecordingVenue::kMaxKept

  // Precondition: ring outlives the venue; this venue is the ring's only producer.
  explicit RingVenue(ActionRing& ring) noexcept : ring_(ring) {}

  void set_time(int64_t now_ns) noexcept { now_ns_ = now_ns; }
  int64_t now_ns() const noexcept { return now_ns_; }

  void begin_tick() noexcept {
    n_creates_ = n_amends_ = n_cancels_ = 0;
    tick_cancel_all_ = false;
    tick_open_ = false;
  }

  // Venue concept. Return false only for a span longer than kMaxSpan (nothing pushed); an empty span is a
  // no-op.
  bool send_creates(std::span<const OrderCreate> a) noexcept {
    return send(a, ActionKind::kCreate, kept_creates_, n_creates_);
  }
  bool send_amends(std::span<const OrderAmend> a) noexcept {
    return send(a, ActionKind::kAmend, kept_amends_, n_amends_);
  }
  bool send_cancels(std::span<const OrderCancel> a) noexcept {
    return send(a, ActionKind::kCancel, kept_cancels_, n_cancels_);
  }
  bool send_cancel_all(const CancelAll& a) noexcept {
    if (!reserve(1)) return false;
    open();
    ActionItem it;
    it.kind = ActionKind::kCancelAll;
    it.last = true;
    it.u.cancel_all = a;
    push(it);
    tick_cancel_all_ = true;
    return true;
  }

  // True when this tick pushed anything (a kBegin is in the ring and a kEnd must follow).
  bool tick_open() const noexcept { return tick_open_; }
  // Closes an open tick with its stamps. Precondition: tick_open().
  void end_tick(const TickEnd& e) noexcept {
    ActionItem it;
    it.kind = ActionKind::kEnd;
    it.last = true;
    it.u.end = e;
    it.u.end.pushed = TscClock::read_ticks();
    push(it);  // cannot fail: every send of this tick left a slot for it (reserve)
    tick_open_ = false;
  }

  // Accepted since begin_tick(), as RecordingVenue's accessors (the replay's confirm step reads them).
  std::span<const OrderCreate> tick_creates() const noexcept { return {kept_creates_.data(), n_creates_}; }
  std::span<const OrderAmend> tick_amends() const noexcept { return {kept_amends_.data(), n_amends_}; }
  std::span<const OrderCancel> tick_cancels() const noexcept { return {kept_cancels_.data(), n_cancels_}; }
  bool tick_cancel_all() const noexcept { return tick_cancel_all_; }

  // Sends refused because the ring was full.
  uint64_t refusals() const noexcept { return refusals_; }

 private:
  void open() noexcept {
    if (tick_open_) return;
    tick_open_ = true;
    ActionItem it;
    it.kind = ActionKind::kBegin;
    it.last = true;
    it.u.begin.recv_ns = now_ns_;
    push(it);
  }

  // Room for `items` more items of this tick, its kBegin when it is not open yet, and its kEnd.
  bool reserve(size_t items) noexcept {
    if (ring_.has_room(items + (tick_open_ ? 0 : 1) + 1)) return true;
    ++refusals_;
    return false;
  }

  // Precondition: reserve() made room for this item.
  void push(const ActionItem& it) noexcept { (void)ring_.try_push(it); }

  template <class T, size_t N>
  bool send(std::span<const T> a, ActionKind kind, std::array<T, N>& kept, size_t& n_kept) noexcept {
    if (a.empty()) return true;
    if (a.size() > kMaxSpan) return false;
    if (!reserve(a.size())) return false;
    open();
    ActionItem it;
    it.kind = kind;
    for (size_t i = 0; i < a.size(); ++i) {
      it.last = i + 1 == a.size();
      if constexpr (std::is_same_v<T, OrderCreate>) it.u.create = a[i];
      if constexpr (std::is_same_v<T, OrderAmend>) it.u.amend = a[i];
      if constexpr (std::is_same_v<T, OrderCancel>) it.u.cancel = a[i];
      push(it);
      if (n_kept < N) kept[n_kept++] = a[i];
    }
    return true;
  }

  ActionRing& ring_;
  int64_t now_ns_ = 0;
  uint64_t refusals_ = 0;
  bool tick_open_ = false;
  std::array<OrderCreate, kMaxKept> kept_creates_{};
  std::array<OrderAmend, kMaxKept> kept_amends_{};
  std::array<OrderCancel, kMaxKept> kept_cancels_{};
  size_t n_creates_ = 0, n_amends_ = 0, n_cancels_ = 0;
  bool tick_cancel_all_ = false;
};

static_assert(Venue<RingVenue>);
// The worst tick: kBegin, every create, amend and cancel the quoter can emit, a cancel-all, kEnd. A driver
// that takes a book message only when the ring has this much room never sees a refusal (replay's pipeline).
inline constexpr size_t kWorstTickItems = 1 + kMaxQuoteCreates + kMaxQuoteAmends + kMaxQuoteCancels + 1 + 1;
static_assert(kActionRingCapacity >= kWorstTickItems, "one worst tick must fit an empty action ring");

}  // namespace mm
