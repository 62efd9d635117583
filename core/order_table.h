#pragma once
// Our own orders: a fixed number of preallocated slots, each an order's identity, terms, fills and OrderFsm.
//
// Why slots + handles: nothing is allocated after construction, and a handle (index + generation) stays cheap
// to pass around while a released-and-reused slot can never be mistaken for the order a stale handle named.
// Why our own open-addressing index on the orderLinkId: the order and execution streams name orders by that
// string; linear probing over a power-of-two table at most half full, with backward-shift deletion (no
// tombstones), keeps lookups O(1) without std::unordered_map's node allocations.
//
// orderLinkIds are "<prefix>-<sequence>" (make_link_id); the sequence only grows, so an id is never reused.
// The starting sequence is the caller's (the journal's) so a restart continues past every id already sent.
//
// Threading: single-threaded (the decision loop owns the table).
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "core/order_request.h"
#include "core/order_state.h"
#include "core/types.h"

namespace mm {

inline constexpr size_t kMaxExchangeOrderIdLen = 47;  // Bybit: 36-char UUID (derivatives), 19 digits (spot)

// One of our orders. Read through OrderTable::get(); changed only through the table.
struct OwnOrder {
  OrderLinkId link_id;
  char exchange_id[kMaxExchangeOrderIdLen + 1] = {};  // Bybit orderId once acked or reported; NUL-terminated
  uint8_t exchange_id_len = 0;
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kBuy;
  bool reduce_only = false;
  bool post_only = false;
  uint64_t sequence = 0;  // the link id's sequence
  Price price;            // as last acked (amend) or reported (stream); the create price until then
  Price amend_price;      // price of the amend in flight, 0 when none or qty only
  Qty leaves;             // resting qty (0 once terminal)
  Qty cum_filled;         // max of executions and the stream's cumExecQty
  Int128 fill_value = 0;  // sum of execution price ticks * lots: the exact average fill price numerator
  OrderFsm fsm;
  int64_t created_ns = 0;
  int64_t updated_ns = 0;       // last accepted event
  int64_t last_request_ns = 0;  // last create / amend / cancel sent (for the caller's answer timeouts)

  OrderState state() const noexcept { return fsm.state; }
  std::string_view exchange_order_id() const noexcept { return {exchange_id, exchange_id_len}; }
  // Executed lots counted from executions (fill_value's denominator; may trail cum_filled briefly).
  Qty exec_filled() const noexcept { return fsm.exec_filled; }
  // Average fill price in ticks, as the exact ratio fill_value / exec_filled, scaled by 10^decimals and
  // truncated toward zero; 0 before any execution. Returns false if the scaled value overflows int64.
  // Precondition: 0 <= decimals <= 18.
  [[nodiscard]] bool avg_fill_ticks(int decimals, int64_t& out) const noexcept;
};

struct OrderHandle {
  uint32_t index = UINT32_MAX;
  uint32_t generation = 0;
  constexpr bool valid() const noexcept { return index != UINT32_MAX; }
  friend constexpr bool operator==(OrderHandle, OrderHandle) = default;
};

// The terms of a new limit order.
struct NewOrder {
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kBuy;
  Price price;  // > 0
  Qty qty;      // > 0
  bool reduce_only = false;
  bool post_only = true;  // market making: resting only (TimeInForce PostOnly), else GTC
};

enum class TableError : uint8_t {
  kOk = 0,
  kFull,               // create: every slot is in use (release terminal orders)
  kBadOrder,           // create: price or qty <= 0
  kSequenceExhausted,  // create: the link id sequence reached UINT64_MAX
  kNoSuchOrder,        // the handle names no order in use (released, or never issued)
  kNotTerminal,        // release: the order can still rest on the book
  kAnswered,           // withdraw: an event other than kCreateSent reached the order since its create
};

constexpr std::string_view to_string(TableError e) noexcept {
  switch (e) {
    case TableError::kOk:
      return "ok";
    case TableError::kFull:
      return "full";
    case TableError::kBadOrder:
      return "bad_order";
    case TableError::kSequenceExhausted:
      return "sequence_exhausted";
    case TableError::kNoSuchOrder:
      return "no_such_order";
    case TableError::kNotTerminal:
      return "not_terminal";
    case TableError::kAnswered:
      return "answered";
  }
  return "?";
}

// What amend() and cancel() change in a slot, taken just before the call (OrderTable::undo_point), so that
// revert() can put the slot back exactly when the venue refuses the request: a refused request never left
// (strategy/venue.h), so no answer will ever settle it.
struct RequestUndo {
  OrderHandle handle;
  OrderFsm fsm;
  Price amend_price;
  int64_t updated_ns = 0;
  int64_t last_request_ns = 0;
};

class OrderTable {
 public:
  static constexpr uint32_t kMaxCapacity = 1u << 20;

  // Cold: allocates every slot and the index. Throws std::invalid_argument if capacity is 0 or above
  // kMaxCapacity, or if make_link_id refuses `link_prefix` (empty, > kMaxLinkIdPrefixLen, bad characters).
  // `first_sequence` is the sequence of the first order created (from the journal: last used + 1).
  OrderTable(uint32_t capacity, std::string_view link_prefix, uint64_t first_sequence);
  ~OrderTable();
  OrderTable(const OrderTable&) = delete;
  OrderTable& operator=(const OrderTable&) = delete;

  // Takes a slot for a new order, gives it the next link id, applies kCreateSent and fills `request` (limit,
  // PostOnly or GTC, position_idx 0) for the encoder. Call it when the create is about to be sent (after
  // the rate limiter agreed). Errors: kFull, kBadOrder, kSequenceExhausted; nothing changes on error.
  [[nodiscard]] TableError create(const NewOrder& order, int64_t now_ns, OrderHandle& out,
                                  OrderCreate& request) noexcept;

  // Applies kAmendSent and fills `request` (by link id). `price`/`qty`: the new values, nullopt = unchanged
  // (at least one must be present, else kBadEvent). Errors: kNoSuchOrder and those of transition().
  [[nodiscard]] OrderError amend(OrderHandle h, std::optional<Price> price, std::optional<Qty> qty,
                                 int64_t now_ns, OrderAmend& request) noexcept;

  // Applies kCancelSent and fills `request` (by link id). Errors: kNoSuchOrder and those of transition().
  [[nodiscard]] OrderError cancel(OrderHandle h, int64_t now_ns, OrderCancel& request) noexcept;

  // The slot's request-side state, for revert(). Precondition: contains(h).
  [[nodiscard]] RequestUndo undo_point(OrderHandle h) const noexcept {
    const Slot& s = slots_[h.index];
    return {h, s.fsm, s.amend_price, s.updated_ns, s.last_request_ns};
  }
  // Puts the slot back as undo_point() found it (the amend or cancel since is forgotten). Precondition: no
  // other event reached the order in between (the venue refuses synchronously, before anything can answer).
  // Errors: kNoSuchOrder (the handle no longer names an order in use).
  [[nodiscard]] TableError revert(const RequestUndo& undo) noexcept;

  // Forgets an order whose create the venue refused (it never left): frees its slot and its link id in the
  // index. The link id's sequence stays used, so ids are never reused. Withdrawing the orders of one refused
  // request last-created first restores the iteration order (size() / handle_at()) exactly.
  // Errors: kNoSuchOrder, kAnswered (anything but kCreateSent reached the order: it is not ours to forget).
  [[nodiscard]] TableError withdraw(OrderHandle h) noexcept;

  // Applies any other event (answers, stream updates, executions, timeouts, query results) and keeps price,
  // leaves, cum_filled, fill_value and the exchange order id in step. Refused events are counted
  // (errors()). Errors: kNoSuchOrder and those of transition().
  [[nodiscard]] OrderError apply(OrderHandle h, const OrderEvent& ev, int64_t now_ns) noexcept;

  // The order named by a link id, or an invalid handle. O(1).
  [[nodiscard]] OrderHandle find(std::string_view link_id) const noexcept;

  // Precondition: contains(h). Reference valid until the slot is released.
  [[nodiscard]] const OwnOrder& get(OrderHandle h) const noexcept { return slots_[h.index]; }
  [[nodiscard]] bool contains(OrderHandle h) const noexcept;

  // Frees the slot of a terminal order (Filled, Cancelled, Rejected). Events that arrive later for its link
  // id find nothing; waiting for fsm.settled() avoids that for stream reports. Errors: kNoSuchOrder,
  // kNotTerminal.
  [[nodiscard]] TableError release(OrderHandle h) noexcept;

  // Orders in use (any state), in no particular order. Releasing the order at position i moves the last one
  // into i: to release while iterating, go from size() - 1 down to 0.
  [[nodiscard]] uint32_t size() const noexcept { return used_count_; }
  [[nodiscard]] uint32_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] OrderHandle handle_at(uint32_t i) const noexcept {
    const uint32_t s = used_[i];
    return {s, slots_[s].generation};
  }
  template <class F>
  void for_each(F&& f) const noexcept(noexcept(f(OrderHandle{}, std::declval<const OwnOrder&>()))) {
    for (uint32_t i = 0; i < used_count_; ++i) {
      const uint32_t s = used_[i];
      f(OrderHandle{s, slots_[s].generation}, static_cast<const OwnOrder&>(slots_[s]));
    }
  }

  // The sequence the next create will use (persist it in the journal before sending).
  [[nodiscard]] uint64_t next_sequence() const noexcept { return next_sequence_; }
  [[nodiscard]] const OrderErrorCounter& errors() const noexcept { return errors_; }

 private:
  struct Slot : OwnOrder {
    uint32_t generation = 1;
    uint32_t used_pos = 0;  // position in used_
    uint32_t hash = 0;
    bool in_use = false;
  };
  struct IndexEntry {
    uint32_t hash = 0;
    uint32_t slot = kEmpty;  // kEmpty when unused
  };
  static constexpr uint32_t kEmpty = UINT32_MAX;

  Slot* slot_of(OrderHandle h) noexcept;
  void index_insert(uint32_t slot, uint32_t hash) noexcept;
  void index_erase(uint32_t slot, uint32_t hash) noexcept;
  OrderError finish_event(Slot& s, OrderError e, const OrderEvent& ev, int64_t now_ns) noexcept;
  void free_slot(Slot& s, uint32_t index) noexcept;

  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<uint32_t[]> free_;  // stack of free slot indices
  std::unique_ptr<uint32_t[]> used_;  // dense list of slots in use
  std::unique_ptr<IndexEntry[]> index_;
  uint32_t capacity_ = 0;
  uint32_t free_count_ = 0;
  uint32_t used_count_ = 0;
  uint32_t index_mask_ = 0;
  uint64_t next_sequence_ = 0;
  char prefix_[kMaxLinkIdPrefixLen + 1] = {};
  uint8_t prefix_len_ = 0;
  OrderErrorCounter errors_;
};

// Hash of an orderLinkId as the table uses it (exposed for tests and benchmarks).
[[nodiscard]] uint32_t link_id_hash(std::string_view id) noexcept;

}  // namespace mm
