// SendWindow (strategy/rate_limit.h): at most `limit` sends in any window, the sender's image of the venue's
// per-second window; and what it is for: a token bucket at the venue's rate overruns a venue window, the
// bucket with the window does not.
#include "strategy/rate_limit.h"

#include <gtest/gtest.h>

#include "core/rate_limiter.h"
#include "sim/rate_window.h"

namespace mm {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST(SendWindow, AtMostLimitSendsInAnyWindow) {
  SendWindow w;
  w.configure(3, 1000 * kMs);
  EXPECT_EQ(w.free(0, 10), 3u);
  EXPECT_EQ(w.free(0, 2), 2u) << "never more than the caller's cap";
  w.take(2, 0);
  EXPECT_EQ(w.free(100 * kMs, 10), 1u);
  w.take(1, 500 * kMs);
  EXPECT_EQ(w.free(999 * kMs, 10), 0u);
  EXPECT_EQ(w.free(1000 * kMs, 10), 2u) << "the two sends at 0 have left the window";
  w.take(2, 1000 * kMs);
  EXPECT_EQ(w.free(1499 * kMs, 10), 0u);
  EXPECT_EQ(w.free(1500 * kMs, 10), 1u) << "sliding: the send at 500 ms leaves, not the whole window";
}

TEST(SendWindow, OffAboveItsLargestLimitOrWithoutAWindow) {
  SendWindow w;
  EXPECT_EQ(w.free(0, 7), 7u) << "not configured: off";
  w.configure(SendWindow::kMaxLimit + 1, 1000 * kMs);
  EXPECT_FALSE(w.on());
  w.take(5, 0);
  EXPECT_EQ(w.free(0, 7), 7u);
  w.configure(10, 0);
  EXPECT_FALSE(w.on());
}

// Sends as soon as the limiter lets them (a strategy bound by the rate, deciding every 7 ms), each reaching
// the venue 3 ms later, whose windows open at the first request (sim/rate_window.h, Bybit): count the venue's
// refusals over 60 s.
int64_t venue_refusals(bool with_window) {
  TokenBucket b;
  EXPECT_EQ(b.configure(10, 10, 0), RateError::kOk);
  SendWindow w;
  if (with_window) w.configure(10, 1010 * kMs);
  RateWindow venue;
  int64_t refused = 0;
  for (int64_t t = 0; t < 60'000 * kMs; t += 7 * kMs) {
    const int64_t tokens = b.available_milli(t) / 1000;
    const uint32_t n = w.free(t, static_cast<uint32_t>(tokens));
    if (n == 0) continue;
    EXPECT_EQ(b.try_acquire(n, t), RateError::kOk);
    w.take(n, t);
    refused += n - venue.take((t + 3 * kMs) / kMs, 10, static_cast<int32_t>(n));
  }
  return refused;
}

TEST(SendWindow, KeepsATokenBucketAtTheVenuesRateInsideTheVenuesWindow) {
  EXPECT_GT(venue_refusals(false), 0) << "the bucket alone: its carry puts an 11th request in a window";
  EXPECT_EQ(venue_refusals(true), 0);
}

}  // namespace
}  // namespace mm
