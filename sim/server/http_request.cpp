#include "sim/server/http_request.h"

#include <cstring>

namespace mm::simx {

namespace {

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool contains_token(std::string_view list, std::string_view token) noexcept {
  // Comma-separated, case-insensitive ("keep-alive, Upgrade").
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool is_token_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' || c == '+' ||
         c == '.' || c == '^' || c == '`' || c == '|' || c == '~';
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Input ran out inside a chunked body that began at `begin`: read more, unless what was sent already
// exceeds the body limit (framing included, so the buffer that holds it stays bounded).
HttpParseStatus chunked_needs_more(std::string_view in, size_t begin, size_t max_body,
                                   std::string_view& why) noexcept {
  if (in.size() - begin > max_body) {
    why = "request body too large";
    return HttpParseStatus::kTooLarge;
  }
  return HttpParseStatus::kNeedMore;
}

// "SIZE[;ext]" with SIZE 1-8 hex digits; the extension is ignored (RFC 9112 7.1.1).
bool chunk_size(std::string_view line, size_t& size) noexcept {
  size = 0;
  size_t i = 0;
  for (; i < line.size() && hex_digit(line[i]) >= 0; ++i) {
    if (i == 8) return false;
    size = size * 16 + static_cast<size_t>(hex_digit(line[i]));
  }
  if (i == 0) return false;
  for (; i < line.size(); ++i) {
    if (line[i] == ';') break;
    if (line[i] != ' ' && line[i] != '\t') return false;
  }
  for (; i < line.size(); ++i) {
    if (static_cast<unsigned char>(line[i]) < 0x20 && line[i] != '\t') return false;
  }
  return true;
}

// One pass over a chunked body starting at in[begin]: (SIZE CRLF DATA CRLF)* 0 CRLF (trailer CRLF)* CRLF.
// Sets `end` (one past the body as sent) and `decoded` (the data bytes). With `dst`, each chunk's data is
// moved to dst + decoded: the data only ever moves towards the head, so no move overwrites framing not yet
// read. On kNeedMore, `end` is the input size known to be needed.
HttpParseStatus walk_chunks(std::string_view in, size_t begin, size_t max_body, char* dst, size_t& end,
                            size_t& decoded, std::string_view& why) noexcept {
  size_t pos = begin;
  decoded = 0;
  end = in.size() + 1;
  for (;;) {
    const size_t eol = in.find("\r\n", pos);
    if (eol == std::string_view::npos) return chunked_needs_more(in, begin, max_body, why);
    size_t size = 0;
    if (!chunk_size(in.substr(pos, eol - pos), size)) {
      why = "malformed chunk size line";
      return HttpParseStatus::kBad;
    }
    pos = eol + 2;
    if (size == 0) break;
    if (size > max_body || pos + size + 2 - begin > max_body) {
      why = "request body too large";
      return HttpParseStatus::kTooLarge;
    }
    if (in.size() < pos + size + 2) {
      end = pos + size + 2;
      return HttpParseStatus::kNeedMore;
    }
    if (in[pos + size] != '\r' || in[pos + size + 1] != '\n') {
      why = "chunk data not followed by CRLF";
      return HttpParseStatus::kBad;
    }
    if (dst != nullptr) std::memmove(dst + decoded, in.data() + pos, size);
    decoded += size;
    pos += size + 2;
  }
  // Trailer fields, ignored; the body ends at the empty line.
  for (;;) {
    const size_t eol = in.find("\r\n", pos);
    if (eol == std::string_view::npos) return chunked_needs_more(in, begin, max_body, why);
    if (eol == pos) {
      end = pos + 2;
      return HttpParseStatus::kComplete;
    }
    if (in.substr(pos, eol - pos).find(':') == std::string_view::npos) {
      why = "malformed trailer line";
      return HttpParseStatus::kBad;
    }
    pos = eol + 2;
  }
}

// The chunked body after out.head_len: scanned first (nothing is written unless the whole body is there and
// well formed), then decoded in place.
HttpParseStatus parse_chunked_body(std::span<char> buffer, size_t max_body, HttpRequest& out,
                                   std::string_view& why) noexcept {
  const std::string_view in(buffer.data(), buffer.size());
  size_t end = 0, decoded = 0;
  const HttpParseStatus st = walk_chunks(in, out.head_len, max_body, nullptr, end, decoded, why);
  out.wire_len = end;
  if (st != HttpParseStatus::kComplete) return st;
  (void)walk_chunks(in, out.head_len, max_body, buffer.data() + out.head_len, end, decoded, why);
  out.content_length = decoded;
  out.body = in.substr(out.head_len, decoded);
  return HttpParseStatus::kComplete;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view HttpRequest::header(std::string_view name) const noexcept {
  for (size_t i = 0; i < header_count; ++i) {
    if (iequals(headers[i].name, name)) return headers[i].value;
  }
  return {};
}

bool HttpRequest::websocket_upgrade() const noexcept {
  return method == "GET" && iequals(header("Upgrade"), "websocket") &&
         contains_token(header("Connection"), "upgrade");
}

HttpParseStatus parse_http_request(std::span<char> buffer, size_t max_head, size_t max_body, HttpRequest& out,
                                   std::string_view& why) noexcept {
  const std::string_view in(buffer.data(), buffer.size());
  const size_t end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (in.size() > max_head) {
      why = "request head too large";
      return HttpParseStatus::kTooLarge;
    }
    return HttpParseStatus::kNeedMore;
  }
  if (end + 4 > max_head) {
    why = "request head too large";
    return HttpParseStatus::kTooLarge;
  }
  out.head_len = end + 4;
  out.header_count = 0;
  out.content_length = 0;
  out.wire_len = 0;
  out.chunked = false;
  out.body = {};
  std::string_view head = in.substr(0, end);
  // Request line: METHOD SP target SP HTTP/1.x
  const size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  head = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    why = "malformed request line";
    return HttpParseStatus::kBad;
  }
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  for (char c : out.method) {
    if (!is_token_char(c)) {
      why = "malformed method";
      return HttpParseStatus::kBad;
    }
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    why = "unsupported HTTP version";
    return HttpParseStatus::kBad;
  }
  if (out.target.empty() || out.target.front() != '/') {
    why = "request target must be an absolute path";
    return HttpParseStatus::kBad;
  }
  const size_t q = out.target.find('?');
  out.path = out.target.substr(0, q);
  out.query = q == std::string_view::npos ? std::string_view{} : out.target.substr(q + 1);
  out.keep_alive = version == "HTTP/1.1";
  bool have_length = false;
  while (!head.empty()) {
    const size_t e = head.find("\r\n");
    const std::string_view h = head.substr(0, e);
    head = e == std::string_view::npos ? std::string_view{} : head.substr(e + 2);
    const size_t colon = h.find(':');
    if (colon == 0 || colon == std::string_view::npos) {
      why = "malformed header line";
      return HttpParseStatus::kBad;
    }
    const std::string_view name = h.substr(0, colon);
    for (char c : name) {
      if (!is_token_char(c)) {
        why = "malformed header name";
        return HttpParseStatus::kBad;
      }
    }
    if (out.header_count == kMaxHttpHeaders) {
      why = "too many headers";
      return HttpParseStatus::kUnsupported;
    }
    const std::string_view value = trim(h.substr(colon + 1));
    out.headers[out.header_count++] = HttpHeader{name, value};
    if (iequals(name, "Content-Length")) {
      if (value.empty() || value.size() > 12 || have_length) {
        why = "bad Content-Length";
        return HttpParseStatus::kBad;
      }
      size_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') {
          why = "bad Content-Length";
          return HttpParseStatus::kBad;
        }
        n = n * 10 + static_cast<size_t>(c - '0');
      }
      out.content_length = n;
      have_length = true;
    } else if (iequals(name, "Transfer-Encoding")) {
      if (out.chunked) {
        why = "Transfer-Encoding given twice";
        return HttpParseStatus::kBad;
      }
      if (!iequals(value, "chunked")) {
        why = "Transfer-Encoding other than chunked is not supported";
        return HttpParseStatus::kUnsupported;
      }
      out.chunked = true;
    } else if (iequals(name, "Connection")) {
      if (contains_token(value, "close")) out.keep_alive = false;
      if (contains_token(value, "keep-alive")) out.keep_alive = true;
    }
  }
  if (out.chunked) {
    if (have_length) {
      why = "both Content-Length and Transfer-Encoding";
      return HttpParseStatus::kBad;
    }
    return parse_chunked_body(buffer, max_body, out, why);
  }
  if (out.content_length > max_body) {
    why = "request body too large";
    return HttpParseStatus::kTooLarge;
  }
  out.wire_len = out.head_len + out.content_length;
  if (in.size() < out.wire_len) return HttpParseStatus::kNeedMore;
  out.body = in.substr(out.head_len, out.content_length);
  return HttpParseStatus::kComplete;
}

}  // namespace mm::simx
