#pragma once
// A scriptable HTTP/1.1 + WebSocket server on 127.0.0.1 (port 0), plain or TLS, on its own thread, for the
// transport and client tests. Implemented in loopback_server_test.cpp (with the tests of the server itself),
// so Beast is compiled once for the whole net_tests binary.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace mm::test {

struct ServerTls {
  std::string cert_pem;  // leaf first, chain after
  std::string key_pem;
};

struct HttpRequestRecord {
  std::string method;
  std::string target;  // path and query as received
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  uint64_t conn = 0;  // server-side connection number (keep-alive reuse shows as the same number)
  std::string header(std::string_view name) const;
};

struct HttpReplySpec {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;       // "Connection: close" and close after writing
  bool drop_after = false;  // answer as keep-alive, then close the TCP connection silently (a stale socket)
  bool hang = false;        // never answer (the client's timeout must fire)
};

// An answer with a status, a body and optional extra headers.
inline HttpReplySpec reply(int status, std::string body,
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpReplySpec s;
  s.status = status;
  s.body = std::move(body);
  s.headers = std::move(headers);
  return s;
}

class LoopbackServer {
 public:
  using HttpHandler = std::function<HttpReplySpec(const HttpRequestRecord&)>;
  // Runs on the server thread for each received text message; push replies into `out`.
  using WsHandler = std::function<void(uint64_t conn, std::string_view target, std::string_view msg,
                                       std::vector<std::string>& out)>;

  // Starts listening on 127.0.0.1:0 and the server thread. Handlers may be set before clients connect.
  explicit LoopbackServer(std::optional<ServerTls> tls = std::nullopt);
  ~LoopbackServer();  // stops the thread, closes every socket
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  uint16_t port() const;
  void on_http(HttpHandler h);
  void on_ws(WsHandler h);

  // Thread-safe actions on the open WebSocket connections (run on the server thread).
  void ws_broadcast(std::string text);
  void ws_close_all(uint16_t code);
  void drop_all();  // closes every TCP connection (HTTP and WebSocket) without a close frame

  // Thread-safe observations.
  uint64_t tcp_accepts() const;
  uint64_t ws_accepts() const;
  uint64_t http_drops() const;  // HTTP connections closed after a `close` or `drop_after` reply
  size_t open_ws() const;
  std::vector<HttpRequestRecord> http_requests() const;
  std::vector<std::string> ws_messages() const;  // every text message received, in order

  struct Impl;  // in loopback_server_test.cpp; public so its session types can name it

 private:
  std::unique_ptr<Impl> impl_;
};

// Polls `step()` (which should poll the client under test) until `done()` or `timeout_ms` passes; sleeps 100
// µs between rounds. Returns done().
template <class Step, class Done>
bool poll_until(Step&& step, Done&& done, int timeout_ms = 5000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    step();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return true;
}

// Nanoseconds on the steady clock (the clients take the owner's clock; tests use this one).
inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Wall-clock nanoseconds since the epoch (what the private and trade clients expect as now_ns).
inline int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The value of "key":"value" in a flat JSON text ("" when absent); enough for test peers reading requests.
inline std::string json_string_field(std::string_view json, std::string_view key) {
  const std::string pat = "\"" + std::string(key) + "\":\"";
  const size_t at = json.find(pat);
  if (at == std::string_view::npos) return {};
  const size_t from = at + pat.size();
  return std::string(json.substr(from, json.find('"', from) - from));
}

}  // namespace mm::test
