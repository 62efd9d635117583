#pragma once
// Idle strategies for the stage runner (the Aeron agent/idle model): after each duty cycle the runner calls
// idle(work_count); a strategy returns at once when work was done and otherwise decides how hard to wait.
// BusySpin burns the core for the lowest wake-up latency (a pinned, isolated core); Yield lets a shared core
// run other threads; BackOff spins, then yields, then parks with a bounded exponential sleep, for threads that
// must not burn a core while idle but should react fast after a burst.
#include <concepts>
#include <cstdint>
#include <ctime>
#include <thread>

namespace mm {

// Every strategy offers idle(work_count) and reset(), both noexcept (they run inside the hot loop).
template <typename I>
concept IdleStrategy = requires(I& idle, int work_count) {
  { idle.idle(work_count) } noexcept;
  { idle.reset() } noexcept;
};

// Tells the core this is a spin-wait loop: saves power, frees the sibling hyper-thread and avoids the memory
// order mis-speculation penalty when the awaited line changes.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class BusySpinIdle {
 public:
  void idle(int work_count) noexcept {
    if (work_count > 0) return;
    cpu_relax();
  }
  void reset() noexcept {}
};

// Spins without even the pause hint: only for tests and benchmarks that measure the loop itself.
class NoOpIdle {
 public:
  void idle(int) noexcept {}
  void reset() noexcept {}
};

class YieldIdle {
 public:
  void idle(int work_count) noexcept {
    if (work_count > 0) return;
    std::this_thread::yield();
  }
  void reset() noexcept {}
};

struct BackOffConfig {
  int64_t max_spins = 100;           // idle calls that only pause before yielding starts
  int64_t max_yields = 10;           // idle calls that yield before parking starts
  int64_t min_park_ns = 1'000;       // first sleep
  int64_t max_park_ns = 1'000'000;   // sleeps double up to this bound
};

class BackOffIdle {
 public:
  enum class State : uint8_t { kSpinning, kYielding, kParking };

  // Preconditions: max_spins >= 0, max_yields >= 0, 0 < min_park_ns <= max_park_ns < 1e9.
  explicit BackOffIdle(BackOffConfig config = {}) noexcept : config_(config) { reset(); }

  // Any work resets the strategy, so a burst is followed by the cheapest waits again.
  void idle(int work_count) noexcept {
    if (work_count > 0) {
      reset();
      return;
    }
    switch (state_) {
      case State::kSpinning:
        if (spins_ < config_.max_spins) {
          ++spins_;
          cpu_relax();
          return;
        }
        state_ = State::kYielding;
        [[fallthrough]];
      case State::kYielding:
        if (yields_ < config_.max_yields) {
          ++yields_;
          std::this_thread::yield();
          return;
        }
        state_ = State::kParking;
        [[fallthrough]];
      case State::kParking:
        park(park_ns_);
        park_ns_ = park_ns_ * 2 > config_.max_park_ns ? config_.max_park_ns : park_ns_ * 2;
        return;
    }
  }

  void reset() noexcept {
    spins_ = 0;
    yields_ = 0;
    park_ns_ = config_.min_park_ns;
    state_ = State::kSpinning;
  }

  // Observers for tests and metrics.
  [[nodiscard]] State state() const noexcept { return state_; }
  // The sleep the next parking call will use.
  [[nodiscard]] int64_t next_park_ns() const noexcept { return park_ns_; }

 private:
  // nanosleep rather than std::this_thread::sleep_for: it cannot throw, and idle() is noexcept.
  static void park(int64_t ns) noexcept {
    timespec ts{};
    ts.tv_sec = 0;
    ts.tv_nsec = static_cast<long>(ns);
    ::nanosleep(&ts, nullptr);
  }

  BackOffConfig config_;
  int64_t spins_ = 0;
  int64_t yields_ = 0;
  int64_t park_ns_ = 0;
  State state_ = State::kSpinning;
};

static_assert(IdleStrategy<BusySpinIdle> && IdleStrategy<NoOpIdle> && IdleStrategy<YieldIdle> &&
              IdleStrategy<BackOffIdle>);

}  // namespace mm
