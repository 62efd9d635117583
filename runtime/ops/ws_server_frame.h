#pragma once
// The server side of RFC 6455 for the live page (runtime/ops/live_page.h): the upgrade handshake's accept
// key, unmasked server frames out and masked client frames in. No I/O here (runtime/ops/http_server.cpp owns
// the sockets); the client side of the protocol is net/ws_frame.h, whose opcodes this reuses (header only).
//
// Why not net/ws_frame.h's reader: it parses what a server sends (unmasked frames, reassembly buffer sized
// for market data); a browser's frames are masked and the page only ever sends tiny ones.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "net/ws_frame.h"

namespace mm {

// Sec-WebSocket-Accept for a request's Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)).
// Precondition: none (any key gives an answer; validating the key is is_websocket_key's job).
[[nodiscard]] std::string websocket_accept(std::string_view key);

// A Sec-WebSocket-Key is the base64 of 16 bytes: 24 characters ending in "==".
[[nodiscard]] bool is_websocket_key(std::string_view key) noexcept;

// Appends one unfragmented, unmasked server frame carrying `payload` to `out`.
void append_server_frame(WsOpcode op, std::string_view payload, std::string& out);

enum class WsClientFrameError : uint8_t {
  kNone = 0,
  kReservedBits,    // RSV1-3 set (no extension is negotiated)
  kBadOpcode,       // reserved opcode 3-7 or 11-15
  kUnmasked,        // a client must mask every frame (RFC 6455 5.1): fail the connection
  kTooLarge,        // payload above the caller's maximum (detected from the header alone)
  kFragmented,      // FIN clear or a continuation frame: the page never fragments, so neither do we accept it
  kControlTooLong,  // control frame payload > 125
};
std::string_view to_string(WsClientFrameError e) noexcept;

struct WsClientFrame {
  WsOpcode opcode = WsOpcode::kText;
  std::string_view payload;  // unmasked, in place inside the input
  size_t frame_len = 0;      // header + payload: bytes to drop from the input
};

enum class WsClientParse : uint8_t { kFrame, kNeedMore, kError };

// Parses the client frame at the start of `in` and unmasks its payload in place. kNeedMore: not all of it
// is there yet (call again with more bytes; nothing was changed). kError: `error` says what (the connection
// must be failed with close code 1002, or 1009 for kTooLarge).
[[nodiscard]] WsClientParse parse_client_frame(std::span<char> in, size_t max_payload, WsClientFrame& out,
                                               WsClientFrameError& error) noexcept;

}  // namespace mm
