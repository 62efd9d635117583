#include "core/order_state.h"

#include <gtest/gtest.h>

#include "core/private_events.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

using K = OrderEventKind;
using S = OrderState;

OrderEvent ev(K k) {
  return OrderEvent::make(k);
}
OrderEvent upd(StreamStatus s, int64_t qty, int64_t cum) {
  return OrderEvent::stream(s, Price{100}, Qty{qty}, Qty{cum}, Qty{qty - cum});
}
OrderEvent fill(int64_t q) {
  return OrderEvent::execution(Price{100}, Qty{q});
}

// Applies an event that must be accepted.
void ok(OrderFsm& f, const OrderEvent& e) {
  ASSERT_EQ(transition(f, e), OrderError::kOk) << to_string(e.kind) << " in " << to_string(f.state);
}

// Applies an event that must be refused with `want`, and checks the machine did not move.
void refused(OrderFsm& f, const OrderEvent& e, OrderError want) {
  const OrderFsm before = f;
  EXPECT_EQ(transition(f, e), want) << to_string(e.kind) << " in " << to_string(f.state);
  const bool same = before.state == f.state && before.base == f.base && before.flags == f.flags &&
                    before.qty == f.qty && before.amend_qty == f.amend_qty &&
                    before.exec_filled == f.exec_filled && before.stream_filled == f.stream_filled;
  EXPECT_TRUE(same) << "a refused event changed the machine";
}

OrderFsm sent(int64_t qty = 10) {
  OrderFsm f;
  EXPECT_EQ(transition(f, OrderEvent::create_sent(Qty{qty})), OrderError::kOk);
  return f;
}

OrderFsm resting(int64_t qty = 10) {
  OrderFsm f = sent(qty);
  EXPECT_EQ(transition(f, ev(K::kCreateAcked)), OrderError::kOk);
  EXPECT_EQ(transition(f, upd(StreamStatus::kNew, qty, 0)), OrderError::kOk);
  return f;
}

TEST(OrderState, HappyPathAckIsNotLiveStreamConfirms) {
  OrderFsm f = sent(10);
  EXPECT_EQ(f.state, S::kPendingNew);
  EXPECT_EQ(f.leaves().lots, 10);
  ok(f, ev(K::kCreateAcked));
  EXPECT_EQ(f.state, S::kPendingNew) << "an ack means accepted, not live";
  EXPECT_TRUE(f.has(OrderFsm::kAcked));
  ok(f, upd(StreamStatus::kNew, 10, 0));
  EXPECT_EQ(f.state, S::kNew);
  ok(f, fill(4));
  EXPECT_EQ(f.state, S::kPartiallyFilled);
  EXPECT_EQ(f.leaves().lots, 6);
  ok(f, upd(StreamStatus::kPartiallyFilled, 10, 4));
  EXPECT_EQ(f.filled().lots, 4) << "stream and executions report the same fills: no double count";
  ok(f, upd(StreamStatus::kFilled, 10, 10));
  EXPECT_EQ(f.state, S::kFilled);
  EXPECT_TRUE(f.settled());
  EXPECT_EQ(f.leaves().lots, 0);
  ok(f, fill(6));  // the execution trails the final report: legal, up to its cumExecQty
  EXPECT_EQ(f.exec_filled.lots, 10);
}

TEST(OrderState, StreamCreatedStatusIsAnAcceptance) {
  OrderFsm f = sent();
  ok(f, upd(StreamStatus::kAccepted, 10, 0));
  EXPECT_EQ(f.state, S::kPendingNew);
  ok(f, upd(StreamStatus::kNew, 10, 0));
  EXPECT_EQ(f.state, S::kNew);
}

TEST(OrderState, CreateRejectedIsFinalAndHasNoFills) {
  OrderFsm f = sent();
  ok(f, ev(K::kCreateRejected));
  EXPECT_EQ(f.state, S::kRejected);
  EXPECT_TRUE(f.settled());
  ok(f, ev(K::kCreateRejected));  // a duplicate answer
  refused(f, fill(1), OrderError::kFillMismatch);
  refused(f, upd(StreamStatus::kNew, 10, 0), OrderError::kIllegalTransition);
  ok(f, upd(StreamStatus::kRejected, 10, 0));  // the stream agrees
}

TEST(OrderState, TimeoutMakesCreateUnknownNotFailed) {
  OrderFsm f = sent();
  ok(f, ev(K::kTimeout));
  EXPECT_EQ(f.state, S::kUnknown);
  EXPECT_TRUE(is_pending(f.state));
  EXPECT_FALSE(is_terminal(f.state)) << "a create with no answer is never assumed failed";
  ok(f, ev(K::kTimeout));  // the timer firing again changes nothing
  EXPECT_EQ(f.state, S::kUnknown);
  ok(f, ev(K::kCreateAcked));  // the late ack: the order was accepted
  EXPECT_EQ(f.state, S::kPendingNew);
  ok(f, upd(StreamStatus::kNew, 10, 0));
  EXPECT_EQ(f.state, S::kNew);
}

TEST(OrderState, UnknownSettledByEachKindOfReport) {
  {
    OrderFsm f = sent();
    ok(f, ev(K::kTimeout));
    ok(f, upd(StreamStatus::kFilled, 10, 10));
    EXPECT_EQ(f.state, S::kFilled);
  }
  {
    OrderFsm f = sent();
    ok(f, ev(K::kTimeout));
    ok(f, upd(StreamStatus::kPartiallyFilled, 10, 3));
    EXPECT_EQ(f.state, S::kPartiallyFilled);
    EXPECT_EQ(f.leaves().lots, 7);
  }
  {
    OrderFsm f = sent();
    ok(f, ev(K::kTimeout));
    ok(f, ev(K::kCreateRejected));  // the late answer was a reject
    EXPECT_EQ(f.state, S::kRejected);
  }
  {
    OrderFsm f = sent();
    ok(f, ev(K::kTimeout));
    ok(f, ev(K::kNotFound));  // a REST query: the exchange never had it
    EXPECT_EQ(f.state, S::kRejected);
    EXPECT_TRUE(f.settled());
  }
  {
    OrderFsm f = sent();
    ok(f, ev(K::kTimeout));
    ok(f, fill(4));  // a partial fill proves it exists but not at which terms: still ask
    EXPECT_EQ(f.state, S::kUnknown);
    ok(f, fill(6));  // complete: nothing left to rest
    EXPECT_EQ(f.state, S::kFilled);
    EXPECT_FALSE(f.settled());
  }
}

TEST(OrderState, NotFoundAfterTheOrderWasSeenIsIllegal) {
  OrderFsm f = resting();
  ok(f, OrderEvent::amend_sent(Price{101}, Qty{0}));
  ok(f, ev(K::kTimeout));
  EXPECT_EQ(f.state, S::kUnknown);
  refused(f, ev(K::kNotFound), OrderError::kIllegalTransition);
  refused(f, ev(K::kCreateRejected), OrderError::kIllegalTransition);
}

TEST(OrderState, CancelFillRaceFilledAfterCancelSent) {
  OrderFsm f = resting();
  ok(f, ev(K::kCancelSent));
  EXPECT_EQ(f.state, S::kPendingCancel);
  ok(f, ev(K::kCancelAcked));
  EXPECT_EQ(f.state, S::kPendingCancel) << "the cancel is confirmed by the stream, not by the ack";
  ok(f, upd(StreamStatus::kFilled, 10, 10));
  EXPECT_EQ(f.state, S::kFilled);
  // Bybit then sends a second Filled update tagged cancelType CancelByUser.
  ok(f, upd(StreamStatus::kFilled, 10, 10));
  EXPECT_EQ(f.state, S::kFilled);
  ok(f, fill(10));  // the execution arrives last
  EXPECT_EQ(f.state, S::kFilled);
  ok(f, ev(K::kCancelRejected));  // a late answer to the cancel: harmless
  ok(f, ev(K::kCancelAcked));
}

TEST(OrderState, CancelRejectedTooLateThenFilled) {
  OrderFsm f = resting();
  ok(f, fill(3));
  ok(f, ev(K::kCancelSent));
  ok(f, ev(K::kCancelRejected));  // 110001: too late to cancel
  EXPECT_EQ(f.state, S::kPartiallyFilled);
  ok(f, fill(7));
  EXPECT_EQ(f.state, S::kFilled);
  ok(f, upd(StreamStatus::kFilled, 10, 10));
  EXPECT_TRUE(f.settled());
}

// The answer's event (ack_event) of a cancel the venue refused because it holds no live order under the link
// id: Unknown, which the quoter leaves alone (no cancel repeated at every tick), until the stream (or a
// query) brings the final report; the executions that came first stay counted.
TEST(OrderState, CancelAnsweredOrderGoneIsUnknownUntilTheFinalReport) {
  OrderFsm f = resting();
  ok(f, fill(3));
  ok(f, ev(K::kCancelSent));
  OrderEvent a;
  ASSERT_TRUE(ack_event(TradeOp::kCancel, 110008, {}, a));
  ok(f, a);
  EXPECT_EQ(f.state, S::kUnknown);
  EXPECT_TRUE(is_pending(f.state));
  EXPECT_FALSE(f.has(OrderFsm::kCancelInFlight));
  ok(f, fill(7));
  EXPECT_EQ(f.state, S::kFilled) << "a complete fill settles an unknown order";
  ok(f, upd(StreamStatus::kFilled, 10, 10));
  EXPECT_TRUE(f.settled());

  OrderFsm g = resting();
  ok(g, ev(K::kCancelSent));
  ASSERT_TRUE(ack_event(TradeOp::kCancelBatch, 110001, {}, a));
  ok(g, a);
  EXPECT_EQ(g.state, S::kUnknown);
  ok(g, upd(StreamStatus::kCancelled, 10, 0));  // another session's cancel got there first
  EXPECT_EQ(g.state, S::kCancelled);
  EXPECT_TRUE(g.settled());
}

// A create answered with a code that says nothing about the order (10016 service error/restart, 10000 server
// timeout, 10014 duplicate request): the venue may hold it. Unknown, as if unanswered (the quoter leaves the
// level to it instead of creating another order for the same intent), until a query or the stream says
// whether it exists. 10019 (trade service restarting) refused it before it was acted on: a plain refusal.
TEST(OrderState, CreateAnsweredAServiceErrorIsUnknownUntilAQuerySettlesIt) {
  for (const int32_t code : {10000, 10014, 10016}) {
    EXPECT_TRUE(outcome_unknown(code)) << code;
    OrderEvent a;
    // Never seen by the venue: the query finds nothing, the order never lived.
    OrderFsm absent = sent();
    ASSERT_TRUE(ack_event(TradeOp::kCreate, code, {}, a));
    ASSERT_EQ(a.kind, K::kTimeout) << code;
    ok(absent, a);
    EXPECT_EQ(absent.state, S::kUnknown) << code;
    EXPECT_TRUE(is_pending(absent.state));
    ok(absent, ev(K::kNotFound));
    EXPECT_EQ(absent.state, S::kRejected);
    EXPECT_TRUE(absent.settled());
    // Placed after all: the query (or the stream) reports it resting, and it is an ordinary live order.
    OrderFsm placed = sent();
    ASSERT_TRUE(ack_event(TradeOp::kCreateBatch, code, {}, a));
    ok(placed, a);
    EXPECT_EQ(placed.state, S::kUnknown);
    ok(placed, upd(StreamStatus::kNew, 10, 0));
    EXPECT_EQ(placed.state, S::kNew) << code;
    EXPECT_FALSE(placed.settled());
  }
  OrderEvent a;
  EXPECT_FALSE(outcome_unknown(10019));
  ASSERT_TRUE(ack_event(TradeOp::kCreate, 10019, {}, a));
  EXPECT_EQ(a.kind, K::kCreateRejected);
  OrderFsm f = sent();
  ok(f, a);
  EXPECT_EQ(f.state, S::kRejected);
}

TEST(OrderState, CancelConfirmedByStream) {
  OrderFsm f = resting();
  ok(f, fill(2));
  ok(f, ev(K::kCancelSent));
  ok(f, ev(K::kCancelAcked));
  ok(f, upd(StreamStatus::kCancelled, 10, 2));  // PartiallyFilledCanceled folds to Cancelled
  EXPECT_EQ(f.state, S::kCancelled);
  EXPECT_EQ(f.filled().lots, 2);
  EXPECT_EQ(f.leaves().lots, 0);
  ok(f, upd(StreamStatus::kCancelled, 10, 2));     // duplicate
  refused(f, fill(1), OrderError::kFillMismatch);  // above the final cumExecQty
}

TEST(OrderState, CancelWhilePendingNewAndRejectedCancelReturns) {
  OrderFsm f = sent();
  ok(f, ev(K::kCancelSent));
  EXPECT_EQ(f.state, S::kPendingCancel);
  ok(f, ev(K::kCancelRejected));  // the cancel overtook the create
  EXPECT_EQ(f.state, S::kPendingNew);
  ok(f, upd(StreamStatus::kNew, 10, 0));
  EXPECT_EQ(f.state, S::kNew);
}

TEST(OrderState, CancelOfUnknownOrderIsAllowed) {
  OrderFsm f = sent();
  ok(f, ev(K::kTimeout));
  ok(f, ev(K::kCancelSent));  // cancel by link id is safe whatever happened
  EXPECT_EQ(f.state, S::kPendingCancel);
  ok(f, ev(K::kTimeout));
  EXPECT_EQ(f.state, S::kUnknown);
  ok(f, ev(K::kCancelAcked));  // late answer after our timeout: legal, still unknown
  EXPECT_EQ(f.state, S::kUnknown);
  ok(f, upd(StreamStatus::kCancelled, 10, 0));
  EXPECT_EQ(f.state, S::kCancelled);
}

TEST(OrderState, AmendAckedAppliesQtyRejectedKeepsIt) {
  OrderFsm f = resting(10);
  ok(f, OrderEvent::amend_sent(Price{0}, Qty{15}));
  EXPECT_EQ(f.state, S::kPendingAmend);
  EXPECT_EQ(f.qty.lots, 10);
  ok(f, ev(K::kAmendAcked));
  EXPECT_EQ(f.state, S::kNew);
  EXPECT_EQ(f.qty.lots, 15);
  ok(f, OrderEvent::amend_sent(Price{0}, Qty{8}));
  ok(f, ev(K::kAmendRejected));
  EXPECT_EQ(f.state, S::kNew);
  EXPECT_EQ(f.qty.lots, 15);
  ok(f, OrderEvent::amend_sent(Price{105}, Qty{0}));  // price only
  ok(f, ev(K::kAmendAcked));
  EXPECT_EQ(f.qty.lots, 15);
}

// The trade WebSocket's amend ack can overtake the private stream: the order report sent before the amend
// (old qty) arrives after the ack. Its qty is stale; taking it made the amended fills look like an overfill
// and halted the live node (Trader fault order_overfill). A later report (the amend's own, or a venue change)
// counts.
TEST(OrderState, AReportOlderThanAnAckedAmendDoesNotShrinkTheOrder) {
  OrderFsm f = resting(5);
  ok(f, OrderEvent::amend_sent(Price{0}, Qty{10}));
  ok(f, ev(K::kAmendAcked));
  EXPECT_EQ(f.qty.lots, 10);
  ok(f, fill(6));                        // fills of the amended order ...
  ok(f, upd(StreamStatus::kNew, 5, 0));  // ... then the report sent before the amend
  EXPECT_EQ(f.qty.lots, 10) << "a report older than the acked amend shrank the order";
  EXPECT_EQ(f.state, S::kPartiallyFilled);
  ok(f, upd(StreamStatus::kPartiallyFilled, 10, 6));  // the amend's own report catches up
  ok(f, fill(4));
  EXPECT_EQ(f.state, S::kFilled);

  // Once the stream has shown the amended qty, a report with another qty is the venue's word again for the
  // order's size; executions are checked against the largest qty the order has had (a report delivered out of
  // order, scenario 12 of the fault matrix, must not make real fills an overfill).
  OrderFsm g = resting(5);
  ok(g, OrderEvent::amend_sent(Price{0}, Qty{10}));
  ok(g, ev(K::kAmendAcked));
  ok(g, upd(StreamStatus::kNew, 10, 0));
  ok(g, upd(StreamStatus::kNew, 7, 0));
  EXPECT_EQ(g.qty.lots, 7);
  EXPECT_EQ(g.peak_qty.lots, 10);
  ok(g, fill(7));
  EXPECT_EQ(g.state, S::kFilled);
  ok(g, fill(3));  // the late report's venue had 10
  refused(g, fill(1), OrderError::kOverfill);
}

TEST(OrderState, AmendAnsweredAfterFill) {
  {
    OrderFsm f = resting(10);
    ok(f, OrderEvent::amend_sent(Price{0}, Qty{12}));
    ok(f, upd(StreamStatus::kFilled, 10, 10));
    EXPECT_EQ(f.state, S::kFilled);
    ok(f, ev(K::kAmendAcked));
    EXPECT_EQ(f.state, S::kFilled);
    EXPECT_EQ(f.qty.lots, 10) << "an amend answered after the fill changes nothing";
  }
  {
    OrderFsm f = resting(10);
    ok(f, OrderEvent::amend_sent(Price{99}, Qty{0}));
    ok(f, upd(StreamStatus::kFilled, 10, 10));
    ok(f, ev(K::kAmendRejected));
    EXPECT_EQ(f.state, S::kFilled);
  }
  {
    // Partial fill while the amend is in flight: still pending until the answer.
    OrderFsm f = resting(10);
    ok(f, OrderEvent::amend_sent(Price{99}, Qty{0}));
    ok(f, fill(4));
    EXPECT_EQ(f.state, S::kPendingAmend);
    ok(f, ev(K::kAmendAcked));
    EXPECT_EQ(f.state, S::kPartiallyFilled);
  }
}

TEST(OrderState, AmendDownAcknowledgedAfterFillsCompletesTheOrder) {
  OrderFsm f = resting(10);
  ok(f, fill(5));
  ok(f, OrderEvent::amend_sent(Price{0}, Qty{6}));
  ok(f, fill(1));
  EXPECT_EQ(f.state, S::kPendingAmend);
  ok(f, ev(K::kAmendAcked));
  EXPECT_EQ(f.state, S::kFilled) << "6 of the new qty 6 are filled";
}

TEST(OrderState, CancelWhileAmendInFlight) {
  OrderFsm f = resting(10);
  ok(f, OrderEvent::amend_sent(Price{101}, Qty{0}));
  ok(f, ev(K::kCancelSent));
  EXPECT_EQ(f.state, S::kPendingCancel);
  ok(f, ev(K::kAmendAcked));
  EXPECT_EQ(f.state, S::kPendingCancel);
  ok(f, ev(K::kCancelRejected));
  EXPECT_EQ(f.state, S::kNew);
}

TEST(OrderState, ExecutionsBeforeTheOrderUpdate) {
  OrderFsm f = sent(10);
  ok(f, fill(4));
  EXPECT_EQ(f.state, S::kPartiallyFilled);
  ok(f, upd(StreamStatus::kNew, 10, 0));  // stale: the fills got here first
  EXPECT_EQ(f.state, S::kPartiallyFilled);
  ok(f, fill(6));
  EXPECT_EQ(f.state, S::kFilled);
  EXPECT_FALSE(f.settled());
  ok(f, upd(StreamStatus::kPartiallyFilled, 10, 4));  // still stale
  EXPECT_EQ(f.state, S::kFilled);
  ok(f, upd(StreamStatus::kFilled, 10, 10));
  EXPECT_TRUE(f.settled());
  EXPECT_EQ(f.filled().lots, 10);
  ok(f, ev(K::kCreateAcked));  // the ack came last of all
}

TEST(OrderState, PostOnlyAckedThenCancelled) {
  OrderFsm f = sent();
  ok(f, ev(K::kCreateAcked));
  OrderEvent e = upd(StreamStatus::kCancelled, 10, 0);
  e.post_only_would_take = true;
  ok(f, e);
  EXPECT_EQ(f.state, S::kCancelled);
  EXPECT_TRUE(f.post_only_cancelled());
  EXPECT_TRUE(f.settled());
}

TEST(OrderState, UnknownStatusFromStreamAsksForReconcile) {
  OrderFsm f = resting();
  ok(f, ev(K::kCancelSent));
  ok(f, OrderEvent::stream(StreamStatus::kOther, Price{}, Qty{}, Qty{}, Qty{}));
  EXPECT_EQ(f.state, S::kUnknown);
  ok(f, upd(StreamStatus::kNew, 10, 0));
  EXPECT_EQ(f.state, S::kNew);
}

TEST(OrderState, IllegalTransitionsAreRefusedAndLeaveTheMachineAlone) {
  {
    OrderFsm f;  // nothing sent yet
    refused(f, ev(K::kCreateAcked), OrderError::kIllegalTransition);
    refused(f, fill(1), OrderError::kIllegalTransition);
    refused(f, upd(StreamStatus::kNew, 10, 0), OrderError::kIllegalTransition);
    refused(f, OrderEvent::create_sent(Qty{0}), OrderError::kBadEvent);
  }
  {
    OrderFsm f = sent();
    refused(f, OrderEvent::create_sent(Qty{10}), OrderError::kIllegalTransition);
    refused(f, OrderEvent::amend_sent(Price{1}, Qty{0}), OrderError::kIllegalTransition);  // not live yet
    refused(f, ev(K::kAmendAcked), OrderError::kIllegalTransition);   // no amend was sent
    refused(f, ev(K::kCancelAcked), OrderError::kIllegalTransition);  // no cancel was sent
  }
  {
    OrderFsm f = resting(10);
    refused(f, fill(11), OrderError::kOverfill);
    ok(f, fill(7));
    refused(f, fill(4), OrderError::kOverfill);
    refused(f, fill(0), OrderError::kBadEvent);
    refused(f, OrderEvent::execution(Price{0}, Qty{1}), OrderError::kBadEvent);
    refused(f, ev(K::kTimeout), OrderError::kIllegalTransition);                  // nothing in flight
    refused(f, ev(K::kCreateRejected), OrderError::kIllegalTransition);           // the stream said it lives
    refused(f, upd(StreamStatus::kFilled, 10, 9), OrderError::kBadEvent);         // Filled needs cum == qty
    refused(f, upd(StreamStatus::kNew, 10, 11), OrderError::kBadEvent);           // cum above qty
    refused(f, upd(StreamStatus::kCancelled, 10, 5), OrderError::kFillMismatch);  // 7 executed already
    refused(f, upd(StreamStatus::kNew, 6, 0), OrderError::kFillMismatch);         // qty below executions
    refused(f, OrderEvent::amend_sent(Price{0}, Qty{7}), OrderError::kBadEvent);  // not above filled
    ok(f, OrderEvent::amend_sent(Price{0}, Qty{12}));
    refused(f, OrderEvent::amend_sent(Price{0}, Qty{13}), OrderError::kIllegalTransition);
    ok(f, fill(5));  // up to the amend qty while it is in flight
    refused(f, fill(1), OrderError::kOverfill);
  }
  {
    OrderFsm f = resting(10);
    ok(f, upd(StreamStatus::kFilled, 10, 10));
    refused(f, upd(StreamStatus::kNew, 10, 0), OrderError::kIllegalTransition);  // New after Filled
    refused(f, upd(StreamStatus::kCancelled, 10, 10), OrderError::kIllegalTransition);
    refused(f, upd(StreamStatus::kAccepted, 10, 0), OrderError::kIllegalTransition);
    refused(f, ev(K::kCancelSent), OrderError::kIllegalTransition);
    refused(f, OrderEvent::amend_sent(Price{5}, Qty{0}), OrderError::kIllegalTransition);
    ok(f, fill(10));
    refused(f, fill(1), OrderError::kFillMismatch);
  }
  {
    OrderFsm f = resting(10);
    ok(f, upd(StreamStatus::kCancelled, 10, 0));
    refused(f, upd(StreamStatus::kFilled, 10, 10), OrderError::kIllegalTransition);
  }
}

TEST(OrderState, ErrorCounterCountsPerCode) {
  OrderErrorCounter c;
  OrderFsm f = resting(10);
  c.add(transition(f, fill(11)));
  c.add(transition(f, fill(11)));
  c.add(transition(f, ev(K::kTimeout)));
  c.add(transition(f, fill(1)));
  EXPECT_EQ(c.count(OrderError::kOverfill), 2u);
  EXPECT_EQ(c.count(OrderError::kIllegalTransition), 1u);
  EXPECT_EQ(c.total(), 3u);
}

TEST(OrderState, ClassifyFoldsEveryBybitStatus) {
  EXPECT_EQ(classify(OrderStatus::kCreated), StreamStatus::kAccepted);
  EXPECT_EQ(classify(OrderStatus::kNew), StreamStatus::kNew);
  EXPECT_EQ(classify(OrderStatus::kUntriggered), StreamStatus::kNew);
  EXPECT_EQ(classify(OrderStatus::kTriggered), StreamStatus::kNew);
  EXPECT_EQ(classify(OrderStatus::kActive), StreamStatus::kNew);
  EXPECT_EQ(classify(OrderStatus::kPartiallyFilled), StreamStatus::kPartiallyFilled);
  EXPECT_EQ(classify(OrderStatus::kFilled), StreamStatus::kFilled);
  EXPECT_EQ(classify(OrderStatus::kCancelled), StreamStatus::kCancelled);
  EXPECT_EQ(classify(OrderStatus::kPartiallyFilledCanceled), StreamStatus::kCancelled);
  EXPECT_EQ(classify(OrderStatus::kDeactivated), StreamStatus::kCancelled);
  EXPECT_EQ(classify(OrderStatus::kRejected), StreamStatus::kRejected);
  EXPECT_EQ(classify(OrderStatus::kUnknown), StreamStatus::kOther);
}

TEST(OrderState, EventsFromDecodedPrivateMessages) {
  OrderUpdate u;
  u.status = OrderStatus::kCancelled;
  u.reject_reason = RejectReason::kPostOnlyWillTakeLiquidity;
  u.price = Price{6511420};
  u.qty = Qty{5};
  u.cum_exec_qty = Qty{0};
  u.leaves_qty = Qty{0};
  ASSERT_TRUE(u.order_id.set("5cf98598-39a7-459e-97bf-76ca765ee020"));
  const OrderEvent e = order_event(u);
  EXPECT_EQ(e.kind, K::kStream);
  EXPECT_EQ(e.status, StreamStatus::kCancelled);
  EXPECT_TRUE(e.post_only_would_take);
  EXPECT_EQ(e.price.ticks, 6511420);
  EXPECT_EQ(e.qty.lots, 5);
  EXPECT_EQ(e.order_id, "5cf98598-39a7-459e-97bf-76ca765ee020");

  Execution x;
  x.exec_price = Price{6511430};
  x.exec_qty = Qty{2};
  const OrderEvent f = order_event(x);
  EXPECT_EQ(f.kind, K::kExecution);
  EXPECT_EQ(f.price.ticks, 6511430);
  EXPECT_EQ(f.qty.lots, 2);

  OrderEvent a;
  ASSERT_TRUE(ack_event(TradeOp::kCreate, 0, "id-1", a));
  EXPECT_EQ(a.kind, K::kCreateAcked);
  EXPECT_EQ(a.order_id, "id-1");
  ASSERT_TRUE(ack_event(TradeOp::kCreateBatch, 110007, {}, a));
  EXPECT_EQ(a.kind, K::kCreateRejected);
  ASSERT_TRUE(ack_event(TradeOp::kAmend, 0, {}, a));
  EXPECT_EQ(a.kind, K::kAmendAcked);
  ASSERT_TRUE(ack_event(TradeOp::kAmendBatch, 10001, {}, a));
  EXPECT_EQ(a.kind, K::kAmendRejected);
  ASSERT_TRUE(ack_event(TradeOp::kCancel, 0, {}, a));
  EXPECT_EQ(a.kind, K::kCancelAcked);
  ASSERT_TRUE(ack_event(TradeOp::kCancelBatch, 10006, {}, a));
  EXPECT_EQ(a.kind, K::kCancelRejected) << "over the rate limit: refused, the order rests as it was";
  // The venue holds no live order under the link id: not a refusal to repeat, an order to ask about.
  for (const int32_t gone : {110001, 110008, 110010, 170213}) {
    ASSERT_TRUE(ack_event(TradeOp::kCancelBatch, gone, {}, a));
    EXPECT_EQ(a.kind, K::kTimeout) << gone;
    ASSERT_TRUE(ack_event(TradeOp::kAmend, gone, {}, a));
    EXPECT_EQ(a.kind, K::kTimeout) << gone;
  }
  ASSERT_TRUE(ack_event(TradeOp::kCreate, 110001, {}, a));
  EXPECT_EQ(a.kind, K::kCreateRejected) << "a create refused as not existing was not placed";
  ASSERT_TRUE(ack_event(TradeOp::kCreate, 10016, {}, a));
  EXPECT_EQ(a.kind, K::kTimeout) << "a service error says nothing about whether the order exists";
  ASSERT_TRUE(ack_event(TradeOp::kCancel, 10000, {}, a));
  EXPECT_EQ(a.kind, K::kTimeout);
  a = OrderEvent{};
  EXPECT_FALSE(ack_event(TradeOp::kUnknown, 0, {}, a));
  EXPECT_EQ(a.kind, K::kStream) << "untouched";
}

TEST(OrderState, TransitionsDoNotAllocate) {
  test::AllocScope scope;
  int settled = 0;
  for (int i = 0; i < 1000; ++i) {
    OrderFsm f;
    OrderErrorCounter c;
    c.add(transition(f, OrderEvent::create_sent(Qty{10})));
    c.add(transition(f, ev(K::kCreateAcked)));
    c.add(transition(f, upd(StreamStatus::kNew, 10, 0)));
    c.add(transition(f, fill(3)));
    c.add(transition(f, OrderEvent::amend_sent(Price{99}, Qty{0})));
    c.add(transition(f, ev(K::kAmendAcked)));
    c.add(transition(f, ev(K::kCancelSent)));
    c.add(transition(f, upd(StreamStatus::kCancelled, 10, 3)));
    c.add(transition(f, fill(11)));
    settled += f.settled() ? 1 : 0;
    EXPECT_EQ(c.total(), 1u);
  }
  EXPECT_EQ(settled, 1000);
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace
}  // namespace mm
