// SimExchange's own cost per message (no sockets): a trade-WebSocket order request from text in to ack and
// order-stream push out, and a market update through the fill engine. The simulator's socket-level figures
// (ack latency, requests/s over loopback) are the server's benchmarks; these show the exchange's share.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/instrument_registry.h"
#include "net/signer.h"
#include "sim/exchange/sim_exchange.h"

namespace {

using namespace mm;
using namespace mm::simx;

constexpr int64_t kT0Ms = 1'700'000'000'000;
constexpr int64_t kT0 = kT0Ms * 1'000'000;

struct NullOut final : WsOutput {
  uint64_t bytes = 0;
  void send_text(ConnId, std::string_view t) override { bytes += t.size(); }
  void close(ConnId, uint16_t, std::string_view) override {}
};

struct Setup {
  InstrumentRegistry reg;
  NullOut out;
  std::unique_ptr<SimExchange> ex;
  InstrumentId id = 0;

  Setup() {
    InstrumentSpec s;
    s.category = Category::kLinear;
    s.symbol = "BTCUSDT";
    s.status = "Trading";
    s.tick_size = "0.10";
    s.qty_step = "0.001";
    s.min_qty = "0.001";
    s.min_notional = "5";
    Instrument in;
    (void)make_instrument(s, in);
    id = reg.add(in);
    ExchangeConfig cfg;
    cfg.create_per_second = cfg.cancel_per_second = cfg.amend_per_second = 1'000'000;
    ex = std::make_unique<SimExchange>(cfg, reg, out);
    Signer signer;
    (void)signer.init(kTestApiKey, kTestApiSecret);
    const int64_t expires = kT0Ms + 3'600'000;
    char sig[kSignatureHexLen];
    (void)signer.sign_ws_auth(expires, sig);
    const std::string auth = R"({"op":"auth","args":["mmsim-test-key",)" + std::to_string(expires) + ",\"" +
                             std::string(sig, kSignatureHexLen) + "\"]}";
    ex->on_ws_open(1, WsChannel::kPrivate, "127.0.0.1", kT0);
    ex->on_ws_text(1, auth, kT0);
    ex->on_ws_text(1, R"({"op":"subscribe","args":["order","execution","position","wallet"]})", kT0);
    ex->on_ws_open(2, WsChannel::kTrade, "127.0.0.1", kT0);
    ex->on_ws_text(2, auth, kT0);
  }
};

// One order.create (rests, New pushed) and its order.cancel (Cancelled pushed), by orderLinkId: two requests.
void BM_SimExchangeTradeWsCreateCancel(benchmark::State& state) {
  auto s = std::make_unique<Setup>();
  const std::string head = R"({"header":{"X-BAPI-TIMESTAMP":")" + std::to_string(kT0Ms) + R"("},"op":")";
  constexpr int kIds = 4096;
  std::vector<std::string> creates, cancels;
  for (int i = 0; i < kIds; ++i) {
    const std::string link = "q" + std::to_string(i);
    creates.push_back(head +
                      R"(order.create","args":[{"category":"linear","symbol":"BTCUSDT","side":"Buy",)"
                      R"("orderType":"Limit","qty":"0.010","price":"49000.0","timeInForce":"PostOnly",)"
                      R"("orderLinkId":")" +
                      link + R"("}]})");
    cancels.push_back(head +
                      R"(order.cancel","args":[{"category":"linear","symbol":"BTCUSDT","orderLinkId":")" +
                      link + R"("}]})");
  }
  // orderLinkIds must be unique for the run: each id is used once, then the exchange is rebuilt.
  int i = 0;
  for (auto _ : state) {
    if (i == kIds) {
      state.PauseTiming();
      s = std::make_unique<Setup>();
      i = 0;
      state.ResumeTiming();
    }
    s->ex->on_ws_text(2, creates[static_cast<size_t>(i)], kT0);
    s->ex->on_ws_text(2, cancels[static_cast<size_t>(i)], kT0);
    ++i;
  }
  state.SetItemsProcessed(state.iterations() * 2);
  benchmark::DoNotOptimize(s->out.bytes);
}
BENCHMARK(BM_SimExchangeTradeWsCreateCancel);

// A one-level book delta through the exchange (fill engine, 10 resting orders of ours away from the touch).
void BM_SimExchangeBookDelta(benchmark::State& state) {
  Setup s;
  const std::string head = R"({"header":{"X-BAPI-TIMESTAMP":")" + std::to_string(kT0Ms) + R"("},"op":")";
  for (int i = 0; i < 10; ++i)
    s.ex->on_ws_text(2,
                     head +
                         R"(order.create","args":[{"category":"linear","symbol":"BTCUSDT","side":"Buy",)"
                         R"("orderType":"Limit","qty":"0.010","price":")" +
                         std::to_string(49000 - i) + R"("}]})",
                     kT0);
  std::vector<PriceLevel> bids(50), asks(50);
  for (int k = 0; k < 50; ++k) {
    bids[static_cast<size_t>(k)] = {Price{500000 - k}, Qty{1000}};
    asks[static_cast<size_t>(k)] = {Price{500001 + k}, Qty{1000}};
  }
  BookUpdate snap;
  snap.instrument = s.id;
  snap.snapshot = true;
  snap.bids = bids.data();
  snap.bid_count = 50;
  snap.asks = asks.data();
  snap.ask_count = 50;
  s.ex->on_book(snap, kT0);
  PriceLevel lvl{Price{500000}, Qty{1000}};
  BookUpdate delta;
  delta.instrument = s.id;
  delta.bids = &lvl;
  delta.bid_count = 1;
  int64_t n = 0;
  for (auto _ : state) {
    lvl.qty.lots = 1000 + (n++ & 7);
    s.ex->on_book(delta, kT0);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SimExchangeBookDelta);

}  // namespace
