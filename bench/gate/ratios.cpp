#include "bench/gate/ratios.h"

#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "bench/gate/floor_quoter.h"
#include "bench/gate/gate_input.h"
#include "core/clock.h"
#include "core/latency_histogram.h"

namespace mm::gate {
namespace {

constexpr int kTtqTicks = 2000;
constexpr int kTtqRounds = 10;
constexpr int kReplayRounds = 20;

// The last input delta restores the snapshot's touch (65114.20 / 65114.30), so the floor's last bid frame
// must be a masked order.amend at the mid rounded down less 10 ticks: 65113.2.
bool floor_bid_frame_ok(const FloorQuoter& floor) {
  const std::string_view f = floor.frame(0);
  if (f.size() < 8 || static_cast<unsigned char>(f[0]) != 0x81) return false;
  std::string payload(f.substr(8));
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ f[4 + (i & 3)]);
  return payload.starts_with("{\"reqId\":\"r") &&
         payload.find("\"op\":\"order.amend\"") != std::string::npos &&
         payload.find("\"price\":\"65113.2\"") != std::string::npos;
}

// Tick-to-quote p50 of `mm replay --config` (a one-level ladder: two amends per tick) against FloorQuoter,
// on the gate's tick-to-quote input; both timed with the same TSC over the ticks that sent orders.
RatioRow tick_to_quote_ratio(const std::string& path) {
  RatioRow row{
      "tick_to_quote_p50",
      "mm replay --config (1 level, 2 amends/tick) vs simdjson + flat book + fixed skew + 2 masked frames",
      "ns",
      0,
      0,
      0,
      {}};
  ReplayOptions ro;
  ro.files = {path};
  const std::string config = write_ladder_config(1);
  std::string error = tools::load_replay_config(config, ro);
  std::filesystem::remove(config);
  Replayer r(ro);
  if (error.empty()) error = r.prepare();
  if (!error.empty()) {
    row.skipped = "replay prepare: " + error;
    return row;
  }
  std::string ferr;
  const std::vector<PaddedFrame> frames = tick_to_quote_frames(r, path, kTtqTicks, ferr);
  if (frames.empty()) {
    row.skipped = ferr;
    return row;
  }
  TscCalibration cal;
  if (TscClock::calibrate(std::chrono::milliseconds(20), cal) != TscError::kOk) {
    row.skipped = "the TSC could not be calibrated";
    return row;
  }
  const TscClock tsc(cal);
  auto floor = std::make_unique<FloorQuoter>();
  LatencyHistogram floor_hist;
  int64_t t = 1'786'310'818'130'000'000;
  for (int round = 0; round < kTtqRounds; ++round) {
    for (const PaddedFrame& m : frames) {
      Frame f;
      f.kind = FrameKind::kRecv;
      f.category = Category::kLinear;
      f.has_category = true;
      f.data = m.view();
      f.recv_ns = t += 1'000'000;
      r.process(f);
    }
    for (size_t i = 0; i < frames.size(); ++i) {
      const PaddedFrame& m = frames[i];
      const int64_t a = TscClock::read_ticks();
      const int64_t sent = floor->on_frame(m.bytes.data(), m.size, m.bytes.size(), t += 1'000'000);
      const int64_t b = TscClock::read_ticks();
      if (sent < 0) {
        row.skipped = "the floor could not parse a frame";
        return row;
      }
      if (sent > 0 && i > 0) floor_hist.record(tsc.ticks_to_duration_ns(b - a));
    }
  }
  // Both sides must have done the whole work on every tick, or the ratio would compare unequal things.
  const uint64_t ticks = static_cast<uint64_t>(kTtqRounds) * kTtqTicks;
  const LatencyHistogram& quote = r.latency(ReplayStage::kQuote);
  if (floor_hist.count() != ticks || quote.count() < ticks) {
    row.skipped = "not every tick quoted (mm " + std::to_string(quote.count()) + ", floor " +
                  std::to_string(floor_hist.count()) + " of " + std::to_string(ticks) + ")";
    return row;
  }
  if (!floor_bid_frame_ok(*floor)) {
    row.skipped = "the floor's last bid frame does not unmask to the expected order.amend";
    return row;
  }
  row.mm = static_cast<double>(quote.p50());
  row.floor = static_cast<double>(floor_hist.p50());
  row.ratio = row.floor > 0 ? row.mm / row.floor : 0;
  return row;
}

// `zstd -dc FILE | wc -l` in process: libzstd's streaming API and a newline count. The context and buffers
// are made once and reused, as the zstd tool keeps its own for a whole file: a fresh context per round made
// the floor's figure depend on how fast the kernel served its page faults (it moved 3x between runs).
class ZstdLineCounter {
 public:
  ZstdLineCounter()
      : ds_(ZSTD_createDStream(), ZSTD_freeDStream), in_(ZSTD_DStreamInSize()), out_(ZSTD_DStreamOutSize()) {}

  // The line count of `path` (and its decompressed size in `bytes`), or -1 when it cannot be read.
  int64_t count(const std::string& path, uint64_t& bytes) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!f || !ds_ || ZSTD_isError(ZSTD_DCtx_reset(ds_.get(), ZSTD_reset_session_only))) return -1;
    int64_t lines = 0;
    bytes = 0;
    size_t n;
    while ((n = std::fread(in_.data(), 1, in_.size(), f.get())) > 0) {
      ZSTD_inBuffer ib{in_.data(), n, 0};
      while (ib.pos < ib.size) {
        ZSTD_outBuffer ob{out_.data(), out_.size(), 0};
        if (ZSTD_isError(ZSTD_decompressStream(ds_.get(), &ob, &ib))) return -1;
        lines += std::count(out_.data(), out_.data() + ob.pos, '\n');
        bytes += ob.pos;
      }
    }
    return lines;
  }

 private:
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> ds_;
  std::vector<char> in_, out_;
};

// `mm replay FILE` from file to books (Replayer::run: read, decompress, parse every message, books of every
// symbol) against reading the same file the cheapest way. prepare() is left out of both: it is start-up (an
// instruments scan, and a 20 ms TSC calibration that alone would halve this file's figure), not throughput.
// Both in MB/s of decompressed JSON, each side's best of alternating rounds: a round takes a few
// milliseconds, and on a shared VM a median still caught other tenants' bursts; the fastest round is each
// side's cost with the least interference.
RatioRow replay_ratio(const std::string& path) {
  RatioRow row{"replay_throughput",
               "mm replay FILE (Replayer::run, in process) vs zstd -dc FILE | wc -l (in process), best of 20",
               "MB/s",
               0,
               0,
               0,
               {}};
  ZstdLineCounter floor;
  uint64_t bytes = 0;
  if (floor.count(path, bytes) <= 0) {
    row.skipped = path + ": not a readable zstd file";
    return row;
  }
  std::vector<double> mm_s, floor_s;
  for (int round = 0; round < kReplayRounds; ++round) {
    ReplayOptions ro;
    ro.files = {path};
    Replayer r(ro);
    std::string error = r.prepare();
    auto t0 = std::chrono::steady_clock::now();
    if (error.empty()) error = r.run();
    auto t1 = std::chrono::steady_clock::now();
    if (!error.empty()) {
      row.skipped = "replay: " + error;
      return row;
    }
    mm_s.push_back(std::chrono::duration<double>(t1 - t0).count());
    uint64_t b = 0;
    t0 = std::chrono::steady_clock::now();
    if (floor.count(path, b) <= 0) {
      row.skipped = path + ": read failed";
      return row;
    }
    t1 = std::chrono::steady_clock::now();
    floor_s.push_back(std::chrono::duration<double>(t1 - t0).count());
  }
  const double mb = static_cast<double>(bytes) / 1e6;
  row.mm = mb / *std::min_element(mm_s.begin(), mm_s.end());
  row.floor = mb / *std::min_element(floor_s.begin(), floor_s.end());
  row.ratio = row.mm > 0 ? row.floor / row.mm : 0;
  return row;
}

}  // namespace

std::vector<RatioRow> measure_ratios(const GateOptions& o) {
  const std::string path = recording_path(o.data_dir);
  if (!std::filesystem::exists(path)) {
    const std::string why = path + " not found";
    return {RatioRow{"tick_to_quote_p50", "", "ns", 0, 0, 0, why},
            RatioRow{"replay_throughput", "", "MB/s", 0, 0, 0, why}};
  }
  return {tick_to_quote_ratio(path), replay_ratio(path)};
}

}  // namespace mm::gate
