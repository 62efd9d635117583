#pragma once
// The backtest driver: the configured strategy through Trader<SimVenue, Strategy> over loaded event data
// (runtime/backtest_runner.h), then the statistics. Shared by `mm backtest` and the Python module
// (tools/mmpy), so both give the same numbers for the same config, data and seed.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/order_book.h"
#include "runtime/mm_config.h"
#include "sim/backtest_series.h"
#include "sim/backtest_stats.h"
#include "sim/event.h"
#include "sim/event_data.h"
#include "strategy/trader_counters.h"

namespace mm {

struct BacktestRun {
  bool record_orders = false;  // in: keep every order action in series.orders (`mm backtest --export`)
  bool record_trades = false;  // in: keep market trade prints in series.trades (`mm backtest --report`)
  // in: > 0, the decision path also runs every timer_ns without a market event, as the live node's timer
  // (`mm parity`); 0: only on market events.
  int64_t timer_ns = 0;
  BacktestSeries series;
  BacktestStats stats;
  uint64_t events = 0;      // input records processed (every instrument of the window)
  double wall_s = 0;        // wall time of the simulation (loading excluded)
  double events_per_s = 0;  // events / wall_s
  // Book and trade messages without a receive time of their own (Bybit history files; feed_time = "model"),
  // timed at exchange time + the feed latency model; the output says so.
  uint64_t modelled_receive_times = 0;
  int64_t feed_latency_ns = 0;  // the constant feed latency used for them; -1: sampled from feed_latency_file
  // Levels (bids + asks) of the book rebuilt from the data before the window (0: the window starts with the
  // data, or nothing before it was a book).
  uint64_t initial_book_levels = 0;
  // The traded book's sequencing as the trader saw it (its BookSync): gaps and steps backwards in `u` (each
  // makes the book untrusted until the next snapshot: no quoting meanwhile), trust regained by a later
  // snapshot, and transitions into a crossed book. Non-zero values are data faults the output warns about.
  uint64_t sequence_gaps = 0;
  uint64_t resyncs = 0;
  uint64_t crossed_books = 0;
  // Raw recordings of the data: well-formed frames the loader could not decode, summed over the inputs
  // (EventSource::convert; never parse errors): no grid for the instrument, a topic the codec does not
  // decode.
  uint64_t skipped_unknown_instrument = 0;
  uint64_t skipped_unsupported_topic = 0;
  uint64_t instruments_rejected = 0;  // instruments-info entries refused (EventData::notes() names them)
  // The Trader's counters at the end (ticks, refusals, the quoter's summed counters) and the simulated
  // venue's request count (batches, one entry-latency draw each): `mm parity` compares them with the live
  // node's.
  TraderCounters trader;
  uint64_t venue_requests = 0;
};

// The traded instrument's book (data instrument index `inst`) after every book record of `before` is applied
// (a snapshot message resets it, a delta sets levels, size 0 deletes), at most `max_levels` a side, best
// first, into bids/asks, the depth of the last snapshot into `depth` and the `u` of the last book message
// into `last_u` (the rebuilt snapshot carries it, so that the window's first delta, u + 1, is in sequence
// and not a gap). Returns false when no snapshot was seen (the book is unknown). Cold path; throws
// std::bad_alloc only.
[[nodiscard]] bool initial_book_before(std::span<const Event> before, uint16_t inst, uint32_t window_ticks,
                                       uint32_t max_levels, std::vector<PriceLevel>& bids,
                                       std::vector<PriceLevel>& asks, uint16_t& depth, int64_t& last_u);

// Called from the simulating thread every ~1 M events with (events done, events in the window); cold.
using BacktestProgress = std::function<void(uint64_t done, uint64_t total)>;

// Runs cfg (strategy, trader, risk and its [backtest] table) for cfg.category/cfg.symbol over the records of
// `data` with local time in [from_ns, to_ns). Returns "" (out filled) or a message: the instrument is not in
// the data, the window holds no book data for it, the book was never usable in the window (no snapshot at
// or before it: nothing could be quoted), or the config does not fit the instrument (as replay reports it).
// A window that starts after the data does begins with the book rebuilt from the records before it
// (initial_book_before), so that a window cut from a capture with one snapshot still trades. Deterministic:
// the same data, config and window give identical `out.series` and `out.stats`. Thread safety: concurrent
// calls may share `data` (read-only); each call owns its simulation.
[[nodiscard]] std::string run_backtest_job(const MmConfig& cfg, const EventData& data, int64_t from_ns,
                                           int64_t to_ns, BacktestRun& out,
                                           const BacktestProgress& progress = {});

}  // namespace mm
