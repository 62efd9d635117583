// The io_uring WebSocket client against the same loopback server as the Beast client: plain and TLS (with the
// test CA accepted, another CA or host refused), ordered messages, ends of a connection, and no allocation
// once connected.
#include "net/uring_ws_client.h"

#include <gtest/gtest.h>

#include "net/tls_context.h"
#include "tests/net/loopback_server.h"
#include "tests/net/test_certs.h"
#include "tests/support/alloc_counter.h"

namespace mm::test {
namespace {

UringWsConfig config(uint16_t port, bool tls = false, const TlsContext* ctx = nullptr,
                     std::string host = "127.0.0.1") {
  UringWsConfig cfg;
  cfg.endpoint.tls = tls;
  cfg.endpoint.host = std::move(host);
  cfg.endpoint.port = port;
  cfg.endpoint.target = "/v5/trade";
  cfg.endpoint.connect_address = "127.0.0.1";
  cfg.tls = ctx;
  cfg.connect_timeout_ms = 3000;
  return cfg;
}

void echo(LoopbackServer& s) {
  s.on_ws([](uint64_t, std::string_view, std::string_view msg, std::vector<std::string>& out) {
    out.emplace_back(msg);
  });
}

bool open(UringWsClient& c) {
  if (c.connect() != WsError::kOk) return false;
  poll_until([&] { c.poll(now_ns()); },
             [&] { return c.state() == WsState::kOpen || c.state() == WsState::kClosed; });
  return c.state() == WsState::kOpen;
}

std::string next_message(UringWsClient& c) {
  std::string_view m;
  int64_t t = 0;
  if (!poll_until([&] { c.poll(now_ns()); }, [&] { return c.front(m, t); })) return "<timeout>";
  std::string s(m);
  c.pop();
  return s;
}

std::unique_ptr<TlsContext> context(const std::string& ca_file) {
  std::unique_ptr<TlsContext> ctx;
  std::string detail;
  EXPECT_EQ(TlsContext::create({ca_file, false}, ctx, detail), TlsError::kOk) << detail;
  return ctx;
}

TEST(UringWsClient, PlainEchoInOrderAndLargeMessages) {
  LoopbackServer server;
  echo(server);
  UringWsClient c(config(server.port()));
  ASSERT_TRUE(c.init_error().empty()) << c.init_error();
  ASSERT_TRUE(open(c)) << c.error_detail();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(c.send_text("m" + std::to_string(i)), WsError::kOk);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(next_message(c), "m" + std::to_string(i));
  const std::string big(70000, 'b');  // 64-bit length form both ways
  ASSERT_EQ(c.send_text(big), WsError::kOk);
  EXPECT_EQ(next_message(c), big);
  EXPECT_EQ(server.ws_messages().size(), 6u);
}

TEST(UringWsClient, TlsWithTheTestCaAcceptedOtherCaAndHostRefused) {
  const TestCa ca = make_test_ca("uring test CA");
  const TestCa other = make_test_ca("other CA");
  const TestCert cert = make_server_cert(ca, {"mm-sim.test"}, {"127.0.0.1"});
  LoopbackServer server(ServerTls{cert.cert_pem, cert.key_pem});
  echo(server);
  auto ours = context(write_temp_file("uring_ca.pem", ca.cert_pem));
  auto theirs = context(write_temp_file("uring_other.pem", other.cert_pem));
  {
    UringWsClient c(config(server.port(), true, ours.get(), "mm-sim.test"));
    ASSERT_TRUE(open(c)) << c.error_detail();
    ASSERT_EQ(c.send_text(R"({"op":"ping"})"), WsError::kOk);
    EXPECT_EQ(next_message(c), R"({"op":"ping"})");
  }
  {
    UringWsClient c(config(server.port(), true, theirs.get(), "mm-sim.test"));
    EXPECT_FALSE(open(c));
    EXPECT_EQ(c.last_error(), WsError::kTls);
    EXPECT_NE(c.error_detail().find("certificate verify failed"), std::string::npos) << c.error_detail();
  }
  {
    UringWsClient c(config(server.port(), true, ours.get(), "api.bybit.com"));
    EXPECT_FALSE(open(c));
    EXPECT_EQ(c.last_error(), WsError::kTls);
    EXPECT_NE(c.error_detail().find("ostname mismatch"), std::string::npos) << c.error_detail();
  }
  EXPECT_EQ(server.ws_accepts(), 1u);
}

TEST(UringWsClient, PeerCloseAndOurCloseAndReconnect) {
  LoopbackServer server;
  echo(server);
  UringWsClient c(config(server.port()));
  ASSERT_TRUE(open(c));
  server.ws_close_all(4002);
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); }, [&] { return c.state() == WsState::kClosed; }));
  EXPECT_EQ(c.last_error(), WsError::kClosedByPeer);
  EXPECT_NE(c.error_detail().find("4002"), std::string::npos) << c.error_detail();
  ASSERT_TRUE(open(c)) << c.error_detail();
  ASSERT_EQ(c.send_text("after"), WsError::kOk);
  EXPECT_EQ(next_message(c), "after");
  c.close(1000);
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); }, [&] { return c.state() == WsState::kClosed; }));
  EXPECT_EQ(c.last_error(), WsError::kOk) << c.error_detail();
  EXPECT_EQ(c.send_text("x"), WsError::kNotOpen);
}

// Sending on a connection the peer dropped is an error of the client, never SIGPIPE (which would end this
// test binary: nothing here ignores the signal).
TEST(UringWsClient, SendingAfterThePeerDroppedTheConnectionIsAnErrorNotSigpipe) {
  LoopbackServer server;
  echo(server);
  UringWsClient c(config(server.port()));
  ASSERT_TRUE(open(c));
  server.drop_all();
  // The first sends can still be accepted by the kernel (the reset comes back with the answer to them); the
  // client must end up closed with a read or write error, the process alive.
  const bool closed = poll_until(
      [&] {
        (void)c.send_text("after the drop");
        c.poll(now_ns());
      },
      [&] { return c.state() == WsState::kClosed; });
  ASSERT_TRUE(closed) << "the client never saw the dropped connection";
  EXPECT_NE(c.last_error(), WsError::kOk);
  EXPECT_FALSE(c.error_detail().empty());
}

TEST(UringWsClient, RefusedConnectAndBadConfig) {
  UringWsConfig cfg = config(1);
  UringWsClient c(cfg);
  EXPECT_FALSE(open(c));
  EXPECT_EQ(c.last_error(), WsError::kConnect) << c.error_detail();
  UringWsClient t(config(1, true, nullptr));
  EXPECT_EQ(t.connect(), WsError::kConfig);
}

TEST(UringWsClient, NoAllocationOnceConnected) {
  for (const bool tls : {false, true}) {
    const TestCa ca = make_test_ca("alloc CA");
    const TestCert cert = make_server_cert(ca, {"mm-sim.test"}, {});
    auto server = tls ? std::make_unique<LoopbackServer>(ServerTls{cert.cert_pem, cert.key_pem})
                      : std::make_unique<LoopbackServer>();
    echo(*server);
    auto ctx = context(write_temp_file("alloc_ca.pem", ca.cert_pem));
    UringWsClient c(config(server->port(), tls, ctx.get(), "mm-sim.test"));
    ASSERT_TRUE(open(c)) << c.error_detail();
    const std::string payload(300, 'p');
    for (int i = 0; i < 20; ++i) {  // warm-up: OpenSSL's memory BIOs grow to their working size
      ASSERT_EQ(c.send_text(payload), WsError::kOk);
      ASSERT_EQ(next_message(c).size(), payload.size());
    }
    AllocScope scope;
    for (int i = 0; i < 200; ++i) {
      ASSERT_EQ(c.send_text(payload), WsError::kOk);
      std::string_view m;
      int64_t t = 0;
      const auto end = now_ns() + 5'000'000'000;
      while (!c.front(m, t) && now_ns() < end) c.poll(now_ns());
      ASSERT_EQ(m.size(), payload.size());
      c.pop();
    }
    EXPECT_EQ(scope.allocations(), 0u) << (tls ? "tls" : "plain");
  }
}

}  // namespace
}  // namespace mm::test
