#pragma once
// Shared by the decision-path benches (tick_to_quote_bench, pipeline_bench, quote_tail_bench): the
// fixed-spread ladder config they quote with, padded frame buffers, and the shared BTCUSDT recording's
// orderbook.200 snapshot they start from. Bench code: a missing recording or an unwritable /tmp aborts.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "tools/mm/replay.h"

namespace mm::tools::bench_fixture {

inline const std::string kCryptofeed =
    std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";

// Writes a fixed-spread config to `path`: `levels` a side 2 ticks apart, 10 ticks from the mid, sizes
// `size_lots`, link ids `link_prefix`-N, every rate limit high enough that no tick is throttled. Returns
// path.
inline std::string write_ladder_config(const std::string& path, int levels, int size_lots,
                                       std::string_view link_prefix) {
  std::ofstream f(path);
  f << "[market]\ncategory = \"linear\"\nsymbol = \"BTCUSDT\"\n"
       "[strategy]\nkind = \"fixed\"\nhalf_spread_ticks = 10.0\nhalf_spread_bps = 0.0\nmin_spread_ticks = 2\n"
       "order_size_lots = "
    << size_lots << "\nlevels = " << levels
    << "\nlevel_spacing_ticks = 2.0\n"
       "[quoter]\nlink_id_prefix = \""
    << link_prefix
    << "\"\nprice_tolerance_ticks = 0\nuse_amend = true\n"
       "[trader]\nmax_position_lots = 100\ncreate_per_second = 1000000\ncreate_burst = 1000000\n"
       "amend_per_second = 1000000\namend_burst = 1000000\ncancel_per_second = 1000000\ncancel_burst = "
       "1000000\n"
       "[risk]\nmax_order_qty = \"0.010\"\nmax_order_notional = \"1000\"\nmax_position_qty = \"0.100\"\n"
       "max_exposure_notional = \"10000\"\nprice_band_bps = 100\nmax_open_orders = 40\n";
  if (!f) std::abort();
  return path;
}

// A frame buffer with the codec's padding after its `size` bytes.
struct Msg {
  std::string bytes;
  size_t size;
};
inline Msg padded(std::string s) {
  const size_t n = s.size();
  s.resize(n + kFramePadding, ' ');
  return {std::move(s), n};
}

inline bool is_btcusdt_snapshot(const Frame& f) noexcept {
  return f.kind == FrameKind::kRecv && f.category == Category::kLinear &&
         f.data.find("\"orderbook.200.BTCUSDT\"") != std::string_view::npos &&
         f.data.find("\"snapshot\"") != std::string_view::npos;
}

// The recording's BTCUSDT orderbook.200 snapshot (best 65114.20 / 65114.30), padded.
inline Msg btcusdt_snapshot(const Replayer& r) {
  std::unique_ptr<FrameSource> src;
  if (!r.open(kCryptofeed, src).empty()) std::abort();
  Frame f;
  while (src->next(f) == ReadResult::kOk) {
    if (is_btcusdt_snapshot(f)) return padded(std::string(f.data));
  }
  std::abort();
}

// A received linear frame over `m`, `frame_no` ms after the recording's time: frame time keeps rising across
// the snapshot wraps (the decision path needs a clock that never goes back: token buckets, breakers,
// signals).
inline Frame linear_frame(const Msg& m, int64_t frame_no) {
  Frame f;
  f.kind = FrameKind::kRecv;
  f.category = Category::kLinear;
  f.has_category = true;
  f.data = std::string_view(m.bytes.data(), m.size);
  f.recv_ns = 1'786'310'818'130'000'000 + frame_no * 1'000'000;
  return f;
}

// The "u" of a snapshot or delta frame's text.
inline long long update_id(std::string_view frame) {
  return std::stoll(std::string(frame.substr(frame.find("\"u\":") + 4, 24)));
}

// The timed loop: msgs[0] (a snapshot) first, then one of msgs[1..] per iteration, the snapshot again
// (untimed) after the last so that the book's sequence restarts. Precondition: msgs.size() >= 2.
template <class Feed>
void feed_frames(benchmark::State& state, const std::vector<Msg>& msgs, Feed&& feed) {
  feed(msgs[0]);
  size_t i = 1;
  for (auto _ : state) {
    feed(msgs[i]);
    if (++i == msgs.size()) {
      state.PauseTiming();
      feed(msgs[0]);
      i = 1;
      state.ResumeTiming();
    }
  }
}

}  // namespace mm::tools::bench_fixture
