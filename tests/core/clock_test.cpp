#include "core/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <cstdint>
#include <thread>

namespace mm {
namespace {

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Code under test is written against the concept, as hot-path code is.
template <Clock C>
int64_t elapsed_between_reads(const C& clock) {
  const int64_t a = clock.now_ns();
  const int64_t b = clock.now_ns();
  return b - a;
}

TscClock calibrated_clock() {
  TscCalibration calibration;
  const TscError e = TscClock::calibrate(std::chrono::milliseconds(20), calibration);
  EXPECT_EQ(e, TscError::kOk) << to_string(e);
  return TscClock(calibration);
}

TEST(MonotonicClock, NeverGoesBackwards) {
  MonotonicClock clock;
  int64_t previous = clock.now_ns();
  for (int i = 0; i < 100'000; ++i) {
    const int64_t now = clock.now_ns();
    ASSERT_GE(now, previous);
    previous = now;
  }
  EXPECT_GE(elapsed_between_reads(clock), 0);
}

TEST(WallClock, IsNanosecondsSinceTheUnixEpoch) {
  const int64_t now = WallClock{}.now_ns();
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const int64_t reference = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  EXPECT_GT(now, int64_t{1'600'000'000} * 1'000'000'000);  // after 2020
  EXPECT_LT(reference - now, int64_t{1'000'000'000});
  EXPECT_GE(reference - now, 0);
}

TEST(SimClock, MovesOnlyForward) {
  SimClock clock(1'000);
  EXPECT_EQ(clock.now_ns(), 1'000);
  EXPECT_EQ(clock.advance_to(5'000), SimClockError::kOk);
  EXPECT_EQ(clock.now_ns(), 5'000);
  EXPECT_EQ(clock.advance_to(5'000), SimClockError::kOk);
  EXPECT_EQ(clock.advance_to(4'999), SimClockError::kBackwards);
  EXPECT_EQ(clock.now_ns(), 5'000);
  EXPECT_EQ(elapsed_between_reads(clock), 0);
  clock.reset(10);
  EXPECT_EQ(clock.now_ns(), 10);
}

TEST(TscClock, CalibrationRejectsTooShortWindow) {
  TscCalibration calibration;
  calibration.ns_per_tick_q32 = 42;
  EXPECT_EQ(TscClock::calibrate(std::chrono::microseconds(10), calibration), TscError::kWindowTooShort);
  EXPECT_EQ(calibration.ns_per_tick_q32, 42u);
}

TEST(TscClock, CalibrationFindsAPlausibleRate) {
  const TscClock clock = calibrated_clock();
  // Any x86 TSC of the last 15 years runs between 0.5 and 10 GHz.
  EXPECT_GT(clock.calibration().ticks_per_second, 500'000'000);
  EXPECT_LT(clock.calibration().ticks_per_second, 10'000'000'000);
}

TEST(TscClock, ConvertsWithTheFixedPointMultiplier) {
  TscCalibration c;
  c.base_ticks = 1'000;
  c.base_ns = 50;
  c.ns_per_tick_q32 = uint64_t{1} << 31;  // 0.5 ns per tick, a 2 GHz counter
  const TscClock clock(c);
  EXPECT_EQ(clock.ticks_to_duration_ns(2'000), 1'000);
  EXPECT_EQ(clock.ticks_to_ns(1'000), 50);
  EXPECT_EQ(clock.ticks_to_ns(3'000), 1'050);
  EXPECT_EQ(clock.ticks_to_ns(0), -450);  // reads before the reference point convert too
  // A day of ticks does not overflow the 128-bit product.
  const int64_t day_ticks = int64_t{2'000'000'000} * 86'400;
  EXPECT_EQ(clock.ticks_to_duration_ns(day_ticks), int64_t{1'000'000'000} * 86'400);
}

TEST(TscClock, IsMonotonicOnOneThread) {
  const TscClock clock = calibrated_clock();
  int64_t previous = clock.now_ns();
  for (int i = 0; i < 100'000; ++i) {
    const int64_t now = clock.now_ns();
    ASSERT_GE(now, previous);
    previous = now;
  }
}

// Accuracy, not speed: an interval measured by the TSC must agree with CLOCK_MONOTONIC within 1%.
TEST(TscClock, AgreesWithMonotonicWithinOnePercentOver50ms) {
  const TscClock clock = calibrated_clock();
  // Each end point is read as a tight TSC/monotonic/TSC bracket; a preempted read is retried, because on a
  // shared machine one preemption between the two reads would exceed the 500 us tolerance by itself.
  auto read_pair = [&clock](int64_t& tsc_ns, int64_t& mono_ns) {
    int64_t best = INT64_MAX;
    for (int i = 0; i < 50; ++i) {
      const int64_t a = clock.now_ns();
      const int64_t m = monotonic_ns();
      const int64_t b = clock.now_ns();
      if (b - a < best) {
        best = b - a;
        tsc_ns = a + (b - a) / 2;
        mono_ns = m;
      }
    }
  };
  int64_t tsc_start = 0, mono_start = 0, tsc_end = 0, mono_end = 0;
  read_pair(tsc_start, mono_start);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  read_pair(tsc_end, mono_end);
  const auto tsc_elapsed = static_cast<double>(tsc_end - tsc_start);
  const auto mono_elapsed = static_cast<double>(mono_end - mono_start);
  ASSERT_GE(mono_elapsed, 50e6);
  EXPECT_NEAR(tsc_elapsed / mono_elapsed, 1.0, 0.01) << "tsc " << tsc_elapsed << " ns, monotonic " << mono_elapsed;
}

TEST(TscClock, ErrorsHaveNames) {
  EXPECT_EQ(to_string(TscError::kWindowTooShort), "calibration window too short");
  EXPECT_EQ(to_string(TscError::kClockFailed), "clock_gettime failed");
}

}  // namespace
}  // namespace mm
