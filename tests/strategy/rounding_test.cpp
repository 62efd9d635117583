#include "strategy/rounding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/strategy/strategy_test_util.h"

namespace mm {
namespace {

TEST(Rounding, BidsRoundDownAsksRoundUp) {
  Price p;
  ASSERT_TRUE(bid_from_ticks(100.7, p));
  EXPECT_EQ(p.ticks, 100);
  ASSERT_TRUE(ask_from_ticks(100.2, p));
  EXPECT_EQ(p.ticks, 101);
  ASSERT_TRUE(price_from_ticks(Side::kBuy, 100.2, p));
  EXPECT_EQ(p.ticks, 100);
  ASSERT_TRUE(price_from_ticks(Side::kSell, 100.7, p));
  EXPECT_EQ(p.ticks, 101);
  // On the grid: unchanged on both sides.
  ASSERT_TRUE(bid_from_ticks(100.0, p));
  EXPECT_EQ(p.ticks, 100);
  ASSERT_TRUE(ask_from_ticks(100.0, p));
  EXPECT_EQ(p.ticks, 100);
}

TEST(Rounding, FloatingPointNoiseDoesNotMoveATick) {
  Price p;
  ASSERT_TRUE(bid_from_ticks(std::nextafter(650001.0, 0.0), p));
  EXPECT_EQ(p.ticks, 650001);
  ASSERT_TRUE(ask_from_ticks(std::nextafter(650001.0, 1e9), p));
  EXPECT_EQ(p.ticks, 650001);
  // A real fraction of a tick still rounds.
  ASSERT_TRUE(bid_from_ticks(650000.999, p));
  EXPECT_EQ(p.ticks, 650000);
  ASSERT_TRUE(ask_from_ticks(650001.001, p));
  EXPECT_EQ(p.ticks, 650002);
}

TEST(Rounding, RejectsNonFiniteAndOutOfRange) {
  Price p{42};
  EXPECT_FALSE(bid_from_ticks(std::numeric_limits<double>::quiet_NaN(), p));
  EXPECT_FALSE(ask_from_ticks(std::numeric_limits<double>::infinity(), p));
  EXPECT_FALSE(bid_from_ticks(-std::numeric_limits<double>::infinity(), p));
  EXPECT_FALSE(bid_from_ticks(0.5, p));  // rounds to 0: not a price
  EXPECT_FALSE(ask_from_ticks(-3.0, p));
  EXPECT_FALSE(bid_from_ticks(static_cast<double>(kMaxBookPriceTicks) * 4.0, p));
  EXPECT_FALSE(ask_from_ticks(1e300, p));
  EXPECT_EQ(p.ticks, 42);               // untouched on error
  ASSERT_TRUE(ask_from_ticks(0.5, p));  // an ask of half a tick rounds up to the first tick
  EXPECT_EQ(p.ticks, 1);
}

TEST(Rounding, DecimalPricesUseTheInstrumentGrid) {
  const Instrument in = test::btc_instrument();  // tick 0.10
  EXPECT_DOUBLE_EQ(tick_size(in), 0.1);
  EXPECT_DOUBLE_EQ(lot_size(in), 0.001);
  Price p;
  // 65000.1 / 0.1 is 650000.99999... in binary: must still be tick 650001.
  ASSERT_TRUE(bid_from_decimal(in, 65000.1, p));
  EXPECT_EQ(p.ticks, 650001);
  ASSERT_TRUE(ask_from_decimal(in, 65000.1, p));
  EXPECT_EQ(p.ticks, 650001);
  ASSERT_TRUE(bid_from_decimal(in, 65000.15, p));
  EXPECT_EQ(p.ticks, 650001);
  ASSERT_TRUE(ask_from_decimal(in, 65000.15, p));
  EXPECT_EQ(p.ticks, 650002);
  EXPECT_FALSE(bid_from_decimal(in, std::numeric_limits<double>::quiet_NaN(), p));
}

TEST(Rounding, SizesRoundDown) {
  Qty q;
  ASSERT_TRUE(qty_from_lots(2.7, q));
  EXPECT_EQ(q.lots, 2);
  ASSERT_TRUE(qty_from_lots(std::nextafter(3.0, 0.0), q));
  EXPECT_EQ(q.lots, 3);
  q = Qty{9};
  EXPECT_FALSE(qty_from_lots(0.99, q));  // zero lots is not an order
  EXPECT_FALSE(qty_from_lots(-2.0, q));
  EXPECT_FALSE(qty_from_lots(std::numeric_limits<double>::quiet_NaN(), q));
  EXPECT_FALSE(qty_from_lots(1e300, q));
  EXPECT_EQ(q.lots, 9);
}

TEST(Rounding, BpsTicksConversions) {
  EXPECT_DOUBLE_EQ(bps_to_ticks(10.0, 650000.0), 650.0);
  EXPECT_DOUBLE_EQ(ticks_to_bps(650.0, 650000.0), 10.0);
  EXPECT_DOUBLE_EQ(ticks_to_bps(bps_to_ticks(3.7, 12345.5), 12345.5), 3.7);
  EXPECT_DOUBLE_EQ(mid_ticks(Price{100}, Price{101}), 100.5);
}

}  // namespace
}  // namespace mm
