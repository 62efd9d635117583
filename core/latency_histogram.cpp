#include "core/latency_histogram.h"

#include <cmath>

namespace mm {

int64_t LatencyHistogram::percentile(double p) const noexcept {
  if (count_ == 0) return 0;
  if (!(p > 0.0)) p = 0.0;  // also maps NaN to 0
  if (p > 100.0) p = 100.0;
  // Rank of the answer among the sorted records, 1-based: the nearest-rank definition.
  auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  if (rank < 1) rank = 1;
  if (rank > count_) rank = count_;
  uint64_t seen = 0;
  int64_t value = max_;
  for (int64_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[static_cast<std::size_t>(i)];
    if (seen >= rank) {
      value = bucket_lower(i) + (bucket_width(i) >> 1);
      break;
    }
  }
  if (value < min_) value = min_;
  if (value > max_) value = max_;
  return value;
}

double LatencyHistogram::mean() const noexcept {
  if (count_ == 0) return 0.0;
  return static_cast<double>(sum_) / static_cast<double>(count_);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  underflow_ += other.underflow_;
  overflow_ += other.overflow_;
  sum_ += other.sum_;
  min_ = other.min_ < min_ ? other.min_ : min_;
  max_ = other.max_ > max_ ? other.max_ : max_;
}

void LatencyHistogram::reset() noexcept {
  counts_.fill(0);
  count_ = 0;
  underflow_ = 0;
  overflow_ = 0;
  sum_ = 0;
  min_ = INT64_MAX;
  max_ = INT64_MIN;
}

}  // namespace mm
