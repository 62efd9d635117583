// Quoting models and signals on the hot path: ns per quote() with 1 and 5 levels per side, and the cost of
// feeding Signals a book update / a trade. The market is a BTCUSDT-like book (mid 65000.0 at tick 0.10,
// 50 levels a side); the clock advances 1 ms per call, so time-driven work (volatility samples and
// calibration steps every 100 ms, markout horizons) is included at its natural rate.
// Run: build/<dir>/bench/strategy_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

#include "core/instrument.h"
#include "core/order_book.h"
#include "strategy/avellaneda_stoikov.h"
#include "strategy/fixed_spread.h"
#include "strategy/glft.h"
#include "strategy/inventory_mm.h"
#include "strategy/signals.h"

namespace mm {
namespace {

constexpr int64_t kBid = 649'999;
constexpr int64_t kAsk = 650'000;
constexpr int64_t kMs = 1'000'000;

struct BenchMarket {
  Instrument instrument;
  OrderBook book{OrderBook::kMinWindowTicks, 256};
  Signals signals;

  explicit BenchMarket(const SignalsConfig& sc = default_signals()) : signals(sc) {
    InstrumentSpec s{Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500.000", "5"};
    if (make_instrument(s, instrument) != InstrumentError::kOk) std::abort();
    std::vector<PriceLevel> b, a;
    std::mt19937_64 rng(1);
    std::uniform_int_distribution<int64_t> lots(1, 5000);
    for (int i = 0; i < 50; ++i) {
      b.push_back(PriceLevel{Price{kBid - i}, Qty{lots(rng)}});
      a.push_back(PriceLevel{Price{kAsk + i}, Qty{lots(rng)}});
    }
    if (book.apply_snapshot(b.data(), 50, a.data(), 50) != BookError::kOk) std::abort();
    signals.on_book(book, 0);
    signals.on_own_fill(Side::kBuy, Price{kBid}, Qty{1}, 0);
  }

  static SignalsConfig default_signals() {
    SignalsConfig c;
    c.initial_volatility_bps = 1.5;
    return c;
  }

  StrategyContext ctx(int64_t now_ns, int64_t position) const {
    StrategyContext c;
    c.instrument = &instrument;
    c.book = &book;
    c.signals = &signals;
    c.inventory.position_lots = position;
    c.inventory.max_position_lots = 1000;
    c.now_ns = now_ns;
    c.best_bid = Price{kBid};
    c.best_ask = Price{kAsk};
    return c;
  }
};

template <class S>
void run_quotes(benchmark::State& state, S& strategy, const BenchMarket& m) {
  QuoteLadder out;
  int64_t t = 0;
  int64_t i = 0;
  for (auto _ : state) {
    out.clear();
    t += kMs;
    const bool ok = strategy.quote(m.ctx(t, (i++ & 63) - 32), out);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(out);
  }
  state.counters["bid_levels"] = static_cast<double>(out.bid_count);
}

void BM_FixedSpreadQuote(benchmark::State& state) {
  BenchMarket m;
  FixedSpreadConfig c;
  c.half_spread_bps = 1.0;
  c.levels = static_cast<uint32_t>(state.range(0));
  c.level_spacing_ticks = 2.0;
  c.reference = Reference::kMicroprice;
  c.skew_bps_at_max_position = 1.0;
  c.adverse_widening = 0.5;
  FixedSpread s(c);
  run_quotes(state, s, m);
}
BENCHMARK(BM_FixedSpreadQuote)->Arg(1)->Arg(5);

void BM_FixedSpreadQuoteWithCurves(benchmark::State& state) {
  BenchMarket m;
  FixedSpreadConfig c;
  c.half_spread_bps = 1.0;
  c.order_size_lots = 10;
  c.levels = static_cast<uint32_t>(state.range(0));
  c.level_spacing_ticks = 2.0;
  c.curves.spread_by_volatility = Curve::from({{0.0, 1.0}, {2.0, 1.5}, {5.0, 3.0}});
  c.curves.size_by_inventory = Curve::from({{0.0, 1.0}, {1.0, 0.5}});
  c.curves.levels_by_depth = Curve::from({{0.0, 0.5}, {10000.0, 1.0}});
  FixedSpread s(c);
  run_quotes(state, s, m);
}
BENCHMARK(BM_FixedSpreadQuoteWithCurves)->Arg(1)->Arg(5);

// Worst case: a fresh proposal on every call (order_refresh_time of 1 ns); between refreshes quote() only
// copies the held proposal.
void BM_InventoryMMQuote(benchmark::State& state) {
  BenchMarket m;
  InventoryMMConfig c;
  c.bid_spread = 0.01;
  c.ask_spread = 0.01;
  c.order_levels = static_cast<uint32_t>(state.range(0));
  c.order_level_spread = 0.005;
  c.order_amount_lots = 100;
  c.order_level_amount_lots = 10;
  c.order_refresh_time = 1e-9;
  c.inventory_skew_enabled = true;
  c.minimum_spread = 0.001;
  c.price_ceiling = 70000.0;
  InventoryMM s(c);
  run_quotes(state, s, m);
}
BENCHMARK(BM_InventoryMMQuote)->Arg(1)->Arg(5);

void BM_InventoryMMQuoteHeld(benchmark::State& state) {
  BenchMarket m;
  InventoryMMConfig c;
  c.bid_spread = 0.01;
  c.ask_spread = 0.01;
  c.order_levels = static_cast<uint32_t>(state.range(0));
  c.order_level_spread = 0.005;
  c.minimum_spread = 0.001;
  c.order_refresh_time = 1e9;
  InventoryMM s(c);
  run_quotes(state, s, m);
}
BENCHMARK(BM_InventoryMMQuoteHeld)->Arg(1)->Arg(5);

void BM_AvellanedaStoikovQuote(benchmark::State& state) {
  BenchMarket m;
  AvellanedaStoikovConfig c;
  c.gamma = 1e-6;  // sigma ~ 100 ticks per sqrt(s) at this mid: gamma sigma^2 (T - t) stays a few ticks
  c.kappa = 0.05;
  c.horizon = Horizon::kFinite;
  c.session_length_s = 300.0;
  c.levels = static_cast<uint32_t>(state.range(0));
  c.level_spacing_ticks = 2.0;
  c.adverse_widening = 0.5;
  AvellanedaStoikov s(c);
  run_quotes(state, s, m);
}
BENCHMARK(BM_AvellanedaStoikovQuote)->Arg(1)->Arg(5);

void BM_GlftQuote(benchmark::State& state) {
  BenchMarket m;
  GlftConfig c;
  c.initial_a = 2.0;
  c.initial_k = 0.5;
  c.levels = static_cast<uint32_t>(state.range(0));
  c.adverse_widening = 0.5;
  Glft s(c);
  run_quotes(state, s, m);
}
BENCHMARK(BM_GlftQuote)->Arg(1)->Arg(5);

// c1/c2 recomputed on every call (A and k change): the cost the (A, k) cache avoids.
void BM_GlftCoefficients(benchmark::State& state) {
  double a = 2.0;
  for (auto _ : state) {
    a += 1e-9;
    const GlftCoefficients c = glft_coefficients(0.05, 0.05, 1.0, a, 0.5);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_GlftCoefficients);

// One book update into Signals (top-N imbalance over the default 5 levels, microprice, and every 100th
// call a volatility sample and a calibration step).
void BM_SignalsOnBook(benchmark::State& state) {
  SignalsConfig c = BenchMarket::default_signals();
  c.imbalance_levels = static_cast<uint32_t>(state.range(0));
  BenchMarket m(c);
  int64_t t = 0;
  for (auto _ : state) {
    t += kMs;
    m.signals.on_book(m.book, t);
    benchmark::DoNotOptimize(m.signals.imbalance());
  }
}
BENCHMARK(BM_SignalsOnBook)->Arg(1)->Arg(5)->Arg(20);

void BM_SignalsOnTrade(benchmark::State& state) {
  BenchMarket m;
  TradeEvent tr;
  tr.taker_side = Side::kBuy;
  tr.price = Price{kAsk + 2};
  tr.qty = Qty{3};
  int64_t t = 0;
  for (auto _ : state) {
    t += kMs;
    m.signals.on_trade(tr, t);
    benchmark::DoNotOptimize(m.signals);
  }
}
BENCHMARK(BM_SignalsOnTrade);

}  // namespace
}  // namespace mm
