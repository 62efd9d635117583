// The encode stage of tick-to-quote as `mm replay` runs it: RecordingVenue turning one tick's actions into
// masked trade-WebSocket frames (one frame per call here), and the stateless WsRequestMeta encoder of the same
// two-amend batch for comparison. Each iteration is a new tick one millisecond or more after the last.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

#include "core/instrument.h"
#include "core/instrument_registry.h"
#include "core/order_request.h"
#include "net/recording_venue.h"
#include "net/ws_frame.h"
#include "net/ws_trade_encoder.h"

namespace {

using namespace mm;

InstrumentRegistry btc_registry() {
  InstrumentSpec spec;
  spec.category = Category::kLinear;
  spec.symbol = "BTCUSDT";
  spec.price_scale = "2";
  spec.tick_size = "0.10";
  spec.qty_step = "0.001";
  Instrument in;
  if (make_instrument(spec, in) != InstrumentError::kOk) std::abort();
  InstrumentRegistry reg;
  reg.add(in);
  return reg;
}

// One bid and one ask of a 1-level ladder, moved by a tick each time.
std::vector<OrderAmend> two_amends() {
  std::vector<OrderAmend> a(2);
  for (size_t i = 0; i < 2; ++i) {
    a[i].instrument = 0;
    a[i].price = Price{651142 + static_cast<int64_t>(i) * 10};
    if (make_link_id("ttq", 1000 + i, a[i].link_id) != LinkIdError::kOk) std::abort();
  }
  return a;
}

std::vector<OrderCreate> two_creates() {
  std::vector<OrderCreate> c(2);
  for (size_t i = 0; i < 2; ++i) {
    c[i].instrument = 0;
    c[i].side = i == 0 ? Side::kBuy : Side::kSell;
    c[i].price = Price{651142 + static_cast<int64_t>(i) * 10};
    c[i].qty = Qty{1};
    if (make_link_id("ttq", 1000 + i, c[i].link_id) != LinkIdError::kOk) std::abort();
  }
  return c;
}

void BM_VenueAmendBatch2(benchmark::State& state) {
  const InstrumentRegistry reg = btc_registry();
  RecordingVenue v(reg);
  std::vector<OrderAmend> a = two_amends();
  int64_t t = 1'700'000'000'000'000'000;
  for (auto _ : state) {
    t += 7'300'000;  // 7.3 ms: a new millisecond every tick, as in replay
    v.set_time(t);
    v.begin_tick();
    a[0].price->ticks ^= 1;
    a[1].price->ticks ^= 1;
    benchmark::DoNotOptimize(v.send_amends(a));
    benchmark::DoNotOptimize(v.frame(0).data());
  }
}
BENCHMARK(BM_VenueAmendBatch2);

void BM_VenueCreateBatch2(benchmark::State& state) {
  const InstrumentRegistry reg = btc_registry();
  RecordingVenue v(reg);
  std::vector<OrderCreate> c = two_creates();
  int64_t t = 1'700'000'000'000'000'000;
  for (auto _ : state) {
    t += 7'300'000;
    v.set_time(t);
    v.begin_tick();
    c[0].price.ticks ^= 1;
    c[1].price.ticks ^= 1;
    benchmark::DoNotOptimize(v.send_creates(c));
    benchmark::DoNotOptimize(v.frame(0).data());
  }
}
BENCHMARK(BM_VenueCreateBatch2);

void BM_VenueCancel1(benchmark::State& state) {
  const InstrumentRegistry reg = btc_registry();
  RecordingVenue v(reg);
  OrderCancel c;
  c.instrument = 0;
  if (make_link_id("ttq", 1000, c.link_id) != LinkIdError::kOk) std::abort();
  int64_t t = 1'700'000'000'000'000'000;
  for (auto _ : state) {
    t += 7'300'000;
    v.set_time(t);
    v.begin_tick();
    benchmark::DoNotOptimize(v.send_cancels({&c, 1}));
    benchmark::DoNotOptimize(v.frame(0).data());
  }
}
BENCHMARK(BM_VenueCancel1);

// The stateless encoder: reqId validated and both numbers printed on every frame.
void BM_EncodeWsAmendBatch2Meta(benchmark::State& state) {
  const InstrumentRegistry reg = btc_registry();
  std::vector<OrderAmend> a = two_amends();
  MaskKeySource keys(12345);
  char buf[1024];
  int64_t ts = 1'700'000'000'000;
  for (auto _ : state) {
    ts += 7;
    a[0].price->ticks ^= 1;
    a[1].price->ticks ^= 1;
    const WsRequestMeta m{"r12345", ts, 5000};
    const EncodedFrame f = encode_ws_text_frame(
        buf, keys.next(), [&](std::span<char> payload) { return encode_ws_amend_batch(m, reg, a, payload); });
    benchmark::DoNotOptimize(f);
    benchmark::DoNotOptimize(buf);
  }
}
BENCHMARK(BM_EncodeWsAmendBatch2Meta);

}  // namespace
