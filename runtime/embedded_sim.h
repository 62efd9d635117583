#pragma once
// The simulator inside `mm run` / `mm paper` / `mm record` when [venue] endpoint = "sim": the whole `mm sim`
// (sim/server/sim_app.h) on a free loopback port, on a thread of its own, serving the [sim] section's market
// (recordings, or the synthetic generator) with the [backtest] fill engine and fees. A user with no account
// and no data gets a venue that speaks Bybit V5, and the live node reaches it through the same sockets and
// code as Bybit.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/latency_histogram.h"
#include "runtime/mm_config.h"
#include "sim/event_convert.h"
#include "sim/exchange/exchange_config.h"
#include "sim/server/fault.h"

namespace mm {

namespace simx {
class SimApp;
}
class EventData;

struct EmbeddedSimOptions {
  SimSettings market;                 // [sim]
  std::vector<simx::KeyConfig> keys;  // empty: the built-in test key (mmsim-test-key)
  std::vector<simx::Fault> faults;    // scheduled faults (tests)
  std::string tls_dir;                // non-empty: serve TLS with the material in (or created in) it
  bool admin = false;                 // accept POST /admin/fault (tests)
  // Serve only the records with local time in [from_ns, to_ns) (mm parity's window; default: all).
  int64_t from_ns = kNoTimeLimitLow;
  int64_t to_ns = kNoTimeLimitHigh;
  bool start_on_subscribe = false;  // the market's clock starts at the first public subscription
};

// The exchange settings `mm sim --config` and the embedded simulator take from an mm config: [backtest]'s
// queue model, book window, fees, latency and per-second limits, so that paper/sim and backtest agree.
simx::ExchangeConfig exchange_config_for(const MmConfig& cfg);

class EmbeddedSim {
 public:
  EmbeddedSim();
  ~EmbeddedSim();  // stops and joins
  EmbeddedSim(const EmbeddedSim&) = delete;
  EmbeddedSim& operator=(const EmbeddedSim&) = delete;

  // Loads the market, binds 127.0.0.1 on a free port and starts serving on a new thread. Returns "" or an
  // error naming the file or setting (sim.data, sim.gen_seconds, ...). Precondition: not started.
  [[nodiscard]] std::string start(const EmbeddedSimOptions& options, const MmConfig& cfg);
  // "http://127.0.0.1:PORT" (https with TLS); valid after start().
  [[nodiscard]] std::string url() const;
  // The CA file to trust with TLS ("" without).
  [[nodiscard]] const std::string& ca_file() const noexcept { return ca_file_; }
  // Stops the server (every WebSocket gets a close frame) and joins its thread. Idempotent.
  void stop() noexcept;
  // The simulator's summary document (mm sim --summary-json), with its reaction_ns; valid after stop().
  [[nodiscard]] std::string summary_json() const;
  // reaction_ns (book frame written -> next order request read); valid after stop(), empty when not started.
  [[nodiscard]] LatencyHistogram reaction_ns() const;
  // Wall clock (Unix ns) at which the market's first record was due: data time = first record's time +
  // (wall - this) x speed. 0 when the market never started. Valid after stop().
  [[nodiscard]] int64_t market_start_ns() const;
  // Answers the exchange gave with retCode `code` (10006: over a rate limit); valid after stop(), 0 when not
  // started.
  [[nodiscard]] uint64_t rejects_with_code(int32_t code) const;
  [[nodiscard]] bool started() const noexcept { return app_ != nullptr; }
  // The error run() returned, if any (valid after stop()).
  [[nodiscard]] const std::string& run_error() const noexcept { return run_error_; }

 private:
  std::unique_ptr<EventData> data_;
  std::unique_ptr<simx::SimApp> app_;
  std::thread thread_;
  std::string ca_file_;
  std::string run_error_;
};

}  // namespace mm
