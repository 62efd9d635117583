// Order-entry encoding costs: signing, body + envelope + frame, masking throughput.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/instrument.h"
#include "core/order_request.h"
#include "net/rest_encoder.h"
#include "net/signer.h"
#include "net/ws_frame.h"
#include "net/ws_trade_encoder.h"

namespace {

using namespace mm;

constexpr std::string_view kBody =
    R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit",)"
    R"("qty":"0.001","price":"65114.20","timeInForce":"PostOnly","orderLinkId":"mm-1"})";

Instrument btc() {
  InstrumentSpec spec;
  spec.symbol = "BTCUSDT";
  spec.price_scale = "2";
  spec.tick_size = "0.10";
  spec.qty_step = "0.001";
  Instrument in;
  if (make_instrument(spec, in) != InstrumentError::kOk) std::abort();
  return in;
}

OrderCreate order(uint64_t seq) {
  OrderCreate a;
  a.instrument = 0;
  a.price = Price{651142};
  a.qty = Qty{1};
  if (make_link_id("mm", seq, a.link_id) != LinkIdError::kOk) std::abort();
  return a;
}

// Per-signature cost of a REST signature over a typical order body (chosen implementation: precomputed
// HMAC midstates).
void BM_SignRest(benchmark::State& state) {
  Signer s;
  if (s.init("test_api_key", "test_secret") != SignerError::kOk) std::abort();
  char out[kSignatureHexLen];
  int64_t ts = 1700000000000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.sign_rest(ts++, 5000, kBody, out));
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_SignRest);

// The alternative: OpenSSL 3 EVP_MAC keyed once and re-initialised (key NULL) per signature. Kept as the
// measured reason for the midstate design (it allocates twice per signature).
void BM_SignRestEvpMacReinit(benchmark::State& state) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  const std::string_view secret = "test_secret";
  if (EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params) != 1) {
    std::abort();
  }
  const std::string msg = "1700000000000test_api_key5000" + std::string(kBody);
  unsigned char out[32];
  size_t out_len = 0;
  for (auto _ : state) {
    EVP_MAC_init(ctx, nullptr, 0, nullptr);
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
    EVP_MAC_final(ctx, out, &out_len, sizeof(out));
    benchmark::DoNotOptimize(out);
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
}
BENCHMARK(BM_SignRestEvpMacReinit);

void BM_EncodeRestCreate(benchmark::State& state) {
  const Instrument in = btc();
  OrderCreate a = order(1);
  char buf[512];
  uint64_t seq = 1;
  for (auto _ : state) {
    a.price.ticks = 651142 + static_cast<int64_t>(seq & 63);
    const Encoded e = encode_rest_create(in, a, buf);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(buf);
    ++seq;
  }
}
BENCHMARK(BM_EncodeRestCreate);

// Body + signature + complete HTTP/1.1 request: what a REST order costs before the socket.
void BM_EncodeRestCreateSignedRequest(benchmark::State& state) {
  const Instrument in = btc();
  Signer s;
  if (s.init("test_api_key", "test_secret") != SignerError::kOk) std::abort();
  const OrderCreate a = order(1);
  char body[512];
  char req[1024];
  int64_t ts = 1700000000000;
  for (auto _ : state) {
    const Encoded b = encode_rest_create(in, a, body);
    const Encoded r = encode_http_post(s, "api.bybit.com", kPathOrderCreate, ts++, 5000,
                                       std::string_view(body, b.size), req);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(req);
  }
}
BENCHMARK(BM_EncodeRestCreateSignedRequest);

// New link id + order body + trade-WS envelope + masked frame header + in-place masking, into one buffer.
void BM_EncodeWsOrderCreate(benchmark::State& state) {
  const Instrument in = btc();
  OrderCreate a = order(1);
  MaskKeySource keys(12345);
  char buf[512];
  uint64_t seq = 1;
  for (auto _ : state) {
    if (make_link_id("mm", seq, a.link_id) != LinkIdError::kOk) std::abort();
    const WsRequestMeta m{a.link_id.view(), 1700000000000 + static_cast<int64_t>(seq), 5000};
    const EncodedFrame f = encode_ws_create_frame(m, in, a, keys.next(), buf);
    benchmark::DoNotOptimize(f);
    benchmark::DoNotOptimize(buf);
    ++seq;
  }
}
BENCHMARK(BM_EncodeWsOrderCreate);

void BM_EncodeWsOrderAmend(benchmark::State& state) {
  const Instrument in = btc();
  OrderAmend a;
  a.instrument = 0;
  a.price = Price{651142};
  if (make_link_id("mm", 1, a.link_id) != LinkIdError::kOk) std::abort();
  MaskKeySource keys(12345);
  char buf[512];
  int64_t ts = 1700000000000;
  for (auto _ : state) {
    const WsRequestMeta m{"", ts++, 5000};
    const EncodedFrame f = encode_ws_amend_frame(m, in, a, keys.next(), buf);
    benchmark::DoNotOptimize(f);
    benchmark::DoNotOptimize(buf);
  }
}
BENCHMARK(BM_EncodeWsOrderAmend);

void BM_MaskPayload(benchmark::State& state) {
  std::vector<char> data(static_cast<size_t>(state.range(0)), 'x');
  uint32_t key = 0x9E3779B9;
  for (auto _ : state) {
    mask_payload(data.data(), data.size(), key);
    benchmark::DoNotOptimize(data.data());
    key += 0x61C88647;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_MaskPayload)->Arg(64)->Arg(256)->Arg(4096)->Arg(65536);

void BM_ParseServerFrame(benchmark::State& state) {
  std::string frame = "\x81\x7e";
  frame.push_back(static_cast<char>(0x01));
  frame.push_back(static_cast<char>(0x2C));  // 300 bytes
  frame.append(300, 'a');
  WsFrameReader reader(1 << 20, 1 << 20);
  for (auto _ : state) {
    const WsEvent ev = reader.next(frame);
    benchmark::DoNotOptimize(ev);
  }
}
BENCHMARK(BM_ParseServerFrame);

}  // namespace
