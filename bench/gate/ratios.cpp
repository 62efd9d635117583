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
constexpr int kReplayRounds = 15;

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
  tools::ReplayOptions ro;
  ro.files = {path};
  ro.config_path = write_ladder_config(1);
  tools::Replayer r(ro);
  const std::string error = r.prepare();
  std::filesystem::remove(ro.config_path);
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
  row.mm = static_cast<double>(r.latency(tools::ReplayStage::kQuote).p50());
  row.floor = static_cast<double>(floor_hist.p50());
  row.ratio = row.floor > 0 ? row.mm / row.floor : 0;
  return row;
}

// Decompresses `path` with libzstd's streaming API and counts its lines: `zstd -dc FILE | wc -l` in process.
// Returns the line count and sets `bytes` to the decompressed size; -1 on an error.
int64_t zstd_lines(const std::string& path, uint64_t& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return -1;
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> ds(ZSTD_createDStream(), ZSTD_freeDStream);
  std::vector<char> in(ZSTD_DStreamInSize()), out(ZSTD_DStreamOutSize());
  int64_t lines = 0;
  bytes = 0;
  bool ok = true;
  size_t n;
  while (ok && (n = std::fread(in.data(), 1, in.size(), f)) > 0) {
    ZSTD_inBuffer ib{in.data(), n, 0};
    while (ib.pos < ib.size) {
      ZSTD_outBuffer ob{out.data(), out.size(), 0};
      if (ZSTD_isError(ZSTD_decompressStream(ds.get(), &ob, &ib))) {
        ok = false;
        break;
      }
      lines += std::count(out.data(), out.data() + ob.pos, '\n');
      bytes += ob.pos;
    }
  }
  std::fclose(f);
  return ok ? lines : -1;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// `mm replay FILE` end to end (prepare: instruments scan; run: read, decompress, parse, books) against
// reading the same file the cheapest way, in MB/s of decompressed JSON; the medians of alternating rounds.
RatioRow replay_ratio(const std::string& path) {
  RatioRow row{"replay_throughput",
               "mm replay FILE (prepare + run, in process) vs zstd -dc FILE | wc -l (in process)",
               "MB/s",
               0,
               0,
               0,
               {}};
  uint64_t bytes = 0;
  if (zstd_lines(path, bytes) <= 0) {
    row.skipped = path + ": not a readable zstd file";
    return row;
  }
  std::vector<double> mm_s, floor_s;
  for (int round = 0; round < kReplayRounds; ++round) {
    auto t0 = std::chrono::steady_clock::now();
    tools::ReplayOptions ro;
    ro.files = {path};
    tools::Replayer r(ro);
    std::string error = r.prepare();
    if (error.empty()) error = r.run();
    if (!error.empty()) {
      row.skipped = "replay: " + error;
      return row;
    }
    auto t1 = std::chrono::steady_clock::now();
    mm_s.push_back(std::chrono::duration<double>(t1 - t0).count());
    uint64_t b = 0;
    t0 = std::chrono::steady_clock::now();
    if (zstd_lines(path, b) <= 0) {
      row.skipped = path + ": read failed";
      return row;
    }
    t1 = std::chrono::steady_clock::now();
    floor_s.push_back(std::chrono::duration<double>(t1 - t0).count());
  }
  const double mb = static_cast<double>(bytes) / 1e6;
  row.mm = mb / median(mm_s);
  row.floor = mb / median(floor_s);
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
