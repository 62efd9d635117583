// GCC 12 reports a false "potential null pointer dereference" inside Asio's scheduler once it is inlined into
// this file; the check is relaxed for this translation unit only (as in net/detail/asio_net.h).
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include "runtime/ops/http_server.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <charconv>
#include <chrono>
#include <exception>
#include <map>
#include <optional>
#include <thread>

namespace mm {

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
}  // namespace

std::string_view HttpServerRequest::header(std::string_view name) const noexcept {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) same = (k[i] | 0x20) == (name[i] | 0x20);
    if (same) return v;
  }
  return {};
}

std::string parse_listen_address(std::string_view listen, std::string& host, uint16_t& port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == listen.size()) {
    return "\"" + std::string(listen) + "\" is not host:port";
  }
  std::string_view h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) return "\"" + std::string(listen) + "\" has no host";
  const std::string_view p = listen.substr(colon + 1);
  unsigned v = 0;
  const auto r = std::from_chars(p.data(), p.data() + p.size(), v);
  if (r.ec != std::errc() || r.ptr != p.data() + p.size() || v > 65535) {
    return "\"" + std::string(listen) + "\": port must be 0..65535";
  }
  const std::string literal = h == "localhost" ? "127.0.0.1" : std::string(h);
  error_code ec;
  asio::ip::make_address(literal, ec);
  if (ec) return "\"" + std::string(listen) + "\": host must be an IP address or localhost";
  host = literal;
  port = static_cast<uint16_t>(v);
  return "";
}

struct HttpServer::Impl {
  explicit Impl(HttpServerConfig c) : cfg(std::move(c)) {}

  HttpServerConfig cfg;
  std::map<std::string, HttpHandler, std::less<>> routes;
  asio::io_context io{1};
  std::optional<asio::ssl::context> ssl;
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  std::atomic<uint64_t> served{0};
  uint16_t port = 0;
  bool started = false;

  void accept();
  void answer(const http::request<http::string_body>& req, http::response<http::string_body>& res);
};

namespace {

template <class Stream>
beast::tcp_stream& lowest(Stream& s) {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    return s;
  } else {
    return s.next_layer();
  }
}

// One connection: read a request, answer it, repeat while keep-alive. Owns itself through shared_ptr.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpServer::Impl& server, Stream stream) : server_(server), stream_(std::move(stream)) {}

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      lowest(stream_).expires_after(timeout());
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (!ec) self->read();
                              });
    }
  }

 private:
  std::chrono::milliseconds timeout() const { return std::chrono::milliseconds(server_.cfg.idle_timeout_ms); }

  void read() {
    parser_.emplace();
    parser_->body_limit(server_.cfg.max_body);
    lowest(stream_).expires_after(timeout());
    http::async_read(stream_, buf_, *parser_,
                     [self = this->shared_from_this()](error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    res_ = {};
    if (ec == http::error::body_limit) {
      res_.result(http::status::payload_too_large);
      res_.set(http::field::content_type, "text/plain; charset=utf-8");
      res_.body() = "request too large\n";
      res_.keep_alive(false);
    } else if (ec) {
      return;  // closed, timed out or malformed: drop the connection
    } else {
      const auto& req = parser_->get();
      server_.answer(req, res_);
      res_.keep_alive(req.keep_alive());
    }
    res_.version(11);
    res_.prepare_payload();
    server_.served.fetch_add(1, std::memory_order_relaxed);  // before the write: a client that has the
                                                             // answer sees it counted
    lowest(stream_).expires_after(timeout());
    http::async_write(stream_, res_, [self = this->shared_from_this()](error_code wec, size_t) {
      if (!wec && self->res_.keep_alive()) self->read();
    });
  }

  HttpServer::Impl& server_;
  Stream stream_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
};

}  // namespace

void HttpServer::Impl::answer(const http::request<http::string_body>& req,
                              http::response<http::string_body>& res) {
  HttpServerRequest in;
  in.method = std::string_view(req.method_string().data(), req.method_string().size());
  in.target = std::string_view(req.target().data(), req.target().size());
  in.path = in.target.substr(0, in.target.find('?'));
  in.body = req.body();
  for (const auto& f : req) {
    in.headers.emplace_back(std::string_view(f.name_string().data(), f.name_string().size()),
                            std::string_view(f.value().data(), f.value().size()));
  }
  HttpServerResponse out;
  const auto it = routes.find(in.path);
  if (it == routes.end()) {
    out.status = 404;
    out.body = "not found\n";
  } else {
    try {
      it->second(in, out);
    } catch (const std::exception&) {
      out = HttpServerResponse{};
      out.status = 500;
      out.body = "internal error\n";
    }
  }
  res.result(static_cast<unsigned>(out.status));
  res.set(http::field::content_type, out.content_type);
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(out.body);
}

void HttpServer::Impl::accept() {
  acceptor->async_accept([this](error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (!ec) {
      beast::tcp_stream stream(std::move(sock));
      if (ssl) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            *this, beast::ssl_stream<beast::tcp_stream>(std::move(stream), *ssl))
            ->start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(*this, std::move(stream))->start();
      }
    }
    accept();
  });
}

HttpServer::HttpServer(HttpServerConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::route(std::string path, HttpHandler handler) {
  impl_->routes[std::move(path)] = std::move(handler);
}

std::string HttpServer::start() {
  Impl& s = *impl_;
  if (s.started) return "the HTTP server is already started";
  std::string host;
  uint16_t port = 0;
  if (std::string e = parse_listen_address(s.cfg.listen, host, port); !e.empty())
    return "listen address " + e;
  const std::string where = "HTTP server on " + s.cfg.listen + ": ";
  if (s.cfg.tls_cert_file.empty() != s.cfg.tls_key_file.empty()) {
    return where + "a TLS certificate needs its key and a key its certificate";
  }
  error_code ec;
  if (!s.cfg.tls_cert_file.empty()) {
    s.ssl.emplace(asio::ssl::context::tls_server);
    s.ssl->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                       asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    if (s.ssl->use_certificate_chain_file(s.cfg.tls_cert_file, ec); ec) {
      return where + "cannot use the certificate " + s.cfg.tls_cert_file + ": " + ec.message();
    }
    if (s.ssl->use_private_key_file(s.cfg.tls_key_file, asio::ssl::context::pem, ec); ec) {
      return where + "cannot use the key " + s.cfg.tls_key_file + ": " + ec.message();
    }
  }
  const tcp::endpoint ep(asio::ip::make_address(host), port);
  s.acceptor.emplace(s.io);
  if (s.acceptor->open(ep.protocol(), ec); ec) return where + "socket: " + ec.message();
  s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (s.acceptor->bind(ep, ec); ec) return where + "bind: " + ec.message();
  if (s.acceptor->listen(asio::socket_base::max_listen_connections, ec); ec)
    return where + "listen: " + ec.message();
  s.port = s.acceptor->local_endpoint().port();
  s.started = true;
  s.accept();
  s.thread = std::thread([&s] { s.io.run(); });
  return "";
}

uint16_t HttpServer::port() const noexcept {
  return impl_->port;
}

uint64_t HttpServer::requests_served() const noexcept {
  return impl_->served.load(std::memory_order_relaxed);
}

void HttpServer::stop() noexcept {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  // Sessions hold themselves alive through their pending handlers; stopping the loop and destroying the
  // io_context (below, with impl_) releases them and closes their sockets.
  asio::post(s.io, [&s] {
    error_code ec;
    s.acceptor->close(ec);
    s.io.stop();
  });
  s.thread.join();
}

}  // namespace mm
