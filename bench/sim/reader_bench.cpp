// Recording read throughput: the mm capture reader (zero-copy mmap) against the cryptofeed JSON Lines
// reader (zstd + simdjson unescape), plus the synthetic generator's speed.
//   cmake --build build/<dir> --target sim_bench && build/<dir>/bench/sim_bench
//   --benchmark_filter='Reader|Generate'
// Items are frames, bytes are frame payload bytes (Frame::data), so MB/s compares like with like.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "core/capture.h"
#include "sim/bybit_history_reader.h"
#include "sim/cryptofeed_reader.h"
#include "sim/detail/byte_source.h"
#include "sim/market_generator.h"
#include "sim/recording.h"

namespace {

const std::string kCryptofeedZst =
    std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";
const std::string kXrpZip = std::string(MM_SHARED_DATA) + "/bybit/2024-12-01_XRPUSDT_ob500.data.zip";

std::string temp(const std::string& name) {
  return "/tmp/mm_reader_bench_" + std::to_string(::getpid()) + "_" + name;
}

// Files made once per process and removed at exit.
struct Fixtures {
  std::string generated = temp("gen10min.mmcap");
  std::string converted = temp("cryptofeed.mmcap");
  std::string plain_jsonl = temp("cryptofeed.jsonl");
  std::string error;
  Fixtures() {
    mm::GenParams p;  // BTCUSDT, 10 minutes, 50 deltas/s
    const mm::GenResult g = mm::generate_market_file(p, generated);
    if (g.status != mm::CaptureError::kOk) error = g.message;
    const mm::ConvertResult c = mm::convert_to_capture(kCryptofeedZst, converted);
    if (!c.ok()) error = c.message;
    mm::detail::FileByteSource file;
    if (file.open(kCryptofeedZst) != mm::ReadResult::kOk) error = std::string(file.error());
    mm::detail::ZstdByteSource z(file, kCryptofeedZst);
    FILE* out = std::fopen(plain_jsonl.c_str(), "wb");
    char buf[1 << 16];
    size_t got = 0;
    while (out != nullptr && z.read(buf, sizeof(buf), got) == mm::ReadResult::kOk)
      std::fwrite(buf, 1, got, out);
    if (out != nullptr) std::fclose(out);
  }
  ~Fixtures() {
    std::remove(generated.c_str());
    std::remove(converted.c_str());
    std::remove(plain_jsonl.c_str());
  }
};

Fixtures& fixtures() {
  static Fixtures f;
  return f;
}

// touch: also read every cache line of every payload, as a consumer would; without it the zero-copy
// capture reader never brings payload bytes into the cache.
template <class Reader>
void drain(benchmark::State& state, Reader& reader, const std::string& path, bool touch = false) {
  int64_t frames = 0, bytes = 0;
  for (auto _ : state) {
    if (reader.open(path) != mm::ReadResult::kOk) {
      state.SkipWithError(std::string(reader.error()).c_str());
      return;
    }
    mm::Frame f;
    mm::ReadResult r;
    unsigned sum = 0;
    while ((r = reader.next(f)) == mm::ReadResult::kOk) {
      benchmark::DoNotOptimize(f.data.data());
      if (touch) {
        for (size_t i = 0; i < f.data.size(); i += 64) sum += static_cast<unsigned char>(f.data[i]);
      }
      ++frames;
      bytes += static_cast<int64_t>(f.data.size());
    }
    benchmark::DoNotOptimize(sum);
    if (r != mm::ReadResult::kEnd) {
      state.SkipWithError(std::string(reader.error()).c_str());
      return;
    }
  }
  state.SetItemsProcessed(frames);
  state.SetBytesProcessed(bytes);
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
}

void BM_CaptureReader_Generated10min(benchmark::State& state) {
  if (!fixtures().error.empty()) return state.SkipWithError(fixtures().error.c_str());
  mm::CaptureReader reader;
  drain(state, reader, fixtures().generated);
}
BENCHMARK(BM_CaptureReader_Generated10min)->Unit(benchmark::kMillisecond);

void BM_CaptureReader_Generated10min_TouchPayload(benchmark::State& state) {
  if (!fixtures().error.empty()) return state.SkipWithError(fixtures().error.c_str());
  mm::CaptureReader reader;
  drain(state, reader, fixtures().generated, true);
}
BENCHMARK(BM_CaptureReader_Generated10min_TouchPayload)->Unit(benchmark::kMillisecond);

void BM_CaptureReader_RealCryptofeedConverted(benchmark::State& state) {
  if (!fixtures().error.empty()) return state.SkipWithError(fixtures().error.c_str());
  mm::CaptureReader reader;
  drain(state, reader, fixtures().converted);
}
BENCHMARK(BM_CaptureReader_RealCryptofeedConverted)->Unit(benchmark::kMillisecond);

void BM_CryptofeedReader_RealZst(benchmark::State& state) {
  mm::CryptofeedReader reader;
  drain(state, reader, kCryptofeedZst);
}
BENCHMARK(BM_CryptofeedReader_RealZst)->Unit(benchmark::kMillisecond);

void BM_CryptofeedReader_RealPlainJsonl(benchmark::State& state) {
  if (!fixtures().error.empty()) return state.SkipWithError(fixtures().error.c_str());
  mm::CryptofeedReader reader;
  drain(state, reader, fixtures().plain_jsonl);
}
BENCHMARK(BM_CryptofeedReader_RealPlainJsonl)->Unit(benchmark::kMillisecond);

void BM_BybitHistoryReader_RealZip(benchmark::State& state) {
  mm::BybitHistoryReader reader;
  drain(state, reader, kXrpZip);
}
BENCHMARK(BM_BybitHistoryReader_RealZip)->Unit(benchmark::kMicrosecond);

// Ten minutes of BTCUSDT (30,000 deltas plus trades) into /dev/null: the generator's own cost.
void BM_GenerateMarket_10min(benchmark::State& state) {
  int64_t frames = 0, bytes = 0;
  for (auto _ : state) {
    mm::CaptureWriter w;
    if (w.open("/dev/null", 0) != mm::CaptureError::kOk) return state.SkipWithError("cannot open /dev/null");
    const mm::GenResult g = mm::generate_market(mm::GenParams{}, w);
    if (g.status != mm::CaptureError::kOk) return state.SkipWithError(g.message.c_str());
    frames += static_cast<int64_t>(g.frames);
    bytes += static_cast<int64_t>(w.bytes());
    (void)w.close();
  }
  state.SetItemsProcessed(frames);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_GenerateMarket_10min)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
