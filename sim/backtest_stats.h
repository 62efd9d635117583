#pragma once
// Statistics of one backtest run, computed from its BacktestSeries (sim/backtest_series.h). Cold path: runs
// once after the backtest; doubles are used for ratios, money stays exact (Money, 1e-8 of the settle coin).
//
// Definitions (T = end_ns - start_ns, the simulated time covered; C = StatsConfig::capital; E(t) = equity of
// the last sample with ts <= t, 0 before the first sample, since equity is net PnL and starts at 0):
//   net_pnl            E of the last sample (realized + unrealized at mid - fees + funding), Money.
//   fees               sum of the positive fee_units of the fills (paid), Money >= 0.
//   rebates            minus the sum of the negative fee_units (received), Money >= 0.
//   funding            sum of FundingRecord::payment_units (> 0 received), Money.
//   gross_pnl          net_pnl + fees - rebates - funding: trading PnL before fees and funding, Money.
//   return_on_capital  net_pnl / C, fraction (0.01 = 1 %).
//   annualized_return  return_on_capital * year / T (simple, not compounded); year = 365 days.
//   bars               K = floor(T / bar_ns) complete bars from start_ns; a partial last bar is dropped.
//   bar returns        r_k = (E(start + k*bar) - E(start + (k-1)*bar)) / C, k = 1..K (PnL over fixed
//   capital). sharpe             (mean(r) - rf) / stdev(r) * sqrt(P); stdev with n-1; rf = risk_free / P per
//   bar;
//                      P = periods_per_year(). Undefined (0, flag kSharpeUndefined) when K < 2 or stdev == 0.
//   sortino            (mean(r) - rf) / dd * sqrt(P), dd = sqrt(sum(min(0, r_k - rf)^2) / K) (downside
//                      deviation over all bars). Undefined (0, kSortinoUndefined) when K < 2 or dd == 0.
//   max_drawdown       max over the equity path of (running peak of E - E), the peak starting at E = 0 at
//                      start_ns, Money >= 0. The path is every sample and every fill (each fill carries the
//                      equity right after it), merged in time order.
//                      max_drawdown_pct = 100 * max_drawdown / C.
//   max_drawdown_duration_ns  longest time under water: from the time the running peak was last reached to
//   the
//                      first later sample with E >= that peak (or to the last sample if it never recovers).
//   calmar             annualized_return / (max_drawdown / C). Undefined (0, kCalmarUndefined) when
//                      max_drawdown == 0 or T == 0.
//   fills, maker_fills, taker_fills   counts of FillRecord. maker_share = maker_fills / fills (by count).
//   fill_ratio         orders_filled / orders_created (orders with >= 1 fill over orders created).
//   volume             sum of |price * qty| of the fills (core notional(), truncated below 1e-8), Money.
//   turnover           volume / C.
//   inventory_*        mean of position and mean of |position| over the samples (equally spaced); max of
//                      |position| over the exact path (samples and the position after every fill); in
//                      instrument quantity units (lots * qtyStep: base coin for linear/spot, contracts for
//                      inverse).
//   time_at_limit_pct  100 * time_at_limit_ns / T (0 when no limit is configured).
//   quote_uptime_pct   100 * quoted_both_ns / T (two-sided); quote_uptime_any_pct: quoted_any_ns.
//   order_to_trade     (orders_created + orders_amended + orders_cancelled) / fills.
//                      Undefined (0, kOrderToTradeUndefined) when there is no fill.
//   spread_captured    per fill with a known mid (mid_half_ticks != 0; mids are exact, in half ticks):
//                      (mid - price) * sign, sign = +1 buy,
//                      -1 sell; mean over those fills in ticks and in bps of the fill price (1e4 * x /
//                      price).
//   markouts           per horizon h (1 s, 5 s, 30 s) and per side (buy, sell, all): mean over the fills
//   whose
//                      mid_after_half_ticks[h] != 0 of (mid_after - price) * sign, in ticks and in bps of the
//                      fill price. > 0 means the fill was worth more than we paid (good for us).
// Every "mean" over an empty set is 0 in the struct with a flag (kNoFills, kNoSamples, kNoMarkout…): a
// statistic is never NaN or infinite; the JSON below writes an undefined one as null and lists it.
#include <cstdint>
#include <string>
#include <vector>

#include "core/money.h"
#include "sim/backtest_series.h"

namespace mm {

inline constexpr int64_t kNsPerSecond = 1'000'000'000;
inline constexpr int64_t kNsPerYear = 365LL * 86'400LL * kNsPerSecond;  // crypto trades every day

struct StatsConfig {
  int64_t bar_ns = 60 * kNsPerSecond;  // bar length for Sharpe/Sortino, > 0
  Money capital{0};                    // capital for return on capital, turnover, drawdown %; > 0 (required)
  double risk_free = 0.0;              // annual risk-free rate as a fraction (0.04 = 4 %), finite, >= 0

  // Bars per year: kNsPerYear / bar_ns.
  [[nodiscard]] double periods_per_year() const noexcept {
    return static_cast<double>(kNsPerYear) / static_cast<double>(bar_ns);
  }
  // "" or "stats.<key> ..." naming the first bad field: bar_ns <= 0, capital <= 0, risk_free negative or
  // not finite.
  [[nodiscard]] std::string validate() const;
};

// Bits of BacktestStats::undefined: the statistic is reported as 0 because it has no meaning on this run.
enum StatsFlag : uint32_t {
  kNoSamples = 1u << 0,              // no sample: net_pnl, drawdown, inventory are 0
  kNoFills = 1u << 1,                // no fill: maker_share, spread captured, markouts are 0
  kNoOrders = 1u << 2,               // orders_created == 0: fill_ratio is 0
  kSharpeUndefined = 1u << 3,        // fewer than 2 bars or zero variance
  kSortinoUndefined = 1u << 4,       // fewer than 2 bars or no downside
  kCalmarUndefined = 1u << 5,        // no drawdown or T == 0
  kOrderToTradeUndefined = 1u << 6,  // no fill
  kNoDuration = 1u << 7,             // T == 0: time_at_limit, uptime, annualized return are 0
  kNoSpreadCaptured = 1u << 8,       // no fill with a known mid
  kNoMarkout = 1u << 9,              // some side/horizon had no fill with a mid after it (count == 0)
};

// Markouts of one side (or all fills) at the three horizons of kMarkoutHorizonsNs.
struct FillMarkouts {
  uint64_t count[3] = {0, 0, 0};  // fills with a known mid after the horizon
  double ticks[3] = {0, 0, 0};    // mean markout, ticks
  double bps[3] = {0, 0, 0};      // mean markout, bps of the fill price
};

inline constexpr int kMarkoutBuy = 0, kMarkoutSell = 1, kMarkoutAll = 2;

struct BacktestStats {
  // PnL (Money, exact).
  Money net_pnl, gross_pnl, fees, rebates, funding;
  double return_on_capital = 0, annualized_return = 0;
  // Risk-adjusted.
  uint64_t bars = 0;
  double sharpe = 0, sortino = 0;
  Money max_drawdown;
  double max_drawdown_pct = 0;
  int64_t max_drawdown_duration_ns = 0;
  double calmar = 0;
  // Fills and orders.
  uint64_t fills = 0, maker_fills = 0, taker_fills = 0;
  double fill_ratio = 0, maker_share = 0;
  Money volume;
  double turnover = 0;
  uint64_t orders_created = 0, orders_amended = 0, orders_cancelled = 0, orders_rejected = 0,
           orders_filled = 0;
  double order_to_trade = 0;
  // Inventory (instrument quantity units; lots alongside where exact matters).
  double inventory_mean = 0, inventory_mean_abs = 0, inventory_max = 0;
  int64_t inventory_max_lots = 0;
  double time_at_limit_pct = 0, quote_uptime_pct = 0, quote_uptime_any_pct = 0;
  // Execution quality.
  uint64_t spread_captured_count = 0;
  double spread_captured_ticks = 0, spread_captured_bps = 0;
  FillMarkouts markouts[3];  // [kMarkoutBuy], [kMarkoutSell], [kMarkoutAll]
  // Units a trader reads: the settle coin of money ("USDT") and the unit of quantities ("BTC"), from the
  // instrument's symbol and category (coin_units); "coin" / "qty" when the symbol does not say.
  std::string money_unit = "coin", qty_unit = "qty";
  // Risk: what stopped or limited the strategy (copied from the series; names are risk/'s spelling).
  std::vector<RiskEventRecord> risk_events;  // every change of the trading state, in time order
  uint64_t risk_events_dropped = 0;
  uint64_t halts = 0, reduce_only_entries = 0, resumes = 0;  // changes to halted / reduce_only / active
  std::vector<NamedCount> breaker_trips, risk_blocked, rejects;
  std::string final_state = "active", final_cause = "none";
  double final_position = 0;  // position left at the end (quantity unit)
  double qty_per_lot = 0;     // quantity of one lot (the events' positions)
  int64_t start_ns = 0;       // of the run, for the events' times
  // Run.
  int64_t duration_ns = 0;  // T
  uint64_t samples = 0;
  uint32_t undefined = 0;  // StatsFlag bits
};

// The settle coin and the quantity unit of an instrument, read from its Bybit symbol: linear BTCUSDT ->
// ("USDT", "BTC"), linear BTCPERP -> ("USDC", "BTC"), inverse BTCUSD -> ("BTC", "contracts"), spot ETHUSDC ->
// ("USDC", "ETH"). ("coin", "qty") when the symbol ends in no known quote coin.
struct CoinUnits {
  std::string money, qty;
};
[[nodiscard]] CoinUnits coin_units(const Instrument& in);

// "" or a message naming the first inconsistency: end_ns < start_ns, sample_ns <= 0, samples out of time
// order or outside [start_ns, end_ns], a fill with price <= 0 or qty <= 0, quoted_both_ns / quoted_any_ns /
// time_at_limit_ns negative or greater than T, max_position_lots < 0, orders_filled > orders_created.
[[nodiscard]] std::string validate_series(const BacktestSeries& s);

// Computes every statistic above. Throws std::invalid_argument with the message of cfg.validate() or
// validate_series() when either is not "", or naming stats.bar_ns when T / bar_ns exceeds 1e9 bars;
// naming stats.bar_ns when the series' sample period exceeds the bar (bars are measured on the samples);
// std::overflow_error if a money sum (fees, volume, funding, gross PnL, a drawdown) leaves int64.
[[nodiscard]] BacktestStats compute_stats(const BacktestSeries& s, const StatsConfig& cfg);

// Appends the "stats" object (the value, starting with '{') as compact JSON with exactly these keys:
//   net_pnl, gross_pnl, fees, rebates, funding (settle coin, exact decimals), return_on_capital_pct
//   (percent: every key that is a share of something is a percentage and ends in _pct),
//   sharpe, sortino (annualized), max_drawdown (coin), max_drawdown_pct (percent of capital),
//   max_drawdown_duration_s, calmar, annualized_extrapolated (true: the run is shorter than a day, so the
//   annualized sharpe, sortino and calmar are extrapolated), fills, maker_fills, taker_fills, fill_ratio_pct,
//   maker_share_pct (percent), volume (coin), turnover (volume / capital), inventory_mean,
//   inventory_mean_abs, inventory_max (quantity), time_at_limit_pct, quote_uptime_pct (percent),
//   order_to_trade, orders_created, orders_amended, orders_cancelled, orders_rejected, spread_captured_bps,
//   markouts: {"buy": {"1s": bps, "5s": bps, "30s": bps}, "sell": {...}, "all": {...}},
//   risk: {"final_state", "final_cause", "position_left" (quantity), "halts", "reduce_only", "resumes",
//          "breaker_trips": {breaker: n}, "blocked": {rule: n}, "rejects": {reason: n},
//          "events": [{"t_s" (since start), "state", "cause", "position"}], "events_dropped"},
//   undefined: the keys (markouts as "markouts.buy.1s") whose statistic has no meaning on this run
//   (undefined_stats()); their value is null, never a 0 that would rank like a real result.
// Numbers are never NaN/Infinity.
void write_stats_json(const BacktestStats& st, std::string& out);
// The JSON keys of the undefined statistics of `st`, in the order write_stats_json writes them.
[[nodiscard]] std::vector<std::string> undefined_stats(const BacktestStats& st);
// The same object as a new string.
[[nodiscard]] std::string stats_json(const BacktestStats& st);

// One line of the human-readable table: the statistic, its formatted value, its unit (or a note such as
// "(undefined)" for a flagged statistic). The same rows feed the stdout table and the HTML report.
struct StatsRow {
  std::string name, value, unit;
};
[[nodiscard]] std::vector<StatsRow> stats_rows(const BacktestStats& st);

// A human-readable table (one statistic per line, units shown) for stdout.
[[nodiscard]] std::string format_stats_table(const BacktestStats& st);

// Money as a plain decimal ("-12.345", "0"): the exact value of units * 1e-8, trailing zeros trimmed.
[[nodiscard]] std::string money_to_string(Money m);

}  // namespace mm
