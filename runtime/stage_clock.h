#pragma once
// StageClock: the latency stamps of one stage. Immutable after start-up (the TSC calibration, or none), and
// copied into every stage that stamps, so that a pipeline thread reads its own copy: the stages never read a
// cache line that another thread writes (the decision thread writes its counters and histograms on every
// frame, and a shared calibration next to them cost the feed and dispatch threads a line transfer per read).
#include <optional>

#include "core/clock.h"

namespace mm {

class StageClock {
 public:
  StageClock() = default;
  explicit StageClock(const std::optional<TscClock>& tsc) noexcept : tsc_(tsc) {}

  // TSC ticks when calibrated (the Trader stamps its stages with the same counter), else monotonic ns.
  int64_t stamp() const noexcept { return tsc_ ? TscClock::read_ticks() : MonotonicClock{}.now_ns(); }
  int64_t to_ns(int64_t ticks) const noexcept { return tsc_ ? tsc_->ticks_to_duration_ns(ticks) : ticks; }
  // Nanoseconds as stamp() units (the feed's pacing).
  int64_t from_ns(int64_t ns) const noexcept {
    return tsc_ ? static_cast<int64_t>(static_cast<Int128>(ns) * tsc_->calibration().ticks_per_second /
                                       1'000'000'000)
                : ns;
  }
  bool calibrated() const noexcept { return tsc_.has_value(); }

 private:
  std::optional<TscClock> tsc_;
};

}  // namespace mm
