// Risk layer cost per call on the decision thread: one pre-trade check of a new quote, and one tick of the
// breakers + protection, both in the common case (ACTIVE, everything within limits) with a full config.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>

#include "core/instrument.h"
#include "risk/risk_engine.h"

namespace mm {
namespace {

constexpr InstrumentId kId = 0;
constexpr int64_t kMid = 650'000;  // 65000.00 at tick 0.10
constexpr int64_t kMs = 1'000'000;

Instrument btc() {
  Instrument in;
  const InstrumentSpec s{Category::kLinear, "BTCUSDT", "Trading",  "2", "0.10",
                         "0.001",           "0.001",   "1500.000", "5"};
  if (make_instrument(s, in) != InstrumentError::kOk) std::abort();
  return in;
}

RiskConfig config() {
  RiskConfig c;
  c.max_order_qty = "0.1";
  c.max_position_qty = "0.5";
  c.max_order_notional = "10000";
  c.max_exposure_notional = "30000";
  c.protection.enabled = true;
  c.protection.take_profit = 30;
  c.protection.stop_loss = 30;
  c.protection.trailing_stop = 20;
  return c;
}

RiskContext context() {
  RiskContext x;
  x.now_ns = 1'000 * kMs;
  x.wall_ns = int64_t{1'700'000'000} * 1'000 * kMs;
  x.mid = Price{kMid};
  x.best_bid = Price{kMid - 1};
  x.best_ask = Price{kMid + 1};
  x.book_trusted = true;
  x.book_update_ns = x.now_ns;
  x.position_lots = 120;
  x.avg_entry = Price{kMid - 50};
  x.realized_pnl = Money{25 * kMoneyOne};
  x.unrealized_pnl = Money{6 * kMoneyOne};
  x.fees_paid = Money{2 * kMoneyOne};
  x.open_orders = 6;
  x.open_buy_lots = 30;
  x.open_sell_lots = 30;
  x.open_buy_notional = Money{1950 * kMoneyOne};
  x.open_sell_notional = Money{1950 * kMoneyOne};
  return x;
}

void BM_RiskCheckCreate(benchmark::State& state) {
  RiskEngine engine(config(), btc(), kId);
  RiskContext x = context();
  (void)engine.on_tick(x);
  OrderCreate o;
  o.instrument = kId;
  o.side = Side::kBuy;
  o.type = OrderType::kLimit;
  o.tif = TimeInForce::kPostOnly;
  o.qty = Qty{10};
  o.price = Price{kMid - 5};
  // The measured path is the full one: every rule evaluated and passed.
  if (!engine.check(o, x).allowed()) state.SkipWithError("the benchmark order is blocked");
  int64_t k = 0;
  for (auto _ : state) {
    o.side = (k & 1) != 0 ? Side::kSell : Side::kBuy;
    o.price = Price{(k & 1) != 0 ? kMid + 5 + (k & 7) : kMid - 5 - (k & 7)};
    ++k;
    benchmark::DoNotOptimize(x);
    const RiskVerdict v = engine.check(o, x);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_RiskCheckCreate);

void BM_RiskOnTick(benchmark::State& state) {
  RiskEngine engine(config(), btc(), kId);
  RiskContext x = context();
  for (auto _ : state) {
    // 100 us between ticks, a mid that wanders within the limits, a fresh book each time.
    x.now_ns += 100'000;
    x.wall_ns += 100'000;
    x.book_update_ns = x.now_ns;
    x.mid = Price{kMid + ((x.now_ns / 100'000) & 31) - 16};
    x.best_bid = Price{x.mid.ticks - 1};
    x.best_ask = Price{x.mid.ticks + 1};
    benchmark::DoNotOptimize(x);
    const RiskTick t = engine.on_tick(x);
    benchmark::DoNotOptimize(t);
  }
  if (engine.state() != TradingState::kActive) state.SkipWithError("a breaker tripped in the steady state");
}
BENCHMARK(BM_RiskOnTick);

}  // namespace
}  // namespace mm
