// Codec cost per message on real frames of the shared recording, per topic, plus baselines: simdjson
// On-Demand walking the same order-book delta with no conversion (the floor the simdjson path builds on),
// and the codec's simdjson path alone (CodecImpl::run_reference, what every book or trade frame cost before
// the strict scanners) on the same book and trade frames.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/bybit_codec.h"
#include "net/detail/codec_impl.h"
#include "tests/net/codec_test_data.h"

namespace mm {
namespace {

struct Sample {
  std::string padded;  // frame + kPadding bytes
  size_t len = 0;
  Category category = Category::kLinear;
};

Sample make_sample(const std::string& frame, Category c) {
  Sample s;
  s.len = frame.size();
  s.padded = frame;
  s.padded.append(BybitCodec::kPadding, ' ');
  s.category = c;
  return s;
}

// The linear-connection frames whose text contains `needle`; picks the one whose size is closest to
// `target_bytes` (0: the first).
Sample pick(const std::string& needle, size_t target_bytes) {
  const test::Record* best = nullptr;
  for (const test::Record& r : test::recording()) {
    if (r.t != "recv" || r.conn != "BYBIT.ws.2" || r.data.find(needle) == std::string::npos) continue;
    if (best == nullptr) best = &r;
    if (target_bytes == 0) break;
    const auto dist = [&](const test::Record& x) {
      return x.data.size() > target_bytes ? x.data.size() - target_bytes : target_bytes - x.data.size();
    };
    if (dist(r) < dist(*best)) best = &r;
  }
  if (best == nullptr) std::abort();
  return make_sample(best->data, Category::kLinear);
}

void run_codec(benchmark::State& state, const Sample& s) {
  static BybitCodec codec(test::recording_registry());
  for (auto _ : state) {
    const ParseResult r = codec.parse_padded(s.padded.data(), s.len, s.category);
    if (r.error != CodecError::kOk) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(s.len));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["bytes"] = static_cast<double>(s.len);
}

// The simdjson path alone on the same frame (no strict scanner first).
void run_reference(benchmark::State& state, const Sample& s) {
  static BybitCodec codec(test::recording_registry());
  for (auto _ : state) {
    const ParseResult r = detail::CodecImpl::run_reference(codec, s.padded.data(), s.len, s.category);
    if (r.error != CodecError::kOk) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(s.len));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["bytes"] = static_cast<double>(s.len);
}

const Sample& book_delta() {
  static const Sample s = pick(R"("topic":"orderbook.200.BTCUSDT","type":"delta")", 400);
  return s;
}

void BM_CodecBookDelta(benchmark::State& state) { run_codec(state, book_delta()); }
const Sample& book_snapshot() {
  static const Sample s = pick(R"("topic":"orderbook.200.BTCUSDT","type":"snapshot")", 0);
  return s;
}
void BM_CodecBookSnapshot(benchmark::State& state) { run_codec(state, book_snapshot()); }
void BM_CodecReferenceBookDelta(benchmark::State& state) { run_reference(state, book_delta()); }
void BM_CodecReferenceBookSnapshot(benchmark::State& state) { run_reference(state, book_snapshot()); }
const Sample& public_trade() {
  static const Sample s = pick(R"("topic":"publicTrade.BTCUSDT")", 300);
  return s;
}
void BM_CodecPublicTrade(benchmark::State& state) {
  run_codec(state, public_trade());
}
void BM_CodecReferencePublicTrade(benchmark::State& state) {
  run_reference(state, public_trade());
}
void BM_CodecTickerDelta(benchmark::State& state) {
  static const Sample s = pick(R"("topic":"tickers.BTCUSDT","type":"delta")", 250);
  run_codec(state, s);
}
void BM_CodecKline(benchmark::State& state) {
  static const Sample s = pick(R"("topic":"kline.1.BTCUSDT")", 300);
  run_codec(state, s);
}

// Baseline: the same walk over the delta (keys, level arrays, raw price/size tokens, u, seq) without
// instrument lookup or decimal conversion.
void BM_SimdjsonBareBookDelta(benchmark::State& state) {
  namespace od = simdjson::ondemand;
  const Sample& s = book_delta();
  od::parser parser;
  if (parser.allocate(1 << 20)) std::abort();
  for (auto _ : state) {
    od::document doc;
    if (parser.iterate(s.padded.data(), s.len, s.padded.size()).get(doc)) std::abort();
    od::object top;
    if (doc.get_object().get(top)) std::abort();
    size_t sum = 0;
    for (auto f : top) {
      od::field field;
      if (std::move(f).get(field)) std::abort();
      std::string_view key;
      if (field.unescaped_key().get(key)) std::abort();
      if (key == "data") {
        od::object data;
        if (field.value().get_object().get(data)) std::abort();
        for (auto g : data) {
          od::field df;
          if (std::move(g).get(df)) std::abort();
          std::string_view k;
          if (df.unescaped_key().get(k)) std::abort();
          if (k == "b" || k == "a") {
            od::array side;
            if (df.value().get_array().get(side)) std::abort();
            for (auto lvl : side) {
              od::array pair;
              if (lvl.get_array().get(pair)) std::abort();
              for (auto x : pair) {
                od::value v;
                if (std::move(x).get(v)) std::abort();
                sum += v.raw_json_token().size();
              }
            }
          } else if (k == "u" || k == "seq") {
            int64_t n = 0;
            if (df.value().get_int64().get(n)) std::abort();
            sum += static_cast<size_t>(n);
          }
        }
      } else if (key == "ts" || key == "cts") {
        int64_t n = 0;
        if (field.value().get_int64().get(n)) std::abort();
        sum += static_cast<size_t>(n);
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(s.len));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["bytes"] = static_cast<double>(s.len);
}

BENCHMARK(BM_SimdjsonBareBookDelta);
BENCHMARK(BM_CodecBookDelta);
BENCHMARK(BM_CodecReferenceBookDelta);
BENCHMARK(BM_CodecBookSnapshot);
BENCHMARK(BM_CodecReferenceBookSnapshot);
BENCHMARK(BM_CodecPublicTrade);
BENCHMARK(BM_CodecReferencePublicTrade);
BENCHMARK(BM_CodecTickerDelta);
BENCHMARK(BM_CodecKline);

}  // namespace
}  // namespace mm
