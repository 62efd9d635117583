#pragma once
// A small HTTP/1.1 request parser for the simulator's one port (REST and the WebSocket upgrade). It parses in
// place: every view points into the connection's read buffer. Why our own and not Beast's parser: a request
// is parsed without allocating (fixed header table), and the limits that protect the server are explicit.
// Bodies come with Content-Length or `Transfer-Encoding: chunked` (some HTTP stacks stream JSON bodies that
// way); a chunked body is decoded in place, so the input must be writable.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
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
  size_t content_length = 0;  // body bytes (a chunked body's decoded size)
  // Bytes the request occupies in the input, head and body as sent (chunk framing and trailers included):
  // what to consume on kComplete. On kNeedMore (once the head is complete): the input size known to be
  // needed so far.
  size_t wire_len = 0;
  bool chunked = false;    // Transfer-Encoding: chunked
  bool keep_alive = true;  // HTTP/1.1 default; "Connection: close" (or HTTP/1.0 without keep-alive) clears it
  std::string_view body;   // valid when parse returned kComplete (points into the input)

  // Case-insensitive lookup; "" when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
  // True for a WebSocket upgrade request (GET, Upgrade: websocket, Connection containing "upgrade").
  [[nodiscard]] bool websocket_upgrade() const noexcept;
};

enum class HttpParseStatus : uint8_t {
  kComplete,     // head and body are in the input: consume wire_len bytes
  kNeedMore,     // read more
  kBad,          // malformed (400): request line, header, Content-Length, chunk framing, or both
                 // Content-Length and Transfer-Encoding (a request-smuggling ambiguity)
  kTooLarge,     // head above max_head, or the body as sent (chunk framing included) above max_body
                 // (431 / 413)
  kUnsupported,  // a Transfer-Encoding other than "chunked", or too many headers (501)
};

// Parses one request at the start of `in`. Once a chunked request is complete its chunk data is moved to
// just after the head (in place; bytes up to wire_len are rewritten), and `body` points there. Nothing is
// written on any other outcome. On anything but kComplete/kNeedMore, `why` says what was wrong.
[[nodiscard]] HttpParseStatus parse_http_request(std::span<char> in, size_t max_head, size_t max_body,
                                                 HttpRequest& out, std::string_view& why) noexcept;

// ASCII case-insensitive equality.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace mm::simx
