#include "core/rate_limiter.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0Ms = 1'700'000'000'000;  // a wall-clock epoch time, as the exchange's reset stamps are
constexpr int64_t kT0 = kT0Ms * kMs;

TokenBucket full_bucket(int64_t per_second = 10, int64_t burst = 10) {
  TokenBucket b;
  EXPECT_EQ(b.configure(per_second, burst, kT0), RateError::kOk);
  return b;
}

int acquire_all(TokenBucket& b, int64_t now) {
  int n = 0;
  while (b.try_acquire(1, now) == RateError::kOk) ++n;
  return n;
}

TEST(RateLimiter, UnconfiguredBucketRefusesAndBadConfigIsRejected) {
  TokenBucket b;
  EXPECT_EQ(b.try_acquire(1, kT0), RateError::kExceedsBurst);
  EXPECT_EQ(b.configure(0, 10, kT0), RateError::kBadCount);
  EXPECT_EQ(b.configure(10, 0, kT0), RateError::kBadCount);
  EXPECT_EQ(b.configure(-1, 10, kT0), RateError::kBadCount);
  EXPECT_EQ(b.configure(TokenBucket::kMaxTokens + 1, 10, kT0), RateError::kBadCount);
  EXPECT_EQ(b.try_acquire(1, kT0), RateError::kExceedsBurst) << "a refused configure changes nothing";
}

TEST(RateLimiter, BurstThenLimited) {
  TokenBucket b = full_bucket(10, 10);
  EXPECT_EQ(acquire_all(b, kT0), 10);
  EXPECT_EQ(b.try_acquire(1, kT0), RateError::kLimited);
  EXPECT_EQ(b.try_acquire(0, kT0), RateError::kBadCount);
  EXPECT_EQ(b.try_acquire(-3, kT0), RateError::kBadCount);
  EXPECT_EQ(b.try_acquire(11, kT0 + 60'000 * kMs), RateError::kExceedsBurst);
  EXPECT_EQ(b.try_acquire(10, kT0 + 60'000 * kMs), RateError::kOk) << "a batch of the whole burst";
}

TEST(RateLimiter, RefillsAtTheConfiguredRate) {
  TokenBucket b = full_bucket(10, 10);
  ASSERT_EQ(acquire_all(b, kT0), 10);
  EXPECT_EQ(b.available_milli(kT0 + 50 * kMs), 500);
  EXPECT_EQ(b.try_acquire(1, kT0 + 50 * kMs), RateError::kLimited);
  EXPECT_EQ(b.try_acquire(1, kT0 + 150 * kMs), RateError::kOk);
  EXPECT_EQ(b.available_milli(kT0 + 150 * kMs), 500);
  EXPECT_EQ(b.available_milli(kT0 + 10'000 * kMs), 10'000) << "capped at the burst";
  EXPECT_EQ(b.available_milli(kT0 + 20'000 * kMs), 10'000);
}

TEST(RateLimiter, FractionalRefillIsNotLostOverManySmallSteps) {
  TokenBucket b = full_bucket(3, 3);
  ASSERT_EQ(acquire_all(b, kT0), 3);
  // Each step credits 0.999999 milli-tokens: without the carried remainder nothing would ever accrue.
  int64_t t = kT0;
  for (int i = 0; i < 3000; ++i) {
    t += 333'333;
    (void)b.available_milli(t);
  }
  EXPECT_EQ(b.available_milli(t), 2'999);
  EXPECT_EQ(b.available_milli(kT0 + 1'000 * kMs), 3'000) << "exactly 3 tokens after exactly one second";
}

TEST(RateLimiter, TimeGoingBackwardsAddsNothing) {
  TokenBucket b = full_bucket(10, 10);
  ASSERT_EQ(acquire_all(b, kT0 + 500 * kMs), 10);
  EXPECT_EQ(b.available_milli(kT0), 0);
  EXPECT_EQ(b.available_milli(kT0 + 500 * kMs), 0);
  EXPECT_EQ(b.available_milli(kT0 + 600 * kMs), 1'000);
}

TEST(RateLimiter, NsUntilAvailable) {
  TokenBucket b = full_bucket(10, 10);
  EXPECT_EQ(b.ns_until_available(1, kT0), 0);
  ASSERT_EQ(acquire_all(b, kT0), 10);
  EXPECT_EQ(b.ns_until_available(1, kT0), 100 * kMs);
  EXPECT_EQ(b.ns_until_available(1, kT0 + 50 * kMs), 50 * kMs);
  EXPECT_EQ(b.ns_until_available(3, kT0 + 50 * kMs), 250 * kMs);
  EXPECT_EQ(b.try_acquire(1, kT0 + 50 * kMs + 50 * kMs), RateError::kOk) << "the estimate is exact";
  EXPECT_EQ(b.ns_until_available(11, kT0), INT64_MAX);
  EXPECT_EQ(b.ns_until_available(0, kT0), INT64_MAX);
}

TEST(RateLimiter, ExchangeRemainingCapsUntilTheWindowResets) {
  TokenBucket b = full_bucket(10, 10);
  // Another session of the same UID used 8 of this window's 10.
  b.update_from_exchange(10, 2, kT0Ms + 500, kT0);
  EXPECT_TRUE(b.held(kT0));
  EXPECT_EQ(acquire_all(b, kT0), 2);
  EXPECT_EQ(b.try_acquire(1, kT0 + 300 * kMs), RateError::kLimited) << "our refill does not beat the window";
  EXPECT_GE(b.ns_until_available(1, kT0 + 300 * kMs), 200 * kMs);
  EXPECT_EQ(b.try_acquire(1, kT0 + 500 * kMs), RateError::kLimited) << "refill resumes from the reset";
  EXPECT_FALSE(b.held(kT0 + 500 * kMs));
  EXPECT_EQ(b.try_acquire(1, kT0 + 600 * kMs), RateError::kOk);
}

TEST(RateLimiter, ExchangeRemainingAboveOursChangesNothing) {
  TokenBucket b = full_bucket(10, 10);
  for (int i = 0; i < 7; ++i) ASSERT_EQ(b.try_acquire(1, kT0), RateError::kOk);
  b.update_from_exchange(10, 9, kT0Ms + 800, kT0);
  EXPECT_EQ(b.available_milli(kT0), 3'000);
  // Inside the window the refill may grow to what the exchange still allows (9 - 0 taken since), not beyond.
  EXPECT_EQ(b.available_milli(kT0 + 700 * kMs), 9'000);
  EXPECT_EQ(b.available_milli(kT0 + 2'000 * kMs), 10'000);
}

TEST(RateLimiter, ExchangeLimitLowersRateAndBurstNeverRaisesThem) {
  TokenBucket b = full_bucket(10, 10);
  b.update_from_exchange(5, -1, 0, kT0);
  EXPECT_EQ(b.per_second(), 5);
  EXPECT_EQ(b.burst(), 5);
  EXPECT_EQ(b.available_milli(kT0), 5'000);
  EXPECT_EQ(b.try_acquire(6, kT0), RateError::kExceedsBurst);
  ASSERT_EQ(acquire_all(b, kT0), 5);
  EXPECT_EQ(b.ns_until_available(1, kT0), 200 * kMs) << "5 per second";
  b.update_from_exchange(20, -1, 0, kT0);
  EXPECT_EQ(b.per_second(), 10) << "our own limit is the ceiling";
  EXPECT_EQ(b.burst(), 10);
}

TEST(RateLimiter, MissingHeadersAndStaleWindowsAreIgnored) {
  TokenBucket b = full_bucket(10, 10);
  b.update_from_exchange(0, 0, 0, kT0);  // an answer without the headers
  EXPECT_EQ(b.available_milli(kT0), 10'000);
  EXPECT_FALSE(b.held(kT0));
  b.update_from_exchange(10, 0, kT0Ms - 1, kT0);  // a window that is already over
  EXPECT_EQ(b.available_milli(kT0), 10'000);

  b.update_from_exchange(10, 6, kT0Ms + 1'000, kT0);
  EXPECT_EQ(b.available_milli(kT0), 6'000);
  b.update_from_exchange(10, 8, kT0Ms + 1'000, kT0);  // same window, reordered answer: keep the lower
  EXPECT_EQ(b.available_milli(kT0), 6'000);
  b.update_from_exchange(10, 4, kT0Ms + 1'000, kT0);
  EXPECT_EQ(b.available_milli(kT0), 4'000);
  b.update_from_exchange(10, 0, kT0Ms + 400, kT0);  // a late answer about an earlier window
  EXPECT_EQ(b.available_milli(kT0), 4'000);
}

TEST(RateLimiter, LimiterKeepsOneBucketPerClass) {
  RateLimiter l;
  ASSERT_EQ(l.configure(RateClass::kCreate, 10, 10, kT0), RateError::kOk);
  ASSERT_EQ(l.configure(RateClass::kCancel, 10, 10, kT0), RateError::kOk);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(l.try_acquire(RateClass::kCreate, 1, kT0), RateError::kOk);
  EXPECT_EQ(l.try_acquire(RateClass::kCreate, 1, kT0), RateError::kLimited);
  EXPECT_EQ(l.try_acquire(RateClass::kCancel, 1, kT0), RateError::kOk)
      << "cancels are not starved by creates";
  EXPECT_EQ(l.try_acquire(RateClass::kAmend, 1, kT0), RateError::kExceedsBurst) << "never configured";
  l.update_from_exchange(RateClass::kCancel, 10, 0, kT0Ms + 100, kT0);
  EXPECT_EQ(l.try_acquire(RateClass::kCancel, 1, kT0), RateError::kLimited);
  EXPECT_TRUE(l.bucket(RateClass::kCancel).held(kT0));
  EXPECT_FALSE(l.bucket(RateClass::kCreate).held(kT0));
}

TEST(RateLimiter, HotCallsDoNotAllocate) {
  RateLimiter l;
  ASSERT_EQ(l.configure(RateClass::kCreate, 10, 10, kT0), RateError::kOk);
  test::AllocScope scope;
  int granted = 0;
  for (int i = 0; i < 10'000; ++i) {
    const int64_t now = kT0 + i * kMs;
    if (l.try_acquire(RateClass::kCreate, 1, now) == RateError::kOk) ++granted;
    if (i % 100 == 0) l.update_from_exchange(RateClass::kCreate, 10, 5, (now / kMs) + 50, now);
  }
  EXPECT_GT(granted, 0);
  EXPECT_LT(granted, 10'000);
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace
}  // namespace mm
