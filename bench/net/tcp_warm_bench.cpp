// What TcpWarmer (net/tcp_warmer.h) buys: the cost of one loopback TCP send after the thread has spun idle
// for a while, with and without the warmer running during the idle time. The send's time includes the
// receiving end's processing (loopback delivers inside send()). Same run, same pair: compare the rows.
//
//   ./build/release/bench/net_bench --benchmark_filter=TcpSendAfterIdle
//
// Args: idle time (µs) before each timed send, warm interval (µs; 0 = no warming). idle 0 is the tight-loop
// baseline (every send right after the previous one). Counters p50_us / p90_us: the send's own percentiles.
#include <benchmark/benchmark.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "bench/bench_util.h"
#include "net/loopback_pair.h"
#include "net/tcp_warmer.h"

namespace {

using mm::bench::Clock;

// The timed end blocks (a send that found the buffer full would wait, not fail), the reading end does not.
struct Pair {
  mm::LoopbackPair p;
  std::string error = mm::open_loopback_pair(p, /*nonblocking_tx=*/false);
  ~Pair() { mm::close_loopback_pair(p); }
};

void BM_TcpSendAfterIdle(benchmark::State& state) {
  const auto idle = std::chrono::microseconds(state.range(0));
  const auto warm_every = std::chrono::microseconds(state.range(1));
  Pair pair;
  const mm::LoopbackPair& p = pair.p;
  mm::TcpWarmer warmer;
  if (!pair.error.empty() || (warm_every.count() > 0 && !warmer.open().empty())) {
    state.SkipWithError("loopback pair");
    return;
  }
  char buf[1024] = {};
  mm::bench::Percentiles pct;
  for (auto _ : state) {
    // The idle spin of a hot thread waiting for the next frame, warming as the live node does.
    mm::bench::spin_idle(idle, warm_every, [&] { warmer.warm(); });
    const auto t0 = Clock::now();
    if (::send(p.tx, buf, 256, MSG_NOSIGNAL) != 256) state.SkipWithError("send");
    const auto t1 = Clock::now();
    while (::recv(p.rx, buf, sizeof buf, 0) > 0) {
    }
    pct.add(state, t0, t1);
  }
  pct.report(state);
}

BENCHMARK(BM_TcpSendAfterIdle)
    ->Args({0, 0})
    ->Args({2000, 0})
    ->Args({2000, 20})
    ->Args({200, 0})
    ->Args({200, 20})
    ->UseManualTime()
    ->Iterations(600)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
