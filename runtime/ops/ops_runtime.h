#pragma once
// Everything operations for one live node, started and stopped as one piece: the metrics registry with the
// LiveMetrics set, the /metrics HTTP server, the log drain with the hot thread's log ring, and the alert
// sender. The live node owns one OpsRuntime: it updates metrics() and pushes on hot_log() from the hot
// thread, logs cold lines through log(), raises alerts through alert(), and calls stop() at the end of its
// shutdown (after its own last log line and alert).
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/instrument.h"
#include "core/log_ring.h"
#include "core/metrics.h"
#include "risk/trading_state.h"
#include "runtime/ops/alerts.h"
#include "runtime/ops/http_server.h"
#include "runtime/ops/live_metrics.h"
#include "runtime/ops/live_page.h"
#include "runtime/ops/log_drain.h"
#include "runtime/ops/ops_config.h"

namespace mm {

struct OpsOptions {
  OpsSettings settings;
  double qty_step = 1.0;     // the instrument's lot size in base coin (metrics render positions with it)
  int64_t money_scale = 1;   // fixed-point money units per settle coin (kMoneyOne)
  std::string alert_token;   // the bot token (telegram_token()); required when alerts are on
  std::string alert_prefix;  // e.g. "mm BTCUSDT: "
  std::vector<std::string> secrets;     // values the log drain must never write (API key and secret)
  std::span<const LogEventDef> events;  // catalog of the hot ring's event ids (kLiveEvents)
  // The live page (served with /metrics unless http_listen is ""): prices and sizes on this grid.
  Instrument instrument;
  std::string control_token;  // MM_CONTROL_TOKEN (control_token()); "" = the page's control is disabled
};

// What the node knows at a timer tick, published in one call (OpsRuntime::publish). Money in fixed-point
// units of the settle coin, position in lots.
struct OpsSnapshot {
  int64_t now_ns = 0;
  uint64_t creates = 0, amends = 0, cancels = 0, cancel_alls = 0;  // sent so far
  uint64_t reconnects_public = 0, reconnects_private = 0, reconnects_trade = 0;
  int64_t position_lots = 0;
  int64_t inventory_value = 0;  // position at mid
  int64_t realized = 0, unrealized = 0, fees = 0;
  TradingState state = TradingState::kActive;
  bool both_sides_quoted = false;
  // Requests the rate limiter allows now per OrderAction (create, amend, cancel, cancel-all); -1: no limiter
  // or the class is not limited (the gauge is left as it was).
  std::array<int64_t, static_cast<size_t>(OrderAction::kCount)> rate_remaining{-1, -1, -1, -1};
};

class OpsRuntime {
 public:
  explicit OpsRuntime(OpsOptions options);
  ~OpsRuntime();  // stop()
  OpsRuntime(const OpsRuntime&) = delete;
  OpsRuntime& operator=(const OpsRuntime&) = delete;

  // Opens the log sink and starts the drain, the HTTP server (unless settings.http_listen is "") and the
  // alert sender (when settings.alert_telegram_chat_id is set). Returns "" or an error naming the [ops] key
  // (ops.log_file, ops.http_listen, ops.alert_*); on error whatever had started is stopped again.
  [[nodiscard]] std::string start();

  // Flushes alerts (bounded), stops the HTTP server, drains and flushes the logs. Idempotent.
  void stop() noexcept;

  LiveMetrics& metrics() noexcept { return *metrics_; }
  MetricsRegistry& registry() noexcept { return registry_; }
  LogRing& hot_log() noexcept { return *hot_log_; }
  LogDrain& log() noexcept { return *drain_; }
  // The HTTP server, for more routes before start(); null when http_listen is "".
  HttpServer* http() noexcept { return http_.get(); }
  // The live page on that server (runtime/ops/live_page.h); null when http_listen is "".
  LivePage* page() noexcept { return page_.get(); }
  [[nodiscard]] uint16_t http_port() const noexcept;
  // From the node's timer (its hot thread): sets the gauges and mirrored totals, tracks the drawdown of
  // realized + unrealized - fees from its peak, and on a trading-state change pushes a risk_state record
  // (events must be kLiveEvents) and raises an alert. No allocation except the alert text of a state change.
  void publish(const OpsSnapshot& s) noexcept;

  // Queues an alert; a no-op when alerts are off. Never blocks.
  void alert(AlertKind kind, std::string_view text) noexcept;
  [[nodiscard]] bool alerts_on() const noexcept { return alerts_ != nullptr; }

 private:
  OpsOptions options_;
  MetricsRegistry registry_;
  std::unique_ptr<LiveMetrics> metrics_;
  std::unique_ptr<LogRing> hot_log_;
  std::unique_ptr<LogDrain> drain_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<LivePage> page_;
  std::unique_ptr<AlertSender> alerts_;
  bool started_ = false;
  // publish() state (the node's timer thread only).
  bool published_ = false;
  int64_t equity_peak_ = 0;
  TradingState last_state_ = TradingState::kActive;
};

}  // namespace mm
