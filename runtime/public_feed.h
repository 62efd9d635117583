#pragma once
// The public side of [venue], without any key: what `mm paper` and `mm record` need (and the public half of
// what `mm run` opens). With endpoint = "sim" the embedded simulator is started first; then the URLs are
// resolved, the TLS context made, the server time checked over REST, and the instrument loaded from
// instruments-info (its raw answer kept, so that a recording can start with it and describe itself).
//
// Nothing here sends an order or signs a request: the REST client has no Signer.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/instrument_registry.h"
#include "net/public_ws.h"
#include "net/rest_client.h"
#include "net/tls_context.h"
#include "runtime/embedded_sim.h"
#include "runtime/live_config.h"
#include "runtime/mm_config.h"

namespace mm {

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
};

struct PublicVenueError {
  int code = 0;  // 0 ok, 1 the venue could not be reached, 2 bad config (the message names the key)
  std::string message;
};

// Opens `out` for cfg's [venue], [market] and (endpoint = "sim") [sim]. Errors: code 2 naming the key
// (venue.*, sim.*, market.symbol not listed), code 1 naming the URL that could not be reached.
[[nodiscard]] PublicVenueError open_public_venue(const MmConfig& cfg, const EmbeddedSimOptions& sim,
                                                 PublicVenue& out);

// The book topic every trading context subscribes to (the live node's depth).
[[nodiscard]] std::string book_topic(std::string_view symbol);

// A PublicWs configuration for `topics` on venue.public_ws_url. Returns "" or an error naming the key.
[[nodiscard]] std::string public_ws_config(const PublicVenue& v, Category category,
                                           std::vector<std::string> topics, uint64_t jitter_seed,
                                           PublicWsConfig& out);

}  // namespace mm
