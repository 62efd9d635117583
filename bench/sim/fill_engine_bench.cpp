// Per-event cost of the fill engine (sim/fill_engine.h) on a generated BTCUSDT-like stream
// (sim/market_generator.h, decoded once into memory through the codec), against the same book updates
// through a bare core OrderBook.
//   cmake --build build/<dir> --target sim_bench && build/<dir>/bench/sim_bench --benchmark_filter=FillEngine
// Items are stream events: book messages plus trade prints (the baseline ignores the prints, as a book
// does). ns/event = 1e9 / items_per_second.
//   BM_FillEngineBaselineCoreBook   OrderBook::apply_snapshot/apply_delta only
//   BM_FillEngineNoOrders           the engine with nothing resting (its fast path)
//   BM_FillEngineQuoting/model/per_side/refill
//       the engine with a ladder of post-only orders per side from the touch (model 0 risk-averse,
//       1 power n=2, 2 log), cancelled and re-placed at the touch every 64 book messages and, with refill:1,
//       also whenever one filled (the re-quoting's submit/cancel calls are inside the timing)
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/instrument.h"
#include "core/instrument_registry.h"
#include "core/order_book.h"
#include "net/bybit_codec.h"
#include "sim/fill_engine.h"
#include "sim/market_generator.h"
#include "sim/recording.h"

namespace {

using namespace mm;

struct Event {
  bool is_book = false;
  BookUpdate book;
  TradeEvent trade;
  size_t bid_off = 0, ask_off = 0;
};

struct Stream {
  std::vector<PriceLevel> pool;
  std::vector<Event> events;
  uint64_t books = 0, trades = 0, levels = 0;
  std::string error;
};

const Stream& stream() {
  static const Stream s = [] {
    Stream out;
    const std::string path = "/tmp/mm_fill_engine_bench_" + std::to_string(::getpid()) + ".mmcap";
    GenParams p;  // BTCUSDT, tick 0.10, 50 deltas/s, 4 trades/s plus sweeps
    p.seconds = 1200;
    const GenResult g = generate_market_file(p, path);
    if (g.status != CaptureError::kOk) {
      out.error = g.message;
      return out;
    }
    InstrumentRegistry reg;
    Instrument in;
    const InstrumentSpec spec{Category::kLinear, p.symbol, "Trading", "", p.tick, p.qty_step, "", "", ""};
    if (make_instrument(spec, in) != InstrumentError::kOk) {
      out.error = "instrument";
      return out;
    }
    reg.add(in);
    BybitCodec codec(reg);
    OpenedRecording rec = open_recording(path);
    if (!rec.source) {
      out.error = rec.message;
      return out;
    }
    Frame f;
    for (ReadResult r; (r = rec.source->next(f)) != ReadResult::kEnd;) {
      if (r != ReadResult::kOk) break;
      if (f.kind != FrameKind::kRecv) continue;
      const ParseResult pr = codec.parse(f.data, Category::kLinear);
      if (pr.error != CodecError::kOk) continue;
      if (pr.kind == MsgKind::kBook) {
        Event e;
        e.is_book = true;
        e.book = codec.book();
        e.bid_off = out.pool.size();
        out.pool.insert(out.pool.end(), e.book.bids, e.book.bids + e.book.bid_count);
        e.ask_off = out.pool.size();
        out.pool.insert(out.pool.end(), e.book.asks, e.book.asks + e.book.ask_count);
        out.levels += e.book.bid_count + e.book.ask_count;
        ++out.books;
        out.events.push_back(e);
      } else if (pr.kind == MsgKind::kTrade) {
        for (const TradeEvent& t : codec.trades()) {
          Event e;
          e.trade = t;
          ++out.trades;
          out.events.push_back(e);
        }
      }
    }
    std::remove(path.c_str());
    // The pool no longer moves: point the updates into it.
    for (Event& e : out.events) {
      if (!e.is_book) continue;
      e.book.bids = out.pool.data() + e.bid_off;
      e.book.asks = out.pool.data() + e.ask_off;
    }
    return out;
  }();
  return s;
}

bool ready(benchmark::State& state, const Stream& s) {
  if (!s.error.empty() || s.events.empty()) {
    state.SkipWithError(s.error.empty() ? "empty stream" : s.error.c_str());
    return false;
  }
  return true;
}

void report(benchmark::State& state, const Stream& s) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(s.events.size()));
  state.counters["events"] = static_cast<double>(s.events.size());
  state.counters["levels/book"] = static_cast<double>(s.levels) / static_cast<double>(s.books);
  state.counters["trade_share"] = static_cast<double>(s.trades) / static_cast<double>(s.events.size());
}

struct CountingSink final : FillSink {
  uint64_t fills = 0;
  void on_fill(const EngineFill&) noexcept override { ++fills; }
};

void BM_FillEngineBaselineCoreBook(benchmark::State& state) {
  const Stream& s = stream();
  if (!ready(state, s)) return;
  OrderBook book;
  for (auto _ : state) {
    for (const Event& e : s.events) {
      if (!e.is_book) continue;
      const BookUpdate& u = e.book;
      benchmark::DoNotOptimize(u.snapshot ? book.apply_snapshot(u.bids, u.bid_count, u.asks, u.ask_count)
                                          : book.apply_delta(u.bids, u.bid_count, u.asks, u.ask_count));
    }
  }
  benchmark::DoNotOptimize(book.best_bid());
  report(state, s);
}
BENCHMARK(BM_FillEngineBaselineCoreBook)->Unit(benchmark::kMillisecond);

void BM_FillEngineNoOrders(benchmark::State& state) {
  const Stream& s = stream();
  if (!ready(state, s)) return;
  FillEngine engine(FillEngineConfig{});
  CountingSink sink;
  for (auto _ : state) {
    for (const Event& e : s.events) {
      if (e.is_book) {
        benchmark::DoNotOptimize(engine.on_book(e.book, sink));
      } else {
        engine.on_trade(e.trade, sink);
      }
    }
  }
  report(state, s);
}
BENCHMARK(BM_FillEngineNoOrders)->Unit(benchmark::kMillisecond);

// Places `per_side` post-only orders per side, one per tick from the touch outwards.
void place_ladder(FillEngine& engine, int per_side, uint64_t& next_id, CountingSink& sink) {
  engine.cancel_all();
  for (Side side : {Side::kBuy, Side::kSell}) {
    const auto best = engine.book().best(side);
    if (!best) continue;
    for (int k = 0; k < per_side; ++k) {
      const int64_t px = side == Side::kBuy ? best->price.ticks - k : best->price.ticks + k;
      (void)engine.submit(next_id++, side, OrderType::kLimit, TimeInForce::kPostOnly, Price{px}, Qty{10},
                          sink);
    }
  }
}

void BM_FillEngineQuoting(benchmark::State& state) {
  const Stream& s = stream();
  if (!ready(state, s)) return;
  FillEngineConfig cfg;
  cfg.queue.kind = static_cast<QueueModelKind>(state.range(0));
  const int per_side = static_cast<int>(state.range(1));
  const bool refill = state.range(2) != 0;
  uint64_t fills = 0, requotes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = std::make_unique<FillEngine>(cfg);
    state.ResumeTiming();
    CountingSink sink;
    uint64_t next_id = 1;
    uint32_t since = 0;
    for (const Event& e : s.events) {
      if (e.is_book) {
        benchmark::DoNotOptimize(engine->on_book(e.book, sink));
        if (++since == 64 || (refill && engine->live_orders() < static_cast<size_t>(2 * per_side))) {
          place_ladder(*engine, per_side, next_id, sink);
          since = 0;
          ++requotes;
        }
      } else {
        engine->on_trade(e.trade, sink);
      }
    }
    fills += sink.fills;
    state.PauseTiming();
    engine.reset();
    state.ResumeTiming();
  }
  report(state, s);
  state.counters["fills/run"] = static_cast<double>(fills) / static_cast<double>(state.iterations());
  state.counters["requotes/run"] = static_cast<double>(requotes) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_FillEngineQuoting)
    ->ArgNames({"model", "per_side", "refill"})
    ->Args({1, 1, 0})
    ->Args({1, 3, 0})
    ->Args({0, 3, 0})
    ->Args({2, 3, 0})
    ->Args({1, 3, 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace
