#include "risk/risk_config.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/risk/risk_test_util.h"

namespace mm {
namespace {

using test::base_config;
using test::btc;

TEST(RiskConfig, BaseConfigIsValidAndResolves) {
  const RiskConfig c = base_config();
  EXPECT_EQ(c.validate(), "");
  RiskLimits l;
  ASSERT_EQ(resolve_limits(c, btc(), l), "");
  EXPECT_EQ(l.max_order_qty.lots, 100);
  EXPECT_EQ(l.max_position.lots, 500);
  EXPECT_EQ(l.max_order_notional, test::usdt(10'000));
  EXPECT_EQ(l.max_exposure, test::usdt(30'000));
  EXPECT_EQ(l.max_daily_loss, test::usdt(100));
  EXPECT_EQ(l.max_drawdown, test::usdt(200));
}

TEST(RiskConfig, DefaultNeedsTheBaseCoinCaps) {
  RiskConfig c;
  EXPECT_EQ(c.validate(), "risk.max_order_qty must be set (a decimal string such as \"0.01\")");
  c.max_order_qty = "0.1";
  EXPECT_EQ(c.validate(), "risk.max_position_qty must be set (a decimal string such as \"0.01\")");
  c.max_position_qty = "1";
  EXPECT_EQ(c.validate(), "");
}

// Each case breaks one field; the message must name it by its TOML key.
struct BadField {
  void (*mutate)(RiskConfig&);
  const char* message;
};

TEST(RiskConfig, ValidateNamesTheBadKey) {
  const BadField cases[] = {
      {[](RiskConfig& c) { c.max_order_qty = "0"; }, "risk.max_order_qty must be > 0"},
      {[](RiskConfig& c) { c.max_order_qty = "-1"; }, "risk.max_order_qty must be > 0"},
      {[](RiskConfig& c) { c.max_order_qty = "1e3"; },
       "risk.max_order_qty must be a plain decimal string, got \"1e3\""},
      {[](RiskConfig& c) { c.max_order_notional = "0.000000001"; },
       "risk.max_order_notional has more than 8 decimals"},
      {[](RiskConfig& c) { c.max_order_notional = "abc"; },
       "risk.max_order_notional must be a plain decimal string, got \"abc\""},
      {[](RiskConfig& c) { c.max_position_qty = "0.000"; }, "risk.max_position_qty must be > 0"},
      {[](RiskConfig& c) { c.max_position_qty = "100000000000000000000"; },
       "risk.max_position_qty is too large"},
      {[](RiskConfig& c) { c.max_exposure_notional = "100000000000000"; },
       "risk.max_exposure_notional is too large"},
      {[](RiskConfig& c) { c.max_exposure_notional = ""; },
       "risk.max_exposure_notional must be set (a decimal string such as \"0.01\")"},
      {[](RiskConfig& c) { c.price_band_bps = 0; }, "risk.price_band_bps must be in [1, 10000]"},
      {[](RiskConfig& c) { c.price_band_bps = 10'001; }, "risk.price_band_bps must be in [1, 10000]"},
      {[](RiskConfig& c) { c.max_open_orders = 0; }, "risk.max_open_orders must be > 0"},
      {[](RiskConfig& c) { c.breakers.daily_loss.max_loss = "0"; },
       "risk.breakers.daily_loss.max_loss must be > 0"},
      {[](RiskConfig& c) { c.breakers.daily_loss.action = TradingState::kActive; },
       "risk.breakers.daily_loss.action must be reduce_only or halted"},
      {[](RiskConfig& c) { c.breakers.drawdown.max_drawdown = "x"; },
       "risk.breakers.drawdown.max_drawdown must be a plain decimal string, got \"x\""},
      {[](RiskConfig& c) { c.breakers.drawdown.cooldown_ms = 0; },
       "risk.breakers.drawdown.cooldown_ms must be > 0"},
      {[](RiskConfig& c) { c.breakers.stale_book.max_age_ms = -5; },
       "risk.breakers.stale_book.max_age_ms must be > 0"},
      {[](RiskConfig& c) { c.breakers.book_untrusted.action = TradingState::kActive; },
       "risk.breakers.book_untrusted.action must be reduce_only or halted"},
      {[](RiskConfig& c) { c.breakers.book_crossed.cooldown_ms = -1; },
       "risk.breakers.book_crossed.cooldown_ms must be > 0"},
      {[](RiskConfig& c) { c.breakers.reject_rate.window_ms = 0; },
       "risk.breakers.reject_rate.window_ms must be > 0"},
      {[](RiskConfig& c) { c.breakers.reject_rate.max_rejects = 64; },
       "risk.breakers.reject_rate.max_rejects must be in [0, 63]"},
      {[](RiskConfig& c) { c.breakers.price_jump.max_move_bps = 0; },
       "risk.breakers.price_jump.max_move_bps must be in [1, 10000]"},
      {[](RiskConfig& c) { c.breakers.price_jump.window_ms = int64_t{1} << 50; },
       "risk.breakers.price_jump.window_ms must be <= 1099511627776"},
      {[](RiskConfig& c) { c.breakers.latency.max_spikes = 100; },
       "risk.breakers.latency.max_spikes must be in [0, 63]"},
      {[](RiskConfig& c) { c.breakers.latency.max_tick_to_quote_us = 0; },
       "risk.breakers.latency.max_tick_to_quote_us must be > 0"},
      {[](RiskConfig& c) { c.breakers.latency.max_ack_us = 0; },
       "risk.breakers.latency.max_ack_us must be > 0"},
      {[](RiskConfig& c) { c.protection.stop_loss = -1; }, "risk.protection.stop_loss must be in [0, 10000]"},
      {[](RiskConfig& c) { c.protection.take_profit = 10'001; },
       "risk.protection.take_profit must be in [0, 10000]"},
      {[](RiskConfig& c) {
         c.protection.unit = DistanceUnit::kTicks;
         c.protection.trailing_stop = -3;
       },
       "risk.protection.trailing_stop must be >= 0"},
      {[](RiskConfig& c) { c.protection.close_offset = -1; },
       "risk.protection.close_offset must be in [0, 10000]"},
      {[](RiskConfig& c) { c.protection.retry_ms = 0; }, "risk.protection.retry_ms must be > 0"},
      {[](RiskConfig& c) { c.protection.enabled = true; },
       "risk.protection.enabled needs at least one of take_profit, stop_loss, trailing_stop > 0"},
  };
  for (const BadField& bad : cases) {
    RiskConfig c = base_config();
    bad.mutate(c);
    EXPECT_EQ(c.validate(), bad.message);
    RiskLimits untouched;
    untouched.max_order_qty = Qty{7};
    EXPECT_EQ(resolve_limits(c, btc(), untouched), bad.message);
    EXPECT_EQ(untouched.max_order_qty.lots, 7);
  }
}

TEST(RiskConfig, ResolveChecksTheInstrumentGrid) {
  RiskConfig c = base_config();
  RiskLimits l;
  c.max_order_qty = "0.0005";
  EXPECT_EQ(resolve_limits(c, btc(), l),
            "risk.max_order_qty \"0.0005\" is not a multiple of the qty step of BTCUSDT");
  c = base_config();
  c.max_position_qty = "0.0015";
  EXPECT_EQ(resolve_limits(c, btc(), l),
            "risk.max_position_qty \"0.0015\" is not a multiple of the qty step of BTCUSDT");
  c = base_config();
  c.max_order_qty = "1";
  EXPECT_EQ(resolve_limits(c, btc(), l), "risk.max_order_qty must be <= risk.max_position_qty");
  c = base_config();
  c.max_order_notional = "40000";
  EXPECT_EQ(resolve_limits(c, btc(), l), "risk.max_order_notional must be <= risk.max_exposure_notional");

  Instrument big_min = btc();
  big_min.min_qty = Qty{200};
  c = base_config();
  EXPECT_EQ(resolve_limits(c, big_min, l), "risk.max_order_qty must be >= the min order qty of BTCUSDT");
}

TEST(RiskConfig, ParsesEnumerationSpellings) {
  LimitPolicy p = LimitPolicy::kBlock;
  EXPECT_TRUE(parse_limit_policy("clip", p));
  EXPECT_EQ(p, LimitPolicy::kClip);
  EXPECT_FALSE(parse_limit_policy("Clip", p));
  DistanceUnit u = DistanceUnit::kBps;
  EXPECT_TRUE(parse_distance_unit("ticks", u));
  EXPECT_EQ(u, DistanceUnit::kTicks);
  EXPECT_FALSE(parse_distance_unit("pct", u));
  CloseType t = CloseType::kLimit;
  EXPECT_TRUE(parse_close_type("market", t));
  EXPECT_EQ(t, CloseType::kMarket);
  EXPECT_FALSE(parse_close_type("stop", t));
  TriggerBy tb = TriggerBy::kMarkPrice;
  EXPECT_TRUE(parse_trigger_by("LastPrice", tb));
  EXPECT_EQ(tb, TriggerBy::kLastPrice);
  EXPECT_FALSE(parse_trigger_by("last", tb));
  TradingState s = TradingState::kActive;
  EXPECT_TRUE(parse_trading_state("reduce_only", s));
  EXPECT_EQ(s, TradingState::kReduceOnly);
  EXPECT_TRUE(parse_trading_state("halted", s));
  EXPECT_EQ(s, TradingState::kHalted);
  EXPECT_FALSE(parse_trading_state("HALTED", s));
  EXPECT_EQ(to_string(TradingState::kReduceOnly), "reduce_only");
}

}  // namespace
}  // namespace mm
