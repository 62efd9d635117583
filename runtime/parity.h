#pragma once
// Backtest-to-live parity (`mm parity`, issue 13): one strategy over one recording twice, and the two runs
// compared fill by fill.
//   live      the live node of `mm run` through real loopback sockets against the embedded simulator, which
//             serves the recording's window in REAL TIME (speed 1, no loop) with the config's [backtest] fill
//             engine, fees and entry latency (runtime/embedded_sim.h's exchange_config_for);
//   backtest  run_backtest_job (the `mm backtest` path) over the same window, with the latency the live run
//             actually had: entry = the simulator's matching latency + half the live order-ack p50 (the
//             loopback one-way) + the live tick-to-quote p50 (its decision time), response = half the live
//             order-ack p50 (the simulator answers as soon as it reads a request; only the matching is
//             delayed).
// Why real time and not accelerated: the live node stamps events with its own wall clock (the strategy's
// volatility, intensity and timers see wall time), so a simulator running the recording X times faster shows
// the strategy a market X times more volatile than the backtest's; real time is the faithful mode. A long
// recording is therefore cut to a window from its start (ParityOptions::seconds).
// Cold path only: threads, sockets, allocation.
#include <cstdint>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/types.h"
#include "runtime/mm_config.h"
#include "strategy/trader_counters.h"

namespace mm {

struct ParityOptions {
  MmConfig config;       // strategy, trader, risk, [backtest]; [venue]/[sim]/[live] are set by the runner
  std::string data;      // one recording mm reads (raw capture, .events, mm gen output)
  double seconds = 0;    // window from the data's first record (0: all of it), in data time = wall time
  std::string work_dir;  // an existing writable folder (the live node's journal)
  // Start the backtest's window where the live node decided its first order (see ParityResult::
  // backtest_from_s) rather than at the data's first record (false: `mm parity --no-start-align`).
  bool align_start = true;
  // Add the live node's measured decision time (tick-to-quote p50) to the backtest's entry latency (false:
  // `mm parity --no-decision-latency`).
  bool model_decision = true;
  // The simulator serves the recording in its receive time, to its matching engine and to the node alike
  // (sim/server/market_feed.cpp plays local_ts), while the backtest's exchange sees each record at its
  // exchange time, the feed latency (on `mm gen`'s market 2 to 3 ms) before the trader does. With this on,
  // the backtest takes the same view: feed_time = "model" with a feed latency of 0, so its exchange and
  // trader both see a record at one time, as in the simulator (false: `mm parity --no-feed-align`, the
  // config's feed model).
  bool align_feed = true;
  // The live node also runs its decision path every live.timer_ms without a book message (runtime/
  // live_node.cpp: quote()); the backtest does the same at that period of its own clock (false: `mm parity
  // --no-timer`, decisions on market events only).
  bool model_timer = true;
};

struct ParityFill {
  // Market time since the data's first record (backtest: data time; live: the venue's time since the
  // simulator's market clock started).
  int64_t t_ns = 0;
  Side side = Side::kBuy;
  int64_t price_ticks = 0;
  int64_t qty_lots = 0;
  int64_t position_after_lots = 0;  // signed
};

struct ParitySide {
  uint64_t fills = 0;
  Money volume;               // sum of price * qty of the fills
  Money net_pnl;              // realized + unrealized at the last mid - fees
  Money fees;                 // net fees paid (rebates negative)
  int64_t position_lots = 0;  // at the end, signed
  std::vector<ParityFill> list;
  // What the Trader did (and was kept from doing): its counters at the end of the run, the quoter's summed.
  TraderCounters trader;
  // Order flow as the venue saw it: creates and amends it accepted, and requests refused over its rate limit
  // (10006).
  uint64_t created = 0, amended = 0, rate_limit_rejects = 0;
  // Live only: spans the node's own limiter held back (LiveVenue: its buckets, tightened by the answers'
  // X-Bapi-Limit* headers) and spans refused for want of room (in-flight table, queue, control ring).
  uint64_t venue_rate_limited = 0, venue_refused = 0;
};

struct ParityResult {
  ParitySide backtest, live;
  // (live - backtest) / |backtest| in percent; 0 when both are 0, 100 when only the backtest is 0.
  double fills_pct = 0, volume_pct = 0, net_pnl_pct = 0;
  double window_s = 0;  // data seconds compared
  // Where the backtest's window starts, in market seconds after the data's first record: the live node's
  // first order arrived at the venue then, less the one-way answer time (its start-up: streams connected and
  // authenticated); 0 with align_start off or when the node placed no order.
  double backtest_from_s = 0;
  int64_t entry_latency_ns = 0;  // the backtest's, as derived from the live run
  int64_t response_latency_ns = 0;
  int64_t ack_p50_ns = 0;              // live order-ack p50 (request sent -> answer)
  int64_t decision_p50_ns = 0;         // live tick-to-quote p50, in the entry latency (0: not modelled)
  uint64_t matched_fills = 0;          // leading fills equal in side, price and quantity
  int64_t max_position_diff_lots = 0;  // over the fill sequence (position after fill i, both runs)
  std::string divergence;              // the first divergence (time, side, price, qty of both), "" when none
  std::vector<std::string> why;        // likely causes, from the runs' own counters
};

// The percent difference used for the diff object (see ParityResult).
[[nodiscard]] double parity_pct(double backtest, double live) noexcept;

// Runs both and compares. Returns "" (out filled) or the error: the data cannot be loaded or lacks the
// config's instrument ("--data ..."), the window holds no book data, the simulator or the live node failed
// to start or run, the venue's executions could not be read. Takes the window's length in wall time plus a
// few seconds.
[[nodiscard]] std::string run_parity(const ParityOptions& options, ParityResult& out);

}  // namespace mm
