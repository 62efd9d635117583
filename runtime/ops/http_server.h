#pragma once
// A small HTTP/1.1 server on its own cold thread (Boost.Beast): `/metrics` for Prometheus and the live page
// (runtime/ops/live_page.h) with its WebSocket push. Keep-alive, one request at a time per connection,
// bounded request size and idle time. Plain TCP by default; HTTPS when given a certificate and key (also what
// the alert tests' Bot API stub uses). WebSocket paths accept the RFC 6455 upgrade (runtime/ops/
// ws_server_frame.h) and are push-only: the server broadcasts text frames, a client's text is ignored, its
// pings are answered and its close is echoed.
//
// Why its own thread and no hot-path involvement: a scrape renders the metrics registry, which only reads
// relaxed atomics, so the trading threads never wait for a client, however slow.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mm {

struct HttpServerConfig {
  // "host:port": an IPv4 literal, "[v6]" literal or "localhost"; port 0 picks a free port (see port()).
  std::string listen = "127.0.0.1:9464";
  // Both set: HTTPS with this PEM certificate chain and key. Both empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  int64_t idle_timeout_ms = 30'000;  // a connection silent this long is closed
  size_t max_body = 64 * 1024;       // larger requests get 413
};

struct HttpServerRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // path and query as received
  std::string_view path;    // target without the query
  std::string_view body;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  // The first header of that name, case-insensitively ("" when absent).
  std::string_view header(std::string_view name) const noexcept;
};

struct HttpServerResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Runs on the server thread. An exception thrown by a handler becomes a 500 without details.
using HttpHandler = std::function<void(const HttpServerRequest&, HttpServerResponse&)>;

// Splits "host:port" (IPv6 in brackets). Returns "" or what is wrong with it.
[[nodiscard]] std::string parse_listen_address(std::string_view listen, std::string& host, uint16_t& port);

class HttpServer {
 public:
  explicit HttpServer(HttpServerConfig cfg);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves `path` (exact match, query ignored). Call before start(). Unrouted paths answer 404.
  void route(std::string path, HttpHandler handler);

  // Accepts WebSocket upgrades on `path` (exact match); a plain GET there answers 426. `greeting` (optional,
  // run on the server thread) gives the first text frame a new client gets ("" sends none), so that a page
  // shows the current state at once instead of at the next broadcast. Call before start().
  void websocket(std::string path, std::function<std::string()> greeting = {});

  // Runs `f` on the server thread every `period_ms` (> 0), the first time period_ms after start(). An
  // exception thrown by f is swallowed (the next period runs). Call before start().
  void every(int64_t period_ms, std::function<void()> f);

  // Queues `text` as one text frame to every WebSocket client of `path`. Thread-safe; a no-op before start()
  // and after stop(). A client that has kMaxPendingFrames frames unsent skips this one (a slow browser never
  // grows our memory), and one whose write has been stuck for kStuckWriteMs is disconnected.
  void broadcast(std::string_view path, std::string_view text);
  static constexpr size_t kMaxPendingFrames = 4;
  static constexpr int64_t kStuckWriteMs = 10'000;

  // WebSocket clients connected now (all paths).
  [[nodiscard]] size_t websocket_clients() const noexcept;

  // Binds, listens and starts the server thread. Returns "" or an error naming the address (bad address,
  // address in use, unreadable certificate or key). Call once.
  [[nodiscard]] std::string start();

  // The bound port (after a successful start()).
  [[nodiscard]] uint16_t port() const noexcept;

  // Closes the listener and every connection and joins the thread. Idempotent.
  void stop() noexcept;

  // Requests answered so far (counted before the answer is written).
  [[nodiscard]] uint64_t requests_served() const noexcept;

  struct Impl;  // defined in http_server.cpp (public only so that its connection type can name it)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mm
