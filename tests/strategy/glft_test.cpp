#include "strategy/glft.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "strategy/signals.h"
#include "tests/strategy/strategy_test_util.h"

namespace mm {
namespace {

using test::ask_prices;
using test::bid_prices;
using test::kMs;

// A = 2 per second, k = 0.5 per tick, gamma = xi = 0.05, Delta = 1, sigma = 1 tick per sqrt(s)
// (1 bp at a mid of 10000 ticks).
GlftConfig base_config() {
  GlftConfig c;
  c.gamma = 0.05;
  c.xi = 0.05;
  c.delta = 1.0;
  c.use_calibration = false;
  c.initial_a = 2.0;
  c.initial_k = 0.5;
  c.sigma_bps_override = 1.0;
  c.order_size_lots = 1;
  c.min_spread_ticks = 0.0;
  return c;
}

TEST(Glft, CoefficientsMatchTheTutorialFormula) {
  const GlftCoefficients c = glft_coefficients(0.05, 0.05, 1.0, 2.0, 0.5);
  const double c1 = 1.0 / (0.05 * 1.0) * std::log(1.0 + 0.05 * 1.0 / 0.5);
  const double c2 =
      std::sqrt(0.05 / (2.0 * 2.0 * 1.0 * 0.5) * std::pow(1.0 + 0.05 * 1.0 / 0.5, 0.5 / (0.05 * 1.0) + 1.0));
  EXPECT_NEAR(c.c1, c1, 1e-12);
  EXPECT_NEAR(c.c2, c2, 1e-12);
  EXPECT_NEAR(c.c1, 1.9062035960864983, 1e-12);  // 20 ln 1.1
  EXPECT_NEAR(c.c2, 0.26707286956, 1e-10);       // sqrt(0.025 * 1.1^11)
}

TEST(Glft, QuotesMatchHandComputedValues) {
  test::Market m;
  m.set_book(9999, 10001);  // fair = mid = 10000
  GlftConfig cfg = base_config();
  cfg.align_to_grid = false;
  Glft g(cfg);
  QuoteLadder out;
  ASSERT_TRUE(g.quote(m.ctx(0, 2, 100), out));  // q = 2
  const double c1 = 20.0 * std::log(1.1);
  const double c2 = std::sqrt(0.025 * std::pow(1.1, 11.0));
  const double half = c1 + 1.0 / 2.0 * 1.0 * c2;  // (c1 + Delta/2 sigma c2) * adj1
  const double skew = 1.0 * c2;                   // sigma c2 * adj2
  EXPECT_NEAR(g.last().half_spread, half, 1e-12);
  EXPECT_NEAR(g.last().skew, skew, 1e-12);
  EXPECT_NEAR(g.last().bid_depth, half + skew * 2.0, 1e-12);
  EXPECT_NEAR(g.last().ask_depth, half - skew * 2.0, 1e-12);
  // bid = 10000 - 2.574 = 9997.43 -> 9997; ask = 10000 + 1.505 -> 10002.
  EXPECT_EQ(bid_prices(out),
            (std::vector<int64_t>{static_cast<int64_t>(std::floor(10000.0 - (half + 2 * skew)))}));
  EXPECT_EQ(ask_prices(out),
            (std::vector<int64_t>{static_cast<int64_t>(std::ceil(10000.0 + (half - 2 * skew)))}));
  EXPECT_EQ(test::top_bid(out), 9997);
  EXPECT_EQ(test::top_ask(out), 10002);
}

TEST(Glft, TutorialGridAlignmentAndTouchClamp) {
  test::Market m;
  m.set_book(9999, 10001);
  GlftConfig cfg = base_config();
  cfg.levels = 3;
  Glft g(cfg);
  QuoteLadder out;
  ASSERT_TRUE(g.quote(m.ctx(0, 2, 100), out));
  // grid = max(round(2.04), 1) = 2 ticks; 9997.43 -> floor to a multiple of 2 = 9996;
  // 10001.5 -> max(., best ask 10001) -> ceil to a multiple of 2 = 10002.
  EXPECT_DOUBLE_EQ(g.last().grid_interval, 2.0);
  EXPECT_EQ(bid_prices(out), (std::vector<int64_t>{9996, 9994, 9992}));
  EXPECT_EQ(ask_prices(out), (std::vector<int64_t>{10002, 10004, 10006}));
  // A large short position pushes the bid above the best bid: clamped to the touch (no_improve).
  QuoteLadder sht;
  ASSERT_TRUE(g.quote(m.ctx(0, -20, 100), sht));
  EXPECT_LE(test::top_bid(sht), 9999);
  EXPECT_GE(test::top_ask(sht), 10001);
}

TEST(Glft, LongInventoryMovesBothQuotesDown) {
  test::Market m;
  m.set_book(9999, 10001);
  GlftConfig cfg = base_config();
  cfg.align_to_grid = false;
  cfg.touch_policy = TouchPolicy::kNoCross;
  Glft g(cfg);
  QuoteLadder flat, lng;
  ASSERT_TRUE(g.quote(m.ctx(0, 0, 100), flat));
  ASSERT_TRUE(g.quote(m.ctx(0, 10, 100), lng));  // skew * q = 2.67 ticks
  EXPECT_LT(test::top_bid(lng), test::top_bid(flat));
  EXPECT_LT(test::top_ask(lng), test::top_ask(flat));
}

TEST(Glft, HalfSpreadGrowsWithVolatility) {
  test::Market m;
  m.set_book(9999, 10001);
  GlftConfig cfg = base_config();
  cfg.sigma_bps_override = 0.0;
  Glft g(cfg);
  SignalsConfig lo_cfg, hi_cfg;
  lo_cfg.initial_volatility_bps = 1.0;
  hi_cfg.initial_volatility_bps = 20.0;
  Signals lo(lo_cfg), hi(hi_cfg);
  QuoteLadder a, b;
  ASSERT_TRUE(g.quote(m.ctx(0, 0, 100, &lo), a));
  const double half_lo = g.last().half_spread;
  ASSERT_TRUE(g.quote(m.ctx(0, 0, 100, &hi), b));
  const double half_hi = g.last().half_spread;
  const double c2 = std::sqrt(0.025 * std::pow(1.1, 11.0));
  EXPECT_NEAR(half_hi - half_lo, 0.5 * (20.0 - 1.0) * c2, 1e-9);
  EXPECT_LT(test::top_bid(b), test::top_bid(a));
  EXPECT_GT(test::top_ask(b), test::top_ask(a));
}

TEST(Glft, UsesTheOnlineCalibrationOnceValid) {
  SignalsConfig sc;
  sc.calibration_window_s = 60;
  sc.initial_volatility_bps = 1.0;
  Signals s(sc);
  test::Market m;
  m.set_book(9999, 10000);
  GlftConfig cfg = base_config();
  cfg.use_calibration = true;
  cfg.initial_a = 0.0;
  cfg.initial_k = 0.0;
  Glft g(cfg);
  s.on_book(m.book, 0);
  QuoteLadder out;
  EXPECT_FALSE(g.quote(m.ctx(0, 0, 100, &s), out));  // no A/k yet and no initial values: no quotes
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> depth(0.7);
  std::poisson_distribution<int> arrivals(0.3);
  TradeEvent t;
  t.qty = Qty{1};
  for (int step = 0; step < 700; ++step) {
    const int64_t base = step * 100 * kMs;
    s.on_book(m.book, base + kMs);
    for (Side side : {Side::kBuy, Side::kSell}) {
      for (int n = arrivals(rng); n > 0; --n) {
        const double d = depth(rng);
        t.taker_side = side;
        t.price = side == Side::kBuy ? Price{static_cast<int64_t>(std::ceil(9999.5 + d))}
                                     : Price{static_cast<int64_t>(std::floor(9999.5 - d))};
        s.on_trade(t, base + 2 * kMs);
      }
    }
  }
  ASSERT_TRUE(s.arrival_fit().valid);
  QuoteLadder cal;
  ASSERT_TRUE(g.quote(m.ctx(70'000 * kMs, 0, 100, &s), cal));
  EXPECT_DOUBLE_EQ(g.last().a, s.arrival_fit().a);
  EXPECT_DOUBLE_EQ(g.last().k, s.arrival_fit().k);
}

TEST(Glft, ValidateNamesTheKey) {
  GlftConfig c;
  EXPECT_EQ(c.validate(), "");
  c.xi = 0.0;
  EXPECT_EQ(c.validate(), "strategy.xi must be > 0");
  c = GlftConfig{};
  c.initial_a = 1.0;
  EXPECT_EQ(c.validate(), "strategy.initial_a and strategy.initial_k must be set together");
  c = GlftConfig{};
  c.use_calibration = false;
  EXPECT_EQ(c.validate(), "strategy.initial_a must be > 0 when strategy.use_calibration is false");
  c = GlftConfig{};
  c.skew_multiplier = -0.1;
  EXPECT_EQ(c.validate(), "strategy.skew_multiplier must be >= 0");
}

}  // namespace
}  // namespace mm
