#pragma once
// The whole simulator of `mm sim`: the server (sim/server/sim_server.h) with the exchange (SimExchange)
// behind it, the order-side faults routed to the exchange's fault API and the exchange's counters in the
// summary. The command, the tests and the benchmarks build this one object.
#include <memory>
#include <string>

#include "sim/event_data.h"
#include "sim/exchange/exchange_config.h"
#include "sim/exchange/sim_exchange.h"
#include "sim/server/sim_server.h"

namespace mm::simx {

class SimApp {
 public:
  // `data` outlives the app. Throws std::invalid_argument with the exchange config's validation message.
  SimApp(SimServerOptions server, const ExchangeConfig& exchange, const EventData& data);
  ~SimApp();
  SimApp(const SimApp&) = delete;
  SimApp& operator=(const SimApp&) = delete;

  [[nodiscard]] std::string start() { return server_->start(); }
  [[nodiscard]] std::string url() const { return server_->url(); }
  [[nodiscard]] uint16_t port() const noexcept { return server_->port(); }
  std::string run() { return server_->run(); }
  void stop() noexcept { server_->stop(); }
  // The --summary-json document (after run() returned).
  [[nodiscard]] std::string summary_json() const;

  SimServer& server() noexcept { return *server_; }
  SimExchange& exchange() noexcept { return *exchange_; }

 private:
  std::unique_ptr<SimServer> server_;
  std::unique_ptr<SimExchange> exchange_;
};

// Applies an order-side fault (is_exchange_fault) to the exchange. Returns "" or an error.
[[nodiscard]] std::string apply_exchange_fault(SimExchange& exchange, const Fault& fault, int64_t now_ns);

}  // namespace mm::simx
