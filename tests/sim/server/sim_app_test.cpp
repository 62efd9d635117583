// The whole simulator (server + exchange) over sockets: trading on the trade WebSocket and signed REST, the
// reaction-time summary, faults through POST /admin/fault, and TLS accepted / refused.
#include "sim/server/sim_app.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "net/signer.h"
#include "sim/server/tls_certs.h"
#include "tests/sim/server/sim_test_client.h"
#include "tests/support/alloc_counter.h"

namespace mm::simx {
namespace {

using test::TestClient;

const std::string kRecording = std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";

const EventData& recording() {
  static const EventData* data = [] {
    auto* d = new EventData;
    EventLoadOptions o;
    o.strict = false;
    std::string err;
    if (load_event_data({kRecording}, o, *d, err) != EventDataError::kOk) ADD_FAILURE() << err;
    return d;
  }();
  return *data;
}

class AppThread {
 public:
  explicit AppThread(SimServerOptions o, const ExchangeConfig& x = ExchangeConfig{})
      : app_(std::move(o), x, recording()) {}
  ~AppThread() { stop(); }
  std::string start() {
    std::string e = app_.start();
    if (e.empty()) thread_ = std::thread([this] { (void)app_.run(); });
    return e;
  }
  void stop() {
    app_.stop();
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return app_.port(); }
  SimApp& app() { return app_; }

 private:
  SimApp app_;
  std::thread thread_;
};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string admin(TestClient& c, std::string_view json) {
  const std::string req =
      "POST /admin/fault HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(json.size()) + "\r\n\r\n" + std::string(json);
  if (!c.send_raw(req)) return "";
  return c.read_http_response();
}

// A signed POST request's bytes (Content-Length body).
std::string signed_post_request(std::string_view path, std::string_view body, int64_t ts_ms) {
  Signer s;
  EXPECT_EQ(s.init(kTestApiKey, kTestApiSecret), SignerError::kOk);
  char sig[kSignatureHexLen];
  EXPECT_EQ(s.sign_rest(ts_ms, 5000, body, sig), SignerError::kOk);
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-BAPI-API-KEY: " +
         std::string(kTestApiKey) + "\r\nX-BAPI-TIMESTAMP: " + std::to_string(ts_ms) +
         "\r\nX-BAPI-RECV-WINDOW: 5000\r\nX-BAPI-SIGN: " + std::string(sig, kSignatureHexLen) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string signed_post(TestClient& c, std::string_view path, std::string_view body, int64_t ts_ms) {
  if (!c.send_raw(signed_post_request(path, body, ts_ms))) return "";
  return c.read_http_response();
}

bool ws_auth(TestClient& c) {
  Signer s;
  if (s.init(kTestApiKey, kTestApiSecret) != SignerError::kOk) return false;
  const int64_t expires = wall_ms() + 10'000;
  char sig[kSignatureHexLen];
  if (s.sign_ws_auth(expires, sig) != SignerError::kOk) return false;
  return c.send_text(R"({"op":"auth","args":[")" + std::string(kTestApiKey) + "\"," +
                     std::to_string(expires) + ",\"" + std::string(sig, kSignatureHexLen) + "\"]}") &&
         c.recv_text_with("\"auth\"").has_value();
}

SimServerOptions opts(bool admin_on) {
  SimServerOptions o;
  o.max_speed = true;
  o.loop = true;
  o.admin = admin_on;
  return o;
}

TEST(SimApp, TradeWebSocketOrderAfterABookFrameIsAReactionSample) {
  AppThread t(opts(false));
  ASSERT_EQ(t.start(), "");
  TestClient pub, trade;
  ASSERT_TRUE(pub.connect(t.port()));
  ASSERT_TRUE(trade.connect(t.port()));
  ASSERT_TRUE(trade.ws_upgrade("/v5/trade"));
  ASSERT_TRUE(ws_auth(trade));
  ASSERT_TRUE(pub.ws_upgrade("/v5/public/linear"));
  ASSERT_TRUE(pub.send_text(R"({"op":"subscribe","args":["orderbook.1.BTCUSDT"]})"));
  const auto book = pub.recv_text_with("orderbook.1.BTCUSDT");
  ASSERT_TRUE(book);
  simdjson::dom::parser p;
  const std::string bid(std::string_view(p.parse(*book)["data"]["b"].at(0).at(0)));
  const std::string order =
      R"({"reqId":"r-1","header":{"X-BAPI-TIMESTAMP":")" + std::to_string(wall_ms()) +
      R"("},"op":"order.create","args":[{"category":"linear","symbol":"BTCUSDT","side":"Buy",)"
      R"("orderType":"Limit","qty":"0.001","price":")" +
      bid + R"(","timeInForce":"PostOnly","orderLinkId":"t-1"}]})";
  ASSERT_TRUE(trade.send_text(order));
  const auto ack = trade.recv_text_with("\"r-1\"");
  ASSERT_TRUE(ack);
  EXPECT_NE(ack->find("\"retCode\":0"), std::string::npos) << *ack;
  EXPECT_NE(ack->find("X-Bapi-Limit-Status"), std::string::npos) << *ack;
  t.stop();
  const std::string summary = t.app().summary_json();
  simdjson::dom::parser q;
  const simdjson::dom::element s = q.parse(summary);
  EXPECT_GE(uint64_t(s["reaction_ns"]["count"]), 1u) << summary;
  EXPECT_GT(uint64_t(s["reaction_ns"]["max"]), 0u);
  EXPECT_EQ(uint64_t(s["orders"]["created"]), 1u) << summary;
  EXPECT_EQ(uint64_t(s["requests"]["/v5/trade order.create"]), 1u) << summary;
  EXPECT_EQ(uint64_t(s["requests"]["/v5/trade auth"]), 1u);
}

TEST(SimApp, AdminEndpointIsRefusedWithoutAdmin) {
  AppThread t(opts(false));
  ASSERT_EQ(t.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(t.port()));
  const std::string r = admin(c, R"({"kind":"skew","ms":1000})");
  EXPECT_EQ(r.rfind("HTTP/1.1 403", 0), 0u) << r;
}

TEST(SimApp, AdminRejectsBadFaultsNamingTheKey) {
  AppThread t(opts(true));
  ASSERT_EQ(t.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(t.port()));
  std::string r = admin(c, R"({"kind":"explode"})");
  EXPECT_EQ(r.rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_NE(r.find("unknown kind 'explode'"), std::string::npos) << r;
  r = admin(c, R"({"kind":"stall","mss":5})");
  EXPECT_NE(r.find("unknown key 'mss'"), std::string::npos) << r;
  r = admin(c, "{nope");
  EXPECT_NE(r.find("not valid JSON"), std::string::npos) << r;
}

TEST(SimApp, SkewMovesTheServerClock) {
  AppThread t(opts(true));
  ASSERT_EQ(t.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(t.port()));
  EXPECT_EQ(admin(c, R"({"kind":"skew","ms":3600000})").rfind("HTTP/1.1 200", 0), 0u);
  simdjson::dom::parser p;
  const std::string body = TestClient::body_of(c.get("/v5/market/time"));
  const int64_t server_ms = int64_t(p.parse(body)["time"]);
  EXPECT_GT(server_ms - wall_ms(), 3'500'000);  // an hour ahead (a bounded wait is far below 100 s)
  EXPECT_LT(server_ms - wall_ms(), 3'700'000);
}

TEST(SimApp, DropDeltaMakesAGapAndRestartSnapshotSendsUOne) {
  AppThread t(opts(true));
  ASSERT_EQ(t.start(), "");
  TestClient ws, c;
  ASSERT_TRUE(ws.connect(t.port()));
  ASSERT_TRUE(c.connect(t.port()));
  ASSERT_TRUE(ws.ws_upgrade("/v5/public/linear"));
  ASSERT_TRUE(ws.send_text(R"({"op":"subscribe","args":["orderbook.50.BTCUSDT"]})"));
  simdjson::dom::parser p;
  auto next_u = [&](std::string* type) -> int64_t {
    const auto m = ws.recv_text_with("orderbook.50.BTCUSDT");
    if (!m) return -1;
    const simdjson::dom::element e = p.parse(*m);
    *type = std::string(std::string_view(e["type"]));
    return int64_t(e["data"]["u"]);
  };
  std::string type;
  int64_t u = next_u(&type);
  ASSERT_GT(u, 0);
  const std::string r = admin(c, R"({"kind":"drop_delta","symbol":"BTCUSDT"})");
  EXPECT_NE(r.find("\"topics\":1"), std::string::npos) << r;
  bool gap = false;
  for (int i = 0; i < 100000 && !gap; ++i) {
    const int64_t v = next_u(&type);
    ASSERT_GT(v, 0);
    if (type == "delta" && v == u + 2) gap = true;
    if (!gap) {
      ASSERT_EQ(v, u + 1) << "only the dropped delta may leave a gap";
    }
    u = v;
  }
  EXPECT_TRUE(gap);
  EXPECT_NE(admin(c, R"({"kind":"restart_snapshot"})").find("\"ok\":true"), std::string::npos);
  bool restarted = false;
  for (int i = 0; i < 100000 && !restarted; ++i) {
    const int64_t v = next_u(&type);
    ASSERT_GT(v, 0);
    restarted = v == 1 && type == "snapshot";
  }
  EXPECT_TRUE(restarted);
  EXPECT_EQ(next_u(&type), 2);
}

TEST(SimApp, CloseResetAndStallActOnTheChosenConnections) {
  AppThread t(opts(true));
  ASSERT_EQ(t.start(), "");
  TestClient a, b, stalled, c;
  ASSERT_TRUE(a.connect(t.port()));
  ASSERT_TRUE(a.ws_upgrade("/v5/public/linear"));
  ASSERT_TRUE(b.connect(t.port()));
  ASSERT_TRUE(b.ws_upgrade("/v5/public/spot"));
  ASSERT_TRUE(c.connect(t.port()));
  std::string r =
      admin(c, R"({"kind":"close","target":"one","path":"/v5/public/linear","code":4000,"reason":"bye"})");
  EXPECT_NE(r.find("\"connections\":1"), std::string::npos) << r;
  EXPECT_FALSE(a.recv_text_with("never"));
  EXPECT_EQ(a.last_close(), 4000);
  EXPECT_EQ(a.close_reason(), "bye");
  r = admin(c, R"({"kind":"reset","path":"/v5/public/spot"})");
  EXPECT_NE(r.find("\"connections\":1"), std::string::npos) << r;
  EXPECT_FALSE(b.recv_text_with("never"));
  EXPECT_EQ(b.last_close(), 0);  // no close frame: the socket was reset
  ASSERT_TRUE(stalled.connect(t.port()));
  ASSERT_TRUE(stalled.ws_upgrade("/v5/public/linear"));
  r = admin(c, R"({"kind":"stall","path":"/v5/public/linear","ms":200})");
  EXPECT_NE(r.find("\"connections\":1"), std::string::npos) << r;
  ASSERT_TRUE(stalled.send_text(R"({"op":"ping"})"));
  EXPECT_TRUE(stalled.recv_text_with("pong"));  // held, then delivered
}

TEST(SimApp, RetCodeFaultAnswersTheNextOrderRequests) {
  AppThread t(opts(true));
  ASSERT_EQ(t.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(t.port()));
  EXPECT_NE(admin(c, R"({"kind":"ret_code","ret_code":10016,"count":1})").find("\"ok\":true"),
            std::string::npos);
  const std::string body =
      R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001","price":"60000"})";
  const std::string r = signed_post(c, "/v5/order/create", body, wall_ms());
  EXPECT_NE(r.find("\"retCode\":10016"), std::string::npos) << r;
}

// A signed order whose JSON body arrives chunked (Transfer-Encoding: chunked, in three chunks and with a
// trailer): decoded before the signature check, so it is signed and answered like a Content-Length body;
// the next request on the connection is read from the right place.
TEST(SimApp, ChunkedRequestBodyIsDecodedAndSigned) {
  AppThread t(opts(false));
  ASSERT_EQ(t.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(t.port()));
  const std::string body =
      R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001","price":"62000",)"
      R"("timeInForce":"PostOnly","orderLinkId":"chunked-1"})";
  const int64_t ts = wall_ms();
  Signer s;
  ASSERT_EQ(s.init(kTestApiKey, kTestApiSecret), SignerError::kOk);
  char sig[kSignatureHexLen];
  ASSERT_EQ(s.sign_rest(ts, 5000, body, sig), SignerError::kOk);
  auto hex = [](size_t n) {
    char b[16];
    std::snprintf(b, sizeof b, "%zx", n);
    return std::string(b);
  };
  const std::string a = body.substr(0, 10), b = body.substr(10, 40), rest = body.substr(50);
  const std::string req =
      "POST /v5/order/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-BAPI-API-KEY: " +
      std::string(kTestApiKey) + "\r\nX-BAPI-TIMESTAMP: " + std::to_string(ts) +
      "\r\nX-BAPI-RECV-WINDOW: 5000\r\nX-BAPI-SIGN: " + std::string(sig, kSignatureHexLen) +
      "\r\nTransfer-Encoding: chunked\r\n\r\n" + hex(a.size()) + "\r\n" + a + "\r\n" + hex(b.size()) +
      ";name=value\r\n" + b + "\r\n" + hex(rest.size()) + "\r\n" + rest + "\r\n0\r\nX-Trailer: 1\r\n\r\n";
  // Sent in two writes split inside a chunk, and followed by a pipelined GET.
  ASSERT_TRUE(c.send_raw(req.substr(0, req.size() / 2)));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(c.send_raw(req.substr(req.size() / 2) + "GET /v5/market/time HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string r = c.read_http_response();
  EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << r;
  EXPECT_NE(r.find("\"retCode\":0"), std::string::npos) << r;
  EXPECT_NE(r.find("\"orderLinkId\":\"chunked-1\""), std::string::npos) << r;
  const std::string time = c.read_http_response();
  EXPECT_NE(time.find("\"timeSecond\""), std::string::npos) << time;
  t.stop();
  EXPECT_EQ(t.app().exchange().stats().orders_created, 1u);
}

// partial_fill without order_id fills the oldest resting order; with nothing resting it is refused, naming
// why.
TEST(SimApp, PartialFillWithoutAnOrderIdFillsTheOldestRestingOrder) {
  AppThread t(opts(true));
  ASSERT_EQ(t.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(t.port()));
  std::string r = admin(c, R"({"kind":"partial_fill"})");
  EXPECT_NE(r.find("no order is resting"), std::string::npos) << r;
  // A post-only buy far below the market (inside the price band): it rests.
  const std::string body =
      R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.004","price":"62000",)"
      R"("timeInForce":"PostOnly","orderLinkId":"oldest"})";
  r = signed_post(c, "/v5/order/create", body, wall_ms());
  ASSERT_NE(r.find("\"retCode\":0"), std::string::npos) << r;
  r = admin(c, R"({"kind":"partial_fill"})");  // half: 0.002 filled, 0.002 left
  EXPECT_NE(r.find("\"ok\":true"), std::string::npos) << r;
  r = admin(c, R"({"kind":"partial_fill","qty":"0.003"})");
  EXPECT_NE(r.find("more than the order's leaves"), std::string::npos) << r;
  r = admin(c, R"({"kind":"partial_fill","qty":"0.002"})");
  EXPECT_NE(r.find("\"ok\":true"), std::string::npos) << r;
  r = admin(c, R"({"kind":"partial_fill"})");  // filled: nothing rests any more
  EXPECT_NE(r.find("no order is resting"), std::string::npos) << r;
  t.stop();
  EXPECT_EQ(t.app().exchange().stats().fills, 2u);
  EXPECT_EQ(t.app().exchange().stats().orders_filled, 1u);
}

// delay: for for_ms every answer leaves ms late (REST here); afterwards answers are prompt again.
TEST(SimApp, DelayFaultHoldsAnswersForItsWindow) {
  AppThread t(opts(true));
  ASSERT_EQ(t.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(t.port()));
  EXPECT_NE(admin(c, R"({"kind":"delay","ms":300,"for_ms":600})").find("\"ok\":true"), std::string::npos);
  const std::string get = "GET /v5/market/time HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send_raw(get));
  EXPECT_NE(c.read_http_response().find("\"retCode\":0"), std::string::npos);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(300));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // past the 600 ms window
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send_raw(get));
  EXPECT_NE(c.read_http_response().find("\"retCode\":0"), std::string::npos);
  // Not held: well under the 300 ms delay even on a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::milliseconds(250));
}

// TLS: a client trusting the generated CA completes the handshake and gets answers; one trusting only the
// system store fails the handshake.
bool tls_get_time(uint16_t port, const std::string& ca_file, std::string& answer) {
  TestClient tcp;
  if (!tcp.connect(port)) return false;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (!ca_file.empty()) {
    SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  } else {
    SSL_CTX_set_default_verify_paths(ctx);
  }
  SSL* ssl = SSL_new(ctx);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
  SSL_set_fd(ssl, tcp.fd());
  bool ok = SSL_connect(ssl) == 1;
  if (ok) {
    const std::string req = "GET /v5/market/time HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    ok = SSL_write(ssl, req.data(), static_cast<int>(req.size())) > 0;
    char buf[4096];
    int n = 0;
    while (ok && (n = SSL_read(ssl, buf, sizeof buf)) > 0) answer.append(buf, static_cast<size_t>(n));
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return ok;
}

TEST(SimApp, TlsIsAcceptedWithTheCaAndRefusedWithout) {
  const std::string dir = std::string(MM_BINARY_DIR) + "/sim-tls-test-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  TlsFiles files;
  ASSERT_EQ(prepare_tls_files(dir, files), "");
  EXPECT_TRUE(files.generated);
  EXPECT_EQ(std::filesystem::status(files.key_file).permissions() & std::filesystem::perms::group_read,
            std::filesystem::perms::none);
  SimServerOptions o = opts(false);
  o.tls = true;
  o.cert_file = files.cert_file;
  o.key_file = files.key_file;
  AppThread t(o);
  ASSERT_EQ(t.start(), "");
  EXPECT_EQ(t.app().url().rfind("https://127.0.0.1:", 0), 0u);
  std::string answer;
  EXPECT_TRUE(tls_get_time(t.port(), files.ca_file, answer));
  EXPECT_NE(answer.find("\"retCode\":0"), std::string::npos) << answer;
  std::string refused;
  EXPECT_FALSE(tls_get_time(t.port(), "", refused));
  EXPECT_EQ(refused, "");
  // A second start with the same directory reuses cert.pem/key.pem.
  TlsFiles again;
  ASSERT_EQ(prepare_tls_files(dir, again), "");
  EXPECT_FALSE(again.generated);
  t.stop();
  std::filesystem::remove_all(dir);
}

// The trade WebSocket through the server's sockets: once warm, an order request's whole path (read, frame
// decode, the authenticated session, exchange, ack framed and written) allocates nothing. The client sends
// frames built beforehand with send() and reads the acks into a fixed buffer, so every allocation counted
// process-wide would be the simulator's.
TEST(SimAppAlloc, TradeWebSocketOrdersAllocateNothingOnceWarm) {
  ExchangeConfig x;
  x.create_per_second = x.cancel_per_second = x.amend_per_second = 1'000'000;
  AppThread t(opts(false), x);
  ASSERT_EQ(t.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(t.port()));
  ASSERT_TRUE(c.ws_upgrade("/v5/trade"));
  ASSERT_TRUE(ws_auth(c));
  constexpr int kOrders = 400, kWarm = 150;
  std::vector<std::string> frames;
  const std::string head = R"({"header":{"X-BAPI-TIMESTAMP":")" + std::to_string(wall_ms()) + R"("},"op":")";
  for (int i = 0; i < kOrders; ++i) {
    const std::string link = "a" + std::to_string(1000 + i);  // one length: the same buffer sizes throughout
    frames.push_back(TestClient::client_frame(
        WsOpcode::kText,
        head + R"(order.create","reqId":"c)" + link +
            R"(","args":[{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":)"
            R"("Limit","qty":"0.001","price":"62000","timeInForce":"PostOnly","orderLinkId":")" +
            link + R"("}]})"));
    frames.push_back(TestClient::client_frame(
        WsOpcode::kText, head + R"(order.cancel","reqId":"x)" + link +
                             R"(","args":[{"category":"linear","symbol":"BTCUSDT","orderLinkId":")" + link +
                             R"("}]})"));
  }
  static char buf[1 << 16];
  size_t have = 0;
  // Sends one request and waits for its one answer frame (the trade WebSocket pushes nothing else).
  auto round_trip = [&](const std::string& f) {
    if (::send(c.fd(), f.data(), f.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(f.size())) return false;
    for (;;) {
      WsFrame frame;
      const WsParseResult r = parse_server_frame(std::string_view(buf, have), sizeof buf, frame);
      if (r.status == WsParseStatus::kFrame) {
        std::memmove(buf, buf + frame.frame_len, have - frame.frame_len);
        have -= frame.frame_len;
        return frame.opcode == WsOpcode::kText;
      }
      if (r.status == WsParseStatus::kError) return false;
      const ssize_t n = ::recv(c.fd(), buf + have, sizeof buf - have, 0);
      if (n <= 0) return false;
      have += static_cast<size_t>(n);
    }
  };
  for (int i = 0; i < 2 * kWarm; ++i) ASSERT_TRUE(round_trip(frames[static_cast<size_t>(i)]));
  const uint64_t before = mm::test::process_allocations();
  bool ok = true;
  for (int i = 2 * kWarm; i < 2 * kOrders && ok; ++i) ok = round_trip(frames[static_cast<size_t>(i)]);
  const uint64_t after = mm::test::process_allocations();
  ASSERT_TRUE(ok);
  EXPECT_EQ(after - before, 0u);
  t.stop();
  const ExchangeStats s = t.app().exchange().stats();
  EXPECT_EQ(s.orders_created, static_cast<uint64_t>(kOrders));
  EXPECT_EQ(s.orders_cancelled, static_cast<uint64_t>(kOrders));
  EXPECT_EQ(s.orders_rejected, 0u);
}

// Signed REST orders through the server's sockets: once warm, a request's whole path (HTTP parse, routing,
// signature check, exchange, the answer with its six X-Bapi-* / trace headers written) allocates nothing with
// operator new (OpenSSL's HMAC uses malloc, which this count does not see).
TEST(SimAppAlloc, SignedRestOrdersAllocateNothingOnceWarm) {
  ExchangeConfig x;
  x.create_per_second = x.cancel_per_second = x.amend_per_second = 1'000'000;
  AppThread t(opts(false), x);
  ASSERT_EQ(t.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(t.port()));
  constexpr int kOrders = 300, kWarm = 100;
  std::vector<std::string> requests;
  const int64_t ts = wall_ms();
  for (int i = 0; i < kOrders; ++i) {
    const std::string link = "r" + std::to_string(1000 + i);
    requests.push_back(signed_post_request(
        "/v5/order/create",
        R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001",)"
        R"("price":"62000","timeInForce":"PostOnly","orderLinkId":")" +
            link + R"("})",
        ts));
    requests.push_back(signed_post_request(
        "/v5/order/cancel", R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":")" + link + R"("})",
        ts));
  }
  static char buf[1 << 16];
  size_t have = 0;
  // Sends one request and reads its whole response (head + Content-Length body) into `buf`.
  auto round_trip = [&](const std::string& req) {
    if (::send(c.fd(), req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
      return false;
    for (;;) {
      const std::string_view in(buf, have);
      const size_t end = in.find("\r\n\r\n");
      const size_t cl = in.find("Content-Length: ");
      if (end != std::string_view::npos && cl != std::string_view::npos && cl < end) {
        const size_t len = std::strtoul(buf + cl + 16, nullptr, 10);
        if (have >= end + 4 + len) {
          const bool ok = in.substr(0, 12) == "HTTP/1.1 200" &&
                          in.substr(end + 4, len).find("\"retCode\":0,") != std::string_view::npos;
          std::memmove(buf, buf + end + 4 + len, have - end - 4 - len);
          have -= end + 4 + len;
          return ok;
        }
      }
      const ssize_t n = ::recv(c.fd(), buf + have, sizeof buf - have, 0);
      if (n <= 0) return false;
      have += static_cast<size_t>(n);
    }
  };
  for (int i = 0; i < 2 * kWarm; ++i) ASSERT_TRUE(round_trip(requests[static_cast<size_t>(i)])) << i;
  const uint64_t before = mm::test::process_allocations();
  bool ok = true;
  for (int i = 2 * kWarm; i < 2 * kOrders && ok; ++i) ok = round_trip(requests[static_cast<size_t>(i)]);
  const uint64_t after = mm::test::process_allocations();
  ASSERT_TRUE(ok);
  EXPECT_EQ(after - before, 0u);
  t.stop();
  const ExchangeStats s = t.app().exchange().stats();
  EXPECT_EQ(s.orders_created, static_cast<uint64_t>(kOrders));
  EXPECT_EQ(s.orders_cancelled, static_cast<uint64_t>(kOrders));
}

}  // namespace
}  // namespace mm::simx
