#pragma once
// A WebSocket client on Boost.Beast (plain TCP or TLS through OpenSSL) that a hot thread polls: connect(),
// then poll() from the owner's loop; poll() runs whatever socket work is ready and never blocks. Received
// text messages wait in the client until the owner takes them (front()/pop()), so nothing is copied and a
// slow consumer back-pressures the socket instead of growing a queue.
//
// Why Beast's asynchronous operations under a private io_context that only poll() runs: the owner keeps one
// thread and one loop (DESIGN.md section 3, stages with do_work()), the socket stays non-blocking, and every
// error arrives as an error_code (no exception is thrown on this path).
//
// Memory: the receive buffer (max_message) and the send queue (send_queue_bytes) are allocated by the
// constructor; once connected, receiving and sending allocate nothing (tests/net/ws_client_test.cpp counts).
// A reconnect rebuilds the stream objects (cold).
//
// Threading: one thread owns the client (all calls from it). Name resolution of a host that is not an IP
// literal uses asio's resolver thread; give `connect_address` to avoid it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/endpoint.h"
#include "net/ws_transport.h"

namespace mm {

class TlsContext;
class UringWsClient;

enum class WsState : uint8_t {
  kIdle = 0,    // never connected
  kConnecting,  // resolve, TCP connect, TLS handshake, WebSocket upgrade in progress
  kOpen,        // upgraded: messages flow
  kClosing,     // close() sent our close frame; waiting for the peer's
  kClosed,      // ended (see last_error(): kOk after a clean close)
};
std::string_view to_string(WsState s) noexcept;

enum class WsError : uint8_t {
  kOk = 0,
  kBusy,             // connect() while connecting, open or closing
  kNotOpen,          // send_text() while not open
  kConfig,           // endpoint.tls without a TlsContext, or an empty host
  kResolve,          // the host name did not resolve (or connect_address is not an IP literal)
  kConnect,          // TCP connect failed (refused, unreachable)
  kTls,              // TLS set-up or handshake failed (error_detail() says why, e.g. the certificate)
  kHandshake,        // the HTTP upgrade was refused or malformed
  kTimeout,          // connect + handshakes took longer than connect_timeout_ms
  kRead,             // the connection failed while reading (reset, protocol error)
  kWrite,            // the connection failed while writing
  kClosedByPeer,     // the peer sent a close frame or closed the TCP connection
  kMessageTooLarge,  // a received message is above max_message (the connection is failed), or a message to
                     // send does not fit the send queue even when empty
  kSendQueueFull,    // the send queue has no room now (nothing queued; try after the queue drains)
};
std::string_view to_string(WsError e) noexcept;

struct WsClientConfig {
  Endpoint endpoint;                     // ws:// or wss:// (tls) host, port and target (path + query)
  const TlsContext* tls = nullptr;       // required when endpoint.tls; must outlive the client
  size_t max_message = 1u << 20;         // largest message received (a 1000-level book snapshot is ~60 KB)
  size_t send_queue_bytes = 256u << 10;  // queued outgoing text (each message costs its size + 4)
  int64_t connect_timeout_ms = 5000;     // resolve + connect + TLS + upgrade
  WsTransport transport = WsTransport::kBeast;
};

struct WsCounters {
  uint64_t connects = 0;  // connections that reached kOpen
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;  // messages fully written
  uint64_t pings_in = 0;      // protocol pings (answered by the client itself)
  uint64_t pongs_in = 0;
};

class WsClient {
 public:
  // Allocates the buffers. Preconditions: max_message >= 125, send_queue_bytes >= 64.
  explicit WsClient(WsClientConfig cfg);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Starts connecting (returns at once; poll() progresses it). Allowed in kIdle and kClosed; a pending
  // received message and queued sends of the previous connection are dropped. Errors: kBusy, kConfig,
  // kResolve (connect_address not an IP literal) — the state is unchanged on error.
  [[nodiscard]] WsError connect();

  // Runs the ready socket work without blocking; `now_ns` (the owner's clock) stamps what arrives.
  // Returns the number of completions run (0: nothing was ready).
  int poll(int64_t now_ns) noexcept;

  WsState state() const noexcept;
  // Why the last connection ended or failed (kOk while it is fine or after a clean close).
  WsError last_error() const noexcept;
  // Words for last_error() (cold; never contains message payloads).
  const std::string& error_detail() const noexcept;

  // The oldest received message not yet popped. Returns false when there is none. The view stays valid until
  // pop() or the next connect().
  [[nodiscard]] bool front(std::string_view& text, int64_t& recv_ns) const noexcept;
  // Drops the front message and lets the next one be read. No-op when there is none.
  void pop() noexcept;

  // Queues one text message (copied). Errors: kNotOpen, kSendQueueFull, kMessageTooLarge.
  [[nodiscard]] WsError send_text(std::string_view text) noexcept;
  // io_uring transport: frames `text` into a scratch buffer and sends nothing (UringWsClient::rehearse_frame,
  // keeps the framing code warm while idle). Beast frames inside its own write path, which a rehearsal
  // cannot reach without writing: a no-op there.
  void rehearse_frame(std::string_view text) noexcept;
  // Bytes queued but not yet fully written.
  size_t send_queued_bytes() const noexcept;

  // Starts a graceful close (close frame with `code`); kClosed follows when the peer answers (or the
  // timeout hits). No-op unless open.
  void close(uint16_t code = 1000) noexcept;
  // Tears the connection down now (no close frame): state kClosed. No-op when idle or closed.
  void abort() noexcept;

  // When the last frame of any kind (message, ping, pong, close) arrived; 0 before the first.
  int64_t last_receive_ns() const noexcept;
  const WsCounters& counters() const noexcept;
  const WsClientConfig& config() const noexcept;
  // The transport in use: config().transport, or kBeast after a fallback.
  WsTransport transport() const noexcept;
  // Why io_uring was asked for and not used ("" when it is used or was not asked for). Cold.
  const std::string& transport_fallback() const noexcept;

 private:
  struct Impl;
  // Exactly one of the two is set. Why a branch per call instead of a template over the transport: the
  // sessions and stream clients above (ws_session.h, public_ws.h, trade_ws.h) stay one compiled type, and the
  // branch is perfectly predicted (it never changes for a client's life).
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<UringWsClient> uring_;
  WsClientConfig cfg_;
  std::string fallback_;
};

}  // namespace mm
