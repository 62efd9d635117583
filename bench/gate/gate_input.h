#pragma once
// The fixed inputs of the performance gate: frames of the shared real recording and the configs the
// scenarios run with. Built on the cold path, before any measured region.
#include <string>
#include <vector>

#include "tools/mm/replay.h"

namespace mm::gate {

// The recording every data scenario reads: ../shared/data/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst
// below `data_dir` (the MM_SHARED_DATA folder).
std::string recording_path(const std::string& data_dir);

// A frame with kFramePadding readable bytes after its `size` bytes (what the codec requires).
struct PaddedFrame {
  std::string bytes;
  size_t size = 0;
  std::string_view view() const noexcept { return {bytes.data(), size}; }
};
PaddedFrame padded(std::string text);

// Every linear orderbook.200.BTCUSDT frame of the recording in order: the snapshot first, then the deltas
// (u contiguous). Empty with `error` set when the file cannot be read or holds no such snapshot.
std::vector<PaddedFrame> real_btc_book_frames(const Replayer& r, const std::string& path, std::string& error);

// The tick-to-quote input (as bench/tools/tick_to_quote_bench.cpp): the recording's BTCUSDT orderbook.200
// snapshot (best 65114.20 / 65114.30), then `count` deltas in the recording's own layout that alternately
// delete and restore both best levels. The mid moves 4 ticks on every delta, so a fixed-spread ladder
// amends every level on every tick.
std::vector<PaddedFrame> tick_to_quote_frames(const Replayer& r, const std::string& path, int count,
                                              std::string& error);

// A fixed-spread ladder config for BTCUSDT with `levels` per side (10 ticks half-spread, 2 ticks apart, rate
// limits out of the way), written to a fresh file in the temp folder; the caller removes it.
std::string write_ladder_config(int levels);

// The backtest scenario's config: BTCUSDT fixed spread quoted tight (2 ticks from the mid, three levels a
// tick apart) so that the generated market fills it, with the power queue model.
std::string backtest_config_toml();

}  // namespace mm::gate
