#include "core/instrument.h"

#include <gtest/gtest.h>

#include <string>

#include "core/instrument_registry.h"

namespace mm {
namespace {

Instrument btc_linear() {
  Instrument in;
  InstrumentSpec s{Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500.000", "5"};
  EXPECT_EQ(make_instrument(s, in), InstrumentError::kOk);
  return in;
}

std::string px(const Instrument& in, Price p) {
  char b[32];
  return std::string(b, format_price(in, p, b));
}
std::string qx(const Instrument& in, Qty q) {
  char b[32];
  return std::string(b, format_qty(in, q, b));
}

TEST(Instrument, BuildsGridFromSpec) {
  const Instrument in = btc_linear();
  EXPECT_EQ(in.name(), "BTCUSDT");
  EXPECT_EQ(in.price_scale, 2);
  EXPECT_EQ(in.tick_units, 10);
  EXPECT_EQ(in.qty_scale, 3);
  EXPECT_EQ(in.lot_units, 1);
  EXPECT_EQ(in.min_qty.lots, 1);
  EXPECT_EQ(in.max_qty.lots, 1500000);
  EXPECT_EQ(in.min_notional.units, 5 * kMoneyOne);
}

TEST(Instrument, PriceConversionIsExact) {
  const Instrument in = btc_linear();
  Price p;
  ASSERT_EQ(to_price(in, "65114.20", p), DecimalError::kOk);
  EXPECT_EQ(p.ticks, 651142);
  EXPECT_EQ(px(in, p), "65114.20");
  ASSERT_EQ(to_price(in, "65114.2", p), DecimalError::kOk);
  EXPECT_EQ(p.ticks, 651142);
  Price untouched{99};
  EXPECT_EQ(to_price(in, "65114.205", untouched), DecimalError::kTooManyDecimals);
  EXPECT_EQ(to_price(in, "65114.21", untouched), DecimalError::kOffGrid);
  EXPECT_EQ(to_price(in, "-1.00", untouched), DecimalError::kNegative);
  EXPECT_EQ(to_price(in, "-x", untouched), DecimalError::kMalformed);
  EXPECT_EQ(to_price(in, "", untouched), DecimalError::kEmpty);
  EXPECT_EQ(to_price(in, "99999999999999999999", untouched), DecimalError::kOverflow);
  EXPECT_EQ(untouched.ticks, 99);
}

TEST(Instrument, QtyAndStepAboveOne) {
  Instrument in;
  InstrumentSpec s{Category::kLinear, "1000000BABYDOGEUSDT", "Trading", "7", "0.0000001", "100", "100", "220000000", "5"};
  ASSERT_EQ(make_instrument(s, in), InstrumentError::kOk);
  Qty q;
  ASSERT_EQ(to_qty(in, "2500", q), DecimalError::kOk);
  EXPECT_EQ(q.lots, 25);
  EXPECT_EQ(qx(in, q), "2500");
  EXPECT_EQ(to_qty(in, "250", q), DecimalError::kOffGrid);
}

TEST(Instrument, SpotTrimsLikeBybit) {
  Instrument in;
  InstrumentSpec s{Category::kSpot, "BTCUSDT", "Trading", "", "0.1", "0.000001", "0.000001", "230", "5"};
  ASSERT_EQ(make_instrument(s, in), InstrumentError::kOk);
  Price p;
  ASSERT_EQ(to_price(in, "65140", p), DecimalError::kOk);
  EXPECT_EQ(px(in, p), "65140");
  ASSERT_EQ(to_price(in, "65140.4", p), DecimalError::kOk);
  EXPECT_EQ(px(in, p), "65140.4");
  Qty q;
  ASSERT_EQ(to_qty(in, "0.885797", q), DecimalError::kOk);
  EXPECT_EQ(qx(in, q), "0.885797");
}

TEST(Instrument, RejectsBadSpecs) {
  Instrument in;
  EXPECT_EQ(make_instrument({Category::kLinear, "", "", "", "0.1", "1", "", "", ""}, in), InstrumentError::kBadSymbol);
  EXPECT_EQ(make_instrument({Category::kLinear, "BTC USDT", "", "", "0.1", "1", "", "", ""}, in),
            InstrumentError::kBadSymbol);
  EXPECT_EQ(make_instrument({Category::kLinear, "X", "", "", "0", "1", "", "", ""}, in), InstrumentError::kBadTickSize);
  EXPECT_EQ(make_instrument({Category::kLinear, "X", "", "", "-0.1", "1", "", "", ""}, in),
            InstrumentError::kBadTickSize);
  EXPECT_EQ(make_instrument({Category::kLinear, "X", "", "", "0.1", "", "", "", ""}, in), InstrumentError::kBadQtyStep);
  EXPECT_EQ(make_instrument({Category::kLinear, "X", "", "", "0.1", "0.01", "0.005", "", ""}, in),
            InstrumentError::kBadLimit);
}

TEST(Instrument, NotionalIsExact) {
  const Instrument in = btc_linear();
  Money m;
  ASSERT_TRUE(notional(in, Price{651142}, Qty{1500}, m));  // 65114.20 * 1.500
  EXPECT_EQ(m.units, 9767130 * kMoneyOne / 100);
  ASSERT_FALSE(notional(in, Price{INT64_MAX / 10}, Qty{INT64_MAX}, m));
  ASSERT_FALSE(notional(in, Price{INT64_MAX / 100}, Qty{1000}, m)) << "fits 128 bits, not Money";
  ASSERT_TRUE(notional(in, Price{-651142}, Qty{1500}, m));
  EXPECT_EQ(m.units, -9767130 * kMoneyOne / 100);
}

TEST(Instrument, NotionalTruncatesBeyondMoneyScale) {
  // Price scale 7 + qty scale 6 = 13 > 8: the product is exact at 1e-13 and truncated toward zero to 1e-8.
  Instrument in;
  ASSERT_EQ(make_instrument({Category::kSpot, "TINYUSDT", "Trading", "", "0.0000001", "0.000001", "", "", ""}, in),
            InstrumentError::kOk);
  Money m;
  ASSERT_TRUE(notional(in, Price{123}, Qty{4567}, m));  // 0.0000123 * 0.004567 = 5.61741e-8
  EXPECT_EQ(m.units, 5);
  ASSERT_TRUE(notional(in, Price{-123}, Qty{4567}, m));
  EXPECT_EQ(m.units, -5);
}

TEST(InstrumentRegistry, AddFindReplace) {
  InstrumentRegistry reg;
  const Instrument in = btc_linear();
  const InstrumentId id = reg.add(in);
  EXPECT_EQ(reg.find(Category::kLinear, "BTCUSDT"), id);
  EXPECT_EQ(reg.find(Category::kSpot, "BTCUSDT"), kNoInstrument);
  EXPECT_EQ(reg.find(Category::kLinear, "ETHUSDT"), kNoInstrument);
  EXPECT_EQ(reg.add(in), id);
  EXPECT_EQ(reg.size(), 1u);
}

}  // namespace
}  // namespace mm
