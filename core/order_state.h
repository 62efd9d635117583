#pragma once
// The life of one of our orders as a pure transition function over a small struct.
//
// Why a separate "base" state and in-flight flags: Bybit answers a request (trade WebSocket / REST) and
// reports the order (private `order` / `execution` streams) on independent channels with no ordering between
// them. An amend or cancel can be in flight while fills and stream updates arrive, and either request can be
// answered after the order already ended. Keeping "what the exchange last told us" (base) apart from "what we
// asked and have not heard back about" (flags) makes every one of those races an ordinary, legal transition;
// the visible `state` is derived from both.
//
// Races that are legal here (DESIGN.md section 4): a create ack is "accepted", not live (the stream
// confirms); a Filled after a cancel was sent (cancel/fill race); a second Filled update (Bybit tags it
// cancelType CancelByUser); an amend or cancel answered after the order ended; executions before the order
// update; a post-only order acked and then Cancelled with EC_PostOnlyWillTakeLiquidity; a create with no
// answer in time becomes Unknown (never assumed failed) until the stream or a REST query settles it.
//
// Why the private-event types are only forward-declared: the machine speaks its own small vocabulary
// (OrderEvent, StreamStatus), so the order table and its users need not pull in the decoded-message structs;
// the conversions from them are defined in order_state.cpp.
#include <cstdint>
#include <string_view>

#include "core/types.h"

namespace mm {

enum class OrderState : uint8_t {
  kPendingNew = 0,   // create sent (acked or not), not yet confirmed by the order stream
  kNew,              // resting, nothing filled
  kPartiallyFilled,  // resting, some filled
  kFilled,           // fully filled (by the stream, or by executions before the stream said so)
  kPendingAmend,     // live, an amend in flight
  kPendingCancel,    // a cancel in flight, or acked and waiting for the stream's Cancelled
  kCancelled,  // ended with leaves cancelled (also PartiallyFilledCanceled, Deactivated, post-only cross)
  kRejected,   // never lived: create rejected, stream Rejected, or a query found no such order
  kUnknown,    // a request got no answer in time: ask the exchange (stream or REST) before acting
};
inline constexpr int kOrderStateCount = 9;

constexpr std::string_view to_string(OrderState s) noexcept {
  switch (s) {
    case OrderState::kPendingNew:
      return "PendingNew";
    case OrderState::kNew:
      return "New";
    case OrderState::kPartiallyFilled:
      return "PartiallyFilled";
    case OrderState::kFilled:
      return "Filled";
    case OrderState::kPendingAmend:
      return "PendingAmend";
    case OrderState::kPendingCancel:
      return "PendingCancel";
    case OrderState::kCancelled:
      return "Cancelled";
    case OrderState::kRejected:
      return "Rejected";
    case OrderState::kUnknown:
      return "Unknown";
  }
  return "?";
}

// The order can no longer rest on the book (its slot may be released once the caller is done with it).
constexpr bool is_terminal(OrderState s) noexcept {
  return s == OrderState::kFilled || s == OrderState::kCancelled || s == OrderState::kRejected;
}
// A request is in flight or the order's fate is unknown: the quoter must not act on it again until it
// settles.
constexpr bool is_pending(OrderState s) noexcept {
  return s == OrderState::kPendingNew || s == OrderState::kPendingAmend || s == OrderState::kPendingCancel ||
         s == OrderState::kUnknown;
}

enum class OrderEventKind : uint8_t {
  kCreateSent = 0,  // qty: order qty (> 0). Must be the first event of an order.
  kCreateAcked,     // retCode 0: accepted, not live. order_id: Bybit's orderId (may be empty)
  kCreateRejected,  // retCode != 0: the order was not placed
  kAmendSent,       // price: new price (0 = unchanged); qty: new order qty (0 = unchanged)
  kAmendAcked,
  kAmendRejected,
  kCancelSent,
  kCancelAcked,     // accepted: the stream's Cancelled (or a racing Filled) settles the order
  kCancelRejected,  // e.g. 110001 "order not exists or too late to cancel": a fill usually follows
  kTimeout,         // the requests in flight got no answer in time: Unknown until the stream or a query says
  kStream,     // an `order` stream update or a REST order query result: status, price, qty, cum_qty, leaves
  kExecution,  // one fill: price, qty (> 0)
  kNotFound,   // a REST query says the exchange has no such order (only meaningful before it was seen)
};
inline constexpr int kOrderEventKindCount = 13;

constexpr std::string_view to_string(OrderEventKind k) noexcept {
  switch (k) {
    case OrderEventKind::kCreateSent:
      return "create_sent";
    case OrderEventKind::kCreateAcked:
      return "create_acked";
    case OrderEventKind::kCreateRejected:
      return "create_rejected";
    case OrderEventKind::kAmendSent:
      return "amend_sent";
    case OrderEventKind::kAmendAcked:
      return "amend_acked";
    case OrderEventKind::kAmendRejected:
      return "amend_rejected";
    case OrderEventKind::kCancelSent:
      return "cancel_sent";
    case OrderEventKind::kCancelAcked:
      return "cancel_acked";
    case OrderEventKind::kCancelRejected:
      return "cancel_rejected";
    case OrderEventKind::kTimeout:
      return "timeout";
    case OrderEventKind::kStream:
      return "stream";
    case OrderEventKind::kExecution:
      return "execution";
    case OrderEventKind::kNotFound:
      return "not_found";
  }
  return "?";
}

// Bybit's orderStatus folded to what the state machine distinguishes (see classify()).
enum class StreamStatus : uint8_t {
  kAccepted = 0,  // Created: accepted by the system, not yet through matching
  kNew,           // New; Untriggered, Triggered, Active (conditional orders resting)
  kPartiallyFilled,
  kFilled,
  kCancelled,  // Cancelled, PartiallyFilledCanceled, Deactivated
  kRejected,
  kOther,  // a status this build does not know: the order becomes Unknown (reconcile)
};

enum class OrderError : uint8_t {
  kOk = 0,
  kIllegalTransition,  // the event cannot happen in this state (New after a final Filled, amend while
                       // pending, an event before kCreateSent, a create rejected after the stream confirmed
                       // the order, ...)
  kOverfill,      // executions above the order qty (max of qty and an amend qty in flight)
  kFillMismatch,  // fills disagree with a final report (executions above its cumExecQty, or a stream
                  // qty below the executions already counted)
  kBadEvent,      // malformed event: qty/price <= 0 on an execution, cum > qty, Filled with cum != qty,
                  // negative amend values, an amend qty not above what is filled
  kNoSuchOrder,   // OrderTable::apply: the handle names no order in use (released, or never issued)
};
inline constexpr int kOrderErrorCount = 6;

constexpr std::string_view to_string(OrderError e) noexcept {
  switch (e) {
    case OrderError::kOk:
      return "ok";
    case OrderError::kIllegalTransition:
      return "illegal_transition";
    case OrderError::kOverfill:
      return "overfill";
    case OrderError::kFillMismatch:
      return "fill_mismatch";
    case OrderError::kBadEvent:
      return "bad_event";
    case OrderError::kNoSuchOrder:
      return "no_such_order";
  }
  return "?";
}

// One input of the state machine. Fields not listed for a kind are ignored. `order_id` views the caller's
// buffer and is only read during the call.
struct OrderEvent {
  OrderEventKind kind = OrderEventKind::kStream;
  StreamStatus status = StreamStatus::kOther;  // kStream
  bool post_only_would_take = false;  // kStream Cancelled with rejectReason EC_PostOnlyWillTakeLiquidity
  Price price;  // kAmendSent: new price (0 = unchanged); kStream: order price; kExecution: fill price
  Qty qty;      // kCreateSent: order qty; kAmendSent: new qty (0 = unchanged); kStream: order qty;
                // kExecution: fill qty
  Qty cum_qty;  // kStream: cumExecQty
  Qty leaves;   // kStream: leavesQty (informational; the machine derives leaves itself)
  std::string_view order_id;  // kCreateAcked, kStream: Bybit's orderId, may be empty

  static constexpr OrderEvent make(OrderEventKind k) noexcept {
    OrderEvent e;
    e.kind = k;
    return e;
  }
  static constexpr OrderEvent create_sent(Qty q) noexcept {
    OrderEvent e = make(OrderEventKind::kCreateSent);
    e.qty = q;
    return e;
  }
  static constexpr OrderEvent create_acked(std::string_view id = {}) noexcept {
    OrderEvent e = make(OrderEventKind::kCreateAcked);
    e.order_id = id;
    return e;
  }
  static constexpr OrderEvent amend_sent(Price p, Qty q) noexcept {
    OrderEvent e = make(OrderEventKind::kAmendSent);
    e.price = p;
    e.qty = q;
    return e;
  }
  static constexpr OrderEvent stream(StreamStatus s, Price p, Qty q, Qty cum, Qty leaves_qty) noexcept {
    OrderEvent e = make(OrderEventKind::kStream);
    e.status = s;
    e.price = p;
    e.qty = q;
    e.cum_qty = cum;
    e.leaves = leaves_qty;
    return e;
  }
  static constexpr OrderEvent execution(Price p, Qty q) noexcept {
    OrderEvent e = make(OrderEventKind::kExecution);
    e.price = p;
    e.qty = q;
    return e;
  }
};

// The machine's memory of one order (48 bytes, trivially copyable). Read `state`; the other members are
// exposed for logging and tests and are changed only by transition().
struct OrderFsm {
  static constexpr uint8_t kSent = 1u << 0;
  static constexpr uint8_t kAcked = 1u << 1;       // a create ack or a stream report was seen
  static constexpr uint8_t kStreamSeen = 1u << 2;  // the order stream (or a query) reported the order
  static constexpr uint8_t kFinal = 1u << 3;       // the exchange's last word is in: nothing more changes
  static constexpr uint8_t kAmendInFlight = 1u << 4;
  static constexpr uint8_t kCancelInFlight = 1u << 5;
  static constexpr uint8_t kCancelAcked = 1u << 6;
  static constexpr uint8_t kPostOnlyCancelled = 1u << 7;  // cancelled because a post-only order would cross

  OrderState state = OrderState::kPendingNew;  // what callers act on
  OrderState base = OrderState::kPendingNew;   // the order as last reported, ignoring requests in flight
  uint8_t flags = 0;
  // An acked amend changed qty and no stream report has shown the new qty yet: a report with another qty was
  // sent before the amend (the trade WebSocket's ack can overtake the private stream), so its qty is stale.
  bool stream_qty_behind = false;
  Qty qty;            // order qty: the create qty, then the last acked amend or stream report
  Qty amend_qty;      // qty of the amend in flight (0: none, or price only)
  Qty exec_filled;    // sum of executions seen
  Qty stream_filled;  // highest cumExecQty reported by the stream
  // The largest qty the order has had (create, acked amend, stream report): executions above it are an
  // overfill. Not `qty`: a report that arrives late or out of order can show a qty the venue has since
  // raised.
  Qty peak_qty;

  constexpr bool has(uint8_t f) const noexcept { return (flags & f) != 0; }
  // Settled: a final stream report, a create reject or a not-found. Until then even a Filled (from
  // executions) still expects the stream's confirmation.
  constexpr bool settled() const noexcept { return has(kFinal); }
  constexpr bool post_only_cancelled() const noexcept { return has(kPostOnlyCancelled); }
  // Filled so far: the two channels report the same fills at different times, so the larger one is the truth.
  constexpr Qty filled() const noexcept {
    return exec_filled.lots > stream_filled.lots ? exec_filled : stream_filled;
  }
  // Quantity still resting (0 once terminal).
  constexpr Qty leaves() const noexcept {
    if (is_terminal(state)) return Qty{0};
    const int64_t l = qty.lots - filled().lots;
    return Qty{l > 0 ? l : 0};
  }
};

// Applies one event. Returns kOk and updates `fsm`, or returns an error and leaves `fsm` untouched (the
// caller counts and logs it; see OrderErrorCounter). Errors: kIllegalTransition, kOverfill, kFillMismatch,
// kBadEvent. Preconditions: none (any event in any state is answered). Note for executions: an execution is a
// fact about the account even when it is refused here; apply it to the Position regardless, and reconcile the
// order. Executions must be fed once per execId (do not feed both `execution` and `execution.fast` for one
// fill).
[[nodiscard]] OrderError transition(OrderFsm& fsm, const OrderEvent& ev) noexcept;

// Counts refused events per error code.
struct OrderErrorCounter {
  uint64_t counts[kOrderErrorCount] = {};

  void add(OrderError e) noexcept {
    if (e != OrderError::kOk) ++counts[static_cast<int>(e)];
  }
  uint64_t count(OrderError e) const noexcept { return counts[static_cast<int>(e)]; }
  uint64_t total() const noexcept {
    uint64_t t = 0;
    for (int i = 1; i < kOrderErrorCount; ++i) t += counts[i];
    return t;
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Conversions from the decoded private events (core/private_events.h). Include that header to call them.

enum class OrderStatus : uint8_t;
enum class TradeOp : uint8_t;
struct OrderUpdate;
struct Execution;

// Folds Bybit's orderStatus. Unknown or unexpected values give kOther.
[[nodiscard]] StreamStatus classify(OrderStatus s) noexcept;

// A kStream event from an order-stream update (status, price, qty, cumExecQty, leavesQty, orderId, and the
// post-only cross reason). The event views u.order_id: use it before `u` changes.
[[nodiscard]] OrderEvent order_event(const OrderUpdate& u) noexcept;

// A kExecution event (execPrice, execQty). Precondition: x is a fill of an order (execType Trade and the
// like), not a funding or settlement record.
[[nodiscard]] OrderEvent order_event(const Execution& x) noexcept;

// An amend or cancel refused because the venue holds no live order under that link id: 110001 "order not
// exists or too late to cancel/replace", 110008 "order has been finished or cancelled", 110010 "order has
// been cancelled", 170213 (spot) "order does not exist". The order has ended (its final report is on its way
// on the order stream) or its create has not reached the matching engine yet. Taken as a plain refusal, the
// order would read as live again and the quoter would repeat the request at every tick until the stream
// caught up: a loop that spends the cancel budget the other orders need (found at shutdown, where it left
// orders unconfirmed). The order is Unknown instead, until the stream or a query says what it is.
constexpr bool order_gone(int32_t ret_code) noexcept {
  return ret_code == 110001 || ret_code == 110008 || ret_code == 110010 || ret_code == 170213;
}

// An answer that says nothing about whether the request reached the matching engine: 10000 "server timeout",
// 10016 "server error / service restarting" and 10014 "invalid duplicate request" (the venue saw an identical
// request, which may have been acted on): net/ret_codes.h's ambiguous class (10000 is in Bybit's error list,
// not in bybit-spec.md's table; net/ret_codes.h classifies it from the former). The venue may or may not hold
// the order (or have applied the amend or cancel): exactly as if no answer had come, the order is Unknown
// until the order stream or GET /v5/order/realtime?orderLinkId= settles it, and a create is never sent again
// under a new link id meanwhile (a second order for one intent if the venue had the first). Not 10019 "trade
// service restarting": the request was refused before it was acted on (a plain refusal; net/ret_codes.h:
// retryable).
constexpr bool outcome_unknown(int32_t ret_code) noexcept {
  return ret_code == 10000 || ret_code == 10014 || ret_code == 10016;
}

// The event of one trade answer (trade WebSocket or REST): `op` (single or batch), `ret_code` (the answer's
// retCode, or a batch item's code) and `order_id` (may be empty). retCode 0 gives the *Acked kind; an
// outcome_unknown() code gives kTimeout, for any request; so does an amend or cancel refused with an
// order_gone() code (the order's fate is the stream's or a query's to tell); any other code gives the
// *Rejected kind. The live node classifies every answer with it. Returns false (out untouched) for an
// unknown op.
[[nodiscard]] bool ack_event(TradeOp op, int32_t ret_code, std::string_view order_id,
                             OrderEvent& out) noexcept;

}  // namespace mm
