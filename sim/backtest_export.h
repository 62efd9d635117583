#pragma once
// `mm backtest --export DIR`: a run's series as CSV files, so that a run can be analysed in any tool
// without the Python module. Cold path (allocates).
//
// Files (RFC 4180 CSV, comma-separated, "\n" line ends, one header line; units are in the column names,
// taken from the instrument: price in the quote currency (USDT for BTCUSDT, USD for inverse), quantity in
// the base coin (BTC; contracts for inverse), money in the settle coin (USDT; BTC for inverse); times are
// nanoseconds since the Unix epoch of the simulated clock; numbers are exact decimals):
//   fills.csv     ts_ns, side, liquidity (maker/taker), price_<P>, qty_<Q>, fee_<M> (negative: rebate),
//                 mid_before_<P> (empty when one-sided), position_after_<Q>, equity_after_<M>
//   orders.csv    ts_ns (arrival at the exchange), action (create/amend/cancel/cancel_all), result
//                 (accepted/rate_limit/post_only/not_found/invalid), order_link_id, side,
//                 price_<P> (empty: market, or the order was unknown), qty_<Q> (empty: unknown)
//   equity.csv    ts_ns, equity_<M> (net PnL: realized + unrealized at the mid - fees + funding),
//                 fees_<M> (cumulative paid), funding_<M> (cumulative received)
//   position.csv  ts_ns, position_<Q> (signed: > 0 long), mid_<P> (empty when one-sided),
//                 our_bid_<P>, our_ask_<P> (empty when we had no resting order on that side)
// equity.csv and position.csv hold one row per series sample ([backtest] sample_ms, and one at the end).
#include <string>
#include <vector>

#include "sim/backtest_series.h"

namespace mm {

inline constexpr const char* kExportFileNames[4] = {"fills.csv", "orders.csv", "equity.csv", "position.csv"};

struct ExportFile {
  std::string name;  // "fills.csv", ...
  std::string text;
};

// The four files above, in that order. orders.csv holds a header only unless the series was recorded with
// record_orders. Precondition: s.instrument is the traded instrument (its grid formats every value).
[[nodiscard]] std::vector<ExportFile> export_csv(const BacktestSeries& s);

}  // namespace mm
