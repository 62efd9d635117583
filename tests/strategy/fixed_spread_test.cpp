#include "strategy/fixed_spread.h"

#include <gtest/gtest.h>

#include "strategy/signals.h"
#include "tests/strategy/strategy_test_util.h"

namespace mm {
namespace {

using test::ask_prices;
using test::ask_sizes;
using test::bid_prices;
using test::bid_sizes;
using test::kMs;
using test::kSec;

FixedSpreadConfig ticks_config(double half_ticks) {
  FixedSpreadConfig c;
  c.half_spread_bps = 0.0;
  c.half_spread_ticks = half_ticks;
  return c;
}

// Builds markouts where every fill is followed by an adverse 5-tick move (about 5 bps at 10000).
void make_adverse(Signals& s, test::Market& m) {
  int64_t t = 0;
  int64_t mid = 10000;
  m.set_book(mid - 1, mid + 1);
  s.on_book(m.book, t);
  for (int i = 0; i < 10; ++i) {
    s.on_own_fill(Side::kBuy, Price{mid - 1}, Qty{1}, t);
    t += 500 * kMs;
    mid -= 5;
    m.set_book(mid - 1, mid + 1);
    s.on_book(m.book, t);
    t += 40 * kSec;
    s.on_time(t);
  }
  mid = 10000;
  m.set_book(mid - 1, mid + 1);
  s.on_book(m.book, t);
}

TEST(FixedSpread, HalfSpreadInTicksAroundTheMid) {
  test::Market m;
  m.set_book(9999, 10001);
  FixedSpread fs(ticks_config(5.0));
  QuoteLadder out;
  ASSERT_TRUE(fs.quote(m.ctx(0), out));
  EXPECT_EQ(bid_prices(out), (std::vector<int64_t>{9995}));
  EXPECT_EQ(ask_prices(out), (std::vector<int64_t>{10005}));
  EXPECT_EQ(bid_sizes(out), (std::vector<int64_t>{1}));
}

TEST(FixedSpread, HalfSpreadInBpsRoundsBidsDownAsksUp) {
  test::Market m;
  m.set_book(9999, 10001);  // mid 10000 ticks
  FixedSpreadConfig c;
  c.half_spread_bps = 2.5;  // 2.5 ticks
  FixedSpread fs(c);
  QuoteLadder out;
  ASSERT_TRUE(fs.quote(m.ctx(0), out));
  EXPECT_EQ(bid_prices(out), (std::vector<int64_t>{9997}));   // 9997.5 down
  EXPECT_EQ(ask_prices(out), (std::vector<int64_t>{10003}));  // 10002.5 up
}

TEST(FixedSpread, MicropriceReference) {
  test::Market m;
  m.set_book(9999, 10001, /*bid_qty=*/30, /*ask_qty=*/10);  // microprice 10000.5
  FixedSpreadConfig c = ticks_config(3.0);
  c.reference = Reference::kMicroprice;
  FixedSpread fs(c);
  QuoteLadder out;
  ASSERT_TRUE(fs.quote(m.ctx(0), out));
  EXPECT_EQ(bid_prices(out), (std::vector<int64_t>{9997}));   // 9997.5 down
  EXPECT_EQ(ask_prices(out), (std::vector<int64_t>{10004}));  // 10003.5 up
}

TEST(FixedSpread, MinimumSpreadFloors) {
  test::Market m;
  m.set_book(9999, 10001);
  FixedSpreadConfig c = ticks_config(1.0);
  c.min_spread_ticks = 6.0;
  FixedSpread fs(c);
  QuoteLadder out;
  ASSERT_TRUE(fs.quote(m.ctx(0), out));
  EXPECT_EQ(test::top_ask(out) - test::top_bid(out), 6);
  c.min_spread_ticks = 0.0;
  c.min_spread_bps = 10.0;  // 10 ticks at 10000
  FixedSpread fs2(c);
  QuoteLadder out2;
  ASSERT_TRUE(fs2.quote(m.ctx(0), out2));
  EXPECT_EQ(bid_prices(out2), (std::vector<int64_t>{9995}));
  EXPECT_EQ(ask_prices(out2), (std::vector<int64_t>{10005}));
}

TEST(FixedSpread, LongInventoryMovesBothQuotesDown) {
  test::Market m;
  m.set_book(9999, 10001);
  FixedSpreadConfig c = ticks_config(5.0);
  c.skew_bps_at_max_position = 4.0;  // 4 ticks at |position| == max
  FixedSpread fs(c);
  QuoteLadder flat, lng, sht;
  ASSERT_TRUE(fs.quote(m.ctx(0, 0, 100), flat));
  ASSERT_TRUE(fs.quote(m.ctx(0, 50, 100), lng));
  ASSERT_TRUE(fs.quote(m.ctx(0, -75, 100), sht));
  for (const QuoteLadder* l : {&flat, &lng, &sht}) {
    ASSERT_EQ(l->bid_count, 1u);
    ASSERT_EQ(l->ask_count, 1u);
  }
  EXPECT_EQ(test::top_bid(lng), test::top_bid(flat) - 2);
  EXPECT_EQ(test::top_ask(lng), test::top_ask(flat) - 2);
  EXPECT_EQ(test::top_bid(sht), test::top_bid(flat) + 3);
  EXPECT_EQ(test::top_ask(sht), test::top_ask(flat) + 3);
}

TEST(FixedSpread, LevelsSpacingAndSizeStep) {
  test::Market m;
  m.set_book(9999, 10001);
  FixedSpreadConfig c = ticks_config(2.0);
  c.levels = 4;
  c.level_spacing_ticks = 3.0;
  c.order_size_lots = 5;
  c.size_step_lots = 2;
  FixedSpread fs(c);
  QuoteLadder out;
  ASSERT_TRUE(fs.quote(m.ctx(0), out));
  EXPECT_EQ(bid_prices(out), (std::vector<int64_t>{9998, 9995, 9992, 9989}));
  EXPECT_EQ(ask_prices(out), (std::vector<int64_t>{10002, 10005, 10008, 10011}));
  EXPECT_EQ(bid_sizes(out), (std::vector<int64_t>{5, 7, 9, 11}));
  EXPECT_EQ(ask_sizes(out), (std::vector<int64_t>{5, 7, 9, 11}));
}

TEST(FixedSpread, CurvesWidenWithVolatilityAndCutLevels) {
  test::Market m;
  m.set_book(9999, 10001);
  FixedSpreadConfig c = ticks_config(2.0);
  c.levels = 4;
  c.level_spacing_ticks = 1.0;
  c.curves.spread_by_volatility = Curve::from({{1.0, 1.0}, {11.0, 3.0}});
  c.curves.levels_by_volatility = Curve::from({{1.0, 1.0}, {11.0, 0.5}});
  FixedSpread fs(c);
  SignalsConfig calm_cfg;
  calm_cfg.initial_volatility_bps = 1.0;
  SignalsConfig wild_cfg;
  wild_cfg.initial_volatility_bps = 11.0;
  Signals calm(calm_cfg), wild(wild_cfg);
  QuoteLadder a, b;
  ASSERT_TRUE(fs.quote(m.ctx(0, 0, 100, &calm), a));
  ASSERT_TRUE(fs.quote(m.ctx(0, 0, 100, &wild), b));
  EXPECT_EQ(test::top_bid(a), 9998);
  EXPECT_EQ(test::top_ask(a), 10002);
  EXPECT_EQ(test::top_bid(b), 9994);  // half-spread x3
  EXPECT_EQ(test::top_ask(b), 10006);
  EXPECT_EQ(a.bid_count, 4u);
  EXPECT_EQ(b.bid_count, 2u);
}

TEST(FixedSpread, AdverseMarkoutsWiden) {
  test::Market m;
  SignalsConfig sc;
  Signals s(sc);
  make_adverse(s, m);
  ASSERT_GT(s.adverse_score_bps(), 4.0);
  FixedSpreadConfig c = ticks_config(2.0);
  c.adverse_widening = 1.0;  // one bp of half-spread per bp of score
  FixedSpread fs(c);
  QuoteLadder plain, widened;
  FixedSpread plain_fs(ticks_config(2.0));
  ASSERT_TRUE(plain_fs.quote(m.ctx(0, 0, 100, &s), plain));
  ASSERT_TRUE(fs.quote(m.ctx(0, 0, 100, &s), widened));
  const double extra = bps_to_ticks(s.adverse_score_bps(), 10000.0);
  EXPECT_EQ(test::top_bid(widened), static_cast<int64_t>(std::floor(10000.0 - 2.0 - extra)));
  EXPECT_EQ(test::top_ask(widened), static_cast<int64_t>(std::ceil(10000.0 + 2.0 + extra)));
  EXPECT_LT(test::top_bid(widened), test::top_bid(plain));
  EXPECT_GT(test::top_ask(widened), test::top_ask(plain));
}

TEST(FixedSpread, PositionCapPullsTheGrowingSide) {
  test::Market m;
  m.set_book(9999, 10001);
  FixedSpread fs(ticks_config(2.0));
  QuoteLadder at_max, at_min;
  ASSERT_TRUE(fs.quote(m.ctx(0, 100, 100), at_max));
  EXPECT_EQ(at_max.bid_count, 0u);
  EXPECT_EQ(at_max.ask_count, 1u);
  ASSERT_TRUE(fs.quote(m.ctx(0, -100, 100), at_min));
  EXPECT_EQ(at_min.bid_count, 1u);
  EXPECT_EQ(at_min.ask_count, 0u);
}

TEST(FixedSpread, ValidateNamesTheKey) {
  FixedSpreadConfig c;
  EXPECT_EQ(c.validate(), "");
  c.half_spread_bps = 0.0;
  EXPECT_EQ(c.validate(), "strategy.half_spread_bps must be > 0 (or set strategy.half_spread_ticks)");
  c.half_spread_ticks = 1.0;
  c.half_spread_bps = 1.0;
  EXPECT_EQ(c.validate(), "strategy.half_spread_ticks and strategy.half_spread_bps are exclusive: set one");
  c = FixedSpreadConfig{};
  c.order_size_lots = 0;
  EXPECT_EQ(c.validate(), "strategy.order_size_lots must be > 0");
  c = FixedSpreadConfig{};
  c.levels = 17;
  EXPECT_EQ(c.validate(), "strategy.levels must be in [1, 16]");
  c = FixedSpreadConfig{};
  c.levels = 2;
  c.level_spacing_ticks = 0.0;
  EXPECT_EQ(c.validate(), "strategy.level_spacing_ticks must be > 0 when strategy.levels > 1");
  c = FixedSpreadConfig{};
  c.curves.spread_by_inventory = Curve::from({{1.0, 1.0}, {0.5, 2.0}});
  EXPECT_EQ(c.validate(), "strategy.curves.spread_by_inventory x values must be strictly increasing");
}

}  // namespace
}  // namespace mm
