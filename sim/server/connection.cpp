#include "sim/server/connection.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "sim/server/json_out.h"
#include "sim/server/server_core.h"
#include "sim/server/ws_server_frame.h"

namespace mm::simx {

namespace {

constexpr size_t kInitialReadBuffer = size_t{16} << 10;

// Sec-WebSocket-Accept: base64(SHA-1(key + the RFC 6455 GUID)).
std::string websocket_accept(std::string_view key) {
  std::string in(key);
  in.append("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

std::string_view status_text(int status) noexcept {
  switch (status) {
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

bool websocket_path(std::string_view path, WsRole& role, Category& category) noexcept {
  if (path == "/v5/private") {
    role = WsRole::kPrivate;
    return true;
  }
  if (path == "/v5/trade") {
    role = WsRole::kTrade;
    return true;
  }
  constexpr std::string_view kPublic = "/v5/public/";
  if (path.substr(0, kPublic.size()) == kPublic && parse_category(path.substr(kPublic.size()), category)) {
    role = WsRole::kPublic;
    return true;
  }
  return false;
}

}  // namespace

Connection::Connection(ServerCore& core, ConnId id, std::string peer_ip)
    : core_(core), id_(id), peer_ip_(std::move(peer_ip)), in_(kInitialReadBuffer) {
  char buf[48];
  // Bybit's conn_id looks like "d8bu1olkndm7crnfs1e0-j6akw": an opaque token; ours stays unique per server.
  const int n =
      std::snprintf(buf, sizeof buf, "mmsim%015llx-%llx", static_cast<unsigned long long>(id) * 2654435761ULL,
                    static_cast<unsigned long long>(id));
  conn_id_text_.assign(buf, static_cast<size_t>(n));
  opened_mono_ = ServerCore::mono_ns();
  pending_.reserve(size_t{64} << 10);
  inflight_.reserve(size_t{64} << 10);
}

// ------------------------------------------------------------------------------------------------------------
// Output.

bool Connection::reserve_out(size_t n) {
  if (state_ == State::kDead) return false;
  if (queued_bytes() + n > core_.options().max_write_queue_bytes) {
    // A client that does not read: drop it before its queue can grow without bound.
    ++core_.stats().closed_slow_reader;
    drop(false);
    return false;
  }
  return true;
}

bool Connection::queue_frame(WsOpcode op, std::string_view payload, bool book) {
  if (!reserve_out(payload.size() + kMaxServerHeaderLen)) return false;
  char header[kMaxServerHeaderLen];
  const size_t h = write_server_header(op, true, payload.size(), header);
  pending_.append(header, h);
  pending_.append(payload);
  pending_book_ = pending_book_ || book;
  if (!dirty_) {
    dirty_ = true;
    core_.mark_dirty(*this);
  }
  return true;
}

void Connection::send_public(std::string_view text, PublicFrameKind kind) {
  if (state_ != State::kWebSocket) return;
  (void)queue_frame(WsOpcode::kText, text, kind != PublicFrameKind::kOther);
}

bool Connection::queue_text(std::string_view text, bool is_answer) {
  if (state_ != State::kWebSocket) return false;
  if (is_answer) {
    const int64_t hold = core_.answer_hold_until();
    if (hold != 0) hold_until(hold);
  }
  return queue_frame(WsOpcode::kText, text, false);
}

bool Connection::queue_http(int status, std::string_view body,
                            std::span<const std::pair<std::string, std::string>> headers, bool keep_alive) {
  if (state_ == State::kDead) return false;
  size_t extra = 0;
  for (const auto& [k, v] : headers) extra += k.size() + v.size() + 4;
  if (!reserve_out(body.size() + extra + 160)) return false;
  const int64_t hold = core_.answer_hold_until();
  if (hold != 0) hold_until(hold);
  char line[160];
  const std::string_view text = status_text(status);
  int n = std::snprintf(line, sizeof line,
                        "HTTP/1.1 %d %.*s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n",
                        status, static_cast<int>(text.size()), text.data(), body.size());
  pending_.append(line, static_cast<size_t>(n));
  for (const auto& [k, v] : headers) {
    pending_.append(k);
    pending_.append(": ");
    pending_.append(v);
    pending_.append("\r\n");
  }
  pending_.append(keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
  pending_.append(body);
  if (!keep_alive) {
    close_after_flush_ = true;
    if (state_ != State::kClosing) {
      state_ = State::kClosing;
      close_deadline_ = ServerCore::mono_ns() + 2'000'000'000;
    }
  }
  if (!dirty_) {
    dirty_ = true;
    core_.mark_dirty(*this);
  }
  return true;
}

void Connection::hold_until(int64_t mono_ns) noexcept {
  if (mono_ns > hold_until_) hold_until_ = mono_ns;
}

void Connection::flush() {
  dirty_ = false;
  if (state_ == State::kDead || writing_) return;
  if (hold_until_ != 0) {
    if (ServerCore::mono_ns() < hold_until_) return;  // the loop's sweep flushes it when the hold ends
    hold_until_ = 0;
  }
  if (pending_.empty()) {
    if (close_after_flush_) drop(false);
    return;
  }
  inflight_.swap(pending_);
  pending_.clear();
  inflight_book_ = pending_book_;
  pending_book_ = false;
  writing_ = true;
  start_write();
}

void Connection::on_write_done(const boost::system::error_code& ec) {
  writing_ = false;
  inflight_.clear();
  if (ec) {
    drop(false);
    return;
  }
  if (inflight_book_) core_.on_book_written(ServerCore::mono_ns());
  inflight_book_ = false;
  if (!pending_.empty() || close_after_flush_) flush();
}

void Connection::close_gracefully(uint16_t code, std::string_view reason) {
  if (state_ == State::kDead || state_ == State::kClosing) return;
  if (state_ == State::kWebSocket) {
    char payload[kMaxControlPayload];
    payload[0] = static_cast<char>(code >> 8);
    payload[1] = static_cast<char>(code & 0xFF);
    const size_t r = std::min(reason.size(), kMaxControlPayload - 2);
    std::memcpy(payload + 2, reason.data(), r);
    // The close frame must go out even when the queue is full: make room by its size only.
    char header[kMaxServerHeaderLen];
    const size_t h = write_server_header(WsOpcode::kClose, true, r + 2, header);
    pending_.append(header, h);
    pending_.append(payload, r + 2);
  }
  state_ = State::kClosing;
  close_after_flush_ = true;
  close_deadline_ = ServerCore::mono_ns() + 2'000'000'000;  // a client that never reads is cut after 2 s
  if (!dirty_) {
    dirty_ = true;
    core_.mark_dirty(*this);
  }
}

void Connection::drop(bool reset) {
  if (state_ == State::kDead) return;
  state_ = State::kDead;
  close_socket(reset);
  core_.on_closed(*this);
}

// ------------------------------------------------------------------------------------------------------------
// Input.

void Connection::on_read(const boost::system::error_code& ec, size_t n) {
  if (ec || n == 0) {
    if (state_ != State::kDead) drop(false);
    return;
  }
  read_mono_ = ServerCore::mono_ns();
  in_len_ += n;
  process_input();
  if (reading()) {
    if (read_room() == 0 && !grow_input(in_.size() + 1)) {
      fail_ws(1009, "message too large", true);
      return;
    }
    start_read();
  }
}

bool Connection::grow_input(size_t need) {
  const size_t cap = std::max(core_.options().max_message_bytes + 16, core_.options().max_head_bytes) +
                     (state_ == State::kHttp ? core_.options().max_message_bytes : 0);
  if (need > cap) return false;
  size_t size = in_.size();
  while (size < need) size *= 2;
  in_.resize(std::min(size, cap));
  return true;
}

void Connection::process_input() {
  size_t pos = 0;
  while (pos < in_len_ && reading()) {
    size_t used = 0;
    if (state_ == State::kHttp) {
      used = process_http(std::span<char>(in_.data() + pos, in_len_ - pos));
    } else {
      used = process_ws(in_.data() + pos, in_len_ - pos);
    }
    if (used == 0) break;
    pos += used;
  }
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_len_ - pos);
    in_len_ -= pos;
  }
}

size_t Connection::process_http(std::span<char> in) {
  HttpRequest req;
  std::string_view why;
  const SimServerOptions& o = core_.options();
  switch (parse_http_request(in, o.max_head_bytes, o.max_message_bytes, req, why)) {
    case HttpParseStatus::kNeedMore:
      if (req.head_len != 0) (void)grow_input(req.wire_len);
      return 0;
    case HttpParseStatus::kBad:
      fail_http(400, why, false);
      return 0;
    case HttpParseStatus::kTooLarge:
      fail_http(req.head_len == 0 ? 431 : 413, why, true);
      return 0;
    case HttpParseStatus::kUnsupported:
      fail_http(501, why, false);
      return 0;
    case HttpParseStatus::kComplete:
      break;
  }
  handle_request(req);
  return req.wire_len;
}

void Connection::fail_http(int status, std::string_view reason, bool too_large) {
  if (too_large) {
    ++core_.stats().closed_too_large;
  } else {
    ++core_.stats().closed_protocol;
  }
  std::string body = "{\"retCode\":10001,\"retMsg\":";
  append_json_string(body, reason);
  body.append("}");
  (void)queue_http(status, body, {}, false);
}

void Connection::handle_request(const HttpRequest& req) {
  if (req.websocket_upgrade()) {
    upgrade(req);
    return;
  }
  core_.on_http(*this, req, peer_ip_, read_mono_);
}

void Connection::upgrade(const HttpRequest& req) {
  WsRole role = WsRole::kNone;
  Category category = Category::kLinear;
  if (!websocket_path(req.path, role, category)) {
    core_.count("ws-upgrade-unknown-path");
    (void)queue_http(404, "{\"retCode\":404,\"retMsg\":\"unknown WebSocket path\"}", {}, false);
    return;
  }
  const std::string_view key = req.header("Sec-WebSocket-Key");
  if (key.empty() || req.header("Sec-WebSocket-Version") != "13") {
    ++core_.stats().closed_protocol;
    (void)queue_http(400, "{\"retCode\":10001,\"retMsg\":\"bad WebSocket handshake\"}", {}, false);
    return;
  }
  const std::string accept = websocket_accept(key);
  pending_.append(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
      "Upgrade\r\nSec-WebSocket-Accept: ");
  pending_.append(accept);
  pending_.append("\r\n\r\n");
  state_ = State::kWebSocket;
  role_ = role;
  category_ = category;
  path_.assign(req.path);
  if (!dirty_) {
    dirty_ = true;
    core_.mark_dirty(*this);
  }
  core_.on_ws_open(*this, role, category, peer_ip_);
}

void Connection::fail_ws(uint16_t code, std::string_view reason, bool too_large) {
  if (too_large) {
    ++core_.stats().closed_too_large;
  } else {
    ++core_.stats().closed_protocol;
  }
  if (state_ == State::kHttp) {
    fail_http(too_large ? 413 : 400, reason, too_large);
    return;
  }
  close_gracefully(code, reason);
}

size_t Connection::process_ws(char* data, size_t len) {
  ClientFrame f;
  ClientFrameError err = ClientFrameError::kNone;
  const size_t max = core_.options().max_message_bytes;
  switch (parse_client_frame(std::string_view(data, len), max, f, err)) {
    case ClientFrameStatus::kNeedMore:
      return 0;
    case ClientFrameStatus::kError:
      fail_ws(err == ClientFrameError::kTooLarge ? 1009 : 1002, to_string(err),
              err == ClientFrameError::kTooLarge);
      return 0;
    case ClientFrameStatus::kFrame:
      break;
  }
  char* payload = data + f.header_len;
  mask_payload(payload, f.payload_len, f.mask_key);
  const std::string_view p(payload, f.payload_len);
  switch (f.opcode) {
    case WsOpcode::kText:
    case WsOpcode::kBinary:
      if (in_message_) {
        fail_ws(1002, "new message inside a fragmented one", false);
        return 0;
      }
      if (f.opcode == WsOpcode::kBinary) {
        fail_ws(1003, "binary messages are not supported", false);
        return 0;
      }
      if (f.fin) {
        handle_message(p);
      } else {
        message_.assign(p);
        in_message_ = true;
      }
      break;
    case WsOpcode::kContinuation:
      if (!in_message_) {
        fail_ws(1002, "continuation without a message", false);
        return 0;
      }
      if (message_.size() + p.size() > max) {
        fail_ws(1009, "message too large", true);
        return 0;
      }
      message_.append(p);
      if (f.fin) {
        in_message_ = false;
        handle_message(message_);
      }
      break;
    case WsOpcode::kPing:
      (void)queue_frame(WsOpcode::kPong, p, false);
      break;
    case WsOpcode::kPong:
      break;
    case WsOpcode::kClose: {
      uint16_t code = 1000;
      if (p.size() >= 2)
        code = static_cast<uint16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
      if (code == 1005 || code == 1006 || code == 1015 || code < 1000) code = 1000;
      close_gracefully(code, "");
      break;
    }
  }
  return f.frame_len();
}

void Connection::handle_message(std::string_view text) {
  ++core_.stats().ws_messages_in;
  core_.on_ws_text(*this, text, read_mono_);
}

}  // namespace mm::simx
