// What Trader::rehearse() buys: the time of one decision (book update -> strategy -> quoter -> risk -> venue)
// after the thread has spun idle for a while, with and without rehearsals during the idle time, as the live
// node's one-thread loop runs them (live.warm_interval_us). Same run, same trader: compare the rows.
//
//   ./build/release/bench/strategy_bench --benchmark_filter=DecideAfterIdle
//
// Args: idle time (µs) before each timed decision, rehearsal interval (µs; 0 = none). idle 0 is the
// tight-loop baseline. Each decision amends the three levels per side (the book steps 3 ticks each time);
// the venue takes everything and the order stream's answers are applied outside the timed part.
// Counters p50_us / p90_us: the decision's own percentiles.
#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>

#include "bench/bench_util.h"
#include "strategy/fixed_spread.h"
#include "strategy/trader.h"

namespace mm {
namespace {

using bench::Clock;

// Takes every request and keeps the last ones, so that the loop can answer them like the order stream.
struct AnsweringVenue {
  int64_t now = 1'786'310'820'000'000'000;
  std::vector<OrderCreate> creates;
  std::vector<OrderAmend> amends;
  int64_t now_ns() const noexcept { return now; }
  bool send_creates(std::span<const OrderCreate> a) noexcept {
    for (const OrderCreate& c : a) creates.push_back(c);
    return true;
  }
  bool send_amends(std::span<const OrderAmend> a) noexcept {
    for (const OrderAmend& m : a) amends.push_back(m);
    return true;
  }
  bool send_cancels(std::span<const OrderCancel>) noexcept { return true; }
  bool send_cancel_all(const CancelAll&) noexcept { return true; }
};

template <class T>
void answer(T& t, AnsweringVenue& v) {
  for (const OrderCreate& c : v.creates) {
    t.on_acked(c.link_id.view(), OrderEventKind::kCreateAcked);
    OrderUpdate u;
    u.instrument = 0;
    u.side = c.side;
    u.status = OrderStatus::kNew;
    u.price = c.price;
    u.qty = u.leaves_qty = c.qty;
    (void)u.order_link_id.set(c.link_id.view());
    t.on_order(u);
  }
  for (const OrderAmend& m : v.amends) {
    const OrderHandle h = t.orders().find(m.link_id.view());
    if (!h.valid()) continue;
    const OwnOrder& o = t.orders().get(h);
    t.on_acked(m.link_id.view(), OrderEventKind::kAmendAcked);
    OrderUpdate u;
    u.instrument = 0;
    u.side = o.side;
    u.status = OrderStatus::kNew;
    u.price = m.price ? *m.price : o.price;
    u.qty = u.leaves_qty = o.leaves;
    (void)u.order_link_id.set(m.link_id.view());
    t.on_order(u);
  }
  v.creates.clear();
  v.amends.clear();
}

void BM_DecideAfterIdle(benchmark::State& state) {
  const auto idle = std::chrono::microseconds(state.range(0));
  const auto rehearse_every = std::chrono::microseconds(state.range(1));
  Instrument inst;
  if (make_instrument({Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"},
                      inst) != InstrumentError::kOk) {
    state.SkipWithError("instrument");
    return;
  }
  RiskConfig risk_cfg;
  risk_cfg.max_order_qty = "1";
  risk_cfg.max_position_qty = "2";
  risk_cfg.max_order_notional = "100000";
  risk_cfg.max_exposure_notional = "500000";
  FixedSpreadConfig f;
  f.half_spread_ticks = 5;
  f.order_size_lots = 10;
  f.levels = 3;
  f.level_spacing_ticks = 2;
  TraderConfig cfg;
  cfg.max_position_lots = 2000;
  cfg.amend_per_second = cfg.amend_burst = 1'000'000;  // the budget never decides what is sent
  cfg.create_per_second = cfg.create_burst = 1'000'000;
  AnsweringVenue v;
  v.creates.reserve(64);
  v.amends.reserve(64);
  FixedSpread s(f);
  RiskEngine risk(risk_cfg, inst, 0);
  Trader<AnsweringVenue, FixedSpread> t(inst, 0, v, s, risk, cfg);
  Rehearsal<FixedSpread> r(s);
  PriceLevel levels[10];
  int64_t update = 0;
  const auto book = [&](int64_t bid) {
    for (int i = 0; i < 5; ++i) levels[i] = {Price{bid - i}, Qty{1000}};
    for (int i = 0; i < 5; ++i) levels[5 + i] = {Price{bid + 1 + i}, Qty{1000}};
    BookUpdate b;
    b.instrument = 0;
    b.snapshot = true;
    b.update_id = ++update;
    b.bids = levels;
    b.bid_count = 5;
    b.asks = levels + 5;
    b.ask_count = 5;
    return b;
  };
  (void)t.on_book(book(650000), v.now);
  answer(t, v);
  bench::Percentiles pct;
  for (auto _ : state) {
    bench::spin_idle(idle, rehearse_every, [&] { t.rehearse(r); });
    v.now += 20'000'000;
    const BookUpdate b = book(update % 2 == 0 ? 650000 : 650003);
    const auto t0 = Clock::now();
    (void)t.on_book(b, v.now);
    const auto t1 = Clock::now();
    answer(t, v);
    pct.add(state, t0, t1);
  }
  pct.report(state);
  state.counters["amends"] = static_cast<double>(t.counters().amends);
}
BENCHMARK(BM_DecideAfterIdle)
    ->Args({0, 0})
    ->Args({2000, 0})
    ->Args({2000, 20})
    ->Args({200, 0})
    ->Args({200, 20})
    ->UseManualTime()
    ->Iterations(600)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace mm
