#include "strategy/avellaneda_stoikov.h"

#include <gtest/gtest.h>

#include <cmath>

#include "strategy/signals.h"
#include "tests/strategy/strategy_test_util.h"

namespace mm {
namespace {

using test::ask_prices;
using test::bid_prices;
using test::kSec;

// gamma 0.1 per tick, kappa 0.01 per tick, sigma 2 ticks per sqrt(s) (2 bps at a mid of 10000 ticks),
// constant horizon 10 s.
AvellanedaStoikovConfig base_config() {
  AvellanedaStoikovConfig c;
  c.gamma = 0.1;
  c.kappa = 0.01;
  c.horizon = Horizon::kInfinite;
  c.horizon_s = 10.0;
  c.sigma_bps_override = 2.0;
  c.order_size_lots = 2;
  c.min_spread_ticks = 0.0;
  return c;
}

TEST(AvellanedaStoikov, MatchesTheClosedFormByHand) {
  test::Market m;
  m.set_book(9999, 10001);  // s = 10000
  AvellanedaStoikov as(base_config());
  QuoteLadder out;
  // Position 2 lots with an order size of 2 lots: q = 1.
  ASSERT_TRUE(as.quote(m.ctx(0, 2, 100), out));
  const double risk = 0.1 * 2.0 * 2.0 * 10.0;                             // gamma sigma^2 (T - t) = 4
  const double r = 10000.0 - 1.0 * risk;                                  // 9996
  const double spread = risk + (2.0 / 0.1) * std::log(1.0 + 0.1 / 0.01);  // 4 + 20 ln 11
  EXPECT_NEAR(as.last().sigma_ticks, 2.0, 1e-12);
  EXPECT_NEAR(as.last().tau_s, 10.0, 1e-12);
  EXPECT_NEAR(as.last().q, 1.0, 1e-12);
  EXPECT_NEAR(as.last().reservation, r, 1e-9);
  EXPECT_NEAR(as.last().spread, spread, 1e-9);
  ASSERT_EQ(out.bid_count, 1u);
  ASSERT_EQ(out.ask_count, 1u);
  EXPECT_EQ(out.bids[0].price.ticks, static_cast<int64_t>(std::floor(r - spread / 2)));  // 9970
  EXPECT_EQ(out.asks[0].price.ticks, static_cast<int64_t>(std::ceil(r + spread / 2)));   // 10022
  EXPECT_EQ(out.bids[0].price.ticks, 9970);
  EXPECT_EQ(out.asks[0].price.ticks, 10022);
  EXPECT_EQ(out.bids[0].qty.lots, 2);
}

TEST(AvellanedaStoikov, InventorySkewsBothQuotes) {
  test::Market m;
  m.set_book(9999, 10001);
  AvellanedaStoikov as(base_config());
  QuoteLadder flat, lng, sht;
  ASSERT_TRUE(as.quote(m.ctx(0, 0, 100), flat));
  ASSERT_TRUE(as.quote(m.ctx(0, 6, 100), lng));  // q = 3: r = s - 12
  ASSERT_TRUE(as.quote(m.ctx(0, -6, 100), sht));
  EXPECT_EQ(test::top_bid(lng), test::top_bid(flat) - 12);
  EXPECT_EQ(test::top_ask(lng), test::top_ask(flat) - 12);
  EXPECT_EQ(test::top_bid(sht), test::top_bid(flat) + 12);
  EXPECT_EQ(test::top_ask(sht), test::top_ask(flat) + 12);
}

TEST(AvellanedaStoikov, FiniteHorizonCountsDownPerSession) {
  AvellanedaStoikovConfig c = base_config();
  c.horizon = Horizon::kFinite;
  c.session_length_s = 3600.0;
  c.session_offset_s = 0.0;
  AvellanedaStoikov as(c);
  const int64_t day = 1'700'000'000;  // a multiple of 3600 s? 1700000000 = 472222 * 3600 + 800
  EXPECT_NEAR(as.time_to_horizon_s(day * kSec), 3600.0 - 800.0, 1e-6);
  EXPECT_NEAR(as.time_to_horizon_s((day + 2800) * kSec), 3600.0, 1e-6);  // a new session starts
  EXPECT_NEAR(as.time_to_horizon_s((day + 2799) * kSec), 1.0, 1e-6);
  c.session_offset_s = 600.0;
  AvellanedaStoikov shifted(c);
  EXPECT_NEAR(shifted.time_to_horizon_s(day * kSec), 3600.0 - 200.0, 1e-6);

  // Near the end of a session the inventory term fades: the reservation price returns to the mid.
  test::Market m;
  m.set_book(9999, 10001);
  QuoteLadder early, late;
  ASSERT_TRUE(as.quote(m.ctx((day + 2800) * kSec, 4, 100), early));
  const double r_early = as.last().reservation;
  ASSERT_TRUE(as.quote(m.ctx((day + 2799) * kSec, 4, 100), late));
  const double r_late = as.last().reservation;
  EXPECT_NEAR(r_early, 10000.0 - 2.0 * 0.1 * 4.0 * 3600.0, 1e-6);
  EXPECT_NEAR(r_late, 10000.0 - 2.0 * 0.1 * 4.0 * 1.0, 1e-6);
}

TEST(AvellanedaStoikov, SpreadWidensWithVolatilityFromSignals) {
  test::Market m;
  m.set_book(9999, 10001);
  AvellanedaStoikovConfig c = base_config();
  c.sigma_bps_override = 0.0;
  AvellanedaStoikov as(c);
  SignalsConfig lo_cfg, hi_cfg;
  lo_cfg.initial_volatility_bps = 1.0;
  hi_cfg.initial_volatility_bps = 4.0;
  Signals lo(lo_cfg), hi(hi_cfg);
  QuoteLadder a, b;
  ASSERT_TRUE(as.quote(m.ctx(0, 0, 100, &lo), a));
  const double spread_lo = as.last().spread;
  ASSERT_TRUE(as.quote(m.ctx(0, 0, 100, &hi), b));
  const double spread_hi = as.last().spread;
  EXPECT_NEAR(spread_hi - spread_lo, 0.1 * (16.0 - 1.0) * 10.0, 1e-9);  // gamma (sigma_hi^2 - sigma_lo^2) tau
  EXPECT_LT(test::top_bid(b), test::top_bid(a));
  EXPECT_GT(test::top_ask(b), test::top_ask(a));
  // Without Signals and without an override there is no sigma: no quotes.
  QuoteLadder none;
  EXPECT_FALSE(as.quote(m.ctx(0, 0, 100, nullptr), none));
}

TEST(AvellanedaStoikov, LevelsAndMinimumSpread) {
  test::Market m;
  m.set_book(9999, 10001);
  AvellanedaStoikovConfig c = base_config();
  c.kappa = 100.0;  // (2 / gamma) ln(1 + gamma / kappa) ~ 0.02: the model spread is ~4 ticks
  c.min_spread_ticks = 10.0;
  c.levels = 3;
  c.level_spacing_ticks = 2.0;
  AvellanedaStoikov as(c);
  QuoteLadder out;
  ASSERT_TRUE(as.quote(m.ctx(0, 0, 100), out));
  EXPECT_EQ(bid_prices(out), (std::vector<int64_t>{9995, 9993, 9991}));
  EXPECT_EQ(ask_prices(out), (std::vector<int64_t>{10005, 10007, 10009}));
  EXPECT_NEAR(as.last().spread, 10.0, 1e-12);
}

TEST(AvellanedaStoikov, ValidateNamesTheKey) {
  AvellanedaStoikovConfig c;
  EXPECT_EQ(c.validate(), "");
  c.gamma = 0.0;
  EXPECT_EQ(c.validate(), "strategy.gamma must be > 0");
  c = AvellanedaStoikovConfig{};
  c.kappa = -1.0;
  EXPECT_EQ(c.validate(), "strategy.kappa must be > 0");
  c = AvellanedaStoikovConfig{};
  c.horizon_s = 0.0;
  EXPECT_EQ(c.validate(), "strategy.horizon_s must be > 0");
  c = AvellanedaStoikovConfig{};
  c.horizon = Horizon::kFinite;
  c.session_offset_s = 90000.0;
  EXPECT_EQ(c.validate(), "strategy.session_offset_s must be in [0, strategy.session_length_s)");
  Horizon h = Horizon::kInfinite;
  EXPECT_TRUE(parse_horizon("finite", h));
  EXPECT_EQ(h, Horizon::kFinite);
  EXPECT_FALSE(parse_horizon("forever", h));
}

}  // namespace
}  // namespace mm
