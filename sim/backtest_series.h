#pragma once
// What one backtest run records, for the statistics (sim/backtest_stats.h) and the HTML report
// (sim/report.h). The runner fills it; nothing here is on the hot path (vectors are reserved at start and
// grow only at sample/fill rate, far below the event rate).
//
// Units: prices in ticks and quantities in lots of `instrument`; money in core Money units (1e-8 of the
// settle coin); times in ns since the Unix epoch (simulated clock).
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/instrument.h"
#include "core/order_request.h"
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

// One change of the trading state (risk/: ACTIVE, REDUCE_ONLY, HALTED): a breaker trip, a halt, a resume,
// the kill switch. Names are static text of risk/ (sim/ does not include it).
struct RiskEventRecord {
  int64_t ts_ns = 0;          // simulated time of the decision that changed the state
  std::string_view state;     // the state after the change: "active", "reduce_only", "halted"
  std::string_view cause;     // why the state is not active ("daily_loss", "kill_switch", a trader fault such
                              // as "order_overfill", ...); "none" on a resume to active
  int64_t position_lots = 0;  // position at that moment
};

// One of our order actions as it reached the exchange, with what the exchange did with it. Kept only when
// BacktestSeries::record_orders is set (`mm backtest --export`): a run without it pays one branch per action.
struct OrderRecord {
  int64_t ts_ns = 0;        // exchange time of arrival
  std::string_view action;  // "create", "amend", "cancel", "cancel_all"
  std::string_view
      result;           // "accepted", or refused: "rate_limit", "post_only" (acked, then cancelled: it
                        // would have crossed), "not_found" (not live: filled, cancelled, unknown), "invalid"
  OrderLinkId link_id;  // empty for cancel_all
  std::string_view side;    // "Buy" / "Sell"; "" when the order is unknown (not_found, cancel_all)
  int64_t price_ticks = 0;  // create: its price (0: market); amend: the resulting price; cancel: the order's
  int64_t qty_lots = 0;     // create: its qty; amend: the resulting qty; cancel: the order's qty
};

// One market trade print (anyone's), for the report's price plot. Kept only when
// BacktestSeries::record_trades is set (`mm backtest --report`): a run without it pays one branch per trade.
struct TradePrintRecord {
  int64_t ts_ns = 0;  // exchange time of the print (millisecond resolution on Bybit)
  int64_t price_ticks = 0;
  int64_t qty_lots = 0;
  Side taker_side = Side::kBuy;  // the aggressor: kBuy lifted an ask
};

// Prints kept in the series at most; past it, every other kept print is dropped and from then on one print
// in BacktestSeries::trades_stride is kept (a report plots a few thousand points, so a thinned day still
// shows its shape; the count of every print is BacktestSeries::market_trades).
inline constexpr size_t kMaxTradePrints = 1u << 20;

// A named counter (static names from risk/ or the venue).
struct NamedCount {
  std::string_view name;
  uint64_t count = 0;
};

inline constexpr size_t kMaxRiskEvents = 10'000;  // kept in the series; the rest are counted

struct BacktestSeries {
  Instrument instrument;        // the traded instrument (grid and limits)
  int64_t start_ns = 0, end_ns = 0;  // simulated time covered
  int64_t sample_ns = 1'000'000'000;
  std::vector<SeriesSample> samples;
  std::vector<FillRecord> fills;
  std::vector<FundingRecord> funding;
  bool record_orders = false;            // in: keep every order action in `orders` (set before the run)
  std::vector<OrderRecord> orders;       // in arrival order, when record_orders
  bool record_trades = false;            // in: keep market trade prints in `trades` (set before the run)
  std::vector<TradePrintRecord> trades;  // in time order, thinned past kMaxTradePrints (keep_trade_print)
  uint64_t trades_stride = 1;            // one print in trades_stride is kept (1: every print)
  uint64_t trades_offered = 0;           // prints offered to keep_trade_print
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
  // Risk (what a trader must see: a run that halted says so).
  std::vector<RiskEventRecord> risk_events;  // in time order, at most kMaxRiskEvents
  uint64_t risk_events_dropped = 0;          // state changes beyond kMaxRiskEvents
  std::vector<NamedCount> breaker_trips;     // every breaker and the kill switch, with its trips (0 too)
  std::vector<NamedCount> risk_blocked;      // every pre-trade rule, with the actions it blocked
  std::vector<NamedCount> rejects;           // exchange rejects by reason: post_only, rate_limit, ...
  std::string_view final_state = "active";   // trading state at the end of the run
  std::string_view final_cause = "none";
  // Market.
  uint64_t market_trades = 0;
  int64_t market_volume_lots = 0;
  uint64_t events = 0;             // input events processed
};

// Appends `t` to s.trades under the kMaxTradePrints budget, thinning as described there. Cold path (only with
// record_trades); allocates only if s.trades was not reserved to kMaxTradePrints.
void keep_trade_print(BacktestSeries& s, const TradePrintRecord& t);

}  // namespace mm
