#pragma once
// RFC 6455 framing for the client side of a WebSocket: masked client frames out, unmasked server frames in.
// No I/O here: the transport owns sockets and receive buffers, this file owns bytes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace mm {

enum class WsOpcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

constexpr bool is_control(WsOpcode op) noexcept {
  return (static_cast<uint8_t>(op) & 0x8) != 0;
}

inline constexpr size_t kMaxClientHeaderLen = 14;  // 2 + 8 (64-bit length) + 4 (mask key)
inline constexpr size_t kMaxControlPayload = 125;

// Header size of a masked client frame carrying payload_len bytes: 6, 8 or 14.
constexpr size_t client_header_len(size_t payload_len) noexcept {
  return payload_len < 126 ? 6 : (payload_len <= 0xFFFF ? 8 : 14);
}

// Source of mask keys: a splitmix64 stream seeded once (e.g. from std::random_device at start-up). Why not a
// CSPRNG per frame: masking protects intermediaries from browser-script payloads; our peer is a known server
// and the cost must stay at a few instructions.
class MaskKeySource {
 public:
  explicit MaskKeySource(uint64_t seed) noexcept : state_(seed) {}
  uint32_t next() noexcept {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<uint32_t>(z ^ (z >> 31));
  }

 private:
  uint64_t state_;
};

// XORs data[0..n) with the mask key (its 4 bytes in memory order are the key on the wire). Masking twice
// restores the input. Works 32 and 8 bytes at a time. Preconditions: data valid for n bytes (any alignment).
void mask_payload(char* data, size_t n, uint32_t mask_key) noexcept;

enum class WsFrameError : uint8_t {
  kOk = 0,
  kBufferTooSmall,  // out cannot hold header + payload; nothing written past out
  kControlTooLong,  // control frame (close/ping/pong) payload > 125 bytes, or fin == false on one
};
std::string_view to_string(WsFrameError e) noexcept;

// A frame written into a caller buffer: bytes [offset, offset + size) of it.
struct [[nodiscard]] WsFrameSpan {
  WsFrameError error = WsFrameError::kOk;
  size_t offset = 0;
  size_t size = 0;
  bool ok() const noexcept { return error == WsFrameError::kOk; }
};

// Copies payload into a masked client frame at out[0..). Errors: kBufferTooSmall, kControlTooLong.
WsFrameSpan encode_client_frame(WsOpcode op, bool fin, std::string_view payload, uint32_t mask_key,
                                std::span<char> out) noexcept;

// Zero-copy variant: the caller has already written payload_len bytes at out[kMaxClientHeaderLen..). The
// header is written right before the payload (the frame starts at offset kMaxClientHeaderLen - header length)
// and the payload is masked in place. Errors: kBufferTooSmall (out.size() < kMaxClientHeaderLen +
// payload_len), kControlTooLong.
WsFrameSpan finish_client_frame(std::span<char> out, size_t payload_len, WsOpcode op, uint32_t mask_key,
                                bool fin = true) noexcept;

// Close frame with a status code (1000 normal) and a reason (<= 123 bytes). Errors: kBufferTooSmall,
// kControlTooLong.
WsFrameSpan encode_close_frame(uint16_t code, std::string_view reason, uint32_t mask_key,
                               std::span<char> out) noexcept;

// ---------------------------------------------------------------------------------------------------------------
// Server frames.

enum class WsParseError : uint8_t {
  kNone = 0,
  kReservedBits,            // RSV1-3 set (no extension is negotiated)
  kBadOpcode,               // reserved opcode 3-7 or 11-15
  kMaskedFrame,             // a server must not mask (RFC 6455 5.1)
  kFrameTooLarge,           // payload length above the configured maximum (detected from the header alone)
  kMessageTooLarge,         // fragments add up to more than the configured maximum message size
  kControlTooLong,          // control frame payload > 125
  kControlFragmented,       // control frame with FIN clear
  kUnexpectedContinuation,  // continuation frame with no message in progress
  kExpectedContinuation,    // new text/binary frame while a fragmented message is in progress
  kNonMinimalLength,        // 16/64-bit length used for a length that fits the shorter form
  kLengthHighBit,           // 64-bit length with the most significant bit set
  kBadClosePayload,         // close payload of 1 byte, or a status code that may not be sent
};
std::string_view to_string(WsParseError e) noexcept;

struct WsFrame {
  WsOpcode opcode = WsOpcode::kText;
  bool fin = true;
  std::string_view payload;  // points into the input
  size_t frame_len = 0;      // header + payload: bytes to consume
};

enum class WsParseStatus : uint8_t { kFrame, kNeedMore, kError };

struct WsParseResult {
  WsParseStatus status = WsParseStatus::kNeedMore;
  WsParseError error = WsParseError::kNone;
  size_t need = 0;  // kNeedMore: input size needed before the next attempt can progress (a lower bound)
};

// Parses one server frame at the start of `in`, without state (fragmentation rules need WsFrameReader).
// Errors: kReservedBits, kBadOpcode, kMaskedFrame, kFrameTooLarge, kControlTooLong, kControlFragmented,
// kNonMinimalLength, kLengthHighBit. Header errors are reported as soon as the header bytes are there, before
// the payload arrives.
[[nodiscard]] WsParseResult parse_server_frame(std::string_view in, size_t max_payload,
                                               WsFrame& out) noexcept;

enum class WsEventKind : uint8_t {
  kNeedMore,  // nothing complete yet; read more bytes into the buffer and call again
  kMessage,   // a whole text/binary message (reassembled when it was fragmented)
  kPing,      // answer with a pong carrying the same payload
  kPong,
  kClose,  // close_code (1005 when the frame carried none) and reason in payload
  kError,  // protocol error: fail the connection (close 1002 / 1009); the reader stays failed
};

struct WsEvent {
  WsEventKind kind = WsEventKind::kNeedMore;
  WsOpcode opcode = WsOpcode::kText;  // kMessage: kText or kBinary
  std::string_view payload;  // into the input or into the reader's reassembly buffer; valid until the
                             // next call (and, for input, until the caller drops those bytes)
  uint16_t close_code = 0;
  WsParseError error = WsParseError::kNone;
  size_t consumed = 0;  // drop this many bytes from the front of the input, whatever the kind
  size_t need = 0;      // kNeedMore: bytes of remaining input needed (lower bound)
};

// Stateful reader: fragmentation, control frames interleaved in fragmented messages, close payloads.
// Text payloads are not UTF-8 validated here: the JSON parser (simdjson) validates them anyway.
class WsFrameReader {
 public:
  // Allocates the reassembly buffer (max_message bytes) once. Preconditions: max_frame_payload >= 125.
  WsFrameReader(size_t max_frame_payload, size_t max_message);

  // Consumes whole frames from the front of `in` until one produces an event. Never allocates.
  [[nodiscard]] WsEvent next(std::string_view in) noexcept;

  // Back to the initial state for a new connection.
  void reset() noexcept;
  bool failed() const noexcept { return failed_ != WsParseError::kNone; }

 private:
  size_t max_frame_payload_;
  size_t max_message_;
  std::unique_ptr<char[]> assembly_;
  size_t assembled_ = 0;
  bool in_message_ = false;
  WsOpcode message_opcode_ = WsOpcode::kText;
  WsParseError failed_ = WsParseError::kNone;
};

}  // namespace mm
