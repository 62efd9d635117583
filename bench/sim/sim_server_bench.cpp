// The exchange simulator (`mm sim`) over loopback sockets, as a client sees it:
//  BM_SimTradeWsAck        one trade-WebSocket client, one order request at a time (create, then cancel):
//                          send -> ack round trip; counters p50_ns / p99_ns.
//  BM_SimTradeWsThroughput one client pipelining order requests (windows of 64 creates + 64 cancels):
//                          order requests per second answered.
//  BM_SimPublicBookMessages one public subscriber, --speed max with --loop: book messages received per
//  second.
// The server runs on its own thread (pinned to CPU 0 when the machine has more than one CPU, the client to
// CPU 1; MM_SIM_BENCH_CPUS="S,C" chooses). Rate limits are raised for the throughput runs (the default 10/s
// per UID is a Bybit rule, not a capacity).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/cpu_affinity.h"
#include "net/signer.h"
#include "sim/server/sim_app.h"
#include "tests/sim/server/sim_test_client.h"

namespace mm::simx {
namespace {

const EventData& recording() {
  static const EventData* data = [] {
    auto* d = new EventData;
    EventLoadOptions o;
    o.strict = false;
    std::string err;
    (void)load_event_data({std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst"}, o,
                          *d, err);
    return d;
  }();
  return *data;
}

// The CPUs of the server's event loop and of the client: MM_SIM_BENCH_CPUS="S,C" (e.g. "0,0": one CPU for
// both, where a wake-up is a context switch on that CPU instead of an inter-processor interrupt, the costly
// part of a round trip on a virtual machine); default "0,1" when the machine has two CPUs or more, else
// neither is pinned.
std::pair<int, int> bench_cpus() {
  if (const char* env = std::getenv("MM_SIM_BENCH_CPUS")) {
    int s = -1, c = -1;
    if (std::sscanf(env, "%d,%d", &s, &c) == 2) return {s, c};
  }
  return std::thread::hardware_concurrency() > 1 ? std::pair{0, 1} : std::pair{-1, -1};
}
int server_cpu() {
  return bench_cpus().first;
}

class App {
 public:
  explicit App(bool busy_poll) : app_(options(busy_poll), config(), recording()) {
    if (app_.start().empty()) thread_ = std::thread([this] { (void)app_.run(); });
  }
  ~App() {
    app_.stop();
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return app_.port(); }
  // CPU time the server's event-loop thread has used so far: the simulator's own cost, which (unlike the
  // round trips) does not depend on how busy the machine's other processes keep the CPUs.
  int64_t server_cpu_ns() {
    clockid_t id;
    timespec ts{};
    if (pthread_getcpuclockid(thread_.native_handle(), &id) != 0 || clock_gettime(id, &ts) != 0) return 0;
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
  }

 private:
  static SimServerOptions options(bool busy_poll) {
    SimServerOptions o;
    o.max_speed = true;
    o.loop = true;
    o.busy_poll = busy_poll;
    o.cpu = server_cpu();
    return o;
  }
  static ExchangeConfig config() {
    ExchangeConfig c;
    c.create_per_second = c.cancel_per_second = c.amend_per_second = 1'000'000;
    return c;
  }
  SimApp app_;
  std::thread thread_;
};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool auth(test::TestClient& c) {
  Signer s;
  if (s.init(kTestApiKey, kTestApiSecret) != SignerError::kOk) return false;
  const int64_t expires = wall_ms() + 60'000;
  char sig[kSignatureHexLen];
  if (s.sign_ws_auth(expires, sig) != SignerError::kOk) return false;
  return c.send_text(R"({"op":"auth","args":[")" + std::string(kTestApiKey) + "\"," +
                     std::to_string(expires) + ",\"" + std::string(sig, kSignatureHexLen) + "\"]}") &&
         c.recv_text_with("\"auth\"").has_value();
}

// A resting post-only buy far below the market (inside the price band), and its cancel.
std::string create(uint64_t n) {
  return R"({"reqId":"c)" + std::to_string(n) + R"(","header":{"X-BAPI-TIMESTAMP":")" +
         std::to_string(wall_ms()) +
         R"("},"op":"order.create","args":[{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit",)"
         R"("qty":"0.001","price":"62000","timeInForce":"PostOnly","orderLinkId":"b)" +
         std::to_string(n) + R"("}]})";
}
std::string cancel(uint64_t n) {
  return R"({"reqId":"x)" + std::to_string(n) + R"(","header":{"X-BAPI-TIMESTAMP":")" +
         std::to_string(wall_ms()) +
         R"("},"op":"order.cancel","args":[{"category":"linear","symbol":"BTCUSDT","orderLinkId":"b)" +
         std::to_string(n) + R"("}]})";
}

void pin_client() {
  if (const int cpu = bench_cpus().second; cpu >= 0) (void)pin_current_thread(cpu);
}

void BM_SimTradeWsAck(benchmark::State& state) {
  pin_client();
  App app(state.range(0) != 0);
  test::TestClient c;
  if (!c.connect(app.port()) || !c.ws_upgrade("/v5/trade") || !auth(c)) {
    state.SkipWithError("cannot connect");
    return;
  }
  std::vector<int64_t> ns;
  ns.reserve(1 << 20);
  uint64_t n = 0, rejected = 0;
  const int64_t cpu0 = app.server_cpu_ns();
  for (auto _ : state) {
    const bool is_create = (n & 1) == 0;
    const std::string req = is_create ? create(n / 2) : cancel(n / 2);
    const auto t0 = std::chrono::steady_clock::now();
    c.send_text(req);
    auto ack = c.recv_text_with("\"reqId\"");
    const auto t1 = std::chrono::steady_clock::now();
    if (!ack) {
      state.SkipWithError("no ack");
      break;
    }
    if (ack->find("\"retCode\":0") == std::string::npos) ++rejected;
    ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    ++n;
  }
  state.counters["server_cpu_ns_per_req"] =
      n == 0 ? 0.0 : static_cast<double>(app.server_cpu_ns() - cpu0) / static_cast<double>(n);
  std::sort(ns.begin(), ns.end());
  if (!ns.empty()) {
    state.counters["p50_ns"] = static_cast<double>(ns[ns.size() / 2]);
    state.counters["p99_ns"] = static_cast<double>(ns[ns.size() * 99 / 100]);
  }
  state.counters["rejected"] = static_cast<double>(rejected);
}
BENCHMARK(BM_SimTradeWsAck)->Arg(0)->Arg(1)->ArgName("busy_poll")->Iterations(20000)->UseRealTime();

void BM_SimTradeWsThroughput(benchmark::State& state) {
  pin_client();
  App app(state.range(0) != 0);
  test::TestClient c;
  if (!c.connect(app.port()) || !c.ws_upgrade("/v5/trade") || !auth(c)) {
    state.SkipWithError("cannot connect");
    return;
  }
  constexpr int kWindow = 64;
  uint64_t n = 0, answered = 0, rejected = 0;
  const int64_t cpu0 = app.server_cpu_ns();
  for (auto _ : state) {
    for (int pass = 0; pass < 2; ++pass) {
      for (int k = 0; k < kWindow; ++k) {
        const uint64_t id = n + static_cast<uint64_t>(k);
        c.send_text(pass == 0 ? create(id) : cancel(id));
      }
      for (int k = 0; k < kWindow; ++k) {
        auto ack = c.recv_text_with("\"reqId\"");
        if (!ack) {
          state.SkipWithError("no ack");
          return;
        }
        ++answered;
        if (ack->find("\"retCode\":0") == std::string::npos) ++rejected;
      }
    }
    n += kWindow;
  }
  state.counters["requests_per_s"] =
      benchmark::Counter(static_cast<double>(answered), benchmark::Counter::kIsRate);
  state.counters["rejected"] = static_cast<double>(rejected);
  state.counters["server_cpu_ns_per_req"] =
      answered == 0 ? 0.0 : static_cast<double>(app.server_cpu_ns() - cpu0) / static_cast<double>(answered);
}
BENCHMARK(BM_SimTradeWsThroughput)->Arg(0)->Arg(1)->ArgName("busy_poll")->Iterations(300)->UseRealTime();

void BM_SimPublicBookMessages(benchmark::State& state) {
  pin_client();
  App app(state.range(0) != 0);
  test::TestClient c;
  if (!c.connect(app.port()) || !c.ws_upgrade("/v5/public/linear")) {
    state.SkipWithError("cannot connect");
    return;
  }
  c.send_text(
      R"({"op":"subscribe","args":["orderbook.50.BTCUSDT","orderbook.50.ETHUSDT","orderbook.50.SOLUSDT",)"
      R"("orderbook.50.DOGEUSDT"]})");
  uint64_t books = 0;
  // The first messages (subscription, snapshots) are not counted.
  for (int k = 0; k < 1000; ++k) (void)c.recv_frame();
  const int64_t cpu0 = app.server_cpu_ns();
  for (auto _ : state) {
    // One iteration: 10,000 book messages.
    for (int k = 0; k < 10'000;) {
      auto m = c.recv_frame();
      if (!m) {
        state.SkipWithError("stream stopped");
        return;
      }
      if (m->payload.compare(0, 20, R"({"topic":"orderbook.)") == 0) {
        ++k;
        ++books;
      }
    }
  }
  state.counters["book_msgs_per_s"] =
      benchmark::Counter(static_cast<double>(books), benchmark::Counter::kIsRate);
  state.counters["server_cpu_ns_per_msg"] =
      books == 0 ? 0.0 : static_cast<double>(app.server_cpu_ns() - cpu0) / static_cast<double>(books);
}
BENCHMARK(BM_SimPublicBookMessages)->Arg(0)->Arg(1)->ArgName("busy_poll")->Iterations(50)->UseRealTime();

}  // namespace
}  // namespace mm::simx
