#pragma once
// A small blocking client for the simulator's tests: raw TCP on 127.0.0.1 with every wait bounded
// (SO_RCVTIMEO/SO_SNDTIMEO), HTTP/1.1 requests, and WebSocket frames through the project's own client framing
// (net/ws_frame.h). Plus ServerThread: a SimServer running on its own thread, stopped and joined on scope
// exit.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "net/ws_frame.h"
#include "sim/server/sim_server.h"

namespace mm::simx::test {

class TestClient {
 public:
  TestClient() = default;
  ~TestClient() { close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connect(uint16_t port, int timeout_ms = 3000) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }
  void set_recv_buffer(int bytes) { ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes); }

  bool send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Reads more bytes into the buffer; false on timeout, close or error.
  bool read_more() {
    if (pos_ != 0) {
      in_.erase(0, pos_);
      pos_ = 0;
    }
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = n == 0;
      return false;
    }
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }
  bool eof() const { return eof_; }

  // One whole HTTP response (status line, headers, Content-Length body); "" on timeout or close.
  std::string read_http_response() {
    in_.erase(0, pos_);
    pos_ = 0;
    for (;;) {
      const size_t end = in_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t len = 0;
        const size_t cl = lower(in_.substr(0, end)).find("content-length:");
        if (cl != std::string::npos) len = std::stoul(in_.substr(cl + 15));
        if (in_.size() >= end + 4 + len) {
          std::string r = in_.substr(0, end + 4 + len);
          in_.erase(0, end + 4 + len);
          return r;
        }
      }
      if (!read_more()) return "";
    }
  }
  static std::string body_of(const std::string& response) {
    const size_t end = response.find("\r\n\r\n");
    return end == std::string::npos ? "" : response.substr(end + 4);
  }
  std::string get(std::string_view target) {
    std::string req = "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (!send_raw(req)) return "";
    return read_http_response();
  }

  bool ws_upgrade(std::string_view path) {
    std::string req = "GET " + std::string(path) +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (!send_raw(req)) return false;
    const std::string r = read_http_response();
    // RFC 6455's example key has this accept value.
    return r.rfind("HTTP/1.1 101", 0) == 0 && r.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos;
  }
  // One masked client frame's bytes ("" when it cannot be encoded).
  static std::string client_frame(WsOpcode op, std::string_view payload, bool fin = true) {
    std::string out(payload.size() + kMaxClientHeaderLen, '\0');
    const WsFrameSpan s =
        encode_client_frame(op, fin, payload, 0x12345678u, std::span<char>(out.data(), out.size()));
    return s.ok() ? out.substr(s.offset, s.size) : std::string();
  }
  bool send_frame(WsOpcode op, std::string_view payload, bool fin = true) {
    const std::string f = client_frame(op, payload, fin);
    return !f.empty() && send_raw(f);
  }
  bool send_text(std::string_view text) { return send_frame(WsOpcode::kText, text); }

  struct Message {
    WsOpcode opcode = WsOpcode::kText;
    std::string payload;
    uint16_t close_code = 0;  // kClose
  };
  // The next server frame (pings are answered and skipped); nullopt on timeout or close of the socket.
  std::optional<Message> recv_frame() {
    for (;;) {
      WsFrame f;
      const WsParseResult r = parse_server_frame(std::string_view(in_).substr(pos_), size_t{64} << 20, f);
      if (r.status == WsParseStatus::kFrame) {
        Message m{f.opcode, std::string(f.payload), 0};
        pos_ += f.frame_len;  // consumed bytes are dropped in bulk by read_more, not per frame
        if (m.opcode == WsOpcode::kClose && m.payload.size() >= 2) {
          m.close_code = static_cast<uint16_t>((static_cast<uint8_t>(m.payload[0]) << 8) |
                                               static_cast<uint8_t>(m.payload[1]));
          m.payload.erase(0, 2);
        }
        if (m.opcode == WsOpcode::kPing) {
          send_frame(WsOpcode::kPong, m.payload);
          continue;
        }
        return m;
      }
      if (r.status == WsParseStatus::kError) return std::nullopt;
      if (!read_more()) return std::nullopt;
    }
  }
  // The next text message whose payload contains `needle` (others skipped); nullopt when none comes in time.
  std::optional<std::string> recv_text_with(std::string_view needle, int max_frames = 100000) {
    for (int i = 0; i < max_frames; ++i) {
      auto m = recv_frame();
      if (!m || m->opcode == WsOpcode::kClose) {
        last_close_ = m ? m->close_code : 0;
        close_reason_ = m ? m->payload : "";
        return std::nullopt;
      }
      if (m->opcode == WsOpcode::kText && m->payload.find(needle) != std::string::npos) return m->payload;
    }
    return std::nullopt;
  }
  uint16_t last_close() const { return last_close_; }
  const std::string& close_reason() const { return close_reason_; }

 private:
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  int fd_ = -1;
  std::string in_;
  size_t pos_ = 0;  // bytes of in_ already consumed as WebSocket frames
  bool eof_ = false;
  uint16_t last_close_ = 0;
  std::string close_reason_;
};

// A SimServer on its own thread. start() binds (port 0 by default); the destructor stops and joins.
class ServerThread {
 public:
  ServerThread(SimServerOptions options, const EventData& data, ExchangeHandler* exchange = nullptr)
      : server_(std::move(options), data, exchange) {}
  ~ServerThread() { stop(); }
  std::string start() {
    std::string e = server_.start();
    if (!e.empty()) return e;
    thread_ = std::thread([this] { result_ = server_.run(); });
    return "";
  }
  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return server_.port(); }
  SimServer& server() { return server_; }
  std::thread& thread() { return thread_; }
  const std::string& result() const { return result_; }  // run()'s answer, after stop()

 private:
  SimServer server_;
  std::thread thread_;
  std::string result_;
};

}  // namespace mm::simx::test
