// Book-only replay from the normalized format (issue 4): a mapped .events file -> BookRunDecoder rebuilds each
// book message's BookUpdate -> core OrderBook applies it. Baseline in the same binary: a plain sequential sum
// over the mapped records (memory-bandwidth bound: what any pass over the file costs at least).
//
// Input: a day-long generated BTCUSDT-like stream (`mm gen --symbol BTCUSDT --seconds 86400 --seed 1`, then
// the .events converter). Made once if missing and reused across runs:
//   MM_BENCH_EVENTS   path of the .events file (default /tmp/mm_bench_events/BTCUSDT_<seconds>s_seed1.events)
//   MM_BENCH_SECONDS  stream length when it has to be generated (default 86400)
// Generation and conversion times are printed on stderr when they happen.
//
//   cmake --build build/<dir> --target sim_bench && build/<dir>/bench/sim_bench --benchmark_filter='Events|BookReplay'
// items/s = records/s over wall-clock time (UseRealTime: on a shared VM the CPU-time rate would flatter);
// every record of the file counts (book-level records are 97 % of them).
#include <benchmark/benchmark.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/book_sync.h"
#include "core/capture.h"
#include "core/decimal.h"
#include "core/order_book.h"
#include "sim/event_convert.h"
#include "sim/event_data.h"
#include "sim/event_file.h"
#include "sim/market_generator.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The instruments-info response `mm gen` puts first (tools/mm/gen.cpp), so the events carry the real
// 0.10 tick instead of a grid inferred from the prices.
std::string instruments_body(const mm::GenParams& p) {
  const int places = mm::decimal_places(p.tick);
  const std::string scale = std::to_string(places < 0 ? 0 : places);
  return R"({"retCode":0,"retMsg":"OK","result":{"category":")" + std::string(mm::to_string(p.category)) +
         R"(","list":[{"symbol":")" + p.symbol + R"(","status":"Trading","priceScale":")" + scale +
         R"(","priceFilter":{"tickSize":")" + p.tick + R"("},"lotSizeFilter":{"qtyStep":")" + p.qty_step +
         R"(","minOrderQty":")" + p.qty_step + R"(","maxOrderQty":"1000000","minNotionalValue":"5",)" +
         R"("basePrecision":")" + p.qty_step + R"(","minOrderAmt":"5"}}],"nextPageCursor":""},)" +
         R"("retExtInfo":{},"time":)" + std::to_string(p.start_ms) + "}";
}

std::string generate(const std::string& events_path, int64_t seconds) {
  mm::GenParams p;
  p.symbol = "BTCUSDT";
  p.seconds = seconds;
  p.seed = 1;
  const std::string cap = events_path + ".mmcap.tmp";
  const auto t0 = Clock::now();
  {
    mm::CaptureWriter w;
    const int64_t start_ns = p.start_ms * 1'000'000;
    if (w.open(cap, start_ns, mm::kCaptureFlagSynthetic) != mm::CaptureError::kOk) return std::string(w.error());
    const std::string url = "https://api.bybit.com/v5/market/instruments-info?category=linear&symbol=BTCUSDT";
    if (w.write_http(0xFFFF, start_ns - 1'000'000, url, instruments_body(p)) != mm::CaptureError::kOk) {
      return std::string(w.error());
    }
    const mm::GenResult g = mm::generate_market(p, w);
    if (g.status != mm::CaptureError::kOk) return g.message;
    if (w.close() != mm::CaptureError::kOk) return std::string(w.error());
    std::fprintf(stderr, "event_file_bench: generated %lld s of BTCUSDT (%llu frames) in %.1f s\n",
                 static_cast<long long>(seconds), static_cast<unsigned long long>(g.frames), seconds_since(t0));
  }
  const auto t1 = Clock::now();
  const std::string tmp = events_path + ".tmp";
  const mm::EventConvertResult r = mm::convert_to_events(cap, tmp);
  std::filesystem::remove(cap);
  if (!r.ok()) return "conversion failed: " + r.message;
  std::filesystem::rename(tmp, events_path);  // only a finished file gets the name that is reused
  std::fprintf(stderr, "event_file_bench: converted to %s (%llu records, %s) in %.1f s\n", events_path.c_str(),
               static_cast<unsigned long long>(r.stats.total_records()), mm::format_record_counts(r.stats).c_str(),
               seconds_since(t1));
  return {};
}

struct Fixture {
  mm::EventFileReader reader;
  std::string error;
  Fixture() {
    const char* s = std::getenv("MM_BENCH_SECONDS");
    const int64_t seconds = s != nullptr ? std::atoll(s) : 86400;
    std::string path;
    if (const char* e = std::getenv("MM_BENCH_EVENTS"); e != nullptr && *e != '\0') {
      path = e;
    } else {
      std::filesystem::create_directories("/tmp/mm_bench_events");
      path = "/tmp/mm_bench_events/BTCUSDT_" + std::to_string(seconds) + "s_seed1.events";
    }
    if (!std::filesystem::exists(path)) {
      error = generate(path, seconds);
      if (!error.empty()) return;
    }
    const auto t0 = Clock::now();
    if (reader.open(path) != mm::EventFileError::kOk) {
      error = reader.error();
      return;
    }
    std::fprintf(stderr, "event_file_bench: %s: %zu records (%.2f GB), mapped and validated in %.2f s\n",
                 path.c_str(), reader.events().size(),
                 static_cast<double>(reader.events().size_bytes()) / 1e9, seconds_since(t0));
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// Baseline: touch every record once (two fields per record, so every cache line is read).
void BM_EventsSequentialSum(benchmark::State& state) {
  Fixture& f = fixture();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const auto ev = f.reader.events();
  for (auto _ : state) {
    int64_t sum = 0;
    for (const mm::Event& e : ev) sum += e.price ^ e.local_ts_ns;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * ev.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ev.size_bytes()));
}
BENCHMARK(BM_EventsSequentialSum)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// Book-only replay: decode every book run and apply it to the core OrderBook (snapshot or delta).
void BM_BookReplayFromEvents(benchmark::State& state) {
  Fixture& f = fixture();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const auto ev = f.reader.events();
  mm::BookRunDecoder dec;
  mm::OrderBook book;
  uint64_t messages = 0, errors = 0;
  for (auto _ : state) {
    book.clear();
    messages = errors = 0;
    mm::BookUpdate u;
    for (size_t i = 0; i < ev.size();) {
      if (ev[i].kind != mm::EventKind::kBookLevel) {
        ++i;
        continue;
      }
      i = dec.decode(ev, i, u);
      const mm::BookError e = u.snapshot ? book.apply_snapshot(u.bids, u.bid_count, u.asks, u.ask_count)
                                         : book.apply_delta(u.bids, u.bid_count, u.asks, u.ask_count);
      errors += e != mm::BookError::kOk;
      ++messages;
    }
    benchmark::DoNotOptimize(book.best_bid());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * ev.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ev.size_bytes()));
  state.counters["book_msgs_per_s"] =
      benchmark::Counter(static_cast<double>(messages * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["book_errors"] = static_cast<double>(errors);
}
BENCHMARK(BM_BookReplayFromEvents)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// The same through BookSync (Bybit sequencing: u contiguity, snapshot resets), as a backtest feeds books.
void BM_BookReplayFromEventsBookSync(benchmark::State& state) {
  Fixture& f = fixture();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const auto ev = f.reader.events();
  mm::BookRunDecoder dec;
  uint64_t applied = 0;
  for (auto _ : state) {
    mm::BookSync sync;
    applied = 0;
    mm::BookUpdate u;
    for (size_t i = 0; i < ev.size();) {
      if (ev[i].kind != mm::EventKind::kBookLevel) {
        ++i;
        continue;
      }
      const int64_t t = ev[i].local_ts_ns;
      i = dec.decode(ev, i, u);
      applied += sync.on_update(u, t) == mm::SyncResult::kApplied;
    }
    benchmark::DoNotOptimize(sync.book().best_bid());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * ev.size()));
  state.counters["applied_msgs"] = static_cast<double>(applied);
}
BENCHMARK(BM_BookReplayFromEventsBookSync)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// Cold start of a backtest: map + validate the file through load_event_data (zero copy: in time order).
void BM_LoadEventData(benchmark::State& state) {
  Fixture& f = fixture();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const std::string path = f.reader.path();
  for (auto _ : state) {
    mm::EventData d;
    std::string err;
    if (mm::load_event_data({path}, {}, d, err) != mm::EventDataError::kOk || !d.zero_copy()) {
      state.SkipWithError(err.empty() ? "not zero copy" : err.c_str());
      return;
    }
    benchmark::DoNotOptimize(d.events().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * f.reader.events().size()));
}
BENCHMARK(BM_LoadEventData)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace
