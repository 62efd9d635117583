#pragma once
// The live node of `mm run` (issue 11): one Trader quoting one instrument on a Bybit V5 venue (Bybit, or the
// embedded simulator with [venue] endpoint = "sim").
//
// Threads (layout one-thread, the default on small machines; --layout pipeline: runtime/live_pipeline.h):
//   hot      the public book stream, the private stream and the trade WebSocket, polled in one busy loop that
//            never blocks, feeding the Trader (book -> strategy -> risk -> quoter -> LiveVenue);
//   control  REST (runtime/live_control.h): start-up checks, reconciliation, REST order entry while the trade
//            WebSocket is down, cancel-all, order queries; joined to the hot thread by two SPSC rings;
//   sim      with endpoint = "sim", the simulator's event loop (runtime/embedded_sim.h).
//
// Start-up (prepare): the simulator, server time, instruments, the key's permissions (a key that can withdraw
// or transfer is refused), the journal (runtime/journal.h) and a block of link ids, then the account:
// positions adopted, our open orders left by an earlier run cancelled, before the first quote. The same
// reconciliation runs after every reconnect of the private stream.
//
// Dead-man switch: quotes are pulled (Trader::set_quoting(false)) while the public feed is silent for
// live.feed_quiet_ms or the private stream is down for live.private_quiet_ms; Bybit's DCP window is set when
// live.dcp_window_s > 0.
//
// Shutdown (stop flag, or --duration): quoting off, cancel-all, then wait up to live.shutdown_timeout_ms for
// every order to be confirmed terminal by the order stream; exit 3 naming the orders left otherwise.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/latency_histogram.h"
#include "core/money.h"
#include "core/order_request.h"
#include "runtime/embedded_sim.h"
#include "runtime/layout_check.h"
#include "runtime/live_thread.h"
#include "runtime/mm_config.h"
#include "strategy/trader_counters.h"

namespace mm {

enum class LiveLayout : uint8_t { kOneThread = 0, kPipeline };

struct LiveOptions {
  MmConfig config;          // after copying, config.trader.quoter.link_id_prefix is re-pointed by the node
  int64_t duration_ns = 0;  // 0: until *stop
  const std::atomic<bool>* stop = nullptr;  // set by the command's signal handler
  LiveLayout layout = LiveLayout::kOneThread;
  // one-thread: the hot thread's CPU; pipeline: network, decision, dispatch (runtime/live_pipeline.h).
  // -1 / absent: not pinned.
  std::vector<int> cpus;
  LayoutIdle idle = LayoutIdle::kBackOff;  // pipeline only: how its threads wait (the one-thread loop spins)
  std::string api_key, api_secret;         // ignored with endpoint = "sim" unless set (tests)
  EmbeddedSimOptions sim;                  // endpoint = "sim" only: keys, faults, TLS (tests)
  // Called once on each hot thread of the layout as it starts, after pinning, before its WebSockets start
  // (runtime/live_thread.h): kHot (one-thread) or kDecision (pipeline) on the thread calling run(), then
  // kNetwork and kDispatch on the pipeline's own threads, one call after the other. Empty: nothing called.
  // For tests and tools that watch a thread the node creates (the LiveHotPath allocation tests).
  LiveThreadHook on_thread_start;
};

// Exit codes of `mm run` (README): 0 done, 1 runtime failure, 2 bad config or refused key (nothing sent),
// 3 shutdown could not confirm every cancel.
struct LiveError {
  int code = 0;
  std::string message;
};

struct LiveSummary {
  std::string venue;  // "sim" / "mainnet" / ... and the REST URL
  double duration_s = 0;
  uint64_t created = 0, amended = 0, cancelled = 0, rejected = 0, filled = 0;
  uint64_t fills = 0;
  std::string position;  // decimal base-coin quantity, signed
  Money realized, unrealized, fees, net;
  LatencyHistogram tick_to_quote;  // ns: book frame parsed -> last order request handed to the transport
  LatencyHistogram order_ack;      // ns: request sent -> its answer received
  uint64_t reconnects = 0;
  uint64_t rest_orders = 0;        // order requests sent over REST (the trade WebSocket down or absent)
  bool cancel_all = false;         // shutdown cancelled every order of ours, each confirmed by the venue
  bool cancel_all_rest = false;    // ... and needed the REST cancel-all of the symbol as backstop
  uint32_t open_orders_after = 0;  // orders not confirmed terminal when the node stopped
  std::vector<std::string> unconfirmed;  // their orderLinkIds
  std::string fault;                     // the Trader's first broken invariant ("" when none)
  std::vector<std::string> warnings;     // e.g. a key without IP whitelist
  // endpoint = "sim": the simulator's reaction_ns (book frame written -> next order request read).
  bool has_sim = false;
  LatencyHistogram sim_reaction;
  std::string settle_coin, base_coin;
  // The Trader's counters at the end (ticks, refusals, the quoter's summed counters), and the venue's: spans
  // the local rate limiter held back (its own buckets, tightened by X-Bapi-Limit*) and spans refused for want
  // of room (in-flight table, send queue, control ring). `mm parity` compares them with the backtest's.
  TraderCounters trader;
  uint64_t venue_rate_limited = 0, venue_refused = 0, ws_requests = 0;
};

// The node's own view of its orders, fills and position, copied by the hot thread between two events when
// asked (LiveNode::probe): what the fault matrix (runtime/fault_matrix.h) compares with the venue's.
struct LiveProbe {
  int64_t position_lots = 0;   // signed
  uint64_t fills = 0;          // executions counted (once each, by execId)
  uint64_t created = 0;        // creates the venue accepted
  uint64_t amended = 0;        // amends the venue accepted
  bool quoting = false;        // false while the dead-man switch holds quotes back
  bool trade_ready = false;    // the trade WebSocket is connected and authenticated
  uint64_t rest_requests = 0;  // order requests handed to REST (the trade WebSocket down)
  uint64_t reconnects_public = 0, reconnects_private = 0, reconnects_trade = 0;
  uint64_t pings_private = 0;              // pings the private stream sent (its socket is on this thread)
  uint64_t rehearsals = 0;                 // Trader::rehearse() runs that reached the quoter (one-thread)
  uint64_t request_rehearsals = 0;         // requests encoded and framed, not sent (TradeWs::rehearse)
  uint64_t resubscribes = 0;               // book resubscriptions after a sequence gap (public stream)
  std::vector<OrderLinkId> live;           // orders not known to be terminal (pending, resting, Unknown)
  uint32_t unknown = 0;                    // of those, in state Unknown (a request without an answer yet)
  std::vector<OrderLinkId> unknown_links;  // those in state Unknown, at most live's capacity
  LatencyHistogram tick_to_quote;          // since the start (LiveSummary's): the soak's latency_stable
};

class LiveNode {
 public:
  explicit LiveNode(LiveOptions options);
  ~LiveNode();
  LiveNode(const LiveNode&) = delete;
  LiveNode& operator=(const LiveNode&) = delete;

  // Cold start-up, in order: the pipeline layout's CPUs and idle strategy, simulator, REST, key check,
  // journal, instruments, reconciliation. On error nothing was sent (code 2: --cpus / --idle, config, key,
  // instrument; 1: the venue could not be reached).
  [[nodiscard]] LiveError prepare();
  // Quotes until the stop flag or the duration, then shuts down. Fills `out`. Precondition: prepare() ok.
  [[nodiscard]] LiveError run(LiveSummary& out);
  // What prepare() found worth saying (a key without IP whitelist, a torn journal record, a refused DCP
  // window).
  [[nodiscard]] const std::vector<std::string>& warnings() const noexcept;
  // Thread-safe, one caller at a time: asks the hot thread for a LiveProbe and waits for it up to
  // timeout_ms. False when the node is not in its quoting loop (not started, shutting down, stopped) or did
  // not answer in time. The hot thread answers between two events and never allocates for it (`live` is
  // reserved here to the order table's capacity).
  [[nodiscard]] bool probe(LiveProbe& out, int64_t timeout_ms);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mm
