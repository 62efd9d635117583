// `mm replay --layout pipeline` must be the one-thread replay on other threads: same frames, messages,
// errors, decision-path actions, encoded order frames and final books, whatever the idle strategy, and with
// an arena small enough to wrap and make the feed wait.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "runtime/decision_path.h"
#include "tools/mm/gen.h"
#include "tools/mm/replay.h"

namespace mm::tools {
namespace {

const std::string kCryptofeed = std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";

std::string example(const char* name) {
  return (std::filesystem::path(MM_SOURCE_DIR) / "examples" / name).string();
}

// A busy configuration: a tight fixed-spread ladder, no price tolerance and rate limits out of the way, so
// the ladder follows every move of the touch (on the real recording the touch hardly moves: one tick sends).
std::string busy_config() {
  const std::string path = ::testing::TempDir() + "mm_pipeline_busy_" + std::to_string(::getpid()) + ".toml";
  std::ofstream f(path);
  f << "[market]\ncategory = \"linear\"\nsymbol = \"BTCUSDT\"\n"
       "[strategy]\nkind = \"fixed\"\nhalf_spread_ticks = 10.0\nhalf_spread_bps = 0.0\nmin_spread_ticks = 2\n"
       "order_size_lots = 2\nlevels = 3\nlevel_spacing_ticks = 2.0\n"
       "[quoter]\nlink_id_prefix = \"pl\"\nprice_tolerance_ticks = 0\nuse_amend = true\n"
       "[trader]\nmax_position_lots = 100\ncreate_per_second = 1000000\ncreate_burst = 1000000\n"
       "amend_per_second = 1000000\namend_burst = 1000000\ncancel_per_second = 1000000\ncancel_burst = "
       "1000000\n"
       "[risk]\nmax_order_qty = \"0.010\"\nmax_order_notional = \"1000\"\nmax_position_qty = \"0.100\"\n"
       "max_exposure_notional = \"10000\"\nprice_band_bps = 100\nmax_open_orders = 40\n";
  return path;
}

// The glft example with its arrival-intensity fit on a short leash (refit every 200 ms over a 20 s window,
// from the start), so that its quotes follow the trades of the 120 s synthetic stream.
std::string trade_driven_config() {
  std::ifstream in(example("glft.toml"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto set = [&](const std::string& key, const std::string& value) {
    const size_t at = text.find("\n" + key + " = ");
    ASSERT_NE(at, std::string::npos) << key;
    const size_t eol = text.find('\n', at + 1);
    text.replace(at + 1, eol - at - 1, key + " = " + value);
  };
  set("calibration_window_s", "20");
  set("calibration_refit_ms", "200");
  set("calibration_min_points", "2");
  const std::string path = ::testing::TempDir() + "mm_pipeline_glft_" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << text;
  return path;
}

struct Outcome {
  ReplayCounters c;
  std::string books;  // the "books" object of the JSON report: every book's u, trust and top levels
  std::string layout;
  LatencyHistogram quote, total, parse;
  PipelineCounters pipe;
  TraderCounters trader;
};

Outcome replay(ReplayOptions o) {
  o.top = 20;
  Replayer r(o);
  Outcome out;
  EXPECT_EQ(r.prepare(), "");
  EXPECT_EQ(r.run(), "");
  out.c = r.counters();
  out.pipe = r.pipeline_counters();
  out.quote = r.latency(ReplayStage::kQuote);
  out.total = r.latency(ReplayStage::kTotal);
  out.parse = r.latency(ReplayStage::kParse);
  if (r.decision_path() != nullptr) out.trader = r.decision_path()->counters();
  simdjson::dom::parser parser;
  const std::string json = replay_json_report(r);
  simdjson::dom::element doc = parser.parse(json).value();
  out.books = simdjson::to_string(doc["books"].value());
  out.layout = std::string(doc["layout"].get_string().value());
  return out;
}

void expect_same(const Outcome& a, const Outcome& b) {
  EXPECT_EQ(a.c.frames, b.c.frames);
  EXPECT_EQ(a.c.messages, b.c.messages);
  EXPECT_EQ(a.c.bytes, b.c.bytes);
  for (size_t k = 0; k < kMsgKindCount; ++k) EXPECT_EQ(a.c.topics[k], b.c.topics[k]) << "topic " << k;
  EXPECT_EQ(a.c.parse_errors, b.c.parse_errors);
  EXPECT_EQ(a.c.read_errors, b.c.read_errors);
  EXPECT_EQ(a.c.gaps, b.c.gaps);
  EXPECT_EQ(a.c.resyncs, b.c.resyncs);
  EXPECT_EQ(a.c.book_errors, b.c.book_errors);
  EXPECT_EQ(a.c.filtered, b.c.filtered);
  EXPECT_EQ(a.c.book_snapshots, b.c.book_snapshots);
  EXPECT_EQ(a.c.book_deltas, b.c.book_deltas);
  EXPECT_EQ(a.c.ticks, b.c.ticks);
  EXPECT_EQ(a.c.ticks_with_actions, b.c.ticks_with_actions);
  EXPECT_EQ(a.c.actions, b.c.actions);
  EXPECT_EQ(a.c.creates, b.c.creates);
  EXPECT_EQ(a.c.amends, b.c.amends);
  EXPECT_EQ(a.c.cancels, b.c.cancels);
  EXPECT_EQ(a.c.cancel_alls, b.c.cancel_alls);
  EXPECT_EQ(a.c.order_frames, b.c.order_frames);
  EXPECT_EQ(a.c.order_bytes, b.c.order_bytes);
  EXPECT_EQ(a.books, b.books);
  // Every tick is measured once whichever thread closes it.
  EXPECT_EQ(a.quote.count(), b.quote.count());
  EXPECT_EQ(a.total.count(), b.total.count());
  // Every frame is parsed once, on the decision thread or (a trade frame) on the feed thread.
  EXPECT_EQ(a.parse.count(), b.parse.count());
  EXPECT_EQ(a.trader.ticks, b.trader.ticks);
  EXPECT_EQ(a.trader.risk_blocked, b.trader.risk_blocked);
  EXPECT_EQ(a.trader.skipped_untrusted, b.trader.skipped_untrusted);
}

// A generated BTCUSDT stream (seeded, so every run sees the same frames): 120 s of 20 ms deltas is ~6000
// frames, more than the frame ring holds, and its touch moves often enough to make the busy ladder amend.
const std::string& synthetic() {
  static const std::string path = [] {
    GenParams p;
    p.seconds = 120;
    p.seed = 7;
    // One file per process: ctest runs these tests in parallel processes, which must not share it.
    const std::string out =
        ::testing::TempDir() + "mm_pipeline_synthetic_" + std::to_string(::getpid()) + ".mmcap";
    const GenResult r = write_synthetic_capture(p, out);
    EXPECT_EQ(r.status, CaptureError::kOk) << r.message;
    return out;
  }();
  return path;
}

ReplayOptions options(const std::string& config, ReplayLayout layout, const std::string& file = kCryptofeed) {
  ReplayOptions o;
  o.files = {file};
  if (!config.empty()) {
    EXPECT_EQ(load_replay_config(config, o), "");
  }
  o.layout = layout;
  return o;
}

TEST(ReplayPipeline, FixedExampleMatchesOneThread) {
  const Outcome one = replay(options(example("fixed.toml"), ReplayLayout::kOneThread));
  const Outcome pipe = replay(options(example("fixed.toml"), ReplayLayout::kPipeline));
  EXPECT_EQ(one.layout, "one-thread");
  EXPECT_EQ(pipe.layout, "pipeline");
  EXPECT_EQ(one.c.frames, 3227u);
  EXPECT_GT(one.c.ticks, 0u);
  EXPECT_GT(one.c.actions, 0u);
  expect_same(one, pipe);
  EXPECT_EQ(pipe.pipe.encode_errors, 0u);
}

TEST(ReplayPipeline, BusyConfigMatchesOneThreadWithEveryIdleStrategy) {
  const std::string cfg = busy_config();
  const Outcome one = replay(options(cfg, ReplayLayout::kOneThread, synthetic()));
  ASSERT_GT(one.c.frames, 4096u) << "more frames than the frame ring holds";
  ASSERT_GT(one.c.ticks_with_actions, 100u) << "the busy config must exercise the action ring";
  ASSERT_GT(one.c.amends, 0u);
  ASSERT_GT(one.c.creates, 0u);
  for (PipelineIdle idle : {PipelineIdle::kBackOff, PipelineIdle::kYield, PipelineIdle::kBusySpin}) {
    SCOPED_TRACE(std::string(to_string(idle)));
    ReplayOptions o = options(cfg, ReplayLayout::kPipeline, synthetic());
    o.idle = idle;
    if (idle == PipelineIdle::kBusySpin) {
      // Three spinning threads need three CPUs of their own (runtime/layout_check.h); on fewer it is refused.
      if (std::thread::hardware_concurrency() < 3) {
        Replayer r(o);
        EXPECT_NE(r.prepare().find("--idle spin"), std::string::npos);
        continue;
      }
      o.cpus = {0, 1, 2};
    }
    expect_same(one, replay(o));
  }
}

// The feed thread decodes the trade frames and hands their events to the decision thread in frame order:
// the glft strategy fits its quotes to the trades it sees (strategy/arrival_intensity.h), so trades that do
// not reach it change its actions (checked by hand: with the decoded trades dropped on the decision thread
// this test fails; with half of each frame's trades dropped it still passes, the fit is that coarse).
TEST(ReplayPipeline, TradesDecodedOnTheFeedThreadReachTheStrategyInOrder) {
  const std::string cfg = trade_driven_config();
  const Outcome one = replay(options(cfg, ReplayLayout::kOneThread, synthetic()));
  const uint64_t trade_frames = one.c.topics[static_cast<size_t>(MsgKind::kTrade)];
  ASSERT_GT(trade_frames, 500u);
  ASSERT_GT(one.c.ticks_with_actions, 10u);
  ReplayOptions o = options(cfg, ReplayLayout::kPipeline, synthetic());
  o.feed_decode_depth = 0;  // every trade frame on the feed thread, however fast the decision thread is
  const Outcome pipe = replay(o);
  expect_same(one, pipe);
  EXPECT_EQ(pipe.pipe.feed_decoded, trade_frames);
  // The default decodes there only while the decision thread is behind: any split gives the same result.
  expect_same(one, replay(options(cfg, ReplayLayout::kPipeline, synthetic())));
}

TEST(ReplayPipeline, SpinWithTwoThreadsOnOneCpuIsRefusedAndYieldWarns) {
  ReplayOptions o = options(busy_config(), ReplayLayout::kPipeline, synthetic());
  o.cpus = {0, 1, 0};  // the default: feed and dispatch share CPU 0
  o.idle = PipelineIdle::kBusySpin;
  Replayer spin(o);
  EXPECT_EQ(
      spin.prepare(),
      "pipeline: --idle spin: the feed and dispatch threads share CPU 0: two spinning threads on one CPU "
      "starve each other; give each its own CPU with --cpus, or use --idle backoff (or the one-thread "
      "layout on 2 vCPUs)");
  o.idle = PipelineIdle::kYield;
  Replayer yield(o);
  EXPECT_EQ(yield.prepare(), "");
  EXPECT_EQ(
      yield.layout_warning(),
      "pipeline: --idle yield: the feed and dispatch threads share CPU 0: each hand-off between them costs "
      "a context switch");
  o.idle = PipelineIdle::kBackOff;
  Replayer backoff(o);
  EXPECT_EQ(backoff.prepare(), "");
  EXPECT_EQ(backoff.layout_warning(), "");
}

TEST(ReplayPipeline, SmallArenaWrapsAndWaitsWithoutLosingFrames) {
  const std::string cfg = busy_config();
  const Outcome one = replay(options(cfg, ReplayLayout::kOneThread, synthetic()));
  ReplayOptions o = options(cfg, ReplayLayout::kPipeline, synthetic());
  // 64 KiB: the stream (~2 MB of frames) wraps the arena ~30 times; the largest frame (the 200-level
  // snapshot) still fits. Whether the feed also has to wait depends on scheduling, so it is not asserted.
  o.arena_bytes = size_t{64} << 10;
  o.map_captures = false;  // the capture's frames through the arena too (mapped, they skip it)
  const Outcome pipe = replay(o);
  expect_same(one, pipe);
  EXPECT_EQ(pipe.pipe.feed_in_place, 0u);
  o.feed_decode_depth = 0;  // decoded trades in the arena too
  const Outcome decoded = replay(o);
  expect_same(one, decoded);
  EXPECT_GT(decoded.pipe.feed_decoded, 0u);
}

// A mapped capture's frames reach the decision thread in place (no arena copy), and a finished file stays
// mapped while its last frames are still queued: two files back to back (two connections), with a small
// frame ring of decoded trades in the arena beside them, give what the one-thread layout gives.
TEST(ReplayPipeline, MappedCapturesGoInPlaceAcrossFiles) {
  const std::string cfg = busy_config();
  ReplayOptions o1 = options(cfg, ReplayLayout::kOneThread, synthetic());
  o1.files = {synthetic(), synthetic()};
  const Outcome one = replay(o1);
  ASSERT_GT(one.c.frames, 8192u);
  for (size_t depth : {size_t{64}, size_t{0}}) {
    SCOPED_TRACE(depth);
    ReplayOptions o = options(cfg, ReplayLayout::kPipeline, synthetic());
    o.files = {synthetic(), synthetic()};
    o.feed_decode_depth = depth;
    o.arena_bytes = size_t{64} << 10;  // decoded trades wrap it; the frames themselves do not use it
    const Outcome pipe = replay(o);
    expect_same(one, pipe);
    EXPECT_EQ(pipe.pipe.feed_in_place + pipe.pipe.feed_decoded, one.c.frames);
    if (depth == 0) {
      EXPECT_EQ(pipe.pipe.feed_decoded, one.c.topics[static_cast<size_t>(MsgKind::kTrade)]);
    }
  }
  // Other formats are copied into the arena (their readers reuse their buffers).
  EXPECT_EQ(replay(options("", ReplayLayout::kPipeline)).pipe.feed_in_place, 0u);
}

TEST(ReplayPipeline, WithoutConfigFeedAndBookOnTwoThreads) {
  const Outcome one = replay(options("", ReplayLayout::kOneThread));
  const Outcome pipe = replay(options("", ReplayLayout::kPipeline));
  expect_same(one, pipe);
  EXPECT_EQ(pipe.c.actions, 0u);
}

TEST(ReplayPipeline, FrameLargerThanArenaIsAnError) {
  ReplayOptions o = options("", ReplayLayout::kPipeline);
  o.arena_bytes = 256;
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  const std::string err = r.run();
  EXPECT_NE(err.find("larger than the pipeline's arena"), std::string::npos) << err;
}

TEST(ReplayPipeline, UnavailableCpuIsAClearError) {
  ReplayOptions o = options("", ReplayLayout::kPipeline);
  o.cpus = {0, 1023, 0};
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  const std::string err = r.run();
  EXPECT_NE(err.find("decision thread's CPU 1023"), std::string::npos) << err;
}

TEST(ReplayPipeline, ReportNamesTheLayout) {
  ReplayOptions o = options(example("fixed.toml"), ReplayLayout::kPipeline);
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  ASSERT_EQ(r.run(), "");
  EXPECT_EQ(replay_text_report(r).rfind("layout pipeline  frames 3227", 0), 0u);
  simdjson::dom::parser parser;
  const std::string json = replay_json_report(r);
  simdjson::dom::element doc = parser.parse(json).value();
  EXPECT_EQ(doc["pipeline"]["idle"].get_string().value(), "backoff");
  EXPECT_EQ(doc["pipeline"]["cpus"]["decision"].get_int64().value(), 1);
  EXPECT_TRUE(doc["pipeline"]["waits"]["frame_ring"].is_uint64());
  for (const char* stage : {"parse", "book", "strategy", "risk", "quoter", "encode", "total", "quote",
                            "feed_hop", "dispatch_hop"}) {
    EXPECT_TRUE(doc["latency_ns"][stage]["p99"].is_int64()) << stage;
  }
  EXPECT_EQ(doc["latency_ns"]["feed_hop"]["count"].get_uint64().value(), 3227u);
}

}  // namespace
}  // namespace mm::tools
