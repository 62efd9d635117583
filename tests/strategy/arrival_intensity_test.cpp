#include "strategy/arrival_intensity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "strategy/signals.h"
#include "tests/strategy/strategy_test_util.h"

namespace mm {
namespace {

using test::kMs;

// Synthetic market orders with a known intensity: per side, arrivals are Poisson with rate A per second,
// each reaching a continuous depth delta ~ Exp(k) ticks from the mid; a resting quote at depth x fills when
// delta > x, so the fill intensity at depth x is A exp(-k x). An arrival prints at the shallowest price
// whose depth is >= delta (never inside the touch): every quote shallower than delta is traded through.
struct SyntheticFlow {
  double a;
  double k;
  std::mt19937_64 rng{20240501};

  // Trade price (ticks) of one arrival for a book with mid2 = bid + ask, or -1 when nothing prints.
  int64_t price(Side taker, int64_t bid, int64_t ask) {
    std::exponential_distribution<double> depth(k);
    const double delta = depth(rng);
    const double mid = 0.5 * static_cast<double>(bid + ask);
    if (taker == Side::kBuy) {
      // Smallest ask-side price p >= ask with p - mid >= delta.
      const double p = std::ceil(mid + delta);
      return p < static_cast<double>(ask) ? ask : static_cast<int64_t>(p);
    }
    const double p = std::floor(mid - delta);
    return p > static_cast<double>(bid) ? bid : static_cast<int64_t>(p);
  }

  uint32_t arrivals(double step_s) { return std::poisson_distribution<uint32_t>(a * step_s)(rng); }
};

// Drives an ArrivalIntensity for one full window. `spread_of_step(s)` gives each step's spread in ticks.
template <class SpreadFn>
ArrivalFit run_window(ArrivalIntensity& ai, SyntheticFlow& flow, SpreadFn spread_of_step, uint32_t steps) {
  constexpr int64_t kStep = 100 * kMs;
  const int64_t m = 100000;
  int64_t spread = spread_of_step(0);
  ai.start(0, 2 * m + spread);
  for (uint32_t s = 0; s < steps; ++s) {
    const int64_t bid = m;
    const int64_t ask = m + spread;
    ai.advance(static_cast<int64_t>(s) * kStep + kStep / 2, bid + ask);
    for (Side side : {Side::kBuy, Side::kSell}) {
      for (uint32_t n = flow.arrivals(0.1); n > 0; --n) ai.on_trade(side, Price{flow.price(side, bid, ask)});
    }
    spread = spread_of_step(s + 1);  // the mid held at the boundary is the next step's reference
    ai.advance(static_cast<int64_t>(s + 1) * kStep, 2 * m + spread);
  }
  return ai.fit();
}

TEST(ArrivalIntensity, RecoversKnownAAndKWithAOneTickSpread) {
  ArrivalIntensityParams p;  // 100 ms steps, 6000-step window, refit every 50 steps, 70 buckets
  ArrivalIntensity ai(p);
  SyntheticFlow flow{3.0, 0.8};
  const ArrivalFit fit = run_window(
      ai, flow, [](uint32_t) { return int64_t{1}; }, p.window_steps);
  ASSERT_TRUE(fit.valid);
  EXPECT_EQ(ai.steps_in_window(), p.window_steps);
  EXPECT_NEAR(fit.k, 0.8, 0.05);
  EXPECT_NEAR(fit.a, 3.0, 0.3);
  EXPECT_GE(fit.points, 5u);
  // Bucket 0 (the touch, 0.5 tick from the mid) and bucket 2 (one tick behind it).
  EXPECT_NEAR(ai.lambda(0), 3.0 * std::exp(-0.8 * 0.5), 0.15);
  EXPECT_NEAR(ai.lambda(2), 3.0 * std::exp(-0.8 * 1.5), 0.08);
  // With a one-tick spread depths 1, 2, ... ticks are never prices: no estimate.
  EXPECT_EQ(ai.lambda(1), 0.0);
}

TEST(ArrivalIntensity, RecoversKnownAAndKWithMixedSpreads) {
  ArrivalIntensityParams p;
  ArrivalIntensity ai(p);
  SyntheticFlow flow{5.0, 0.5};
  const ArrivalFit fit = run_window(
      ai, flow, [](uint32_t s) { return int64_t{1} + static_cast<int64_t>(s % 2); }, p.window_steps);
  ASSERT_TRUE(fit.valid);
  EXPECT_NEAR(fit.k, 0.5, 0.04);
  EXPECT_NEAR(fit.a, 5.0, 0.5);
  EXPECT_GT(ai.lambda(1), 0.0);  // depth 1 tick exists with a two-tick spread
  EXPECT_NEAR(ai.lambda(1), 5.0 * std::exp(-0.5), 0.25);
}

TEST(ArrivalIntensity, NoFitBeforeAFullWindowAndTradesAtTheTouchFillNothing) {
  ArrivalIntensityParams p;
  p.window_steps = 100;
  p.refit_steps = 10;
  ArrivalIntensity ai(p);
  SyntheticFlow flow{3.0, 0.8};
  run_window(
      ai, flow, [](uint32_t) { return int64_t{1}; }, 99);
  EXPECT_FALSE(ai.fit().valid);
  ArrivalIntensity touch(p);
  touch.start(0, 2 * 1000 + 1);
  for (int s = 1; s <= 200; ++s) {
    touch.on_trade(Side::kBuy, Price{1001});  // at the best ask: no resting quote behind the mid is hit
    touch.on_trade(Side::kSell, Price{1000});
    touch.advance(s * 100 * kMs, 2 * 1000 + 1);
  }
  EXPECT_FALSE(touch.fit().valid);
  EXPECT_EQ(touch.lambda(0), 0.0);
  EXPECT_GT(touch.failed_fits(), 0u);
}

TEST(ArrivalIntensity, SignalsCalibrateFromBookAndTrades) {
  SignalsConfig c;
  c.calibration_window_s = 300;
  Signals sig(c);
  test::Market m;
  const int64_t bid = 650000;
  const int64_t ask = 650001;
  m.set_book(bid, ask);
  sig.on_book(m.book, 0);
  SyntheticFlow flow{4.0, 0.6};
  TradeEvent t;
  t.qty = Qty{1};
  const int64_t steps = 3000;
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t base = s * 100 * kMs;
    sig.on_book(m.book, base + kMs);
    for (Side side : {Side::kBuy, Side::kSell}) {
      for (uint32_t n = flow.arrivals(0.1); n > 0; --n) {
        t.taker_side = side;
        t.price = Price{flow.price(side, bid, ask)};
        sig.on_trade(t, base + 2 * kMs);
      }
    }
  }
  sig.on_time(steps * 100 * kMs + kMs);
  const ArrivalFit& fit = sig.arrival_fit();
  ASSERT_TRUE(fit.valid);
  EXPECT_NEAR(fit.k, 0.6, 0.06);
  EXPECT_NEAR(fit.a, 4.0, 0.5);
}

}  // namespace
}  // namespace mm
