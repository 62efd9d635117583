#pragma once
// The live sections of the config: [venue] (where mm trades), [sim] (the embedded simulator that
// endpoint = "sim" starts) and [live] (the live node's timers, journal and shutdown). Plain values; read from
// TOML by tools/mm/config.cpp, documented in docs/config.md.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "net/ws_transport.h"

namespace mm {

enum class VenueEndpoint : uint8_t { kSim = 0, kMainnet, kTestnet, kDemo, kCustom };

constexpr std::string_view to_string(VenueEndpoint e) noexcept {
  switch (e) {
    case VenueEndpoint::kSim:
      return "sim";
    case VenueEndpoint::kMainnet:
      return "mainnet";
    case VenueEndpoint::kTestnet:
      return "testnet";
    case VenueEndpoint::kDemo:
      return "demo";
    case VenueEndpoint::kCustom:
      return "custom";
  }
  return "?";
}
bool parse_venue_endpoint(std::string_view s, VenueEndpoint& out) noexcept;

// [venue]. The URLs are read only with endpoint = "custom"; the others name Bybit's hosts (bybit-spec.md).
struct VenueSettings {
  VenueEndpoint endpoint = VenueEndpoint::kSim;
  std::string rest_url;
  std::string public_ws_url;
  std::string private_ws_url;
  std::string trade_ws_url;  // "" (custom): order entry over REST only
  std::string ca_file;       // extra CA (PEM) trusted for TLS endpoints besides the system store
  int64_t recv_window_ms = 5000;
  // The transport of the three WebSockets (public book stream, private stream, trade). io_uring measured
  // faster on loopback (docs/net.md); where it cannot be set up (seccomp, kernel.io_uring_disabled) the node
  // falls back to Beast and warns.
  WsTransport ws_transport = WsTransport::kUring;
  // Every WebSocket sends Bybit's application ping this often (Bybit: every 20 s; its servers drop a
  // connection silent for longer). Shorter for networks whose middleboxes cut idle connections sooner.
  int64_t ping_interval_ms = 20000;
};

// [sim]: the market the embedded simulator serves when endpoint = "sim": recordings (`data`), or
// `gen_seconds` of the synthetic generator when `data` is empty.
struct SimSettings {
  std::vector<std::string> data;  // any recording mm reads; relative paths from the config's folder
  int64_t gen_seconds = 3600;
  double speed = 10.0;     // times real time
  bool max_speed = false;  // speed = "max": as fast as the clients read
  bool loop = true;        // start over at the end of the data
  uint64_t seed = 1;       // generator seed (and the exchange's id salt)
};

// [live]
struct LiveSettings {
  // Append-only intent journal (runtime/journal.h): lets a restarted process recognise its own orders and
  // continue its orderLinkId sequence. Relative paths from the config's folder.
  std::string journal = "mm.journal";
  int64_t feed_quiet_ms = 5000;        // public feed silent this long: quotes pulled until it speaks again
  int64_t private_quiet_ms = 30000;    // private stream down this long: quotes pulled
  int64_t request_timeout_ms = 2000;   // a trade request unanswered this long is Unknown (then queried)
  int64_t shutdown_timeout_ms = 5000;  // wait this long for every cancel to be confirmed, then exit 3
  int64_t dcp_window_s = 0;            // Bybit's disconnect-cancel-all window (0: not set; 3..300)
  int64_t timer_ms = 100;              // the decision path also runs this often without book updates
  // One-thread layout: while no socket has work, the hot thread sends a small message over a private loopback
  // TCP pair this often, keeping the kernel's TCP path in the core's caches (net/tcp_warmer.h; 0: off).
  int64_t warm_interval_us = 20;
};

// The four endpoints of one venue, resolved for a category.
struct VenueUrls {
  std::string rest, public_ws, private_ws, trade_ws;
};

// Resolves [venue] for `category`. endpoint = "sim" needs the embedded simulator's base URL (`sim_base`,
// "http://127.0.0.1:PORT"). Returns "" or an error naming the key (venue.rest_url, ...).
[[nodiscard]] std::string resolve_venue_urls(const VenueSettings& v, Category category,
                                             std::string_view sim_base, VenueUrls& out);

// Validation of the three sections; the message names the key. "" when valid.
[[nodiscard]] std::string validate(const VenueSettings& v);
[[nodiscard]] std::string validate(const SimSettings& s);
[[nodiscard]] std::string validate(const LiveSettings& l);

}  // namespace mm
