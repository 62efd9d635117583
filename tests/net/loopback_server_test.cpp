// The loopback test server (tests/net/loopback_server.h) and the tests of the server itself.
#pragma GCC diagnostic ignored "-Wnull-dereference"  // asio's scheduler, inlined (see net/detail/asio_net.h)
#include "tests/net/loopback_server.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <map>
#include <mutex>

namespace mm::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ws = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

std::string HttpRequestRecord::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(beast::string_view(k.data(), k.size()),
                       beast::string_view(name.data(), name.size()))) {
      return v;
    }
  }
  return {};
}

struct SessionBase {
  virtual ~SessionBase() = default;
  virtual void drop() = 0;
  virtual void send(std::string text) = 0;
  virtual void close(uint16_t code) = 0;
};

struct LoopbackServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::optional<asio::ssl::context> ssl;
  std::thread thread;
  uint16_t port = 0;

  mutable std::mutex mu;
  HttpHandler http_handler;
  WsHandler ws_handler;
  std::vector<HttpRequestRecord> requests;
  std::vector<std::string> messages;
  std::atomic<uint64_t> accepts{0};
  std::atomic<uint64_t> ws_accepts{0};
  std::atomic<uint64_t> http_drops{0};
  std::atomic<size_t> open_ws{0};
  uint64_t next_conn = 0;                                   // server thread only
  std::map<uint64_t, std::weak_ptr<SessionBase>> sessions;  // server thread only
  std::map<uint64_t, std::weak_ptr<SessionBase>> ws_sessions;
  std::vector<std::shared_ptr<SessionBase>> hung;  // sessions told never to answer, kept open until stop

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket sock) {
      if (ec) return;  // the acceptor was closed: stopping
      ++accepts;
      error_code nd;
      sock.set_option(tcp::no_delay(true), nd);
      if (ssl) {
        start_session(beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(sock)), *ssl));
      } else {
        start_session(beast::tcp_stream(std::move(sock)));
      }
      accept();
    });
  }

  template <class Stream>
  void start_session(Stream&& s);
};

template <class Stream>
struct WsSession : SessionBase, std::enable_shared_from_this<WsSession<Stream>> {
  WsSession(LoopbackServer::Impl& srv, Stream&& s, uint64_t id, std::string target)
      : impl(srv), wss(std::move(s)), conn(id), path(std::move(target)) {}
  LoopbackServer::Impl& impl;
  ws::stream<Stream> wss;
  uint64_t conn;
  std::string path;
  beast::flat_buffer buf;
  std::deque<std::string> outq;
  bool writing = false;
  std::optional<uint16_t> close_after;
  bool registered = false;

  void start(http::request<http::string_body> req) {
    wss.read_message_max(1u << 22);
    wss.async_accept(req, [self = this->shared_from_this()](error_code ec) {
      if (ec) return;
      ++self->impl.ws_accepts;
      ++self->impl.open_ws;
      self->registered = true;
      self->impl.ws_sessions[self->conn] = self;
      self->read();
    });
  }
  ~WsSession() override {
    if (registered) --impl.open_ws;
  }
  void read() {
    wss.async_read(buf, [self = this->shared_from_this()](error_code ec, size_t) {
      if (ec) {
        self->impl.ws_sessions.erase(self->conn);
        return;
      }
      std::string msg = beast::buffers_to_string(self->buf.data());
      self->buf.consume(self->buf.size());
      std::vector<std::string> out;
      LoopbackServer::WsHandler h;
      {
        std::lock_guard lock(self->impl.mu);
        self->impl.messages.push_back(msg);
        h = self->impl.ws_handler;
      }
      if (h) h(self->conn, self->path, msg, out);
      for (auto& r : out) self->send(std::move(r));
      self->read();
    });
  }
  void send(std::string text) override {
    outq.push_back(std::move(text));
    if (!writing) write_next();
  }
  void write_next() {
    if (outq.empty()) {
      if (close_after) do_close(*close_after);
      return;
    }
    writing = true;
    wss.text(true);
    wss.async_write(asio::buffer(outq.front()), [self = this->shared_from_this()](error_code ec, size_t) {
      self->writing = false;
      if (ec) return;
      self->outq.pop_front();
      self->write_next();
    });
  }
  void close(uint16_t code) override {
    if (writing) {
      close_after = code;
      return;
    }
    do_close(code);
  }
  void do_close(uint16_t code) {
    close_after.reset();
    wss.async_close(ws::close_reason(code), [self = this->shared_from_this()](error_code) {});
  }
  void drop() override {
    error_code ec;
    beast::get_lowest_layer(wss).socket().close(ec);
  }
};

template <class Stream>
struct HttpSession : SessionBase, std::enable_shared_from_this<HttpSession<Stream>> {
  HttpSession(LoopbackServer::Impl& srv, Stream&& s, uint64_t id)
      : impl(srv), stream(std::move(s)), conn(id) {}
  LoopbackServer::Impl& impl;
  Stream stream;
  uint64_t conn;
  beast::flat_buffer buf;
  http::request<http::string_body> req;
  http::response<http::string_body> res;
  bool moved = false;

  void start() {
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      stream.async_handshake(asio::ssl::stream_base::server,
                             [self = this->shared_from_this()](error_code ec) {
                               if (ec) return;  // e.g. the client refused our certificate
                               self->read();
                             });
    } else {
      read();
    }
  }
  void read() {
    req = {};
    http::async_read(stream, buf, req, [self = this->shared_from_this()](error_code ec, size_t) {
      if (ec) return;
      if (ws::is_upgrade(self->req)) return self->upgrade();
      self->handle();
    });
  }
  void upgrade() {
    moved = true;
    impl.sessions.erase(conn);
    auto w = std::make_shared<WsSession<Stream>>(impl, std::move(stream), conn, std::string(req.target()));
    impl.sessions[conn] = w;
    w->start(std::move(req));
  }
  void handle() {
    HttpRequestRecord rec;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    rec.body = req.body();
    rec.conn = conn;
    for (const auto& f : req) rec.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    LoopbackServer::HttpHandler h;
    {
      std::lock_guard lock(impl.mu);
      impl.requests.push_back(rec);
      h = impl.http_handler;
    }
    HttpReplySpec spec;
    if (h) spec = h(rec);
    if (spec.hang) {  // keep the connection open, never answer
      impl.hung.push_back(this->shared_from_this());
      return;
    }
    res = {};
    res.version(11);
    res.result(static_cast<http::status>(spec.status));
    res.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : spec.headers) res.set(k, v);
    res.body() = spec.body;
    res.keep_alive(!spec.close);
    res.prepare_payload();
    const bool end = spec.close || spec.drop_after;
    http::async_write(stream, res, [self = this->shared_from_this(), end](error_code ec, size_t) {
      if (ec) return;
      if (end) {
        self->drop();
        ++self->impl.http_drops;
        return;
      }
      self->read();
    });
  }
  void drop() override {
    if (moved) return;
    error_code ec;
    beast::get_lowest_layer(stream).socket().close(ec);
  }
  void send(std::string) override {}
  void close(uint16_t) override {}
};

template <class Stream>
void LoopbackServer::Impl::start_session(Stream&& s) {
  const uint64_t id = ++next_conn;
  auto session = std::make_shared<HttpSession<std::decay_t<Stream>>>(*this, std::move(s), id);
  sessions[id] = session;
  session->start();
}

LoopbackServer::LoopbackServer(std::optional<ServerTls> tls) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  if (tls) {
    m.ssl.emplace(asio::ssl::context::tls_server);
    m.ssl->use_certificate_chain(asio::buffer(tls->cert_pem));
    m.ssl->use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
  }
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  m.acceptor.open(ep.protocol());
  m.acceptor.set_option(asio::socket_base::reuse_address(true));
  m.acceptor.bind(ep);
  m.acceptor.listen();
  m.port = m.acceptor.local_endpoint().port();
  m.accept();
  m.thread = std::thread([&m] { m.io.run(); });
}

LoopbackServer::~LoopbackServer() {
  Impl& m = *impl_;
  asio::post(m.io, [&m] {
    error_code ec;
    m.acceptor.close(ec);
    for (auto& [id, w] : m.sessions) {
      if (auto s = w.lock()) s->drop();
    }
    m.hung.clear();
    m.io.stop();
  });
  m.thread.join();
}

uint16_t LoopbackServer::port() const {
  return impl_->port;
}
void LoopbackServer::on_http(HttpHandler h) {
  std::lock_guard lock(impl_->mu);
  impl_->http_handler = std::move(h);
}
void LoopbackServer::on_ws(WsHandler h) {
  std::lock_guard lock(impl_->mu);
  impl_->ws_handler = std::move(h);
}

void LoopbackServer::ws_broadcast(std::string text) {
  asio::post(impl_->io, [m = impl_.get(), text = std::move(text)] {
    for (auto& [id, w] : m->ws_sessions) {
      if (auto s = w.lock()) s->send(text);
    }
  });
}
void LoopbackServer::ws_close_all(uint16_t code) {
  asio::post(impl_->io, [m = impl_.get(), code] {
    for (auto& [id, w] : m->ws_sessions) {
      if (auto s = w.lock()) s->close(code);
    }
  });
}
void LoopbackServer::drop_all() {
  asio::post(impl_->io, [m = impl_.get()] {
    for (auto& [id, w] : m->sessions) {
      if (auto s = w.lock()) s->drop();
    }
  });
}

uint64_t LoopbackServer::tcp_accepts() const {
  return impl_->accepts;
}
uint64_t LoopbackServer::ws_accepts() const {
  return impl_->ws_accepts;
}
uint64_t LoopbackServer::http_drops() const {
  return impl_->http_drops;
}
size_t LoopbackServer::open_ws() const {
  return impl_->open_ws;
}
std::vector<HttpRequestRecord> LoopbackServer::http_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}
std::vector<std::string> LoopbackServer::ws_messages() const {
  std::lock_guard lock(impl_->mu);
  return impl_->messages;
}

namespace {

// The harness itself: a port is bound on loopback and a stop with no client returns.
TEST(LoopbackServer, BindsLoopbackPortAndStops) {
  LoopbackServer s;
  EXPECT_NE(s.port(), 0);
  EXPECT_EQ(s.tcp_accepts(), 0u);
}

}  // namespace
}  // namespace mm::test
