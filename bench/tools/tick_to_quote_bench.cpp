// Tick-to-quote (issue "Decision path"): an orderbook.200 delta that moves the quotes of a fixed-spread
// ladder, from the frame being available to the last byte of the encoded trade-WebSocket order frames, one
// thread.
//   build/release/bench/tools_bench --benchmark_filter=TickToQuote --benchmark_repetitions=5
// (levels:N/ops:0 without operations, ops:1 with them as the live node runs them, ops:2 with a log record per
// order action on top: the three are compared in the same run.)
// Counters p50_ns / p99_ns are per-tick TSC measurements of the `quote` stage (ticks that sent actions), the
// same figure `mm replay --config` reports.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/tools/ladder_fixture.h"
#include "runtime/decision_path.h"
#include "runtime/ops/live_events.h"
#include "runtime/ops/node_ops.h"
#include "tools/mm/replay.h"

namespace mm::tools {
namespace {

using namespace bench_fixture;

// The real BTCUSDT snapshot (best 65114.20 / 65114.30), then deltas that alternately delete both best levels
// (the touch widens to 65114.10 / 65115.20: the mid rises 4 ticks) and restore them: each delta moves a
// fixed-spread ladder by 4 ticks on both sides, so every tick sends amends for every level.
std::vector<Msg> frames(const Replayer& r, int count) {
  std::vector<Msg> out;
  out.push_back(btcusdt_snapshot(r));
  const long long u0 = update_id({out[0].bytes.data(), out[0].size});  // 15076951
  for (int i = 1; i <= count; ++i) {
    char buf[512];
    const bool remove = i % 2 == 1;
    std::snprintf(buf, sizeof buf,
                  "{\"topic\":\"orderbook.200.BTCUSDT\",\"type\":\"delta\",\"ts\":1786310818130,\"data\":{\"s\":"
                  "\"BTCUSDT\",\"b\":[[\"65114.20\",\"%s\"],[\"65095.30\",\"0.005\"],[\"65094.60\",\"0.076\"]],"
                  "\"a\":[[\"65114.30\",\"%s\"],[\"65129.60\",\"0.002\"]],\"u\":%lld,\"seq\":%lld},"
                  "\"cts\":1786310818125}",
                  remove ? "0" : "6.054", remove ? "0" : "10.486", u0 + i, 753843907770LL + i);
    out.push_back(padded(buf));
  }
  return out;
}

// Second argument 1: operations on, as the live node runs them (runtime/ops/node_ops.h: the hooks LiveNode
// calls): the /metrics and live page server (its 250 ms push timer) and the log drain thread running, and per
// tick inside the timed region the message counter and the tick-to-quote histogram, and every 100 ticks the
// timer's publish (the node's timer runs every 100 ms: far less often). 2: the same plus one order log record
// per action (the node does not log each action; this shows what it would cost: the drain thread formats and
// writes every record).
void BM_TickToQuote(benchmark::State& state) {
  const int levels = static_cast<int>(state.range(0));
  const int64_t ops_mode = state.range(1);
  std::unique_ptr<NodeOps> ops;
  if (ops_mode > 0) {
    OpsOptions oo;
    oo.settings.http_listen = "127.0.0.1:0";
    oo.settings.log_file = "/tmp/mm_bench_ttq_ops.log";
    oo.events = kLiveEvents;
    ops = std::make_unique<NodeOps>(oo);
    if (const std::string e = ops->runtime().start(); !e.empty()) {
      state.SkipWithError(e.c_str());
      return;
    }
  }
  ReplayOptions o;
  o.files = {kCryptofeed};
  if (const std::string e = load_replay_config(
          write_ladder_config("/tmp/mm_bench_ttq_" + std::to_string(levels) + ".toml", levels, 2, "ttq"), o);
      !e.empty())
    std::abort();
  Replayer r(o);
  if (const std::string e = r.prepare(); !e.empty()) {
    state.SkipWithError(e.c_str());
    return;
  }
  const std::vector<Msg> msgs = frames(r, 2000);
  // What the node's timer hands NodeOps (the replayer keeps its trader to itself): a 50-level book a side for
  // the live page's top-of-book copy, a position, the order table and a rate limiter, as in mm run.
  OrderBook page_book;
  for (int l = 0; l < 50; ++l) {
    (void)page_book.set_level(Side::kBuy, Price{651140 - 10 * l}, Qty{100 + l});
    (void)page_book.set_level(Side::kSell, Price{651150 + 10 * l}, Qty{100 + l});
  }
  Instrument in;
  (void)make_instrument({Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "0"},
                        in);
  Position position(in);
  OrderTable orders(64, "ttq", 1);
  RateLimiter limiter;
  (void)limiter.configure(RateClass::kCreate, 10, 10, 0);
  NodeState node;
  node.book = &page_book;
  node.position = &position;
  node.orders = &orders;
  node.limiter = &limiter;
  node.mid_ticks = 651145;
  // Frame time keeps rising across the snapshot wraps: the decision path requires a clock that never goes
  // back (token buckets, breakers, signals), and a rewind at each wrap made the actions per tick depend on
  // how many wraps a run happened to do.
  int64_t frame_no = 0;
  const auto feed = [&](const Msg& m) {
    const Frame f = linear_frame(m, frame_no++);
    const uint64_t actions_before = r.counters().actions;
    r.process(f);
    if (ops) {
      ops->on_message(MsgTopic::kOrderbook);
      // The node passes its stamp difference; the histogram's cost is the same for any value.
      if (r.counters().actions > actions_before) ops->on_quoted(2'000 + (frame_no & 4095));
      if (frame_no % 100 == 0) ops->on_timer(f.recv_ns, node);
      if (ops_mode == 2) {
        for (uint64_t a = actions_before; a < r.counters().actions; ++a) {
          (void)log_event(ops->runtime().hot_log(), LiveEvent::kOrderAmend, f.recv_ns, "ttq-1700000000-0001",
                          651142, 2);
        }
      }
    }
  };
  feed_frames(state, msgs, feed);
  const LatencyHistogram& q = r.latency(ReplayStage::kQuote);
  const LatencyHistogram& t = r.latency(ReplayStage::kTotal);
  state.counters["quote_p50_ns"] = static_cast<double>(q.p50());
  state.counters["quote_p99_ns"] = static_cast<double>(q.p99());
  state.counters["quote_ticks"] = static_cast<double>(q.count());
  state.counters["total_p50_ns"] = static_cast<double>(t.p50());
  // Per-stage medians: where the quote time goes (the stages of `mm replay --config`).
  for (ReplayStage s : {ReplayStage::kParse, ReplayStage::kBook, ReplayStage::kStrategy, ReplayStage::kRisk,
                        ReplayStage::kQuoter, ReplayStage::kEncode}) {
    state.counters[std::string(to_string(s)) + "_p50"] = static_cast<double>(r.latency(s).p50());
  }
  const auto& c = r.counters();
  state.counters["actions_per_tick"] = c.ticks ? static_cast<double>(c.actions) / static_cast<double>(c.ticks) : 0.0;
}
BENCHMARK(BM_TickToQuote)->ArgNames({"levels", "ops"})->ArgsProduct({{1, 5}, {0, 1, 2}});

}  // namespace
}  // namespace mm::tools
