// SPSC ring hand-off between two pinned threads: one-way throughput and round-trip latency.
// Both threads pin to CPUs 0 and 1; on a machine shared with other work the figures include its noise.
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

#include "core/clock.h"
#include "core/cpu_affinity.h"
#include "core/idle.h"
#include "core/latency_histogram.h"
#include "core/spsc_ring.h"

namespace mm {
namespace {

constexpr int kProducerCpu = 0;
constexpr int kConsumerCpu = 1;
constexpr uint64_t kStop = UINT64_MAX;

// Pins the benchmark's own thread for one benchmark and restores its previous mask afterwards, so later
// benchmarks in the same process are not affected.
class ScopedPin {
 public:
  explicit ScopedPin(int cpu) {
    CPU_ZERO(&saved_);
    saved_ok_ = pthread_getaffinity_np(pthread_self(), sizeof(saved_), &saved_) == 0;
    ok_ = pin_current_thread(cpu) == ThreadSetupError::kOk;
  }
  ~ScopedPin() {
    if (saved_ok_) pthread_setaffinity_np(pthread_self(), sizeof(saved_), &saved_);
  }
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  cpu_set_t saved_;
  bool saved_ok_ = false;
  bool ok_ = false;
};

const TscClock& tsc() {
  static const TscClock clock = [] {
    TscCalibration calibration;
    if (TscClock::calibrate(std::chrono::milliseconds(50), calibration) != TscError::kOk) std::abort();
    return TscClock(calibration);
  }();
  return clock;
}

template <typename Ring>
void push_spin(Ring& ring, uint64_t value) {
  while (!ring.try_push(value)) cpu_relax();
}

template <typename Ring>
uint64_t pop_spin(Ring& ring) {
  uint64_t value = 0;
  while (!ring.try_pop(value)) cpu_relax();
  return value;
}

// Throughput of 64-bit items from a producer (this thread, CPU 0) to a consumer (CPU 1). The consumer checks
// the sequence so a broken ring cannot produce a good number.
void BM_SpscOneWay(benchmark::State& state) {
  using Ring = SpscRing<uint64_t, 4096>;
  auto ring = std::make_unique<Ring>();
  ScopedPin pin(kProducerCpu);
  if (!pin.ok()) {
    state.SkipWithError("cannot pin the producer to CPU 0");
    return;
  }
  std::atomic<bool> consumer_pinned{false};
  std::atomic<bool> consumer_ready{false};
  std::atomic<uint64_t> out_of_order{0};
  std::thread consumer([&] {
    consumer_pinned.store(pin_current_thread(kConsumerCpu) == ThreadSetupError::kOk);
    consumer_ready.store(true, std::memory_order_release);
    uint64_t expected = 0;
    uint64_t bad = 0;
    for (;;) {
      const uint64_t v = pop_spin(*ring);
      if (v == kStop) break;
      bad += v != expected ? 1 : 0;
      expected = v + 1;
    }
    out_of_order.store(bad);
  });
  while (!consumer_ready.load(std::memory_order_acquire)) std::this_thread::yield();

  uint64_t next = 0;
  for (auto _ : state) {
    push_spin(*ring, next);
    ++next;
  }
  push_spin(*ring, kStop);
  consumer.join();
  if (!consumer_pinned.load()) state.SkipWithError("cannot pin the consumer to CPU 1");
  if (out_of_order.load() != 0) state.SkipWithError("consumer saw items out of order");
  state.SetItemsProcessed(static_cast<int64_t>(next));
  state.SetBytesProcessed(static_cast<int64_t>(next * sizeof(uint64_t)));
}
BENCHMARK(BM_SpscOneWay)->UseRealTime();

// Ping-pong through two rings between CPU 0 (this thread) and CPU 1: time per iteration is one round trip
// (two one-way hand-offs); the counters give the distribution of single round trips measured with the TSC.
void BM_SpscRoundTrip(benchmark::State& state) {
  using Ring = SpscRing<uint64_t, 64>;
  auto ping = std::make_unique<Ring>();
  auto pong = std::make_unique<Ring>();
  auto histogram = std::make_unique<LatencyHistogram>();
  ScopedPin pin(kProducerCpu);
  if (!pin.ok()) {
    state.SkipWithError("cannot pin the pinger to CPU 0");
    return;
  }
  std::atomic<bool> echo_pinned{false};
  std::atomic<bool> echo_ready{false};
  std::thread echo([&] {
    echo_pinned.store(pin_current_thread(kConsumerCpu) == ThreadSetupError::kOk);
    echo_ready.store(true, std::memory_order_release);
    for (;;) {
      const uint64_t v = pop_spin(*ping);
      push_spin(*pong, v);
      if (v == kStop) break;
    }
  });
  while (!echo_ready.load(std::memory_order_acquire)) std::this_thread::yield();
  const TscClock& clock = tsc();

  uint64_t next = 0;
  uint64_t mismatches = 0;
  for (auto _ : state) {
    const int64_t start = TscClock::read_ticks();
    push_spin(*ping, next);
    const uint64_t back = pop_spin(*pong);
    const int64_t end = TscClock::read_ticks_ordered();
    mismatches += back != next ? 1 : 0;
    histogram->record(clock.ticks_to_duration_ns(end - start));
    ++next;
  }
  push_spin(*ping, kStop);
  (void)pop_spin(*pong);
  echo.join();
  if (!echo_pinned.load()) state.SkipWithError("cannot pin the echo thread to CPU 1");
  if (mismatches != 0) state.SkipWithError("round trip returned the wrong item");
  state.counters["p50_ns"] = static_cast<double>(histogram->p50());
  state.counters["p90_ns"] = static_cast<double>(histogram->p90());
  state.counters["p99_ns"] = static_cast<double>(histogram->p99());
  state.counters["p999_ns"] = static_cast<double>(histogram->p999());
  state.counters["max_ns"] = static_cast<double>(histogram->max());
}
BENCHMARK(BM_SpscRoundTrip)->UseRealTime();

// The same push and pop on one thread: the cost of the operations without any cross-core traffic
// (the one-thread layout pays this, the pinned layout pays the hand-off above).
void BM_SpscPushPopSameThread(benchmark::State& state) {
  auto ring = std::make_unique<SpscRing<uint64_t, 4096>>();
  uint64_t next = 0;
  for (auto _ : state) {
    if (!ring->try_push(next)) state.SkipWithError("push failed");
    uint64_t out = 0;
    if (!ring->try_pop(out)) state.SkipWithError("pop failed");
    benchmark::DoNotOptimize(out);
    ++next;
  }
  state.SetItemsProcessed(static_cast<int64_t>(next));
}
BENCHMARK(BM_SpscPushPopSameThread);

}  // namespace
}  // namespace mm
