#include "core/order_state.h"

#include "core/private_events.h"

namespace mm {
namespace {

using F = OrderFsm;

constexpr int64_t max64(int64_t a, int64_t b) noexcept {
  return a > b ? a : b;
}

// What executions may add up to before they are an overfill: the largest qty the order has had, or the amend
// in flight (the exchange applies it at some unknown point).
int64_t overfill_limit(const OrderFsm& f) noexcept {
  const int64_t q = max64(f.qty.lots, f.peak_qty.lots);
  return f.has(F::kAmendInFlight) && f.amend_qty.lots > 0 ? max64(q, f.amend_qty.lots) : q;
}

// When the order is complete by its fills: its qty, or the amend in flight's if larger.
int64_t fill_limit(const OrderFsm& f) noexcept {
  return f.has(F::kAmendInFlight) && f.amend_qty.lots > 0 ? max64(f.qty.lots, f.amend_qty.lots) : f.qty.lots;
}

// Re-derives the base state from the fills of an order that is not settled yet.
void settle_fills(OrderFsm& f) noexcept {
  const int64_t filled = f.filled().lots;
  const int64_t limit = fill_limit(f);
  const bool full = limit > 0 && filled >= limit;
  switch (f.base) {
    case OrderState::kPendingNew:
    case OrderState::kNew:
    case OrderState::kPartiallyFilled:
      if (full) {
        f.base = OrderState::kFilled;
      } else if (filled > 0) {
        f.base = OrderState::kPartiallyFilled;
      }
      break;
    case OrderState::kFilled:  // filled by executions; an acked amend or a stream report can raise qty again
      if (!full) f.base = filled > 0 ? OrderState::kPartiallyFilled : OrderState::kNew;
      break;
    case OrderState::kUnknown:  // only a complete fill settles an unknown order without the stream
      if (full) f.base = OrderState::kFilled;
      break;
    default:
      break;
  }
}

void derive_state(OrderFsm& f) noexcept {
  // A request in flight matters only while the order can still rest on the book.
  const bool open = !is_terminal(f.base);
  if (open && f.has(F::kCancelInFlight)) {
    f.state = OrderState::kPendingCancel;
  } else if (open && f.has(F::kAmendInFlight)) {
    f.state = OrderState::kPendingAmend;
  } else {
    f.state = f.base;
  }
}

void clear_requests(OrderFsm& f) noexcept {
  f.flags = static_cast<uint8_t>(f.flags & ~(F::kAmendInFlight | F::kCancelInFlight | F::kCancelAcked));
  f.amend_qty = Qty{0};
}

void finish(OrderFsm& f, OrderState s) noexcept {
  f.base = s;
  f.flags |= F::kFinal;
  clear_requests(f);
}

// An answer to a request that is no longer tracked: legal once the order ended or became unknown (the answer
// lost the race against the stream, or came after our timeout), a caller bug otherwise.
OrderError late_answer(const OrderFsm& f) noexcept {
  return is_terminal(f.base) || f.base == OrderState::kUnknown ? OrderError::kOk
                                                               : OrderError::kIllegalTransition;
}

bool never_seen_live(const OrderFsm& f) noexcept {
  return !f.has(F::kStreamSeen) && f.exec_filled.lots == 0;
}

OrderError on_stream(OrderFsm& f, const OrderEvent& ev) noexcept {
  const StreamStatus s = ev.status;
  if (s == StreamStatus::kOther) {
    if (f.settled()) return OrderError::kOk;  // nothing left to reconcile
    f.base = OrderState::kUnknown;
    clear_requests(f);
    return OrderError::kOk;
  }
  if (s == StreamStatus::kAccepted) {
    if (f.settled()) return OrderError::kIllegalTransition;  // the order topic is ordered: Created is first
    f.flags |= F::kAcked | F::kStreamSeen;
    if (f.base == OrderState::kUnknown) f.base = OrderState::kPendingNew;
    return OrderError::kOk;
  }
  if (ev.qty.lots <= 0 || ev.cum_qty.lots < 0 || ev.cum_qty.lots > ev.qty.lots) return OrderError::kBadEvent;
  if (s == StreamStatus::kFilled && ev.cum_qty.lots != ev.qty.lots) return OrderError::kBadEvent;

  const bool is_final_status =
      s == StreamStatus::kFilled || s == StreamStatus::kCancelled || s == StreamStatus::kRejected;
  if (f.settled()) {
    // Only a repeat of the final report is legal (Bybit sends a second Filled tagged CancelByUser when a
    // cancel raced the fill); anything else contradicts it (New after Filled, Filled after Cancelled, ...).
    const OrderState same = s == StreamStatus::kFilled      ? OrderState::kFilled
                            : s == StreamStatus::kCancelled ? OrderState::kCancelled
                            : s == StreamStatus::kRejected  ? OrderState::kRejected
                                                            : OrderState::kUnknown;
    if (same != f.base) return OrderError::kIllegalTransition;
    if (ev.cum_qty.lots < f.exec_filled.lots) return OrderError::kFillMismatch;
    f.stream_filled.lots = max64(f.stream_filled.lots, ev.cum_qty.lots);
    return OrderError::kOk;
  }
  // A live report older than the last acked amend keeps the amended qty (its other fields still count:
  // cumExecQty only grows). A final report is never older than an amend the venue acked.
  const bool stale_qty = f.stream_qty_behind && !is_final_status && ev.qty.lots != f.qty.lots;
  if (!stale_qty && ev.qty.lots < f.exec_filled.lots) return OrderError::kFillMismatch;
  if (is_final_status && ev.cum_qty.lots < f.exec_filled.lots) return OrderError::kFillMismatch;

  f.flags |= F::kAcked | F::kStreamSeen;
  if (!stale_qty) {
    f.qty = ev.qty;
    f.peak_qty.lots = max64(f.peak_qty.lots, f.qty.lots);
    f.stream_qty_behind = false;
  }
  f.stream_filled.lots = max64(f.stream_filled.lots, ev.cum_qty.lots);
  switch (s) {
    case StreamStatus::kNew:
      // A stale New (executions got here first) keeps the fill-derived state.
      if (f.base != OrderState::kPartiallyFilled && f.base != OrderState::kFilled) f.base = OrderState::kNew;
      settle_fills(f);
      break;
    case StreamStatus::kPartiallyFilled:
      if (f.base != OrderState::kFilled) f.base = OrderState::kPartiallyFilled;
      settle_fills(f);
      break;
    case StreamStatus::kFilled:
      finish(f, OrderState::kFilled);
      break;
    case StreamStatus::kCancelled:
      finish(f, OrderState::kCancelled);
      if (ev.post_only_would_take) f.flags |= F::kPostOnlyCancelled;
      break;
    case StreamStatus::kRejected:
      finish(f, OrderState::kRejected);
      break;
    default:
      break;
  }
  return OrderError::kOk;
}

OrderError on_execution(OrderFsm& f, const OrderEvent& ev) noexcept {
  if (ev.qty.lots <= 0 || ev.price.ticks <= 0) return OrderError::kBadEvent;
  int64_t total;
  if (__builtin_add_overflow(f.exec_filled.lots, ev.qty.lots, &total)) return OrderError::kOverfill;
  if (f.settled()) {
    // Executions may trail the final report, never exceed it.
    if (total > f.stream_filled.lots) return OrderError::kFillMismatch;
    f.exec_filled.lots = total;
    return OrderError::kOk;
  }
  if (total > overfill_limit(f)) return OrderError::kOverfill;
  f.exec_filled.lots = total;
  settle_fills(f);
  return OrderError::kOk;
}

OrderError apply(OrderFsm& f, const OrderEvent& ev) noexcept {
  if (ev.kind == OrderEventKind::kCreateSent) {
    if (f.has(F::kSent)) return OrderError::kIllegalTransition;
    if (ev.qty.lots <= 0) return OrderError::kBadEvent;
    f = OrderFsm{};
    f.flags = F::kSent;
    f.qty = ev.qty;
    f.peak_qty = ev.qty;
    return OrderError::kOk;
  }
  if (!f.has(F::kSent)) return OrderError::kIllegalTransition;

  switch (ev.kind) {
    case OrderEventKind::kCreateSent:
      return OrderError::kIllegalTransition;  // handled above

    case OrderEventKind::kCreateAcked:
      if (f.settled()) return OrderError::kOk;
      f.flags |= F::kAcked;
      if (f.base == OrderState::kUnknown && !f.has(F::kStreamSeen)) f.base = OrderState::kPendingNew;
      return OrderError::kOk;

    case OrderEventKind::kCreateRejected:
    case OrderEventKind::kNotFound:
      if (f.settled())
        return f.base == OrderState::kRejected ? OrderError::kOk : OrderError::kIllegalTransition;
      if (!never_seen_live(f)) return OrderError::kIllegalTransition;
      finish(f, OrderState::kRejected);
      return OrderError::kOk;

    case OrderEventKind::kAmendSent: {
      const bool live = f.base == OrderState::kNew || f.base == OrderState::kPartiallyFilled;
      if (!live || f.has(F::kAmendInFlight) || f.has(F::kCancelInFlight))
        return OrderError::kIllegalTransition;
      if (ev.qty.lots < 0 || ev.price.ticks < 0) return OrderError::kBadEvent;
      if (ev.qty.lots > 0 && ev.qty.lots <= f.filled().lots) return OrderError::kBadEvent;
      f.flags |= F::kAmendInFlight;
      f.amend_qty = ev.qty;
      return OrderError::kOk;
    }

    case OrderEventKind::kAmendAcked:
    case OrderEventKind::kAmendRejected:
      if (!f.has(F::kAmendInFlight)) return late_answer(f);
      if (ev.kind == OrderEventKind::kAmendAcked && f.amend_qty.lots > 0 && f.amend_qty.lots != f.qty.lots) {
        f.qty = f.amend_qty;
        f.peak_qty.lots = max64(f.peak_qty.lots, f.qty.lots);
        f.stream_qty_behind = true;
      }
      f.flags = static_cast<uint8_t>(f.flags & ~F::kAmendInFlight);
      f.amend_qty = Qty{0};
      settle_fills(f);
      return OrderError::kOk;

    case OrderEventKind::kCancelSent: {
      const bool cancellable = f.base == OrderState::kPendingNew || f.base == OrderState::kNew ||
                               f.base == OrderState::kPartiallyFilled || f.base == OrderState::kUnknown;
      if (!cancellable || f.has(F::kCancelInFlight)) return OrderError::kIllegalTransition;
      f.flags |= F::kCancelInFlight;
      return OrderError::kOk;
    }

    case OrderEventKind::kCancelAcked:
      if (!f.has(F::kCancelInFlight)) return late_answer(f);
      f.flags |= F::kCancelAcked;
      return OrderError::kOk;

    case OrderEventKind::kCancelRejected:
      if (!f.has(F::kCancelInFlight)) return late_answer(f);
      f.flags = static_cast<uint8_t>(f.flags & ~(F::kCancelInFlight | F::kCancelAcked));
      return OrderError::kOk;

    case OrderEventKind::kTimeout: {
      if (is_terminal(f.base) || f.base == OrderState::kUnknown) {
        clear_requests(f);
        return OrderError::kOk;
      }
      const bool waiting =
          f.base == OrderState::kPendingNew || f.has(F::kAmendInFlight) || f.has(F::kCancelInFlight);
      if (!waiting) return OrderError::kIllegalTransition;
      f.base = OrderState::kUnknown;
      clear_requests(f);
      return OrderError::kOk;
    }

    case OrderEventKind::kStream:
      return on_stream(f, ev);

    case OrderEventKind::kExecution:
      return on_execution(f, ev);
  }
  return OrderError::kBadEvent;
}

}  // namespace

OrderError transition(OrderFsm& fsm, const OrderEvent& ev) noexcept {
  OrderFsm next = fsm;  // all-or-nothing: a refused event leaves the caller's copy untouched
  const OrderError e = apply(next, ev);
  if (e != OrderError::kOk) return e;
  derive_state(next);
  fsm = next;
  return OrderError::kOk;
}

StreamStatus classify(OrderStatus s) noexcept {
  switch (s) {
    case OrderStatus::kCreated:
      return StreamStatus::kAccepted;
    case OrderStatus::kNew:
    case OrderStatus::kUntriggered:
    case OrderStatus::kTriggered:
    case OrderStatus::kActive:
      return StreamStatus::kNew;
    case OrderStatus::kPartiallyFilled:
      return StreamStatus::kPartiallyFilled;
    case OrderStatus::kFilled:
      return StreamStatus::kFilled;
    case OrderStatus::kCancelled:
    case OrderStatus::kPartiallyFilledCanceled:
    case OrderStatus::kDeactivated:
      return StreamStatus::kCancelled;
    case OrderStatus::kRejected:
      return StreamStatus::kRejected;
    case OrderStatus::kUnknown:
      return StreamStatus::kOther;
  }
  return StreamStatus::kOther;
}

OrderEvent order_event(const OrderUpdate& u) noexcept {
  OrderEvent e = OrderEvent::stream(classify(u.status), u.price, u.qty, u.cum_exec_qty, u.leaves_qty);
  e.post_only_would_take = u.reject_reason == RejectReason::kPostOnlyWillTakeLiquidity;
  e.order_id = u.order_id.view();
  return e;
}

OrderEvent order_event(const Execution& x) noexcept {
  return OrderEvent::execution(x.exec_price, x.exec_qty);
}

bool ack_event(TradeOp op, int32_t ret_code, std::string_view order_id, OrderEvent& out) noexcept {
  OrderEventKind acked, rejected;
  bool gone_is_unknown = true;  // amend, cancel: see order_gone()
  switch (op) {
    case TradeOp::kCreate:
    case TradeOp::kCreateBatch:
      acked = OrderEventKind::kCreateAcked;
      rejected = OrderEventKind::kCreateRejected;
      gone_is_unknown = false;
      break;
    case TradeOp::kAmend:
    case TradeOp::kAmendBatch:
      acked = OrderEventKind::kAmendAcked;
      rejected = OrderEventKind::kAmendRejected;
      break;
    case TradeOp::kCancel:
    case TradeOp::kCancelBatch:
      acked = OrderEventKind::kCancelAcked;
      rejected = OrderEventKind::kCancelRejected;
      break;
    default:
      return false;
  }
  OrderEvent e;
  const bool unknown = outcome_unknown(ret_code) || (gone_is_unknown && order_gone(ret_code));
  e.kind = ret_code == 0 ? acked : unknown ? OrderEventKind::kTimeout : rejected;
  e.order_id = order_id;
  out = e;
  return true;
}

}  // namespace mm
