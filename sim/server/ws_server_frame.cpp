#include "sim/server/ws_server_frame.h"

namespace mm::simx {

size_t write_server_header(WsOpcode op, bool fin, size_t payload_len, char* out) noexcept {
  out[0] = static_cast<char>((fin ? 0x80 : 0x00) | static_cast<uint8_t>(op));
  if (payload_len < 126) {
    out[1] = static_cast<char>(payload_len);
    return 2;
  }
  if (payload_len <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<char>(payload_len >> 8);
    out[3] = static_cast<char>(payload_len & 0xFF);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<char>((uint64_t{payload_len} >> (56 - 8 * i)) & 0xFF);
  return 10;
}

std::string_view to_string(ClientFrameError e) noexcept {
  switch (e) {
    case ClientFrameError::kNone:
      return "none";
    case ClientFrameError::kReservedBits:
      return "reserved bits set";
    case ClientFrameError::kBadOpcode:
      return "reserved opcode";
    case ClientFrameError::kUnmasked:
      return "unmasked client frame";
    case ClientFrameError::kTooLarge:
      return "frame too large";
    case ClientFrameError::kControlTooLong:
      return "control frame too long";
    case ClientFrameError::kControlFragmented:
      return "fragmented control frame";
    case ClientFrameError::kLengthHighBit:
      return "bad 64-bit length";
  }
  return "?";
}

ClientFrameStatus parse_client_frame(std::string_view in, size_t max_payload, ClientFrame& out,
                                     ClientFrameError& error) noexcept {
  if (in.size() < 2) return ClientFrameStatus::kNeedMore;
  const auto b0 = static_cast<uint8_t>(in[0]);
  const auto b1 = static_cast<uint8_t>(in[1]);
  const uint8_t op = b0 & 0x0F;
  const bool fin = (b0 & 0x80) != 0;
  auto fail = [&](ClientFrameError e) {
    error = e;
    return ClientFrameStatus::kError;
  };
  if ((b0 & 0x70) != 0) return fail(ClientFrameError::kReservedBits);
  if ((op >= 3 && op <= 7) || op >= 11) return fail(ClientFrameError::kBadOpcode);
  if ((b1 & 0x80) == 0) return fail(ClientFrameError::kUnmasked);
  const bool control = (op & 0x8) != 0;
  uint64_t len = b1 & 0x7F;
  size_t header = 2;
  if (len == 126) {
    if (in.size() < 4) return ClientFrameStatus::kNeedMore;
    len = (uint64_t{static_cast<uint8_t>(in[2])} << 8) | static_cast<uint8_t>(in[3]);
    header = 4;
  } else if (len == 127) {
    if (in.size() < 10) return ClientFrameStatus::kNeedMore;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<uint8_t>(in[2 + i]);
    if ((len >> 63) != 0) return fail(ClientFrameError::kLengthHighBit);
    header = 10;
  }
  if (control && len > kMaxControlPayload) return fail(ClientFrameError::kControlTooLong);
  if (control && !fin) return fail(ClientFrameError::kControlFragmented);
  if (len > max_payload) return fail(ClientFrameError::kTooLarge);
  header += 4;
  if (in.size() < header) return ClientFrameStatus::kNeedMore;
  uint32_t key = 0;
  static_assert(sizeof key == 4);
  __builtin_memcpy(&key, in.data() + header - 4, 4);
  if (in.size() - header < len) return ClientFrameStatus::kNeedMore;
  out.opcode = static_cast<WsOpcode>(op);
  out.fin = fin;
  out.header_len = header;
  out.payload_len = static_cast<size_t>(len);
  out.mask_key = key;
  return ClientFrameStatus::kFrame;
}

}  // namespace mm::simx
