// Where the `quote` p99 of `mm replay --config` comes from (issue 9): the work of a heavy tick, and the host.
//   taskset -c 1 build/release/bench/tools_bench --benchmark_repetitions=5
//     --benchmark_filter='QuoteTickWeight|HostStalls'
//
// BM_QuoteTickWeight/deep:N: an orderbook.200 delta that moves the touch of a 3-level fixed-spread ladder by
// 4 ticks (every tick amends all 6 orders, as in tick_to_quote_bench), carrying N more levels deep in the
// book (quantity changes far from the touch: parse and book work, no other decision). deep:0 is a light tick,
// deep:56 the size of the slowest 10 % of gen1h's quoted ticks (median 55 levels). Same actions, same
// decision: the difference is the per-level work of parse and book, measured in the same run.
//
// BM_HostStalls: how often the host takes the CPU away for a short while. A loop reads the TSC back to back
// (~14 ns a read on the dev VM); a gap above 300 ns is time the loop did not run. On the dev VM (2 vCPUs)
// thousands of 1-5 us gaps a second appear that the guest does not see (/proc/interrupts counts a few hundred
// interrupts, steal does not move): each one that lands inside a quoted tick adds 1-5 us to a 1-2 us tick,
// which is what the slowest 1 % of `quote` is made of. Run it pinned to the CPU the replay uses, just before
// measuring the replay's p99: stalls_per_s near zero says the host is quiet enough for a p99 figure.
#include <benchmark/benchmark.h>
#include <x86intrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/tools/ladder_fixture.h"
#include "runtime/decision_path.h"
#include "tools/mm/replay.h"

namespace mm::tools {
namespace {

using namespace bench_fixture;

// The real BTCUSDT snapshot (best 65114.20 / 65114.30), then deltas that alternately delete both best levels
// and restore them (the mid moves 4 ticks each time), each with `deep` more levels split between the sides,
// well away from the touch (bids from 65050.0 down, asks from 65180.0 up), whose quantity alternates.
std::vector<Msg> frames(const Replayer& r, int count, int deep) {
  std::vector<Msg> out;
  out.push_back(btcusdt_snapshot(r));
  const long long u0 = update_id({out[0].bytes.data(), out[0].size});
  const auto deep_levels = [&](bool bids, int n, int i) {
    std::string d;
    char buf[64];
    for (int k = 0; k < n; ++k) {
      const long long tenths = bids ? 650500 - k : 651800 + k;
      std::snprintf(buf, sizeof buf, ",[\"%lld.%lld\",\"%s\"]", tenths / 10, tenths % 10,
                    (i + k) % 2 == 0 ? "0.100" : "0.200");
      d += buf;
    }
    return d;
  };
  for (int i = 1; i <= count; ++i) {
    const bool remove = i % 2 == 1;
    std::string m =
        "{\"topic\":\"orderbook.200.BTCUSDT\",\"type\":\"delta\",\"ts\":1786310818130,\"data\":{\"s\":"
        "\"BTCUSDT\",\"b\":[[\"65114.20\",\"";
    m += remove ? "0" : "6.054";
    m += "\"],[\"65095.30\",\"0.005\"],[\"65094.60\",\"0.076\"]";
    m += deep_levels(true, deep / 2, i);
    m += "],\"a\":[[\"65114.30\",\"";
    m += remove ? "0" : "10.486";
    m += "\"],[\"65129.60\",\"0.002\"]";
    m += deep_levels(false, deep - deep / 2, i);
    m += "],\"u\":" + std::to_string(u0 + i) + ",\"seq\":" + std::to_string(753843907770LL + i) +
         "},\"cts\":1786310818125}";
    out.push_back(padded(std::move(m)));
  }
  return out;
}

void BM_QuoteTickWeight(benchmark::State& state) {
  const int deep = static_cast<int>(state.range(0));
  ReplayOptions o;
  o.files = {kCryptofeed};
  // 3 levels a side as examples/fixed.toml.
  const std::string config = write_ladder_config("/tmp/mm_bench_quote_tail.toml", 3, 1, "qtb");
  if (const std::string e = load_replay_config(config, o); !e.empty()) {
    state.SkipWithError(e.c_str());
    return;
  }
  Replayer r(o);
  if (const std::string e = r.prepare(); !e.empty()) {
    state.SkipWithError(e.c_str());
    return;
  }
  const std::vector<Msg> msgs = frames(r, 2000, deep);
  // Frame time keeps rising across the snapshot wraps (the decision path needs a clock that never goes back).
  int64_t frame_no = 0;
  const auto feed = [&](const Msg& m) {
    const Frame f = linear_frame(m, frame_no++);
    r.process(f);
  };
  feed_frames(state, msgs, feed);
  const LatencyHistogram& q = r.latency(ReplayStage::kQuote);
  state.counters["quote_p50_ns"] = static_cast<double>(q.p50());
  state.counters["quote_p90_ns"] = static_cast<double>(q.p90());
  state.counters["quote_p99_ns"] = static_cast<double>(q.p99());
  for (ReplayStage s :
       {ReplayStage::kParse, ReplayStage::kBook, ReplayStage::kQuoter, ReplayStage::kEncode}) {
    state.counters[std::string(to_string(s)) + "_p50"] = static_cast<double>(r.latency(s).p50());
  }
  const auto& c = r.counters();
  state.counters["actions_per_tick"] =
      c.ticks ? static_cast<double>(c.actions) / static_cast<double>(c.ticks) : 0.0;
  state.counters["frame_bytes"] = static_cast<double>(msgs[1].size);
}
BENCHMARK(BM_QuoteTickWeight)->ArgName("deep")->Arg(0)->Arg(56);

// One iteration = 20 ms of back-to-back TSC reads. Counters are per second of the loop.
void BM_HostStalls(benchmark::State& state) {
  // TSC ticks per ns, against the steady clock over 20 ms (cold, before the loop).
  const auto c0 = std::chrono::steady_clock::now();
  const uint64_t r0 = __rdtsc();
  while (std::chrono::steady_clock::now() - c0 < std::chrono::milliseconds(20)) {
  }
  const double per_ns =
      static_cast<double>(__rdtsc() - r0) /
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - c0).count();
  const auto ticks = [&](double ns) { return static_cast<uint64_t>(ns * per_ns); };
  const uint64_t gap = ticks(300), one_us = ticks(1000), five_us = ticks(5000), twenty_us = ticks(20000);
  uint64_t stalls = 0, short_stalls = 0, long_stalls = 0, lost = 0, looped = 0;
  for (auto _ : state) {
    const uint64_t start = __rdtsc();
    const uint64_t end = start + ticks(20e6);
    uint64_t prev = start;
    for (;;) {
      const uint64_t t = __rdtsc();
      const uint64_t d = t - prev;
      if (d > gap) [[unlikely]] {
        ++stalls;
        lost += d;
        short_stalls += d >= one_us && d < five_us;
        long_stalls += d >= twenty_us;
      }
      prev = t;
      if (t >= end) break;
    }
    looped += prev - start;
  }
  const double secs = static_cast<double>(looped) / per_ns / 1e9;
  state.counters["stalls_per_s"] = static_cast<double>(stalls) / secs;
  state.counters["stalls_1_5us_per_s"] = static_cast<double>(short_stalls) / secs;
  state.counters["stalls_20us_up_per_s"] = static_cast<double>(long_stalls) / secs;
  state.counters["lost_pct"] = 100.0 * static_cast<double>(lost) / static_cast<double>(looped);
}
BENCHMARK(BM_HostStalls)->Iterations(50)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mm::tools
