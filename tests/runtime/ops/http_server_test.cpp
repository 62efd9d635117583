#include "runtime/ops/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/metrics.h"
#include "net/http_client.h"
#include "net/ws_frame.h"
#include "runtime/ops/metrics_endpoint.h"
#include "runtime/ops/ws_server_frame.h"

namespace mm {
namespace {

HttpClientConfig client_config(uint16_t port) {
  HttpClientConfig c;
  c.endpoint.host = "127.0.0.1";
  c.endpoint.port = port;
  c.timeout_ms = 5000;
  return c;
}

std::string get(std::string_view target) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

HttpServerConfig loopback() {
  HttpServerConfig c;
  c.listen = "127.0.0.1:0";
  return c;
}

TEST(HttpServer, ServesRoutesWithKeepAliveAnd404) {
  HttpServer server(loopback());
  server.route("/hello", [](const HttpServerRequest& req, HttpServerResponse& res) {
    res.body =
        std::string(req.method) + " " + std::string(req.target) + " " + std::string(req.header("x-test"));
  });
  ASSERT_EQ(server.start(), "");
  ASSERT_NE(server.port(), 0);
  HttpClient client(client_config(server.port()));
  HttpResponse r;
  ASSERT_EQ(client.exchange("GET /hello?a=1 HTTP/1.1\r\nHost: x\r\nX-Test: yes\r\n\r\n", true, r),
            HttpError::kOk)
      << client.error_detail();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /hello?a=1 yes");
  ASSERT_EQ(client.exchange(get("/nothing"), true, r), HttpError::kOk);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(client.connects(), 1u);  // both on one kept-alive connection
  EXPECT_EQ(server.requests_served(), 2u);
}

TEST(HttpServer, HandlerExceptionIs500AndServerKeepsServing) {
  HttpServer server(loopback());
  server.route("/boom",
               [](const HttpServerRequest&, HttpServerResponse&) { throw std::runtime_error("secret"); });
  server.route("/ok", [](const HttpServerRequest&, HttpServerResponse& res) { res.body = "fine"; });
  ASSERT_EQ(server.start(), "");
  HttpClient client(client_config(server.port()));
  HttpResponse r;
  ASSERT_EQ(client.exchange(get("/boom"), true, r), HttpError::kOk);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  ASSERT_EQ(client.exchange(get("/ok"), true, r), HttpError::kOk);
  EXPECT_EQ(r.body, "fine");
}

TEST(HttpServer, OversizedBodyIs413) {
  HttpServerConfig cfg = loopback();
  cfg.max_body = 16;
  HttpServer server(cfg);
  server.route("/p", [](const HttpServerRequest&, HttpServerResponse& res) { res.body = "took it"; });
  ASSERT_EQ(server.start(), "");
  HttpClient client(client_config(server.port()));
  HttpResponse r;
  const std::string body(100, 'x');
  ASSERT_EQ(client.exchange("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + body, false, r),
            HttpError::kOk);
  EXPECT_EQ(r.status, 413);
}

TEST(HttpServer, RefusesBadAddressesAndBusyPort) {
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "example.com:80", ":9464", "1.2.3:1"}) {
    HttpServerConfig cfg;
    cfg.listen = bad;
    HttpServer s(cfg);
    const std::string e = s.start();
    EXPECT_NE(e.find("listen address"), std::string::npos) << bad << " -> " << e;
  }
  HttpServer first(loopback());
  ASSERT_EQ(first.start(), "");
  HttpServerConfig cfg;
  cfg.listen = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second(cfg);
  const std::string e = second.start();
  EXPECT_NE(e.find("bind"), std::string::npos) << e;
  EXPECT_NE(e.find(cfg.listen), std::string::npos) << e;
  HttpServerConfig half = loopback();
  half.tls_cert_file = "/nonexistent.pem";
  EXPECT_NE(HttpServer(half).start().find("certificate needs its key"), std::string::npos);
}

TEST(HttpServer, ListenAddressForms) {
  std::string host;
  uint16_t port = 0;
  EXPECT_EQ(parse_listen_address("localhost:9464", host, port), "");
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9464);
  EXPECT_EQ(parse_listen_address("[::1]:80", host, port), "");
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 80);
}

TEST(HttpServer, StopClosesOpenConnections) {
  auto server = std::make_unique<HttpServer>(loopback());
  server->route("/x", [](const HttpServerRequest&, HttpServerResponse& res) { res.body = "x"; });
  ASSERT_EQ(server->start(), "");
  HttpClient client(client_config(server->port()));
  HttpResponse r;
  ASSERT_EQ(client.exchange(get("/x"), true, r), HttpError::kOk);
  server->stop();
  server->stop();  // idempotent
  server.reset();
  EXPECT_NE(client.exchange(get("/x"), true, r), HttpError::kOk);
}

TEST(MetricsEndpoint, ServesTheRegistryAsExpositionFormat) {
  MetricsRegistry registry;
  Counter& c = registry.counter("mm_test_total", "A test counter.");
  HttpServer server(loopback());
  serve_metrics(server, registry);
  ASSERT_EQ(server.start(), "");
  c.add(41);
  c.inc();
  HttpClient client(client_config(server.port()));
  HttpResponse r;
  ASSERT_EQ(client.exchange(get("/metrics"), true, r), HttpError::kOk);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body, "# HELP mm_test_total A test counter.\n# TYPE mm_test_total counter\nmm_test_total 42\n");
}

// --- the server side of RFC 6455 -------------------------------------------------------------------------

// A masked client frame as a browser sends it (net/ws_frame.h's encoder, which the trading client uses).
std::string client_frame(WsOpcode op, std::string_view payload, bool fin = true) {
  std::array<char, 4096> buf{};
  const WsFrameSpan f = encode_client_frame(op, fin, payload, 0x12345678u, buf);
  EXPECT_TRUE(f.ok());
  return std::string(buf.data() + f.offset, f.size);
}

TEST(WsServerFrame, AcceptKeyIsTheRfcExample) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_TRUE(is_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_FALSE(is_websocket_key(""));
  EXPECT_FALSE(is_websocket_key("dGhlIHNhbXBsZSBub25jZQ="));   // 23 characters
  EXPECT_FALSE(is_websocket_key("dGhlIHNhbXBsZSBub25jZQAA"));  // no padding: not 16 bytes
  EXPECT_FALSE(is_websocket_key("dGhlIHNhbXBsZSBub25jZ!=="));  // not base64
}

TEST(WsServerFrame, ServerFramesOfEveryLengthFormParseAsTheClientReadsThem) {
  for (const size_t n : {size_t{0}, size_t{5}, size_t{125}, size_t{126}, size_t{200}, size_t{65535},
                         size_t{65536}, size_t{70000}}) {
    const std::string payload(n, 'p');
    std::string wire;
    append_server_frame(WsOpcode::kText, payload, wire);
    WsFrame f;
    const WsParseResult r = parse_server_frame(wire, 1 << 20, f);
    ASSERT_EQ(r.status, WsParseStatus::kFrame) << n << ": " << to_string(r.error);
    EXPECT_EQ(f.opcode, WsOpcode::kText);
    EXPECT_TRUE(f.fin);
    EXPECT_EQ(f.payload, payload);
    EXPECT_EQ(f.frame_len, wire.size());
  }
}

TEST(WsServerFrame, ClientFramesAreUnmaskedInPlaceAndPartialOnesWait) {
  std::string wire = client_frame(WsOpcode::kText, "hello page") + client_frame(WsOpcode::kPing, "p");
  const size_t first = client_frame(WsOpcode::kText, "hello page").size();
  WsClientFrame f;
  WsClientFrameError e = WsClientFrameError::kNone;
  for (size_t cut = 0; cut < first; ++cut) {  // every prefix of the first frame: wait, change nothing
    std::string part = wire.substr(0, cut);
    const std::string before = part;
    EXPECT_EQ(parse_client_frame(part, 1024, f, e), WsClientParse::kNeedMore) << cut;
    EXPECT_EQ(part, before);
  }
  ASSERT_EQ(parse_client_frame(wire, 1024, f, e), WsClientParse::kFrame);
  EXPECT_EQ(f.opcode, WsOpcode::kText);
  EXPECT_EQ(f.payload, "hello page");
  EXPECT_EQ(f.frame_len, first);
  std::string rest = wire.substr(first);
  ASSERT_EQ(parse_client_frame(rest, 1024, f, e), WsClientParse::kFrame);
  EXPECT_EQ(f.opcode, WsOpcode::kPing);
  EXPECT_EQ(f.payload, "p");
  const std::string big(300, 'b');  // a 16-bit length
  std::string w16 = client_frame(WsOpcode::kBinary, big);
  ASSERT_EQ(parse_client_frame(w16, 1024, f, e), WsClientParse::kFrame);
  EXPECT_EQ(f.payload, big);
}

TEST(WsServerFrame, BadClientFramesNameTheirError) {
  WsClientFrame f;
  WsClientFrameError e = WsClientFrameError::kNone;
  auto error_of = [&](std::string wire, size_t max = 1024) {
    EXPECT_EQ(parse_client_frame(wire, max, f, e), WsClientParse::kError);
    return e;
  };
  std::string unmasked;
  append_server_frame(WsOpcode::kText, "x", unmasked);  // a server frame: no mask
  EXPECT_EQ(error_of(unmasked), WsClientFrameError::kUnmasked);
  std::string rsv = client_frame(WsOpcode::kText, "x");
  rsv[0] = static_cast<char>(rsv[0] | 0x40);
  EXPECT_EQ(error_of(rsv), WsClientFrameError::kReservedBits);
  std::string op = client_frame(WsOpcode::kText, "x");
  op[0] = static_cast<char>((op[0] & 0xF0) | 0x3);
  EXPECT_EQ(error_of(op), WsClientFrameError::kBadOpcode);
  EXPECT_EQ(error_of(client_frame(WsOpcode::kText, "x", false)), WsClientFrameError::kFragmented);
  EXPECT_EQ(error_of(client_frame(WsOpcode::kContinuation, "x")), WsClientFrameError::kFragmented);
  EXPECT_EQ(error_of(client_frame(WsOpcode::kText, std::string(200, 'x')), 100),
            WsClientFrameError::kTooLarge);
  std::string ping = client_frame(WsOpcode::kPing, "x");
  ping[1] = static_cast<char>(0x80 | 126);  // claims a 16-bit length on a control frame
  ping.insert(2, std::string("\x00\xc8", 2));
  EXPECT_EQ(error_of(ping), WsClientFrameError::kControlTooLong);
  EXPECT_EQ(to_string(WsClientFrameError::kUnmasked), "unmasked client frame");
}

// A blocking loopback client speaking raw bytes, every read bounded by a 5 s receive timeout.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  void send(std::string_view bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  // Reads until `done(buffer)` or EOF/timeout; returns what was read.
  template <class F>
  std::string read_until(F done) {
    while (!done(in_)) {
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      in_.append(buf, static_cast<size_t>(n));
    }
    return in_;
  }
  std::string head() {
    read_until([](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; });
    const size_t end = in_.find("\r\n\r\n");
    std::string h = end == std::string::npos ? in_ : in_.substr(0, end + 4);
    in_.erase(0, h.size());
    return h;
  }
  // The next server frame (kError status when the connection ended first).
  WsParseResult frame(WsFrame& f, std::string& payload) {
    WsParseResult r;
    read_until([&](const std::string& b) {
      r = parse_server_frame(b, 1 << 20, f);
      return r.status != WsParseStatus::kNeedMore;
    });
    if (r.status == WsParseStatus::kFrame) {
      payload = std::string(f.payload);
      in_.erase(0, f.frame_len);
    }
    return r;
  }
  bool closed_by_peer() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string in_;
};

std::string upgrade(std::string_view path,
                    std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==", std::string_view version = "13") {
  return "GET " + std::string(path) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
         "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: " +
         std::string(key) + "\r\nSec-WebSocket-Version: " + std::string(version) + "\r\n\r\n";
}

// Waits (bounded) until the server counts `n` WebSocket clients.
bool wait_clients(const HttpServer& s, size_t n) {
  for (int i = 0; i < 500 && s.websocket_clients() != n; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return s.websocket_clients() == n;
}

TEST(HttpServerWebSocket, UpgradesGreetsPushesAnswersPingsAndEchoesClose) {
  HttpServer server(loopback());
  server.websocket("/ws", [] { return std::string("hello"); });
  server.broadcast("/ws", "before start");  // a no-op: nobody to send to, nothing queued for later
  ASSERT_EQ(server.start(), "");
  RawClient c(server.port());
  ASSERT_TRUE(c.connected());
  c.send(upgrade("/ws?x=1"));
  const std::string head = c.head();
  EXPECT_EQ(head.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos) << head;
  WsFrame f;
  std::string payload;
  ASSERT_EQ(c.frame(f, payload).status, WsParseStatus::kFrame);
  EXPECT_EQ(payload, "hello");  // the greeting comes first, before any broadcast
  ASSERT_TRUE(wait_clients(server, 1));
  server.broadcast("/ws", R"({"seq":1})");
  server.broadcast("/other", "not for this client");
  ASSERT_EQ(c.frame(f, payload).status, WsParseStatus::kFrame);
  EXPECT_EQ(f.opcode, WsOpcode::kText);
  EXPECT_EQ(payload, R"({"seq":1})");
  c.send(client_frame(WsOpcode::kText, "ignored"));
  c.send(client_frame(WsOpcode::kPing, "are you there"));
  ASSERT_EQ(c.frame(f, payload).status, WsParseStatus::kFrame);
  EXPECT_EQ(f.opcode, WsOpcode::kPong);
  EXPECT_EQ(payload, "are you there");
  const char code[2] = {0x03, static_cast<char>(0xE8)};  // 1000
  c.send(client_frame(WsOpcode::kClose, std::string_view(code, 2)));
  ASSERT_EQ(c.frame(f, payload).status, WsParseStatus::kFrame);
  EXPECT_EQ(f.opcode, WsOpcode::kClose);
  EXPECT_EQ(payload, std::string_view(code, 2));
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(wait_clients(server, 0));
}

TEST(HttpServerWebSocket, PeriodicTaskBroadcastsToEveryClient) {
  HttpServer server(loopback());
  server.websocket("/ws");
  std::atomic<int> ticks{0};
  server.every(20, [&] { server.broadcast("/ws", "tick " + std::to_string(++ticks)); });
  ASSERT_EQ(server.start(), "");
  RawClient a(server.port()), b(server.port());
  a.send(upgrade("/ws"));
  b.send(upgrade("/ws"));
  EXPECT_NE(a.head().find(" 101 "), std::string::npos);
  EXPECT_NE(b.head().find(" 101 "), std::string::npos);
  for (RawClient* c : {&a, &b}) {
    WsFrame f;
    std::string payload;
    ASSERT_EQ(c->frame(f, payload).status, WsParseStatus::kFrame);
    EXPECT_EQ(payload.rfind("tick ", 0), 0u) << payload;
  }
}

TEST(HttpServerWebSocket, RefusesWhatIsNotAValidUpgrade) {
  HttpServer server(loopback());
  server.websocket("/ws");
  ASSERT_EQ(server.start(), "");
  HttpClient client(client_config(server.port()));
  HttpResponse r;
  ASSERT_EQ(client.exchange(get("/ws"), true, r), HttpError::kOk);
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(r.header("sec-websocket-version"), "13");
  for (const auto& [req, status] :
       {std::pair{upgrade("/ws", "short"), std::string(" 400 ")},
        std::pair{upgrade("/ws", "dGhlIHNhbXBsZSBub25jZQ==", "8"), std::string(" 426 ")}}) {
    RawClient c(server.port());
    c.send(req);
    const std::string head = c.head();
    EXPECT_NE(head.find(status), std::string::npos) << head;
    EXPECT_EQ(head.find("Sec-WebSocket-Accept"), std::string::npos) << head;
  }
  RawClient unmasked(server.port());
  unmasked.send(upgrade("/ws"));
  EXPECT_NE(unmasked.head().find(" 101 "), std::string::npos);
  std::string bad;
  append_server_frame(WsOpcode::kText, "x", bad);  // unmasked: a protocol error from a client
  unmasked.send(bad);
  WsFrame f;
  std::string payload;
  ASSERT_EQ(unmasked.frame(f, payload).status, WsParseStatus::kFrame);
  EXPECT_EQ(f.opcode, WsOpcode::kClose);
  EXPECT_EQ(payload, std::string("\x03\xea", 2));  // 1002 protocol error
  EXPECT_TRUE(unmasked.closed_by_peer());
  EXPECT_TRUE(wait_clients(server, 0));
}

}  // namespace
}  // namespace mm
