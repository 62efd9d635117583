// Cost of a hot-path log record (core/log_ring.h): one push of an order event (3 integers and an
// orderLinkId) while a consumer keeps the ring from filling, and the drop path of a full ring.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>

#include "core/log_ring.h"

namespace mm {
namespace {

// Push then pop on one thread: the producer's cost plus the consumer's, with the slot warm in cache.
void BM_LogPushPop(benchmark::State& state) {
  auto ring = std::make_unique<LogRing>();
  LogRecord r;
  int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ring->log(0, i, "mm-1700000000-000042", i, int64_t{3}, int64_t{-1}));
    benchmark::DoNotOptimize(ring->try_pop(r));
    ++i;
  }
}
BENCHMARK(BM_LogPushPop);

// Pushes only, in batches of a quarter ring, the consumer draining between batches outside the timing:
// the producer's cost as the hot thread sees it (slots cold, as after the drain thread read them).
void BM_LogPush(benchmark::State& state) {
  auto ring = std::make_unique<LogRing>();
  constexpr int64_t kBatch = LogRing::kCapacity / 4;
  LogRecord r;
  int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ring->log(0, i, "mm-1700000000-000042", i, int64_t{3}, int64_t{-1}));
    if (++i % kBatch == 0) {
      state.PauseTiming();
      while (ring->try_pop(r)) {
      }
      state.ResumeTiming();
    }
  }
}
BENCHMARK(BM_LogPush);

// A full ring: the push fails and counts a drop.
void BM_LogPushFull(benchmark::State& state) {
  auto ring = std::make_unique<LogRing>();
  while (ring->log(0, 0, "", 1)) {
  }
  for (auto _ : state) benchmark::DoNotOptimize(ring->log(0, 1, "mm-1", int64_t{1}));
  benchmark::DoNotOptimize(ring->dropped());
}
BENCHMARK(BM_LogPushFull);

}  // namespace
}  // namespace mm
