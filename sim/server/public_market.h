#pragma once
// The simulator's public market: one L2 book per symbol (core OrderBook) fed by the recording, and from it
// the public WebSocket streams and the public REST answers, shaped as Bybit shapes them per category.
//
// Streams (per connection, per category path /v5/public/{linear,inverse,spot,option}):
//   orderbook.{1,50,200,1000}.SYMBOL (option: 25, 100): a snapshot on subscribe, then deltas computed from
//   the
//     book (exactly the changes of the top `depth` levels, size "0" for a level that left them), with `u`
//     contiguous per topic, `seq` the per-symbol cross sequence, `ts`/`cts` the server clock. Depth 1 sends
//     snapshots only and re-sends the last one (same `u`) after 3 s without change, as Bybit does.
//     A snapshot in the recording (and the start of every --loop pass) is published as a snapshot with `u`
//     continuing.
//   publicTrade.SYMBOL: one message per recorded trade message; tickers.SYMBOL: a full snapshot on subscribe,
//     then at most every 100 ms while something changed.
// REST: /v5/market/{time,instruments-info,orderbook,tickers,recent-trade,kline}.
//
// Threading: the server's event-loop thread only. After the streams are warm nothing here allocates per
// message (scratch strings and level arrays keep their capacity).
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument_registry.h"
#include "core/order_book.h"

namespace mm::simx {

enum class PublicFrameKind : uint8_t { kBookSnapshot, kBookDelta, kOther };

// The server's side of one public WebSocket connection, as the market sees it.
class PublicClient {
 public:
  // Queues one text message. `kind` lets the connection apply its faults (a dropped delta) and measure
  // reaction time from book frames.
  virtual void send_public(std::string_view text, PublicFrameKind kind) = 0;
  virtual std::string_view conn_id_text() const = 0;  // Bybit's "conn_id"

 protected:
  ~PublicClient() = default;
};

struct RestAnswer {
  int http_status = 200;
  std::string body;
};

struct PublicMarketOptions {
  size_t max_topics_per_connection =
      2000;  // subscribe beyond it: refused ack (Bybit caps args per connection)
  int64_t level1_resend_ns = 3'000'000'000;  // Bybit: level 1 re-sent after 3 s without change
  int64_t ticker_interval_ns = 100'000'000;  // linear tickers push every 100 ms
};

class PublicMarket {
 public:
  // `registry` outlives the market. Books are created for the instruments in `with_data` (ids of registry);
  // others are listed by REST and can be subscribed to, but carry no data.
  PublicMarket(const InstrumentRegistry& registry, std::span<const InstrumentId> with_data,
               PublicMarketOptions options = {});
  ~PublicMarket();
  PublicMarket(const PublicMarket&) = delete;
  PublicMarket& operator=(const PublicMarket&) = delete;

  // --- market events, in time order (the server has given them to the exchange first) ---
  // A snapshot resets the symbol's book and publishes a snapshot on every depth; a delta publishes the
  // changes of each subscribed depth. Updates of instruments without a book are ignored.
  void on_book(const BookUpdate& update, int64_t now_ns);
  // One recorded trade message (one or more prints of one instrument).
  void on_trades(std::span<const TradeEvent> prints, int64_t now_ns);
  // Level-1 re-sends and ticker pushes. Call at or after next_deadline_ns().
  void on_timer(int64_t now_ns);
  [[nodiscard]] int64_t next_deadline_ns() const noexcept;

  // --- public WebSocket ---
  void on_open(PublicClient& client, Category category);
  void on_text(PublicClient& client, std::string_view text, int64_t now_ns);
  void on_close(PublicClient& client);  // drops every subscription of the client
  // Bytes a client's subscriptions want queued now; used by --speed max to wait for slow readers.
  [[nodiscard]] size_t subscriber_count() const noexcept;

  // --- public REST: /v5/market/* ---
  [[nodiscard]] static bool handles_rest(std::string_view path) noexcept;
  void on_rest(std::string_view path, std::string_view query, int64_t now_ns, RestAnswer& out);

  // --- faults ---
  // Sends a `u == 1` snapshot on every subscribed depth of `symbol` ("" = every symbol); later deltas
  // continue from u = 2. Returns the number of topics restarted.
  size_t restart_snapshot(std::string_view symbol, int64_t now_ns);
  // The next delta of every subscribed depth of `symbol` ("" = all) is not sent, but `u` still advances:
  // subscribers see a gap. Returns the number of topics affected.
  size_t drop_next_delta(std::string_view symbol);

  // --- state, for tests and the exchange ---
  [[nodiscard]] const OrderBook* book(InstrumentId id) const noexcept;
  [[nodiscard]] uint64_t messages_published() const noexcept { return messages_; }

 private:
  struct SymbolState;
  struct DepthStream;
  struct ClientState;
  ClientState* state_of(PublicClient& client) noexcept;
  void publish_depth(SymbolState& s, DepthStream& d, bool snapshot, bool source_snapshot,
                     const BookUpdate* update, int64_t now_ns);
  void write_book(const SymbolState& s, const DepthStream& d, bool snapshot, int64_t now_ns);
  void write_ticker(const SymbolState& s, int64_t now_ns);
  void subscribe(PublicClient& client, ClientState& cs, std::string_view topic, std::string& failed);
  bool unsubscribe(PublicClient& client, ClientState& cs, std::string_view topic);
  void send_snapshot_to(PublicClient& client, SymbolState& s, DepthStream& d, int64_t now_ns);
  void ack(PublicClient& client, Category category, std::string_view op, std::string_view req_id,
           bool have_req_id, bool success, std::string_view ret_msg);
  SymbolState* find_symbol(Category c, std::string_view symbol) noexcept;

  void rest_time(int64_t now_ns, RestAnswer& out);
  void rest_instruments(std::string_view query, int64_t now_ns, RestAnswer& out);
  void rest_orderbook(std::string_view query, int64_t now_ns, RestAnswer& out);
  void rest_tickers(std::string_view query, int64_t now_ns, RestAnswer& out);
  void rest_recent_trades(std::string_view query, int64_t now_ns, RestAnswer& out);
  void rest_kline(std::string_view query, int64_t now_ns, RestAnswer& out);

  const InstrumentRegistry& registry_;
  PublicMarketOptions options_;
  std::vector<std::unique_ptr<SymbolState>> symbols_;  // indexed by InstrumentId; null without data
  std::vector<SymbolState*> live_;  // the non-null ones: timers walk these, not every listed instrument
  std::vector<std::unique_ptr<ClientState>> clients_;  // open public connections
  std::string text_;                                   // scratch message
  std::string scratch_;
  uint64_t messages_ = 0;
  uint64_t trade_ids_ = 0;
};

// Splits a query string ("a=1&b=2") and returns the value of `key` ("" when absent; no percent-decoding:
// Bybit's parameters are plain ASCII).
[[nodiscard]] std::string_view query_param(std::string_view query, std::string_view key) noexcept;

}  // namespace mm::simx
