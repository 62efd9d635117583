#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "core/latency_histogram.h"

namespace mm {
namespace {

// Log-uniform 100 ns .. 10 ms: realistic tick-to-quote spread, and it defeats branch prediction of the bucket.
std::vector<int64_t> latency_sample() {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> exponent(2.0, 7.0);
  std::vector<int64_t> values(4096);
  for (auto& v : values) v = static_cast<int64_t>(std::pow(10.0, exponent(rng)));
  return values;
}

void BM_HistogramRecord(benchmark::State& state) {
  auto histogram = std::make_unique<LatencyHistogram>();
  const auto values = latency_sample();
  std::size_t i = 0;
  for (auto _ : state) {
    histogram->record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(histogram->count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

// The cold-path side, for scale: one percentile walks the bucket array.
void BM_HistogramPercentile(benchmark::State& state) {
  auto histogram = std::make_unique<LatencyHistogram>();
  for (int64_t v : latency_sample()) histogram->record(v);
  for (auto _ : state) {
    benchmark::DoNotOptimize(histogram->p99());
  }
}
BENCHMARK(BM_HistogramPercentile);

void BM_HistogramMerge(benchmark::State& state) {
  auto a = std::make_unique<LatencyHistogram>();
  auto b = std::make_unique<LatencyHistogram>();
  for (int64_t v : latency_sample()) b->record(v);
  for (auto _ : state) {
    a->merge(*b);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_HistogramMerge);

}  // namespace
}  // namespace mm
