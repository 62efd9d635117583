#include "risk/circuit_breakers.h"

#include <gtest/gtest.h>

#include "tests/risk/risk_test_util.h"

namespace mm {
namespace {

using test::calm;
using test::kMid;
using test::kMs;
using test::kSec;

constexpr TradingState kActive = TradingState::kActive;
constexpr TradingState kReduceOnly = TradingState::kReduceOnly;
constexpr TradingState kHalted = TradingState::kHalted;

// Breakers under test with a context that the test moves through time; the book is refreshed on every tick
// unless the test says otherwise.
struct Rig {
  explicit Rig(const RiskConfig& cfg = test::base_config()) : breakers(cfg.breakers, limits_of(cfg)) {}
  static RiskLimits limits_of(const RiskConfig& cfg) {
    RiskLimits l;
    EXPECT_EQ(resolve_limits(cfg, test::btc(), l), "");
    return l;
  }
  // Advances to `now` (ns since the rig's start) and evaluates.
  BreakerUpdate at(int64_t now, bool refresh_book = true) {
    ctx.wall_ns += now - ctx.now_ns;
    ctx.now_ns = now;
    if (refresh_book) ctx.book_update_ns = now;
    return breakers.update(ctx);
  }
  CircuitBreakers breakers;
  RiskContext ctx = calm(0);
};

TEST(CircuitBreakers, CalmMarketStaysActive) {
  Rig r;
  for (int64_t t = 0; t < 10 * kSec; t += 100 * kMs) {
    const BreakerUpdate u = r.at(t);
    EXPECT_EQ(u.state, kActive);
    EXPECT_EQ(u.cause, Breaker::kNone);
    EXPECT_EQ(u.tripped_mask, 0u);
  }
  for (int b = 1; b < static_cast<int>(Breaker::kKillSwitch); ++b) {
    EXPECT_EQ(r.breakers.trips(static_cast<Breaker>(b)), 0u) << to_string(static_cast<Breaker>(b));
  }
}

TEST(CircuitBreakers, StaleBookHaltsThenStepsBackPerCooldown) {
  Rig r;  // max_age 5000 ms, action halted, cool-down 1000 ms
  r.at(10 * kSec);
  EXPECT_EQ(r.at(15 * kSec, false).state, kActive);  // exactly 5 s old: not yet stale
  BreakerUpdate u = r.at(15 * kSec + 1, false);
  EXPECT_EQ(u.state, kHalted);
  EXPECT_EQ(u.cause, Breaker::kStaleBook);
  EXPECT_EQ(u.tripped_mask, breaker_bit(Breaker::kStaleBook));
  EXPECT_EQ(r.breakers.trips(Breaker::kStaleBook), 1u);
  EXPECT_EQ(r.at(15 * kSec + 500 * kMs, false).tripped_mask, 0u);  // still stale: the same trip
  EXPECT_EQ(r.breakers.trips(Breaker::kStaleBook), 1u);

  // Fresh again at 16 s: the cool-down counts from the first tick that sees the book fresh.
  EXPECT_EQ(r.at(16 * kSec).state, kHalted);
  EXPECT_FALSE(r.breakers.condition(Breaker::kStaleBook));
  EXPECT_EQ(r.at(17 * kSec - 1).state, kHalted);
  EXPECT_EQ(r.at(17 * kSec).state, kReduceOnly);
  EXPECT_EQ(r.breakers.cause(), Breaker::kStaleBook);
  EXPECT_EQ(r.at(18 * kSec - 1).state, kReduceOnly);
  EXPECT_EQ(r.at(18 * kSec).state, kActive);
  EXPECT_EQ(r.breakers.cause(), Breaker::kNone);
  EXPECT_EQ(r.breakers.trips(Breaker::kStaleBook), 1u);
}

TEST(CircuitBreakers, ConditionReturningDuringCooldownRestartsIt) {
  Rig r;
  r.at(0);
  r.ctx.book_crossed = true;
  EXPECT_EQ(r.at(1 * kSec).state, kHalted);
  r.ctx.book_crossed = false;
  EXPECT_EQ(r.at(2 * kSec).state, kHalted);
  EXPECT_EQ(r.at(3 * kSec).state, kReduceOnly);
  r.ctx.book_crossed = true;
  const BreakerUpdate u = r.at(3 * kSec + 100 * kMs);
  EXPECT_EQ(u.state, kHalted);
  EXPECT_EQ(u.cause, Breaker::kBookCrossed);
  EXPECT_EQ(u.tripped_mask, breaker_bit(Breaker::kBookCrossed));
  EXPECT_EQ(r.breakers.trips(Breaker::kBookCrossed), 2u);
  r.ctx.book_crossed = false;
  EXPECT_EQ(r.at(4 * kSec).state, kHalted);
  EXPECT_EQ(r.at(5 * kSec - 1).state, kHalted);
  EXPECT_EQ(r.at(5 * kSec).state, kReduceOnly);
  EXPECT_EQ(r.at(6 * kSec).state, kActive);
}

TEST(CircuitBreakers, ActionIsConfigurablePerBreaker) {
  RiskConfig cfg = test::base_config();
  cfg.breakers.book_untrusted.action = TradingState::kReduceOnly;
  cfg.breakers.book_untrusted.cooldown_ms = 2'000;
  Rig r(cfg);
  r.at(0);
  r.ctx.book_trusted = false;
  BreakerUpdate u = r.at(1 * kSec);
  EXPECT_EQ(u.state, kReduceOnly);
  EXPECT_EQ(u.cause, Breaker::kBookUntrusted);
  r.ctx.book_trusted = true;
  EXPECT_EQ(r.at(2 * kSec).state, kReduceOnly);
  EXPECT_EQ(r.at(4 * kSec - 1).state, kReduceOnly);
  EXPECT_EQ(r.at(4 * kSec).state, kActive);  // one step from REDUCE_ONLY
}

TEST(CircuitBreakers, DisabledBreakerNeverTrips) {
  RiskConfig cfg = test::base_config();
  cfg.breakers.book_crossed.enabled = false;
  Rig r(cfg);
  r.ctx.book_crossed = true;
  EXPECT_EQ(r.at(1 * kSec).state, kActive);
  EXPECT_EQ(r.breakers.trips(Breaker::kBookCrossed), 0u);
}

TEST(CircuitBreakers, MostSevereBreakerWins) {
  RiskConfig cfg = test::base_config();
  cfg.breakers.book_untrusted.action = TradingState::kReduceOnly;
  Rig r(cfg);
  r.ctx.book_trusted = false;
  r.ctx.book_crossed = true;
  const BreakerUpdate u = r.at(1 * kSec);
  EXPECT_EQ(u.state, kHalted);
  EXPECT_EQ(u.cause, Breaker::kBookCrossed);
  EXPECT_EQ(u.tripped_mask, breaker_bit(Breaker::kBookCrossed) | breaker_bit(Breaker::kBookUntrusted));
  EXPECT_EQ(r.breakers.level(Breaker::kBookUntrusted), kReduceOnly);
}

TEST(CircuitBreakers, DailyLossHoldsUntilTheNextUtcDay) {
  Rig r;  // max_loss 100 USDT, halted, cool-down 60 s
  // The rig's wall clock starts at 1700000000 s (22:13:20 UTC): the UTC day ends 6400 s later.
  const int64_t midnight = (1'700'006'400 - 1'700'000'000) * kSec;
  r.at(10 * kSec);
  r.ctx.realized_pnl = test::usdt(-60);
  r.ctx.unrealized_pnl = test::usdt(-30);
  r.ctx.fees_paid = test::usdt(9);
  EXPECT_EQ(r.at(20 * kSec).state, kActive);  // -99
  r.ctx.fees_paid = test::usdt(10);
  BreakerUpdate u = r.at(21 * kSec);  // -100
  EXPECT_EQ(u.state, kHalted);
  EXPECT_EQ(u.cause, Breaker::kDailyLoss);
  EXPECT_EQ(r.breakers.net_pnl(), test::usdt(-100));

  // The PnL recovers, but the day is lost: no cool-down before midnight.
  r.ctx.realized_pnl = test::usdt(50);
  r.ctx.unrealized_pnl = Money{};
  r.ctx.fees_paid = Money{};
  EXPECT_EQ(r.at(1'000 * kSec).state, kHalted);
  EXPECT_FALSE(r.breakers.condition(Breaker::kDailyLoss));
  EXPECT_EQ(r.at(midnight - 1).state, kHalted);

  // First tick of the next UTC day: released; the cool-down steps start here.
  EXPECT_EQ(r.at(midnight).state, kHalted);
  EXPECT_EQ(r.breakers.day_start_pnl(), test::usdt(50));
  EXPECT_EQ(r.at(midnight + 60 * kSec).state, kReduceOnly);
  EXPECT_EQ(r.at(midnight + 120 * kSec).state, kActive);
  EXPECT_EQ(r.breakers.trips(Breaker::kDailyLoss), 1u);

  // The new day counts from its own start: 99 lost today does not trip, 100 does.
  r.ctx.realized_pnl = test::usdt(-49);
  EXPECT_EQ(r.at(midnight + 200 * kSec).state, kActive);
  r.ctx.realized_pnl = test::usdt(-50);
  EXPECT_EQ(r.at(midnight + 201 * kSec).state, kHalted);
  EXPECT_EQ(r.breakers.trips(Breaker::kDailyLoss), 2u);
}

TEST(CircuitBreakers, DrawdownFromPeak) {
  Rig r;  // max_drawdown 200 USDT, halted, cool-down 60 s
  r.at(0);
  r.ctx.realized_pnl = test::usdt(500);
  EXPECT_EQ(r.at(1 * kSec).state, kActive);
  r.ctx.realized_pnl = test::usdt(400);
  r.ctx.unrealized_pnl = test::usdt(-99);
  EXPECT_EQ(r.at(2 * kSec).state, kActive);  // 199 below the peak
  r.ctx.unrealized_pnl = test::usdt(-100);
  BreakerUpdate u = r.at(3 * kSec);
  EXPECT_EQ(u.state, kHalted);
  EXPECT_EQ(u.cause, Breaker::kDrawdown);
  EXPECT_EQ(r.breakers.peak_pnl(), test::usdt(500));
  // Recovers within the drawdown: the cool-down runs from the last bad tick.
  r.ctx.unrealized_pnl = test::usdt(-50);
  EXPECT_EQ(r.at(4 * kSec).state, kHalted);
  EXPECT_EQ(r.at(64 * kSec - 1).state, kHalted);
  EXPECT_EQ(r.at(64 * kSec).state, kReduceOnly);
  EXPECT_EQ(r.at(124 * kSec).state, kActive);
  // A new peak moves the reference up.
  r.ctx.unrealized_pnl = test::usdt(400);  // 800
  EXPECT_EQ(r.at(125 * kSec).state, kActive);
  r.ctx.unrealized_pnl = test::usdt(200);  // 600 = 800 - 200
  EXPECT_EQ(r.at(126 * kSec).state, kHalted);
  EXPECT_EQ(r.breakers.trips(Breaker::kDrawdown), 2u);
}

TEST(CircuitBreakers, PriceJumpWithinWindowTrips) {
  Rig r;  // 100 bps within 1000 ms, reduce_only, cool-down 30 s
  r.at(0);
  r.ctx.mid = Price{kMid + kMid / 100};  // exactly +100 bps: not more than the limit
  EXPECT_EQ(r.at(500 * kMs).state, kActive);
  r.ctx.mid = Price{kMid + kMid / 100 + 1};
  const BreakerUpdate u = r.at(600 * kMs);
  EXPECT_EQ(u.state, kReduceOnly);
  EXPECT_EQ(u.cause, Breaker::kPriceJump);
  EXPECT_EQ(r.breakers.trips(Breaker::kPriceJump), 1u);
  // Holds while the pre-jump mid is inside the window, clears after it, then one cool-down to ACTIVE.
  EXPECT_TRUE(r.breakers.condition(Breaker::kPriceJump));
  r.at(1'000 * kMs);
  EXPECT_TRUE(r.breakers.condition(Breaker::kPriceJump));
  r.at(1'001 * kMs);
  EXPECT_FALSE(r.breakers.condition(Breaker::kPriceJump));
  EXPECT_EQ(r.at(31'001 * kMs - 1).state, kReduceOnly);
  EXPECT_EQ(r.at(31'001 * kMs).state, kActive);
}

TEST(CircuitBreakers, PriceMoveSpreadBeyondTheWindowDoesNotTrip) {
  Rig r;
  // +5 bps of the start every 100 ms for 4 s: 200 bps in total, never more than 50 bps within one second.
  for (int k = 0; k <= 40; ++k) {
    r.ctx.mid = Price{kMid + k * (kMid / 2'000)};
    EXPECT_EQ(r.at(int64_t{k} * 100 * kMs).state, kActive) << k;
  }
  // The same size of move within the window trips: the jump is compared with every sample in the window.
  r.ctx.mid = Price{r.ctx.mid.ticks - r.ctx.mid.ticks / 50};  // -200 bps
  EXPECT_EQ(r.at(4'050 * kMs).state, kReduceOnly);
}

TEST(CircuitBreakers, JumpAgainstAnOldSampleOutsideTheWindowDoesNotTrip) {
  Rig r;
  r.at(0);
  r.ctx.mid = Price{kMid + kMid / 20};  // +500 bps, but 1.001 s later
  EXPECT_EQ(r.at(1'001 * kMs).state, kActive);
  EXPECT_EQ(r.breakers.trips(Breaker::kPriceJump), 0u);
}

TEST(CircuitBreakers, RejectRate) {
  Rig r;  // more than 10 rejects within 10 s: reduce_only, cool-down 30 s
  r.at(0);
  for (int k = 0; k < 10; ++k) r.breakers.on_reject(1 * kSec + k * kMs);
  EXPECT_EQ(r.at(2 * kSec).state, kActive);
  r.breakers.on_reject(2 * kSec);
  const BreakerUpdate u = r.at(2 * kSec);
  EXPECT_EQ(u.state, kReduceOnly);
  EXPECT_EQ(u.cause, Breaker::kRejectRate);
  // The first reject leaves the window after 11 s: 10 left, the condition clears.
  EXPECT_EQ(r.at(11 * kSec).state, kReduceOnly);
  EXPECT_TRUE(r.breakers.condition(Breaker::kRejectRate));
  EXPECT_EQ(r.at(11 * kSec + 1).state, kReduceOnly);
  EXPECT_FALSE(r.breakers.condition(Breaker::kRejectRate));
  EXPECT_EQ(r.at(41 * kSec).state, kReduceOnly);
  EXPECT_EQ(r.at(41 * kSec + 1).state, kActive);
  EXPECT_EQ(r.breakers.trips(Breaker::kRejectRate), 1u);
}

TEST(CircuitBreakers, RejectsSpreadOutDoNotTrip) {
  Rig r;
  for (int k = 0; k < 40; ++k) {
    const int64_t t = int64_t{k} * 1'100 * kMs;  // at most 10 within any 10 s
    r.breakers.on_reject(t);
    EXPECT_EQ(r.at(t).state, kActive) << k;
  }
}

TEST(CircuitBreakers, LatencySpikes) {
  Rig r;  // more than 5 spikes within 10 s (tick-to-quote > 1000 us, ack > 500 ms): reduce_only
  r.at(0);
  for (int k = 0; k < 20; ++k)
    r.breakers.on_latency(LatencyKind::kTickToQuote, 1 * kSec + k, 1'000'000);  // = limit
  for (int k = 0; k < 20; ++k) r.breakers.on_latency(LatencyKind::kAck, 1 * kSec + 100 + k, 500'000'000);
  EXPECT_EQ(r.at(2 * kSec).state, kActive);
  for (int k = 0; k < 3; ++k) r.breakers.on_latency(LatencyKind::kTickToQuote, 2 * kSec + k, 1'000'001);
  r.breakers.on_latency(LatencyKind::kAck, 2 * kSec + 10, 500'000'001);
  r.breakers.on_latency(LatencyKind::kAck, 2 * kSec + 11, 900'000'000);
  EXPECT_EQ(r.at(3 * kSec).state, kActive);  // 5 spikes
  r.breakers.on_latency(LatencyKind::kAck, 3 * kSec, 2'000'000'000);
  const BreakerUpdate u = r.at(3 * kSec);
  EXPECT_EQ(u.state, kReduceOnly);
  EXPECT_EQ(u.cause, Breaker::kLatency);
  // The spikes age out 10 s after the first; 30 s of cool-down later trading resumes.
  EXPECT_EQ(r.at(12 * kSec + 1).state, kReduceOnly);
  EXPECT_FALSE(r.breakers.condition(Breaker::kLatency));
  EXPECT_EQ(r.at(42 * kSec).state, kReduceOnly);
  EXPECT_EQ(r.at(42 * kSec + 1).state, kActive);
}

}  // namespace
}  // namespace mm
