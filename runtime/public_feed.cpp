#include "runtime/public_feed.h"

#include "core/clock.h"
#include "net/endpoint.h"

namespace mm {

namespace {

int64_t wall_ns() noexcept {
  return WallClock{}.now_ns();
}

}  // namespace

PublicVenueError open_venue_endpoints(const MmConfig& c, const EmbeddedSimOptions& sim, PublicVenue& out) {
  std::string sim_base;
  if (c.venue.endpoint == VenueEndpoint::kSim) {
    if (std::string e = out.sim.start(sim, c); !e.empty()) return {2, e};
    sim_base = out.sim.url();
  }
  if (std::string e = resolve_venue_urls(c.venue, c.category, sim_base, out.urls); !e.empty()) return {2, e};
  TlsConfig tc;
  tc.ca_file = !c.venue.ca_file.empty() ? c.venue.ca_file : out.sim.ca_file();
  std::string detail;
  if (TlsContext::create(tc, out.tls, detail) != TlsError::kOk) return {2, "venue.ca_file: " + detail};
  out.transport = c.venue.ws_transport;
  out.ping_interval_ms = c.venue.ping_interval_ms;
  return {};
}

PublicVenueError open_venue_rest(const MmConfig& c, const Signer* signer, RateLimiter* limiter,
                                 PublicVenue& out) {
  RestClientConfig rc;
  if (parse_url(out.urls.rest, rc.http.endpoint) != UrlError::kOk) {
    return {2, "venue.rest_url: not a URL: " + out.urls.rest};
  }
  rc.http.tls = out.tls.get();
  rc.http.timeout_ms = 5000;
  rc.recv_window_ms = c.venue.recv_window_ms;
  out.rest = std::make_unique<RestClient>(rc, signer, limiter, [] { return wall_ns(); });
  return {};
}

PublicVenueError open_public_venue(const MmConfig& c, const EmbeddedSimOptions& sim, PublicVenue& out) {
  if (PublicVenueError e = open_venue_endpoints(c, sim, out); e.code != 0) return e;
  if (PublicVenueError e = open_venue_rest(c, nullptr, nullptr, out); e.code != 0) return e;
  size_t loaded = 0;
  const RestResult r = out.rest->instruments(c.category, c.symbol, out.registry, loaded);
  if (!r.ok()) {
    return {1, "instruments-info for " + c.symbol + " from " + out.urls.rest + ": " +
                   std::string(to_string(r.status)) + " " + r.detail};
  }
  out.id = out.registry.find(c.category, c.symbol);
  if (out.id == kNoInstrument) {
    return {2, "market.symbol: " + c.symbol + " (" + std::string(to_string(c.category)) +
                   ") is not listed by " + out.urls.rest};
  }
  // One page for one symbol: the answer is the whole description (RestClient::instruments' query).
  out.instruments_url = out.urls.rest +
                        "/v5/market/instruments-info?category=" + std::string(to_string(c.category)) +
                        "&symbol=" + c.symbol + "&limit=1000";
  out.instruments_body = r.body;
  return {};
}

std::string book_topic(std::string_view symbol) {
  return "orderbook.50." + std::string(symbol);
}

std::string ws_session_config(const PublicVenue& v, const std::string& url, std::string_view key,
                              uint64_t jitter_seed, WsSessionConfig& out) {
  if (parse_url(url, out.ws.endpoint) != UrlError::kOk) {
    return "venue." + std::string(key) + ": not a URL: " + url;
  }
  out.ws.tls = v.tls.get();
  out.ws.transport = v.transport;
  out.ping_interval_ms = v.ping_interval_ms;
  out.jitter_seed = jitter_seed ^ static_cast<uint64_t>(wall_ns());
  return "";
}

std::string public_ws_config(const PublicVenue& v, Category category, std::vector<std::string> topics,
                             uint64_t jitter_seed, PublicWsConfig& out) {
  if (std::string e = ws_session_config(v, v.urls.public_ws, "public_ws_url", jitter_seed, out.session);
      !e.empty()) {
    return e;
  }
  out.category = category;
  out.topics = std::move(topics);
  return "";
}

}  // namespace mm
