#include "runtime/live_orders.h"

#include "core/private_events.h"

namespace mm {

AnswerVerdict classify_answer(RequestKind kind, int32_t ret_code) noexcept {
  TradeOp op;
  switch (kind) {
    case RequestKind::kCreate:
      op = TradeOp::kCreate;
      break;
    case RequestKind::kAmend:
      op = TradeOp::kAmend;
      break;
    case RequestKind::kCancel:
      op = TradeOp::kCancel;
      break;
    default:
      return {};
  }
  OrderEvent e;
  if (!ack_event(op, ret_code, {}, e)) return {};
  AnswerVerdict v;
  v.event = e.kind;
  switch (e.kind) {
    case OrderEventKind::kCreateAcked:
    case OrderEventKind::kAmendAcked:
    case OrderEventKind::kCancelAcked:
      v.action = AnswerAction::kAcked;
      break;
    case OrderEventKind::kTimeout:
      v.action = AnswerAction::kUnknown;
      break;
    default:
      v.action = AnswerAction::kRejected;
      v.venue_unavailable = ret_code == 10019;
      break;
  }
  return v;
}

}  // namespace mm
