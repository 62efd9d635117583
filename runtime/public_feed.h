#pragma once
// Opening [venue]: what `mm paper` and `mm record` need without any key (open_public_venue), and the steps of
// it that `mm run`'s live node shares (open_venue_endpoints, open_venue_rest, ws_session_config), so that
// the three contexts start the simulator, resolve the URLs, make the TLS context and the REST client, and
// configure their WebSockets one way. With endpoint = "sim" the embedded simulator is started first; then
// the URLs are resolved, the TLS context made, and (open_public_venue) the instrument loaded from
// instruments-info (its raw answer kept, so that a recording can start with it and describe itself).
//
// Nothing here sends an order or signs a request of its own: open_public_venue's REST client has no Signer;
// the live node hands open_venue_rest its own.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/instrument_registry.h"
#include "net/public_ws.h"
#include "net/rest_client.h"
#include "net/tls_context.h"
#include "net/ws_session.h"
#include "runtime/embedded_sim.h"
#include "runtime/live_config.h"
#include "runtime/mm_config.h"

namespace mm {

class RateLimiter;
class Signer;

struct PublicVenue {
  EmbeddedSim sim;  // started only with endpoint = "sim"
  VenueUrls urls;
  std::unique_ptr<TlsContext> tls;
  std::unique_ptr<RestClient> rest;
  InstrumentRegistry registry;
  InstrumentId id = kNoInstrument;
  std::string instruments_url;                  // the full request URL of the instruments-info answer below
  std::string instruments_body;                 // its raw answer
  WsTransport transport = WsTransport::kBeast;  // [venue] ws_transport, for the public stream
  int64_t ping_interval_ms = 20000;             // [venue] ping_interval_ms, for every WebSocket
};

struct PublicVenueError {
  int code = 0;  // 0 ok, 1 the venue could not be reached, 2 bad config (the message names the key)
  std::string message;
};

// Opens `out` for cfg's [venue], [market] and (endpoint = "sim") [sim]: open_venue_endpoints, open_venue_rest
// without signer or limiter, then instruments-info. Errors: code 2 naming the key (venue.*, sim.*,
// market.symbol not listed), code 1 naming the URL that could not be reached.
[[nodiscard]] PublicVenueError open_public_venue(const MmConfig& cfg, const EmbeddedSimOptions& sim,
                                                 PublicVenue& out);

// The first step: with endpoint = "sim" the simulator started (on loopback, serving [sim]), the URLs
// resolved, the TLS context made (venue.ca_file, else the simulator's CA), out.transport set. Nothing is
// sent. Errors, code 2: the simulator's (sim.*), the URL resolution's (venue.*), "venue.ca_file: ...".
[[nodiscard]] PublicVenueError open_venue_endpoints(const MmConfig& cfg, const EmbeddedSimOptions& sim,
                                                    PublicVenue& out);

// The second step (after open_venue_endpoints): out.rest on out.urls.rest with out.tls, cfg's recv window,
// a 5 s timeout and the wall clock; `signer` and `limiter` as RestClient's (nullable; they must outlive
// out.rest). Nothing is sent. Error, code 2: "venue.rest_url: not a URL: ...".
[[nodiscard]] PublicVenueError open_venue_rest(const MmConfig& cfg, const Signer* signer,
                                               RateLimiter* limiter, PublicVenue& out);

// The book topic every trading context subscribes to (the live node's depth).
[[nodiscard]] std::string book_topic(std::string_view symbol);

// A WebSocket session on `url` (one of v.urls; `key` its config key, e.g. "private_ws_url") with v's TLS
// context and transport, its backoff jitter seeded by `jitter_seed` and the time. Returns "" or
// "venue.<key>: not a URL: <url>".
[[nodiscard]] std::string ws_session_config(const PublicVenue& v, const std::string& url,
                                            std::string_view key, uint64_t jitter_seed, WsSessionConfig& out);

// A PublicWs configuration for `topics` on venue.public_ws_url. Returns "" or an error naming the key.
[[nodiscard]] std::string public_ws_config(const PublicVenue& v, Category category,
                                           std::vector<std::string> topics, uint64_t jitter_seed,
                                           PublicWsConfig& out);

}  // namespace mm
