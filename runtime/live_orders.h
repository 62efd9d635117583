#pragma once
// What the live node does with one answer to an order request (trade WebSocket ack, batch item, or REST).
//
// Why one function: the node used to classify answers itself, apart from the order state machine's
// ack_event() (core/order_state.h), and the two disagreed: a create answered 10016 was "rejected" for the
// node and Unknown for the machine. A create the venue may hold, taken as rejected, frees its level and the
// quoter makes the level again under a new link id: two orders for one intent if the venue had the first.
// Both now read ack_event(), and runtime/live_node.cpp acts on the verdict.
#include <cstdint>

#include "core/order_state.h"
#include "net/retry_policy.h"

namespace mm {

enum class AnswerAction : uint8_t {
  kAcked = 0,  // accepted: Trader::on_acked(event)
  kRejected,   // refused, nothing done: Trader::on_create_rejected / on_rejected(event)
  kUnknown,    // the venue may or may not have acted (outcome_unknown(), or order_gone() on an amend or
               // cancel): Trader::on_request_timeout, then GET /v5/order/realtime?orderLinkId= until settled
};

struct AnswerVerdict {
  AnswerAction action = AnswerAction::kRejected;
  OrderEventKind event = OrderEventKind::kCreateRejected;  // the *Acked / *Rejected kind, or kTimeout
  // A refused create that says nothing about the order (10019 trade service restarting): the reject-rate
  // breaker does not count it (Trader::on_create_rejected's venue_unavailable; docs/reliability.md
  // service_restart).
  bool venue_unavailable = false;
};

// The verdict on one answer with `ret_code` (0 = accepted; a batch item's own code; -1 for a REST request
// that failed before the venue answered) to a request of `kind`. Precondition: kind is kCreate, kAmend or
// kCancel (any other kind gives {kRejected, kCreateRejected}). No allocation.
[[nodiscard]] AnswerVerdict classify_answer(RequestKind kind, int32_t ret_code) noexcept;

}  // namespace mm
