#include "net/ws_client.h"
#include "net/detail/asio_net.h"  // first: see its note on -Wnull-dereference

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <optional>
#include <random>

#include "net/detail/handler_arena.h"
#include "net/detail/send_queue.h"
#include "net/tls_context.h"
#include "net/uring_ws_client.h"

namespace mm {

std::string_view to_string(WsState s) noexcept {
  switch (s) {
    case WsState::kIdle:
      return "idle";
    case WsState::kConnecting:
      return "connecting";
    case WsState::kOpen:
      return "open";
    case WsState::kClosing:
      return "closing";
    case WsState::kClosed:
      return "closed";
  }
  return "?";
}

std::string_view to_string(WsError e) noexcept {
  switch (e) {
    case WsError::kOk:
      return "ok";
    case WsError::kBusy:
      return "busy";
    case WsError::kNotOpen:
      return "not_open";
    case WsError::kConfig:
      return "config";
    case WsError::kResolve:
      return "resolve";
    case WsError::kConnect:
      return "connect";
    case WsError::kTls:
      return "tls";
    case WsError::kHandshake:
      return "handshake";
    case WsError::kTimeout:
      return "timeout";
    case WsError::kRead:
      return "read";
    case WsError::kWrite:
      return "write";
    case WsError::kClosedByPeer:
      return "closed_by_peer";
    case WsError::kMessageTooLarge:
      return "message_too_large";
    case WsError::kSendQueueFull:
      return "send_queue_full";
  }
  return "?";
}

namespace {
using namespace detail;
namespace ws = beast::websocket;
// The streams run on the io_context's own executor type, not Beast's default any_io_executor: asio honours a
// handler's associated allocator (ArenaHandler's arena) only on an executor that takes the allocator
// property. On any_io_executor every completion Beast posts, and every completion of an operation started
// outside io_context::poll (a read armed by pop(), a write by send_text()), took a heap block from
// operator new: about 700 a second on the pipeline's network thread while quoting (LiveHotPath tests).
using TcpStream = beast::basic_stream<tcp, asio::io_context::executor_type>;
using PlainWs = ws::stream<TcpStream>;
using TlsWs = ws::stream<beast::ssl_stream<TcpStream>>;
}  // namespace

struct WsClient::Impl {
  explicit Impl(WsClientConfig c) : cfg(std::move(c)), sendq(cfg.send_queue_bytes) {
    // The receive buffer is sized once: a message larger than max_message fails the connection.
    rbuf.reserve(cfg.max_message);
  }
  ~Impl() {
    // Streams go before the io_context so their pending operations are destroyed, never run.
    plain.reset();
    secure.reset();
  }

  WsClientConfig cfg;
  asio::io_context io{1};
  asio::steady_timer deadline{io};
  std::optional<tcp::resolver> resolver;
  std::optional<asio::ssl::context> ssl;
  std::unique_ptr<PlainWs> plain;
  std::unique_ptr<TlsWs> secure;
  beast::flat_buffer rbuf{};
  detail::SendQueue sendq;
  detail::HandlerArena arena;  // the memory of read and write operations once open

  WsState state = WsState::kIdle;
  WsError error = WsError::kOk;
  std::string detail;
  uint64_t generation = 0;  // handlers of an earlier connection see a different value and do nothing
  bool reading = false;
  bool writing = false;
  bool close_pending = false;
  uint16_t close_code = 1000;
  bool has_msg = false;
  int64_t msg_ns = 0;
  int64_t now_ns = 0;
  int64_t last_rx_ns = 0;
  WsCounters counters;

  template <class F>
  void with_stream(F&& f) {
    if (secure) {
      f(*secure);
    } else if (plain) {
      f(*plain);
    }
  }

  void close_socket() noexcept {
    error_code ec;
    with_stream([&](auto& s) { beast::get_lowest_layer(s).socket().close(ec); });
    deadline.cancel();
  }

  void fail(WsError e, std::string why) {
    if (state == WsState::kClosed) return;
    state = WsState::kClosed;
    error = e;
    detail = std::move(why);
    close_socket();
    sendq.clear();
  }

  void finish_clean() {
    if (state == WsState::kClosed) return;
    state = WsState::kClosed;
    close_socket();
    sendq.clear();
  }

  WsError connect() {
    if (state == WsState::kConnecting || state == WsState::kOpen || state == WsState::kClosing) {
      return WsError::kBusy;
    }
    const Endpoint& ep = cfg.endpoint;
    if (ep.host.empty() || (ep.tls && cfg.tls == nullptr)) return WsError::kConfig;
    tcp::endpoint literal;
    error_code ec;
    const bool is_literal = literal_endpoint(ep, literal, ec);
    if (ec) {
      detail = "connect_address '" + ep.connect_address + "' is not an IP address";
      return WsError::kResolve;
    }
    ++generation;
    plain.reset();
    secure.reset();
    if (ep.tls) {
      if (!ssl) ssl.emplace(share_ssl_context(*cfg.tls));
      secure = std::make_unique<TlsWs>(io, *ssl);
    } else {
      plain = std::make_unique<PlainWs>(io);
    }
    rbuf.clear();
    has_msg = reading = writing = close_pending = false;
    sendq.clear();
    state = WsState::kConnecting;
    error = WsError::kOk;
    detail.clear();
    arm_deadline(cfg.connect_timeout_ms);
    const uint64_t gen = generation;
    if (is_literal) {
      start_tcp(std::array<tcp::endpoint, 1>{literal});
    } else {
      if (!resolver) resolver.emplace(io);
      resolver->async_resolve(ep.host, std::to_string(ep.port),
                              [this, gen](error_code rec, const tcp::resolver::results_type& r) {
                                if (gen != generation) return;
                                if (rec)
                                  return fail(WsError::kResolve,
                                              "resolve " + cfg.endpoint.host + ": " + rec.message());
                                start_tcp(r);
                              });
    }
    return WsError::kOk;
  }

  void arm_deadline(int64_t ms) {
    const uint64_t gen = generation;
    deadline.expires_after(std::chrono::milliseconds(ms));
    deadline.async_wait([this, gen](error_code ec) {
      if (ec || gen != generation) return;
      if (state == WsState::kConnecting) {
        fail(WsError::kTimeout, "connect to " + cfg.endpoint.host + " timed out after " +
                                    std::to_string(cfg.connect_timeout_ms) + " ms");
      } else if (state == WsState::kClosing) {
        finish_clean();  // the peer never answered our close: give up on it
      }
    });
  }

  template <class Endpoints>
  void start_tcp(const Endpoints& eps) {
    const uint64_t gen = generation;
    with_stream([&](auto& s) {
      beast::get_lowest_layer(s).async_connect(eps, [this, gen](error_code ec, const tcp::endpoint&) {
        if (gen != generation) return;
        if (ec)
          return fail(WsError::kConnect, "connect " + cfg.endpoint.host + ":" +
                                             std::to_string(cfg.endpoint.port) + ": " + ec.message());
        error_code nd;
        with_stream(
            [&](auto& st) { beast::get_lowest_layer(st).socket().set_option(tcp::no_delay(true), nd); });
        if (secure) return start_tls();
        start_upgrade();
      });
    });
  }

  void start_tls() {
    SSL* native = secure->next_layer().native_handle();
    if (prepare_client_ssl(native, cfg.endpoint.host) != TlsError::kOk) {
      return fail(WsError::kTls, "TLS: host name '" + cfg.endpoint.host + "' refused by OpenSSL");
    }
    const uint64_t gen = generation;
    secure->next_layer().async_handshake(asio::ssl::stream_base::client, [this, gen](error_code ec) {
      if (gen != generation) return;
      if (ec) {
        return fail(WsError::kTls,
                    "TLS handshake with " + cfg.endpoint.host + ": " +
                        describe_tls_failure(secure->next_layer().native_handle(), ec.message()));
      }
      start_upgrade();
    });
  }

  void start_upgrade() {
    const uint64_t gen = generation;
    with_stream([&](auto& s) {
      // The deadline timer bounds the upgrade; Beast's own timers stay off (tcp_stream expiry never, no idle
      // pings: Bybit wants application pings, which the clients send).
      beast::get_lowest_layer(s).expires_never();
      s.set_option(ws::stream_base::timeout{ws::stream_base::none(), ws::stream_base::none(), false});
      s.read_message_max(cfg.max_message);
      s.auto_fragment(false);
      s.control_callback([this](ws::frame_type kind, beast::string_view) {
        last_rx_ns = now_ns;
        if (kind == ws::frame_type::ping) ++counters.pings_in;
        if (kind == ws::frame_type::pong) ++counters.pongs_in;
      });
      s.async_handshake(host_header(cfg.endpoint), cfg.endpoint.target, [this, gen](error_code ec) {
        if (gen != generation) return;
        if (ec)
          return fail(WsError::kHandshake,
                      "WebSocket upgrade of " + cfg.endpoint.target + ": " + ec.message());
        deadline.cancel();
        state = WsState::kOpen;
        ++counters.connects;
        with_stream([](auto& st) { st.text(true); });
        arm_read();
        arm_write();
      });
    });
  }

  void arm_read() {
    if (reading || has_msg || (state != WsState::kOpen && state != WsState::kClosing)) return;
    reading = true;
    const uint64_t gen = generation;
    with_stream([&](auto& s) {
      s.async_read(rbuf, in_arena(arena, [this, gen](error_code ec, size_t) { on_read(gen, ec); }));
    });
  }

  void on_read(uint64_t gen, error_code ec) {
    if (gen != generation) return;
    reading = false;
    if (ec) {
      if (state == WsState::kClosing) return finish_clean();
      if (ec == ws::error::closed) {
        std::string why = "peer closed the WebSocket";
        with_stream([&](auto& s) { why += " (code " + std::to_string(s.reason().code) + ")"; });
        return fail(WsError::kClosedByPeer, std::move(why));
      }
      if (ec == ws::error::message_too_big) {
        return fail(WsError::kMessageTooLarge, "a received message is above max_message");
      }
      if (ec == asio::error::eof || ec == asio::error::connection_reset ||
          ec == beast::http::error::end_of_stream) {
        return fail(WsError::kClosedByPeer, "peer closed the TCP connection: " + ec.message());
      }
      return fail(WsError::kRead, "read: " + ec.message());
    }
    has_msg = true;
    msg_ns = now_ns;
    last_rx_ns = now_ns;
    ++counters.messages_in;
  }

  WsError send_text(std::string_view text) noexcept {
    if (state != WsState::kOpen) return WsError::kNotOpen;
    if (text.size() > sendq.max_message()) return WsError::kMessageTooLarge;
    if (!sendq.push(text)) return WsError::kSendQueueFull;
    arm_write();
    return WsError::kOk;
  }

  void arm_write() {
    if (writing || sendq.empty() || state != WsState::kOpen) return;
    writing = true;
    const std::string_view m = sendq.front();
    const uint64_t gen = generation;
    with_stream([&](auto& s) {
      s.async_write(asio::buffer(m.data(), m.size()), in_arena(arena, [this, gen](error_code ec, size_t) {
                      if (gen != generation) return;
                      writing = false;
                      if (ec) return fail(WsError::kWrite, "write: " + ec.message());
                      sendq.pop();
                      ++counters.messages_out;
                      if (close_pending) return start_close();
                      arm_write();
                    }));
    });
  }

  void close(uint16_t code) {
    if (state != WsState::kOpen) return;
    state = WsState::kClosing;
    close_code = code;
    arm_deadline(cfg.connect_timeout_ms);
    if (writing) {
      close_pending = true;  // Beast allows one write at a time; the close frame follows the write in flight
      return;
    }
    start_close();
  }

  void start_close() {
    close_pending = false;
    sendq.clear();
    const uint64_t gen = generation;
    with_stream([&](auto& s) {
      s.async_close(ws::close_reason(close_code), [this, gen](error_code) {
        if (gen != generation) return;
        finish_clean();
      });
    });
  }

  void abort() {
    if (state == WsState::kIdle || state == WsState::kClosed) return;
    ++generation;
    finish_clean();
  }
};

namespace {
UringWsConfig uring_config(const WsClientConfig& c) {
  UringWsConfig u;
  u.endpoint = c.endpoint;
  u.tls = c.tls;
  u.max_message = c.max_message;
  u.send_buffer_bytes = c.send_queue_bytes;
  u.connect_timeout_ms = c.connect_timeout_ms;
  // RFC 6455 wants unpredictable mask keys; one seed per client from the OS (cold: construction only).
  std::random_device rd;
  u.mask_seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return u;
}
}  // namespace

WsClient::WsClient(WsClientConfig cfg) : cfg_(cfg) {
  if (cfg.transport == WsTransport::kUring) {
    auto u = std::make_unique<UringWsClient>(uring_config(cfg));
    if (u->init_error().empty()) {
      uring_ = std::move(u);
      return;
    }
    fallback_ = u->init_error();
  }
  cfg_.transport = WsTransport::kBeast;
  impl_ = std::make_unique<Impl>(std::move(cfg));
}
WsClient::~WsClient() = default;

WsError WsClient::connect() {
  if (uring_) return uring_->connect();
  return impl_->connect();
}

int WsClient::poll(int64_t now_ns) noexcept {
  if (uring_) return uring_->poll(now_ns);
  Impl& m = *impl_;
  m.now_ns = now_ns;
  if (m.io.stopped()) m.io.restart();
  const size_t n = m.io.poll();
  return static_cast<int>(n);
}

WsState WsClient::state() const noexcept {
  if (uring_) return uring_->state();
  return impl_->state;
}
WsError WsClient::last_error() const noexcept {
  if (uring_) return uring_->last_error();
  return impl_->error;
}
const std::string& WsClient::error_detail() const noexcept {
  if (uring_) return uring_->error_detail();
  return impl_->detail;
}

bool WsClient::front(std::string_view& text, int64_t& recv_ns) const noexcept {
  if (uring_) return uring_->front(text, recv_ns);
  const Impl& m = *impl_;
  if (!m.has_msg) return false;
  const auto d = m.rbuf.cdata();
  text = {static_cast<const char*>(d.data()), d.size()};
  recv_ns = m.msg_ns;
  return true;
}

void WsClient::pop() noexcept {
  if (uring_) return uring_->pop();
  Impl& m = *impl_;
  if (!m.has_msg) return;
  m.has_msg = false;
  m.rbuf.consume(m.rbuf.size());
  m.arm_read();
}

WsError WsClient::send_text(std::string_view text) noexcept {
  if (uring_) return uring_->send_text(text);
  return impl_->send_text(text);
}

void WsClient::rehearse_frame(std::string_view text) noexcept {
  if (uring_) uring_->rehearse_frame(text);
}
size_t WsClient::send_queued_bytes() const noexcept {
  if (uring_) return uring_->send_queued_bytes();
  return impl_->sendq.bytes();
}
void WsClient::close(uint16_t code) noexcept {
  if (uring_) return uring_->close(code);
  impl_->close(code);
}
void WsClient::abort() noexcept {
  if (uring_) return uring_->abort();
  impl_->abort();
}
int64_t WsClient::last_receive_ns() const noexcept {
  if (uring_) return uring_->last_receive_ns();
  return impl_->last_rx_ns;
}
const WsCounters& WsClient::counters() const noexcept {
  if (uring_) return uring_->counters();
  return impl_->counters;
}
const WsClientConfig& WsClient::config() const noexcept {
  return cfg_;
}
WsTransport WsClient::transport() const noexcept {
  return cfg_.transport;
}
const std::string& WsClient::transport_fallback() const noexcept {
  return fallback_;
}

}  // namespace mm
