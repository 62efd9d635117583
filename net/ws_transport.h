#pragma once
// Which implementation carries a WebSocket connection (net/ws_client.h): the live config's [venue]
// ws_transport. Header-only so that the config reader (linked into the Python module too) needs no socket
// code.
#include <cstdint>
#include <string_view>

namespace mm {

enum class WsTransport : uint8_t {
  kBeast = 0,  // Boost.Beast on a private asio io_context (net/ws_client.cpp)
  kUring,      // io_uring with registered buffers (net/uring_ws_client.h): faster on loopback (docs/net.md);
           // falls back to kBeast when io_uring cannot be set up (WsClient::transport_fallback() says why)
};

inline std::string_view to_string(WsTransport t) noexcept {
  return t == WsTransport::kUring ? "io_uring" : "beast";
}

// "io_uring" or "beast". False (out unchanged) for anything else.
inline bool parse_ws_transport(std::string_view s, WsTransport& out) noexcept {
  if (s == "io_uring") {
    out = WsTransport::kUring;
  } else if (s == "beast") {
    out = WsTransport::kBeast;
  } else {
    return false;
  }
  return true;
}

}  // namespace mm
