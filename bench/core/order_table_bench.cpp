#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/instrument.h"
#include "core/order_state.h"
#include "core/order_table.h"
#include "core/position.h"
#include "core/rate_limiter.h"

namespace mm {
namespace {

// A full quoting session's worth of resting orders (200 of 256 slots), looked up in random order by the id
// string the order stream delivers.
void BM_OrderTableLookup(benchmark::State& state) {
  OrderTable table(256, "mmq", 1'000'000);
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    NewOrder o;
    o.instrument = 0;
    o.price = Price{100 + i};
    o.qty = Qty{1};
    OrderHandle h;
    OrderCreate req;
    if (table.create(o, i, h, req) != TableError::kOk) state.SkipWithError("create failed");
    ids.emplace_back(req.link_id.view());
  }
  std::mt19937 rng(1);
  std::vector<uint32_t> order(4096);
  for (auto& x : order) x = rng() % ids.size();
  size_t i = 0;
  for (auto _ : state) {
    const OrderHandle h = table.find(ids[order[i++ & 4095]]);
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OrderTableLookup);

// A lookup of an id that is not ours (a manual order, or one already released).
void BM_OrderTableLookupMiss(benchmark::State& state) {
  OrderTable table(256, "mmq", 1);
  for (int i = 0; i < 200; ++i) {
    NewOrder o;
    o.price = Price{100};
    o.qty = Qty{1};
    OrderHandle h;
    OrderCreate req;
    if (table.create(o, i, h, req) != TableError::kOk) state.SkipWithError("create failed");
  }
  const std::string id = "c4b1e2f0-manual-order-0001";
  for (auto _ : state) {
    const OrderHandle h = table.find(id);
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OrderTableLookupMiss);

// One transition, averaged over an order's typical life: sent, acked, New, partial fill, amend, amend ack,
// fill, stream PartiallyFilled, cancel, cancel ack, stream Cancelled (11 events).
void BM_StateTransition(benchmark::State& state) {
  const std::array<OrderEvent, 11> life = {
      OrderEvent::create_sent(Qty{10}),
      OrderEvent::create_acked(),
      OrderEvent::stream(StreamStatus::kNew, Price{100}, Qty{10}, Qty{0}, Qty{10}),
      OrderEvent::execution(Price{100}, Qty{2}),
      OrderEvent::amend_sent(Price{99}, Qty{0}),
      OrderEvent::make(OrderEventKind::kAmendAcked),
      OrderEvent::execution(Price{99}, Qty{3}),
      OrderEvent::stream(StreamStatus::kPartiallyFilled, Price{99}, Qty{10}, Qty{5}, Qty{5}),
      OrderEvent::make(OrderEventKind::kCancelSent),
      OrderEvent::make(OrderEventKind::kCancelAcked),
      OrderEvent::stream(StreamStatus::kCancelled, Price{99}, Qty{10}, Qty{5}, Qty{0}),
  };
  OrderFsm fsm;
  size_t i = 0;
  uint64_t errors = 0;
  for (auto _ : state) {
    if (i == 0) fsm = OrderFsm{};
    errors += transition(fsm, life[i]) != OrderError::kOk ? 1 : 0;
    benchmark::DoNotOptimize(fsm);
    i = i + 1 == life.size() ? 0 : i + 1;
  }
  if (errors != 0) state.SkipWithError("a transition was refused");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StateTransition);

// The table's full path for one order: create, find + apply for 6 events, release.
void BM_OrderTableLifecycle(benchmark::State& state) {
  OrderTable table(256, "mmq", 1);
  NewOrder o;
  o.price = Price{100};
  o.qty = Qty{10};
  int64_t now = 0;
  for (auto _ : state) {
    OrderHandle h;
    OrderCreate req;
    if (table.create(o, ++now, h, req) != TableError::kOk) state.SkipWithError("create failed");
    const std::string_view id = req.link_id.view();
    bool ok = table.apply(table.find(id), OrderEvent::create_acked(), now) == OrderError::kOk;
    ok &= table.apply(table.find(id),
                      OrderEvent::stream(StreamStatus::kNew, Price{100}, Qty{10}, Qty{0}, Qty{10}),
                      now) == OrderError::kOk;
    ok &= table.apply(table.find(id), OrderEvent::execution(Price{100}, Qty{4}), now) == OrderError::kOk;
    OrderCancel cancel;
    ok &= table.cancel(h, now, cancel) == OrderError::kOk;
    ok &= table.apply(table.find(id), OrderEvent::make(OrderEventKind::kCancelAcked), now) == OrderError::kOk;
    ok &= table.apply(table.find(id),
                      OrderEvent::stream(StreamStatus::kCancelled, Price{100}, Qty{10}, Qty{4}, Qty{0}),
                      now) == OrderError::kOk;
    ok &= table.release(h) == TableError::kOk;
    if (!ok) state.SkipWithError("lifecycle refused");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OrderTableLifecycle);

Instrument btc() {
  InstrumentSpec spec;
  spec.symbol = "BTCUSDT";
  spec.status = "Trading";
  spec.price_scale = "2";
  spec.tick_size = "0.10";
  spec.qty_step = "0.001";
  Instrument in;
  if (make_instrument(spec, in) != InstrumentError::kOk) std::abort();
  return in;
}

// Fills that open, add, reduce and flip (a market maker's inventory oscillates around flat), fee from a rate.
void BM_PositionFill(benchmark::State& state) {
  Position p(btc());
  std::mt19937 rng(3);
  struct F {
    Side side;
    Price price;
    Qty qty;
  };
  std::vector<F> fills(4096);
  for (auto& f : fills) {
    f.side = rng() % 2 == 0 ? Side::kBuy : Side::kSell;
    f.price = Price{650000 + static_cast<int64_t>(rng() % 200)};
    f.qty = Qty{1 + static_cast<int64_t>(rng() % 20)};
  }
  size_t i = 0;
  uint64_t errors = 0;
  for (auto _ : state) {
    const F& f = fills[i++ & 4095];
    errors += p.on_fill_at_rate(f.side, f.price, f.qty, -500'000) != PositionError::kOk ? 1 : 0;
    benchmark::DoNotOptimize(p);
  }
  if (errors != 0) state.SkipWithError("a fill was refused");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PositionFill);

// The mark-to-market the risk layer reads on every tick.
void BM_PositionEquityChange(benchmark::State& state) {
  Position p(btc());
  if (p.on_fill(Side::kBuy, Price{650000}, Qty{7}, Money{0}) != PositionError::kOk) std::abort();
  if (p.on_fill(Side::kBuy, Price{650013}, Qty{5}, Money{0}) != PositionError::kOk) std::abort();
  int64_t mark = 650000;
  for (auto _ : state) {
    Money m;
    const PositionError e = p.equity_change(Price{mark + (mark & 7)}, m);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(m);
    ++mark;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PositionEquityChange);

void BM_RateLimiterAcquire(benchmark::State& state) {
  TokenBucket b;
  if (b.configure(10, 10, 0) != RateError::kOk) std::abort();
  int64_t now = 0;
  for (auto _ : state) {
    now += 1'000;  // 1 us apart: mostly refused, as when the quoter wants more than the limit allows
    benchmark::DoNotOptimize(b.try_acquire(1, now));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RateLimiterAcquire);

}  // namespace
}  // namespace mm
