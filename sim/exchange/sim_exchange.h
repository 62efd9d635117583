#pragma once
// SimExchange: the exchange half of `mm sim` (issue 10), behind the ExchangeHandler seam
// (sim/exchange/exchange_handler.h). No sockets: every answer is a pure function of the requests, the market
// events and the `now_ns` the server passes, so it is driven directly by unit tests.
//
// What it does (docs/sim_exchange.md has the client's view, with every retCode and message):
//  - accounts and API keys (ExchangeConfig::keys; the built-in mmsim-test-key by default), HMAC-SHA256
//    signatures on REST and on WebSocket auth, the recv-window rule, key permissions and IP whitelists;
//  - Bybit's per-UID rate limits (one-second windows per action class, batch items counted, REST and the
//    trade WebSocket sharing them) with X-Bapi-Limit, X-Bapi-Limit-Status, X-Bapi-Limit-Reset-Timestamp on
//    every answer;
//  - orders validated with Bybit's retCodes and matched by the backtester's FillEngine (sim/fill_engine.h),
//    one per instrument, fed by on_book/on_trade: queue position, partial fills, maker/taker fees;
//    executions, positions and wallets follow the fills;
//  - the private WebSocket (auth, order, execution, position, wallet, dcp.*, ping), the trade WebSocket
//    (auth, order.create|amend|cancel and their -batch forms, ping) and the signed trading REST endpoints;
//  - DCP (orders cancelled once every dcp-subscribed connection of an account is gone longer than its
//  window);
//  - faults on command (the methods under "Faults" below).
//
// Threading: one thread (the server's event loop) calls everything; WsOutput is called back on it.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/instrument_registry.h"
#include "sim/exchange/exchange_config.h"
#include "sim/exchange/exchange_handler.h"

namespace mm::simx {

// Counters for `mm sim --summary-json`.
struct ExchangeStats {
  uint64_t orders_created = 0;  // creates acknowledged with retCode 0 (post-only crosses included)
  uint64_t orders_amended = 0;  // amends acknowledged with retCode 0
  uint64_t orders_cancelled =
      0;                         // orders that ended Cancelled (by the user, cancel-all, DCP, post-only, IOC)
  uint64_t orders_rejected = 0;  // order requests (or batch items) answered with a non-zero retCode
  uint64_t orders_filled = 0;    // orders that ended completely Filled
  uint64_t fills = 0;            // executions
  // Order-stream messages sent after their order's final message (the reorder_order fault).
  uint64_t late_order_messages = 0;
  uint64_t late_new_messages = 0;  // of which orderStatus New (e.g. a New after its order's Cancelled)
  std::vector<std::pair<int32_t, uint64_t>> rejects_by_code;  // retCode -> answers, ascending by code
  std::vector<std::pair<std::string, uint64_t>> requests;     // REST path or WS op -> requests, by name
};

struct ExchangeCore;  // sim/exchange/exchange_core.h (internal)

class SimExchange final : public ExchangeHandler {
 public:
  // Preconditions: `instruments` (every instrument the market serves, ids as in the market's BookUpdate and
  // TradeEvent) and `out` outlive the exchange. An empty config.keys means default_keys().
  // Throws std::invalid_argument with config.validate()'s message.
  SimExchange(const ExchangeConfig& config, const InstrumentRegistry& instruments, WsOutput& out);
  ~SimExchange() override;
  SimExchange(const SimExchange&) = delete;
  SimExchange& operator=(const SimExchange&) = delete;

  // ExchangeHandler (see exchange_handler.h).
  void on_book(const BookUpdate& update, int64_t now_ns) override;
  void on_trade(const TradeEvent& trade, int64_t now_ns) override;
  [[nodiscard]] bool handles_rest(std::string_view path) const override;
  void on_rest(const RestRequest& request, int64_t now_ns, RestReply& out) override;
  // The same into a new reply (cold: tests, tools).
  RestReply on_rest(const RestRequest& request, int64_t now_ns);
  void on_ws_open(ConnId conn, WsChannel channel, std::string_view peer_ip, int64_t now_ns) override;
  void on_ws_text(ConnId conn, std::string_view text, int64_t now_ns) override;
  void on_ws_close(ConnId conn, int64_t now_ns) override;
  void on_timer(int64_t now_ns) override;
  [[nodiscard]] int64_t next_deadline_ns() const override;

  // ---- Faults (what each looks like to a client: docs/sim_exchange.md, section "Faults").

  // The next `count` trading and account requests (signed REST requests and trade-WebSocket order ops; not
  // auth, ping or subscribe) are answered with `ret_code` and Bybit's message for it, and do nothing else.
  // A batch request counts once. count 0 clears a pending injection. Precondition: ret_code != 0.
  void fail_next(int32_t ret_code, uint32_t count);

  // Fills part of a live order now, as maker at its own price: `qty` a decimal on the instrument's lot grid
  // ("" = half of its leaves, at least one lot). The order stays live with the rest unless `qty` covers all
  // of it. `order` is an orderId or an orderLinkId ("" = the oldest order resting in a matching engine).
  // Returns "" or an error message (unknown or finished order, bad qty, nothing resting).
  std::string fill_partially(std::string_view order, std::string_view qty, int64_t now_ns);

  // Stops (false) or resumes (true) the matching engine: while stopped nothing fills, and requests are
  // acknowledged as usual but take effect (New, amend, Cancelled) only when matching resumes, in order.
  void set_filling(bool on, int64_t now_ns);

  // Restarts the matching service: every private and trade WebSocket is closed now (code 1012, "service
  // restart"), and until now_ns + duration_ns the trade WebSocket answers 10019 and trading REST 10016.
  // Orders, positions and wallets are kept.
  void restart_matching(int64_t duration_ns, int64_t now_ns);

  // The next `count` post-only creates are acknowledged (retCode 0) and then cancelled with
  // EC_PostOnlyWillTakeLiquidity when they reach the matching engine, whatever the book: what Bybit does when
  // the market moved through the order's price between the client's decision and the order's arrival.
  // count 0 clears a pending injection.
  void cross_post_only(uint32_t count);

  // The next `count` execution messages on the private stream are sent twice (the same execId): a client must
  // count each execution once. count 0 clears a pending injection.
  void duplicate_executions(uint32_t count);

  // Holds back the next order-stream message of order `order` (an orderId or orderLinkId) and sends it right
  // after that order's following message (or after kReorderHoldNs when none follows): the client sees, e.g.,
  // Filled before PartiallyFilled, or Cancelled before New. Returns "" or an error (no such order, or the
  // order is finished). A new call replaces a pending one (a held message is sent first).
  // `order` "": the next order created (by any account) instead, and every order message of it is held until
  // its final one (Cancelled, Filled, Rejected), then sent after that one, oldest first: the client sees its
  // New (and amends) after the order ended; after kReorderFinalHoldNs they go out in order regardless.
  static constexpr int64_t kReorderHoldNs = 500'000'000;
  static constexpr int64_t kReorderFinalHoldNs = 2'000'000'000;
  std::string reorder_order(std::string_view order, int64_t now_ns);

  [[nodiscard]] ExchangeStats stats() const;

 private:
  std::unique_ptr<ExchangeCore> core_;
};

}  // namespace mm::simx
