#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "risk/detail/time_ring.h"

namespace mm::detail {
namespace {

// The scan the queues replace: extremes of the ring's last kTimeRingCapacity samples with t >= from.
bool scan(const std::vector<MidSample>& all, int64_t from, int64_t& lo, int64_t& hi) {
  const size_t n = all.size() < kTimeRingCapacity ? all.size() : kTimeRingCapacity;
  bool any = false;
  for (size_t k = 0; k < n; ++k) {
    const MidSample& s = all[all.size() - 1 - k];
    if (s.t < from) break;
    lo = any && lo < s.mid ? lo : s.mid;
    hi = any && hi > s.mid ? hi : s.mid;
    any = true;
  }
  return any;
}

TEST(MidRing, EmptyHasNoExtremes) {
  MidRing r;
  int64_t lo = 7, hi = 9;
  EXPECT_FALSE(r.min_max_since(0, lo, hi));
  EXPECT_EQ(lo, 7);
  EXPECT_EQ(hi, 9);
}

TEST(MidRing, WindowDropsOldSamples) {
  MidRing r;
  r.push(0, 100);
  r.push(10, 50);
  r.push(20, 80);
  int64_t lo = 0, hi = 0;
  ASSERT_TRUE(r.min_max_since(0, lo, hi));
  EXPECT_EQ(lo, 50);
  EXPECT_EQ(hi, 100);
  ASSERT_TRUE(r.min_max_since(15, lo, hi));
  EXPECT_EQ(lo, 80);
  EXPECT_EQ(hi, 80);
  EXPECT_FALSE(r.min_max_since(21, lo, hi));
}

TEST(MidRing, RingEvictionForgetsTheOldestExtreme) {
  MidRing r;
  r.push(0, 1);  // the minimum, then pushed out by kTimeRingCapacity newer samples
  for (uint32_t i = 1; i <= kTimeRingCapacity; ++i) r.push(i, 100 + i);
  int64_t lo = 0, hi = 0;
  ASSERT_TRUE(r.min_max_since(0, lo, hi));
  EXPECT_EQ(lo, 101);
  EXPECT_EQ(hi, 100 + kTimeRingCapacity);
}

// Random walks with ties, bursts of equal times and windows of every width agree with the scan.
TEST(MidRing, MatchesFullScan) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    MidRing r;
    std::vector<MidSample> all;
    int64_t t = 0, mid = 1000, from = 0;
    const int64_t width = static_cast<int64_t>(rng() % 200);
    for (int i = 0; i < 5000; ++i) {
      t += static_cast<int64_t>(rng() % 4);
      mid += static_cast<int64_t>(rng() % 7) - 3;
      if (rng() % 3 != 0) {
        r.push(t, mid);
        all.push_back({t, mid});
      }
      from = t - width > from ? t - width : from;
      int64_t lo = -1, hi = -1, elo = -1, ehi = -1;
      const bool got = r.min_max_since(from, lo, hi);
      ASSERT_EQ(got, scan(all, from, elo, ehi)) << "seed " << seed << " step " << i;
      ASSERT_EQ(lo, elo) << "seed " << seed << " step " << i;
      ASSERT_EQ(hi, ehi) << "seed " << seed << " step " << i;
    }
  }
}

}  // namespace
}  // namespace mm::detail
