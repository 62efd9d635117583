#include "risk/pre_trade.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "tests/risk/risk_test_util.h"

namespace mm {
namespace {

using test::base_config;
using test::calm;
using test::kMid;
using test::limit_order;

struct Checker {
  explicit Checker(const RiskConfig& cfg = base_config()) : checks(make(cfg)) {}
  static PreTradeChecks make(const RiskConfig& cfg) {
    RiskLimits l;
    EXPECT_EQ(resolve_limits(cfg, test::btc(), l), "");
    return {cfg, l, test::btc(), test::kBtcId};
  }
  RiskVerdict create(const OrderCreate& o, const RiskContext& ctx, TradingState s = TradingState::kActive) {
    return checks.check(o, ctx, s);
  }
  PreTradeChecks checks;
};

void expect_blocked(const RiskVerdict& v, RiskRule rule) {
  EXPECT_FALSE(v.allowed()) << to_string(v.rule);
  EXPECT_EQ(v.rule, rule) << to_string(v.rule) << " instead of " << to_string(rule);
  EXPECT_FALSE(v.clipped);
}

void expect_allowed(const RiskVerdict& v, int64_t lots) {
  EXPECT_TRUE(v.allowed()) << to_string(v.rule);
  EXPECT_EQ(v.rule, RiskRule::kNone) << to_string(v.rule);
  EXPECT_EQ(v.qty.lots, lots);
}

TEST(PreTrade, AllowsAnOrdinaryQuote) {
  Checker c;
  expect_allowed(c.create(limit_order(Side::kBuy, kMid - 10, 5), calm()), 5);
  expect_allowed(c.create(limit_order(Side::kSell, kMid + 10, 5), calm()), 5);
  for (int r = 0; r < static_cast<int>(RiskRule::kCount); ++r) {
    EXPECT_EQ(c.checks.blocked(static_cast<RiskRule>(r)), 0u);
  }
}

TEST(PreTrade, MalformedOrdersAreBadOrders) {
  Checker c;
  OrderCreate other = limit_order(Side::kBuy, kMid, 1);
  other.instrument = test::kBtcId + 1;
  expect_blocked(c.create(other, calm()), RiskRule::kBadOrder);
  expect_blocked(c.create(limit_order(Side::kBuy, kMid, 0), calm()), RiskRule::kBadOrder);
  expect_blocked(c.create(limit_order(Side::kBuy, 0, 1), calm()), RiskRule::kBadOrder);
  EXPECT_EQ(c.checks.blocked(RiskRule::kBadOrder), 3u);
}

TEST(PreTrade, MaxOrderQty) {
  Checker c;
  expect_allowed(c.create(limit_order(Side::kBuy, kMid - 10, 100), calm()), 100);
  expect_blocked(c.create(limit_order(Side::kBuy, kMid - 10, 101), calm()), RiskRule::kMaxOrderQty);
  expect_blocked(c.create(limit_order(Side::kSell, kMid + 10, 101), calm()), RiskRule::kMaxOrderQty);
  EXPECT_EQ(c.checks.blocked(RiskRule::kMaxOrderQty), 2u);
}

TEST(PreTrade, MaxOrderNotional) {
  RiskConfig cfg = base_config();
  cfg.max_order_notional = "5000";
  Checker c(cfg);
  // One lot (0.001 BTC) at 65000.00 is worth 65 USDT: 76 lots = 4940, 77 lots = 5005.
  expect_allowed(c.create(limit_order(Side::kBuy, kMid, 76), calm()), 76);
  expect_blocked(c.create(limit_order(Side::kBuy, kMid, 77), calm()), RiskRule::kMaxOrderNotional);
  EXPECT_EQ(c.checks.blocked(RiskRule::kMaxOrderNotional), 1u);
}

TEST(PreTrade, MarketOrdersAreValuedAtTheTouch) {
  RiskConfig cfg = base_config();
  cfg.max_order_notional = "5000";
  cfg.require_post_only = false;
  Checker c(cfg);
  OrderCreate m = limit_order(Side::kBuy, 0, 76);
  m.type = OrderType::kMarket;
  RiskContext ctx = calm();
  expect_allowed(c.create(m, ctx), 76);
  // The ask moved up 10%: 76 lots now cost 5434 USDT. The band does not apply to market orders.
  ctx.best_ask = Price{kMid * 11 / 10};
  expect_blocked(c.create(m, ctx), RiskRule::kMaxOrderNotional);
}

TEST(PreTrade, PriceBandAroundMid) {
  Checker c;
  const int64_t band = kMid * 50 / 10'000;  // 3250 ticks = 325.00 USDT
  expect_allowed(c.create(limit_order(Side::kBuy, kMid - band, 1), calm()), 1);
  expect_blocked(c.create(limit_order(Side::kBuy, kMid - band - 1, 1), calm()), RiskRule::kPriceBand);
  expect_allowed(c.create(limit_order(Side::kSell, kMid + band, 1), calm()), 1);
  expect_blocked(c.create(limit_order(Side::kSell, kMid + band + 1, 1), calm()), RiskRule::kPriceBand);
  // A fat-finger buy far above the market.
  expect_blocked(c.create(limit_order(Side::kBuy, kMid * 2, 1), calm()), RiskRule::kPriceBand);
  EXPECT_EQ(c.checks.blocked(RiskRule::kPriceBand), 3u);
}

TEST(PreTrade, NoMidNoOrder) {
  Checker c;
  RiskContext ctx = calm();
  ctx.mid = Price{0};
  expect_blocked(c.create(limit_order(Side::kBuy, kMid, 1), ctx), RiskRule::kNoReference);
  EXPECT_EQ(c.checks.blocked(RiskRule::kNoReference), 1u);
}

TEST(PreTrade, MaxOpenOrders) {
  Checker c;
  RiskContext ctx = calm();
  ctx.open_orders = 9;
  expect_allowed(c.create(limit_order(Side::kBuy, kMid - 10, 1), ctx), 1);
  ctx.open_orders = 10;
  expect_blocked(c.create(limit_order(Side::kBuy, kMid - 10, 1), ctx), RiskRule::kMaxOpenOrders);
  EXPECT_EQ(c.checks.blocked(RiskRule::kMaxOpenOrders), 1u);
}

TEST(PreTrade, PostOnlyRequired) {
  Checker c;
  OrderCreate gtc = limit_order(Side::kBuy, kMid - 10, 1);
  gtc.tif = TimeInForce::kGtc;
  expect_blocked(c.create(gtc, calm()), RiskRule::kPostOnly);
  OrderCreate market = gtc;
  market.type = OrderType::kMarket;
  expect_blocked(c.create(market, calm()), RiskRule::kPostOnly);
  EXPECT_EQ(c.checks.blocked(RiskRule::kPostOnly), 2u);

  // A reduce-only order may take liquidity (protection closes, flattening).
  RiskContext longish = calm();
  longish.position_lots = 5;
  OrderCreate close = limit_order(Side::kSell, kMid - 1, 5);
  close.tif = TimeInForce::kIoc;
  close.reduce_only = true;
  expect_allowed(c.create(close, longish), 5);

  RiskConfig relaxed = base_config();
  relaxed.require_post_only = false;
  Checker r(relaxed);
  expect_allowed(r.create(gtc, calm()), 1);
}

TEST(PreTrade, MaxPositionCountsOpenSameSideOrders) {
  RiskConfig cfg = base_config();
  cfg.max_exposure_notional = "100000";  // keep the notional cap out of the way
  Checker c(cfg);
  RiskContext ctx = calm();
  ctx.position_lots = 450;
  ctx.open_buy_lots = 40;
  ctx.open_sell_lots = 100;  // other side: irrelevant for a buy
  expect_allowed(c.create(limit_order(Side::kBuy, kMid - 10, 10), ctx), 10);  // 450 + 40 + 10 = 500
  expect_blocked(c.create(limit_order(Side::kBuy, kMid - 10, 11), ctx), RiskRule::kMaxPosition);

  ctx.position_lots = -450;
  ctx.open_buy_lots = 100;
  ctx.open_sell_lots = 40;
  expect_allowed(c.create(limit_order(Side::kSell, kMid + 10, 10), ctx), 10);
  expect_blocked(c.create(limit_order(Side::kSell, kMid + 10, 11), ctx), RiskRule::kMaxPosition);
  EXPECT_EQ(c.checks.blocked(RiskRule::kMaxPosition), 2u);
}

TEST(PreTrade, PositionAboveALoweredCapMayStillShrink) {
  RiskConfig cfg = base_config();
  cfg.max_exposure_notional = "100000";
  Checker c(cfg);
  RiskContext ctx = calm();
  ctx.position_lots = 600;  // above the 500 cap (e.g. the cap was lowered)
  expect_allowed(c.create(limit_order(Side::kSell, kMid + 10, 100), ctx), 100);
  expect_blocked(c.create(limit_order(Side::kBuy, kMid - 10, 1), ctx), RiskRule::kMaxPosition);
}

TEST(PreTrade, MaxExposureIncludesOpenOrders) {
  Checker c;  // exposure cap 30000 USDT
  RiskContext ctx = calm();
  ctx.position_lots = 400;  // 26000 USDT at the mid
  ctx.open_buy_lots = 46;
  ctx.open_buy_notional = test::usdt(3000);
  // 15 lots at 65000 = 975: 29975 in total; 16 lots = 1040: 30040.
  expect_allowed(c.create(limit_order(Side::kBuy, kMid, 15), ctx), 15);
  expect_blocked(c.create(limit_order(Side::kBuy, kMid, 16), ctx), RiskRule::kMaxExposure);
  // Selling reduces the exposure.
  expect_allowed(c.create(limit_order(Side::kSell, kMid + 10, 100), ctx), 100);
  EXPECT_EQ(c.checks.blocked(RiskRule::kMaxExposure), 1u);
}

TEST(PreTrade, ReduceOnlyOrdersMustReduce) {
  Checker c;
  OrderCreate sell = limit_order(Side::kSell, kMid + 10, 50);
  sell.reduce_only = true;
  RiskContext ctx = calm();
  expect_blocked(c.create(sell, ctx), RiskRule::kReduceOnlyOrder);  // flat
  ctx.position_lots = 50;
  expect_allowed(c.create(sell, ctx), 50);
  sell.qty = Qty{51};
  expect_blocked(c.create(sell, ctx), RiskRule::kReduceOnlyOrder);  // would flip short
  ctx.open_sell_lots = 10;
  sell.qty = Qty{41};
  expect_blocked(c.create(sell, ctx), RiskRule::kReduceOnlyOrder);  // with the open sells it would flip
  sell.qty = Qty{40};
  expect_allowed(c.create(sell, ctx), 40);
  OrderCreate buy = limit_order(Side::kBuy, kMid - 10, 1);
  buy.reduce_only = true;
  expect_blocked(c.create(buy, ctx), RiskRule::kReduceOnlyOrder);  // same side as the long
  EXPECT_EQ(c.checks.blocked(RiskRule::kReduceOnlyOrder), 4u);
}

TEST(PreTrade, ReduceOnlyStateAllowsOnlyReducingOrders) {
  Checker c;
  RiskContext ctx = calm();
  const TradingState ro = TradingState::kReduceOnly;
  expect_blocked(c.create(limit_order(Side::kBuy, kMid - 10, 1), ctx, ro), RiskRule::kReduceOnlyState);
  expect_blocked(c.create(limit_order(Side::kSell, kMid + 10, 1), ctx, ro), RiskRule::kReduceOnlyState);
  ctx.position_lots = 50;
  expect_allowed(c.create(limit_order(Side::kSell, kMid + 10, 30), ctx, ro), 30);
  expect_blocked(c.create(limit_order(Side::kSell, kMid + 10, 51), ctx, ro), RiskRule::kReduceOnlyState);
  expect_blocked(c.create(limit_order(Side::kBuy, kMid - 10, 1), ctx, ro), RiskRule::kReduceOnlyState);
  ctx.position_lots = -50;
  expect_allowed(c.create(limit_order(Side::kBuy, kMid - 10, 50), ctx, ro), 50);
  EXPECT_EQ(c.checks.blocked(RiskRule::kReduceOnlyState), 4u);
}

TEST(PreTrade, HaltedAllowsOnlyCancels) {
  Checker c;
  RiskContext ctx = calm();
  ctx.position_lots = 50;
  OrderCreate close = limit_order(Side::kSell, kMid + 10, 10);
  close.reduce_only = true;
  expect_blocked(c.create(close, ctx, TradingState::kHalted), RiskRule::kHalted);
  expect_blocked(c.create(limit_order(Side::kBuy, kMid - 10, 1), ctx, TradingState::kHalted),
                 RiskRule::kHalted);
  OrderAmend a;
  a.instrument = test::kBtcId;
  a.qty = Qty{5};
  const RestingOrder resting{Side::kSell, Price{kMid + 10}, Qty{10}, Qty{0}, false};
  ctx.open_sell_lots = 10;
  expect_blocked(c.checks.check(a, resting, ctx, TradingState::kHalted), RiskRule::kHalted);
  EXPECT_EQ(c.checks.blocked(RiskRule::kHalted), 3u);
  OrderCancel cancel;
  cancel.instrument = test::kBtcId;
  EXPECT_TRUE(PreTradeChecks::check(cancel).allowed());
}

TEST(PreTrade, ClipPolicyShrinksInsteadOfBlocking) {
  RiskConfig cfg = base_config();
  cfg.limit_policy = LimitPolicy::kClip;
  cfg.max_order_notional = "5000";
  Checker c(cfg);
  RiskContext ctx = calm();

  // 150 lots: the qty cap clips to 100, then the notional cap to 76 (76 * 65 = 4940 <= 5000 < 77 * 65).
  RiskVerdict v = c.create(limit_order(Side::kBuy, kMid, 150), ctx);
  EXPECT_TRUE(v.allowed());
  EXPECT_TRUE(v.clipped);
  EXPECT_EQ(v.rule, RiskRule::kMaxOrderNotional);
  EXPECT_EQ(v.qty.lots, 76);
  EXPECT_EQ(c.checks.clipped(RiskRule::kMaxOrderQty), 1u);
  EXPECT_EQ(c.checks.clipped(RiskRule::kMaxOrderNotional), 1u);
  EXPECT_EQ(c.checks.blocked(RiskRule::kMaxOrderQty), 0u);

  ctx.position_lots = 420;  // 27300 USDT; exposure cap 30000 leaves 2700 = 41 lots (41 * 65 = 2665)
  v = c.create(limit_order(Side::kBuy, kMid, 60), ctx);
  EXPECT_TRUE(v.clipped);
  EXPECT_EQ(v.rule, RiskRule::kMaxExposure);
  EXPECT_EQ(v.qty.lots, 41);

  // Already beyond the exposure cap: nothing is left to clip to, so the order is blocked.
  ctx.position_lots = 480;  // 31200 USDT
  expect_blocked(c.create(limit_order(Side::kBuy, kMid, 10), ctx), RiskRule::kMaxExposure);
  EXPECT_EQ(c.checks.blocked(RiskRule::kMaxExposure), 1u);
}

TEST(PreTrade, ClipPolicyOnThePositionCap) {
  RiskConfig cfg = base_config();
  cfg.limit_policy = LimitPolicy::kClip;
  cfg.max_exposure_notional = "100000";
  Checker c(cfg);
  RiskContext ctx = calm();
  ctx.position_lots = 470;
  ctx.open_buy_lots = 10;  // 20 lots of headroom left
  RiskVerdict v = c.create(limit_order(Side::kBuy, kMid, 60), ctx);
  EXPECT_TRUE(v.allowed());
  EXPECT_TRUE(v.clipped);
  EXPECT_EQ(v.rule, RiskRule::kMaxPosition);
  EXPECT_EQ(v.qty.lots, 20);
  ctx.open_buy_lots = 30;  // at the cap: clipping would leave 0 lots
  expect_blocked(c.create(limit_order(Side::kBuy, kMid, 60), ctx), RiskRule::kMaxPosition);
  EXPECT_EQ(c.checks.clipped(RiskRule::kMaxPosition), 1u);
  EXPECT_EQ(c.checks.blocked(RiskRule::kMaxPosition), 1u);
}

TEST(PreTrade, AmendIsCheckedAsTheResultingOrder) {
  RiskConfig cfg = base_config();
  cfg.max_exposure_notional = "100000";
  Checker c(cfg);
  RiskContext ctx = calm();
  ctx.position_lots = 440;
  ctx.open_orders = 10;  // at max_open_orders: an amend adds no order
  ctx.open_buy_lots = 50;
  ctx.open_buy_notional = test::usdt(3245);  // 50 lots at 64900
  const RestingOrder resting{Side::kBuy, Price{kMid - 1'000}, Qty{50}, Qty{0}, false};
  OrderAmend a;
  a.instrument = test::kBtcId;
  a.qty = Qty{60};  // 440 + 60 = 500
  expect_allowed(c.checks.check(a, resting, ctx, TradingState::kActive), 60);
  a.qty = Qty{61};
  expect_blocked(c.checks.check(a, resting, ctx, TradingState::kActive), RiskRule::kMaxPosition);

  // Bybit's amend qty is the new total: with 20 lots filled (and 30 still open) the total may reach 80.
  const RestingOrder partly{Side::kBuy, Price{kMid - 1'000}, Qty{30}, Qty{20}, false};
  ctx.open_buy_lots = 30;
  ctx.position_lots = 440;
  a.qty = Qty{80};
  expect_allowed(c.checks.check(a, partly, ctx, TradingState::kActive), 80);
  a.qty = Qty{81};
  expect_blocked(c.checks.check(a, partly, ctx, TradingState::kActive), RiskRule::kMaxPosition);
  a.qty = Qty{20};  // not above the filled qty
  expect_blocked(c.checks.check(a, partly, ctx, TradingState::kActive), RiskRule::kBadOrder);

  OrderAmend reprice;
  reprice.instrument = test::kBtcId;
  reprice.price = Price{kMid - 4'000};  // beyond the 3250-tick band
  expect_blocked(c.checks.check(reprice, resting, ctx, TradingState::kActive), RiskRule::kPriceBand);
  reprice.price = Price{kMid - 20};
  expect_allowed(c.checks.check(reprice, resting, ctx, TradingState::kActive), 50);

  const OrderAmend nothing{test::kBtcId, OrderIdKind::kLinkId, {}, std::nullopt, std::nullopt};
  expect_blocked(c.checks.check(nothing, resting, ctx, TradingState::kActive), RiskRule::kBadOrder);
}

TEST(PreTrade, AmendInReduceOnlyStateMustStillReduce) {
  Checker c;
  RiskContext ctx = calm();
  ctx.position_lots = 50;
  ctx.open_sell_lots = 20;
  const RestingOrder resting{Side::kSell, Price{kMid + 10}, Qty{20}, Qty{0}, true};
  OrderAmend a;
  a.instrument = test::kBtcId;
  a.qty = Qty{50};
  expect_allowed(c.checks.check(a, resting, ctx, TradingState::kReduceOnly), 50);
  a.qty = Qty{51};
  expect_blocked(c.checks.check(a, resting, ctx, TradingState::kReduceOnly), RiskRule::kReduceOnlyState);
}

// The overload that takes the amended order's notional from the caller (the Trader values every open order
// each tick) gives the verdict, clipped qty and counters of the one that values it, rule by rule.
TEST(PreTrade, AmendWithTheCallersNotionalMatchesTheValuingCheck) {
  RiskConfig cfg = base_config();
  cfg.max_order_notional = "8000";
  cfg.max_exposure_notional = "8000";
  cfg.limit_policy = LimitPolicy::kClip;
  Checker own(cfg);
  Checker given(cfg);
  RiskContext ctx = calm();
  ctx.open_orders = 2;
  ctx.open_buy_lots = 100;                   // this order's 50 lots and another's 50, both at 64900
  ctx.open_buy_notional = test::usdt(6490);
  const RestingOrder resting{Side::kBuy, Price{kMid - 1'000}, Qty{50}, Qty{0}, false};
  Money value;
  ASSERT_TRUE(notional(test::btc(), resting.price, resting.remaining, value));
  const auto same = [&](const OrderAmend& a, TradingState st) {
    const RiskVerdict x = own.checks.check(a, resting, ctx, st);
    const RiskVerdict y = given.checks.check(a, resting, value, ctx, st);
    EXPECT_EQ(x.rule, y.rule);
    EXPECT_EQ(x.clipped, y.clipped);
    EXPECT_EQ(x.qty, y.qty);
    return x;
  };
  OrderAmend a;
  a.instrument = test::kBtcId;
  for (const int64_t q : {1, 49, 50, 51, 60, 100, 600}) {
    a.qty = Qty{q};
    for (const TradingState st : {TradingState::kActive, TradingState::kReduceOnly, TradingState::kHalted}) {
      (void)same(a, st);
    }
  }
  a.qty = Qty{600};  // clipped to 100 lots (max order qty), then to 73 (8000 - 3245 USDT of exposure left)
  const RiskVerdict clipped = same(a, TradingState::kActive);
  EXPECT_TRUE(clipped.clipped);
  EXPECT_EQ(clipped.rule, RiskRule::kMaxExposure);
  EXPECT_EQ(clipped.qty, Qty{73});
  a.qty.reset();
  a.price = Price{kMid - 4'000};  // outside the band
  EXPECT_EQ(same(a, TradingState::kActive).rule, RiskRule::kPriceBand);
  a.price = Price{kMid - 20};
  EXPECT_TRUE(same(a, TradingState::kActive).allowed());
  const OrderAmend nothing{test::kBtcId, OrderIdKind::kLinkId, {}, std::nullopt, std::nullopt};
  EXPECT_EQ(same(nothing, TradingState::kActive).rule, RiskRule::kBadOrder);
  for (size_t r = 0; r < static_cast<size_t>(RiskRule::kCount); ++r) {
    EXPECT_EQ(own.checks.blocked(static_cast<RiskRule>(r)), given.checks.blocked(static_cast<RiskRule>(r))) << r;
    EXPECT_EQ(own.checks.clipped(static_cast<RiskRule>(r)), given.checks.clipped(static_cast<RiskRule>(r))) << r;
  }
}

// Issue 14: a decision's creates were each checked against the same context, so three buys of a tick each
// saw the whole headroom. admit() counts every allowed order into the context for the next check.
TEST(PreTrade, AdmitCountsEachAllowedOrderSoOneTickCannotShareTheHeadroom) {
  RiskConfig cfg = base_config();
  cfg.max_exposure_notional = "100000";  // the position cap is the rule under test
  Checker c(cfg);
  RiskContext ctx = calm();
  ctx.position_lots = 400;  // 100 lots of headroom under the 500-lot cap
  const OrderCreate buy = limit_order(Side::kBuy, kMid - 10, 40);
  // check() alone is pure: the same order passes every time against the same context.
  for (int i = 0; i < 3; ++i) expect_allowed(c.create(buy, ctx), 40);
  expect_allowed(c.checks.admit(buy, ctx, TradingState::kActive), 40);
  expect_allowed(c.checks.admit(buy, ctx, TradingState::kActive), 40);
  EXPECT_EQ(ctx.open_buy_lots, 80);
  EXPECT_EQ(ctx.open_orders, 2u);
  Money two;
  ASSERT_TRUE(notional(test::btc(), Price{kMid - 10}, Qty{80}, two));
  EXPECT_EQ(ctx.open_buy_notional.units, two.units);
  const RiskContext before = ctx;
  expect_blocked(c.checks.admit(buy, ctx, TradingState::kActive), RiskRule::kMaxPosition);
  EXPECT_EQ(ctx.open_buy_lots, before.open_buy_lots) << "a blocked order is not counted";
  EXPECT_EQ(ctx.open_orders, before.open_orders);
  // The sell side's headroom is its own: 400 long + 500 short capacity.
  expect_allowed(c.checks.admit(limit_order(Side::kSell, kMid + 10, 40), ctx, TradingState::kActive), 40);
  EXPECT_EQ(ctx.open_sell_lots, 40);

  // Under limit_policy = "clip" the last order gets what is left, and that is what is counted.
  RiskConfig clip = cfg;
  clip.limit_policy = LimitPolicy::kClip;
  Checker k(clip);
  RiskContext kc = calm();
  kc.position_lots = 400;
  expect_allowed(k.checks.admit(buy, kc, TradingState::kActive), 40);
  expect_allowed(k.checks.admit(buy, kc, TradingState::kActive), 40);
  const RiskVerdict last = k.checks.admit(buy, kc, TradingState::kActive);
  EXPECT_TRUE(last.allowed() && last.clipped);
  EXPECT_EQ(last.qty.lots, 20);
  EXPECT_EQ(kc.open_buy_lots, 100);
}

TEST(PreTrade, AdmitCountsWhatAnAmendAddsAtItsWorstCase) {
  RiskConfig cfg = base_config();
  cfg.max_exposure_notional = "100000";
  Checker c(cfg);
  RiskContext ctx = calm();
  ctx.position_lots = 400;
  ctx.open_orders = 1;
  ctx.open_buy_lots = 30;
  ASSERT_TRUE(notional(test::btc(), Price{kMid - 10}, Qty{30}, ctx.open_buy_notional));
  const RestingOrder resting{Side::kBuy, Price{kMid - 10}, Qty{30}, Qty{10}, false};
  OrderAmend up;
  up.instrument = test::kBtcId;
  up.qty = Qty{70};  // total 70, 10 filled: 60 remaining, 30 more than now
  expect_allowed(c.checks.admit(up, resting, ctx, TradingState::kActive), 70);
  EXPECT_EQ(ctx.open_buy_lots, 60);
  EXPECT_EQ(ctx.open_orders, 1u) << "an amend adds no order";
  Money sixty;
  ASSERT_TRUE(notional(test::btc(), Price{kMid - 10}, Qty{60}, sixty));
  EXPECT_EQ(ctx.open_buy_notional.units, sixty.units);
  // A smaller qty frees nothing while the amend is in flight (the old qty may still fill).
  OrderAmend down;
  down.instrument = test::kBtcId;
  down.qty = Qty{20};
  expect_allowed(c.checks.admit(down, resting, ctx, TradingState::kActive), 20);
  EXPECT_EQ(ctx.open_buy_lots, 60);
  EXPECT_EQ(ctx.open_buy_notional.units, sixty.units);
  // A reprice up adds the difference in notional, not lots.
  OrderAmend reprice;
  reprice.instrument = test::kBtcId;
  reprice.price = Price{kMid - 1};
  expect_allowed(c.checks.admit(reprice, resting, ctx, TradingState::kActive), 40);
  EXPECT_EQ(ctx.open_buy_lots, 60);
  Money old_terms;
  Money new_terms;
  ASSERT_TRUE(notional(test::btc(), Price{kMid - 10}, Qty{30}, old_terms));
  ASSERT_TRUE(notional(test::btc(), Price{kMid - 1}, Qty{30}, new_terms));
  EXPECT_EQ(ctx.open_buy_notional.units, sixty.units + new_terms.units - old_terms.units);
}

// The cap holds whatever the exchange does: a random stream of decisions (several creates and amends, each
// admitted against the decision's one context) and of exchange events (fills of any size on any order,
// amends applied or not, cancels) never takes |position| beyond max_position_qty. The context is rebuilt
// from the orders before each decision the way the Trader builds it: every order not yet terminal, an amend
// in flight at the larger of its old and new qty.
struct ModelOrder {
  Side side;
  Price price;
  int64_t qty;        // as acked
  int64_t amend_qty;  // total of the amend in flight, 0 when none
  int64_t filled;
};

void run_cap_property(LimitPolicy policy, uint64_t seed) {
  RiskConfig cfg = base_config();
  cfg.max_exposure_notional = "1000000";  // the position cap is the rule under test
  cfg.max_open_orders = 12;
  cfg.limit_policy = policy;
  Checker c(cfg);
  const Instrument in = test::btc();
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  auto rnd = [&](uint64_t n) {  // xorshift64*: deterministic per seed
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    return (x * 0x2545F4914F6CDD1Dull) % n;
  };
  std::vector<ModelOrder> orders;
  int64_t position = 0;
  int64_t max_abs = 0;
  uint64_t fills = 0;
  for (int step = 0; step < 3'000; ++step) {
    RiskContext ctx = calm();
    ctx.position_lots = position;
    for (const ModelOrder& o : orders) {
      const int64_t worst = std::max(o.qty, o.amend_qty) - o.filled;
      Money n;
      ASSERT_TRUE(notional(in, o.price, Qty{worst}, n));
      ++ctx.open_orders;
      (o.side == Side::kBuy ? ctx.open_buy_lots : ctx.open_sell_lots) += worst;
      Money& sum = o.side == Side::kBuy ? ctx.open_buy_notional : ctx.open_sell_notional;
      ASSERT_TRUE(checked_add(sum, n, sum));
    }
    // One decision: up to 4 actions against the same context.
    const uint64_t n_actions = 1 + rnd(4);
    for (uint64_t a = 0; a < n_actions; ++a) {
      // Most orders on one side (per seed), so the position runs into the cap rather than around zero.
      const bool favoured = rnd(10) < 7;
      const Side side = favoured == (seed % 2 == 1) ? Side::kBuy : Side::kSell;
      const int64_t px = side == Side::kBuy ? kMid - 1 - static_cast<int64_t>(rnd(50))
                                            : kMid + 1 + static_cast<int64_t>(rnd(50));
      if (orders.empty() || rnd(3) != 0) {
        const RiskVerdict v = c.checks.admit(limit_order(side, px, 1 + static_cast<int64_t>(rnd(120))), ctx,
                                             TradingState::kActive);
        if (v.allowed()) orders.push_back({side, Price{px}, v.qty.lots, 0, 0});
      } else {
        ModelOrder& o = orders[rnd(orders.size())];
        if (o.amend_qty != 0) continue;  // one amend in flight per order, as the quoter sends them
        const RestingOrder cur{o.side, o.price, Qty{o.qty - o.filled}, Qty{o.filled}, false};
        OrderAmend am;
        am.instrument = test::kBtcId;
        am.qty = Qty{o.filled + 1 + static_cast<int64_t>(rnd(120))};
        const RiskVerdict v = c.checks.admit(am, cur, ctx, TradingState::kActive);
        if (v.allowed()) o.amend_qty = v.qty.lots;
      }
    }
    // The exchange: a few events in any order.
    const uint64_t n_events = rnd(5);
    for (uint64_t e = 0; e < n_events && !orders.empty(); ++e) {
      const size_t i = rnd(orders.size());
      ModelOrder& o = orders[i];
      const uint64_t kind = rnd(4);
      if (kind == 0 && o.amend_qty != 0) {  // the amend lands (a total at or below the filled qty ends it)
        o.qty = std::max(o.amend_qty, o.filled);
        o.amend_qty = 0;
      } else if (kind == 1) {  // cancelled
        orders.erase(orders.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      } else {  // a fill of any size up to the most the order may fill now
        const int64_t limit = (o.amend_qty != 0 && rnd(2) == 0 ? o.amend_qty : o.qty) - o.filled;
        if (limit <= 0) continue;
        const int64_t lots = 1 + static_cast<int64_t>(rnd(static_cast<uint64_t>(limit)));
        o.filled += lots;
        position += o.side == Side::kBuy ? lots : -lots;
        ++fills;
        max_abs = std::max(max_abs, position < 0 ? -position : position);
        ASSERT_LE(max_abs, 500) << "seed " << seed << " step " << step << ": the 500-lot cap crossed";
      }
      if (o.filled >= std::max(o.qty, o.amend_qty))
        orders.erase(orders.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  EXPECT_GT(fills, 1'000u) << "the stream must trade to prove anything";
  EXPECT_GE(max_abs, 450) << "the stream must reach the cap's neighbourhood";
}

TEST(PreTrade, NoSequenceOfFillsCrossesThePositionCap) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    run_cap_property(LimitPolicy::kBlock, seed);
    run_cap_property(LimitPolicy::kClip, seed);
  }
}

}  // namespace
}  // namespace mm
