#pragma once
// What one backtest run records, for the statistics (sim/backtest_stats.h) and the HTML report
// (sim/report.h). The runner fills it; nothing here is on the hot path (vectors are reserved at start and
// grow only at sample/fill rate, far below the event rate).
//
// Units: prices in ticks and quantities in lots of `instrument`; money in core Money units (1e-8 of the
// settle coin); times in ns since the Unix epoch (simulated clock).
#include <cstdint>
#include <vector>

#include "core/instrument.h"
#include "core/types.h"

namespace mm {

// One sample per `sample_ns` of simulated time (and one at the end of the run).
struct SeriesSample {
  int64_t ts_ns = 0;
  int64_t mid_half_ticks = 0;   // exact mid in HALF ticks (best bid + best ask) at the exchange; 0: one-sided
  int64_t bid_quote_ticks = 0;  // our best resting bid at the exchange, 0 when none
  int64_t ask_quote_ticks = 0;  // our best resting ask, 0 when none
  int64_t position_lots = 0;    // signed: > 0 long
  int64_t equity_units = 0;     // net PnL so far: realized + unrealized (at the exact mid) - fees + funding
  int64_t fees_units = 0;       // cumulative fees paid (negative: net rebate)
  int64_t funding_units = 0;    // cumulative funding received (negative: paid)
};

// One fill of one of our orders.
struct FillRecord {
  int64_t ts_ns = 0;            // exchange time of the fill
  Side side = Side::kBuy;       // our side
  bool maker = true;
  int64_t price_ticks = 0;
  int64_t qty_lots = 0;
  int64_t fee_units = 0;        // signed: negative is a rebate
  int64_t mid_half_ticks = 0;   // exchange mid just before the fill, in half ticks (0 when unknown)
  int64_t mid_after_half_ticks[3] = {0, 0, 0};  // mid (half ticks) at +1 s, +5 s, +30 s; 0: data ended
  int64_t position_after_lots = 0;              // exact position right after this fill (signed lots)
  int64_t equity_after_units = 0;               // net PnL right after this fill, marked at mid_half_ticks
};

inline constexpr int64_t kMarkoutHorizonsNs[3] = {1'000'000'000, 5'000'000'000, 30'000'000'000};

// One funding settlement of a perpetual.
struct FundingRecord {
  int64_t ts_ns = 0;
  int64_t rate = 0;             // at kRateScale (core/market_events.h); > 0: longs pay shorts
  int64_t position_lots = 0;    // position at settlement
  int64_t mark_ticks = 0;       // price used for the position value
  int64_t payment_units = 0;    // signed: received (> 0) or paid (< 0)
};

struct BacktestSeries {
  Instrument instrument;        // the traded instrument (grid and limits)
  int64_t start_ns = 0, end_ns = 0;  // simulated time covered
  int64_t sample_ns = 1'000'000'000;
  std::vector<SeriesSample> samples;
  std::vector<FillRecord> fills;
  std::vector<FundingRecord> funding;
  // Order flow (ours).
  uint64_t orders_created = 0;     // creates that reached the exchange
  uint64_t orders_amended = 0;
  uint64_t orders_cancelled = 0;
  uint64_t orders_rejected = 0;    // post-only would cross, rate limit, invalid
  uint64_t orders_filled = 0;      // orders with at least one fill
  int64_t quoted_both_ns = 0;      // time with a resting bid and a resting ask
  int64_t quoted_any_ns = 0;       // time with at least one resting order
  int64_t max_position_lots = 0;   // the configured limit (for time at limit); 0 = none
  int64_t time_at_limit_ns = 0;    // time with |position| >= max_position_lots
  // Market.
  uint64_t market_trades = 0;
  int64_t market_volume_lots = 0;
  uint64_t events = 0;             // input events processed
};

}  // namespace mm
