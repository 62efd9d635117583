#include "core/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

using H = LatencyHistogram;

// Nearest-rank percentile of a sorted sample: the definition percentile() documents.
int64_t reference_percentile(const std::vector<int64_t>& sorted, double p) {
  auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<uint64_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

// Log-uniform from 1 ns to 1e11 ns: every bucket shift gets exercised.
std::vector<int64_t> random_latencies(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(0.0, 11.0);
  std::vector<int64_t> values(static_cast<std::size_t>(n));
  for (auto& v : values) v = static_cast<int64_t>(std::pow(10.0, exponent(rng)));
  return values;
}

TEST(LatencyHistogram, BucketsAreContiguousAndAtMostOne128thWide) {
  int64_t expected_lower = 0;
  for (int64_t i = 0; i < H::kBucketCount; ++i) {
    ASSERT_EQ(H::bucket_lower(i), expected_lower) << "bucket " << i;
    const int64_t width = H::bucket_width(i);
    ASSERT_GE(width, 1);
    if (i < 256) {
      ASSERT_EQ(width, 1);
    } else {
      ASSERT_LE(width * 128, H::bucket_lower(i)) << "bucket " << i;
    }
    ASSERT_EQ(H::bucket_index(H::bucket_lower(i)), i);
    ASSERT_EQ(H::bucket_index(H::bucket_lower(i) + width - 1), i);
    expected_lower += width;
  }
  EXPECT_EQ(expected_lower, H::kMaxTrackable + 1);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  auto h = std::make_unique<H>();
  for (int64_t v = 0; v < 256; ++v) h->record(v);
  for (int64_t v = 0; v < 256; ++v) {
    const double p = 100.0 * static_cast<double>(v + 1) / 256.0;
    EXPECT_EQ(h->percentile(p), v);
  }
}

TEST(LatencyHistogram, EmptyHistogramReportsZeros) {
  auto h = std::make_unique<H>();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->min(), 0);
  EXPECT_EQ(h->max(), 0);
  EXPECT_EQ(h->p50(), 0);
  EXPECT_EQ(h->mean(), 0.0);
}

TEST(LatencyHistogram, PercentilesWithinOnePercentOfSortedReference) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    const auto values = random_latencies(seed, 200'000);
    auto h = std::make_unique<H>();
    for (int64_t v : values) h->record(v);
    auto sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
      const int64_t want = reference_percentile(sorted, p);
      const int64_t got = h->percentile(p);
      EXPECT_LE(std::abs(static_cast<double>(got - want)), 0.01 * static_cast<double>(want))
          << "seed " << seed << " p" << p << " want " << want << " got " << got;
    }
    EXPECT_EQ(h->count(), values.size());
    EXPECT_EQ(h->min(), sorted.front());
    EXPECT_EQ(h->max(), sorted.back());
    EXPECT_EQ(h->percentile(100.0), sorted.back());
    EXPECT_EQ(h->percentile(0.0), sorted.front());
    EXPECT_NEAR(h->p50(), reference_percentile(sorted, 50.0), 0.01 * reference_percentile(sorted, 50.0));
    EXPECT_NEAR(h->p999(), reference_percentile(sorted, 99.9), 0.01 * reference_percentile(sorted, 99.9));
  }
}

TEST(LatencyHistogram, MeanIsExact) {
  auto h = std::make_unique<H>();
  h->record(1);
  h->record(2);
  h->record(4);
  h->record(1'000'000'007);
  EXPECT_DOUBLE_EQ(h->mean(), (1.0 + 2.0 + 4.0 + 1'000'000'007.0) / 4.0);
}

TEST(LatencyHistogram, MergeEqualsRecordingBothStreams) {
  const auto first = random_latencies(11, 50'000);
  const auto second = random_latencies(12, 70'000);
  auto a = std::make_unique<H>();
  auto b = std::make_unique<H>();
  auto combined = std::make_unique<H>();
  for (int64_t v : first) {
    a->record(v);
    combined->record(v);
  }
  for (int64_t v : second) {
    b->record(v);
    combined->record(v);
  }
  b->record(-5);
  combined->record(-5);
  a->merge(*b);
  EXPECT_EQ(a->count(), combined->count());
  EXPECT_EQ(a->min(), combined->min());
  EXPECT_EQ(a->max(), combined->max());
  EXPECT_DOUBLE_EQ(a->mean(), combined->mean());
  EXPECT_EQ(a->underflow_count(), combined->underflow_count());
  for (int64_t i = 0; i < H::kBucketCount; ++i) ASSERT_EQ(a->count_at_index(i), combined->count_at_index(i));
  for (double p : {50.0, 99.0, 99.9}) EXPECT_EQ(a->percentile(p), combined->percentile(p));
}

TEST(LatencyHistogram, MergingAnEmptyHistogramChangesNothing) {
  auto a = std::make_unique<H>();
  auto empty = std::make_unique<H>();
  a->record(100);
  a->record(300);
  a->merge(*empty);
  EXPECT_EQ(a->count(), 2u);
  EXPECT_EQ(a->min(), 100);
  EXPECT_EQ(a->max(), 300);
}

TEST(LatencyHistogram, EdgeValuesZeroAndHuge) {
  auto h = std::make_unique<H>();
  h->record(0);
  EXPECT_EQ(h->min(), 0);
  EXPECT_EQ(h->percentile(50.0), 0);
  h->record(100'000'000'000);  // 100 s: inside the range
  EXPECT_EQ(h->overflow_count(), 0u);
  EXPECT_EQ(h->max(), 100'000'000'000);
  EXPECT_NEAR(static_cast<double>(h->percentile(100.0)), 1e11, 1e9);
  h->record(INT64_MAX);  // clamps into the top bucket, counted, max stays exact
  EXPECT_EQ(h->overflow_count(), 1u);
  EXPECT_EQ(h->count(), 3u);
  EXPECT_EQ(h->max(), INT64_MAX);
  EXPECT_EQ(h->count_at_index(H::kBucketCount - 1), 1u);
  // Percentiles only know the clamped value: the top bucket, within 1% of kMaxTrackable.
  EXPECT_NEAR(static_cast<double>(h->percentile(100.0)), static_cast<double>(H::kMaxTrackable),
              0.01 * static_cast<double>(H::kMaxTrackable));
}

TEST(LatencyHistogram, NegativeValuesCountAsZeroAndAreReported) {
  auto h = std::make_unique<H>();
  h->record(-10);
  h->record(20);
  EXPECT_EQ(h->underflow_count(), 1u);
  EXPECT_EQ(h->count_at_index(0), 1u);
  EXPECT_EQ(h->min(), -10);
  EXPECT_DOUBLE_EQ(h->mean(), 5.0);
}

TEST(LatencyHistogram, RecordNEqualsRepeatedRecord) {
  auto a = std::make_unique<H>();
  auto b = std::make_unique<H>();
  a->record_n(12'345, 3);
  a->record_n(7, 0);
  for (int i = 0; i < 3; ++i) b->record(12'345);
  EXPECT_EQ(a->count(), b->count());
  EXPECT_EQ(a->p50(), b->p50());
  EXPECT_EQ(a->min(), 12'345);
  EXPECT_DOUBLE_EQ(a->mean(), b->mean());
}

TEST(LatencyHistogram, OutOfRangePercentileArgumentsClamp) {
  auto h = std::make_unique<H>();
  h->record(10);
  h->record(1'000);
  EXPECT_EQ(h->percentile(-5.0), 10);
  EXPECT_EQ(h->percentile(250.0), 1'000);
  EXPECT_EQ(h->percentile(std::nan("")), 10);
}

TEST(LatencyHistogram, ResetForgetsEverything) {
  auto h = std::make_unique<H>();
  h->record(5);
  h->record(-1);
  h->record(INT64_MAX);
  h->reset();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->underflow_count(), 0u);
  EXPECT_EQ(h->overflow_count(), 0u);
  EXPECT_EQ(h->max(), 0);
  for (int64_t i = 0; i < H::kBucketCount; ++i) ASSERT_EQ(h->count_at_index(i), 0u);
  h->record(42);
  EXPECT_EQ(h->min(), 42);
  EXPECT_EQ(h->max(), 42);
}

TEST(LatencyHistogram, RecordDoesNotAllocate) {
  auto h = std::make_unique<H>();
  const auto values = random_latencies(5, 10'000);
  test::AllocScope scope;
  for (int64_t v : values) h->record(v);
  h->record(INT64_MAX);
  h->record(-1);
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(h->count(), 10'002u);
}

}  // namespace
}  // namespace mm
