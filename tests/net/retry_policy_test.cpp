#include "net/retry_policy.h"

#include <gtest/gtest.h>

namespace mm {
namespace {

AttemptResult answered(RequestKind k, int attempt, int32_t code) {
  AttemptResult r;
  r.kind = k;
  r.attempt = attempt;
  r.answered = true;
  r.ret_code = code;
  r.now_ms = 1'700'000'000'000;
  return r;
}

TEST(FullJitter, StaysWithinTheExponentialCeiling) {
  JitterRng rng(7);
  for (int attempt = 0; attempt < 12; ++attempt) {
    const int64_t ceiling = std::min<int64_t>(2000, int64_t{50} << attempt);
    int64_t max_seen = 0;
    for (int i = 0; i < 2000; ++i) {
      const int64_t d = full_jitter_ms(attempt, 50, 2000, rng);
      ASSERT_GE(d, 0);
      ASSERT_LE(d, ceiling);
      max_seen = std::max(max_seen, d);
    }
    EXPECT_GT(max_seen, ceiling / 2) << "jitter should cover the range, attempt " << attempt;
  }
}

TEST(Backoff, GrowsAndResets) {
  JitterRng rng(1);
  Backoff b(100, 800);
  for (int i = 0; i < 5; ++i) (void)b.next_delay_ms(rng);
  EXPECT_EQ(b.failures(), 5);
  b.reset();
  EXPECT_EQ(b.failures(), 0);
  EXPECT_LE(b.next_delay_ms(rng), 100);
}

TEST(RetryPolicy, SuccessIsDone) {
  JitterRng rng(1);
  EXPECT_EQ(decide_retry({}, answered(RequestKind::kCreate, 0, 0), rng).action, RetryAction::kDone);
}

TEST(RetryPolicy, FinalCodesGiveUp) {
  JitterRng rng(1);
  for (const int32_t c : {10001, 10004, 110007, 110017}) {
    EXPECT_EQ(decide_retry({}, answered(RequestKind::kCreate, 0, c), rng).action, RetryAction::kGiveUp) << c;
  }
  // On a first sending, a duplicate orderLinkId is our bug (a reused id), not success.
  EXPECT_EQ(decide_retry({}, answered(RequestKind::kCreate, 0, 110072), rng).action, RetryAction::kGiveUp);
}

TEST(RetryPolicy, DuplicateLinkIdOnRetriedCreateMeansItExists) {
  JitterRng rng(1);
  EXPECT_EQ(decide_retry({}, answered(RequestKind::kCreate, 1, 110072), rng).action,
            RetryAction::kAlreadyDone);
  EXPECT_EQ(decide_retry({}, answered(RequestKind::kCreate, 2, 170141), rng).action,
            RetryAction::kAlreadyDone);
  // ... and a retried cancel that finds the order gone: the first cancel (or a fill) ended it.
  EXPECT_EQ(decide_retry({}, answered(RequestKind::kCancel, 1, 110001), rng).action,
            RetryAction::kAlreadyDone);
  EXPECT_EQ(decide_retry({}, answered(RequestKind::kAmend, 1, 110072), rng).action, RetryAction::kGiveUp);
}

TEST(RetryPolicy, RateLimitWaitsForTheResetTimestamp) {
  JitterRng rng(1);
  AttemptResult r = answered(RequestKind::kCreate, 0, 10006);
  r.limit_reset_ms = r.now_ms + 730;
  const RetryDecision d = decide_retry({}, r, rng);
  EXPECT_EQ(d.action, RetryAction::kRetry);
  EXPECT_GE(d.delay_ms, 730 + 5);
  EXPECT_LE(d.delay_ms, 730 + 5 + 50);
}

TEST(RetryPolicy, RateLimitWithoutResetHeaderBacksOffFromOneSecond) {
  JitterRng rng(1);
  AttemptResult r = answered(RequestKind::kCancel, 1, 10006);
  r.limit_reset_ms = 0;
  const RetryDecision d = decide_retry({}, r, rng);
  EXPECT_EQ(d.action, RetryAction::kRetry);
  EXPECT_GE(d.delay_ms, 1000);
  EXPECT_LE(d.delay_ms, 1000 + 100);
  // A reset timestamp in the past is as good as none.
  r.limit_reset_ms = r.now_ms - 5;
  EXPECT_GE(decide_retry({}, r, rng).delay_ms, 1000);
}

TEST(RetryPolicy, RecvWindowResyncsTheClock) {
  JitterRng rng(1);
  const RetryDecision d = decide_retry({}, answered(RequestKind::kCreate, 0, 10002), rng);
  EXPECT_EQ(d.action, RetryAction::kResyncClock);
  EXPECT_EQ(d.code.hint, RetHint::kResyncClock);
}

TEST(RetryPolicy, TradeServiceRestartReconnects) {
  JitterRng rng(1);
  EXPECT_EQ(decide_retry({}, answered(RequestKind::kCancel, 0, 10019), rng).action, RetryAction::kReconnect);
}

TEST(RetryPolicy, AmbiguousRetriesOnlyIdempotentKinds) {
  JitterRng rng(1);
  EXPECT_EQ(decide_retry({}, answered(RequestKind::kCreate, 0, 10016), rng).action, RetryAction::kRetry);
  EXPECT_EQ(decide_retry({}, answered(RequestKind::kCancel, 0, 10016), rng).action, RetryAction::kRetry);
  EXPECT_EQ(decide_retry({}, answered(RequestKind::kAmend, 0, 10016), rng).action, RetryAction::kUnknown);
  AttemptResult timeout;
  timeout.kind = RequestKind::kAmend;
  timeout.answered = false;
  timeout.sent = true;
  EXPECT_EQ(decide_retry({}, timeout, rng).action, RetryAction::kUnknown);
  timeout.kind = RequestKind::kCreate;
  EXPECT_EQ(decide_retry({}, timeout, rng).action, RetryAction::kRetry);
  // Not sent at all: safe for every kind.
  timeout.kind = RequestKind::kAmend;
  timeout.sent = false;
  EXPECT_EQ(decide_retry({}, timeout, rng).action, RetryAction::kRetry);
}

TEST(RetryPolicy, AttemptsAreBounded) {
  JitterRng rng(1);
  RetryConfig cfg;
  cfg.max_attempts = 3;
  EXPECT_EQ(decide_retry(cfg, answered(RequestKind::kCreate, 2, 10016), rng).action, RetryAction::kUnknown);
  EXPECT_EQ(decide_retry(cfg, answered(RequestKind::kCreate, 2, 10429), rng).action, RetryAction::kGiveUp);
  EXPECT_EQ(decide_retry(cfg, answered(RequestKind::kCreate, 1, 10429), rng).action, RetryAction::kRetry);
}

TEST(RetryPolicy, HttpIpBanWaitsTenMinutes) {
  JitterRng rng(1);
  AttemptResult r = answered(RequestKind::kQuery, 0, 0);
  r.http_status = 403;
  const RetryDecision d = decide_retry({}, r, rng);
  EXPECT_EQ(d.action, RetryAction::kRetry);
  EXPECT_EQ(d.delay_ms, 600'000);
}

TEST(RequestLanes, CancelsGoFirstAndCreatesWaitBehindThem) {
  RateLimiter lim;
  const int64_t t0 = 1'000'000'000;
  ASSERT_EQ(lim.configure(RateClass::kCreate, 10, 10, t0), RateError::kOk);
  ASSERT_EQ(lim.configure(RateClass::kCancel, 1, 1, t0), RateError::kOk);
  RequestLanes<8> lanes;
  ASSERT_TRUE(lanes.push({RequestKind::kCreate, 1, 0}));
  ASSERT_TRUE(lanes.push({RequestKind::kCancel, 2, 0}));
  ASSERT_TRUE(lanes.push({RequestKind::kCancel, 3, 0}));
  PendingRequest out;
  ASSERT_TRUE(lanes.next(lim, t0, out));
  EXPECT_EQ(out.slot, 2u);  // the cancel, although queued after the create
  // The cancel budget is spent; the second cancel waits, and so does the create behind it.
  EXPECT_FALSE(lanes.next(lim, t0, out));
  EXPECT_EQ(lanes.others_waiting(), 1u);
  ASSERT_TRUE(lanes.next(lim, t0 + 1'000'000'000, out));
  EXPECT_EQ(out.slot, 3u);
  ASSERT_TRUE(lanes.next(lim, t0 + 1'000'000'000, out));
  EXPECT_EQ(out.slot, 1u);
  EXPECT_FALSE(lanes.next(lim, t0 + 1'000'000'000, out));
}

TEST(RequestLanes, RespectsRetryDelayAndCapacity) {
  RateLimiter lim;
  ASSERT_EQ(lim.configure(RateClass::kCreate, 10, 10, 0), RateError::kOk);
  RequestLanes<2> lanes;
  ASSERT_TRUE(lanes.push({RequestKind::kCreate, 1, 500}));
  ASSERT_TRUE(lanes.push({RequestKind::kCreate, 2, 0}));
  EXPECT_FALSE(lanes.push({RequestKind::kCreate, 3, 0}));
  PendingRequest out;
  EXPECT_FALSE(lanes.next(lim, 100, out));  // FIFO: the delayed head holds its lane
  ASSERT_TRUE(lanes.next(lim, 500, out));
  EXPECT_EQ(out.slot, 1u);
}

}  // namespace
}  // namespace mm
