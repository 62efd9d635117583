#include "core/position.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>

#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

Instrument make(Category c, std::string_view tick, std::string_view step, std::string_view price_scale = "") {
  InstrumentSpec spec;
  spec.category = c;
  spec.symbol = "TESTUSDT";
  spec.status = "Trading";
  spec.price_scale = price_scale;
  spec.tick_size = tick;
  spec.qty_step = step;
  Instrument in;
  EXPECT_EQ(make_instrument(spec, in), InstrumentError::kOk);
  return in;
}

// BTCUSDT's grid: tick 0.10 (priceScale 2), lot 0.001. One tick-lot = 1e-4 USDT = 10'000 Money units.
Instrument btc() {
  return make(Category::kLinear, "0.10", "0.001", "2");
}
// A unit grid (tick 1, lot 1): one tick-lot = 1 coin, so hand-computed PnL reads directly.
Instrument unit() {
  return make(Category::kLinear, "1", "1");
}

constexpr Money kZeroFee{0};

void fill(Position& p, Side s, int64_t ticks, int64_t lots, Money fee = kZeroFee) {
  ASSERT_EQ(p.on_fill(s, Price{ticks}, Qty{lots}, fee), PositionError::kOk);
}

int64_t realized_units(const Position& p) {
  Money m;
  EXPECT_EQ(p.realized(m), PositionError::kOk);
  return m.units;
}

TEST(Position, OpenAddReduceFlipCloseWithHandComputedPnl) {
  Position p(btc());
  EXPECT_EQ(p.ref_scale(), 8);
  EXPECT_TRUE(p.flat());

  fill(p, Side::kBuy, 650000, 10);  // buy 0.010 @ 65000.0
  EXPECT_EQ(p.lots(), 10);
  EXPECT_EQ(p.avg_entry().ticks, 650000);
  int64_t ref = 0;
  ASSERT_EQ(p.avg_entry_ref(ref), PositionError::kOk);
  EXPECT_EQ(ref, 6'500'000'000'000);  // 65000.00000000

  fill(p, Side::kBuy, 650030, 20);  // add 0.020 @ 65003.0 -> average 65002.0 exactly
  EXPECT_EQ(p.lots(), 30);
  EXPECT_EQ(p.cost_basis(), 19'500'600);
  EXPECT_EQ(p.avg_entry().ticks, 650020);

  fill(p, Side::kSell, 650100, 5);  // reduce 0.005 @ 65010.0: 0.005 * (65010 - 65002) = 0.04 USDT
  EXPECT_EQ(p.lots(), 25);
  EXPECT_EQ(p.realized_tick_lots(), 400);
  EXPECT_EQ(realized_units(p), 4'000'000);
  EXPECT_EQ(p.avg_entry().ticks, 650020) << "reducing keeps the average";

  fill(p, Side::kBuy, 650001, 1);  // add 0.001 @ 65000.1: average 16'900'501 / 26 ticks, not on the grid
  EXPECT_EQ(p.cost_basis(), 16'900'501);
  EXPECT_EQ(p.avg_entry().ticks, 650020) << "650019.27 rounded up: the worse side of a long";
  ASSERT_EQ(p.avg_entry_ref(ref), PositionError::kOk);
  EXPECT_EQ(ref, 6'500'192'692'307);  // 65001.92692307(69...) truncated

  fill(p, Side::kSell, 650200, 13);  // reduce half: removes ceil(8'450'250.5) of the basis
  EXPECT_EQ(p.lots(), 13);
  EXPECT_EQ(p.cost_basis(), 8'450'250);
  EXPECT_EQ(p.realized_tick_lots(), 400 + 2'349);

  fill(p, Side::kSell, 650300, 20);  // flip: close 13 (+3'650), open short 7 @ 65030.0
  EXPECT_EQ(p.lots(), -7);
  EXPECT_EQ(p.cost_basis(), 4'552'100);
  EXPECT_EQ(p.avg_entry().ticks, 650300);
  // Once the long is closed, realized equals sum(sell value) - sum(buy value) exactly:
  // buys 20'150'601, sells of the 31 closed lots 20'157'000.
  EXPECT_EQ(p.realized_tick_lots(), 6'399);
  EXPECT_EQ(realized_units(p), 63'990'000);  // 0.6399 USDT

  Money m;
  ASSERT_EQ(p.unrealized(Price{650250}, m), PositionError::kOk);  // short 0.007 at 65030 marked 65025
  EXPECT_EQ(m.units, 3'500'000);                                  // 0.035 USDT
  ASSERT_EQ(p.unrealized_ref(6'502'500'000'000, m), PositionError::kOk);
  EXPECT_EQ(m.units, 3'500'000);
  ASSERT_EQ(p.unrealized_ref(6'502'512'345'678, m), PositionError::kOk);  // mark off the tick grid
  EXPECT_EQ(m.units, 3'413'580);  // 0.007 * (65030 - 65025.12345678) = 0.03413580(25) truncated

  fill(p, Side::kBuy, 650400, 7);  // close the short at a loss: 0.007 * -1.0 = -0.007
  EXPECT_TRUE(p.flat());
  EXPECT_EQ(p.cost_basis(), 0);
  EXPECT_EQ(p.avg_entry().ticks, 0);
  ASSERT_EQ(p.avg_entry_ref(ref), PositionError::kOk);
  EXPECT_EQ(ref, 0);
  EXPECT_EQ(p.realized_tick_lots(), 5'699);
  ASSERT_EQ(p.unrealized(Price{0}, m), PositionError::kOk) << "flat: any mark";
  EXPECT_EQ(m.units, 0);
}

TEST(Position, PartialReduceRoundsTowardTheWorseSideAndGivesItBackLater) {
  {
    Position p(unit());
    fill(p, Side::kBuy, 100, 3);
    fill(p, Side::kBuy, 101, 1);  // basis 401 for 4: average 100.25
    EXPECT_EQ(p.avg_entry().ticks, 101);
    fill(p, Side::kSell, 102, 1);  // exact 1.75, booked 1
    EXPECT_EQ(p.realized_tick_lots(), 1);
    EXPECT_EQ(p.cost_basis(), 300);
    fill(p, Side::kSell, 102, 3);  // exact 5.25 over the two fills
    EXPECT_EQ(p.realized_tick_lots(), 408 - 401);
  }
  {
    Position p(unit());
    fill(p, Side::kSell, 100, 3);
    fill(p, Side::kSell, 101, 1);  // short basis 401 for 4
    EXPECT_EQ(p.lots(), -4);
    EXPECT_EQ(p.avg_entry().ticks, 100) << "100.25 rounded down: the worse side of a short";
    fill(p, Side::kBuy, 99, 1);  // exact 1.25, booked 1
    EXPECT_EQ(p.realized_tick_lots(), 1);
    fill(p, Side::kBuy, 99, 3);
    EXPECT_EQ(p.realized_tick_lots(), 401 - 396);
  }
}

TEST(Position, FeesWithRebateSign) {
  Position p(btc());
  fill(p, Side::kBuy, 650000, 10, Money{13'000'000});   // taker-ish fee paid: 0.13
  fill(p, Side::kSell, 650100, 10, Money{-3'250'500});  // maker rebate earned
  EXPECT_EQ(p.fees().units, 13'000'000 - 3'250'500);

  Money fee;
  // 0.010 BTC @ 65000 = 650 USDT at 0.02% = 0.13 USDT.
  ASSERT_EQ(p.fee_at_rate(Price{650000}, Qty{10}, 2'000'000, fee), PositionError::kOk);
  EXPECT_EQ(fee.units, 13'000'000);
  // A rebate of -0.005%: negative.
  ASSERT_EQ(p.fee_at_rate(Price{650000}, Qty{10}, -500'000, fee), PositionError::kOk);
  EXPECT_EQ(fee.units, -3'250'000);
  // 65.0001 USDT at 0.055% = 0.0357500550: a fee rounds up, a rebate rounds toward zero.
  ASSERT_EQ(p.fee_at_rate(Price{650001}, Qty{1}, 5'500'000, fee), PositionError::kOk);
  EXPECT_EQ(fee.units, 3'575'006);
  ASSERT_EQ(p.fee_at_rate(Price{650001}, Qty{1}, -500'000, fee), PositionError::kOk);
  EXPECT_EQ(fee.units, -325'000);
  EXPECT_EQ(p.fee_at_rate(Price{650001}, Qty{0}, 1, fee), PositionError::kBadQty);
  EXPECT_EQ(p.fee_at_rate(Price{0}, Qty{1}, 1, fee), PositionError::kBadPrice);

  Position q(btc());
  Money charged;
  ASSERT_EQ(q.on_fill_at_rate(Side::kSell, Price{650000}, Qty{10}, -500'000, &charged), PositionError::kOk);
  EXPECT_EQ(charged.units, -3'250'000);
  EXPECT_EQ(q.fees().units, -3'250'000);
  EXPECT_EQ(q.lots(), -10);
}

TEST(Position, EquityChangeIsRealizedPlusUnrealizedMinusFeesPlusFunding) {
  Position p(btc());
  fill(p, Side::kBuy, 650000, 10, Money{13'000'000});
  fill(p, Side::kSell, 650100, 4, Money{-1'300'400});  // realized 4 * 100 = 400 tick-lots = 0.04
  ASSERT_EQ(p.apply_funding(Money{-2'000'000}), PositionError::kOk);  // paid 0.02
  ASSERT_EQ(p.apply_funding(Money{500'000}), PositionError::kOk);     // received 0.005
  EXPECT_EQ(p.funding().units, -1'500'000);

  // Long 6 at 65000 marked at 65050: unrealized 6 * 500 = 3'000 tick-lots = 0.3.
  Money m;
  ASSERT_EQ(p.equity_change(Price{650500}, m), PositionError::kOk);
  const int64_t want = 4'000'000 + 30'000'000 - (13'000'000 - 1'300'400) + -1'500'000;
  EXPECT_EQ(m.units, want);
  ASSERT_EQ(p.equity_change_ref(6'505'000'000'000, m), PositionError::kOk);
  EXPECT_EQ(m.units, want);
  EXPECT_EQ(p.equity_change(Price{0}, m), PositionError::kBadPrice);
  EXPECT_EQ(p.equity_change_ref(-1, m), PositionError::kBadPrice);
}

TEST(Position, MoneyConversionTruncatesOnAFineGrid) {
  // Tick 0.000001 and lot 0.0001: one tick-lot is 1e-10 coin, a hundredth of a Money unit.
  Position p(make(Category::kLinear, "0.000001", "0.0001"));
  fill(p, Side::kBuy, 100, 1);
  fill(p, Side::kSell, 250, 1);
  EXPECT_EQ(p.realized_tick_lots(), 150);
  EXPECT_EQ(realized_units(p), 1);
  fill(p, Side::kSell, 250, 1);
  fill(p, Side::kBuy, 550, 1);
  EXPECT_EQ(p.realized_tick_lots(), -150);
  EXPECT_EQ(realized_units(p), -1) << "toward zero";
}

TEST(Position, ErrorsLeaveThePositionUnchanged) {
  Position p(unit());
  EXPECT_EQ(p.on_fill(Side::kBuy, Price{100}, Qty{0}, kZeroFee), PositionError::kBadQty);
  EXPECT_EQ(p.on_fill(Side::kBuy, Price{100}, Qty{-1}, kZeroFee), PositionError::kBadQty);
  EXPECT_EQ(p.on_fill(Side::kBuy, Price{0}, Qty{1}, kZeroFee), PositionError::kBadPrice);
  fill(p, Side::kBuy, 100, INT64_MAX - 1);
  EXPECT_EQ(p.on_fill(Side::kBuy, Price{100}, Qty{2}, Money{5}), PositionError::kOverflow);
  EXPECT_EQ(p.lots(), INT64_MAX - 1);
  EXPECT_EQ(p.fees().units, 0);
  fill(p, Side::kBuy, 100, 1);
  EXPECT_EQ(p.lots(), INT64_MAX);

  Position q(unit());
  fill(q, Side::kBuy, 1, 1, Money{INT64_MAX});
  EXPECT_EQ(q.on_fill(Side::kBuy, Price{1}, Qty{1}, Money{1}), PositionError::kOverflow);
  EXPECT_EQ(q.lots(), 1);
  ASSERT_EQ(q.apply_funding(Money{INT64_MAX}), PositionError::kOk);
  EXPECT_EQ(q.apply_funding(Money{1}), PositionError::kOverflow);
  EXPECT_EQ(q.funding().units, INT64_MAX);

  Position r(unit());
  fill(r, Side::kBuy, INT64_MAX, INT64_MAX / 2);  // basis ~2^125 tick-lots: far beyond Money
  Money m;
  EXPECT_EQ(r.unrealized(Price{1}, m), PositionError::kOverflow);
}

TEST(Position, InverseContractsAreRefused) {
  EXPECT_THROW(Position(make(Category::kInverse, "0.5", "1")), std::invalid_argument);
  EXPECT_NO_THROW(Position(make(Category::kSpot, "0.01", "0.000001")));
}

TEST(Position, RestoreFromTheExchangeView) {
  Position p(btc());
  fill(p, Side::kBuy, 650000, 1);
  fill(p, Side::kSell, 650100, 1);                                   // realized 100 tick-lots
  ASSERT_EQ(p.restore(-10, 6'500'192'692'307), PositionError::kOk);  // short 0.010 @ 65001.92692307
  EXPECT_EQ(p.lots(), -10);
  EXPECT_EQ(p.cost_basis(), 6'500'193);  // 6'500'192.69 rounded to nearest
  EXPECT_EQ(p.avg_entry().ticks, 650019);
  EXPECT_EQ(p.realized_tick_lots(), 100) << "realized PnL is kept";
  EXPECT_EQ(p.restore(5, 0), PositionError::kBadPrice);
  EXPECT_EQ(p.restore(INT64_MIN, 1), PositionError::kOverflow);
  ASSERT_EQ(p.restore(0, 0), PositionError::kOk);
  EXPECT_TRUE(p.flat());
  EXPECT_EQ(p.cost_basis(), 0);
}

TEST(Position, FillsDoNotAllocate) {
  Position p(btc());
  test::AllocScope scope;
  Money m;
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_EQ(p.on_fill_at_rate(i % 3 == 0 ? Side::kSell : Side::kBuy, Price{650000 + i % 17}, Qty{1 + i % 5},
                                -500'000),
              PositionError::kOk);
    ASSERT_EQ(p.equity_change(Price{650010}, m), PositionError::kOk);
  }
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace
}  // namespace mm
