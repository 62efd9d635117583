#include "net/uring_ws_client.h"

#include <arpa/inet.h>
#include <liburing.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "net/tls_context.h"
#include "net/ws_frame.h"

namespace mm {

namespace {

enum Op : uint64_t { kOpConnect = 1, kOpRead = 2, kOpWrite = 3 };
constexpr uint64_t user_data(uint64_t gen, Op op) {
  return (gen << 8) | op;
}

enum class Phase : uint8_t { kTcp, kTls, kUpgrade, kFrames };

constexpr std::string_view kWsGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool iequal_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if ((line[i] | 0x20) != (name[i] | 0x20)) return false;
  }
  return true;
}

std::string base64(const unsigned char* p, size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

}  // namespace

struct UringWsClient::Impl {
  explicit Impl(UringWsConfig c)
      : cfg(std::move(c)),
        reader(std::max<size_t>(cfg.max_message, 125), std::max<size_t>(cfg.max_message, 125)),
        masks(cfg.mask_seed) {
    rx_cap = cfg.max_message + 16384;  // a whole message plus the next frames' headers
    rx.reset(new char[rx_cap]);
    plain_cap = rx_cap;
    plain.reset(new char[plain_cap]);
    tx_cap = cfg.send_buffer_bytes;
    tx.reset(new char[tx_cap]);
    scratch.reset(new char[tx_cap]);
    // Why COOP_TASKRUN: by default the kernel completes a socket read armed on this ring by interrupting
    // this thread (an IPI that runs the ring's task work), and on a virtual machine that costs ~15 us per
    // received frame (loopback ping-pong, io_uring recv: 21.7 us round trip by default, 6.5 us cooperative,
    // 5.9 us with plain recv()). Cooperatively, the kernel only raises IORING_SQ_TASKRUN (TASKRUN_FLAG) and
    // the work runs when poll() sees the flag and enters the kernel for it: no interrupt, and no system call
    // while nothing arrived. Kernels before 5.19 refuse the flags: the ring is then made without them.
    io_uring_params params{};
    if (cfg.cooperative_completions) params.flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
    int e = io_uring_queue_init_params(cfg.ring_entries, &ring, &params);
    if (e == -EINVAL) e = io_uring_queue_init(cfg.ring_entries, &ring, 0);
    if (e < 0) {
      init_error = std::string("io_uring_queue_init: ") + std::strerror(-e);
      return;
    }
    ring_ok = true;
    const iovec iov[2] = {{rx.get(), rx_cap}, {tx.get(), tx_cap}};
    const int r = io_uring_register_buffers(&ring, iov, 2);
    if (r < 0) {
      init_error = std::string("io_uring_register_buffers: ") + std::strerror(-r);
      return;
    }
    buffers_ok = true;
  }

  ~Impl() {
    teardown();
    drain_stale();
    if (ring_ok) io_uring_queue_exit(&ring);
  }

  UringWsConfig cfg;
  std::string init_error;
  io_uring ring{};
  bool ring_ok = false;
  bool buffers_ok = false;

  // Registered buffer 0: bytes from the socket. For plain TCP it is also where frames are parsed.
  std::unique_ptr<char[]> rx;
  size_t rx_cap = 0;
  // Decrypted bytes (TLS only), where frames are parsed.
  std::unique_ptr<char[]> plain;
  size_t plain_cap = 0;
  // Registered buffer 1: bytes for the socket; [tx_sent, tx_len) waits, the in-flight write covers a prefix.
  std::unique_ptr<char[]> tx;
  size_t tx_cap = 0;
  size_t tx_sent = 0;
  size_t tx_len = 0;
  size_t tx_inflight = 0;           // bytes of the write in flight (0: none)
  std::unique_ptr<char[]> scratch;  // a frame before encryption

  WsFrameReader reader;
  MaskKeySource masks;
  int fd = -1;
  SSL* ssl = nullptr;
  BIO* rbio = nullptr;  // network -> OpenSSL
  BIO* wbio = nullptr;  // OpenSSL -> network
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  uint64_t gen = 0;
  int ops_in_flight = 0;  // SQEs of any generation not yet completed
  bool read_armed = false;
  bool write_queued = false;  // a write SQE waits for the next submit()
  Phase phase = Phase::kTcp;
  WsState state = WsState::kIdle;
  WsError error = WsError::kOk;
  std::string detail;
  std::string ws_key;
  int64_t deadline_ns = 0;
  int64_t now_ns = 0;
  int64_t last_rx_ns = 0;
  // Where frames are parsed: [app_start, app_len) of rx (plain) or plain (TLS).
  size_t app_start = 0;
  size_t app_len = 0;
  bool has_msg = false;
  std::string_view msg;
  size_t msg_consumed = 0;
  int64_t msg_ns = 0;
  bool close_sent = false;
  WsCounters counters;

  char* app() { return ssl != nullptr ? plain.get() : rx.get(); }
  size_t app_cap() const { return ssl != nullptr ? plain_cap : rx_cap; }

  // --- lifecycle -------------------------------------------------------------------------------------------

  void teardown() {
    if (fd >= 0) {
      ::shutdown(fd, SHUT_RDWR);  // completes any read still in the ring
      ::close(fd);
      fd = -1;
    }
    if (ssl != nullptr) {
      SSL_free(ssl);  // frees both BIOs
      ssl = nullptr;
      rbio = wbio = nullptr;
    }
    read_armed = write_queued = false;
    tx_sent = tx_len = tx_inflight = 0;
  }

  // Waits (bounded) for the completions of an earlier connection so none writes into a buffer reused now.
  void drain_stale() {
    if (!ring_ok) return;
    for (int i = 0; i < 200 && ops_in_flight > 0; ++i) {
      submit();
      __kernel_timespec ts{0, 5'000'000};
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe_timeout(&ring, &cqe, &ts) == 0 && cqe != nullptr) {
        --ops_in_flight;
        io_uring_cqe_seen(&ring, cqe);
      }
    }
  }

  void fail(WsError e, std::string why) {
    if (state == WsState::kClosed) return;
    state = WsState::kClosed;
    error = e;
    detail = std::move(why);
    teardown();
  }

  void finish_clean() {
    if (state == WsState::kClosed) return;
    state = WsState::kClosed;
    teardown();
  }

  WsError connect() {
    if (!buffers_ok) {
      detail = init_error;
      return WsError::kConfig;
    }
    if (state == WsState::kConnecting || state == WsState::kOpen || state == WsState::kClosing) {
      return WsError::kBusy;
    }
    const Endpoint& ep = cfg.endpoint;
    if (ep.host.empty() || (ep.tls && cfg.tls == nullptr)) return WsError::kConfig;
    drain_stale();
    const std::string host = ep.connect_address.empty() ? ep.host : ep.connect_address;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    if (!ep.connect_address.empty()) hints.ai_flags = AI_NUMERICHOST;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(ep.port).c_str(), &hints, &res) != 0 || res == nullptr) {
      detail = "resolve " + host + " failed";
      return WsError::kResolve;
    }
    std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
    addr_len = res->ai_addrlen;
    const int family = res->ai_family;
    freeaddrinfo(res);
    fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      detail = std::string("socket: ") + std::strerror(errno);
      return WsError::kConnect;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++gen;
    state = WsState::kConnecting;
    phase = Phase::kTcp;
    error = WsError::kOk;
    detail.clear();
    reader.reset();
    app_start = app_len = 0;
    has_msg = close_sent = false;
    deadline_ns = 0;  // set by the first poll (connect has no clock)
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_connect(sqe, fd, reinterpret_cast<sockaddr*>(&addr), addr_len);
    io_uring_sqe_set_data64(sqe, user_data(gen, kOpConnect));
    ++ops_in_flight;
    submit();
    return WsError::kOk;
  }

  // --- I/O -------------------------------------------------------------------------------------------------

  void submit() {
    write_queued = false;
    io_uring_submit(&ring);
  }

  void arm_read() {
    if (read_armed || fd < 0) return;
    char* base;
    size_t room;
    if (ssl != nullptr) {
      base = rx.get();
      room = rx_cap;
    } else {
      if (app_start == app_len && !has_msg) app_start = app_len = 0;
      if (app_cap() - app_len < 4096 && app_start > 0 && !has_msg) {
        std::memmove(rx.get(), rx.get() + app_start, app_len - app_start);
        app_len -= app_start;
        app_start = 0;
      }
      base = rx.get() + app_len;
      room = rx_cap - app_len;
      if (room == 0) return;  // the message being held fills the buffer: read after pop()
    }
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (sqe == nullptr) return;
    io_uring_prep_read_fixed(sqe, fd, base, static_cast<unsigned>(std::min<size_t>(room, 1u << 30)), 0, 0);
    io_uring_sqe_set_data64(sqe, user_data(gen, kOpRead));
    ++ops_in_flight;
    read_armed = true;
  }

  void kick_write() {
    if (tx_inflight != 0 || tx_sent == tx_len || fd < 0) return;
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (sqe == nullptr) return;
    tx_inflight = tx_len - tx_sent;
    write_queued = true;
    // A send with MSG_NOSIGNAL, not a write: writing to a connection the peer has reset raises SIGPIPE in
    // this thread, which kills a process that does not ignore it (found when the venue dropped the trade
    // WebSocket with requests in flight, FaultMatrix.TradeWsDroppedWithRequestsInFlight); the send fails
    // with EPIPE instead and the connection ends as any other write error.
    io_uring_prep_send(sqe, fd, tx.get() + tx_sent, tx_inflight, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, user_data(gen, kOpWrite));
    ++ops_in_flight;
  }

  // Room at the end of the send buffer, compacting when no write is in flight.
  size_t tx_room() {
    if (tx_sent == tx_len && tx_inflight == 0) tx_sent = tx_len = 0;
    if (tx_inflight == 0 && tx_sent > 0 && tx_cap - tx_len < tx_cap / 4) {
      std::memmove(tx.get(), tx.get() + tx_sent, tx_len - tx_sent);
      tx_len -= tx_sent;
      tx_sent = 0;
    }
    return tx_cap - tx_len;
  }

  // Moves what OpenSSL wrote into the send buffer. False when it does not fit.
  bool drain_wbio() {
    for (;;) {
      const size_t pending = BIO_ctrl_pending(wbio);
      if (pending == 0) return true;
      const size_t room = tx_room();
      if (room < pending) return false;
      const int n = BIO_read(wbio, tx.get() + tx_len, static_cast<int>(room));
      if (n <= 0) return true;
      tx_len += static_cast<size_t>(n);
    }
  }

  // Queues application bytes (plain) or encrypts them (TLS). False when the send buffer is full.
  bool queue_bytes(const char* p, size_t n) {
    if (ssl == nullptr) {
      if (tx_room() < n) return false;
      std::memcpy(tx.get() + tx_len, p, n);
      tx_len += n;
      return true;
    }
    // Encrypted size: payload plus record overhead (at most 16 KiB records, ~30 bytes each).
    if (tx_room() < n + 64 + n / 256) return false;
    if (SSL_write(ssl, p, static_cast<int>(n)) != static_cast<int>(n)) return false;
    return drain_wbio();
  }

  bool send_frame(WsOpcode op, std::string_view payload) {
    const size_t need = client_header_len(payload.size()) + payload.size();
    if (ssl == nullptr) {
      if (tx_room() < need) return false;
      const WsFrameSpan f =
          encode_client_frame(op, true, payload, masks.next(), {tx.get() + tx_len, tx_cap - tx_len});
      if (!f.ok()) return false;
      tx_len += f.size;
      return true;
    }
    const WsFrameSpan f = encode_client_frame(op, true, payload, masks.next(), {scratch.get(), tx_cap});
    return f.ok() && queue_bytes(scratch.get() + f.offset, f.size);
  }

  // --- completions -----------------------------------------------------------------------------------------

  void on_connect(int res) {
    if (res < 0)
      return fail(WsError::kConnect, "connect " + cfg.endpoint.host + ":" +
                                         std::to_string(cfg.endpoint.port) + ": " + std::strerror(-res));
    if (cfg.endpoint.tls) {
      ssl = SSL_new(cfg.tls->native());
      rbio = BIO_new(BIO_s_mem());
      wbio = BIO_new(BIO_s_mem());
      if (ssl == nullptr || rbio == nullptr || wbio == nullptr) {
        BIO_free(rbio);
        BIO_free(wbio);
        rbio = wbio = nullptr;
        return fail(WsError::kTls, "TLS: out of memory");
      }
      SSL_set_bio(ssl, rbio, wbio);
      if (prepare_client_ssl(ssl, cfg.endpoint.host) != TlsError::kOk) {
        return fail(WsError::kTls, "TLS: host name '" + cfg.endpoint.host + "' refused by OpenSSL");
      }
      SSL_set_connect_state(ssl);
      phase = Phase::kTls;
      arm_read();
      return handshake_step();
    }
    phase = Phase::kUpgrade;
    arm_read();
    send_upgrade();
  }

  void handshake_step() {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl);
    if (!drain_wbio()) return fail(WsError::kTls, "TLS: send buffer too small for the handshake");
    kick_write();
    if (r == 1) {
      phase = Phase::kUpgrade;
      send_upgrade();
      return;
    }
    const int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
    fail(WsError::kTls,
         "TLS handshake with " + cfg.endpoint.host + ": " + describe_tls_failure(ssl, "failed"));
  }

  void send_upgrade() {
    unsigned char nonce[16];
    RAND_bytes(nonce, sizeof nonce);
    ws_key = base64(nonce, sizeof nonce);
    std::string host =
        cfg.endpoint.host.find(':') != std::string::npos ? "[" + cfg.endpoint.host + "]" : cfg.endpoint.host;
    if (cfg.endpoint.port != (cfg.endpoint.tls ? 443 : 80)) host += ":" + std::to_string(cfg.endpoint.port);
    const std::string req = "GET " + cfg.endpoint.target + " HTTP/1.1\r\nHost: " + host +
                            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + ws_key +
                            "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (!queue_bytes(req.data(), req.size()))
      return fail(WsError::kHandshake, "send buffer too small for the upgrade");
    kick_write();
  }

  // The server's 101 answer: status and Sec-WebSocket-Accept checked; the bytes after it are frames.
  void check_upgrade() {
    const std::string_view in(app() + app_start, app_len - app_start);
    const size_t end = in.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (in.size() > 16384) fail(WsError::kHandshake, "upgrade answer too long");
      return;
    }
    const std::string_view head = in.substr(0, end + 2);
    if (head.substr(0, 12) != "HTTP/1.1 101") {
      return fail(WsError::kHandshake,
                  "WebSocket upgrade refused: " + std::string(head.substr(0, head.find('\r'))));
    }
    const std::string expect_src = ws_key + std::string(kWsGuid);
    unsigned char sha[20];
    unsigned len = 0;
    EVP_Digest(expect_src.data(), expect_src.size(), sha, &len, EVP_sha1(), nullptr);
    const std::string expect = base64(sha, len);
    bool accepted = false;
    size_t pos = head.find("\r\n") + 2;
    while (pos < head.size()) {
      const size_t eol = head.find("\r\n", pos);
      const std::string_view line = head.substr(pos, eol - pos);
      if (iequal_prefix(line, "sec-websocket-accept:")) {
        std::string_view v = line.substr(21);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
        accepted = v == expect;
      }
      pos = eol + 2;
    }
    if (!accepted) return fail(WsError::kHandshake, "WebSocket upgrade without a valid Sec-WebSocket-Accept");
    app_start += end + 4;
    phase = Phase::kFrames;
    state = WsState::kOpen;
    ++counters.connects;
  }

  void on_read(int res) {
    read_armed = false;
    if (res <= 0) {
      if (state == WsState::kClosing) return finish_clean();
      return fail(res == 0 ? WsError::kClosedByPeer : WsError::kRead,
                  res == 0 ? "peer closed the TCP connection" : std::string("read: ") + std::strerror(-res));
    }
    last_rx_ns = now_ns;
    if (ssl == nullptr) {
      app_len += static_cast<size_t>(res);
    } else {
      BIO_write(rbio, rx.get(), res);
      if (phase == Phase::kTls) {
        handshake_step();
        if (state == WsState::kClosed || phase == Phase::kTls) return arm_read();
      }
      decrypt();
    }
    arm_read();
  }

  void decrypt() {
    for (;;) {
      if (app_start == app_len && !has_msg) app_start = app_len = 0;
      if (plain_cap - app_len < 16384 && app_start > 0 && !has_msg) {
        std::memmove(plain.get(), plain.get() + app_start, app_len - app_start);
        app_len -= app_start;
        app_start = 0;
      }
      if (app_len == plain_cap) return;  // full: the rest waits in the BIO until pop()
      const int n = SSL_read(ssl, plain.get() + app_len, static_cast<int>(plain_cap - app_len));
      if (n > 0) {
        app_len += static_cast<size_t>(n);
        continue;
      }
      const int e = SSL_get_error(ssl, n);
      if (e == SSL_ERROR_WANT_READ) return;
      if (e == SSL_ERROR_ZERO_RETURN) return fail(WsError::kClosedByPeer, "peer closed TLS (close_notify)");
      return fail(WsError::kRead, "TLS read: " + describe_tls_failure(ssl, "failed"));
    }
  }

  void on_write(int res) {
    const size_t done = tx_inflight;
    tx_inflight = 0;
    if (res < 0) return fail(WsError::kWrite, std::string("write: ") + std::strerror(-res));
    tx_sent += static_cast<size_t>(res);
    if (static_cast<size_t>(res) == done && tx_sent == tx_len) ++counters.messages_out;
    kick_write();
  }

  // Frames until a message is exposed or more bytes are needed. Control frames are answered here.
  void parse_frames() {
    while (!has_msg && (state == WsState::kOpen || state == WsState::kClosing)) {
      const std::string_view in(app() + app_start, app_len - app_start);
      const WsEvent ev = reader.next(in);
      switch (ev.kind) {
        case WsEventKind::kNeedMore:
          app_start += ev.consumed;
          return;
        case WsEventKind::kMessage:
          has_msg = true;
          msg = ev.payload;
          msg_consumed = ev.consumed;
          msg_ns = last_rx_ns;
          ++counters.messages_in;
          return;
        case WsEventKind::kPing:
          ++counters.pings_in;
          app_start += ev.consumed;
          if (!send_frame(WsOpcode::kPong, ev.payload))
            return fail(WsError::kSendQueueFull, "no room for a pong");
          kick_write();
          break;
        case WsEventKind::kPong:
          ++counters.pongs_in;
          app_start += ev.consumed;
          break;
        case WsEventKind::kClose: {
          app_start += ev.consumed;
          if (state == WsState::kClosing) return finish_clean();
          // Answer with the same code, then end: the peer closes the TCP connection after its close frame.
          char out[16];
          const WsFrameSpan f =
              encode_close_frame(ev.close_code == 1005 ? 1000 : ev.close_code, "", masks.next(), out);
          if (f.ok() && queue_bytes(out + f.offset, f.size)) kick_write();
          submit();
          return fail(WsError::kClosedByPeer,
                      "peer closed the WebSocket (code " + std::to_string(ev.close_code) + ")");
        }
        case WsEventKind::kError:
          return fail(ev.error == WsParseError::kMessageTooLarge || ev.error == WsParseError::kFrameTooLarge
                          ? WsError::kMessageTooLarge
                          : WsError::kRead,
                      "WebSocket protocol error: " + std::string(to_string(ev.error)));
      }
    }
  }

  int poll(int64_t now) {
    now_ns = now;
    if (!ring_ok) return 0;
    int work = 0;
    if (state == WsState::kConnecting) {
      if (deadline_ns == 0) deadline_ns = now + cfg.connect_timeout_ms * 1'000'000;
      if (now > deadline_ns) {
        fail(WsError::kTimeout, "connect to " + cfg.endpoint.host + " timed out after " +
                                    std::to_string(cfg.connect_timeout_ms) + " ms");
      }
    } else if (state == WsState::kClosing && now > deadline_ns) {
      finish_clean();
    }
    // Completions the kernel holds back until asked (COOP_TASKRUN, see the constructor).
    if ((IO_URING_READ_ONCE(*ring.sq.kflags) & IORING_SQ_TASKRUN) != 0) io_uring_get_events(&ring);
    io_uring_cqe* cqe = nullptr;
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      --ops_in_flight;
      const uint64_t d = io_uring_cqe_get_data64(cqe);
      if ((d >> 8) != gen || state == WsState::kClosed) continue;  // an earlier connection's
      ++work;
      switch (static_cast<Op>(d & 0xff)) {
        case kOpConnect:
          on_connect(cqe->res);
          break;
        case kOpRead:
          on_read(cqe->res);
          break;
        case kOpWrite:
          on_write(cqe->res);
          break;
      }
    }
    if (seen > 0) io_uring_cq_advance(&ring, seen);
    if (state == WsState::kConnecting && phase == Phase::kUpgrade) check_upgrade();
    if (state == WsState::kOpen || state == WsState::kClosing) parse_frames();
    // A message just exposed is handled before the next read is submitted: pop() submits it, so the system
    // call is not on the way from a frame to the quote it causes. Writes (a pong, a send) go now.
    if (io_uring_sq_ready(&ring) > 0 && (!has_msg || write_queued)) submit();
    return work;
  }

  WsError send_text(std::string_view text) {
    if (state != WsState::kOpen) return WsError::kNotOpen;
    if (client_header_len(text.size()) + text.size() + 64 > tx_cap) return WsError::kMessageTooLarge;
    if (!send_frame(WsOpcode::kText, text)) return WsError::kSendQueueFull;
    kick_write();
    submit();
    return WsError::kOk;
  }

  void rehearse_frame(std::string_view text) {
    if (state != WsState::kOpen) return;
    // A fixed key: the sequence of masking keys is the real frames' (RFC 6455 section 5.3), not ours to draw.
    constexpr uint32_t kRehearsalMask = 0x9e3779b9;
    (void)encode_client_frame(WsOpcode::kText, true, text, kRehearsalMask, {scratch.get(), tx_cap});
  }

  void pop() {
    if (!has_msg) return;
    has_msg = false;
    app_start += msg_consumed;
    if (ssl != nullptr) decrypt();  // bytes left in the BIO while the buffer was full
    parse_frames();
    arm_read();
    if (io_uring_sq_ready(&ring) > 0) submit();
  }

  void close(uint16_t code) {
    if (state != WsState::kOpen) return;
    char out[16];
    const WsFrameSpan f = encode_close_frame(code, "", masks.next(), out);
    if (!f.ok() || !queue_bytes(out + f.offset, f.size)) return abort();
    kick_write();
    submit();
    state = WsState::kClosing;
    deadline_ns = now_ns + cfg.connect_timeout_ms * 1'000'000;
  }

  void abort() {
    if (state == WsState::kIdle || state == WsState::kClosed) return;
    finish_clean();
  }
};

UringWsClient::UringWsClient(UringWsConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}
UringWsClient::~UringWsClient() = default;
const std::string& UringWsClient::init_error() const noexcept {
  return impl_->init_error;
}
WsError UringWsClient::connect() {
  return impl_->connect();
}
int UringWsClient::poll(int64_t now_ns) noexcept {
  return impl_->poll(now_ns);
}
WsState UringWsClient::state() const noexcept {
  return impl_->state;
}
WsError UringWsClient::last_error() const noexcept {
  return impl_->error;
}
const std::string& UringWsClient::error_detail() const noexcept {
  return impl_->detail;
}
bool UringWsClient::front(std::string_view& text, int64_t& recv_ns) const noexcept {
  if (!impl_->has_msg) return false;
  text = impl_->msg;
  recv_ns = impl_->msg_ns;
  return true;
}
void UringWsClient::pop() noexcept {
  impl_->pop();
}
WsError UringWsClient::send_text(std::string_view text) noexcept {
  return impl_->send_text(text);
}
void UringWsClient::rehearse_frame(std::string_view text) noexcept {
  impl_->rehearse_frame(text);
}
size_t UringWsClient::send_queued_bytes() const noexcept {
  return impl_->tx_len - impl_->tx_sent;
}
void UringWsClient::close(uint16_t code) noexcept {
  impl_->close(code);
}
void UringWsClient::abort() noexcept {
  impl_->abort();
}
int64_t UringWsClient::last_receive_ns() const noexcept {
  return impl_->last_rx_ns;
}
const WsCounters& UringWsClient::counters() const noexcept {
  return impl_->counters;
}

}  // namespace mm
