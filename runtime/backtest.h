#pragma once
// The backtest driver: the configured strategy through Trader<SimVenue, Strategy> over loaded event data
// (runtime/backtest_runner.h), then the statistics. Shared by `mm backtest` and the Python module
// (tools/mmpy), so both give the same numbers for the same config, data and seed.
#include <cstdint>
#include <functional>
#include <string>

#include "runtime/mm_config.h"
#include "sim/backtest_series.h"
#include "sim/backtest_stats.h"
#include "sim/event_data.h"

namespace mm {

struct BacktestRun {
  BacktestSeries series;
  BacktestStats stats;
  uint64_t events = 0;      // input records processed (every instrument of the window)
  double wall_s = 0;        // wall time of the simulation (loading excluded)
  double events_per_s = 0;  // events / wall_s
};

// Called from the simulating thread every ~1 M events with (events done, events in the window); cold.
using BacktestProgress = std::function<void(uint64_t done, uint64_t total)>;

// Runs cfg (strategy, trader, risk and its [backtest] table) for cfg.category/cfg.symbol over the records of
// `data` with local time in [from_ns, to_ns). Returns "" (out filled) or a message: the instrument is not in
// the data, the window holds no book data for it, or the config does not fit the instrument (as replay
// reports it). Deterministic: the same data, config and window give identical `out.series` and `out.stats`.
// Thread safety: concurrent calls may share `data` (read-only); each call owns its simulation.
[[nodiscard]] std::string run_backtest_job(const MmConfig& cfg, const EventData& data, int64_t from_ns,
                                           int64_t to_ns, BacktestRun& out,
                                           const BacktestProgress& progress = {});

}  // namespace mm
