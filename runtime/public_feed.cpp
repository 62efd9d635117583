#include "runtime/public_feed.h"

#include <chrono>

#include "net/endpoint.h"

namespace mm {

namespace {

int64_t system_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

PublicVenueError open_public_venue(const MmConfig& c, const EmbeddedSimOptions& sim, PublicVenue& out) {
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
  RestClientConfig rc;
  if (parse_url(out.urls.rest, rc.http.endpoint) != UrlError::kOk) {
    return {2, "venue.rest_url: not a URL: " + out.urls.rest};
  }
  out.transport = c.venue.ws_transport;
  rc.http.tls = out.tls.get();
  rc.http.timeout_ms = 5000;
  rc.recv_window_ms = c.venue.recv_window_ms;
  out.rest = std::make_unique<RestClient>(rc, nullptr, nullptr, [] { return system_ns(); });
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

std::string public_ws_config(const PublicVenue& v, Category category, std::vector<std::string> topics,
                             uint64_t jitter_seed, PublicWsConfig& out) {
  if (parse_url(v.urls.public_ws, out.session.ws.endpoint) != UrlError::kOk) {
    return "venue.public_ws_url: not a URL: " + v.urls.public_ws;
  }
  out.session.ws.tls = v.tls.get();
  out.session.ws.transport = v.transport;
  out.session.jitter_seed = jitter_seed ^ static_cast<uint64_t>(system_ns());
  out.category = category;
  out.topics = std::move(topics);
  return "";
}

}  // namespace mm
