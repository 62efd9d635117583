#pragma once
// The synthetic capture writer moved to sim/synthetic_capture.h (the runtime's embedded simulator uses it
// too); these names keep the tools' spelling.
#include "sim/synthetic_capture.h"

namespace mm::tools {

// `mm gen`'s default volatility of the fair price, in ticks per sqrt(second) (BTCUSDT: tick 0.10 at ~65,000).
// The shared recording (cryptofeed-BYBIT-2026-08-09) carries Bybit's 24 h high/low for BTCUSDT: 65,282.3 /
// 64,694.4, a Parkinson daily sigma of ln(H/L) / sqrt(4 ln 2) = 0.54 %, i.e. 0.54 % * 65,114 / sqrt(86,400 s)
// = 1.2 USDT = 12 ticks per sqrt(s), on a quiet day (10 % a year annualized). BTC's realized volatility
// over years is about 50 % a year, five times that day: 5 * 12 = 60 ticks = 6 USDT per sqrt(s), a daily
// sigma of 6 * sqrt(86,400) = 1,764 USDT (2.7 %). The library default (GenParams: 3 ticks, measured 3.3
// ticks per sqrt(s) of mid over an hour of output, 20x calmer than this) stays for the benchmarks and the
// golden digests, whose figures are pinned to it.
inline constexpr double kGenDefaultVolTicks = 60.0;

using mm::synthetic_instruments_body;
using mm::write_synthetic_capture;

}  // namespace mm::tools
