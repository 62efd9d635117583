#include "strategy/curve.h"

#include <gtest/gtest.h>

#include <limits>

#include "strategy/layering.h"
#include "tests/strategy/strategy_test_util.h"

namespace mm {
namespace {

using test::ask_prices;
using test::ask_sizes;
using test::bid_prices;
using test::bid_sizes;

TEST(Curve, EmptyIsIdentity) {
  const Curve c;
  EXPECT_EQ(c.eval(-5.0), 1.0);
  EXPECT_EQ(c.eval(1e9), 1.0);
  const DynamicCurves d;
  EXPECT_TRUE(d.empty());
  const Multipliers m = d.eval(CurveInputs{12.0, 300.0, 0.7});
  EXPECT_EQ(m.spread, 1.0);
  EXPECT_EQ(m.size, 1.0);
  EXPECT_EQ(m.levels, 1.0);
}

TEST(Curve, InterpolatesAndIsFlatOutside) {
  const Curve c = Curve::from({{0.0, 1.0}, {10.0, 2.0}, {20.0, 4.0}});
  EXPECT_DOUBLE_EQ(c.eval(-1.0), 1.0);
  EXPECT_DOUBLE_EQ(c.eval(0.0), 1.0);
  EXPECT_DOUBLE_EQ(c.eval(5.0), 1.5);
  EXPECT_DOUBLE_EQ(c.eval(10.0), 2.0);
  EXPECT_DOUBLE_EQ(c.eval(15.0), 3.0);
  EXPECT_DOUBLE_EQ(c.eval(20.0), 4.0);
  EXPECT_DOUBLE_EQ(c.eval(1000.0), 4.0);
  EXPECT_DOUBLE_EQ(c.eval(std::numeric_limits<double>::quiet_NaN()), 1.0);
}

TEST(Curve, MultipliersCombinePerKind) {
  DynamicCurves d;
  d.spread_by_volatility = Curve::from({{0.0, 1.0}, {10.0, 3.0}});
  d.spread_by_inventory = Curve::from({{0.0, 1.0}, {1.0, 2.0}});
  d.size_by_inventory = Curve::from({{0.0, 1.0}, {1.0, 0.5}});
  d.levels_by_depth = Curve::from({{0.0, 0.5}, {100.0, 1.0}});
  EXPECT_FALSE(d.empty());
  const Multipliers m = d.eval(CurveInputs{5.0, 50.0, 0.5});
  EXPECT_DOUBLE_EQ(m.spread, 2.0 * 1.5);
  EXPECT_DOUBLE_EQ(m.size, 0.75);
  EXPECT_DOUBLE_EQ(m.levels, 0.75);
}

TEST(Curve, ValidateNamesTheKey) {
  DynamicCurves d;
  EXPECT_EQ(d.validate("strategy.curves"), "");
  d.size_by_depth = Curve::from({{1.0, 1.0}, {1.0, 2.0}});
  EXPECT_EQ(d.validate("strategy.curves"),
            "strategy.curves.size_by_depth x values must be strictly increasing");
  d.size_by_depth = Curve::from({{1.0, -1.0}});
  EXPECT_EQ(d.validate("strategy.curves"), "strategy.curves.size_by_depth multipliers (y) must be >= 0");
  d.size_by_depth = Curve::from({{std::numeric_limits<double>::infinity(), 1.0}});
  EXPECT_EQ(d.validate("strategy.curves"), "strategy.curves.size_by_depth points must be finite");
  d.size_by_depth = Curve{};
  d.size_by_depth.count = 9;
  EXPECT_EQ(d.validate("strategy.curves"), "strategy.curves.size_by_depth must have at most 8 points");
}

TEST(Curve, ScaledLevelsRoundsAndClamps) {
  EXPECT_EQ(scaled_levels(4, 1.0, 16), 4u);
  EXPECT_EQ(scaled_levels(4, 0.5, 16), 2u);
  EXPECT_EQ(scaled_levels(3, 0.5, 16), 2u);  // 1.5 rounds half up
  EXPECT_EQ(scaled_levels(4, 0.1, 16), 0u);
  EXPECT_EQ(scaled_levels(4, 10.0, 16), 16u);
  EXPECT_EQ(scaled_levels(4, std::numeric_limits<double>::quiet_NaN(), 16), 0u);
}

TEST(Layering, LevelsSpacingSizesAndRoundingDirection) {
  LadderSpec s;
  s.bid_ticks = 995.5;
  s.ask_ticks = 1005.5;
  s.bid_levels = 3;
  s.ask_levels = 3;
  s.spacing_ticks = 2.5;
  s.size_lots = 10.0;
  s.size_step_lots = 5.0;
  s.bid_size_mult = 1.0;
  s.ask_size_mult = 0.5;
  QuoteLadder out;
  build_ladder(s, Price{999}, Price{1001}, TouchPolicy::kNoCross, out);
  EXPECT_EQ(bid_prices(out), (std::vector<int64_t>{995, 993, 990}));     // 995.5, 993, 990.5 down
  EXPECT_EQ(ask_prices(out), (std::vector<int64_t>{1006, 1008, 1011}));  // 1005.5, 1008, 1010.5 up
  EXPECT_EQ(bid_sizes(out), (std::vector<int64_t>{10, 15, 20}));
  EXPECT_EQ(ask_sizes(out), (std::vector<int64_t>{5, 7, 10}));  // 5, 7.5, 10 down
}

TEST(Layering, TouchPolicies) {
  LadderSpec s;
  s.bid_ticks = 1003.0;  // would cross the ask at 1001
  s.ask_ticks = 997.0;   // would cross the bid at 999
  s.bid_levels = 3;
  s.ask_levels = 3;
  s.spacing_ticks = 1.0;
  s.size_lots = 1.0;
  QuoteLadder nc;
  build_ladder(s, Price{999}, Price{1001}, TouchPolicy::kNoCross, nc);
  EXPECT_EQ(bid_prices(nc), (std::vector<int64_t>{1000, 999, 998}));  // clamped, then strictly decreasing
  EXPECT_EQ(ask_prices(nc), (std::vector<int64_t>{1000, 1001, 1002}));
  QuoteLadder ni;
  build_ladder(s, Price{999}, Price{1001}, TouchPolicy::kNoImprove, ni);
  EXPECT_EQ(bid_prices(ni), (std::vector<int64_t>{999, 998, 997}));
  EXPECT_EQ(ask_prices(ni), (std::vector<int64_t>{1001, 1002, 1003}));
  QuoteLadder dc;
  build_ladder(s, Price{999}, Price{1001}, TouchPolicy::kDropCrossing, dc);
  EXPECT_EQ(bid_prices(dc), (std::vector<int64_t>{}));  // 1003, 1002, 1001 all >= best ask
  EXPECT_EQ(ask_prices(dc), (std::vector<int64_t>{}));
  s.bid_levels = s.ask_levels = 5;
  QuoteLadder dc5;
  build_ladder(s, Price{999}, Price{1001}, TouchPolicy::kDropCrossing, dc5);
  EXPECT_EQ(bid_prices(dc5), (std::vector<int64_t>{1000, 999}));
  EXPECT_EQ(ask_prices(dc5), (std::vector<int64_t>{1000, 1001}));
}

TEST(Layering, SubTickSpacingStaysStrictlyMonotone) {
  LadderSpec s;
  s.bid_ticks = 990.0;
  s.ask_ticks = 1010.0;
  s.bid_levels = 4;
  s.ask_levels = 4;
  s.spacing_ticks = 0.3;
  s.size_lots = 1.0;
  QuoteLadder out;
  build_ladder(s, Price{999}, Price{1001}, TouchPolicy::kNoCross, out);
  EXPECT_EQ(bid_prices(out), (std::vector<int64_t>{990, 989, 988, 987}));
  EXPECT_EQ(ask_prices(out), (std::vector<int64_t>{1010, 1011, 1012, 1013}));
}

TEST(Layering, ZeroSizesAreSkippedAndPricesBelowOneEndTheSide) {
  LadderSpec s;
  s.bid_ticks = 2.0;
  s.ask_ticks = 10.0;
  s.bid_levels = 4;
  s.ask_levels = 4;
  s.spacing_ticks = 1.0;
  s.size_lots = 3.0;
  s.size_step_lots = -1.0;  // 3, 2, 1, 0
  QuoteLadder out;
  build_ladder(s, Price{5}, Price{8}, TouchPolicy::kNoCross, out);
  EXPECT_EQ(bid_prices(out), (std::vector<int64_t>{2, 1}));  // 0 and -1 are not prices
  EXPECT_EQ(ask_prices(out), (std::vector<int64_t>{10, 11, 12}));
  EXPECT_EQ(ask_sizes(out), (std::vector<int64_t>{3, 2, 1}));
}

TEST(Layering, ParsesPolicyAndReferenceNames) {
  TouchPolicy p = TouchPolicy::kNoCross;
  EXPECT_TRUE(parse_touch_policy("no_improve", p));
  EXPECT_EQ(p, TouchPolicy::kNoImprove);
  EXPECT_TRUE(parse_touch_policy("drop_crossing", p));
  EXPECT_EQ(to_string(p), "drop_crossing");
  EXPECT_FALSE(parse_touch_policy("cross", p));
  Reference r = Reference::kMid;
  EXPECT_TRUE(parse_reference("microprice", r));
  EXPECT_EQ(r, Reference::kMicroprice);
  EXPECT_FALSE(parse_reference("last", r));
}

TEST(Layering, MicropriceLeansTowardTheThinSide) {
  test::Market m;
  m.set_book(1000, 1002, /*bid_qty=*/30, /*ask_qty=*/10);
  const StrategyContext ctx = m.ctx(0);
  EXPECT_DOUBLE_EQ(reference_ticks(ctx, Reference::kMid), 1001.0);
  // (1000 * 10 + 1002 * 30) / 40: more bids than asks pushes the fair price up.
  EXPECT_DOUBLE_EQ(reference_ticks(ctx, Reference::kMicroprice), 1001.5);
}

}  // namespace
}  // namespace mm
