#pragma once
// Clocks. Time is injected: hot-path code is templated on a Clock and never reads time of its own accord,
// so a backtest drives the same code with SimClock. Every clock offers `int64_t now_ns() const noexcept`.
//
//   TscClock        latency stamps: rdtsc plus a fixed-point multiply (no syscall, no division)
//   MonotonicClock  intervals where a syscall-free vDSO read is cheap enough (CLOCK_MONOTONIC)
//   WallClock       exchange-comparable timestamps, ns since the Unix epoch (CLOCK_REALTIME)
//   SimClock        the backtester's time, moved only by advance_to()
#include <chrono>
#include <concepts>
#include <cstdint>
#include <string_view>

#include "core/types.h"

namespace mm {

template <typename C>
concept Clock = requires(const C& clock) {
  { clock.now_ns() } noexcept -> std::same_as<int64_t>;
};

class MonotonicClock {
 public:
  // ns since an arbitrary fixed point (boot); never goes backwards.
  [[nodiscard]] int64_t now_ns() const noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

class WallClock {
 public:
  // ns since 1970-01-01 UTC; may jump when the system time is set.
  [[nodiscard]] int64_t now_ns() const noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

enum class SimClockError : uint8_t {
  kOk = 0,
  kBackwards,  // the requested time is before now_ns(); the clock did not move
};

// Not thread-safe: owned and advanced by the single backtest thread.
class SimClock {
 public:
  explicit SimClock(int64_t start_ns = 0) noexcept : now_ns_(start_ns) {}

  [[nodiscard]] int64_t now_ns() const noexcept { return now_ns_; }

  // Moves time forward to t_ns (equal is allowed). Returns kOk, or kBackwards when t_ns < now_ns():
  // simulated time is monotonic like the real clocks, and the caller decides what an out-of-order event means.
  [[nodiscard]] SimClockError advance_to(int64_t t_ns) noexcept {
    if (t_ns < now_ns_) return SimClockError::kBackwards;
    now_ns_ = t_ns;
    return SimClockError::kOk;
  }

  // Sets time unconditionally, for the start of a new run.
  void reset(int64_t t_ns) noexcept { now_ns_ = t_ns; }

 private:
  int64_t now_ns_;
};

// Result of measuring the TSC rate against CLOCK_MONOTONIC_RAW.
struct TscCalibration {
  int64_t base_ticks = 0;          // TSC value at the reference point
  int64_t base_ns = 0;             // CLOCK_MONOTONIC_RAW at the reference point
  uint64_t ns_per_tick_q32 = 0;    // ns per tick, fixed point with 32 fraction bits
  int64_t ticks_per_second = 0;    // for reports only
  bool invariant_tsc = false;      // CPUID says the TSC rate is constant across power states
};

enum class TscError : uint8_t {
  kOk = 0,
  kClockFailed,       // clock_gettime(CLOCK_MONOTONIC_RAW) failed
  kTscNotAdvancing,   // the TSC did not move (or moved backwards) over the window
  kWindowTooShort,    // window < 1 ms: too short for a rate good to 1e-4
};

[[nodiscard]] std::string_view to_string(TscError e) noexcept;

class TscClock {
 public:
  static constexpr int kFractionBits = 32;

  // Cold path: measures the TSC rate over about `window` (the call sleeps that long), sampling each end
  // point several times and keeping the read least disturbed by preemption.
  // Returns kOk (out filled), kWindowTooShort, kClockFailed or kTscNotAdvancing (out untouched).
  [[nodiscard]] static TscError calibrate(std::chrono::nanoseconds window, TscCalibration& out) noexcept;

  // Precondition: calibration came from calibrate() (or has ns_per_tick_q32 > 0).
  explicit TscClock(const TscCalibration& calibration) noexcept : calibration_(calibration) {}

  // Raw counter. Not ordered with earlier instructions: cheapest, for stamps where a few ns of skew is fine.
  [[nodiscard]] static int64_t read_ticks() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    return static_cast<int64_t>(__builtin_ia32_rdtsc());
#else
    return fallback_ticks();
#endif
  }

  // Waits until all earlier instructions have executed (rdtscp): for the end stamp of a measured section.
  [[nodiscard]] static int64_t read_ticks_ordered() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    unsigned int aux = 0;
    return static_cast<int64_t>(__builtin_ia32_rdtscp(&aux));
#else
    return fallback_ticks();
#endif
  }

  // A tick count (difference of two reads) as ns.
  [[nodiscard]] int64_t ticks_to_duration_ns(int64_t ticks) const noexcept {
    return static_cast<int64_t>((static_cast<Int128>(ticks) * static_cast<Int128>(calibration_.ns_per_tick_q32)) >>
                                kFractionBits);
  }

  // An absolute TSC read as ns on the CLOCK_MONOTONIC_RAW time line. The multiplier is fixed at calibration,
  // so over hours this drifts from CLOCK_MONOTONIC_RAW by the rate error (~1e-6): fine for latency stamps,
  // not for exchange timestamps (use WallClock).
  [[nodiscard]] int64_t ticks_to_ns(int64_t ticks) const noexcept {
    return calibration_.base_ns + ticks_to_duration_ns(ticks - calibration_.base_ticks);
  }

  [[nodiscard]] int64_t now_ns() const noexcept { return ticks_to_ns(read_ticks()); }

  [[nodiscard]] const TscCalibration& calibration() const noexcept { return calibration_; }

 private:
#if !(defined(__x86_64__) || defined(__i386__))
  // Without a TSC the "ticks" are steady_clock ns and calibration yields a multiplier of exactly 1.
  static int64_t fallback_ticks() noexcept { return MonotonicClock{}.now_ns(); }
#endif

  TscCalibration calibration_;
};

static_assert(Clock<MonotonicClock> && Clock<WallClock> && Clock<SimClock> && Clock<TscClock>);

}  // namespace mm
