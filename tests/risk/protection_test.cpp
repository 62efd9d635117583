#include "risk/protection.h"

#include <gtest/gtest.h>

#include "tests/risk/risk_test_util.h"

namespace mm {
namespace {

using test::kMid;
using test::kMs;

ProtectionConfig ticks_cfg(int64_t tp, int64_t sl, int64_t trail) {
  ProtectionConfig c;
  c.enabled = true;
  c.unit = DistanceUnit::kTicks;
  c.take_profit = tp;
  c.stop_loss = sl;
  c.trailing_stop = trail;
  c.close_offset = 3;
  return c;
}

ProtectionConfig bps_cfg(int64_t tp, int64_t sl, int64_t trail) {
  ProtectionConfig c = ticks_cfg(tp, sl, trail);
  c.unit = DistanceUnit::kBps;
  return c;
}

RiskContext position(int64_t lots, int64_t entry, int64_t price, int64_t now_ns = 0) {
  RiskContext x = test::calm(now_ns);
  x.position_lots = lots;
  x.avg_entry = Price{entry};
  x.mid = Price{price};
  x.best_bid = Price{price - 1};
  x.best_ask = Price{price + 1};
  return x;
}

TEST(ProtectionLevels, TicksLongAndShort) {
  const ProtectionConfig c = ticks_cfg(100, 50, 0);
  ProtectionLevels l = protection_levels(c, 10, Price{kMid}, Price{kMid});
  EXPECT_EQ(l.take_profit.ticks, kMid + 100);
  EXPECT_EQ(l.stop_loss.ticks, kMid - 50);
  EXPECT_EQ(l.trailing_stop.ticks, 0);  // disabled
  l = protection_levels(c, -10, Price{kMid}, Price{kMid});
  EXPECT_EQ(l.take_profit.ticks, kMid - 100);
  EXPECT_EQ(l.stop_loss.ticks, kMid + 50);
  l = protection_levels(c, 0, Price{kMid}, Price{kMid});
  EXPECT_EQ(l.take_profit.ticks, 0);
  EXPECT_EQ(l.stop_loss.ticks, 0);
}

TEST(ProtectionLevels, BpsRoundTakeProfitAwayAndStopsTowardTheReference) {
  // Entry 65000.50 = 650005 ticks; 10 bps of it is 650.005 ticks.
  const ProtectionConfig c = bps_cfg(10, 10, 10);
  ProtectionLevels l = protection_levels(c, 1, Price{650'005}, Price{650'105});
  EXPECT_EQ(l.take_profit.ticks, 650'005 + 651);    // at least 10 bps of profit
  EXPECT_EQ(l.stop_loss.ticks, 650'005 - 650);      // at most 10 bps of loss
  EXPECT_EQ(l.trailing_stop.ticks, 650'105 - 650);  // 10 bps of 650105 = 650.105
  l = protection_levels(c, -1, Price{650'005}, Price{649'905});
  EXPECT_EQ(l.take_profit.ticks, 650'005 - 651);
  EXPECT_EQ(l.stop_loss.ticks, 650'005 + 650);
  EXPECT_EQ(l.trailing_stop.ticks, 649'905 + 649);  // 10 bps of 649905 = 649.905
  // A distance below one tick still keeps the stop one tick away from the entry.
  l = protection_levels(bps_cfg(1, 1, 0), 1, Price{100}, Price{100});
  EXPECT_EQ(l.take_profit.ticks, 101);
  EXPECT_EQ(l.stop_loss.ticks, 99);
  // A short's take-profit at or below zero cannot trigger: disabled.
  l = protection_levels(bps_cfg(10'000, 0, 0), -1, Price{100}, Price{100});
  EXPECT_EQ(l.take_profit.ticks, 0);
}

TEST(Protection, LongTakeProfitClosesWithAnAggressiveSell) {
  Protection p(ticks_cfg(100, 50, 0), test::kBtcId, 0);
  OrderCreate close;
  EXPECT_EQ(p.on_tick(position(7, kMid, kMid + 99), close), ProtectionTrigger::kNone);
  ASSERT_EQ(p.on_tick(position(7, kMid, kMid + 100), close), ProtectionTrigger::kTakeProfit);
  EXPECT_EQ(close.instrument, test::kBtcId);
  EXPECT_EQ(close.side, Side::kSell);
  EXPECT_EQ(close.qty.lots, 7);
  EXPECT_TRUE(close.reduce_only);
  EXPECT_EQ(close.type, OrderType::kLimit);
  EXPECT_EQ(close.tif, TimeInForce::kIoc);
  EXPECT_EQ(close.price.ticks, kMid + 100 - 1 - 3);  // bid - offset: at or below the bid
  EXPECT_TRUE(close.link_id.empty());
  EXPECT_EQ(p.triggers(ProtectionTrigger::kTakeProfit), 1u);
}

TEST(Protection, LongStopLoss) {
  Protection p(ticks_cfg(100, 50, 0), test::kBtcId, 0);
  OrderCreate close;
  EXPECT_EQ(p.on_tick(position(7, kMid, kMid - 49), close), ProtectionTrigger::kNone);
  EXPECT_EQ(p.on_tick(position(7, kMid, kMid - 50), close), ProtectionTrigger::kStopLoss);
  EXPECT_EQ(close.side, Side::kSell);
  EXPECT_EQ(p.levels().stop_loss.ticks, kMid - 50);
}

TEST(Protection, ShortTakeProfitAndStopLoss) {
  OrderCreate close;
  Protection tp(ticks_cfg(100, 50, 0), test::kBtcId, 2);
  EXPECT_EQ(tp.on_tick(position(-4, kMid, kMid - 99), close), ProtectionTrigger::kNone);
  ASSERT_EQ(tp.on_tick(position(-4, kMid, kMid - 100), close), ProtectionTrigger::kTakeProfit);
  EXPECT_EQ(close.side, Side::kBuy);
  EXPECT_EQ(close.qty.lots, 4);
  EXPECT_EQ(close.position_idx, 2);
  EXPECT_EQ(close.price.ticks, kMid - 100 + 1 + 3);  // ask + offset: at or above the ask

  Protection sl(ticks_cfg(100, 50, 0), test::kBtcId, 0);
  EXPECT_EQ(sl.on_tick(position(-4, kMid, kMid + 49), close), ProtectionTrigger::kNone);
  EXPECT_EQ(sl.on_tick(position(-4, kMid, kMid + 50), close), ProtectionTrigger::kStopLoss);
}

TEST(Protection, BpsLevelsTriggerWhereComputed) {
  Protection p(bps_cfg(20, 10, 0), test::kBtcId, 0);
  OrderCreate close;
  // Entry 650005: SL at 650005 - 650 = 649355.
  EXPECT_EQ(p.on_tick(position(3, 650'005, 649'356), close), ProtectionTrigger::kNone);
  EXPECT_EQ(p.on_tick(position(3, 650'005, 649'355), close), ProtectionTrigger::kStopLoss);
  // Short, TP 20 bps = 1300.01 ticks -> 1301: at 648704.
  Protection s(bps_cfg(20, 10, 0), test::kBtcId, 0);
  EXPECT_EQ(s.on_tick(position(-3, 650'005, 648'705), close), ProtectionTrigger::kNone);
  EXPECT_EQ(s.on_tick(position(-3, 650'005, 648'704), close), ProtectionTrigger::kTakeProfit);
}

TEST(Protection, TrailingStopFollowsTheBestPrice) {
  Protection p(ticks_cfg(0, 0, 100), test::kBtcId, 0);
  OrderCreate close;
  EXPECT_EQ(p.on_tick(position(5, kMid, kMid + 200), close), ProtectionTrigger::kNone);
  EXPECT_EQ(p.on_tick(position(5, kMid, kMid + 500), close), ProtectionTrigger::kNone);
  EXPECT_EQ(p.best_price().ticks, kMid + 500);
  EXPECT_EQ(p.levels().trailing_stop.ticks, kMid + 400);
  EXPECT_EQ(p.on_tick(position(5, kMid, kMid + 450), close), ProtectionTrigger::kNone);
  EXPECT_EQ(p.best_price().ticks, kMid + 500);  // a lower price does not move it back
  EXPECT_EQ(p.on_tick(position(5, kMid, kMid + 401), close), ProtectionTrigger::kNone);
  EXPECT_EQ(p.on_tick(position(5, kMid, kMid + 400), close), ProtectionTrigger::kTrailingStop);
  EXPECT_EQ(close.side, Side::kSell);
  EXPECT_EQ(p.triggers(ProtectionTrigger::kTrailingStop), 1u);
}

TEST(Protection, TrailingStopShortStartsFromTheEntry) {
  Protection p(ticks_cfg(0, 0, 100), test::kBtcId, 0);
  OrderCreate close;
  // Price above the entry: the best (lowest) price seen is still the entry, so the stop is entry + 100.
  EXPECT_EQ(p.on_tick(position(-5, kMid, kMid + 99), close), ProtectionTrigger::kNone);
  EXPECT_EQ(p.levels().trailing_stop.ticks, kMid + 100);
  EXPECT_EQ(p.on_tick(position(-5, kMid, kMid - 300), close), ProtectionTrigger::kNone);
  EXPECT_EQ(p.levels().trailing_stop.ticks, kMid - 200);
  EXPECT_EQ(p.on_tick(position(-5, kMid, kMid - 200), close), ProtectionTrigger::kTrailingStop);
  EXPECT_EQ(close.side, Side::kBuy);
}

TEST(Protection, TrailingBestRestartsWhenThePositionFlips) {
  Protection p(ticks_cfg(0, 0, 100), test::kBtcId, 0);
  OrderCreate close;
  EXPECT_EQ(p.on_tick(position(5, kMid, kMid + 500), close), ProtectionTrigger::kNone);
  EXPECT_EQ(p.on_tick(position(-5, kMid + 450, kMid + 450), close), ProtectionTrigger::kNone);
  EXPECT_EQ(p.best_price().ticks, kMid + 450);
  EXPECT_EQ(p.levels().trailing_stop.ticks, kMid + 550);
}

TEST(Protection, MarkPriceIsPreferredOverMid) {
  Protection p(ticks_cfg(0, 50, 0), test::kBtcId, 0);
  OrderCreate close;
  RiskContext x = position(5, kMid, kMid - 60);  // mid beyond the stop...
  x.mark = Price{kMid - 10};                     // ...but the mark is not
  EXPECT_EQ(p.on_tick(x, close), ProtectionTrigger::kNone);
  x.mark = Price{kMid - 50};
  EXPECT_EQ(p.on_tick(x, close), ProtectionTrigger::kStopLoss);
}

TEST(Protection, RepeatsTheCloseUntilFlat) {
  ProtectionConfig cfg = ticks_cfg(0, 50, 0);
  cfg.retry_ms = 500;
  Protection p(cfg, test::kBtcId, 0);
  OrderCreate close;
  ASSERT_EQ(p.on_tick(position(8, kMid, kMid - 60, 0), close), ProtectionTrigger::kStopLoss);
  // The price comes back, the position is still open: no new intent before retry_ms, then the rest.
  EXPECT_EQ(p.on_tick(position(8, kMid, kMid, 499 * kMs), close), ProtectionTrigger::kNone);
  EXPECT_TRUE(p.closing());
  ASSERT_EQ(p.on_tick(position(3, kMid, kMid, 500 * kMs), close), ProtectionTrigger::kStopLoss);
  EXPECT_EQ(close.qty.lots, 3);
  EXPECT_EQ(p.retries(), 1u);
  EXPECT_EQ(p.triggers(ProtectionTrigger::kStopLoss), 1u);
  // Flat: done. A new position starts clean.
  EXPECT_EQ(p.on_tick(position(0, 0, kMid, 600 * kMs), close), ProtectionTrigger::kNone);
  EXPECT_FALSE(p.closing());
  EXPECT_EQ(p.on_tick(position(2, kMid, kMid, 700 * kMs), close), ProtectionTrigger::kNone);
  EXPECT_FALSE(p.closing());
}

TEST(Protection, DisabledOrWithoutPriceDoesNothing) {
  ProtectionConfig off = ticks_cfg(1, 1, 1);
  off.enabled = false;
  Protection p(off, test::kBtcId, 0);
  OrderCreate close;
  EXPECT_EQ(p.on_tick(position(5, kMid, kMid - 1'000), close), ProtectionTrigger::kNone);
  Protection q(ticks_cfg(1, 1, 1), test::kBtcId, 0);
  RiskContext x = position(5, kMid, 0);
  EXPECT_EQ(q.on_tick(x, close), ProtectionTrigger::kNone);
}

TEST(CloseOrder, LimitRoundsThroughTheTouch) {
  ProtectionConfig c = bps_cfg(0, 10, 0);
  c.close_offset = 5;  // 5 bps of 650001 = 325.0005 ticks -> 326 (a sell rounds down, a buy up)
  OrderCreate o;
  ASSERT_TRUE(make_close_order(c, test::kBtcId, 0, 10, Price{650'001}, Price{650'003}, Price{650'002}, o));
  EXPECT_EQ(o.side, Side::kSell);
  EXPECT_EQ(o.price.ticks, 650'001 - 326);
  ASSERT_TRUE(make_close_order(c, test::kBtcId, 0, -10, Price{649'999}, Price{650'001}, Price{650'000}, o));
  EXPECT_EQ(o.side, Side::kBuy);
  EXPECT_EQ(o.price.ticks, 650'001 + 326);
  // Empty side: start from the fallback (the trigger price).
  ASSERT_TRUE(make_close_order(c, test::kBtcId, 0, 10, Price{0}, Price{650'003}, Price{650'001}, o));
  EXPECT_EQ(o.price.ticks, 650'001 - 326);
  // Zero offset: exactly at the touch.
  c.close_offset = 0;
  ASSERT_TRUE(make_close_order(c, test::kBtcId, 0, 10, Price{650'001}, Price{650'003}, Price{650'002}, o));
  EXPECT_EQ(o.price.ticks, 650'001);
  // Never below one tick.
  c.unit = DistanceUnit::kTicks;
  c.close_offset = 50;
  ASSERT_TRUE(make_close_order(c, test::kBtcId, 0, 10, Price{20}, Price{22}, Price{21}, o));
  EXPECT_EQ(o.price.ticks, 1);
  OrderCreate untouched;
  untouched.qty = Qty{99};
  EXPECT_FALSE(make_close_order(c, test::kBtcId, 0, 0, Price{20}, Price{22}, Price{21}, untouched));
  EXPECT_FALSE(make_close_order(c, test::kBtcId, 0, 10, Price{0}, Price{22}, Price{0}, untouched));
  EXPECT_EQ(untouched.qty.lots, 99);
}

TEST(CloseOrder, Market) {
  ProtectionConfig c = ticks_cfg(0, 10, 0);
  c.close_type = CloseType::kMarket;
  OrderCreate o;
  ASSERT_TRUE(make_close_order(c, test::kBtcId, 1, 12, Price{0}, Price{0}, Price{0}, o));
  EXPECT_EQ(o.type, OrderType::kMarket);
  EXPECT_EQ(o.tif, TimeInForce::kIoc);
  EXPECT_EQ(o.price.ticks, 0);
  EXPECT_EQ(o.side, Side::kSell);
  EXPECT_EQ(o.qty.lots, 12);
  EXPECT_TRUE(o.reduce_only);
  EXPECT_EQ(o.position_idx, 1);
}

TEST(TradingStopRequest, FieldsFromEntryAndConfig) {
  ProtectionConfig c = ticks_cfg(100, 50, 30);
  c.trigger_by = TriggerBy::kLastPrice;
  TradingStop t;
  ASSERT_TRUE(make_trading_stop(c, test::kBtcId, 1, 5, Price{kMid}, t));
  EXPECT_EQ(t.instrument, test::kBtcId);
  ASSERT_TRUE(t.take_profit && t.stop_loss && t.trailing_stop);
  EXPECT_EQ(t.take_profit->ticks, kMid + 100);
  EXPECT_EQ(t.stop_loss->ticks, kMid - 50);
  EXPECT_EQ(t.trailing_stop->ticks, 30);  // a distance, not a price
  EXPECT_EQ(t.mode, TpslMode::kFull);
  EXPECT_EQ(t.tp_trigger_by, TriggerBy::kLastPrice);
  EXPECT_EQ(t.sl_trigger_by, TriggerBy::kLastPrice);
  EXPECT_EQ(t.position_idx, 1);

  ASSERT_TRUE(make_trading_stop(c, test::kBtcId, 0, -5, Price{kMid}, t));
  EXPECT_EQ(t.take_profit->ticks, kMid - 100);
  EXPECT_EQ(t.stop_loss->ticks, kMid + 50);

  // bps: from the entry, same rounding as the bot's own levels; a disabled leg clears (Price{0}).
  ASSERT_TRUE(make_trading_stop(bps_cfg(0, 10, 10), test::kBtcId, 0, 5, Price{650'005}, t));
  ASSERT_TRUE(t.take_profit && t.stop_loss && t.trailing_stop);
  EXPECT_EQ(t.take_profit->ticks, 0);
  EXPECT_EQ(t.stop_loss->ticks, 650'005 - 650);
  EXPECT_EQ(t.trailing_stop->ticks, 650);

  TradingStop untouched;
  untouched.position_idx = 9;
  EXPECT_FALSE(make_trading_stop(c, test::kBtcId, 0, 0, Price{kMid}, untouched));
  EXPECT_FALSE(make_trading_stop(c, test::kBtcId, 0, 5, Price{0}, untouched));
  c.enabled = false;
  EXPECT_FALSE(make_trading_stop(c, test::kBtcId, 0, 5, Price{kMid}, untouched));
  EXPECT_EQ(untouched.position_idx, 9);
}

}  // namespace
}  // namespace mm
