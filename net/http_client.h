#pragma once
// An HTTP/1.1 keep-alive client on Boost.Beast (plain TCP or TLS) for the cold control thread: REST queries,
// reconciliation, and order entry while the trade WebSocket is down. One request at a time; each call blocks
// for at most the configured timeout.
//
// Why raw request bytes in: Bybit signs the exact bytes sent (net/rest_encoder.h writes whole signed
// requests), so this client writes what it is given, byte for byte, and only parses the answer.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/endpoint.h"

namespace mm {

class TlsContext;

enum class HttpError : uint8_t {
  kOk = 0,
  kConfig,     // endpoint.tls without a TlsContext, or an empty host
  kResolve,    // the host did not resolve (or connect_address is not an IP literal)
  kConnect,    // TCP connect failed
  kTls,        // TLS handshake failed (error_detail(): e.g. the certificate verification result)
  kTimeout,    // the whole exchange took longer than timeout_ms (the connection is dropped)
  kWrite,      // the request could not be written (nothing reached the server intact)
  kNoAnswer,   // the request was written but the connection ended before a complete answer: the server
               // may or may not have acted on it (an order request is then of unknown outcome)
  kBadAnswer,  // the answer is not HTTP/1.1 or its body is above max_body
};
std::string_view to_string(HttpError e) noexcept;

struct HttpClientConfig {
  Endpoint endpoint;                // http:// or https:// host and port (its target is not used)
  const TlsContext* tls = nullptr;  // required when endpoint.tls; must outlive the client
  int64_t timeout_ms = 10000;       // bound of one exchange (connect included)
  size_t max_body = 16u << 20;
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // as received

  // The first header of that name, case-insensitively ("" when absent).
  std::string_view header(std::string_view name) const noexcept;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientConfig cfg);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Writes `request` (a complete HTTP/1.1 request: request line, headers, blank line, body) and reads the
  // answer into `out`. Opens the connection first when there is none; keeps it open after an answer unless
  // the server said "Connection: close". When a reused keep-alive connection turns out dead before any byte
  // of the answer and `idempotent` is true, the request is sent once more on a fresh connection; otherwise
  // the error says whether the server may have seen it (kNoAnswer) or not (kWrite, kConnect, ...).
  // Errors: every HttpError; `out` is unspecified on error and the connection is dropped.
  [[nodiscard]] HttpError exchange(std::string_view request, bool idempotent, HttpResponse& out);

  bool connected() const noexcept;
  void close() noexcept;
  const std::string& error_detail() const noexcept;  // words for the last error (never request bytes)
  uint64_t connects() const noexcept;                // connections opened so far
  const HttpClientConfig& config() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mm
