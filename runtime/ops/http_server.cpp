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
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <charconv>
#include <chrono>
#include <deque>
#include <exception>
#include <map>
#include <optional>
#include <thread>

#include "runtime/ops/ws_server_frame.h"

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

namespace {

// A WebSocket connection as the server thread's broadcast sees it (the stream type is erased).
class WsPeer {
 public:
  virtual ~WsPeer() = default;
  virtual const std::string& path() const noexcept = 0;
  // Queues one encoded frame (shared by every peer of a broadcast). Server thread only.
  virtual void push(std::shared_ptr<const std::string> frame) = 0;
  // Closes the socket if a write has been pending since before `deadline`. Server thread only.
  virtual void drop_if_stuck(std::chrono::steady_clock::time_point deadline) noexcept = 0;
};

struct Periodic {
  int64_t period_ms = 0;
  std::function<void()> f;
  std::unique_ptr<asio::steady_timer> timer;
};

// Whether a comma-separated header value holds `token`, case-insensitively ("keep-alive, Upgrade").
bool has_token(std::string_view value, std::string_view token) noexcept {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view t = value.substr(0, comma);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (t.size() == token.size()) {
      bool same = true;
      for (size_t i = 0; i < t.size() && same; ++i) same = (t[i] | 0x20) == (token[i] | 0x20);
      if (same) return true;
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

struct HttpServer::Impl {
  explicit Impl(HttpServerConfig c) : cfg(std::move(c)) {}
  // The periodic tasks' timers belong to io's timer service, and io, declared after `periodic`, is destroyed
  // first: a timer destroyed after it deregisters from a freed service (AddressSanitizer: heap-use-after-free
  // in ~io_object_impl, HttpServerWebSocket.PeriodicTaskBroadcastsToEveryClient). Destroyed here, before io.
  ~Impl() {
    for (Periodic& p : periodic) p.timer.reset();
  }

  HttpServerConfig cfg;
  std::map<std::string, HttpHandler, std::less<>> routes;
  std::map<std::string, std::function<std::string()>, std::less<>> ws_paths;  // path -> greeting
  std::vector<Periodic> periodic;
  // Declared before io: WebSocket sessions, destroyed with io, update the count.
  std::atomic<size_t> ws_count{0};
  std::vector<std::weak_ptr<WsPeer>> peers;  // server thread only
  std::atomic<bool> running{false};
  asio::io_context io{1};
  std::optional<asio::ssl::context> ssl;
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  std::atomic<uint64_t> served{0};
  uint16_t port = 0;
  bool started = false;

  void accept();
  void arm(Periodic& p);
  void send_all(std::string_view path, const std::shared_ptr<const std::string>& frame);
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

// A connection after its upgrade: writes queued frames one at a time, reads and unmasks client frames
// (pings answered, a close echoed, text ignored). Owns itself through shared_ptr; the server's peer list
// holds it weakly.
template <class Stream>
class WsSession : public WsPeer, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  static constexpr size_t kMaxClientPayload = 1024;  // the page sends nothing bigger than a close

  WsSession(HttpServer::Impl& server, Stream stream, std::string path, std::string_view early)
      : server_(server), stream_(std::move(stream)), path_(std::move(path)) {
    in_.resize(kMaxClientPayload + 16);
    have_ = std::min(early.size(), in_.size());
    std::copy_n(early.data(), have_, in_.data());
    server_.ws_count.fetch_add(1, std::memory_order_relaxed);
  }
  ~WsSession() override { server_.ws_count.fetch_sub(1, std::memory_order_relaxed); }

  void start(std::string handshake) {
    lowest(stream_).expires_never();  // a page may stay open for days; stuck writes are dropped instead
    server_.peers.push_back(this->weak_from_this());
    out_.push_back(std::make_shared<const std::string>(std::move(handshake)));
    write();
    on_bytes();  // bytes that came with the upgrade request, if any
    if (!closing_) read();
  }

  const std::string& path() const noexcept override { return path_; }

  void push(std::shared_ptr<const std::string> frame) override {
    if (closing_ || out_.size() >= HttpServer::kMaxPendingFrames) return;
    out_.push_back(std::move(frame));
    write();
  }

  void drop_if_stuck(std::chrono::steady_clock::time_point deadline) noexcept override {
    if (writing_ && write_started_ < deadline) {
      error_code ec;
      lowest(stream_).socket().close(ec);
    }
  }

 private:
  void read() {
    if (have_ == in_.size()) return fail(1009);  // a frame bigger than any the page sends
    stream_.async_read_some(asio::buffer(in_.data() + have_, in_.size() - have_),
                            [self = this->shared_from_this()](error_code ec, size_t n) {
                              if (ec) return;  // closed: the session ends with its last handler
                              self->have_ += n;
                              self->on_bytes();
                              if (!self->closing_) self->read();
                            });
  }

  void on_bytes() {
    while (!closing_) {
      WsClientFrame f;
      WsClientFrameError e = WsClientFrameError::kNone;
      const WsClientParse r = parse_client_frame(std::span<char>(in_.data(), have_), kMaxClientPayload, f, e);
      if (r == WsClientParse::kNeedMore) return;
      if (r == WsClientParse::kError) return fail(e == WsClientFrameError::kTooLarge ? 1009 : 1002);
      if (f.opcode == WsOpcode::kPing) {
        queue(WsOpcode::kPong, f.payload);
      } else if (f.opcode == WsOpcode::kClose) {
        queue(WsOpcode::kClose, f.payload.substr(0, std::min<size_t>(f.payload.size(), 2)));
        closing_ = true;
      }
      std::memmove(in_.data(), in_.data() + f.frame_len, have_ - f.frame_len);
      have_ -= f.frame_len;
    }
  }

  void fail(uint16_t code) {
    const char payload[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    queue(WsOpcode::kClose, std::string_view(payload, 2));
    closing_ = true;
  }

  void queue(WsOpcode op, std::string_view payload) {
    auto frame = std::make_shared<std::string>();
    append_server_frame(op, payload, *frame);
    out_.push_back(std::move(frame));
    write();
  }

  void write() {
    if (writing_) return;
    if (out_.empty()) {
      if (closing_) {
        error_code ec;
        lowest(stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
        lowest(stream_).socket().close(ec);
      }
      return;
    }
    writing_ = true;
    write_started_ = std::chrono::steady_clock::now();
    asio::async_write(stream_, asio::buffer(*out_.front()),
                      [self = this->shared_from_this()](error_code ec, size_t) {
                        self->writing_ = false;
                        self->out_.pop_front();
                        if (ec) {
                          self->closing_ = true;
                          self->out_.clear();
                          return;
                        }
                        self->write();
                      });
  }

  HttpServer::Impl& server_;
  Stream stream_;
  std::string path_;
  std::vector<char> in_;
  size_t have_ = 0;
  std::deque<std::shared_ptr<const std::string>> out_;
  bool writing_ = false;
  bool closing_ = false;
  std::chrono::steady_clock::time_point write_started_{};
};

// The 101 answer to a valid upgrade, or "" with `res` set to the refusal (426 wrong version or not an
// upgrade, 400 bad key, 405 not GET).
std::string upgrade_answer(const http::request<http::string_body>& req,
                           http::response<http::string_body>& res) {
  auto refuse = [&](http::status st, std::string_view why) {
    res.result(st);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    if (st == http::status::upgrade_required) {
      res.set(http::field::upgrade, "websocket");
      res.set(http::field::sec_websocket_version, "13");
    }
    res.body() = std::string(why);
    return std::string();
  };
  if (req.method() != http::verb::get) return refuse(http::status::method_not_allowed, "GET only\n");
  const auto sv = [](beast::string_view v) { return std::string_view(v.data(), v.size()); };
  if (!has_token(sv(req[http::field::upgrade]), "websocket") ||
      !has_token(sv(req[http::field::connection]), "upgrade")) {
    return refuse(http::status::upgrade_required, "this path is a WebSocket: send an RFC 6455 upgrade\n");
  }
  if (sv(req[http::field::sec_websocket_version]) != "13") {
    return refuse(http::status::upgrade_required, "WebSocket version 13 only\n");
  }
  const std::string_view key = sv(req[http::field::sec_websocket_key]);
  if (!is_websocket_key(key)) return refuse(http::status::bad_request, "bad Sec-WebSocket-Key\n");
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
         websocket_accept(key) + "\r\n\r\n";
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
      const std::string_view target(req.target().data(), req.target().size());
      const std::string_view path = target.substr(0, target.find('?'));
      if (const auto ws = server_.ws_paths.find(path); ws != server_.ws_paths.end()) {
        std::string handshake = upgrade_answer(req, res_);
        if (!handshake.empty()) {
          server_.served.fetch_add(1, std::memory_order_relaxed);
          const auto early = buf_.data();
          std::string hello;
          if (ws->second) {
            try {
              hello = ws->second();
            } catch (...) {
              hello.clear();  // no greeting; the next broadcast brings the state
            }
          }
          if (!hello.empty()) append_server_frame(WsOpcode::kText, hello, handshake);  // right after the 101
          std::make_shared<WsSession<Stream>>(
              server_, std::move(stream_), ws->first,
              std::string_view(static_cast<const char*>(early.data()), early.size()))
              ->start(std::move(handshake));
          return;
        }
        res_.keep_alive(false);
      } else {
        server_.answer(req, res_);
        res_.keep_alive(req.keep_alive());
      }
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

void HttpServer::Impl::arm(Periodic& p) {
  p.timer->expires_after(std::chrono::milliseconds(p.period_ms));
  p.timer->async_wait([this, &p](error_code ec) {
    if (ec) return;  // cancelled: the server is stopping
    const auto now = std::chrono::steady_clock::now();
    for (const auto& w : peers) {
      if (auto peer = w.lock()) peer->drop_if_stuck(now - std::chrono::milliseconds(kStuckWriteMs));
    }
    try {
      p.f();
    } catch (...) {
      // A failed period (out of memory rendering a page update): the next one tries again.
    }
    arm(p);
  });
}

void HttpServer::Impl::send_all(std::string_view path, const std::shared_ptr<const std::string>& frame) {
  size_t live = 0;
  for (auto& w : peers) {
    if (auto peer = w.lock()) {
      if (peer->path() == path) peer->push(frame);
      peers[live++] = std::move(w);
    }
  }
  peers.resize(live);
}

HttpServer::HttpServer(HttpServerConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::route(std::string path, HttpHandler handler) {
  impl_->routes[std::move(path)] = std::move(handler);
}

void HttpServer::websocket(std::string path, std::function<std::string()> greeting) {
  impl_->ws_paths[std::move(path)] = std::move(greeting);
}

void HttpServer::every(int64_t period_ms, std::function<void()> f) {
  Periodic p;
  p.period_ms = period_ms > 0 ? period_ms : 1;
  p.f = std::move(f);
  impl_->periodic.push_back(std::move(p));
}

void HttpServer::broadcast(std::string_view path, std::string_view text) {
  Impl& s = *impl_;
  if (!s.running.load(std::memory_order_acquire)) return;
  auto frame = std::make_shared<std::string>();
  append_server_frame(WsOpcode::kText, text, *frame);
  asio::post(s.io, [&s, p = std::string(path), f = std::shared_ptr<const std::string>(std::move(frame))] {
    s.send_all(p, f);
  });
}

size_t HttpServer::websocket_clients() const noexcept {
  return impl_->ws_count.load(std::memory_order_relaxed);
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
  for (Periodic& p : s.periodic) {
    p.timer = std::make_unique<asio::steady_timer>(s.io);
    s.arm(p);
  }
  s.running.store(true, std::memory_order_release);
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
  s.running.store(false, std::memory_order_release);
  asio::post(s.io, [&s] {
    error_code ec;
    s.acceptor->close(ec);
    for (Periodic& p : s.periodic) p.timer->cancel();
    s.io.stop();
  });
  s.thread.join();
}

}  // namespace mm
