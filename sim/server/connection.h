#pragma once
// One client connection of the simulator's server: HTTP/1.1 keep-alive until a WebSocket upgrade, then
// WebSocket frames. The protocol logic is here, independent of the stream; ConnectionT<Stream> (plain TCP or
// TLS) only moves bytes. Internal to sim/server/.
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility> (fixed in later Boost).
#include <utility>

// GCC 12 reports a false "potential null pointer dereference" inside Asio's scheduler once inlined into our
// code; the warning is silenced for Asio's own lines only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#pragma GCC diagnostic pop

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "net/ws_frame.h"
#include "sim/exchange/exchange_handler.h"
#include "sim/server/http_request.h"
#include "sim/server/public_market.h"

namespace mm::simx {

class ServerCore;  // the server state the connections call back into (sim_server.cpp)

// Memory for one outstanding asynchronous operation of a connection (its read, or its write). Why: Asio 1.74
// caches one handler block per thread, so with a read and a write in flight one of them allocated on every
// operation; with a block per operation and per connection the steady state allocates nothing. A larger or a
// second concurrent request (TLS internals) falls back to the heap.
class HandlerMemory {
 public:
  void* allocate(size_t size) {
    if (!in_use_ && size <= sizeof storage_) {
      in_use_ = true;
      return storage_;
    }
    return ::operator new(size);
  }
  void deallocate(void* p) noexcept {
    if (p == storage_) {
      in_use_ = false;
    } else {
      ::operator delete(p);
    }
  }

 private:
  alignas(std::max_align_t) unsigned char storage_[1024];
  bool in_use_ = false;
};

// Shares ownership of the memory: when Asio destroys a pending operation (shutdown), the handler, and with it
// the last reference to the connection, can go before the memory is given back.
template <class T>
class HandlerAllocator {
 public:
  using value_type = T;
  explicit HandlerAllocator(std::shared_ptr<HandlerMemory> m) noexcept : memory_(std::move(m)) {}
  template <class U>
  HandlerAllocator(const HandlerAllocator<U>& other) noexcept : memory_(other.memory_) {}
  T* allocate(size_t n) { return static_cast<T*>(memory_->allocate(sizeof(T) * n)); }
  void deallocate(T* p, size_t) noexcept { memory_->deallocate(p); }
  template <class U>
  bool operator==(const HandlerAllocator<U>& o) const noexcept {
    return memory_ == o.memory_;
  }
  template <class U>
  bool operator!=(const HandlerAllocator<U>& o) const noexcept {
    return memory_ != o.memory_;
  }

 private:
  template <class>
  friend class HandlerAllocator;
  std::shared_ptr<HandlerMemory> memory_;
};

// A completion handler that carries its connection's HandlerMemory as its associated allocator.
template <class F>
class AllocatingHandler {
 public:
  using allocator_type = HandlerAllocator<F>;
  AllocatingHandler(const std::shared_ptr<HandlerMemory>& m, F f) : memory_(m), f_(std::move(f)) {}
  allocator_type get_allocator() const noexcept { return allocator_type(memory_); }
  template <class... A>
  void operator()(A&&... args) {
    f_(std::forward<A>(args)...);
  }

 private:
  std::shared_ptr<HandlerMemory> memory_;
  F f_;
};

enum class WsRole : uint8_t { kNone, kPublic, kPrivate, kTrade };

class Connection : public PublicClient, public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerCore& core, ConnId id, std::string peer_ip);
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual void start() = 0;  // TLS handshake (if any), then reading

  // PublicClient
  void send_public(std::string_view text, PublicFrameKind kind) override;
  std::string_view conn_id_text() const override { return conn_id_text_; }

  // Output. Each returns false when the connection is gone or was just dropped for exceeding its write cap.
  bool queue_text(std::string_view text, bool is_answer);
  bool queue_http(int status, std::string_view body,
                  std::span<const std::pair<std::string, std::string>> headers, bool keep_alive);
  // Close frame then close (WebSocket); a plain close after pending output (HTTP).
  void close_gracefully(uint16_t code, std::string_view reason);
  // Closes the socket now (reset: RST instead of FIN) and tells the market / exchange.
  void drop(bool reset);
  // Starts a write of everything pending unless one is in flight or output is held.
  void flush();
  // Stall fault: no bytes leave before mono_ns.
  void hold_until(int64_t mono_ns) noexcept;

  [[nodiscard]] ConnId id() const noexcept { return id_; }
  [[nodiscard]] WsRole role() const noexcept { return role_; }
  [[nodiscard]] std::string_view path() const noexcept { return path_; }
  [[nodiscard]] bool alive() const noexcept { return state_ != State::kDead; }
  [[nodiscard]] bool closing() const noexcept { return state_ == State::kClosing; }
  [[nodiscard]] int64_t close_deadline() const noexcept { return close_deadline_; }
  [[nodiscard]] int64_t held_until() const noexcept { return hold_until_; }
  [[nodiscard]] size_t queued_bytes() const noexcept { return pending_.size() + inflight_.size(); }
  [[nodiscard]] int64_t opened_mono() const noexcept { return opened_mono_; }

 protected:
  enum class State : uint8_t { kHttp, kWebSocket, kClosing, kDead };

  virtual void start_read() = 0;
  virtual void start_write() = 0;  // writes inflight_ entirely, then calls on_write_done
  virtual void close_socket(bool reset) = 0;

  // Called by ConnectionT.
  void on_read(const boost::system::error_code& ec, size_t n);
  void on_write_done(const boost::system::error_code& ec);
  [[nodiscard]] bool reading() const noexcept {
    return state_ == State::kHttp || state_ == State::kWebSocket;
  }
  // Free space at the end of the read buffer (grown on demand by process_input).
  [[nodiscard]] char* read_ptr() noexcept { return in_.data() + in_len_; }
  [[nodiscard]] size_t read_room() const noexcept { return in_.size() - in_len_; }

  ServerCore& core_;
  std::string inflight_;

 private:
  void process_input();
  // Each returns the bytes consumed (0: need more); sets state_ on errors.
  size_t process_http(std::span<char> in);  // writable: a chunked body is decoded in place
  size_t process_ws(char* data, size_t len);
  void handle_request(const HttpRequest& req);
  void upgrade(const HttpRequest& req);
  void handle_message(std::string_view text);
  void fail_ws(uint16_t code, std::string_view reason, bool too_large);
  void fail_http(int status, std::string_view reason, bool too_large);
  bool queue_frame(WsOpcode op, std::string_view payload, bool book);
  bool reserve_out(size_t n);
  bool grow_input(size_t need);

  ConnId id_;
  std::string peer_ip_;
  std::string conn_id_text_;
  State state_ = State::kHttp;
  WsRole role_ = WsRole::kNone;
  Category category_ = Category::kLinear;
  std::string path_;
  std::vector<char> in_;
  size_t in_len_ = 0;
  int64_t read_mono_ = 0;  // when the bytes being processed were read
  std::string pending_;
  bool writing_ = false;
  bool pending_book_ = false;
  bool inflight_book_ = false;
  bool close_after_flush_ = false;
  int64_t close_deadline_ = 0;
  int64_t hold_until_ = 0;
  int64_t opened_mono_ = 0;
  std::string message_;  // reassembly of a fragmented WebSocket message
  bool in_message_ = false;
  bool dirty_ = false;
};

template <class Stream>
class ConnectionT final : public Connection {
 public:
  template <class... A>
  ConnectionT(ServerCore& core, ConnId id, std::string peer_ip, A&&... stream_args)
      : Connection(core, id, std::move(peer_ip)), stream_(std::forward<A>(stream_args)...) {}

  void start() override {
    if constexpr (std::is_same_v<Stream, boost::asio::ssl::stream<boost::asio::ip::tcp::socket>>) {
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              [self = shared_from_this()](const boost::system::error_code& ec) {
                                auto& me = static_cast<ConnectionT&>(*self);
                                if (ec) {
                                  me.drop(false);  // a client that does not trust the certificate ends here
                                  return;
                                }
                                me.start_read();
                              });
    } else {
      start_read();
    }
  }

 private:
  void start_read() override {
    if (!reading()) return;
    stream_.async_read_some(
        boost::asio::buffer(read_ptr(), read_room()),
        AllocatingHandler(read_memory_,
                          [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                            static_cast<ConnectionT&>(*self).on_read(ec, n);
                          }));
  }
  void start_write() override {
    size_t done = 0;
    if constexpr (std::is_same_v<Stream, boost::asio::ip::tcp::socket>) {
      // Plain TCP: one non-blocking send first. It nearly always takes everything (the answer leaves now,
      // with no completion handler and loop pass after it); what a full socket buffer leaves over goes
      // through async_write.
      boost::system::error_code ec;
      if (!stream_.non_blocking()) stream_.non_blocking(true, ec);
      if (!ec) done = stream_.write_some(boost::asio::buffer(inflight_), ec);
      if (ec && ec != boost::asio::error::would_block) {
        on_write_done(ec);
        return;
      }
      if (done == inflight_.size()) {
        on_write_done(ec);
        return;
      }
    }
    boost::asio::async_write(
        stream_, boost::asio::buffer(inflight_.data() + done, inflight_.size() - done),
        AllocatingHandler(write_memory_,
                          [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                            static_cast<ConnectionT&>(*self).on_write_done(ec);
                          }));
  }
  void close_socket(bool reset) override {
    boost::system::error_code ec;
    auto& sock = stream_.lowest_layer();
    if (reset) sock.set_option(boost::asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
  }

  Stream stream_;
  std::shared_ptr<HandlerMemory> read_memory_ = std::make_shared<HandlerMemory>();
  std::shared_ptr<HandlerMemory> write_memory_ = std::make_shared<HandlerMemory>();
};

}  // namespace mm::simx
