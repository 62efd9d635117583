#include "net/http_client.h"
#include "net/detail/asio_net.h"  // first: see its note on -Wnull-dereference

#include <sys/socket.h>

#include <array>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <chrono>
#include <optional>

#include "net/tls_context.h"

namespace mm {

std::string_view to_string(HttpError e) noexcept {
  switch (e) {
    case HttpError::kOk:
      return "ok";
    case HttpError::kConfig:
      return "config";
    case HttpError::kResolve:
      return "resolve";
    case HttpError::kConnect:
      return "connect";
    case HttpError::kTls:
      return "tls";
    case HttpError::kTimeout:
      return "timeout";
    case HttpError::kWrite:
      return "write";
    case HttpError::kNoAnswer:
      return "no_answer";
    case HttpError::kBadAnswer:
      return "bad_answer";
  }
  return "?";
}

std::string_view HttpResponse::header(std::string_view name) const noexcept {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) {
      same = (k[i] | 0x20) == (name[i] | 0x20);
    }
    if (same) return v;
  }
  return {};
}

namespace {
using namespace detail;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;
}  // namespace

struct HttpClient::Impl {
  explicit Impl(HttpClientConfig c) : cfg(std::move(c)) {}
  ~Impl() {
    plain.reset();
    secure.reset();
  }

  HttpClientConfig cfg;
  asio::io_context io{1};
  std::optional<asio::ssl::context> ssl;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buf;
  std::string detail;
  uint64_t connects = 0;

  beast::tcp_stream& lowest() { return secure ? secure->next_layer() : *plain; }
  bool connected() const { return (plain || secure); }

  // A kept-alive connection the server has closed (FIN or RST already here), or that holds bytes nobody asked
  // for (a TLS close_notify): reusing it would make the next request's fate unknown, so it is replaced first.
  bool peer_gone() {
    char c;
    const ssize_t n = ::recv(lowest().socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }

  void drop() {
    error_code ec;
    if (connected()) lowest().socket().close(ec);
    plain.reset();
    secure.reset();
    buf.clear();
  }

  // Runs the io_context until the operation started by `start(handler)` completes; the tcp_stream deadline
  // (or the resolver's own timeout) bounds it.
  template <class Start>
  error_code await(Start&& start) {
    error_code result;
    bool done = false;
    start([&](error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    io.restart();
    while (!done && io.run_one() > 0) {
    }
    return result;
  }

  HttpError open(Clock::time_point deadline) {
    const Endpoint& ep = cfg.endpoint;
    drop();
    tcp::endpoint literal;
    error_code ec;
    std::vector<tcp::endpoint> eps;
    if (literal_endpoint(ep, literal, ec)) {
      eps.push_back(literal);
    } else if (ec) {
      detail = "connect_address '" + ep.connect_address + "' is not an IP address";
      return HttpError::kResolve;
    } else {
      // getaddrinfo has no deadline: a control-thread stall on a broken resolver is bounded by the system's
      // resolver timeout. Give connect_address to avoid the lookup.
      tcp::resolver resolver(io);
      const tcp::resolver::results_type results = resolver.resolve(ep.host, std::to_string(ep.port), ec);
      if (ec) {
        detail = "resolve " + ep.host + ": " + ec.message();
        return HttpError::kResolve;
      }
      for (const auto& r : results) eps.push_back(r.endpoint());
    }
    if (ep.tls) {
      if (!ssl) ssl.emplace(share_ssl_context(*cfg.tls));
      secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io, *ssl);
    } else {
      plain = std::make_unique<beast::tcp_stream>(io);
    }
    lowest().expires_at(deadline);
    ec = await([&](auto h) { lowest().async_connect(eps, h); });
    if (ec) {
      const bool timeout = ec == beast::error::timeout;
      detail = "connect " + ep.host + ":" + std::to_string(ep.port) + ": " + ec.message();
      drop();
      return timeout ? HttpError::kTimeout : HttpError::kConnect;
    }
    lowest().socket().set_option(tcp::no_delay(true), ec);
    if (secure) {
      if (prepare_client_ssl(secure->native_handle(), ep.host) != TlsError::kOk) {
        detail = "TLS: host name '" + ep.host + "' refused by OpenSSL";
        drop();
        return HttpError::kTls;
      }
      ec = await([&](auto h) { secure->async_handshake(asio::ssl::stream_base::client, h); });
      if (ec) {
        const bool timeout = ec == beast::error::timeout;
        detail = "TLS handshake with " + ep.host + ": " +
                 describe_tls_failure(secure->native_handle(), ec.message());
        drop();
        return timeout ? HttpError::kTimeout : HttpError::kTls;
      }
    }
    ++connects;
    return HttpError::kOk;
  }

  template <class F>
  error_code on_stream(F&& f) {
    if (secure) return f(*secure);
    return f(*plain);
  }

  HttpError write(std::string_view request) {
    const error_code ec = on_stream([&](auto& s) {
      return await([&](auto h) { asio::async_write(s, asio::buffer(request.data(), request.size()), h); });
    });
    if (!ec) return HttpError::kOk;
    detail = "write: " + ec.message();
    return ec == beast::error::timeout ? HttpError::kTimeout : HttpError::kWrite;
  }

  // kOk, or kTimeout / kNoAnswer / kBadAnswer; `got_some` says whether any byte of an answer arrived.
  HttpError read(HttpResponse& out, bool& got_some) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(cfg.max_body);
    const error_code ec =
        on_stream([&](auto& s) { return await([&](auto h) { http::async_read(s, buf, parser, h); }); });
    got_some = parser.got_some();
    if (ec) {
      detail = "read: " + ec.message();
      if (ec == beast::error::timeout) return HttpError::kTimeout;
      const bool protocol = ec.category() == http::make_error_code(http::error::bad_version).category() &&
                            ec != http::error::end_of_stream && ec != http::error::partial_message;
      if (ec == http::error::body_limit || (got_some && protocol)) return HttpError::kBadAnswer;
      return HttpError::kNoAnswer;
    }
    auto& res = parser.get();
    if (res.body().size() > cfg.max_body) {  // the parser's limit is the first line; this is the backstop
      detail = "answer body of " + std::to_string(res.body().size()) + " bytes is above max_body";
      return HttpError::kBadAnswer;
    }
    out.status = static_cast<int>(res.result_int());
    out.headers.clear();
    for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (!res.keep_alive()) drop();
    return HttpError::kOk;
  }

  HttpError exchange(std::string_view request, bool idempotent, HttpResponse& out) {
    const Endpoint& ep = cfg.endpoint;
    if (ep.host.empty() || (ep.tls && cfg.tls == nullptr)) {
      detail = "HTTP endpoint without a host, or TLS without a TLS context";
      return HttpError::kConfig;
    }
    const auto deadline = Clock::now() + std::chrono::milliseconds(cfg.timeout_ms);
    for (int attempt = 0;; ++attempt) {
      if (connected() && peer_gone()) drop();
      const bool reused = connected();
      if (!reused) {
        if (const HttpError e = open(deadline); e != HttpError::kOk) return e;
      }
      lowest().expires_at(deadline);
      HttpError e = write(request);
      bool got_some = false;
      if (e == HttpError::kOk) e = read(out, got_some);
      if (e == HttpError::kOk) return e;
      drop();
      // A keep-alive connection the server had already closed: a failed write never reached it, and an
      // answer-less read is safe to repeat only for an idempotent request.
      const bool stale = reused && attempt == 0 && !got_some;
      if (stale && (e == HttpError::kWrite || (e == HttpError::kNoAnswer && idempotent))) continue;
      return e;
    }
  }
};

HttpClient::HttpClient(HttpClientConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}
HttpClient::~HttpClient() = default;

HttpError HttpClient::exchange(std::string_view request, bool idempotent, HttpResponse& out) {
  return impl_->exchange(request, idempotent, out);
}
bool HttpClient::connected() const noexcept {
  return impl_->connected();
}
void HttpClient::close() noexcept {
  impl_->drop();
}
const std::string& HttpClient::error_detail() const noexcept {
  return impl_->detail;
}
uint64_t HttpClient::connects() const noexcept {
  return impl_->connects;
}
const HttpClientConfig& HttpClient::config() const noexcept {
  return impl_->cfg;
}

}  // namespace mm
