// The WebSocket client (Beast, and the io_uring transport behind it) on plain TCP against the loopback
// server: messages both ways, ends of a connection (ours, the peer's, a dropped socket), reconnect, limits,
// and no allocation once connected.
#include "net/ws_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/detail/send_queue.h"
#include "tests/net/loopback_server.h"
#include "tests/support/alloc_counter.h"

namespace mm::test {
namespace {

WsClientConfig plain_config(uint16_t port, std::string target = "/v5/public/linear") {
  WsClientConfig cfg;
  cfg.endpoint.host = "127.0.0.1";
  cfg.endpoint.port = port;
  cfg.endpoint.target = std::move(target);
  cfg.connect_timeout_ms = 3000;
  return cfg;
}

void echo(LoopbackServer& s) {
  s.on_ws([](uint64_t, std::string_view, std::string_view msg, std::vector<std::string>& out) {
    out.emplace_back(msg);
  });
}

bool open(WsClient& c) {
  if (c.connect() != WsError::kOk) return false;
  poll_until([&] { c.poll(now_ns()); },
             [&] { return c.state() == WsState::kOpen || c.state() == WsState::kClosed; });
  return c.state() == WsState::kOpen;
}

std::string next_message(WsClient& c) {
  std::string_view m;
  int64_t t = 0;
  if (!poll_until([&] { c.poll(now_ns()); }, [&] { return c.front(m, t); })) return "<timeout>";
  std::string s(m);
  c.pop();
  return s;
}

TEST(WsClient, ExchangesTextMessagesInOrder) {
  LoopbackServer server;
  echo(server);
  WsClient c(plain_config(server.port()));
  EXPECT_EQ(c.state(), WsState::kIdle);
  ASSERT_TRUE(open(c)) << c.error_detail();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(c.send_text("m" + std::to_string(i)), WsError::kOk);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(next_message(c), "m" + std::to_string(i));
  EXPECT_EQ(c.counters().messages_in, 5u);
  EXPECT_EQ(c.counters().connects, 1u);
  EXPECT_GT(c.last_receive_ns(), 0);
  EXPECT_EQ(server.ws_messages().size(), 5u);
}

// The same client with transport = io_uring: the facade hands every call to UringWsClient (the one the live
// node uses for its book stream and trade WebSocket), messages flow both ways, a peer close is seen, and a
// reconnect works.
TEST(WsClient, IoUringTransportBehindTheSameInterface) {
  LoopbackServer server;
  echo(server);
  WsClientConfig cfg = plain_config(server.port());
  cfg.transport = WsTransport::kUring;
  WsClient c(cfg);
  ASSERT_EQ(c.transport(), WsTransport::kUring) << "io_uring unavailable: " << c.transport_fallback();
  EXPECT_TRUE(c.transport_fallback().empty());
  EXPECT_EQ(c.config().transport, WsTransport::kUring);
  ASSERT_TRUE(open(c)) << c.error_detail();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(c.send_text("u" + std::to_string(i)), WsError::kOk);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(next_message(c), "u" + std::to_string(i));
  EXPECT_EQ(c.counters().messages_in, 3u);
  c.close();
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); }, [&] { return c.state() == WsState::kClosed; }));
  ASSERT_TRUE(open(c)) << c.error_detail();
  ASSERT_EQ(c.send_text("again"), WsError::kOk);
  EXPECT_EQ(next_message(c), "again");
  WsTransport t = WsTransport::kBeast;
  EXPECT_TRUE(parse_ws_transport("io_uring", t));
  EXPECT_EQ(t, WsTransport::kUring);
  EXPECT_FALSE(parse_ws_transport("uring", t));
  EXPECT_EQ(t, WsTransport::kUring) << "unchanged on error";
  EXPECT_EQ(to_string(WsTransport::kBeast), "beast");
}

TEST(WsClient, ServerPushArrivesWithReceiveTime) {
  LoopbackServer server;
  WsClient c(plain_config(server.port()));
  ASSERT_TRUE(open(c));
  server.ws_broadcast(R"({"topic":"orderbook.1.BTCUSDT"})");
  std::string_view m;
  int64_t t = 0;
  const int64_t before = now_ns();
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); }, [&] { return c.front(m, t); }));
  EXPECT_EQ(m, R"({"topic":"orderbook.1.BTCUSDT"})");
  EXPECT_GE(t, before);
}

TEST(WsClient, OurCloseIsCleanAndConnectAgainWorks) {
  LoopbackServer server;
  echo(server);
  WsClient c(plain_config(server.port()));
  ASSERT_TRUE(open(c));
  c.close(1000);
  EXPECT_EQ(c.state(), WsState::kClosing);
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); }, [&] { return c.state() == WsState::kClosed; }));
  EXPECT_EQ(c.last_error(), WsError::kOk) << c.error_detail();
  EXPECT_EQ(c.send_text("x"), WsError::kNotOpen);
  ASSERT_TRUE(open(c));
  ASSERT_EQ(c.send_text("again"), WsError::kOk);
  EXPECT_EQ(next_message(c), "again");
  EXPECT_EQ(c.counters().connects, 2u);
  EXPECT_EQ(server.ws_accepts(), 2u);
}

TEST(WsClient, PeerCloseFrameIsReportedWithItsCode) {
  LoopbackServer server;
  WsClient c(plain_config(server.port()));
  ASSERT_TRUE(open(c));
  server.ws_close_all(4001);
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); }, [&] { return c.state() == WsState::kClosed; }));
  EXPECT_EQ(c.last_error(), WsError::kClosedByPeer);
  EXPECT_NE(c.error_detail().find("4001"), std::string::npos) << c.error_detail();
}

TEST(WsClient, DroppedSocketIsReportedAndMessageBeforeItKept) {
  LoopbackServer server;
  WsClient c(plain_config(server.port()));
  ASSERT_TRUE(open(c));
  server.ws_broadcast("last words");
  std::string_view m;
  int64_t t = 0;
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); }, [&] { return c.front(m, t); }));
  server.drop_all();
  c.pop();
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); }, [&] { return c.state() == WsState::kClosed; }));
  EXPECT_TRUE(c.last_error() == WsError::kClosedByPeer || c.last_error() == WsError::kRead)
      << to_string(c.last_error()) << " " << c.error_detail();
}

TEST(WsClient, RefusedConnectIsReported) {
  // A port that was bound and released: nothing listens there.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  WsClient c(plain_config(ntohs(a.sin_port)));
  EXPECT_FALSE(open(c));
  EXPECT_EQ(c.last_error(), WsError::kConnect) << c.error_detail();
}

TEST(WsClient, UpgradeRefusedIsHandshakeError) {
  // A raw HTTP peer that answers the upgrade request with 403.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  WsClient refused(plain_config(ntohs(a.sin_port)));
  ASSERT_EQ(refused.connect(), WsError::kOk);
  int conn = -1;
  poll_until([&] { refused.poll(now_ns()); },
             [&] {
               conn = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK);
               return conn >= 0;
             });
  ASSERT_GE(conn, 0);
  const std::string reply = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
  // Wait for the client's upgrade request before answering.
  char buf[2048];
  poll_until([&] { refused.poll(now_ns()); }, [&] { return ::recv(conn, buf, sizeof buf, 0) > 0; });
  ASSERT_EQ(::send(conn, reply.data(), reply.size(), 0), static_cast<ssize_t>(reply.size()));
  poll_until([&] { refused.poll(now_ns()); }, [&] { return refused.state() == WsState::kClosed; });
  EXPECT_EQ(refused.last_error(), WsError::kHandshake) << refused.error_detail();
  ::close(conn);
  ::close(fd);
}

TEST(WsClient, ConnectWhileOpenIsBusyAndBadConfigRefused) {
  LoopbackServer server;
  WsClient c(plain_config(server.port()));
  ASSERT_TRUE(open(c));
  EXPECT_EQ(c.connect(), WsError::kBusy);
  EXPECT_EQ(c.state(), WsState::kOpen);

  WsClientConfig tls_without_ctx = plain_config(server.port());
  tls_without_ctx.endpoint.tls = true;
  WsClient t(tls_without_ctx);
  EXPECT_EQ(t.connect(), WsError::kConfig);
  EXPECT_EQ(t.state(), WsState::kIdle);

  WsClientConfig bad_addr = plain_config(server.port());
  bad_addr.endpoint.connect_address = "not-an-ip";
  WsClient b(bad_addr);
  EXPECT_EQ(b.connect(), WsError::kResolve);
  EXPECT_EQ(b.state(), WsState::kIdle);
}

TEST(WsClient, ReceivedMessageAboveLimitFailsConnection) {
  LoopbackServer server;
  WsClientConfig cfg = plain_config(server.port());
  cfg.max_message = 1024;
  WsClient c(cfg);
  ASSERT_TRUE(open(c));
  server.ws_broadcast(std::string(4096, 'x'));
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); }, [&] { return c.state() == WsState::kClosed; }));
  EXPECT_EQ(c.last_error(), WsError::kMessageTooLarge);
}

TEST(WsClient, SendQueueLimits) {
  LoopbackServer server;
  WsClientConfig cfg = plain_config(server.port());
  cfg.send_queue_bytes = 256;
  WsClient c(cfg);
  ASSERT_TRUE(open(c));
  EXPECT_EQ(c.send_text(std::string(300, 'a')), WsError::kMessageTooLarge);
  // The first message goes to the socket at once; what follows waits in the queue until it is full.
  WsError e = WsError::kOk;
  int queued = 0;
  while ((e = c.send_text(std::string(60, 'b'))) == WsError::kOk && queued < 100) ++queued;
  EXPECT_EQ(e, WsError::kSendQueueFull);
  EXPECT_GE(queued, 3);
  // Draining frees the room again, and everything queued arrives.
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); }, [&] { return c.send_queued_bytes() == 0; }));
  EXPECT_EQ(c.send_text("after"), WsError::kOk);
  ASSERT_TRUE(poll_until([&] { c.poll(now_ns()); },
                         [&] { return server.ws_messages().size() == static_cast<size_t>(queued) + 1; }));
  EXPECT_EQ(server.ws_messages().back(), "after");
}

TEST(WsClient, NoAllocationPerRoundTripOnceWarm) {
  LoopbackServer server;
  echo(server);
  WsClient c(plain_config(server.port()));
  ASSERT_TRUE(open(c));
  const std::string payload(300, 'p');
  // Warm-up: asio caches the memory of its operations per thread after first use.
  for (int i = 0; i < 20; ++i) {
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
  // Receiving and sending own no heap memory: buffers, send queue and operation memory are sized at start,
  // and the streams run on the io_context's executor type so that asio takes every operation's memory from
  // the handler arena (on Beast's default any_io_executor it made 2-3 heap allocations per round trip).
  EXPECT_EQ(scope.allocations(), 0u);
}

TEST(SendQueue, WrapsAroundKeepingOrder) {
  detail::SendQueue q(64);
  EXPECT_EQ(q.max_message(), 60u);
  EXPECT_FALSE(q.push(std::string(61, 'x')));
  ASSERT_TRUE(q.push(std::string(20, 'a')));   // [0,24)
  ASSERT_TRUE(q.push(std::string(20, 'b')));   // [24,48)
  EXPECT_FALSE(q.push(std::string(20, 'c')));  // 16 left at the end, 0 at the start
  q.pop();
  ASSERT_TRUE(q.push(std::string(10, 'c')));   // fits at [48,62)
  EXPECT_FALSE(q.push(std::string(20, 'd')));  // wrap would need 24 < head 24: refused (would look empty)
  ASSERT_TRUE(q.push(std::string(15, 'd')));   // wraps to [0,19)
  EXPECT_EQ(q.front(), std::string(20, 'b'));
  q.pop();
  EXPECT_EQ(q.front(), std::string(10, 'c'));
  q.pop();
  EXPECT_EQ(q.front(), std::string(15, 'd'));
  q.pop();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

}  // namespace
}  // namespace mm::test
