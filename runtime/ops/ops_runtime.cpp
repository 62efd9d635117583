#include "runtime/ops/ops_runtime.h"

#include <utility>

#include "runtime/ops/metrics_endpoint.h"

namespace mm {

OpsRuntime::OpsRuntime(OpsOptions options)
    : options_(std::move(options)),
      metrics_(std::make_unique<LiveMetrics>(registry_, options_.qty_step, options_.money_scale)),
      hot_log_(std::make_unique<LogRing>()),
      drain_(std::make_unique<LogDrain>(log_drain_config(options_.settings), options_.events,
                                        &metrics_->log_dropped())) {
  drain_->add_ring(*hot_log_);
  for (const std::string& s : options_.secrets) drain_->add_secret(s);
  drain_->add_secret(options_.alert_token);
  if (!options_.settings.http_listen.empty()) {
    HttpServerConfig hc;
    hc.listen = options_.settings.http_listen;
    http_ = std::make_unique<HttpServer>(hc);
    serve_metrics(*http_, registry_);
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

void OpsRuntime::alert(AlertKind kind, std::string_view text) noexcept {
  if (alerts_) alerts_->alert(kind, text);
}

}  // namespace mm
