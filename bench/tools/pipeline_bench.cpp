// Pipeline layout vs one thread (issue "mm replay --layout"):
//   build/release/bench/tools_bench --benchmark_filter='Pipeline|LayoutThroughput' --benchmark_repetitions=3
// BM_TickToQuoteLayout: the synthetic deltas of BM_TickToQuote (tick_to_quote_bench.cpp: the real BTCUSDT
// snapshot, then 2000 deltas that move a 5-level fixed-spread ladder by 4 ticks on both sides), replayed from
// a capture file by Replayer::run() in either layout. The pipeline feed is paced (one frame per 50 us, as a
// live feed arrives), so quote p50/p99 is the hop cost, not the queueing of a replay that reads ahead.
// BM_LayoutThroughput: whole-replay msgs/s of a generated stream (mm gen, 600 s, ~30k frames) with the same
// ladder, the feed unpaced.
// Arguments: layout (0 one-thread, 1 pipeline), idle (0 backoff, 1 yield, 2 spin).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "bench/tools/ladder_fixture.h"
#include "core/capture.h"
#include "tools/mm/gen.h"
#include "tools/mm/replay.h"

namespace mm::tools {
namespace {

using namespace bench_fixture;

// As tick_to_quote_bench.cpp's config with levels = 5.
std::string ladder_config() {
  return write_ladder_config("/tmp/mm_bench_pipeline.toml", 5, 2, "ttq");
}

// The capture of BM_TickToQuote's frames: the recording's connection and instruments-info records, its
// BTCUSDT orderbook.200 snapshot, then `count` deltas alternately removing and restoring both best levels.
std::string tick_to_quote_capture(int count) {
  const std::string path = "/tmp/mm_bench_pipeline_ttq.mmcap";
  ReplayOptions o;
  o.files = {kCryptofeed};
  Replayer r(o);
  std::unique_ptr<FrameSource> src;
  if (!r.open(kCryptofeed, src).empty()) std::abort();
  CaptureWriter w;
  if (w.open(path, 0) != CaptureError::kOk) std::abort();
  Frame f;
  std::string snapshot;
  Frame snap;
  while (src->next(f) == ReadResult::kOk) {
    if (f.kind == FrameKind::kConnect || f.kind == FrameKind::kHttp) {
      if (w.write(f) != CaptureError::kOk) std::abort();
    } else if (is_btcusdt_snapshot(f)) {
      snapshot = std::string(f.data);
      snap = f;
      break;
    }
  }
  if (snapshot.empty()) std::abort();
  snap.data = snapshot;
  if (w.write(snap) != CaptureError::kOk) std::abort();
  const long long u0 = std::stoll(snapshot.substr(snapshot.find("\"u\":") + 4));
  for (int i = 1; i <= count; ++i) {
    char buf[512];
    const bool remove = i % 2 == 1;
    const int n = std::snprintf(
        buf, sizeof buf,
        "{\"topic\":\"orderbook.200.BTCUSDT\",\"type\":\"delta\",\"ts\":1786310818130,\"data\":{\"s\":"
        "\"BTCUSDT\",\"b\":[[\"65114.20\",\"%s\"],[\"65095.30\",\"0.005\"],[\"65094.60\",\"0.076\"]],"
        "\"a\":[[\"65114.30\",\"%s\"],[\"65129.60\",\"0.002\"]],\"u\":%lld,\"seq\":%lld},"
        "\"cts\":1786310818125}",
        remove ? "0" : "6.054", remove ? "0" : "10.486", u0 + i, 753843907770LL + i);
    Frame d = snap;
    d.data = std::string_view(buf, static_cast<size_t>(n));
    d.recv_ns = snap.recv_ns + static_cast<int64_t>(i) * 1'000'000;
    if (w.write(d) != CaptureError::kOk) std::abort();
  }
  if (w.close() != CaptureError::kOk) std::abort();
  return path;
}

void set_layout(ReplayOptions& o, benchmark::State& state) {
  o.layout = state.range(0) == 0 ? ReplayLayout::kOneThread : ReplayLayout::kPipeline;
  o.idle = state.range(1) == 0   ? PipelineIdle::kBackOff
           : state.range(1) == 1 ? PipelineIdle::kYield
                                 : PipelineIdle::kBusySpin;
  state.counters["layout"] = static_cast<double>(state.range(0));
}

void BM_TickToQuoteLayout(benchmark::State& state) {
  static const std::string file = tick_to_quote_capture(2000);
  ReplayOptions o;
  o.files = {file};
  if (const std::string e = load_replay_config(ladder_config(), o); !e.empty()) std::abort();
  set_layout(o, state);
  o.pace_ns = 50'000;
  LatencyHistogram quote, total, hop_in, hop_out;
  uint64_t actions = 0, ticks = 0;
  for (auto _ : state) {
    Replayer r(o);
    if (const std::string e = r.prepare(); !e.empty()) {
      state.SkipWithError(e.c_str());
      return;
    }
    if (const std::string e = r.run(); !e.empty()) {
      state.SkipWithError(e.c_str());
      return;
    }
    quote.merge(r.latency(ReplayStage::kQuote));
    total.merge(r.latency(ReplayStage::kTotal));
    hop_in.merge(r.latency(ReplayStage::kFeedHop));
    hop_out.merge(r.latency(ReplayStage::kDispatchHop));
    actions += r.counters().actions;
    ticks += r.counters().ticks;
  }
  state.counters["quote_p50_ns"] = static_cast<double>(quote.p50());
  state.counters["quote_p99_ns"] = static_cast<double>(quote.p99());
  state.counters["quote_ticks"] = static_cast<double>(quote.count());
  state.counters["total_p50_ns"] = static_cast<double>(total.p50());
  state.counters["feed_hop_p50_ns"] = static_cast<double>(hop_in.p50());
  state.counters["dispatch_hop_p50_ns"] = static_cast<double>(hop_out.p50());
  state.counters["actions_per_tick"] =
      ticks ? static_cast<double>(actions) / static_cast<double>(ticks) : 0.0;
}
// One-thread (its layout ignores the pace and idle), then the pipeline with each idle strategy.
BENCHMARK(BM_TickToQuoteLayout)
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()  // the work runs on the pipeline threads, not on the benchmark's
    ->Iterations(3);

void BM_LayoutThroughput(benchmark::State& state) {
  static const std::string file = [] {
    GenParams p;
    p.seconds = 600;
    p.seed = 11;
    const std::string path = "/tmp/mm_bench_pipeline_gen.mmcap";
    if (write_synthetic_capture(p, path).status != CaptureError::kOk) std::abort();
    return path;
  }();
  ReplayOptions o;
  o.files = {file};
  if (const std::string e = load_replay_config(ladder_config(), o); !e.empty()) std::abort();
  set_layout(o, state);
  uint64_t messages = 0;
  double wall = 0;
  uint64_t waits = 0;
  for (auto _ : state) {
    Replayer r(o);
    if (const std::string e = r.prepare(); !e.empty()) {
      state.SkipWithError(e.c_str());
      return;
    }
    if (const std::string e = r.run(); !e.empty()) {
      state.SkipWithError(e.c_str());
      return;
    }
    messages += r.counters().messages;
    wall += r.wall_seconds();
    const PipelineCounters& pc = r.pipeline_counters();
    waits += pc.frame_ring_waits + pc.arena_waits + pc.action_ring_waits;
  }
  state.counters["msgs_per_s"] = wall > 0 ? static_cast<double>(messages) / wall : 0.0;
  state.counters["producer_waits"] = static_cast<double>(waits);
  state.SetItemsProcessed(static_cast<int64_t>(messages));
}
BENCHMARK(BM_LayoutThroughput)
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()  // the work runs on the pipeline threads, not on the benchmark's
    ->Iterations(3);

}  // namespace
}  // namespace mm::tools
