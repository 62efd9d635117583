// The Beast HTTP/1.1 client on plain TCP: keep-alive reuse, a server-closed connection replaced before use,
// a stale connection retried only when safe, timeouts, bad answers.
#include "net/http_client.h"

#include <gtest/gtest.h>

#include "tests/net/loopback_server.h"

namespace mm::test {
namespace {

HttpClientConfig config(uint16_t port, int64_t timeout_ms = 3000) {
  HttpClientConfig cfg;
  cfg.endpoint.host = "127.0.0.1";
  cfg.endpoint.port = port;
  cfg.timeout_ms = timeout_ms;
  return cfg;
}

std::string get(std::string_view target) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

std::string post(std::string_view target, std::string_view body) {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

TEST(HttpClient, KeepAliveReusesOneConnectionAndExposesHeaders) {
  LoopbackServer server;
  server.on_http([](const HttpRequestRecord& r) {
    return reply(200, "{\"t\":\"" + r.target + "\"}", {{"X-Bapi-Limit-Status", "9"}});
  });
  HttpClient c(config(server.port()));
  HttpResponse r;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(c.exchange(get("/a?i=" + std::to_string(i)), true, r), HttpError::kOk) << c.error_detail();
    EXPECT_EQ(r.body, "{\"t\":\"/a?i=" + std::to_string(i) + "\"}");
  }
  EXPECT_EQ(r.header("x-bapi-limit-status"), "9");
  EXPECT_EQ(r.header("absent"), "");
  EXPECT_EQ(c.connects(), 1u);
  EXPECT_EQ(server.tcp_accepts(), 1u);
  const auto reqs = server.http_requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].conn, reqs[2].conn);
}

TEST(HttpClient, BytesSentAreTheRequestGiven) {
  LoopbackServer server;
  server.on_http([](const HttpRequestRecord&) { return reply(200, "{}"); });
  HttpClient c(config(server.port()));
  HttpResponse r;
  ASSERT_EQ(c.exchange(post("/v5/order/create", R"({"category": "linear"})"), false, r), HttpError::kOk);
  const auto reqs = server.http_requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].body, R"({"category": "linear"})");
}

TEST(HttpClient, ConnectionClosedByServerIsReplacedBeforeANonIdempotentRequest) {
  LoopbackServer server;
  int n = 0;
  server.on_http([&n](const HttpRequestRecord&) {
    HttpReplySpec s = reply(200, "{}");
    s.drop_after = (++n == 1);  // the first answer claims keep-alive, then the server closes
    return s;
  });
  HttpClient c(config(server.port()));
  HttpResponse r;
  ASSERT_EQ(c.exchange(get("/first"), true, r), HttpError::kOk);
  ASSERT_TRUE(poll_until([] {}, [&] { return server.http_drops() == 1; }));
  // Give the FIN the moment it needs to be queued on our side of loopback: wait until the socket reads EOF.
  ASSERT_EQ(c.exchange(post("/v5/order/create", "{}"), false, r), HttpError::kOk) << c.error_detail();
  EXPECT_EQ(c.connects(), 2u);
  EXPECT_EQ(server.http_requests().size(), 2u);
}

TEST(HttpClient, ConnectionCloseHeaderEndsConnection) {
  LoopbackServer server;
  server.on_http([](const HttpRequestRecord&) {
    HttpReplySpec s = reply(200, "{}");
    s.close = true;
    return s;
  });
  HttpClient c(config(server.port()));
  HttpResponse r;
  ASSERT_EQ(c.exchange(get("/x"), true, r), HttpError::kOk);
  EXPECT_FALSE(c.connected());
  ASSERT_EQ(c.exchange(get("/y"), true, r), HttpError::kOk);
  EXPECT_EQ(c.connects(), 2u);
}

TEST(HttpClient, NoAnswerWithinTimeoutIsTimeout) {
  LoopbackServer server;
  server.on_http([](const HttpRequestRecord&) {
    HttpReplySpec s;
    s.hang = true;
    return s;
  });
  HttpClient c(config(server.port(), 300));
  HttpResponse r;
  EXPECT_EQ(c.exchange(post("/v5/order/create", "{}"), false, r), HttpError::kTimeout);
  EXPECT_FALSE(c.connected());
  EXPECT_EQ(server.http_requests().size(), 1u);  // it was sent: the caller treats the outcome as unknown
}

TEST(HttpClient, ConnectionDroppedMidRequestIsNoAnswer) {
  LoopbackServer server;
  server.on_http([&server](const HttpRequestRecord&) {
    server.drop_all();
    HttpReplySpec s;
    s.hang = true;
    return s;
  });
  HttpClient c(config(server.port()));
  HttpResponse r;
  EXPECT_EQ(c.exchange(post("/v5/order/create", "{}"), false, r), HttpError::kNoAnswer) << c.error_detail();
}

TEST(HttpClient, BodyAboveLimitIsBadAnswer) {
  LoopbackServer server;
  server.on_http([](const HttpRequestRecord&) { return reply(200, std::string(5000, 'x')); });
  HttpClientConfig cfg = config(server.port());
  cfg.max_body = 1000;
  HttpClient c(cfg);
  HttpResponse r;
  EXPECT_EQ(c.exchange(get("/big"), true, r), HttpError::kBadAnswer) << c.error_detail();
}

TEST(HttpClient, ConfigErrors) {
  HttpClientConfig cfg = config(1);
  cfg.endpoint.tls = true;
  HttpClient c(cfg);
  HttpResponse r;
  EXPECT_EQ(c.exchange(get("/"), true, r), HttpError::kConfig);
  HttpClientConfig bad = config(1);
  bad.endpoint.connect_address = "nope";
  HttpClient b(bad);
  EXPECT_EQ(b.exchange(get("/"), true, r), HttpError::kResolve);
}

}  // namespace
}  // namespace mm::test
