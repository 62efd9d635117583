#include "core/clock.h"

#include <ctime>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace mm {

namespace {

constexpr int kSamplesPerEnd = 16;

struct TimePair {
  int64_t ticks = 0;
  int64_t ns = 0;
};

bool monotonic_raw_ns(int64_t& out) noexcept {
  timespec ts{};
  if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts) != 0) return false;
  out = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  return true;
}

// An ordered TSC read for calibration: lfence + rdtsc orders it as rdtscp does, and unlike rdtscp it runs on
// every x86-64 CPU. Why not read_ticks_ordered(): a CPU (or VM) may not offer rdtscp, and valgrind then
// refuses it as an illegal instruction, so every Replayer::prepare() died under the performance gate's
// callgrind runs on such a host.
int64_t calibration_ticks() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_lfence();
  return static_cast<int64_t>(__builtin_ia32_rdtsc());
#else
  return TscClock::read_ticks_ordered();
#endif
}

// Brackets one clock read between two TSC reads and keeps the tightest bracket of several tries: a read that
// was preempted or hit a cache miss has a wide bracket and is discarded.
bool sample_pair(TimePair& out) noexcept {
  int64_t best_width = INT64_MAX;
  for (int i = 0; i < kSamplesPerEnd; ++i) {
    const int64_t before = calibration_ticks();
    int64_t ns = 0;
    if (!monotonic_raw_ns(ns)) return false;
    const int64_t after = calibration_ticks();
    const int64_t width = after - before;
    if (width >= 0 && width < best_width) {
      best_width = width;
      out.ticks = before + width / 2;
      out.ns = ns;
    }
  }
  return best_width != INT64_MAX;
}

bool has_invariant_tsc() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) == 0 || eax < 0x80000007u) return false;
  if (__get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (edx & (1u << 8)) != 0;
#else
  return true;
#endif
}

}  // namespace

std::string_view to_string(TscError e) noexcept {
  switch (e) {
    case TscError::kOk: return "ok";
    case TscError::kClockFailed: return "clock_gettime failed";
    case TscError::kTscNotAdvancing: return "tsc not advancing";
    case TscError::kWindowTooShort: return "calibration window too short";
  }
  return "?";
}

TscError TscClock::calibrate(std::chrono::nanoseconds window, TscCalibration& out) noexcept {
  if (window < std::chrono::milliseconds(1)) return TscError::kWindowTooShort;
  TimePair start;
  if (!sample_pair(start)) return TscError::kClockFailed;
  const int64_t window_ns = window.count();
  timespec sleep{};
  sleep.tv_sec = static_cast<time_t>(window_ns / 1'000'000'000);
  sleep.tv_nsec = static_cast<long>(window_ns % 1'000'000'000);
  while (nanosleep(&sleep, &sleep) != 0) {
    // EINTR: keep sleeping the remainder; the measured interval is what counts, not the requested one.
  }
  TimePair end;
  if (!sample_pair(end)) return TscError::kClockFailed;
  const int64_t delta_ticks = end.ticks - start.ticks;
  const int64_t delta_ns = end.ns - start.ns;
  if (delta_ticks <= 0 || delta_ns <= 0) return TscError::kTscNotAdvancing;

  // Rounded to nearest: the multiplier is the only systematic error left.
  const Int128 q = ((static_cast<Int128>(delta_ns) << kFractionBits) + delta_ticks / 2) / delta_ticks;
  if (q <= 0 || q > static_cast<Int128>(INT64_MAX)) return TscError::kTscNotAdvancing;
  out.base_ticks = end.ticks;
  out.base_ns = end.ns;
  out.ns_per_tick_q32 = static_cast<uint64_t>(q);
  out.ticks_per_second = static_cast<int64_t>(static_cast<Int128>(delta_ticks) * 1'000'000'000 / delta_ns);
  out.invariant_tsc = has_invariant_tsc();
  return TscError::kOk;
}

}  // namespace mm
