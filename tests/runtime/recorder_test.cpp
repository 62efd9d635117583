// The recorder against the embedded simulator on loopback (issue 11): a self-describing capture (the
// instruments-info answer first), every received frame kept, a forced reconnect marked by a new connection
// record, rotation into complete files that each read on their own, and the recording replays and
// backtests. Every wait is bounded by the recorder's duration; the simulator is stopped by the recorder.
#include "runtime/recorder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/capture.h"
#include "runtime/backtest.h"
#include "sim/event_data.h"
#include "tools/mm/config.h"

namespace mm {
namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/mm-record-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

MmConfig sim_config() {
  MmConfig c;
  const std::string e = tools::load_config(std::string(MM_SOURCE_DIR) + "/examples/live_sim.toml", c);
  EXPECT_EQ(e, "");
  c.trader.quoter.link_id_prefix = c.link_id_prefix;
  c.sim.gen_seconds = 300;
  c.sim.speed = 20;
  return c;
}

// What one capture file holds.
struct FileScan {
  ReadResult end = ReadResult::kOk;
  std::string error;
  std::vector<Frame> frames;  // views into the reader's mapping (valid while `reader` lives)
  uint64_t recv = 0, connects = 0, http = 0;
  std::vector<uint32_t> connect_ids;
  CaptureReader reader;
};

void scan(const std::string& path, FileScan& s) {
  ASSERT_EQ(s.reader.open(path), ReadResult::kOk) << s.reader.error();
  Frame f;
  for (;;) {
    const ReadResult r = s.reader.next(f);
    if (r != ReadResult::kOk) {
      s.end = r;
      s.error = std::string(s.reader.error());
      return;
    }
    s.frames.push_back(f);
    if (f.kind == FrameKind::kRecv) ++s.recv;
    if (f.kind == FrameKind::kHttp) ++s.http;
    if (f.kind == FrameKind::kConnect) {
      ++s.connects;
      s.connect_ids.push_back(f.conn_id);
    }
  }
}

RecordOptions options(const TempDir& dir, double seconds) {
  RecordOptions o;
  o.config = sim_config();
  o.out = dir.file("rec.mmcap");
  o.duration_ns = static_cast<int64_t>(seconds * 1e9);
  return o;
}

TEST(Recorder, WritesASelfDescribingCaptureThatReplaysAndBacktests) {
  TempDir dir;
  Recorder rec(options(dir, 3.0));
  const LiveError p = rec.prepare();
  ASSERT_EQ(p.code, 0) << p.message;
  RecordSummary s;
  const LiveError r = rec.run(s);
  ASSERT_EQ(r.code, 0) << r.message;
  ASSERT_EQ(s.files, std::vector<std::string>{dir.file("rec.mmcap")});
  EXPECT_EQ(s.connections, 1u);
  EXPECT_EQ(s.reconnects, 0u);
  EXPECT_GT(s.frames, 50u);
  EXPECT_EQ(s.parse_errors, 0u);

  FileScan f;
  scan(s.files[0], f);
  EXPECT_EQ(f.end, ReadResult::kEnd) << f.error;  // complete, with its end record
  ASSERT_GE(f.frames.size(), 3u);
  EXPECT_EQ(f.frames[0].kind, FrameKind::kHttp);
  EXPECT_NE(f.frames[0].url.find("/v5/market/instruments-info?category=linear&symbol=BTCUSDT"),
            std::string_view::npos);
  EXPECT_NE(f.frames[0].data.find("\"tickSize\""), std::string_view::npos);
  EXPECT_EQ(f.frames[1].kind, FrameKind::kConnect);
  EXPECT_NE(f.frames[1].url.find("/v5/public/linear"), std::string_view::npos);
  EXPECT_EQ(f.recv, s.frames);  // every frame received is in the file
  int64_t last = 0;
  for (const Frame& fr : f.frames) {
    if (fr.kind != FrameKind::kRecv) continue;
    EXPECT_GE(fr.recv_ns, last) << "receive times go backwards";
    last = fr.recv_ns;
  }

  // The recording loads as backtest data (instruments from the file itself) and backtests.
  EventData data;
  EventLoadOptions lo;
  std::string load_error;
  const EventDataError le = load_event_data({s.files[0]}, lo, data, load_error);
  ASSERT_EQ(le, EventDataError::kOk) << load_error;
  BacktestRun run;
  const std::string be = run_backtest_job(sim_config(), data, kNoTimeLimitLow, kNoTimeLimitHigh, run);
  ASSERT_EQ(be, "");
  EXPECT_GT(run.events, 50u);
}

TEST(Recorder, AForcedReconnectKeepsEveryFrameAndIsMarkedInTheFile) {
  TempDir dir;
  RecordOptions o = options(dir, 4.0);
  simx::Fault close;
  close.at_ns = 1'500'000'000;
  close.kind = simx::FaultKind::kClose;
  close.path = "/v5/public/linear";
  close.code = 1001;
  simx::Fault reset = close;
  reset.at_ns = 2'500'000'000;
  reset.kind = simx::FaultKind::kReset;
  o.sim.faults = {close, reset};
  Recorder rec(std::move(o));
  ASSERT_EQ(rec.prepare().code, 0);
  RecordSummary s;
  const LiveError r = rec.run(s);
  ASSERT_EQ(r.code, 0) << r.message;
  EXPECT_EQ(s.connections, 3u);
  EXPECT_EQ(s.reconnects, 2u);

  FileScan f;
  scan(s.files.at(0), f);
  EXPECT_EQ(f.end, ReadResult::kEnd) << f.error;
  EXPECT_EQ(f.recv, s.frames);
  EXPECT_EQ(f.connect_ids, (std::vector<uint32_t>{1, 2, 3}));
  // Each connection's frames follow its record, and each connection starts its book with a snapshot.
  uint32_t conn = 0;
  bool snapshot_seen = false;
  uint32_t snapshots_first = 0;
  for (const Frame& fr : f.frames) {
    if (fr.kind == FrameKind::kConnect) {
      conn = fr.conn_id;
      snapshot_seen = false;
      continue;
    }
    if (fr.kind != FrameKind::kRecv) continue;
    EXPECT_EQ(fr.conn_id, conn);
    if (!snapshot_seen && fr.data.find("\"orderbook.") != std::string_view::npos) {
      snapshot_seen = true;
      if (fr.data.find("\"snapshot\"") != std::string_view::npos) ++snapshots_first;
    }
  }
  EXPECT_EQ(snapshots_first, 3u);
}

TEST(Recorder, RotatesIntoCompleteFilesThatEachDescribeThemselves) {
  TempDir dir;
  RecordOptions o = options(dir, 3.0);
  o.rotate_bytes = 64 * 1024;
  Recorder rec(std::move(o));
  ASSERT_EQ(rec.prepare().code, 0);
  RecordSummary s;
  ASSERT_EQ(rec.run(s).code, 0);
  ASSERT_GE(s.files.size(), 2u) << "3 s of the simulator's stream is more than 64 KiB";
  uint64_t recv = 0;
  for (size_t i = 0; i < s.files.size(); ++i) {
    EXPECT_EQ(s.files[i], record_file_name(dir.file("rec.mmcap"), static_cast<uint32_t>(i)));
    FileScan f;
    scan(s.files[i], f);
    EXPECT_EQ(f.end, ReadResult::kEnd) << s.files[i] << ": " << f.error;
    ASSERT_GE(f.frames.size(), 2u);
    EXPECT_EQ(f.frames[0].kind, FrameKind::kHttp);
    EXPECT_EQ(f.frames[1].kind, FrameKind::kConnect);
    recv += f.recv;
    if (i + 1 < s.files.size()) {
      EXPECT_GE(f.reader.file_size(), 64u * 1024u);
    }
  }
  EXPECT_EQ(recv, s.frames);
  EXPECT_EQ(
      std::filesystem::exists(record_file_name(dir.file("rec.mmcap"), static_cast<uint32_t>(s.files.size()))),
      false);
}

TEST(Recorder, TopicsWithoutTheSymbolGetIt) {
  EXPECT_EQ(record_topic("orderbook.200", "BTCUSDT"), "orderbook.200.BTCUSDT");
  EXPECT_EQ(record_topic("publicTrade", "BTCUSDT"), "publicTrade.BTCUSDT");
  EXPECT_EQ(record_topic("tickers.ETHUSDT", "BTCUSDT"), "tickers.ETHUSDT");
  EXPECT_EQ(record_topic("orderbook.50.ETHUSDT", "BTCUSDT"), "orderbook.50.ETHUSDT");
  EXPECT_EQ(record_default_topics("BTCUSDT"),
            (std::vector<std::string>{"orderbook.50.BTCUSDT", "publicTrade.BTCUSDT", "tickers.BTCUSDT"}));
}

TEST(Recorder, AnOutPathThatCannotBeCreatedIsRefusedWithCodeTwo) {
  TempDir dir;
  RecordOptions o = options(dir, 1.0);
  o.out = dir.file("no/such/dir/rec.mmcap");
  Recorder rec(std::move(o));
  const LiveError p = rec.prepare();
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.message.find("no/such/dir/rec.mmcap"), std::string::npos) << p.message;
}

}  // namespace
}  // namespace mm
