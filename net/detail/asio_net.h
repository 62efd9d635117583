#pragma once
// Private to net/: the Boost.Asio / Beast names the Beast transports share (ws_client.cpp, http_client.cpp).
// Include it first in a .cpp: GCC 12 reports "potential null pointer dereference" inside asio's scheduler
// once its code is inlined into ours (scheduler.ipp: op_queue pops), a false positive of -Wnull-dereference
// that -Werror would turn into a build failure; the warning is relaxed for the rest of such a translation
// unit only.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <string>
#include <string_view>

#include "net/endpoint.h"
#include "net/tls_context.h"

namespace mm::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// An asio SSL context sharing a TlsContext's SSL_CTX (asio takes ownership of one reference).
inline asio::ssl::context share_ssl_context(const TlsContext& tls) {
  SSL_CTX_up_ref(tls.native());
  return asio::ssl::context(tls.native());
}

// The endpoints to dial without resolving: connect_address, or the host itself when it is an IP literal.
// Returns false when neither applies (the host must be resolved). Sets ec when connect_address is not an IP.
inline bool literal_endpoint(const Endpoint& e, tcp::endpoint& out, error_code& ec) {
  const std::string& a = e.connect_address.empty() ? e.host : e.connect_address;
  const auto addr = asio::ip::make_address(a, ec);
  if (ec) {
    if (e.connect_address.empty()) ec.clear();
    return false;
  }
  out = tcp::endpoint(addr, e.port);
  return true;
}

// "host" or "host:port" for the Host header (the port only when not the scheme's default); IPv6 in brackets.
inline std::string host_header(const Endpoint& e) {
  std::string h = e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
  if (e.port != (e.tls ? 443 : 80)) h += ":" + std::to_string(e.port);
  return h;
}

}  // namespace mm::detail
