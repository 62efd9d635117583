// LiveVenue without a trade WebSocket (REST through the control ring): all-or-nothing spans, the local rate
// limit and its 10006 hold on creates and amends, cancels never held back, batch link ids kept by tag; the
// batch endpoints' buckets apart from the single endpoints'.
#include "runtime/live_venue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <vector>

namespace mm {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000'000'000;

OrderCreate create(int n) {
  OrderCreate c;
  c.instrument = 0;
  c.price = Price{100};
  c.qty = Qty{1};
  EXPECT_EQ(make_link_id("t", static_cast<uint64_t>(n), c.link_id), LinkIdError::kOk);
  return c;
}

OrderCancel cancel(int n) {
  OrderCancel c;
  EXPECT_EQ(make_link_id("t", static_cast<uint64_t>(n), c.link_id), LinkIdError::kOk);
  return c;
}

size_t drain(ControlRequestRing& ring) {
  size_t n = 0;
  ControlRequest r;
  while (ring.try_pop(r)) ++n;
  return n;
}

TEST(LiveVenue, WithoutATradeSocketEveryActionGoesToTheControlThreadWhole) {
  auto ring = std::make_unique<ControlRequestRing>();
  LiveVenue v(nullptr, *ring);
  v.set_time(kT0);
  const std::vector<OrderCreate> two = {create(1), create(2)};
  ASSERT_TRUE(v.send_creates(two));
  ControlRequest r;
  ASSERT_TRUE(ring->try_pop(r));
  EXPECT_EQ(r.op, ControlOp::kCreate);
  EXPECT_EQ(r.u.create.link_id.view(), "t-1");
  ASSERT_TRUE(ring->try_pop(r));
  EXPECT_EQ(r.u.create.link_id.view(), "t-2");
  CancelAll all;
  ASSERT_TRUE(v.send_cancel_all(all));
  ASSERT_TRUE(ring->try_pop(r));
  EXPECT_EQ(r.op, ControlOp::kCancelAll);
  EXPECT_EQ(v.counters().rest_requests, 3u);
  // A full ring refuses a span whole: nothing of it is queued.
  while (ring->has_room(1)) {
    ControlRequest filler;
    ASSERT_TRUE(ring->try_push(filler));
  }
  const size_t before = ring->size_approx();
  EXPECT_FALSE(v.send_creates(two));
  EXPECT_EQ(ring->size_approx(), before);
  EXPECT_EQ(v.counters().refused, 1u);
}

TEST(LiveVenue, CreatesAreRateLimitedAndHeldAfter10006WhileCancelsGoThrough) {
  auto ring = std::make_unique<ControlRequestRing>();
  RateLimiter limiter;
  ASSERT_EQ(limiter.configure(RateClass::kCreate, 2, 2, kT0), RateError::kOk);
  ASSERT_EQ(limiter.configure(RateClass::kAmend, 2, 2, kT0), RateError::kOk);
  ASSERT_EQ(limiter.configure(RateClass::kCancel, 2, 2, kT0), RateError::kOk);
  LiveVenue v(nullptr, *ring, &limiter);
  v.set_time(kT0);
  const OrderCreate c = create(1);
  EXPECT_TRUE(v.send_creates({&c, 1}));
  EXPECT_TRUE(v.send_creates({&c, 1}));
  EXPECT_FALSE(v.send_creates({&c, 1})) << "the burst of 2 is spent";
  EXPECT_EQ(v.counters().rate_limited, 1u);
  // Cancels are never held back by the local limit.
  const OrderCancel x = cancel(1);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(v.send_cancels({&x, 1}));
  // A second later the bucket has refilled; then a 10006 answer holds creates until its reset timestamp.
  v.set_time(kT0 + 1'000'000'000);
  const int64_t reset_ms = (kT0 + 3'000'000'000) / 1'000'000;
  limiter.update_from_exchange(RateClass::kCreate, 0, 0, reset_ms, kT0 + 1'000'000'000);
  EXPECT_FALSE(v.send_creates({&c, 1})) << "held until X-Bapi-Limit-Reset-Timestamp";
  v.set_time(kT0 + 3'600'000'000);  // tokens accrue again from the end of the window
  EXPECT_TRUE(v.send_creates({&c, 1})) << "the window is over";
  EXPECT_EQ(drain(*ring), 2u + 5u + 1u);
}

// The pipeline layout's decision-side venue: while the dispatch thread says its trade WebSocket is ready, a
// span goes whole into the action ring (its last item marked); a ring without room for all of it refuses it
// (nothing pushed, never waits); while the socket is down the span goes to REST as in the one-thread layout.
TEST(LiveVenue, PipelineModeHandsSpansToTheActionRingWholeOrRefusesThem) {
  auto requests = std::make_unique<ControlRequestRing>();
  auto actions = std::make_unique<ActionRing>();
  std::atomic<bool> ready{true};
  LiveVenue v(*actions, ready, *requests, nullptr);
  v.set_time(kT0);
  EXPECT_TRUE(v.trade_ws_ready());
  const std::vector<OrderCreate> two = {create(1), create(2)};
  ASSERT_TRUE(v.send_creates(two));
  const std::vector<OrderCancel> one = {cancel(3)};
  ASSERT_TRUE(v.send_cancels(one));
  ActionItem it;
  ASSERT_TRUE(actions->try_pop(it));
  EXPECT_EQ(it.kind, ActionKind::kCreate);
  EXPECT_EQ(it.u.create.link_id.view(), "t-1");
  EXPECT_FALSE(it.last);
  ASSERT_TRUE(actions->try_pop(it));
  EXPECT_EQ(it.u.create.link_id.view(), "t-2");
  EXPECT_TRUE(it.last);
  ASSERT_TRUE(actions->try_pop(it));
  EXPECT_EQ(it.kind, ActionKind::kCancel);
  EXPECT_EQ(it.u.cancel.link_id.view(), "t-3");
  EXPECT_TRUE(it.last);
  EXPECT_FALSE(actions->try_pop(it));
  EXPECT_EQ(v.counters().ws_requests, 2u);
  EXPECT_EQ(drain(*requests), 0u);

  // One free slot is not enough for a span of two: refused whole, the ring unchanged.
  ActionItem filler;
  while (actions->has_room(2)) ASSERT_TRUE(actions->try_push(filler));
  const size_t before = actions->size_approx();
  EXPECT_FALSE(v.send_creates(two));
  EXPECT_EQ(actions->size_approx(), before);
  EXPECT_EQ(v.counters().refused, 1u);
  EXPECT_TRUE(v.send_cancels(one)) << "a span that fits still goes";

  // The dispatch thread's socket is down: REST, all of the span.
  ready.store(false);
  EXPECT_FALSE(v.trade_ws_ready());
  ASSERT_TRUE(v.send_creates(two));
  EXPECT_EQ(drain(*requests), 2u);
  EXPECT_EQ(v.counters().rest_requests, 2u);
}

// Bybit (and mm sim) count a batch request's items in the batch endpoint's window, apart from the single
// endpoint's: a span of more than one action on the trade WebSocket takes from the batch endpoint's bucket,
// a single action (and every REST request) from the single endpoint's, so a 10006 hold on one endpoint does
// not stop the other. Before, both took from one bucket per class, and a batch answer's headers (the batch
// window's remaining, its reset) held the single requests too (docs/reliability.md, parity, cause 2).
TEST(LiveVenue, ABatchSpanTakesFromTheBatchEndpointsBucketNotTheSingleOnes) {
  EXPECT_EQ(endpoint_class(RateClass::kAmend, true), RateClass::kAmendBatch);
  EXPECT_EQ(endpoint_class(RateClass::kCreate, true), RateClass::kCreateBatch);
  EXPECT_EQ(endpoint_class(RateClass::kCancel, true), RateClass::kCancelBatch);
  EXPECT_EQ(endpoint_class(RateClass::kAmend, false), RateClass::kAmend);
  EXPECT_EQ(endpoint_class(RateClass::kCancelAll, true), RateClass::kCancelAll);
  auto requests = std::make_unique<ControlRequestRing>();
  auto actions = std::make_unique<ActionRing>();
  std::atomic<bool> ready{true};
  RateLimiter limiter;
  for (const bool batch : {false, true}) {
    ASSERT_EQ(limiter.configure(endpoint_class(RateClass::kCreate, batch), 10, 10, kT0), RateError::kOk);
    ASSERT_EQ(limiter.configure(endpoint_class(RateClass::kAmend, batch), 10, 10, kT0), RateError::kOk);
  }
  LiveVenue v(*actions, ready, *requests, &limiter);
  v.set_time(kT0);
  const std::vector<OrderCreate> three = {create(1), create(2), create(3)};
  const OrderCreate one = create(4);
  // The single create endpoint answers 10006 with its reset a second ahead: singles are held ...
  const int64_t reset_ms = kT0 / 1'000'000 + 1000;
  limiter.update_from_exchange(RateClass::kCreate, 10, 0, reset_ms, kT0);
  EXPECT_FALSE(v.send_creates({&one, 1})) << "the single endpoint is held";
  // ... a batch is not: its endpoint has a window of its own.
  EXPECT_TRUE(v.send_creates(three)) << "the batch endpoint's bucket is not held";
  EXPECT_EQ(limiter.bucket(RateClass::kCreateBatch).available_milli(kT0), 7'000);
  EXPECT_EQ(limiter.bucket(RateClass::kCreate).available_milli(kT0), 0);
  // The other way round: a hold on the batch endpoint stops batches, not singles.
  limiter.update_from_exchange(RateClass::kAmendBatch, 10, 0, reset_ms, kT0);
  std::vector<OrderAmend> amends(2);
  for (int i = 0; i < 2; ++i) amends[static_cast<size_t>(i)].link_id = create(10 + i).link_id;
  EXPECT_FALSE(v.send_amends(amends)) << "the batch endpoint is held";
  EXPECT_TRUE(v.send_amends({amends.data(), 1})) << "the single amend endpoint is not";
  // Over REST every action is a single request: a span of three takes from the single endpoint's bucket.
  ready.store(false);
  EXPECT_FALSE(v.send_creates(three)) << "REST: single requests, and that endpoint is held";
  v.set_time(kT0 + 1'300'000'000);  // the window is over; 0.3 s of refill at 10/s after it
  EXPECT_TRUE(v.send_creates(three));
  EXPECT_EQ(drain(*requests), 3u);
}

}  // namespace
}  // namespace mm
