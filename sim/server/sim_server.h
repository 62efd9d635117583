#pragma once
// The exchange simulator's server (`mm sim`, issue 10): one loopback port serving HTTP/1.1 keep-alive REST
// and the WebSockets /v5/public/{linear,inverse,spot,option}, /v5/private and /v5/trade, plain or TLS, on ONE
// event-loop thread (pinned when a CPU is given; no locks). It owns the clock, the market (a recording paced
// by MarketFeed into PublicMarket) and the connection faults, and feeds the exchange (ExchangeHandler): every
// market event reaches the exchange before the public streams, private/trade WebSocket text and the REST
// paths the exchange handles go to it, and its on_timer runs per next_deadline_ns().
//
// Limits that protect the server and the other clients: max connections (beyond: the socket is closed at
// once), max WebSocket message and HTTP body size (beyond: close 1009 / HTTP 413 with a reason), a bounded
// write queue per connection (a client that does not read is disconnected; memory never grows past the cap).
// Once the connections are up, the per-message path does not allocate: read buffers, write buffers and the
// public market's scratch keep their capacity.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/latency_histogram.h"
#include "sim/event_data.h"
#include "sim/exchange/exchange_handler.h"
#include "sim/server/fault.h"

namespace mm::simx {

struct SimServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: a free port
  bool tls = false;
  std::string cert_file, key_file;  // PEM server certificate (chain) and key; required with tls
  size_t max_connections = 1000;
  size_t max_message_bytes = size_t{1} << 20;       // WebSocket message and HTTP body
  size_t max_head_bytes = size_t{16} << 10;         // HTTP request line + headers
  size_t max_write_queue_bytes = size_t{16} << 20;  // per connection
  int cpu = -1;                                     // pin the event loop to this CPU (-1: not pinned)
  bool busy_poll = false;       // spin instead of sleeping in epoll between events (lowest latency, one core)
  bool admin = false;           // POST /admin/fault allowed
  bool handle_signals = false;  // SIGINT/SIGTERM stop run() (the command sets it; tests call stop())
  double speed = 1.0;
  bool max_speed = false;
  bool loop = false;
  // Real-time speeds: the market's clock starts at the first public subscription, not at run() (mm parity:
  // the client must see the recording from its first record, as the backtest does).
  bool start_on_subscribe = false;
  int64_t duration_ns = 0;    // run() returns by itself after this long (0: until stop())
  std::vector<Fault> faults;  // scheduled (Fault::at_ns relative to run() start)
  // Order-side faults (is_exchange_fault) go here (the exchange's fault API); returns "" or an error. Unset:
  // such faults are refused.
  std::function<std::string(const Fault&, int64_t now_ns)> exchange_fault;
};

// What the exchange reports for the summary (filled by whoever owns the exchange).
struct ExchangeCounters {
  uint64_t created = 0, amended = 0, cancelled = 0, rejected = 0, filled = 0;
  uint64_t fills = 0;
  uint64_t late_order_messages = 0;  // order messages sent after their order's final one (reorder_order)
  uint64_t late_new_messages = 0;    // of which orderStatus New
  std::map<int, uint64_t> rejects_by_code;
};

struct SimServerStats {
  uint64_t connections = 0;          // accepted
  uint64_t refused_connections = 0;  // over max_connections
  uint64_t peak_connections = 0;
  uint64_t closed_slow_reader = 0;  // write queue over its cap
  uint64_t closed_too_large = 0;    // message or request over its cap
  uint64_t closed_protocol = 0;     // bad frames, bad HTTP
  uint64_t ws_messages_in = 0;
  uint64_t public_messages = 0;  // public stream messages generated (each sent to every subscriber)
  uint64_t market_messages = 0;  // recording messages played
  uint64_t market_loops = 0;
  uint64_t faults_applied = 0;
  // Server clock (Unix ns, skew included) at which the market's clock started, its first record due then
  // (0: not started). mm parity maps the venue's times to data time with it.
  int64_t market_start_ns = 0;
  std::map<std::string, uint64_t, std::less<>> requests;  // REST path, or "ws <path> <op>" for WebSocket ops
  LatencyHistogram reaction_ns;  // last byte of a public book frame written -> first byte of the next order
                                 // request read (see docs/sim.md)
};

// The --summary-json document: {"connections", "requests", "orders", "fills", "rejects_by_code",
// "reaction_ns",
// ...}.
[[nodiscard]] std::string summary_json(const SimServerStats& stats, const ExchangeCounters& exchange);

class SimServer {
 public:
  // `data` and `exchange` outlive the server; `exchange` may be null (then trading REST paths answer 404 and
  // private/trade WebSockets are closed with 1011).
  SimServer(SimServerOptions options, const EventData& data, ExchangeHandler* exchange);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // The server's side of the exchange seam, and attaching the exchange built on it (the exchange needs the
  // output at construction, the server needs the exchange: construct the server with null, then attach).
  // Precondition for attach_exchange: before run().
  [[nodiscard]] WsOutput& ws_output() noexcept;
  void attach_exchange(ExchangeHandler* exchange) noexcept;

  // Binds and listens (cold). Returns "" or an error naming the address or the certificate file.
  [[nodiscard]] std::string start();
  [[nodiscard]] uint16_t port() const noexcept;
  // "http://127.0.0.1:PORT" or "https://..." (valid after start()).
  [[nodiscard]] std::string url() const;

  // Runs the event loop on the calling thread until stop(), a signal (handle_signals) or duration_ns. Then
  // every WebSocket gets a close frame (1001), queued output is flushed (bounded wait) and every connection
  // is closed. Precondition: start() succeeded. Returns "" or an error (pinning refused).
  std::string run();
  // Thread-safe (not async-signal-safe: with handle_signals the server catches the signals itself): asks
  // run() to return.
  void stop() noexcept;

  // Applies one fault now. Thread: the event loop only (or before run()). Returns a one-line JSON result
  // {"ok":true,...} or {"ok":false,"error":"..."}.
  std::string apply_fault(const Fault& fault);

  // Valid after run() returned (or from the loop thread).
  [[nodiscard]] const SimServerStats& stats() const noexcept;

  // The server clock (Unix ns, wall + skew).
  [[nodiscard]] int64_t now_ns() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mm::simx
