#include "risk/risk_engine.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "tests/risk/risk_test_util.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

using test::base_config;
using test::calm;
using test::kMid;
using test::kMs;
using test::kSec;
using test::limit_order;

RiskEngine make_engine(const RiskConfig& cfg = base_config()) {
  return {cfg, test::btc(), test::kBtcId, 0};
}

TEST(RiskEngine, ConstructorRefusesAnInvalidConfig) {
  RiskConfig cfg = base_config();
  cfg.max_order_qty = "0.0005";
  try {
    const RiskEngine e(cfg, test::btc(), test::kBtcId);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "risk.max_order_qty \"0.0005\" is not a multiple of the qty step of BTCUSDT");
  }
}

TEST(RiskEngine, StartsActiveAndChecksOrders) {
  RiskEngine e = make_engine();
  const RiskTick t = e.on_tick(calm());
  EXPECT_EQ(t.state, TradingState::kActive);
  EXPECT_FALSE(t.cancel_all);
  EXPECT_EQ(t.protection, ProtectionTrigger::kNone);
  EXPECT_TRUE(e.check(limit_order(Side::kBuy, kMid - 10, 5), calm()).allowed());
  EXPECT_EQ(e.check(limit_order(Side::kBuy, kMid - 10, 500), calm()).rule, RiskRule::kMaxOrderQty);
  EXPECT_EQ(e.blocked(RiskRule::kMaxOrderQty), 1u);
}

TEST(RiskEngine, BreakerTripRequestsCancelAllAndGatesOrders) {
  RiskEngine e = make_engine();
  RiskContext x = calm(1 * kSec);
  x.position_lots = 50;
  ASSERT_EQ(e.on_tick(x).state, TradingState::kActive);

  x.now_ns = 2 * kSec;
  x.book_update_ns = x.now_ns;
  x.book_crossed = true;  // halted, 1 s cool-down
  RiskTick t = e.on_tick(x);
  EXPECT_EQ(t.previous, TradingState::kActive);
  EXPECT_EQ(t.state, TradingState::kHalted);
  EXPECT_EQ(t.cause, Breaker::kBookCrossed);
  EXPECT_EQ(t.tripped_mask, breaker_bit(Breaker::kBookCrossed));
  EXPECT_TRUE(t.cancel_all);
  EXPECT_TRUE(e.cancel_all_requested());
  e.clear_cancel_all();
  EXPECT_FALSE(e.cancel_all_requested());
  OrderCreate reduce = limit_order(Side::kSell, kMid + 10, 10);
  EXPECT_EQ(e.check(reduce, x).rule, RiskRule::kHalted);
  OrderCancel cancel;
  cancel.instrument = test::kBtcId;
  EXPECT_TRUE(RiskEngine::check(cancel).allowed());

  // Cleared at 3 s; REDUCE_ONLY at 4 s (no new cancel-all on a step down), ACTIVE at 5 s.
  x.book_crossed = false;
  for (const int64_t now : {3 * kSec, 4 * kSec}) {
    x.now_ns = now;
    x.book_update_ns = now;
    t = e.on_tick(x);
  }
  EXPECT_EQ(t.state, TradingState::kReduceOnly);
  EXPECT_EQ(t.previous, TradingState::kHalted);
  EXPECT_FALSE(t.cancel_all);
  EXPECT_TRUE(e.check(reduce, x).allowed());
  EXPECT_EQ(e.check(limit_order(Side::kBuy, kMid - 10, 1), x).rule, RiskRule::kReduceOnlyState);
  x.now_ns = 5 * kSec;
  x.book_update_ns = x.now_ns;
  EXPECT_EQ(e.on_tick(x).state, TradingState::kActive);
  EXPECT_TRUE(e.check(limit_order(Side::kBuy, kMid - 10, 1), x).allowed());
  EXPECT_EQ(e.trips(Breaker::kBookCrossed), 1u);
}

TEST(RiskEngine, EnteringReduceOnlyRequestsCancelAllToo) {
  RiskEngine e = make_engine();
  RiskContext x = calm(1 * kSec);
  ASSERT_FALSE(e.on_tick(x).cancel_all);
  for (int k = 0; k < 11; ++k) e.on_reject(x.now_ns);
  const RiskTick t = e.on_tick(x);
  EXPECT_EQ(t.state, TradingState::kReduceOnly);
  EXPECT_EQ(t.cause, Breaker::kRejectRate);
  EXPECT_TRUE(t.cancel_all);
}

TEST(RiskEngine, KillSwitchHoldsUntilManualReset) {
  RiskEngine e = make_engine();
  RiskContext x = calm(1 * kSec);
  ASSERT_EQ(e.on_tick(x).state, TradingState::kActive);
  e.kill();
  EXPECT_TRUE(e.killed());
  EXPECT_EQ(e.state(), TradingState::kHalted);
  EXPECT_EQ(e.cause(), Breaker::kKillSwitch);
  EXPECT_TRUE(e.cancel_all_requested());
  EXPECT_EQ(e.check(limit_order(Side::kBuy, kMid - 10, 1), x).rule, RiskRule::kHalted);
  e.clear_cancel_all();
  // No cool-down lifts it, however long the market stays calm.
  for (int64_t now = 2 * kSec; now < 3'600 * kSec; now += 60 * kSec) {
    x.now_ns = now;
    x.book_update_ns = now;
    const RiskTick t = e.on_tick(x);
    EXPECT_EQ(t.state, TradingState::kHalted);
    EXPECT_EQ(t.cause, Breaker::kKillSwitch);
    EXPECT_FALSE(t.cancel_all);
  }
  e.kill();  // again: re-arms the cancel-all, counts once
  EXPECT_TRUE(e.cancel_all_requested());
  EXPECT_EQ(e.trips(Breaker::kKillSwitch), 1u);
  e.clear_cancel_all();
  e.reset_kill();
  EXPECT_FALSE(e.killed());
  EXPECT_EQ(e.state(), TradingState::kActive);
  EXPECT_EQ(e.cause(), Breaker::kNone);
  EXPECT_FALSE(e.cancel_all_requested());
  EXPECT_TRUE(e.check(limit_order(Side::kBuy, kMid - 10, 1), x).allowed());
}

TEST(RiskEngine, ResetKillFallsBackToTheBreakersState) {
  RiskEngine e = make_engine();
  RiskContext x = calm(1 * kSec);
  x.book_trusted = false;
  ASSERT_EQ(e.on_tick(x).state, TradingState::kHalted);
  e.kill();
  EXPECT_EQ(e.cause(), Breaker::kKillSwitch);
  e.reset_kill();
  EXPECT_EQ(e.state(), TradingState::kHalted);
  EXPECT_EQ(e.cause(), Breaker::kBookUntrusted);
}

TEST(RiskEngine, ProtectionIntentIsCappedAndWaitsOutAHalt) {
  RiskConfig cfg = base_config();
  cfg.protection.enabled = true;
  cfg.protection.unit = DistanceUnit::kTicks;
  cfg.protection.stop_loss = 50;
  RiskEngine e = make_engine(cfg);
  RiskContext x = calm(1 * kSec);
  x.position_lots = 300;  // above max_order_qty (100)
  x.avg_entry = Price{kMid};
  ASSERT_EQ(e.on_tick(x).protection, ProtectionTrigger::kNone);

  // Stop loss hit while the book is untrusted: halted, so no intent.
  x.now_ns = 2 * kSec;
  x.book_update_ns = x.now_ns;
  x.mid = Price{kMid - 60};
  x.best_bid = Price{kMid - 61};
  x.best_ask = Price{kMid - 59};
  x.book_trusted = false;
  RiskTick t = e.on_tick(x);
  EXPECT_EQ(t.state, TradingState::kHalted);
  EXPECT_EQ(t.protection, ProtectionTrigger::kNone);

  // Trusted again; once the state steps back to REDUCE_ONLY, the stop fires.
  x.book_trusted = true;
  for (const int64_t now : {3 * kSec, 4 * kSec}) {
    x.now_ns = now;
    x.book_update_ns = now;
    t = e.on_tick(x);
  }
  ASSERT_EQ(t.state, TradingState::kReduceOnly);
  ASSERT_EQ(t.protection, ProtectionTrigger::kStopLoss);
  EXPECT_EQ(t.close.side, Side::kSell);
  EXPECT_EQ(t.close.qty.lots, 100);  // capped at max_order_qty; the retry sends the rest
  EXPECT_TRUE(t.close.reduce_only);
  EXPECT_TRUE(e.check(t.close, x).allowed());
  EXPECT_EQ(e.protection_triggers(ProtectionTrigger::kStopLoss), 1u);

  TradingStop ts;
  ASSERT_TRUE(e.trading_stop(x.position_lots, x.avg_entry, ts));
  EXPECT_EQ(ts.stop_loss->ticks, kMid - 50);
}

TEST(RiskEngine, CheckAndOnTickDoNotAllocate) {
  RiskConfig cfg = base_config();
  cfg.protection.enabled = true;
  cfg.protection.take_profit = 20;
  cfg.protection.stop_loss = 20;
  cfg.protection.trailing_stop = 10;
  RiskEngine e = make_engine(cfg);
  RiskContext x = calm(1 * kSec);
  x.position_lots = 40;
  x.avg_entry = Price{kMid};
  x.open_orders = 4;
  x.open_buy_lots = 10;
  x.open_buy_notional = test::usdt(650);
  const OrderCreate create = limit_order(Side::kBuy, kMid - 10, 5);
  OrderAmend amend;
  amend.instrument = test::kBtcId;
  amend.price = Price{kMid - 20};
  const RestingOrder resting{Side::kBuy, Price{kMid - 10}, Qty{10}, Qty{0}, false};

  // 100 s of 1 ms ticks through trips (crossed book, a latency burst, reject bursts) and recoveries.
  test::AllocScope scope;
  uint64_t allowed = 0;
  uint32_t states_seen = 0;
  for (int k = 0; k < 100'000; ++k) {
    x.now_ns += 1 * kMs;
    x.wall_ns += 1 * kMs;
    x.book_update_ns = x.now_ns;
    x.mid = Price{kMid + (k % 200) - 100};
    x.best_bid = Price{x.mid.ticks - 1};
    x.best_ask = Price{x.mid.ticks + 1};
    x.book_crossed = k % 20'000 == 500;
    if (k % 20'000 < 2'000 && k % 100 == 0) e.on_reject(x.now_ns);
    const bool burst = k >= 50'000 && k < 50'010;
    e.on_latency(LatencyKind::kTickToQuote, x.now_ns, burst ? 2'000'000 : 100'000);
    const RiskTick t = e.on_tick(x);
    states_seen |= 1u << static_cast<unsigned>(t.state);
    if (t.cancel_all) e.clear_cancel_all();
    allowed += e.check(create, x).allowed() ? 1 : 0;
    allowed += e.check(amend, resting, x).allowed() ? 1 : 0;
  }
  EXPECT_EQ(states_seen, 7u);  // active, reduce-only and halted all visited
  EXPECT_GT(allowed, 0u);
  EXPECT_GT(e.trips(Breaker::kLatency), 0u);
  EXPECT_GT(e.trips(Breaker::kRejectRate), 0u);
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace
}  // namespace mm
