#include "sim/backtest_series.h"

namespace mm {

void keep_trade_print(BacktestSeries& s, const TradePrintRecord& t) {
  const uint64_t n = s.trades_offered++;
  if (n % s.trades_stride != 0) return;
  if (s.trades.size() >= kMaxTradePrints) {
    // Full: keep every other print (the ones at multiples of the doubled stride) and go on at that stride.
    size_t w = 0;
    for (size_t r = 0; r < s.trades.size(); r += 2) s.trades[w++] = s.trades[r];
    s.trades.resize(w);
    s.trades_stride *= 2;
    if (n % s.trades_stride != 0) return;
  }
  s.trades.push_back(t);
}

}  // namespace mm
