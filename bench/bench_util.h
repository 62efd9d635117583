#pragma once
// Shared pieces of the "after idle" benches (bench/net/tcp_warm_bench.cpp, bench/strategy/
// trader_rehearse_bench.cpp): the idle spin of a hot thread waiting for its next frame, with an optional
// warming call at a fixed interval, and the timed operation's own percentiles as counters. Header-only: each
// bench suite is its own executable.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace mm::bench {

using Clock = std::chrono::steady_clock;

// Spins for `idle`, calling `warm()` at once and then every `every` (0: never), as the live node's loop does
// between frames.
template <class F>
void spin_idle(std::chrono::microseconds idle, std::chrono::microseconds every, F&& warm) {
  const auto until = Clock::now() + idle;
  auto next = Clock::now();
  for (auto now = Clock::now(); now < until; now = Clock::now()) {
    if (every.count() > 0 && now >= next) {
      warm();
      next = now + every;
    }
  }
}

// The timed operation's samples. add() gives each iteration its manual time (UseManualTime); report() sets
// the counters p50_us and p90_us.
class Percentiles {
 public:
  Percentiles() { us_.reserve(4096); }
  void add(benchmark::State& state, Clock::time_point t0, Clock::time_point t1) {
    const double d = std::chrono::duration<double>(t1 - t0).count();
    state.SetIterationTime(d);
    us_.push_back(d * 1e6);
  }
  void report(benchmark::State& state) {
    if (us_.empty()) return;
    std::sort(us_.begin(), us_.end());
    state.counters["p50_us"] = us_[us_.size() / 2];
    state.counters["p90_us"] = us_[us_.size() * 9 / 10];
  }

 private:
  std::vector<double> us_;
};

}  // namespace mm::bench
