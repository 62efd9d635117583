// Order book hot path: level updates near the top, realistic deltas, best-after-delete scans, top-N reads,
// against a std::map book as the baseline. Every input is generated up front (seeded) so the timed loop
// only touches the book.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "core/book_sync.h"
#include "core/order_book.h"

namespace mm {
namespace {

constexpr int64_t kMid = 10'000'000;  // ticks; e.g. BTCUSDT 100'000.0 at tick 0.01
constexpr int kDepth = 200;

struct Op {
  Side side;
  Price price;
  Qty qty;
};

struct Delta {
  uint32_t first;  // into the flat level array
  uint32_t bids;
  uint32_t asks;
};

// A 200-level book a side with gaps of 1-3 ticks, like a liquid perpetual.
void make_book(std::mt19937_64& rng, std::vector<PriceLevel>& bids, std::vector<PriceLevel>& asks) {
  std::uniform_int_distribution<int64_t> gap(1, 3);
  std::uniform_int_distribution<int64_t> lots(1, 50'000);
  int64_t b = kMid - 1;
  int64_t a = kMid + 1;
  for (int k = 0; k < kDepth; ++k) {
    bids.push_back(PriceLevel{Price{b}, Qty{lots(rng)}});
    asks.push_back(PriceLevel{Price{a}, Qty{lots(rng)}});
    b -= gap(rng);
    a += gap(rng);
  }
}

// Updates of the 20 best ticks of each side: 80% new quantity (insert or replace), 20% delete.
std::vector<Op> make_near_top_ops(size_t n, uint64_t seed, int delete_pct) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> off(0, 19);
  std::uniform_int_distribution<int> pct(0, 99);
  std::uniform_int_distribution<int64_t> lots(1, 50'000);
  std::vector<Op> ops;
  for (size_t k = 0; k < n; ++k) {
    const Side s = (k & 1) != 0 ? Side::kBuy : Side::kSell;
    const int64_t p = s == Side::kBuy ? kMid - 1 - off(rng) : kMid + 1 + off(rng);
    ops.push_back(Op{s, Price{p}, Qty{pct(rng) < delete_pct ? 0 : lots(rng)}});
  }
  return ops;
}

// Deltas of 10-20 levels within the 30 best ticks of each side, 15% deletes (Bybit orderbook.200 shape).
void make_deltas(size_t n, uint64_t seed, std::vector<PriceLevel>& flat, std::vector<Delta>& deltas) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> count(10, 20);
  std::uniform_int_distribution<int64_t> off(0, 29);
  std::uniform_int_distribution<int> pct(0, 99);
  std::uniform_int_distribution<int64_t> lots(1, 50'000);
  for (size_t k = 0; k < n; ++k) {
    const uint32_t c = count(rng);
    const uint32_t nb = c / 2;
    Delta d{static_cast<uint32_t>(flat.size()), nb, c - nb};
    for (uint32_t j = 0; j < nb; ++j)
      flat.push_back(PriceLevel{Price{kMid - 1 - off(rng)}, Qty{pct(rng) < 15 ? 0 : lots(rng)}});
    for (uint32_t j = nb; j < c; ++j)
      flat.push_back(PriceLevel{Price{kMid + 1 + off(rng)}, Qty{pct(rng) < 15 ? 0 : lots(rng)}});
    deltas.push_back(d);
  }
}

OrderBook make_filled_book() {
  std::mt19937_64 rng(42);
  std::vector<PriceLevel> bids;
  std::vector<PriceLevel> asks;
  make_book(rng, bids, asks);
  OrderBook book;
  if (book.apply_snapshot(bids.data(), kDepth, asks.data(), kDepth) != BookError::kOk) std::abort();
  return book;
}

// Baseline: the obvious node-based book.
struct MapBook {
  std::map<int64_t, int64_t, std::greater<>> bids;
  std::map<int64_t, int64_t> asks;
  void set(Side s, Price p, Qty q) {
    if (s == Side::kBuy) {
      if (q.lots == 0)
        bids.erase(p.ticks);
      else
        bids[p.ticks] = q.lots;
    } else {
      if (q.lots == 0)
        asks.erase(p.ticks);
      else
        asks[p.ticks] = q.lots;
    }
  }
};

MapBook make_filled_map_book() {
  std::mt19937_64 rng(42);
  std::vector<PriceLevel> bids;
  std::vector<PriceLevel> asks;
  make_book(rng, bids, asks);
  MapBook m;
  for (const PriceLevel& l : bids) m.set(Side::kBuy, l.price, l.qty);
  for (const PriceLevel& l : asks) m.set(Side::kSell, l.price, l.qty);
  return m;
}

constexpr size_t kOps = 1u << 14;

void BM_BookSetLevel(benchmark::State& state) {
  OrderBook book = make_filled_book();
  const std::vector<Op> ops = make_near_top_ops(kOps, 7, static_cast<int>(state.range(0)));
  size_t i = 0;
  for (auto _ : state) {
    const Op& op = ops[i++ & (kOps - 1)];
    benchmark::DoNotOptimize(book.set_level(op.side, op.price, op.qty));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["levels"] =
      static_cast<double>(book.level_count(Side::kBuy) + book.level_count(Side::kSell));
}
BENCHMARK(BM_BookSetLevel)->ArgName("delete_pct")->Arg(0)->Arg(20);

// Update plus the read a strategy does right after it.
void BM_BookSetLevelThenBest(benchmark::State& state) {
  OrderBook book = make_filled_book();
  const std::vector<Op> ops = make_near_top_ops(kOps, 7, 20);
  size_t i = 0;
  for (auto _ : state) {
    const Op& op = ops[i++ & (kOps - 1)];
    benchmark::DoNotOptimize(book.set_level(op.side, op.price, op.qty));
    benchmark::DoNotOptimize(book.best_bid());
    benchmark::DoNotOptimize(book.best_ask());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BookSetLevelThenBest);

void BM_MapBookSetLevel(benchmark::State& state) {
  MapBook book = make_filled_map_book();
  const std::vector<Op> ops = make_near_top_ops(kOps, 7, static_cast<int>(state.range(0)));
  size_t i = 0;
  for (auto _ : state) {
    const Op& op = ops[i++ & (kOps - 1)];
    book.set(op.side, op.price, op.qty);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MapBookSetLevel)->ArgName("delete_pct")->Arg(0)->Arg(20);

constexpr size_t kDeltas = 1024;

void BM_BookApplyDelta(benchmark::State& state) {
  OrderBook book = make_filled_book();
  std::vector<PriceLevel> flat;
  std::vector<Delta> deltas;
  make_deltas(kDeltas, 11, flat, deltas);
  size_t i = 0;
  int64_t levels = 0;
  for (auto _ : state) {
    const Delta& d = deltas[i++ & (kDeltas - 1)];
    benchmark::DoNotOptimize(
        book.apply_delta(flat.data() + d.first, d.bids, flat.data() + d.first + d.bids, d.asks));
    levels += d.bids + d.asks;
  }
  state.SetItemsProcessed(levels);  // items/s = levels/s
  state.counters["levels_per_delta"] = static_cast<double>(flat.size()) / kDeltas;
}
BENCHMARK(BM_BookApplyDelta);

void BM_MapBookApplyDelta(benchmark::State& state) {
  MapBook book = make_filled_map_book();
  std::vector<PriceLevel> flat;
  std::vector<Delta> deltas;
  make_deltas(kDeltas, 11, flat, deltas);
  size_t i = 0;
  int64_t levels = 0;
  for (auto _ : state) {
    const Delta& d = deltas[i++ & (kDeltas - 1)];
    for (uint32_t j = 0; j < d.bids; ++j)
      book.set(Side::kBuy, flat[d.first + j].price, flat[d.first + j].qty);
    for (uint32_t j = d.bids; j < d.bids + d.asks; ++j)
      book.set(Side::kSell, flat[d.first + j].price, flat[d.first + j].qty);
    benchmark::ClobberMemory();
    levels += d.bids + d.asks;
  }
  state.SetItemsProcessed(levels);
}
BENCHMARK(BM_MapBookApplyDelta);

// The same deltas through the Bybit sequencing layer (u check, counters, crossed flag).
void BM_BookSyncDelta(benchmark::State& state) {
  std::mt19937_64 rng(42);
  std::vector<PriceLevel> bids;
  std::vector<PriceLevel> asks;
  make_book(rng, bids, asks);
  BookSync sync;
  BookUpdate snap;
  snap.snapshot = true;
  snap.update_id = 1000;
  snap.bids = bids.data();
  snap.bid_count = kDepth;
  snap.asks = asks.data();
  snap.ask_count = kDepth;
  if (sync.on_update(snap, 0) != SyncResult::kApplied) std::abort();
  std::vector<PriceLevel> flat;
  std::vector<Delta> deltas;
  make_deltas(kDeltas, 11, flat, deltas);
  BookUpdate u;
  int64_t id = 1000;
  size_t i = 0;
  int64_t levels = 0;
  for (auto _ : state) {
    const Delta& d = deltas[i++ & (kDeltas - 1)];
    u.update_id = ++id;
    u.bids = flat.data() + d.first;
    u.bid_count = d.bids;
    u.asks = flat.data() + d.first + d.bids;
    u.ask_count = d.asks;
    benchmark::DoNotOptimize(sync.on_update(u, id));
    levels += d.bids + d.asks;
  }
  state.SetItemsProcessed(levels);
}
BENCHMARK(BM_BookSyncDelta);

void BM_BookApplySnapshot(benchmark::State& state) {
  std::mt19937_64 rng(42);
  std::vector<PriceLevel> bids;
  std::vector<PriceLevel> asks;
  make_book(rng, bids, asks);
  OrderBook book;
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.apply_snapshot(bids.data(), kDepth, asks.data(), kDepth));
  }
  state.SetItemsProcessed(state.iterations() * 2 * kDepth);
}
BENCHMARK(BM_BookApplySnapshot);

// Delete the best bid, read the new best (the bitmap scan), put the level back. Arg: ticks between levels.
void BM_BookBestAfterDeleteBest(benchmark::State& state) {
  const int64_t gap = state.range(0);
  OrderBook book;
  for (int k = 0; k < kDepth; ++k) {
    if (book.set_level(Side::kBuy, Price{kMid - 1 - gap * k}, Qty{k + 1}) != BookError::kOk) std::abort();
  }
  const Price top{kMid - 1};
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.set_level(Side::kBuy, top, Qty{0}));
    benchmark::DoNotOptimize(book.best_bid());
    benchmark::DoNotOptimize(book.set_level(Side::kBuy, top, Qty{1}));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BookBestAfterDeleteBest)->ArgName("gap")->Arg(1)->Arg(64)->Arg(1000);

void BM_MapBookBestAfterDeleteBest(benchmark::State& state) {
  const int64_t gap = state.range(0);
  MapBook book;
  for (int k = 0; k < kDepth; ++k) book.set(Side::kBuy, Price{kMid - 1 - gap * k}, Qty{k + 1});
  const Price top{kMid - 1};
  for (auto _ : state) {
    book.set(Side::kBuy, top, Qty{0});
    benchmark::DoNotOptimize(book.bids.begin()->first);
    book.set(Side::kBuy, top, Qty{1});
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MapBookBestAfterDeleteBest)->ArgName("gap")->Arg(1)->Arg(1000);

void BM_BookTopN(benchmark::State& state) {
  const OrderBook book = make_filled_book();
  const auto n = static_cast<size_t>(state.range(0));
  std::vector<PriceLevel> out(n);
  bool bid = true;
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.top(bid ? Side::kBuy : Side::kSell, n, out.data()));
    benchmark::ClobberMemory();
    bid = !bid;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_BookTopN)->Arg(1)->Arg(5)->Arg(50);

void BM_MapBookTopN(benchmark::State& state) {
  const MapBook book = make_filled_map_book();
  const auto n = static_cast<size_t>(state.range(0));
  std::vector<PriceLevel> out(n);
  bool bid = true;
  for (auto _ : state) {
    size_t k = 0;
    if (bid) {
      for (auto it = book.bids.begin(); it != book.bids.end() && k < n; ++it)
        out[k++] = PriceLevel{Price{it->first}, Qty{it->second}};
    } else {
      for (auto it = book.asks.begin(); it != book.asks.end() && k < n; ++it)
        out[k++] = PriceLevel{Price{it->first}, Qty{it->second}};
    }
    benchmark::DoNotOptimize(k);
    benchmark::ClobberMemory();
    bid = !bid;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_MapBookTopN)->Arg(1)->Arg(5)->Arg(50);

}  // namespace
}  // namespace mm
