#pragma once
// The paper node of `mm paper` (issue 11): the live market data of [venue] (Bybit's public stream, or the
// embedded simulator's with endpoint = "sim") drives one Trader whose orders go to the in-process fill engine
// of `mm backtest` (SimVenue with the config's [backtest] latency, queue and fee models). No order, no signed
// request and no private or trade connection leaves the process: the only sockets are the public stream and
// the REST calls for server time and instruments-info; no key is needed.
//
// Clock: wall time. A public frame received at t is first applied to the simulated exchange at t (the
// exchange sees the market before we do, as in the backtester: SimVenue::advance_exchange_to(t) then
// on_book/on_trade), then every simulated answer due by t is delivered, then the Trader sees the frame at t.
// Between frames the loop advances the exchange to now and delivers what is due, so entry and response
// latencies play out in real time. Tickers (funding, mark) are not fed to the venue: funding settles on the
// exchange mid.
//
// Shutdown (stop flag, or the duration): quoting off, the quoter cancels every order, the loop runs the
// simulated exchange until every order is terminal or live.shutdown_timeout_ms passed (exit 3 naming them).
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/embedded_sim.h"
#include "runtime/live_node.h"
#include "runtime/mm_config.h"
#include "sim/sim_venue.h"

namespace mm {

struct PaperOptions {
  MmConfig config;
  int64_t duration_ns = 0;                  // 0: until *stop
  const std::atomic<bool>* stop = nullptr;  // set by the command's signal handler
  EmbeddedSimOptions sim;                   // endpoint = "sim" only (tests: faults)
};

class PaperNode {
 public:
  explicit PaperNode(PaperOptions options);
  ~PaperNode();
  PaperNode(const PaperNode&) = delete;
  PaperNode& operator=(const PaperNode&) = delete;

  // Simulator (endpoint = "sim"), instruments-info, the trader and the fill engine. Errors (LiveError codes
  // of `mm run`): 2 a config key that does not fit (named), 1 the venue could not be reached.
  [[nodiscard]] LiveError prepare();
  // Quotes until the stop flag or the duration, then shuts down. Fills `out` (venue = "paper ..."; order_ack
  // and sim_reaction stay empty: no order reaches a venue). Precondition: prepare() ok.
  [[nodiscard]] LiveError run(LiveSummary& out);
  // The simulated exchange's counters (valid after prepare()).
  [[nodiscard]] const SimVenueCounters& venue_counters() const noexcept;
  // With endpoint = "sim": the simulator's summary document (its request counters), valid after run().
  [[nodiscard]] std::string sim_summary_json() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mm
