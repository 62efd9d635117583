#pragma once
// The seam of the exchange simulator (`mm sim`, issue 10) between its two halves:
//  - the server (sim/server/): sockets, HTTP/1.1 + WebSocket on one loopback port (plain or TLS), the market
//    (recording or generator, pacing, the public book it maintains, public REST and public WebSocket streams),
//    the clock (with the skew fault), faults that act on connections, and the summary;
//  - the exchange (sim/exchange/): accounts and keys, signatures and the recv window, rate limits, order
//    validation with Bybit's retCodes, matching through the backtester's FillEngine, executions, positions,
//    wallets, the private and trade WebSocket protocols, signed trading REST, DCP.
//
// Threading: the server calls every method from ONE thread (its event loop); the exchange calls WsOutput back
// on that same thread, from inside those calls. No locks on either side.
//
// Time: every `now_ns` is the SERVER's clock (Unix ns, wall clock plus any injected skew): what
// /v5/market/time reports, what the recv-window rule is checked against, what execTime/updatedTime carry.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"

namespace mm::simx {

using ConnId = uint64_t;  // unique per connection for the server's lifetime, never reused

enum class WsChannel : uint8_t { kPrivate, kTrade };  // /v5/private, /v5/trade

// One signed (or not) REST request as received. Every view is valid for the duration of the call only.
struct RestRequest {
  std::string_view method;       // "GET" | "POST" (anything else: the exchange answers 404-style)
  std::string_view path;         // e.g. "/v5/order/create" (no query)
  std::string_view query;        // raw query string after '?', exactly as received ("" when none)
  std::string_view body;         // raw body exactly as received ("" for GET)
  std::string_view api_key;      // X-BAPI-API-KEY ("" when absent)
  std::string_view sign;         // X-BAPI-SIGN
  std::string_view timestamp;    // X-BAPI-TIMESTAMP
  std::string_view recv_window;  // X-BAPI-RECV-WINDOW ("" when absent: Bybit's default 5000)
  std::string_view peer_ip;      // "127.0.0.1"
  ConnId conn = 0;               // the HTTP connection it came on
};

struct RestReply {
  int http_status = 200;  // Bybit answers most errors with HTTP 200 and a retCode; 403/404 where Bybit does
  std::string body;       // the whole JSON envelope {"retCode","retMsg","result","retExtInfo","time"}
  // Extra response headers, e.g. X-Bapi-Limit, X-Bapi-Limit-Status, X-Bapi-Limit-Reset-Timestamp,
  // Traceid, Timenow. Content-Type: application/json is the server's.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Implemented by the server: how the exchange writes to and closes its WebSocket connections.
class WsOutput {
 public:
  // Queues one text frame on `conn`. A conn that is gone or unknown is ignored (the exchange may race a close).
  virtual void send_text(ConnId conn, std::string_view text) = 0;
  // Sends a close frame with code and reason, then closes.
  virtual void close(ConnId conn, uint16_t code, std::string_view reason) = 0;

 protected:
  ~WsOutput() = default;
};

// Implemented by the exchange (SimExchange); the server owns one and feeds it.
class ExchangeHandler {
 public:
  virtual ~ExchangeHandler() = default;

  // --- market (from the server's market, in time order, before the public streams see the same event) ---
  virtual void on_book(const BookUpdate& update, int64_t now_ns) = 0;
  virtual void on_trade(const TradeEvent& trade, int64_t now_ns) = 0;

  // --- REST: true for every path the exchange answers (trading, account, position, user, execution). The
  // server answers the public market paths (/v5/market/*) itself and 404s the rest. ---
  [[nodiscard]] virtual bool handles_rest(std::string_view path) const = 0;
  // Answers into `out`, every field overwritten. Its strings and header list keep their capacity, so a caller
  // that keeps one RestReply answers without allocating once warm.
  virtual void on_rest(const RestRequest& request, int64_t now_ns, RestReply& out) = 0;

  // --- private and trade WebSockets ---
  virtual void on_ws_open(ConnId conn, WsChannel channel, std::string_view peer_ip, int64_t now_ns) = 0;
  virtual void on_ws_text(ConnId conn, std::string_view text, int64_t now_ns) = 0;  // one whole text message
  virtual void on_ws_close(ConnId conn, int64_t now_ns) = 0;  // after the server dropped it, for any reason

  // --- timers: the server calls on_timer at or soon after next_deadline_ns() (and at least every 100 ms) ---
  virtual void on_timer(int64_t now_ns) = 0;
  [[nodiscard]] virtual int64_t next_deadline_ns() const = 0;  // INT64_MAX when nothing is due
};

}  // namespace mm::simx
