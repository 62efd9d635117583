#include "runtime/ops/http_server.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/metrics.h"
#include "net/http_client.h"
#include "runtime/ops/metrics_endpoint.h"

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

}  // namespace
}  // namespace mm
