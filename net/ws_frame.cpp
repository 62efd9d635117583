#include "net/ws_frame.h"

#include <cstring>

namespace mm {

std::string_view to_string(WsFrameError e) noexcept {
  switch (e) {
    case WsFrameError::kOk:
      return "ok";
    case WsFrameError::kBufferTooSmall:
      return "buffer_too_small";
    case WsFrameError::kControlTooLong:
      return "control_too_long";
  }
  return "unknown";
}

std::string_view to_string(WsParseError e) noexcept {
  switch (e) {
    case WsParseError::kNone:
      return "none";
    case WsParseError::kReservedBits:
      return "reserved_bits";
    case WsParseError::kBadOpcode:
      return "bad_opcode";
    case WsParseError::kMaskedFrame:
      return "masked_frame";
    case WsParseError::kFrameTooLarge:
      return "frame_too_large";
    case WsParseError::kMessageTooLarge:
      return "message_too_large";
    case WsParseError::kControlTooLong:
      return "control_too_long";
    case WsParseError::kControlFragmented:
      return "control_fragmented";
    case WsParseError::kUnexpectedContinuation:
      return "unexpected_continuation";
    case WsParseError::kExpectedContinuation:
      return "expected_continuation";
    case WsParseError::kNonMinimalLength:
      return "non_minimal_length";
    case WsParseError::kLengthHighBit:
      return "length_high_bit";
    case WsParseError::kBadClosePayload:
      return "bad_close_payload";
  }
  return "unknown";
}

void mask_payload(char* data, size_t n, uint32_t mask_key) noexcept {
  // Eight key bytes in wire order; every 8-byte chunk starts at a multiple of 4 so the phase never shifts.
  uint64_t m8;
  std::memcpy(&m8, &mask_key, 4);
  std::memcpy(reinterpret_cast<char*>(&m8) + 4, &mask_key, 4);
  size_t i = 0;
  // 32 bytes per step as two 16-byte vectors. Why not a uint64_t[4] temporary: with -march=x86-64-v3
  // (valgrind builds, AVX2 hosts) GCC 12 lowered it through the stack, a store and an overlapping reload per
  // step; 16-byte vector types compile to load-xor-store on SSE, AVX2 and AVX-512 alike.
  using U64x2 = uint64_t __attribute__((vector_size(16)));
  const U64x2 m16 = {m8, m8};
  for (; i + 32 <= n; i += 32) {
    U64x2 a, b;
    std::memcpy(&a, data + i, 16);
    std::memcpy(&b, data + i + 16, 16);
    a ^= m16;
    b ^= m16;
    std::memcpy(data + i, &a, 16);
    std::memcpy(data + i + 16, &b, 16);
  }
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, data + i, 8);
    w ^= m8;
    std::memcpy(data + i, &w, 8);
  }
  // The last 0..7 bytes in at most three steps (4, 2, 1 bytes) instead of up to seven byte steps. i is a
  // multiple of 8 here and the key repeats every 4 bytes, so the 4- and 2-byte steps start at key byte 0.
  const auto* kb = reinterpret_cast<const unsigned char*>(&m8);
  size_t phase = 0;
  if (n - i >= 4) {
    uint32_t w, k;
    std::memcpy(&w, data + i, 4);
    std::memcpy(&k, kb, 4);
    w ^= k;
    std::memcpy(data + i, &w, 4);
    i += 4;
  }
  if (n - i >= 2) {
    uint16_t w, k;
    std::memcpy(&w, data + i, 2);
    std::memcpy(&k, kb, 2);
    w = static_cast<uint16_t>(w ^ k);
    std::memcpy(data + i, &w, 2);
    i += 2;
    phase = 2;
  }
  if (n - i >= 1) data[i] = static_cast<char>(static_cast<unsigned char>(data[i]) ^ kb[phase]);
}

namespace {

// Writes the header of a masked client frame at dst; returns its length (client_header_len(payload_len)).
size_t write_client_header(char* dst, WsOpcode op, bool fin, size_t payload_len, uint32_t mask_key) noexcept {
  auto* d = reinterpret_cast<unsigned char*>(dst);
  d[0] = static_cast<unsigned char>((fin ? 0x80 : 0x00) | static_cast<uint8_t>(op));
  size_t h = 2;
  if (payload_len < 126) {
    d[1] = static_cast<unsigned char>(0x80 | payload_len);
  } else if (payload_len <= 0xFFFF) {
    d[1] = 0x80 | 126;
    d[2] = static_cast<unsigned char>(payload_len >> 8);
    d[3] = static_cast<unsigned char>(payload_len);
    h = 4;
  } else {
    d[1] = 0x80 | 127;
    const auto len = static_cast<uint64_t>(payload_len);
    for (int k = 0; k < 8; ++k) d[2 + k] = static_cast<unsigned char>(len >> (56 - 8 * k));
    h = 10;
  }
  std::memcpy(d + h, &mask_key, 4);
  return h + 4;
}

bool control_ok(WsOpcode op, bool fin, size_t payload_len) noexcept {
  return !is_control(op) || (fin && payload_len <= kMaxControlPayload);
}

}  // namespace

WsFrameSpan encode_client_frame(WsOpcode op, bool fin, std::string_view payload, uint32_t mask_key,
                                std::span<char> out) noexcept {
  if (!control_ok(op, fin, payload.size())) return {WsFrameError::kControlTooLong, 0, 0};
  const size_t h = client_header_len(payload.size());
  if (out.size() < h || out.size() - h < payload.size()) return {WsFrameError::kBufferTooSmall, 0, 0};
  write_client_header(out.data(), op, fin, payload.size(), mask_key);
  if (!payload.empty()) std::memcpy(out.data() + h, payload.data(), payload.size());
  mask_payload(out.data() + h, payload.size(), mask_key);
  return {WsFrameError::kOk, 0, h + payload.size()};
}

WsFrameSpan finish_client_frame(std::span<char> out, size_t payload_len, WsOpcode op, uint32_t mask_key,
                                bool fin) noexcept {
  if (!control_ok(op, fin, payload_len)) return {WsFrameError::kControlTooLong, 0, 0};
  if (out.size() < kMaxClientHeaderLen || out.size() - kMaxClientHeaderLen < payload_len) {
    return {WsFrameError::kBufferTooSmall, 0, 0};
  }
  const size_t h = client_header_len(payload_len);
  const size_t start = kMaxClientHeaderLen - h;
  write_client_header(out.data() + start, op, fin, payload_len, mask_key);
  mask_payload(out.data() + kMaxClientHeaderLen, payload_len, mask_key);
  return {WsFrameError::kOk, start, h + payload_len};
}

WsFrameSpan encode_close_frame(uint16_t code, std::string_view reason, uint32_t mask_key,
                               std::span<char> out) noexcept {
  if (reason.size() > kMaxControlPayload - 2) return {WsFrameError::kControlTooLong, 0, 0};
  char payload[kMaxControlPayload];
  payload[0] = static_cast<char>(code >> 8);
  payload[1] = static_cast<char>(code & 0xFF);
  if (!reason.empty()) std::memcpy(payload + 2, reason.data(), reason.size());
  return encode_client_frame(WsOpcode::kClose, true, std::string_view(payload, 2 + reason.size()), mask_key,
                             out);
}

WsParseResult parse_server_frame(std::string_view in, size_t max_payload, WsFrame& out) noexcept {
  if (in.size() < 2) return {WsParseStatus::kNeedMore, WsParseError::kNone, 2};
  const auto* d = reinterpret_cast<const unsigned char*>(in.data());
  const auto fail = [](WsParseError e) { return WsParseResult{WsParseStatus::kError, e, 0}; };
  if ((d[0] & 0x70) != 0) return fail(WsParseError::kReservedBits);
  const uint8_t opc = d[0] & 0x0F;
  if ((opc > 0x2 && opc < 0x8) || opc > 0xA) return fail(WsParseError::kBadOpcode);
  const auto op = static_cast<WsOpcode>(opc);
  const bool fin = (d[0] & 0x80) != 0;
  if ((d[1] & 0x80) != 0) return fail(WsParseError::kMaskedFrame);
  const uint8_t len7 = d[1] & 0x7F;
  if (is_control(op)) {
    if (!fin) return fail(WsParseError::kControlFragmented);
    if (len7 > kMaxControlPayload) return fail(WsParseError::kControlTooLong);
  }
  size_t h = 2;
  uint64_t len = len7;
  if (len7 == 126) {
    if (in.size() < 4) return {WsParseStatus::kNeedMore, WsParseError::kNone, 4};
    len = (uint64_t{d[2]} << 8) | d[3];
    if (len < 126) return fail(WsParseError::kNonMinimalLength);
    h = 4;
  } else if (len7 == 127) {
    if (in.size() < 10) return {WsParseStatus::kNeedMore, WsParseError::kNone, 10};
    len = 0;
    for (int k = 0; k < 8; ++k) len = (len << 8) | d[2 + k];
    if ((len >> 63) != 0) return fail(WsParseError::kLengthHighBit);
    if (len <= 0xFFFF) return fail(WsParseError::kNonMinimalLength);
    h = 10;
  }
  if (len > max_payload) return fail(WsParseError::kFrameTooLarge);
  const size_t total = h + static_cast<size_t>(len);
  if (in.size() < total) return {WsParseStatus::kNeedMore, WsParseError::kNone, total};
  out.opcode = op;
  out.fin = fin;
  out.payload = in.substr(h, static_cast<size_t>(len));
  out.frame_len = total;
  return {WsParseStatus::kFrame, WsParseError::kNone, 0};
}

WsFrameReader::WsFrameReader(size_t max_frame_payload, size_t max_message)
    : max_frame_payload_(max_frame_payload < kMaxControlPayload ? kMaxControlPayload : max_frame_payload),
      max_message_(max_message),
      assembly_(new char[max_message == 0 ? 1 : max_message]) {}

void WsFrameReader::reset() noexcept {
  assembled_ = 0;
  in_message_ = false;
  failed_ = WsParseError::kNone;
}

namespace {

// Status codes a peer may put on the wire (RFC 6455 7.4 and the IANA registry): 1004-1006 and 1015 are
// reserved for local use, 1016-2999 unassigned.
bool valid_close_code(uint16_t c) noexcept {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

}  // namespace

WsEvent WsFrameReader::next(std::string_view in) noexcept {
  WsEvent ev;
  if (failed_ != WsParseError::kNone) {
    ev.kind = WsEventKind::kError;
    ev.error = failed_;
    return ev;
  }
  size_t pos = 0;
  const auto fail = [&](WsParseError e) {
    failed_ = e;
    ev.kind = WsEventKind::kError;
    ev.error = e;
    ev.consumed = pos;
    return ev;
  };
  for (;;) {
    WsFrame f;
    const WsParseResult r = parse_server_frame(in.substr(pos), max_frame_payload_, f);
    if (r.status == WsParseStatus::kError) return fail(r.error);
    if (r.status == WsParseStatus::kNeedMore) {
      ev.kind = WsEventKind::kNeedMore;
      ev.consumed = pos;
      ev.need = r.need;
      return ev;
    }
    if (is_control(f.opcode)) {
      pos += f.frame_len;
      ev.consumed = pos;
      ev.payload = f.payload;
      if (f.opcode == WsOpcode::kPing) {
        ev.kind = WsEventKind::kPing;
      } else if (f.opcode == WsOpcode::kPong) {
        ev.kind = WsEventKind::kPong;
      } else {
        if (f.payload.size() == 1) return fail(WsParseError::kBadClosePayload);
        ev.close_code = 1005;
        if (f.payload.size() >= 2) {
          const auto* p = reinterpret_cast<const unsigned char*>(f.payload.data());
          ev.close_code = static_cast<uint16_t>((p[0] << 8) | p[1]);
          if (!valid_close_code(ev.close_code)) return fail(WsParseError::kBadClosePayload);
          ev.payload = f.payload.substr(2);
        }
        ev.kind = WsEventKind::kClose;
      }
      return ev;
    }
    if (f.opcode == WsOpcode::kContinuation) {
      if (!in_message_) return fail(WsParseError::kUnexpectedContinuation);
    } else if (in_message_) {
      return fail(WsParseError::kExpectedContinuation);
    }
    if (!in_message_ && f.fin) {
      // The common case: a whole message in one frame, handed out without a copy.
      if (f.payload.size() > max_message_) return fail(WsParseError::kMessageTooLarge);
      pos += f.frame_len;
      ev.kind = WsEventKind::kMessage;
      ev.opcode = f.opcode;
      ev.payload = f.payload;
      ev.consumed = pos;
      return ev;
    }
    if (!in_message_) {
      in_message_ = true;
      message_opcode_ = f.opcode;
      assembled_ = 0;
    }
    if (f.payload.size() > max_message_ - assembled_) return fail(WsParseError::kMessageTooLarge);
    if (!f.payload.empty()) std::memcpy(assembly_.get() + assembled_, f.payload.data(), f.payload.size());
    assembled_ += f.payload.size();
    pos += f.frame_len;
    if (f.fin) {
      in_message_ = false;
      ev.kind = WsEventKind::kMessage;
      ev.opcode = message_opcode_;
      ev.payload = std::string_view(assembly_.get(), assembled_);
      ev.consumed = pos;
      return ev;
    }
  }
}

}  // namespace mm
