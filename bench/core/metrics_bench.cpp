// Cost of a metric update from the hot thread (core/metrics.h): what the live node pays per tick for its
// counters, gauges and the tick-to-quote histogram, and the cold-side cost of rendering a scrape.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "core/metrics.h"

namespace mm {
namespace {

void BM_CounterInc(benchmark::State& state) {
  MetricsRegistry r;
  Counter& c = r.counter("mm_c_total", "c");
  for (auto _ : state) {
    c.inc();
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(c.value());
}
BENCHMARK(BM_CounterInc);

void BM_CounterAddConcurrent(benchmark::State& state) {
  MetricsRegistry r;
  Counter& c = r.counter("mm_c_total", "c");
  for (auto _ : state) c.add_concurrent(1);
  benchmark::DoNotOptimize(c.value());
}
BENCHMARK(BM_CounterAddConcurrent);

void BM_GaugeSet(benchmark::State& state) {
  MetricsRegistry r;
  Gauge& g = r.gauge("mm_g", "g");
  int64_t v = 0;
  for (auto _ : state) {
    g.set(++v);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_GaugeSet);

// Values spread over the whole default bucket range (1 us .. 10 s), so the scan is not always short.
void BM_HistogramObserve(benchmark::State& state) {
  MetricsRegistry r;
  Histogram& h = r.histogram("mm_h_seconds", "h", default_latency_bounds_ns());
  uint64_t x = 88172645463325252ull;
  for (auto _ : state) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    h.observe(static_cast<int64_t>(x % 20'000'000'000ull) >> (x & 31));
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(h.sum_ns());
}
BENCHMARK(BM_HistogramObserve);

// Values as a tick-to-quote sees them (2..10 us): the branch predictor learns the bucket.
void BM_HistogramObserveSteady(benchmark::State& state) {
  MetricsRegistry r;
  Histogram& h = r.histogram("mm_h_seconds", "h", default_latency_bounds_ns());
  int64_t v = 0;
  for (auto _ : state) {
    h.observe(2'000 + (v++ & 8191));
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(h.sum_ns());
}
BENCHMARK(BM_HistogramObserveSteady);

// One scrape of a registry the size of LiveMetrics (~80 series, two 22-bucket histograms).
void BM_RenderScrape(benchmark::State& state) {
  MetricsRegistry r;
  r.histogram("mm_a_seconds", "a", default_latency_bounds_ns()).observe(5'000);
  r.histogram("mm_b_seconds", "b", default_latency_bounds_ns()).observe(5'000'000);
  for (int i = 0; i < 80; ++i) r.counter("mm_c_total", "c", {{"code", std::to_string(i)}}).add(i);
  std::string out;
  for (auto _ : state) {
    out.clear();
    r.render(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_RenderScrape);

}  // namespace
}  // namespace mm
