#pragma once
// RFC 6455 framing for the server side of the simulator's WebSockets: masked client frames in, unmasked
// server frames out (the mirror of net/ws_frame.h, which is the client's side). No I/O: the connection owns
// the bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/ws_frame.h"

namespace mm::simx {

inline constexpr size_t kMaxServerHeaderLen = 10;  // 2 + 8 (64-bit length); a server never masks

// Writes the header of an unmasked server frame carrying payload_len bytes into out; returns its length (2, 4
// or 10). Precondition: out has kMaxServerHeaderLen bytes.
size_t write_server_header(WsOpcode op, bool fin, size_t payload_len, char* out) noexcept;

enum class ClientFrameError : uint8_t {
  kNone = 0,
  kReservedBits,    // RSV1-3 set (no extension is negotiated)
  kBadOpcode,       // reserved opcode 3-7 or 11-15
  kUnmasked,        // a client must mask every frame (RFC 6455 5.1)
  kTooLarge,        // payload above the configured maximum (seen from the header alone)
  kControlTooLong,  // control frame payload > 125 bytes
  kControlFragmented,
  kLengthHighBit,  // 64-bit length with the top bit set
};
std::string_view to_string(ClientFrameError e) noexcept;

struct ClientFrame {
  WsOpcode opcode = WsOpcode::kText;
  bool fin = true;
  size_t header_len = 0;
  size_t payload_len = 0;
  uint32_t mask_key = 0;
  size_t frame_len() const noexcept { return header_len + payload_len; }
};

enum class ClientFrameStatus : uint8_t { kFrame, kNeedMore, kError };

// Parses the header of one client frame at the start of `in`. kFrame: the whole frame (header and payload) is
// in `in`; the payload is NOT unmasked (call mask_payload on it with out.mask_key). kNeedMore: not yet
// complete. kError: `error` says why (a header error is reported as soon as the header bytes are there).
[[nodiscard]] ClientFrameStatus parse_client_frame(std::string_view in, size_t max_payload, ClientFrame& out,
                                                   ClientFrameError& error) noexcept;

}  // namespace mm::simx
