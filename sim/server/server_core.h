#pragma once
// The state behind SimServer (sim/server/sim_server.h) that the connections call back into: clock, limits,
// market, exchange, counters, faults. Internal to sim/server/; everything runs on the event-loop thread.
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility> (fixed in later Boost).
#include <utility>

// GCC 12 reports a false "potential null pointer dereference" inside Asio's scheduler once inlined into our
// code; the warning is silenced for Asio's own lines only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#pragma GCC diagnostic pop

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/server/connection.h"
#include "sim/server/market_feed.h"
#include "sim/server/public_market.h"
#include "sim/server/sim_server.h"

namespace mm::simx {

class ServerCore final : public WsOutput, public MarketSink {
 public:
  ServerCore(SimServerOptions options, const EventData& data, ExchangeHandler* exchange);
  ~ServerCore();

  std::string start();
  std::string run();
  void stop() noexcept;
  std::string apply_fault(const Fault& fault);

  // --- clocks ---
  [[nodiscard]] int64_t now_ns() const noexcept;    // server clock: wall + skew (Unix ns)
  [[nodiscard]] static int64_t mono_ns() noexcept;  // intervals, reaction times, pacing

  // --- called by connections ---
  const SimServerOptions& options() const noexcept { return options_; }
  void mark_dirty(Connection& c);
  void on_ws_open(Connection& c, WsRole role, Category category, std::string_view peer_ip);
  void on_ws_text(Connection& c, std::string_view text, int64_t read_mono);
  // Once, when a connection is dropped for any reason. The market and the exchange hear of it later, from the
  // loop (reap): a drop can happen inside their own calls (a send to a client over its write cap).
  void on_closed(Connection& c);
  void on_http(Connection& c, const HttpRequest& req, std::string_view peer_ip, int64_t read_mono);
  void on_book_written(int64_t mono) noexcept;
  // Delay fault: the time answers written now are held until (0: none).
  [[nodiscard]] int64_t answer_hold_until() const noexcept;
  void count(std::string_view key);
  SimServerStats& stats() noexcept { return stats_; }

  // WsOutput (the exchange's side)
  void send_text(ConnId conn, std::string_view text) override;
  void close(ConnId conn, uint16_t code, std::string_view reason) override;

  // MarketSink (the feed's side)
  void on_market_book(BookUpdate& update) override;
  void on_market_trades(std::span<const TradeEvent> prints) override;

  uint16_t port() const noexcept { return port_; }
  void attach_exchange(ExchangeHandler* exchange) noexcept { exchange_ = exchange; }
  PublicMarket& market() noexcept { return market_; }

 private:
  void accept_next();
  void on_accept(boost::asio::ip::tcp::socket socket);
  bool public_backpressured() const noexcept;
  void run_timers(int64_t mono);
  void flush_dirty();
  void shutdown_all();
  std::vector<Connection*> select(const Fault& f);
  void admin(Connection& c, const HttpRequest& req);
  void record_order_request(int64_t read_mono) noexcept;
  void reap();

  SimServerOptions options_;
  const EventData& data_;
  ExchangeHandler* exchange_;
  boost::asio::io_context ioc_{1};
  std::optional<boost::asio::ssl::context> ssl_;
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  MarketFeed feed_;
  PublicMarket market_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<int64_t> skew_ns_{0};
  std::unordered_map<ConnId, std::shared_ptr<Connection>> conns_;
  std::vector<Connection*> public_conns_;
  std::vector<std::shared_ptr<Connection>> dirty_;
  std::vector<std::shared_ptr<Connection>> flushing_;
  std::vector<std::shared_ptr<Connection>> closed_;
  ConnId next_id_ = 1;
  uint16_t port_ = 0;
  SimServerStats stats_;
  std::vector<TradeEvent> prints_;
  RestAnswer answer_;
  RestReply rest_reply_;  // reused: the exchange's REST answers, written in place
  // Reaction time: armed by a book frame written, disarmed by the next order request read.
  int64_t last_book_written_ = 0;
  bool reaction_armed_ = false;
  // Delay fault.
  int64_t delay_until_mono_ = 0;
  int64_t delay_ns_ = 0;
  // Scheduled faults.
  std::vector<Fault> schedule_;
  size_t next_fault_ = 0;
  int64_t run_start_mono_ = 0;
  int64_t next_sweep_mono_ = 0;
  int64_t next_exchange_timer_ = 0;
};

}  // namespace mm::simx
