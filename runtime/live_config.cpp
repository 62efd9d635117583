#include "runtime/live_config.h"

namespace mm {

namespace {

bool starts_with(std::string_view s, std::string_view p) noexcept {
  return s.substr(0, p.size()) == p;
}

std::string check_url(std::string_view key, const std::string& url, bool ws) {
  const bool ok = ws ? (starts_with(url, "ws://") || starts_with(url, "wss://"))
                     : (starts_with(url, "http://") || starts_with(url, "https://"));
  if (ok) return "";
  return "venue." + std::string(key) + " must start with " +
         (ws ? "ws:// or wss://" : "http:// or https://") + ", got \"" + url + "\"";
}

// "http://127.0.0.1:PORT" -> "ws://127.0.0.1:PORT" (https -> wss).
std::string ws_base(std::string_view http_base) {
  if (starts_with(http_base, "https://")) return "wss://" + std::string(http_base.substr(8));
  if (starts_with(http_base, "http://")) return "ws://" + std::string(http_base.substr(7));
  return std::string(http_base);
}

}  // namespace

bool parse_venue_endpoint(std::string_view s, VenueEndpoint& out) noexcept {
  for (const VenueEndpoint e : {VenueEndpoint::kSim, VenueEndpoint::kMainnet, VenueEndpoint::kTestnet,
                                VenueEndpoint::kDemo, VenueEndpoint::kCustom}) {
    if (s == to_string(e)) {
      out = e;
      return true;
    }
  }
  return false;
}

std::string resolve_venue_urls(const VenueSettings& v, Category category, std::string_view sim_base,
                               VenueUrls& out) {
  const std::string cat(to_string(category));
  switch (v.endpoint) {
    case VenueEndpoint::kSim: {
      if (sim_base.empty()) return "venue.endpoint = \"sim\" needs the embedded simulator (not started)";
      const std::string ws = ws_base(sim_base);
      out = {std::string(sim_base), ws + "/v5/public/" + cat, ws + "/v5/private", ws + "/v5/trade"};
      return "";
    }
    case VenueEndpoint::kMainnet:
      out = {"https://api.bybit.com", "wss://stream.bybit.com/v5/public/" + cat,
             "wss://stream.bybit.com/v5/private", "wss://stream.bybit.com/v5/trade"};
      return "";
    case VenueEndpoint::kTestnet:
      out = {"https://api-testnet.bybit.com", "wss://stream-testnet.bybit.com/v5/public/" + cat,
             "wss://stream-testnet.bybit.com/v5/private", "wss://stream-testnet.bybit.com/v5/trade"};
      return "";
    case VenueEndpoint::kDemo:
      // Demo trading: REST and the private stream on the demo hosts, market data from mainnet, and no trade
      // WebSocket (bybit-spec.md section 6: not supported), so orders go over REST.
      out = {"https://api-demo.bybit.com", "wss://stream.bybit.com/v5/public/" + cat,
             "wss://stream-demo.bybit.com/v5/private", ""};
      return "";
    case VenueEndpoint::kCustom:
      out = {v.rest_url, v.public_ws_url, v.private_ws_url, v.trade_ws_url};
      return "";
  }
  return "venue.endpoint: unknown";
}

std::string validate(const VenueSettings& v) {
  if (v.recv_window_ms < 1 || v.recv_window_ms > 60000) return "venue.recv_window_ms must be in 1..60000";
  if (v.ping_interval_ms < 100 || v.ping_interval_ms > 60000)
    return "venue.ping_interval_ms must be in 100..60000";
  if (v.endpoint != VenueEndpoint::kCustom) {
    if (!v.rest_url.empty() || !v.public_ws_url.empty() || !v.private_ws_url.empty() ||
        !v.trade_ws_url.empty()) {
      return "venue.rest_url and the *_ws_url keys are read only with endpoint = \"custom\" (endpoint is \"" +
             std::string(to_string(v.endpoint)) + "\")";
    }
    return "";
  }
  if (std::string e = check_url("rest_url", v.rest_url, false); !e.empty()) return e;
  if (std::string e = check_url("public_ws_url", v.public_ws_url, true); !e.empty()) return e;
  if (std::string e = check_url("private_ws_url", v.private_ws_url, true); !e.empty()) return e;
  if (!v.trade_ws_url.empty()) return check_url("trade_ws_url", v.trade_ws_url, true);
  return "";
}

std::string validate(const SimSettings& s) {
  if (s.data.empty() && (s.gen_seconds < 1 || s.gen_seconds > 7 * 86400)) {
    return "sim.gen_seconds must be in 1..604800 (or give sim.data)";
  }
  if (!s.max_speed && !(s.speed > 0 && s.speed <= 1e6)) return "sim.speed must be in (0, 1e6] or \"max\"";
  return "";
}

std::string validate(const LiveSettings& l) {
  if (l.journal.empty()) return "live.journal must name a file";
  if (l.feed_quiet_ms < 100 || l.feed_quiet_ms > 3'600'000)
    return "live.feed_quiet_ms must be in 100..3600000";
  if (l.private_quiet_ms < 100 || l.private_quiet_ms > 3'600'000)
    return "live.private_quiet_ms must be in 100..3600000";
  if (l.request_timeout_ms < 10 || l.request_timeout_ms > 60000)
    return "live.request_timeout_ms must be in 10..60000";
  if (l.shutdown_timeout_ms < 100 || l.shutdown_timeout_ms > 600000)
    return "live.shutdown_timeout_ms must be in 100..600000";
  if (l.dcp_window_s != 0 && (l.dcp_window_s < 3 || l.dcp_window_s > 300))
    return "live.dcp_window_s must be 0 (off) or in 3..300";
  if (l.timer_ms < 1 || l.timer_ms > 10000) return "live.timer_ms must be in 1..10000";
  if (l.warm_interval_us < 0 || l.warm_interval_us > 1'000'000)
    return "live.warm_interval_us must be 0 (off) or in 1..1000000";
  return "";
}

}  // namespace mm
