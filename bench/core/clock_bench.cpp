// Cost of reading each clock: what a timestamp on the hot path costs.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>

#include "core/clock.h"

namespace mm {
namespace {

const TscClock& calibrated_tsc() {
  static const TscClock clock = [] {
    TscCalibration calibration;
    if (TscClock::calibrate(std::chrono::milliseconds(50), calibration) != TscError::kOk) std::abort();
    return TscClock(calibration);
  }();
  return clock;
}

void BM_TscNow(benchmark::State& state) {
  const TscClock& clock = calibrated_tsc();
  for (auto _ : state) benchmark::DoNotOptimize(clock.now_ns());
}
BENCHMARK(BM_TscNow);

void BM_TscReadTicks(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(TscClock::read_ticks());
}
BENCHMARK(BM_TscReadTicks);

void BM_TscReadTicksOrdered(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(TscClock::read_ticks_ordered());
}
BENCHMARK(BM_TscReadTicksOrdered);

void BM_MonotonicNow(benchmark::State& state) {
  const MonotonicClock clock;
  for (auto _ : state) benchmark::DoNotOptimize(clock.now_ns());
}
BENCHMARK(BM_MonotonicNow);

void BM_WallNow(benchmark::State& state) {
  const WallClock clock;
  for (auto _ : state) benchmark::DoNotOptimize(clock.now_ns());
}
BENCHMARK(BM_WallNow);

}  // namespace
}  // namespace mm
