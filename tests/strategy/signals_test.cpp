#include "strategy/signals.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/strategy/strategy_test_util.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

using test::kMs;
using test::kSec;

TradeEvent trade(Side taker, int64_t price, int64_t qty) {
  TradeEvent t;
  t.taker_side = taker;
  t.price = Price{price};
  t.qty = Qty{qty};
  return t;
}

TEST(SignalsConfig, ValidateNamesTheKey) {
  SignalsConfig c;
  EXPECT_EQ(c.validate(), "");
  c.volatility_interval_ms = 0;
  EXPECT_EQ(c.validate(), "signals.volatility_interval_ms must be > 0");
  c = SignalsConfig{};
  c.imbalance_levels = 33;
  EXPECT_EQ(c.validate(), "signals.imbalance_levels must be in [1, 32]");
  c = SignalsConfig{};
  c.markout_horizons_ms[2] = 0;
  EXPECT_EQ(c.validate(), "signals.markout_horizons_ms must be > 0 (three horizons)");
  c = SignalsConfig{};
  c.calibration_buckets = 251;
  EXPECT_EQ(c.validate(), "signals.calibration_buckets must be in [2, 250]");
  c = SignalsConfig{};
  c.calibration_refit_ms = 50;
  EXPECT_EQ(c.validate(), "signals.calibration_refit_ms must be >= signals.calibration_interval_ms");
  c = SignalsConfig{};
  c.initial_volatility_bps = -1.0;
  EXPECT_EQ(c.validate(), "signals.initial_volatility_bps must be >= 0 and finite");
}

TEST(Signals, MicropriceImbalanceAndDepth) {
  test::Market m;
  Signals s(SignalsConfig{});
  EXPECT_FALSE(s.has_book());
  // Top: 1000 x 30 / 1002 x 10; the 4 levels behind have 10 lots each (imbalance over 5 levels).
  m.set_book(1000, 1002, 30, 10, /*depth=*/8, /*qty=*/10);
  s.on_book(m.book, 0);
  ASSERT_TRUE(s.has_book());
  EXPECT_DOUBLE_EQ(s.mid_ticks(), 1001.0);
  EXPECT_DOUBLE_EQ(s.microprice_ticks(), (1000.0 * 10 + 1002.0 * 30) / 40.0);
  EXPECT_EQ(s.bid_depth_lots(), 30 + 4 * 10);
  EXPECT_EQ(s.ask_depth_lots(), 10 + 4 * 10);
  EXPECT_DOUBLE_EQ(s.depth_lots(), 120.0);
  EXPECT_DOUBLE_EQ(s.imbalance(), (70.0 - 50.0) / 120.0);
}

TEST(Signals, OneSidedBookKeepsThePreviousTop) {
  test::Market m;
  Signals s(SignalsConfig{});
  m.set_book(1000, 1002);
  s.on_book(m.book, 0);
  const PriceLevel bid{Price{1000}, Qty{10}};
  ASSERT_EQ(m.book.apply_snapshot(&bid, 1, nullptr, 0), BookError::kOk);
  s.on_book(m.book, kMs);
  EXPECT_DOUBLE_EQ(s.mid_ticks(), 1001.0);
}

// The mid alternates between two values every 100 ms step: every sampled log-return is +-r, so the EWMA
// variance per step is exactly r^2 and sigma per sqrt(second) is r / sqrt(0.1).
TEST(Signals, VolatilityOfAlternatingMid) {
  test::Market m;
  SignalsConfig c;
  c.volatility_min_samples = 20;
  Signals s(c);
  const double r = std::log(10002.0 / 10000.0);  // mids 10000 and 10002
  m.set_book(10001, 10003);
  s.on_book(m.book, 0);  // starts the 100 ms sampling clock
  for (int i = 0; i < 200; ++i) {
    const int64_t t = i * 100 * kMs + 50 * kMs;  // updates in the middle of each step
    if (i % 2 == 0) {
      m.set_book(9999, 10001);
    } else {
      m.set_book(10001, 10003);
    }
    s.on_book(m.book, t);
    if (i == 10) {
      EXPECT_FALSE(s.volatility_ready());
    }
  }
  EXPECT_TRUE(s.volatility_ready());
  EXPECT_EQ(s.volatility_samples(), 199u);
  EXPECT_NEAR(s.sigma_rel(), r / std::sqrt(0.1), 1e-12);
  EXPECT_NEAR(s.sigma_bps(), r / std::sqrt(0.1) * 1e4, 1e-8);
  EXPECT_NEAR(s.sigma_ticks(), r / std::sqrt(0.1) * s.mid_ticks(), 1e-8);
}

TEST(Signals, QuietTimeLowersVolatilityAndAPriorSeedsIt) {
  test::Market m;
  SignalsConfig c;
  c.volatility_half_life_ms = 1000;
  c.initial_volatility_bps = 3.0;
  Signals s(c);
  EXPECT_NEAR(s.sigma_bps(), 3.0, 1e-9);  // the prior is the estimate before any sample
  m.set_book(9999, 10001);
  s.on_book(m.book, 0);
  m.set_book(10009, 10011);  // a 10-tick jump
  s.on_book(m.book, 150 * kMs);
  s.on_time(250 * kMs);  // closes the step at 200 ms with the new mid
  const double after_jump = s.sigma_bps();
  EXPECT_GT(after_jump, 3.0);
  s.on_time(20 * kSec);  // 20 s without a move: zero returns
  EXPECT_LT(s.sigma_bps(), 0.1 * after_jump);
  EXPECT_GT(s.sigma_bps(), 0.0);
}

TEST(Signals, TradeIntensityPerAggressorSide) {
  test::Market m;
  SignalsConfig c;
  c.trade_intensity_half_life_ms = 5000;
  Signals s(c);
  m.set_book(1000, 1002);
  s.on_book(m.book, 0);
  // 10 buy trades per second of 3 lots, 2 sell trades per second of 1 lot, for 60 s.
  int64_t t = 0;
  for (int i = 1; i <= 600; ++i) {
    t = i * 100 * kMs;
    s.on_trade(trade(Side::kBuy, 1002, 3), t);
    if (i % 5 == 0) s.on_trade(trade(Side::kSell, 1000, 1), t);
  }
  // A regular train of events reads slightly above its mean just after an event (sawtooth): 5% bounds.
  EXPECT_NEAR(s.trade_rate(Side::kBuy, t), 10.0, 0.5);
  EXPECT_NEAR(s.volume_rate_lots(Side::kBuy, t), 30.0, 1.5);
  EXPECT_NEAR(s.trade_rate(Side::kSell, t), 2.0, 0.25);
  EXPECT_NEAR(s.volume_rate_lots(Side::kSell, t), 2.0, 0.25);
  // Decays with the half-life once trading stops.
  EXPECT_NEAR(s.trade_rate(Side::kBuy, t + 5 * kSec), 0.5 * s.trade_rate(Side::kBuy, t), 1e-9);
  // Block trades are ignored.
  TradeEvent block = trade(Side::kBuy, 1002, 1000);
  block.block_trade = true;
  const double before = s.volume_rate_lots(Side::kBuy, t);
  s.on_trade(block, t);
  EXPECT_DOUBLE_EQ(s.volume_rate_lots(Side::kBuy, t), before);
}

// Markouts at 1, 5 and 30 s use the mid that held at each horizon.
TEST(Signals, MarkoutsAtOneFiveAndThirtySeconds) {
  test::Market m;
  Signals s(SignalsConfig{});
  m.set_book(9999, 10001);  // mid 10000
  s.on_book(m.book, 0);
  s.on_own_fill(Side::kBuy, Price{9999}, Qty{1}, 100 * kMs);
  EXPECT_EQ(s.markouts_pending(), 1u);
  m.set_book(10009, 10011);  // mid 10010 from 0.5 s
  s.on_book(m.book, 500 * kMs);
  m.set_book(9989, 9991);  // mid 9990 from 3 s
  s.on_book(m.book, 3 * kSec);
  EXPECT_EQ(s.markout(0).count, 1u);  // the 1 s horizon (1.1 s) resolved at the 3 s update with mid 10010
  EXPECT_NEAR(s.markout(0).mean_bps, 10.0, 1e-9);
  EXPECT_NEAR(s.markout(0).price_mean_bps, (10010.0 - 9999.0) / 9999.0 * 1e4, 1e-9);
  m.set_book(10019, 10021);  // mid 10020 from 10 s
  s.on_book(m.book, 10 * kSec);
  EXPECT_EQ(s.markout(1).count, 1u);
  EXPECT_NEAR(s.markout(1).mean_bps, -10.0, 1e-9);  // 5.1 s: mid 9990
  EXPECT_EQ(s.markout(2).count, 0u);
  s.on_time(31 * kSec);
  EXPECT_EQ(s.markout(2).count, 1u);
  EXPECT_NEAR(s.markout(2).mean_bps, 20.0, 1e-9);  // 30.1 s: mid 10020
  EXPECT_EQ(s.markouts_pending(), 0u);
  EXPECT_EQ(s.markout_horizon_ns(2), 30 * kSec);
  // Average of the horizons' EWMAs: (10 - 10 + 20) / 3 > 0: no adverse selection.
  EXPECT_EQ(s.adverse_score_bps(), 0.0);
}

TEST(Signals, AdverseScoreFromFillsFollowedByAdverseMoves) {
  test::Market m;
  Signals s(SignalsConfig{});
  int64_t t = 0;
  int64_t mid = 10000;
  m.set_book(mid - 1, mid + 1);
  s.on_book(m.book, t);
  // Each sell fill is followed by the mid rising 5 ticks (5 bps at 10000): we sold before a rise.
  for (int i = 0; i < 20; ++i) {
    s.on_own_fill(Side::kSell, Price{mid + 1}, Qty{1}, t);
    t += 500 * kMs;
    mid += 5;
    m.set_book(mid - 1, mid + 1);
    s.on_book(m.book, t);
    t += 40 * kSec;  // every horizon resolves before the next fill, with the raised mid
    s.on_time(t);
  }
  EXPECT_EQ(s.markout(0).count, 20u);
  EXPECT_NEAR(s.markout(0).mean_bps, s.markout(2).mean_bps, 1e-12);
  EXPECT_LT(s.markout(0).mean_bps, -4.9);
  EXPECT_GT(s.adverse_score_bps(), 4.9);
  EXPECT_LT(s.adverse_score_bps(), 5.1);
}

TEST(Signals, MarkoutRingDropsTheOldestWhenFull) {
  test::Market m;
  Signals s(SignalsConfig{});
  m.set_book(9999, 10001);
  s.on_book(m.book, 0);
  for (uint32_t i = 0; i < kMaxPendingFills + 5; ++i) {
    s.on_own_fill(Side::kBuy, Price{9999}, Qty{1}, static_cast<int64_t>(i) * 100'000);  // within 1 s
  }
  EXPECT_EQ(s.markouts_pending(), kMaxPendingFills);
  EXPECT_EQ(s.markouts_dropped(), 5u);
  s.on_time(100 * kSec);
  EXPECT_EQ(s.markouts_pending(), 0u);
  EXPECT_EQ(s.markout(0).count, kMaxPendingFills);
  EXPECT_EQ(s.markout(2).count, kMaxPendingFills);
}

TEST(Signals, UpdatesDoNotAllocate) {
  test::Market m;
  Signals s(SignalsConfig{});
  m.set_book(9999, 10001);
  s.on_book(m.book, 0);
  const TradeEvent tr = trade(Side::kBuy, 10002, 2);
  mm::test::AllocScope scope;
  for (int i = 1; i < 20000; ++i) {
    const int64_t t = i * 37 * kMs;
    s.on_book(m.book, t);
    s.on_trade(tr, t);
    if (i % 50 == 0) s.on_own_fill(Side::kSell, Price{10001}, Qty{1}, t);
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_TRUE(s.arrival_fit().valid || s.arrival().failed_fits() > 0);
}

}  // namespace
}  // namespace mm

namespace mm {
namespace {

// --- A lost book (gap, refused message, crossed): nothing learns from the last mid until a trusted book.

TEST(Signals, LostBookFreezesSamplingAndRestartsItFromTheNextBook) {
  test::Market m;
  SignalsConfig c;
  c.volatility_interval_ms = 100;
  Signals s(c);
  m.set_book(1000, 1002);
  s.on_book(m.book, 0);
  m.set_book(1010, 1012);
  s.on_book(m.book, 50 * kMs);
  s.on_time(1 * kSec);  // ten samples, the first a return of ~1 %
  const uint64_t samples = s.volatility_samples();
  ASSERT_EQ(samples, 10u);
  const double sigma = s.sigma_rel();
  ASSERT_GT(sigma, 0.0);

  s.on_book_lost(1 * kSec + 50 * kMs);
  EXPECT_TRUE(s.book_lost());
  s.on_time(5 * kSec);  // the frozen mid is not sampled
  s.on_trade(trade(Side::kBuy, 1020, 5), 5 * kSec);
  EXPECT_EQ(s.volatility_samples(), samples);
  EXPECT_GT(s.trade_rate(Side::kBuy, 5 * kSec), 0.0) << "trades still count for the intensity";

  // The next trusted book: a new mid, no return across the loss, sampling restarts from it.
  m.set_book(1100, 1102);
  s.on_book(m.book, 9 * kSec);
  EXPECT_FALSE(s.book_lost());
  EXPECT_EQ(s.volatility_samples(), samples);
  EXPECT_EQ(s.sigma_rel(), sigma);
  EXPECT_DOUBLE_EQ(s.mid_ticks(), 1101.0);
  s.on_time(9 * kSec + 100 * kMs);
  EXPECT_EQ(s.volatility_samples(), samples + 1);
  EXPECT_LT(s.sigma_rel(), sigma) << "a zero return (the mid did not move since the restart)";
}

TEST(Signals, LostBookIsANoOpBeforeTheFirstBookAndWhenRepeated) {
  test::Market m;
  Signals s(SignalsConfig{});
  s.on_book_lost(0);
  EXPECT_FALSE(s.book_lost());
  EXPECT_FALSE(s.has_book());
  m.set_book(1000, 1002);
  s.on_book(m.book, 1 * kSec);
  s.on_book_lost(2 * kSec);
  s.on_book_lost(3 * kSec);
  EXPECT_TRUE(s.book_lost());
  EXPECT_DOUBLE_EQ(s.mid_ticks(), 1001.0);
}

TEST(Signals, MarkoutsDueWhileTheBookIsLostAreExpiredNotMeasuredOnAFrozenMid) {
  test::Market m;
  SignalsConfig c;
  c.markout_horizons_ms = {1000, 5000, 30000};
  Signals s(c);
  m.set_book(1000, 1002);
  s.on_book(m.book, 0);
  s.on_own_fill(Side::kBuy, Price{1000}, Qty{1}, 1 * kSec);
  s.on_book_lost(1 * kSec + 500 * kMs);
  // A fill while the book is lost has no mid to measure from: ignored.
  s.on_own_fill(Side::kSell, Price{1002}, Qty{1}, 2 * kSec);
  EXPECT_EQ(s.markouts_pending(), 1u);
  m.set_book(900, 902);  // the market fell 10 % during the loss
  s.on_book(m.book, 10 * kSec);
  // The 1 s and 5 s horizons ended during the loss: forgotten, not measured against a frozen (or late) mid.
  EXPECT_EQ(s.markouts_expired(), 2u);
  EXPECT_EQ(s.markout(0).count, 0u);
  EXPECT_EQ(s.markout(1).count, 0u);
  EXPECT_EQ(s.adverse_score_bps(), 0.0);
  // The 30 s horizon is measured with a trusted mid.
  s.on_time(31 * kSec);
  EXPECT_EQ(s.markout(2).count, 1u);
  EXPECT_LT(s.markout(2).mean_bps, 0.0);
}

}  // namespace
}  // namespace mm
