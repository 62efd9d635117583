#include "runtime/ops/ws_server_frame.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace mm {

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455 section 1.3

bool is_base64_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

std::string websocket_accept(std::string_view key) {
  std::string in(key);
  in += kGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(b64), static_cast<size_t>(n));
}

bool is_websocket_key(std::string_view key) noexcept {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (size_t i = 0; i < 22; ++i) {
    if (!is_base64_char(key[i])) return false;
  }
  return true;
}

void append_server_frame(WsOpcode op, std::string_view payload, std::string& out) {
  out.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(op)));  // FIN, no RSV
  const size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((uint64_t{n} >> shift) & 0xFF));
  }
  out.append(payload);
}

std::string_view to_string(WsClientFrameError e) noexcept {
  switch (e) {
    case WsClientFrameError::kNone:
      return "none";
    case WsClientFrameError::kReservedBits:
      return "reserved bits set";
    case WsClientFrameError::kBadOpcode:
      return "reserved opcode";
    case WsClientFrameError::kUnmasked:
      return "unmasked client frame";
    case WsClientFrameError::kTooLarge:
      return "frame too large";
    case WsClientFrameError::kFragmented:
      return "fragmented message";
    case WsClientFrameError::kControlTooLong:
      return "control frame longer than 125 bytes";
  }
  return "unknown";
}

WsClientParse parse_client_frame(std::span<char> in, size_t max_payload, WsClientFrame& out,
                                 WsClientFrameError& error) noexcept {
  error = WsClientFrameError::kNone;
  if (in.size() < 2) return WsClientParse::kNeedMore;
  const auto b0 = static_cast<uint8_t>(in[0]);
  const auto b1 = static_cast<uint8_t>(in[1]);
  const uint8_t op = b0 & 0x0F;
  const bool fin = (b0 & 0x80) != 0;
  auto fail = [&](WsClientFrameError e) noexcept {
    error = e;
    return WsClientParse::kError;
  };
  if ((b0 & 0x70) != 0) return fail(WsClientFrameError::kReservedBits);
  if ((op >= 0x3 && op <= 0x7) || op >= 0xB) return fail(WsClientFrameError::kBadOpcode);
  if ((b1 & 0x80) == 0) return fail(WsClientFrameError::kUnmasked);
  const bool control = (op & 0x8) != 0;
  if (!fin || op == 0x0) return fail(WsClientFrameError::kFragmented);
  size_t header = 2;
  uint64_t len = b1 & 0x7F;
  if (len == 126) {
    if (in.size() < 4) return WsClientParse::kNeedMore;
    len = (uint64_t{static_cast<uint8_t>(in[2])} << 8) | static_cast<uint8_t>(in[3]);
    header = 4;
  } else if (len == 127) {
    if (in.size() < 10) return WsClientParse::kNeedMore;
    len = 0;
    for (size_t i = 2; i < 10; ++i) len = (len << 8) | static_cast<uint8_t>(in[i]);
    header = 10;
  }
  if (control && len > kMaxControlPayload) return fail(WsClientFrameError::kControlTooLong);
  if (len > max_payload) return fail(WsClientFrameError::kTooLarge);
  header += 4;  // the mask key
  if (in.size() < header + len) return WsClientParse::kNeedMore;
  // Byte-wise: client frames here are at most max_payload (about a kilobyte) and rare. net/ws_frame.cpp's
  // wide mask_payload is not used because mmpy's position-independent build leaves the WebSocket client out
  // while it keeps this file (http_server.cpp's parse_listen_address serves config checks).
  const char* key = in.data() + header - 4;
  char* payload = in.data() + header;
  for (size_t i = 0; i < len; ++i) payload[i] = static_cast<char>(payload[i] ^ key[i & 3]);
  out.opcode = static_cast<WsOpcode>(op);
  out.payload = std::string_view(payload, static_cast<size_t>(len));
  out.frame_len = header + static_cast<size_t>(len);
  return WsClientParse::kFrame;
}

}  // namespace mm
