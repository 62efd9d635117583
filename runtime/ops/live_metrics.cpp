#include "runtime/ops/live_metrics.h"

#include <string>

#include "core/types.h"
#include "net/ret_codes.h"

namespace mm {

std::string_view to_string(MsgTopic t) noexcept {
  switch (t) {
    case MsgTopic::kOrderbook:
      return "orderbook";
    case MsgTopic::kPublicTrade:
      return "publicTrade";
    case MsgTopic::kOrder:
      return "order";
    case MsgTopic::kExecution:
      return "execution";
    case MsgTopic::kPosition:
      return "position";
    case MsgTopic::kWallet:
      return "wallet";
    case MsgTopic::kTrade:
      return "trade";
    case MsgTopic::kRest:
      return "rest";
    case MsgTopic::kOther:
    case MsgTopic::kCount:
      break;
  }
  return "other";
}

std::string_view to_string(OrderAction a) noexcept {
  switch (a) {
    case OrderAction::kCreate:
      return "create";
    case OrderAction::kAmend:
      return "amend";
    case OrderAction::kCancel:
      return "cancel";
    case OrderAction::kCancelAll:
    case OrderAction::kCount:
      break;
  }
  return "cancel_all";
}

std::string_view to_string(Stream s) noexcept {
  switch (s) {
    case Stream::kPublic:
      return "public";
    case Stream::kPrivate:
      return "private";
    case Stream::kTrade:
    case Stream::kCount:
      break;
  }
  return "trade";
}

namespace {

constexpr std::string_view kNames[] = {
    "mm_tick_to_quote_seconds",
    "mm_order_ack_seconds",
    "mm_messages_total",
    "mm_message_errors_total",
    "mm_order_actions_total",
    "mm_order_rejects_total",
    "mm_rate_limit_remaining",
    "mm_reconnects_total",
    "mm_position",
    "mm_inventory_value",
    "mm_pnl_realized",
    "mm_pnl_unrealized",
    "mm_fees",
    "mm_drawdown",
    "mm_risk_state",
    "mm_quote_uptime_ratio",
    "mm_log_dropped_total",
    "mm_alerts_sent_total",
    "mm_alerts_failed_total",
    "mm_alerts_suppressed_total",
};

}  // namespace

std::span<const std::string_view> LiveMetrics::names() noexcept {
  return kNames;
}

LiveMetrics::LiveMetrics(MetricsRegistry& r, double qty_step, int64_t money_scale) {
  const auto bounds = default_latency_bounds_ns();
  tick_to_quote_ =
      &r.histogram("mm_tick_to_quote_seconds",
                   "Time from a market-data frame's receive stamp to the order actions it caused.", bounds);
  order_ack_ = &r.histogram("mm_order_ack_seconds",
                            "Time from sending an order action to the exchange's answer.", bounds);
  for (size_t i = 0; i < messages_.size(); ++i) {
    const std::string_view topic = to_string(static_cast<MsgTopic>(i));
    messages_[i] = &r.counter("mm_messages_total", "Messages received, by topic.", {{"topic", topic}});
    errors_[i] = &r.counter("mm_message_errors_total",
                            "Messages refused (parse error, sequence gap), by topic.", {{"topic", topic}});
  }
  for (size_t i = 0; i < actions_.size(); ++i) {
    const std::string_view action = to_string(static_cast<OrderAction>(i));
    actions_[i] =
        &r.counter("mm_order_actions_total", "Order actions sent, by action.", {{"action", action}});
  }
  for (const RetCodeInfo& info : ret_code_table()) {
    if (info.code == 0 || reject_count_ + 1 >= kRejectCodes) continue;
    const std::string code = std::to_string(info.code);
    reject_codes_[reject_count_] = info.code;
    rejects_[reject_count_++] =
        &r.counter("mm_order_rejects_total", "Order actions refused, by Bybit retCode.",
                   {{"ret_code", code}, {"reason", info.name}});
  }
  rejects_[reject_count_] = &r.counter("mm_order_rejects_total", "Order actions refused, by Bybit retCode.",
                                       {{"ret_code", "other"}, {"reason", "unknown"}});
  for (size_t i = 0; i < headroom_.size(); ++i) {
    headroom_[i] =
        &r.gauge("mm_rate_limit_remaining",
                 "Requests left in the current rate-limit window (X-Bapi-Limit-Status), by action class.",
                 {{"action", to_string(static_cast<OrderAction>(i))}});
  }
  for (size_t i = 0; i < reconnects_.size(); ++i) {
    reconnects_[i] = &r.counter("mm_reconnects_total", "Connections re-opened after a drop, by stream.",
                                {{"stream", to_string(static_cast<Stream>(i))}});
  }
  const double money = 1.0 / static_cast<double>(money_scale);
  position_ = &r.gauge("mm_position", "Signed position in the base coin.", {}, qty_step);
  inventory_value_ = &r.gauge("mm_inventory_value", "Position value at mid, in the settle coin.", {}, money);
  realized_ = &r.gauge("mm_pnl_realized", "Realized PnL since start, in the settle coin.", {}, money);
  unrealized_ = &r.gauge("mm_pnl_unrealized", "Unrealized PnL at mid, in the settle coin.", {}, money);
  fees_ =
      &r.gauge("mm_fees", "Fees paid since start (negative: rebates earned), in the settle coin.", {}, money);
  drawdown_ =
      &r.gauge("mm_drawdown", "Drop of equity from its peak since start, in the settle coin.", {}, money);
  for (size_t i = 0; i < risk_state_.size(); ++i) {
    risk_state_[i] = &r.gauge("mm_risk_state", "1 for the current trading state, 0 for the others.",
                              {{"state", to_string(static_cast<TradingState>(i))}});
  }
  risk_state_[0]->set(1);
  uptime_ =
      &r.gauge("mm_quote_uptime_ratio", "Fraction of the time since start with both sides quoted.", {}, 1e-6);
  log_dropped_ =
      &r.counter("mm_log_dropped_total", "Hot-path log records dropped because the log ring was full.");
  alerts_sent_ = &r.counter("mm_alerts_sent_total", "Alerts delivered to the alert channel.");
  alerts_failed_ = &r.counter("mm_alerts_failed_total", "Alerts given up after every retry failed.");
  alerts_suppressed_ =
      &r.counter("mm_alerts_suppressed_total",
                 "Alerts not sent: a duplicate within the de-duplication window, or a full queue.");
}

void LiveMetrics::order_reject(int32_t ret_code) noexcept {
  size_t i = 0;
  while (i < reject_count_ && reject_codes_[i] != ret_code) ++i;
  rejects_[i]->inc();  // i == reject_count_: "other"
}

void LiveMetrics::risk_state(TradingState s) noexcept {
  for (size_t i = 0; i < risk_state_.size(); ++i) risk_state_[i]->set(i == static_cast<size_t>(s) ? 1 : 0);
}

void LiveMetrics::quoting(bool both_sides, int64_t now_ns) noexcept {
  if (uptime_start_ns_ < 0) {
    uptime_start_ns_ = now_ns;
    last_ns_ = now_ns;
  } else if (now_ns > last_ns_) {  // a clock that stepped back adds nothing
    if (last_both_) quoted_ns_ += now_ns - last_ns_;
    last_ns_ = now_ns;
  }
  last_both_ = both_sides;
  const int64_t elapsed = last_ns_ - uptime_start_ns_;
  if (elapsed > 0) {
    // In ppm (the gauge's scale is 1e-6); 128-bit because quoted x 1e6 leaves int64 after 2.5 hours.
    uptime_->set(static_cast<int64_t>(static_cast<Int128>(quoted_ns_) * 1'000'000 / elapsed));
  }
}

}  // namespace mm
