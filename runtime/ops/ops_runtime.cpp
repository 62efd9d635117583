#include "runtime/ops/ops_runtime.h"

#include <utility>

#include "runtime/ops/live_events.h"
#include "runtime/ops/metrics_endpoint.h"

namespace mm {

namespace {

// The host part of "host:port" as a URL wants it (IPv6 keeps its brackets).
std::string url_host(std::string_view listen) {
  return std::string(listen.substr(0, listen.rfind(':')));
}

}  // namespace

OpsRuntime::OpsRuntime(OpsOptions options)
    : options_(std::move(options)),
      metrics_(std::make_unique<LiveMetrics>(registry_, options_.qty_step, options_.money_scale)),
      hot_log_(std::make_unique<LogRing>()),
      drain_(std::make_unique<LogDrain>(log_drain_config(options_.settings), options_.events,
                                        &metrics_->log_dropped())) {
  drain_->add_ring(*hot_log_);
  for (const std::string& s : options_.secrets) drain_->add_secret(s);
  drain_->add_secret(options_.alert_token);
  drain_->add_secret(options_.control_token);
  if (!options_.settings.http_listen.empty()) {
    HttpServerConfig hc;
    hc.listen = options_.settings.http_listen;
    http_ = std::make_unique<HttpServer>(hc);
    serve_metrics(*http_, registry_);
    LivePageConfig pc;
    pc.instrument = options_.instrument;
    pc.money_scale = options_.money_scale;
    pc.control_token = options_.control_token;
    page_ = std::make_unique<LivePage>(std::move(pc), *metrics_, drain_.get());
    page_->attach(*http_);
  }
}

OpsRuntime::~OpsRuntime() {
  stop();
}

std::string OpsRuntime::start() {
  if (started_) return "";
  if (std::string e = drain_->open(); !e.empty()) return "ops.log_file: " + e;
  drain_->start();
  started_ = true;
  if (http_) {
    if (std::string e = http_->start(); !e.empty()) {
      stop();
      return "ops.http_listen: " + e;
    }
  }
  if (!options_.settings.alert_telegram_chat_id.empty()) {
    AlertConfig ac = alert_config(options_.settings, options_.alert_token);
    ac.prefix = options_.alert_prefix;
    alerts_ = std::make_unique<AlertSender>(std::move(ac), metrics_.get(), drain_.get());
    if (std::string e = alerts_->start(); !e.empty()) {
      alerts_.reset();
      stop();
      return "ops.alert_telegram_chat_id is set but " + e;
    }
  }
  drain_->log(LogLevel::kInfo, "ops", "ops_started",
              {{"http_listen", options_.settings.http_listen},
               {"http_port", static_cast<int64_t>(http_port())},
               {"page", http_ ? "http://" + url_host(options_.settings.http_listen) + ":" +
                                    std::to_string(http_port()) + "/"
                              : std::string()},
               {"page_control", page_ != nullptr && page_->control_enabled()},
               {"alerts", alerts_ != nullptr}});
  return "";
}

void OpsRuntime::stop() noexcept {
  if (!started_) return;
  started_ = false;
  if (alerts_) alerts_->stop();
  if (http_) http_->stop();
  drain_->stop();
}

uint16_t OpsRuntime::http_port() const noexcept {
  return http_ ? http_->port() : 0;
}

void OpsRuntime::publish(const OpsSnapshot& s) noexcept {
  LiveMetrics& m = *metrics_;
  m.order_actions_total(OrderAction::kCreate, s.creates);
  m.order_actions_total(OrderAction::kAmend, s.amends);
  m.order_actions_total(OrderAction::kCancel, s.cancels);
  m.order_actions_total(OrderAction::kCancelAll, s.cancel_alls);
  m.reconnects_total(Stream::kPublic, s.reconnects_public);
  m.reconnects_total(Stream::kPrivate, s.reconnects_private);
  m.reconnects_total(Stream::kTrade, s.reconnects_trade);
  for (size_t i = 0; i < s.rate_remaining.size(); ++i) {
    if (s.rate_remaining[i] >= 0) m.rate_limit_remaining(static_cast<OrderAction>(i), s.rate_remaining[i]);
  }
  m.position_lots(s.position_lots);
  m.inventory_value(s.inventory_value);
  m.realized_pnl(s.realized);
  m.unrealized_pnl(s.unrealized);
  m.fees(s.fees);
  const int64_t equity = s.realized + s.unrealized - s.fees;
  if (!published_ || equity > equity_peak_) equity_peak_ = equity;
  m.drawdown(equity_peak_ - equity);
  m.quoting(s.both_sides_quoted, s.now_ns);
  m.risk_state(s.state);
  if (published_ && s.state != last_state_) {
    (void)log_event(*hot_log_, LiveEvent::kRiskState, s.now_ns, "", static_cast<int64_t>(last_state_),
                    static_cast<int64_t>(s.state), 0);
    if (alerts_) {
      // The one allocation of publish(): the alert's text, on a state change (rare, never steady state).
      std::string text = "trading state ";
      text += to_string(last_state_);
      text += " -> ";
      text += to_string(s.state);
      alerts_->alert(AlertKind::kRiskState, text);
    }
  }
  published_ = true;
  last_state_ = s.state;
}

void OpsRuntime::alert(AlertKind kind, std::string_view text) noexcept {
  if (alerts_) alerts_->alert(kind, text);
}

}  // namespace mm
