#include "bench/gate/scenarios.h"

#include <unistd.h>

#include <array>
#include <filesystem>
#include <memory>

#include "bench/gate/callgrind_region.h"
#include "bench/gate/gate_input.h"
#include "core/spsc_ring.h"
#include "net/bybit_codec.h"
#include "runtime/decision_path.h"
#include "runtime/ring_venue.h"
#include "sim/event_data.h"
#include "tools/mm/backtest.h"
#include "tools/mm/config.h"
#include "tools/mm/gen.h"
#include "tools/mm/replay.h"

namespace mm::gate {
namespace {

using Status = ScenarioOutcome::Status;

ScenarioOutcome ran(uint64_t ops) {
  return {Status::kRan, ops, {}};
}
ScenarioOutcome skipped(std::string why) {
  return {Status::kSkipped, 0, std::move(why)};
}
ScenarioOutcome failed(std::string why) {
  return {Status::kFailed, 0, std::move(why)};
}

// The replay harness over the shared recording, prepared (instruments loaded), with the decision path of a
// `levels`-per-side ladder when levels > 0. Sets `outcome` to skipped/failed when it cannot be built.
std::unique_ptr<Replayer> prepared_replayer(const GateOptions& o, int levels, ScenarioOutcome& outcome) {
  const std::string path = recording_path(o.data_dir);
  if (!std::filesystem::exists(path)) {
    outcome = skipped(path + " not found (the shared recordings are not beside this checkout)");
    return nullptr;
  }
  ReplayOptions ro;
  ro.files = {path};
  std::string error;
  if (levels > 0) {
    const std::string config = write_ladder_config(levels);
    error = tools::load_replay_config(config, ro);
    std::filesystem::remove(config);
  }
  auto r = std::make_unique<Replayer>(ro);
  if (error.empty()) error = r->prepare();
  if (!error.empty()) {
    outcome = failed("replay prepare: " + error);
    return nullptr;
  }
  return r;
}

// One real orderbook.200 BTCUSDT delta: codec parse (exact decimals) + BookSync apply, over every delta of
// the recording in order, so the book evolves as it did live.
ScenarioOutcome parse_book(const GateOptions& o) {
  ScenarioOutcome outcome;
  const auto r = prepared_replayer(o, 0, outcome);
  if (!r) return outcome;
  std::string error;
  const std::vector<PaddedFrame> frames = real_btc_book_frames(*r, recording_path(o.data_dir), error);
  if (frames.empty()) return failed(error);
  BybitCodec codec(r->registry());
  BookSync book;
  const auto apply = [&](const PaddedFrame& f) noexcept {
    const ParseResult p = codec.parse_padded(f.bytes.data(), f.size, Category::kLinear);
    if (p.error != CodecError::kOk || p.kind != MsgKind::kBook) return false;
    return book.on_update(codec.book(), 0) == SyncResult::kApplied;
  };
  // Warm-up and check: every frame must parse and apply (a failure would measure an early exit).
  for (const PaddedFrame& f : frames) {
    if (!apply(f)) return failed("parse_book: a BTCUSDT book frame did not parse and apply in the warm-up");
  }
  (void)apply(frames[0]);  // the snapshot restarts the sequence
  bool ok = true;
  begin_region();
  for (size_t i = 1; i < frames.size(); ++i) ok &= apply(frames[i]);
  end_region("parse_book");
  if (!ok) return failed("parse_book: a delta did not apply in the measured pass");
  return ran(frames.size() - 1);
}

// Tick-to-quote: `mm replay --config` on one thread, frame in -> parse -> book -> strategy -> risk ->
// quoter -> encoded, masked trade-WebSocket frames (RecordingVenue), for a ladder of `levels` per side.
constexpr int kTicks = 200;

ScenarioOutcome tick_to_quote(const GateOptions& o, int levels, const char* name) {
  ScenarioOutcome outcome;
  const auto r = prepared_replayer(o, levels, outcome);
  if (!r) return outcome;
  std::string error;
  const std::vector<PaddedFrame> frames = tick_to_quote_frames(*r, recording_path(o.data_dir), kTicks, error);
  if (frames.empty()) return failed(error);
  // Frame time keeps rising across passes: the decision path needs a clock that never goes back.
  int64_t frame_no = 0;
  const auto feed = [&](const PaddedFrame& m) noexcept {
    Frame f;
    f.kind = FrameKind::kRecv;
    f.category = Category::kLinear;
    f.has_category = true;
    f.data = m.view();
    f.recv_ns = 1'786'310'818'130'000'000 + frame_no++ * 1'000'000;
    r->process(f);
  };
  for (const PaddedFrame& f : frames) feed(f);  // warm-up: orders placed, then amended
  feed(frames[0]);                              // the snapshot restarts the sequence
  // The Trader's own counters: the replay's copy of the venue's figures is only gathered at the end of run().
  const TraderCounters before = r->decision_path()->counters();
  begin_region();
  for (size_t i = 1; i < frames.size(); ++i) feed(frames[i]);
  end_region(name);
  const TraderCounters& after = r->decision_path()->counters();
  // Every tick must quote (amend every level), else the count would measure a path that sends nothing.
  const uint64_t amends = after.amends - before.amends;
  const uint64_t quoted = after.ticks_with_actions - before.ticks_with_actions;
  if (quoted != static_cast<uint64_t>(kTicks) ||
      amends != static_cast<uint64_t>(kTicks) * 2 * static_cast<uint64_t>(levels) ||
      after.creates != before.creates || after.cancels != before.cancels || r->counters().parse_errors != 0 ||
      r->counters().gaps != 0) {
    return failed(std::string(name) + ": not every tick amended every level and nothing else (" +
                  std::to_string(quoted) + " of " + std::to_string(kTicks) + " ticks sent, " +
                  std::to_string(amends) + " amends, " + std::to_string(after.creates - before.creates) +
                  " creates, " + std::to_string(after.cancels - before.cancels) + " cancels)");
  }
  return ran(kTicks);
}

ScenarioOutcome tick_to_quote_1(const GateOptions& o) {
  return tick_to_quote(o, 1, "tick_to_quote_1");
}
ScenarioOutcome tick_to_quote_5(const GateOptions& o) {
  return tick_to_quote(o, 5, "tick_to_quote_5");
}

// The pipeline layout's hops for one tick, both ends on this thread (a count, not a latency: the cross-core
// cost is what pipeline_bench.cpp times): a frame reference through a 4096-slot SpscRing (the frame ring's
// shape; its FrameRef is private to replay_pipeline.cpp, so an item of the same 40 bytes stands in), then a
// five-level ladder's amends through RingVenue into the ActionRing (kBegin, ten amends, kEnd) and popped.
struct FrameHop {
  uint64_t pos = 0;
  uint32_t size = 0;
  uint32_t epoch = 0;
  Category category = Category::kLinear;
  int64_t recv_ns = 0;
  int64_t t0 = 0;
};
static_assert(sizeof(FrameHop) == 40);

constexpr int kHops = 1000;

ScenarioOutcome ring_hop(const GateOptions&) {
  auto frame_ring = std::make_unique<SpscRing<FrameHop, 4096>>();
  auto actions = std::make_unique<ActionRing>();
  RingVenue venue(*actions);
  std::array<OrderAmend, 10> ladder{};
  for (size_t i = 0; i < ladder.size(); ++i) {
    OrderAmend& a = ladder[i];
    a.instrument = 0;
    if (make_link_id("gate-" + std::to_string(i + 1), a.link_id) != LinkIdError::kOk) {
      return failed("ring_hop: link id");
    }
    a.price =
        Price{650'000 + (i < 5 ? -20 - 2 * static_cast<int64_t>(i) : 20 + 2 * static_cast<int64_t>(i - 5))};
  }
  const std::span<const OrderAmend> bids(ladder.data(), 5), asks(ladder.data() + 5, 5);
  uint64_t popped = 0;
  int64_t sink = 0;
  const auto tick = [&](int n) noexcept {
    FrameHop ref;
    ref.pos = static_cast<uint64_t>(n) * 512;
    ref.size = 300;
    ref.recv_ns = n;
    bool ok = frame_ring->try_push(ref);
    FrameHop got;
    ok &= frame_ring->try_pop(got);
    venue.set_time(got.recv_ns);
    venue.begin_tick();
    ok &= venue.send_amends(bids);
    ok &= venue.send_amends(asks);
    venue.end_tick(TickEnd{});
    ActionItem it;
    while (actions->try_pop(it)) {
      ++popped;
      sink += static_cast<int64_t>(it.kind);
    }
    return ok;
  };
  for (int n = 0; n < 100; ++n) (void)tick(n);  // warm-up
  popped = 0;
  bool ok = true;
  begin_region();
  for (int n = 0; n < kHops; ++n) ok &= tick(n);
  end_region("ring_hop");
  if (!ok || popped != static_cast<uint64_t>(kHops) * 12 || sink == 0) {
    return failed("ring_hop: items lost between the rings' two ends");
  }
  return ran(kHops);
}

// The backtest's per-event cost: `mm backtest` (Trader<SimVenue> + fill engine with the power queue model,
// one thread) over a generated BTCUSDT stream (120 s, ~43,500 events). The job's start-up (trader, fill
// engine, statistics) is inside the region, spread over the events: a stream twice as long moved the figure
// by 0.3 %.
constexpr int64_t kBacktestSeconds = 120;

ScenarioOutcome backtest_event(const GateOptions&) {
  const std::filesystem::path cap = std::filesystem::temp_directory_path() /
                                    ("mm_perf_gate_" + std::to_string(::getpid()) + "_backtest.mmcap");
  GenParams g;
  g.seconds = kBacktestSeconds;
  g.seed = 1;
  if (const GenResult gr = tools::write_synthetic_capture(g, cap.string()); gr.status != CaptureError::kOk) {
    return failed("backtest_event: generating " + cap.string() + ": " + gr.message);
  }
  EventData data;
  std::string error;
  const EventDataError le = load_event_data({cap.string()}, {}, data, error);
  std::filesystem::remove(cap);
  if (le != EventDataError::kOk) return failed("backtest_event: loading the generated stream: " + error);
  const std::string toml = backtest_config_toml();
  MmConfig cfg;
  if (error = tools::parse_config(toml, "perf gate backtest config", cfg); !error.empty()) {
    return failed("backtest_event: " + error);
  }
  auto run = std::make_unique<BacktestRun>();
  begin_region();
  error = run_backtest_job(cfg, data, kNoTimeLimitLow, kNoTimeLimitHigh, *run);
  end_region("backtest_event");
  if (!error.empty()) return failed("backtest_event: " + error);
  if (run->stats.fills == 0) {
    return failed(
        "backtest_event: no fills over " + std::to_string(run->events) + " events, " +
        std::to_string(run->stats.orders_created) + " orders, " + std::to_string(run->stats.orders_rejected) +
        " rejected, " + std::to_string(run->stats.orders_amended) + " amended, " +
        std::to_string(run->stats.orders_cancelled) + " cancelled (the fill path would not be measured)");
  }
  return ran(run->events);
}

constexpr std::array<Scenario, 5> kScenarios{{
    {"parse_book", "one real BTCUSDT orderbook.200 delta: codec parse + BookSync apply", true, parse_book},
    {"tick_to_quote_1",
     "one tick: delta -> parse -> book -> strategy -> risk -> quoter -> masked WS frame, 1 level", true,
     tick_to_quote_1},
    {"tick_to_quote_5", "one tick as tick_to_quote_1, 5 levels per side (10 amends)", true, tick_to_quote_5},
    {"ring_hop", "one tick through the pipeline's frame ring and action ring (10 amends)", false, ring_hop},
    {"backtest_event", "one event of a backtest (generated BTCUSDT, power queue model)", false,
     backtest_event},
}};

}  // namespace

std::span<const Scenario> scenarios() noexcept {
  return kScenarios;
}

}  // namespace mm::gate
