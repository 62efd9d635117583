#pragma once
// A WebSocket client on io_uring for the latency-critical sockets (public book stream, trade WS): the same
// polled shape as WsClient (connect / poll / front / pop / send_text), built from our own parts instead of
// Beast: liburing with two registered buffers (receive, send) and fixed-buffer reads and writes, TLS through
// OpenSSL memory BIOs (the ring moves ciphertext, OpenSSL never touches the socket), and RFC 6455 client
// framing from net/ws_frame.h (masking, WsFrameReader). Plain TCP when the endpoint is ws://.
//
// poll() reaps completions from the ring without a system call when there are none; a system call is made
// only to submit (a read re-armed, a write started). Pings from the server are answered with pongs; a close
// frame is answered and ends the connection.
//
// Memory: the ring, both registered buffers, the TLS scratch and the frame reader's reassembly buffer are
// sized at construction; nothing allocates per message once connected (OpenSSL's memory BIOs keep their
// grown buffers).
//
// Host names are resolved with getaddrinfo inside connect() (blocking): give `connect_address` for the hot
// thread. Threading: one owner thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/endpoint.h"
#include "net/ws_client.h"

namespace mm {

class TlsContext;

struct UringWsConfig {
  Endpoint endpoint;
  const TlsContext* tls = nullptr;  // required when endpoint.tls; must outlive the client
  size_t max_message = 1u << 20;    // largest received message (also the receive buffer size)
  size_t send_buffer_bytes = 256u << 10;
  int64_t connect_timeout_ms = 5000;  // TCP + TLS + upgrade
  unsigned ring_entries = 64;
  uint64_t mask_seed = 0x6d6d2d7772696e67ULL;  // seeds the frame mask keys
  // true: completions run when poll() asks for them (IORING_SETUP_COOP_TASKRUN), the right mode for a thread
  // that polls in a loop; false: io_uring's default, the kernel interrupts the thread to complete a read
  // (kept for the transport benchmark's comparison). Either way the client behaves the same.
  bool cooperative_completions = true;
};

class UringWsClient {
 public:
  // Sets up the ring and registers the buffers. A failure (io_uring unavailable, e.g. disabled by seccomp or
  // kernel.io_uring_disabled) leaves the client unusable: init_error() says why and connect() returns
  // kConfig.
  explicit UringWsClient(UringWsConfig cfg);
  ~UringWsClient();
  UringWsClient(const UringWsClient&) = delete;
  UringWsClient& operator=(const UringWsClient&) = delete;

  const std::string& init_error() const noexcept;

  // As WsClient::connect. Errors: kBusy, kConfig, kResolve, kConnect (socket creation failed).
  [[nodiscard]] WsError connect();
  // Reaps completions, advances the handshakes, parses frames, answers pings; never blocks.
  int poll(int64_t now_ns) noexcept;

  WsState state() const noexcept;
  WsError last_error() const noexcept;
  const std::string& error_detail() const noexcept;

  // As WsClient: the oldest complete text/binary message, valid until pop().
  [[nodiscard]] bool front(std::string_view& text, int64_t& recv_ns) const noexcept;
  void pop() noexcept;

  // Frames, masks (and encrypts) `text` into the send buffer and starts writing it at once.
  // Errors: kNotOpen, kSendQueueFull, kMessageTooLarge.
  [[nodiscard]] WsError send_text(std::string_view text) noexcept;
  // Frames and masks `text` into a scratch buffer as send_text() would, and sends nothing: no state that
  // send_text() reads changes (the masking keys' sequence included). Keeps the framing code warm while the
  // live thread idles (runtime/live_venue.h rehearse()). No-op unless open or when `text` does not fit.
  void rehearse_frame(std::string_view text) noexcept;
  size_t send_queued_bytes() const noexcept;

  void close(uint16_t code = 1000) noexcept;
  void abort() noexcept;

  int64_t last_receive_ns() const noexcept;
  const WsCounters& counters() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mm
