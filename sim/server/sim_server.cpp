#include "sim/server/sim_server.h"

#include "sim/server/json_out.h"
#include "sim/server/server_core.h"

namespace mm::simx {

struct SimServer::Impl {
  Impl(SimServerOptions o, const EventData& d, ExchangeHandler* e) : core(std::move(o), d, e) {}
  ServerCore core;
};

SimServer::SimServer(SimServerOptions options, const EventData& data, ExchangeHandler* exchange)
    : impl_(std::make_unique<Impl>(std::move(options), data, exchange)) {}
SimServer::~SimServer() = default;

WsOutput& SimServer::ws_output() noexcept {
  return impl_->core;
}
void SimServer::attach_exchange(ExchangeHandler* exchange) noexcept {
  impl_->core.attach_exchange(exchange);
}
std::string SimServer::start() {
  return impl_->core.start();
}
uint16_t SimServer::port() const noexcept {
  return impl_->core.port();
}
std::string SimServer::url() const {
  return std::string(impl_->core.options().tls ? "https://" : "http://") + impl_->core.options().host + ":" +
         std::to_string(port());
}
std::string SimServer::run() {
  return impl_->core.run();
}
void SimServer::stop() noexcept {
  impl_->core.stop();
}
std::string SimServer::apply_fault(const Fault& fault) {
  return impl_->core.apply_fault(fault);
}
const SimServerStats& SimServer::stats() const noexcept {
  return impl_->core.stats();
}
int64_t SimServer::now_ns() const noexcept {
  return impl_->core.now_ns();
}

std::string summary_json(const SimServerStats& s, const ExchangeCounters& x) {
  std::string j;
  auto field = [&](std::string_view key, uint64_t v, bool comma = true) {
    if (comma) j.push_back(',');
    append_json_string(j, key);
    j.push_back(':');
    append_int(j, static_cast<int64_t>(v));
  };
  j.push_back('{');
  field("connections", s.connections, false);
  field("refused_connections", s.refused_connections);
  field("peak_connections", s.peak_connections);
  j.append(",\"disconnects\":{");
  field("slow_reader", s.closed_slow_reader, false);
  field("too_large", s.closed_too_large);
  field("protocol", s.closed_protocol);
  j.append("},\"requests\":{");
  bool first = true;
  for (const auto& [k, v] : s.requests) {
    field(k, v, !first);
    first = false;
  }
  j.append("},\"orders\":{");
  field("created", x.created, false);
  field("amended", x.amended);
  field("cancelled", x.cancelled);
  field("rejected", x.rejected);
  field("filled", x.filled);
  j.push_back('}');
  field("fills", x.fills);
  j.append(",\"rejects_by_code\":{");
  first = true;
  for (const auto& [code, n] : x.rejects_by_code) {
    field(std::to_string(code), n, !first);
    first = false;
  }
  j.append("},\"reaction_ns\":{");
  const LatencyHistogram& h = s.reaction_ns;
  field("count", h.count(), false);
  field("p50", static_cast<uint64_t>(h.p50()));
  field("p90", static_cast<uint64_t>(h.p90()));
  field("p99", static_cast<uint64_t>(h.p99()));
  field("max", static_cast<uint64_t>(h.max()));
  j.push_back('}');
  field("ws_messages_in", s.ws_messages_in);
  field("public_messages", s.public_messages);
  field("market_messages", s.market_messages);
  field("market_loops", s.market_loops);
  field("faults_applied", s.faults_applied);
  field("late_order_messages", x.late_order_messages);
  field("late_new_messages", x.late_new_messages);
  j.append("}\n");
  return j;
}

}  // namespace mm::simx
