#pragma once
// Where a transport connects: parsed from the config's URLs (rest_url, public_ws_url, ...). Cold path.
#include <cstdint>
#include <string>
#include <string_view>

namespace mm {

struct Endpoint {
  bool tls = false;          // https:// and wss://
  std::string host;          // Host header, TLS SNI and the name the certificate must carry
  uint16_t port = 0;         // explicit, or 443 (TLS) / 80
  std::string target = "/";  // path and query, e.g. "/v5/public/linear"
  // Dial this IPv4/IPv6 literal instead of resolving `host` (like curl --resolve): the certificate is still
  // checked against `host`. Empty: resolve `host` (an IP-literal host is used as is).
  std::string connect_address;
};

enum class UrlError : uint8_t {
  kOk = 0,
  kBadScheme,  // not http://, https://, ws:// or wss://
  kNoHost,     // nothing between the scheme and the port/path
  kBadPort,    // port not 1..65535 digits
  kBadChar,    // a space, control character, '#', '@' (userinfo) or a bracket mismatch in the URL
};
std::string_view to_string(UrlError e) noexcept;

// Parses scheme://host[:port][/path[?query]] (IPv6 hosts in brackets). The scheme decides `tls`; http/ws
// and https/wss are not told apart (the caller knows which protocol it speaks). Errors: every UrlError; `out`
// is unchanged on error.
[[nodiscard]] UrlError parse_url(std::string_view url, Endpoint& out);

// True when host is an IPv4 or IPv6 literal (no brackets): such a host is checked against the certificate's
// IP addresses and gets no SNI (RFC 6066 forbids IP literals there).
bool is_ip_literal(std::string_view host);

}  // namespace mm
