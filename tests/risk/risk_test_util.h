#pragma once
// Shared fixtures of the risk tests: BTCUSDT linear (tick 0.10, lot 0.001, min qty 0.001) around 65000.
#include <gtest/gtest.h>

#include <cstdint>

#include "core/instrument.h"
#include "core/order_request.h"
#include "risk/risk_config.h"
#include "risk/risk_context.h"

namespace mm::test {

inline constexpr InstrumentId kBtcId = 3;
inline constexpr int64_t kMs = 1'000'000;
inline constexpr int64_t kSec = 1'000 * kMs;
inline constexpr int64_t kDay = 86'400 * kSec;
inline constexpr int64_t kMid = 650'000;  // 65000.00 in ticks of 0.10

inline Instrument btc() {
  Instrument in;
  const InstrumentSpec s{Category::kLinear, "BTCUSDT", "Trading",  "2", "0.10",
                         "0.001",           "0.001",   "1500.000", "5"};
  EXPECT_EQ(make_instrument(s, in), InstrumentError::kOk);
  return in;
}

inline Money usdt(int64_t whole) {
  return Money{whole * kMoneyOne};
}

// Limits: order <= 0.1 BTC (100 lots) and 10000 USDT; position <= 0.5 BTC (500 lots); exposure <= 30000 USDT;
// band 50 bps (3250 ticks at 65000).
inline RiskConfig base_config() {
  RiskConfig c;
  c.max_order_qty = "0.1";
  c.max_order_notional = "10000";
  c.max_position_qty = "0.5";
  c.max_exposure_notional = "30000";
  c.price_band_bps = 50;
  c.max_open_orders = 10;
  c.require_post_only = true;
  return c;
}

// A healthy market: two-sided book 64999.90 / 65000.10 (mid 65000.00), trusted, fresh, flat, no orders.
inline RiskContext calm(int64_t now_ns = 10 * kSec) {
  RiskContext x;
  x.now_ns = now_ns;
  x.wall_ns = 1'700'000'000 * kSec + now_ns;  // 2023-11-14T22:13:20Z + now
  x.mid = Price{kMid};
  x.best_bid = Price{kMid - 1};
  x.best_ask = Price{kMid + 1};
  x.book_trusted = true;
  x.book_update_ns = now_ns;
  return x;
}

inline OrderCreate limit_order(Side side, int64_t ticks, int64_t lots) {
  OrderCreate o;
  o.instrument = kBtcId;
  o.side = side;
  o.type = OrderType::kLimit;
  o.tif = TimeInForce::kPostOnly;
  o.price = Price{ticks};
  o.qty = Qty{lots};
  return o;
}

}  // namespace mm::test
