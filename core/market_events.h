#pragma once
// Public market-data events beyond the book and trades (core/events.h): tickers, klines, liquidations.
// Produced by the Bybit codec (net/bybit_codec.h); plain structs, no allocation, valid until the
// producer's next call unless stated otherwise.
#include <cstdint>

#include "core/money.h"
#include "core/types.h"

namespace mm {

// Rates (funding rate, 24 h change, fee rates, leverage) are fixed-point integers: value * 10^kRateScale.
// Why 1e-10: Bybit prints funding rates and fee rates with at most 8 decimals; two spare digits keep
// derived rates exact, and the range (+-9.2e8) covers leverage and percentages.
inline constexpr int kRateScale = 10;
inline constexpr int64_t kRateOne = 10'000'000'000;

// Reference prices that Bybit does not put on the tick grid (mark, index, average entry, ...) are
// fixed-point integers at a per-instrument scale: value * 10^ref_price_scale(instrument).
// Why price_scale + 6: mark/index prices carry up to priceScale digits on linear contracts and up to
// six more on spot (usdIndexPrice) and options (markPrice "7.86976724" on a 0-decimal grid). Digits
// beyond it are truncated toward zero (these are averages, not prices that can be quoted).
inline constexpr int kRefPriceExtraDigits = 6;
constexpr int ref_price_scale(int price_scale) noexcept {
  const int s = price_scale + kRefPriceExtraDigits;
  return s > 18 ? 18 : s;
}

// Which fields a ticker message carried; a delta sets only the bits of the fields it changed.
enum TickerField : uint32_t {
  kTickerLastPrice = 1u << 0,
  kTickerMarkPrice = 1u << 1,
  kTickerIndexPrice = 1u << 2,
  kTickerBid1 = 1u << 3,        // bid1Price (options: bidPrice)
  kTickerBid1Size = 1u << 4,
  kTickerAsk1 = 1u << 5,
  kTickerAsk1Size = 1u << 6,
  kTickerFundingRate = 1u << 7,
  kTickerNextFunding = 1u << 8,
  kTickerOpenInterest = 1u << 9,
  kTickerOpenInterestValue = 1u << 10,
  kTickerVolume24h = 1u << 11,
  kTickerTurnover24h = 1u << 12,
  kTickerHigh24h = 1u << 13,
  kTickerLow24h = 1u << 14,
  kTickerPrev24h = 1u << 15,
  kTickerPrice24hPcnt = 1u << 16,
  kTickerUsdIndexPrice = 1u << 17,  // spot only
  kTickerPrev1h = 1u << 18,
  kTickerUnderlyingPrice = 1u << 19,  // options only
};

// tickers.{symbol}: the full ticker of one instrument. The codec keeps one per instrument and merges
// each delta into it, so a consumer always sees every field's latest value; `present` says which
// fields have been received since the last snapshot, `changed` which ones the last message carried.
struct Ticker {
  InstrumentId instrument = kNoInstrument;
  Category category = Category::kLinear;
  int8_t ref_scale = 0;           // scale of mark/index/usd_index/underlying (ref_price_scale)
  bool has_snapshot = false;      // false while only deltas have been merged
  uint32_t present = 0;           // TickerField bits
  uint32_t changed = 0;           // TickerField bits of the last message
  int64_t ts_ms = 0;              // message "ts"
  int64_t cross_seq = 0;          // "cs", 0 when absent
  Price last_price, high_24h, low_24h, prev_price_24h, prev_price_1h;
  Price bid1_price, ask1_price;
  Qty bid1_size, ask1_size;
  int64_t mark_price = 0;         // at ref_scale
  int64_t index_price = 0;        // at ref_scale
  int64_t usd_index_price = 0;    // at ref_scale (spot "usdIndexPrice")
  int64_t underlying_price = 0;   // at ref_scale (options)
  int64_t funding_rate = 0;       // at kRateScale: 0.0001 -> 1'000'000
  int64_t next_funding_time_ms = 0;
  int64_t price_24h_pcnt = 0;     // at kRateScale (a fraction: 0.0015 means +0.15 %)
  Qty open_interest;              // base-coin contracts (lots of the instrument)
  Money open_interest_value;
  Qty volume_24h;
  Money turnover_24h;
};

// kline.{interval}.{symbol}: one candle. Prices on the tick grid, volume on the lot grid.
struct Kline {
  InstrumentId instrument = kNoInstrument;
  bool confirm = false;           // true: the candle is closed
  uint32_t interval_minutes = 0;  // "1".."720"; "D" = 1440, "W" = 10080, "M" = 43200 (nominal)
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  Price open, close, high, low;
  Qty volume;
  Money turnover;
  int64_t timestamp_ms = 0;       // "timestamp" of the candle update
  int64_t ts_ms = 0;              // message "ts"
};

// liquidation.{symbol} (one object) and allLiquidation.{symbol} (an array). `side` is Bybit's
// position side: kBuy means a long position was liquidated.
struct Liquidation {
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kBuy;
  Price price;
  Qty qty;
  int64_t time_ms = 0;            // "T" / "updatedTime"
  int64_t ts_ms = 0;              // message "ts"
};

}  // namespace mm
