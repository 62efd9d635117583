#pragma once
// Latency histogram with HDR-style log-linear buckets: values 0..255 each have their own bucket; above that
// every power-of-two range [2^m, 2^(m+1)) is split into 128 equal sub-buckets, so a bucket is never wider
// than 1/128 of its lower bound and a reported percentile is within 0.4% of the true value.
// Range: 0 .. kMaxTrackable (2^37 - 1 ns, about 137 s). The counts live in a fixed in-object array
// (~31 KiB), so record() never allocates; construct histograms at start-up.
//
// Not thread-safe: one writer per histogram. Give each thread its own and merge() them on the cold path.
#include <array>
#include <cstdint>

#include "core/types.h"

namespace mm {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr int64_t kSubBucketCount = int64_t{1} << kSubBucketBits;  // 128 per power of two
  static constexpr int kMaxBits = 37;
  static constexpr int64_t kMaxTrackable = (int64_t{1} << kMaxBits) - 1;
  // Shift 0 covers [0, 256) exactly; each further shift s covers [128 << s, 256 << s) in 128 buckets.
  static constexpr int64_t kBucketCount = (kMaxBits - kSubBucketBits + 1) * kSubBucketCount;

  LatencyHistogram() noexcept { reset(); }

  // Records one value. Negative values count as 0 (counted in underflow_count()); values above
  // kMaxTrackable count in the top bucket (counted in overflow_count()). min/max/mean use the raw value.
  void record(int64_t value) noexcept { record_n(value, 1); }

  // Records `n` occurrences of `value` (n == 0 records nothing). Same clamping as record().
  void record_n(int64_t value, uint64_t n) noexcept {
    if (n == 0) [[unlikely]] return;
    int64_t clamped = value;
    if (value < 0) [[unlikely]] {
      clamped = 0;
      underflow_ += n;
    } else if (value > kMaxTrackable) [[unlikely]] {
      clamped = kMaxTrackable;
      overflow_ += n;
    }
    counts_[static_cast<std::size_t>(bucket_index(clamped))] += n;
    count_ += n;
    sum_ += static_cast<Int128>(value) * static_cast<Int128>(n);
    min_ = value < min_ ? value : min_;
    max_ = value > max_ ? value : max_;
  }

  // Value at percentile p (0..100, clamped into that range): the smallest recorded value v such that at
  // least p% of the records are <= v, reported as the middle of v's bucket and clamped into [min(), max()],
  // so percentile(0) == min() and percentile(100) == max() for in-range data. 0 when empty.
  [[nodiscard]] int64_t percentile(double p) const noexcept;
  [[nodiscard]] int64_t p50() const noexcept { return percentile(50.0); }
  [[nodiscard]] int64_t p90() const noexcept { return percentile(90.0); }
  [[nodiscard]] int64_t p99() const noexcept { return percentile(99.0); }
  [[nodiscard]] int64_t p999() const noexcept { return percentile(99.9); }

  [[nodiscard]] uint64_t count() const noexcept { return count_; }
  // Exact smallest / largest recorded value; 0 when empty.
  [[nodiscard]] int64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] int64_t max() const noexcept { return count_ == 0 ? 0 : max_; }
  // Exact arithmetic mean of the raw values (the sum is kept in 128 bits); 0.0 when empty.
  [[nodiscard]] double mean() const noexcept;
  [[nodiscard]] uint64_t underflow_count() const noexcept { return underflow_; }
  [[nodiscard]] uint64_t overflow_count() const noexcept { return overflow_; }

  // Adds every record of `other`; afterwards this equals a histogram that recorded both streams.
  void merge(const LatencyHistogram& other) noexcept;

  // Forgets every record.
  void reset() noexcept;

  // Bucket geometry, public for exporters (Prometheus) and tests.
  // Precondition for bucket_index: 0 <= value <= kMaxTrackable.
  [[nodiscard]] static constexpr int64_t bucket_index(int64_t value) noexcept {
    const int msb = 63 - __builtin_clzll(static_cast<unsigned long long>(value) | 1u);
    const int shift = msb > kSubBucketBits ? msb - kSubBucketBits : 0;
    return int64_t{shift} * kSubBucketCount + (value >> shift);
  }
  // Precondition for the following: 0 <= index < kBucketCount.
  [[nodiscard]] static constexpr int bucket_shift(int64_t index) noexcept {
    return index < 2 * kSubBucketCount ? 0 : static_cast<int>(index / kSubBucketCount) - 1;
  }
  [[nodiscard]] static constexpr int64_t bucket_lower(int64_t index) noexcept {
    const int shift = bucket_shift(index);
    return (index - int64_t{shift} * kSubBucketCount) << shift;
  }
  [[nodiscard]] static constexpr int64_t bucket_width(int64_t index) noexcept {
    return int64_t{1} << bucket_shift(index);
  }
  [[nodiscard]] uint64_t count_at_index(int64_t index) const noexcept {
    return counts_[static_cast<std::size_t>(index)];
  }

 private:
  std::array<uint64_t, kBucketCount> counts_;
  uint64_t count_ = 0;
  uint64_t underflow_ = 0;
  uint64_t overflow_ = 0;
  Int128 sum_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t max_ = INT64_MIN;
};

static_assert(LatencyHistogram::bucket_index(LatencyHistogram::kMaxTrackable) ==
              LatencyHistogram::kBucketCount - 1);
static_assert(LatencyHistogram::kMaxTrackable >= 100'000'000'000, "must hold 100 s in ns");

}  // namespace mm
