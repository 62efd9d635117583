#pragma once
// A small HTTP/1.1 request parser for the simulator's one port (REST and the WebSocket upgrade). It parses in
// place: every view points into the connection's read buffer. Why our own and not Beast's parser: a request
// is parsed without allocating (fixed header table), and the limits that protect the server are explicit.
// Chunked request bodies are refused (501): Bybit clients send Content-Length.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mm::simx {

struct HttpHeader {
  std::string_view name;
  std::string_view value;  // leading/trailing spaces trimmed
};

inline constexpr size_t kMaxHttpHeaders = 64;

struct HttpRequest {
  std::string_view method, target, path, query;  // target = path ['?' query]
  std::array<HttpHeader, kMaxHttpHeaders> headers{};
  size_t header_count = 0;
  size_t head_len = 0;        // request line + headers + the empty line
  size_t content_length = 0;  // body bytes after head_len
  bool keep_alive = true;  // HTTP/1.1 default; "Connection: close" (or HTTP/1.0 without keep-alive) clears it
  std::string_view body;   // valid when parse returned kComplete

  // Case-insensitive lookup; "" when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
  // True for a WebSocket upgrade request (GET, Upgrade: websocket, Connection containing "upgrade").
  [[nodiscard]] bool websocket_upgrade() const noexcept;
};

enum class HttpParseStatus : uint8_t {
  kComplete,     // head and body are in the input: consume head_len + content_length bytes
  kNeedMore,     // read more
  kBad,          // malformed (400)
  kTooLarge,     // head above max_head or body above max_body (413 / 431)
  kUnsupported,  // Transfer-Encoding on a request, or too many headers (501 / 431)
};

// Parses one request at the start of `in`. On anything but kComplete/kNeedMore, `why` says what was wrong.
[[nodiscard]] HttpParseStatus parse_http_request(std::string_view in, size_t max_head, size_t max_body,
                                                 HttpRequest& out, std::string_view& why) noexcept;

// ASCII case-insensitive equality.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace mm::simx
