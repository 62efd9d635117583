#include "sim/server/sim_app.h"

namespace mm::simx {

std::string apply_exchange_fault(SimExchange& exchange, const Fault& f, int64_t now_ns) {
  switch (f.kind) {
    case FaultKind::kRetCode:
      exchange.fail_next(f.ret_code, static_cast<uint32_t>(f.count));
      return "";
    case FaultKind::kPartialFill:
      // No order_id: the oldest resting order (a scenario written before any order id is known).
      return exchange.fill_partially(f.order_id, f.qty, now_ns);
    case FaultKind::kStopFilling:
      exchange.set_filling(false, now_ns);
      return "";
    case FaultKind::kResumeFilling:
      exchange.set_filling(true, now_ns);
      return "";
    case FaultKind::kRestartMatching:
      exchange.restart_matching((f.ms > 0 ? f.ms : 1000) * 1'000'000, now_ns);
      return "";
    case FaultKind::kPostOnlyCross:
      exchange.cross_post_only(static_cast<uint32_t>(f.count));
      return "";
    case FaultKind::kDuplicateExecution:
      exchange.duplicate_executions(static_cast<uint32_t>(f.count));
      return "";
    case FaultKind::kReorderOrder:
      return exchange.reorder_order(f.order_id, now_ns);
    default:
      return "not an order-side fault";
  }
}

SimApp::SimApp(SimServerOptions server, const ExchangeConfig& exchange, const EventData& data) {
  // The fault hook reaches the exchange through this object, which outlives the server's run().
  server.exchange_fault = [this](const Fault& f, int64_t now_ns) {
    return apply_exchange_fault(*exchange_, f, now_ns);
  };
  server_ = std::make_unique<SimServer>(std::move(server), data, nullptr);
  exchange_ = std::make_unique<SimExchange>(exchange, data.instruments(), server_->ws_output());
  server_->attach_exchange(exchange_.get());
}

SimApp::~SimApp() = default;

std::string SimApp::summary_json() const {
  const ExchangeStats x = exchange_->stats();
  ExchangeCounters c;
  c.created = x.orders_created;
  c.amended = x.orders_amended;
  c.cancelled = x.orders_cancelled;
  c.rejected = x.orders_rejected;
  c.filled = x.orders_filled;
  c.fills = x.fills;
  c.late_order_messages = x.late_order_messages;
  c.late_new_messages = x.late_new_messages;
  for (const auto& [code, n] : x.rejects_by_code) c.rejects_by_code[code] += n;
  return mm::simx::summary_json(server_->stats(), c);
}

}  // namespace mm::simx
