// Replay-level benchmarks (issue "Foundation"): parse + apply of real orderbook.200 deltas, and whole-file
// replay throughput on a generated 10-minute stream.
//   build/release/bench/tools_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/latency_histogram.h"
#include "tools/mm/gen.h"
#include "tools/mm/replay.h"

namespace mm::tools {
namespace {

const std::string kCryptofeed = std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";

struct RealBtc {
  InstrumentRegistry registry;
  std::vector<std::string> frames;  // snapshot first, then every delta of linear BTCUSDT; padded
  std::vector<size_t> sizes;
};

const RealBtc& real_btc() {
  static const RealBtc data = [] {
    RealBtc d;
    ReplayOptions o;
    o.files = {kCryptofeed};
    Replayer r(o);
    if (!r.prepare().empty()) std::abort();
    d.registry = r.registry();
    std::unique_ptr<FrameSource> src;
    if (!r.open(kCryptofeed, src).empty()) std::abort();
    Frame f;
    while (src->next(f) == ReadResult::kOk) {
      if (f.kind != FrameKind::kRecv || !f.has_category || f.category != Category::kLinear) continue;
      if (f.data.find("\"orderbook.200.BTCUSDT\"") == std::string_view::npos) continue;
      std::string s(f.data);
      d.sizes.push_back(s.size());
      s.resize(s.size() + kFramePadding, ' ');
      d.frames.push_back(std::move(s));
    }
    return d;
  }();
  return data;
}

// One real orderbook.200 BTCUSDT delta per iteration: codec parse (exact decimals) + BookSync apply, cycling
// through the recording's 400-odd deltas in order so the book evolves as it did live. Counters p50/p99 are
// per-message TSC measurements (the target is a median <= 450 ns).
void BM_ParseApplyRealDelta(benchmark::State& state) {
  const RealBtc& d = real_btc();
  BybitCodec codec(d.registry);
  BookSync book;
  TscCalibration cal;
  if (TscClock::calibrate(std::chrono::milliseconds(20), cal) != TscError::kOk) std::abort();
  const TscClock tsc(cal);
  LatencyHistogram hist;
  auto apply = [&](size_t i) {
    const ParseResult r = codec.parse_padded(d.frames[i].data(), d.sizes[i], Category::kLinear);
    if (r.error != CodecError::kOk || r.kind != MsgKind::kBook) std::abort();
    return book.on_update(codec.book(), 0);
  };
  (void)apply(0);
  size_t i = 1;
  uint64_t bytes = 0;
  for (auto _ : state) {
    const int64_t t0 = TscClock::read_ticks();
    benchmark::DoNotOptimize(apply(i));
    hist.record(tsc.ticks_to_duration_ns(TscClock::read_ticks() - t0));
    bytes += d.sizes[i];
    if (++i == d.frames.size()) {
      state.PauseTiming();
      (void)apply(0);  // the snapshot restarts the sequence
      i = 1;
      state.ResumeTiming();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["p50_ns"] = static_cast<double>(hist.p50());
  state.counters["p99_ns"] = static_cast<double>(hist.p99());
  state.counters["deltas"] = static_cast<double>(d.frames.size() - 1);
}
BENCHMARK(BM_ParseApplyRealDelta);

// Baseline in the same run: parse only (no book), same messages.
void BM_ParseOnlyRealDelta(benchmark::State& state) {
  const RealBtc& d = real_btc();
  BybitCodec codec(d.registry);
  size_t i = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(codec.parse_padded(d.frames[i].data(), d.sizes[i], Category::kLinear));
    if (++i == d.frames.size()) i = 1;
  }
}
BENCHMARK(BM_ParseOnlyRealDelta);

const std::string& generated_10min() {
  static const std::string path = [] {
    std::string p = "/tmp/mm_bench_gen_600s_seed1.mmcap";
    GenParams g;
    g.seconds = 600;
    g.seed = 1;
    const GenResult r = write_synthetic_capture(g, p);
    if (r.status != CaptureError::kOk) {
      std::fprintf(stderr, "gen failed: %s\n", r.message.c_str());
      std::abort();
    }
    return p;
  }();
  return path;
}

// `mm replay` on a generated 10-minute BTCUSDT stream, one thread: messages/s over the whole run (reader,
// codec, book and the per-stage TSC stamps included). Target: >= 2 million messages/s.
void BM_ReplayGenerated10Min(benchmark::State& state) {
  const std::string& path = generated_10min();
  uint64_t messages = 0, bytes = 0;
  for (auto _ : state) {
    ReplayOptions o;
    o.files = {path};
    Replayer r(o);
    state.PauseTiming();
    if (!r.prepare().empty()) std::abort();
    state.ResumeTiming();
    if (!r.run().empty()) std::abort();
    if (r.counters().parse_errors != 0 || r.counters().gaps != 0) std::abort();
    messages += r.counters().messages;
    bytes += r.counters().bytes;
  }
  state.counters["msgs_per_s"] = benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ReplayGenerated10Min)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace mm::tools
