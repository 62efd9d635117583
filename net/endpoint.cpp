#include "net/endpoint.h"

#include <arpa/inet.h>

#include <charconv>

namespace mm {

std::string_view to_string(UrlError e) noexcept {
  switch (e) {
    case UrlError::kOk:
      return "ok";
    case UrlError::kBadScheme:
      return "bad_scheme";
    case UrlError::kNoHost:
      return "no_host";
    case UrlError::kBadPort:
      return "bad_port";
    case UrlError::kBadChar:
      return "bad_char";
  }
  return "?";
}

bool is_ip_literal(std::string_view host) {
  const std::string h(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

UrlError parse_url(std::string_view url, Endpoint& out) {
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '#' || c == '@') return UrlError::kBadChar;
  }
  Endpoint e;
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return UrlError::kBadScheme;
  const std::string_view scheme = url.substr(0, sep);
  if (scheme == "https" || scheme == "wss") {
    e.tls = true;
  } else if (scheme != "http" && scheme != "ws") {
    return UrlError::kBadScheme;
  }
  std::string_view rest = url.substr(sep + 3);
  const size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  if (path_at != std::string_view::npos) {
    const std::string_view t = rest.substr(path_at);
    e.target = t.front() == '?' ? "/" + std::string(t) : std::string(t);
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return UrlError::kBadChar;
    e.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return UrlError::kBadChar;
      port_text = after.substr(1);
      if (port_text.empty()) return UrlError::kBadPort;
    }
  } else {
    if (authority.find_first_of("[]") != std::string_view::npos) return UrlError::kBadChar;
    const size_t colon = authority.rfind(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return UrlError::kBadPort;
    }
  }
  if (e.host.empty()) return UrlError::kNoHost;
  if (port_text.empty()) {
    e.port = e.tls ? 443 : 80;
  } else {
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || v == 0 || v > 65535) {
      return UrlError::kBadPort;
    }
    e.port = static_cast<uint16_t>(v);
  }
  out = std::move(e);
  return UrlError::kOk;
}

}  // namespace mm
