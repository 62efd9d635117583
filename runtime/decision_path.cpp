#include "runtime/decision_path.h"

#include <stdexcept>
#include <type_traits>

#include "strategy/avellaneda_stoikov.h"
#include "strategy/fixed_spread.h"
#include "strategy/glft.h"
#include "strategy/inventory_mm.h"

namespace mm {

namespace {

// V is RecordingVenue or RingVenue: both keep the actions accepted since begin_tick() for confirm().
template <class S, class C, class V>
class DecisionPathImpl final : public DecisionPath {
 public:
  template <class VenueArg>
  DecisionPathImpl(const MmConfig& cfg, const C& strategy_cfg, const InstrumentRegistry& registry,
                   InstrumentId id, VenueArg& venue_arg)
      : id_(id),
        cfg_(cfg),
        strategy_(strategy_cfg),
        risk_(cfg.risk, registry.get(id), id),
        venue_(venue_arg),
        trader_(registry.get(id), id, venue_, strategy_, risk_, trader_config()) {}

  SyncResult on_book(const BookUpdate& u, int64_t recv_ns) noexcept override {
    venue_.set_time(recv_ns);
    venue_.begin_tick();
    const SyncResult r = trader_.on_book(u, recv_ns);
    confirm();  // after the last stamp: not part of tick-to-quote
    return r;
  }
  void on_trade(const TradeEvent& t, int64_t recv_ns) noexcept override {
    venue_.set_time(recv_ns);
    trader_.on_trade(t);
  }
  void set_profiling(bool on) noexcept override { trader_.set_profiling(on); }
  void reset_stamps() noexcept override { trader_.reset_stamps(); }
  const std::array<int64_t, kTickMarkCount>& stamps() const noexcept override { return trader_.stamps(); }
  uint32_t last_action_count() const noexcept override { return trader_.last_action_count(); }
  const BookSync& book_sync() const noexcept override { return trader_.book_sync(); }
  const TraderCounters& counters() const noexcept override { return trader_.counters(); }
  RecordingVenue* recording_venue() noexcept override {
    if constexpr (std::is_same_v<V, RecordingVenue>) {
      return &venue_;
    } else {
      return nullptr;
    }
  }
  RingVenue* ring_venue() noexcept override {
    if constexpr (std::is_same_v<V, RingVenue>) {
      return &venue_;
    } else {
      return nullptr;
    }
  }

 private:
  // TraderConfig::quoter.link_id_prefix is a view: point it at this object's own copy of the prefix.
  TraderConfig trader_config() const {
    TraderConfig t = cfg_.trader;
    t.quoter.link_id_prefix = cfg_.link_id_prefix;
    return t;
  }

  // Replay has no exchange: every action the venue accepted is confirmed at once through the order stream
  // path (create -> New, amend -> New at the new terms, cancel -> Cancelled), so the next tick quotes
  // against live orders as it would live. No fills are simulated here (that is the backtester's job).
  void confirm() noexcept {
    OrderUpdate up;
    up.instrument = id_;
    for (const OrderCreate& c : venue_.tick_creates()) {
      up.side = c.side;
      up.status = OrderStatus::kNew;
      up.price = c.price;
      up.qty = c.qty;
      up.leaves_qty = c.qty;
      up.cum_exec_qty = Qty{0};
      trader_.on_acked(c.link_id.view(), OrderEventKind::kCreateAcked);
      if (up.order_link_id.set(c.link_id.view())) trader_.on_order(up);
    }
    for (const OrderAmend& a : venue_.tick_amends()) {
      const OrderHandle h = trader_.orders().find(a.link_id.view());
      if (!h.valid()) continue;
      const OwnOrder& o = trader_.orders().get(h);
      up.side = o.side;
      up.status = OrderStatus::kNew;
      up.price = a.price ? *a.price : o.price;
      up.cum_exec_qty = o.cum_filled;
      up.qty = a.qty ? *a.qty : Qty{o.leaves.lots + o.cum_filled.lots};
      up.leaves_qty = Qty{up.qty.lots - o.cum_filled.lots};
      trader_.on_acked(a.link_id.view(), OrderEventKind::kAmendAcked);
      if (up.order_link_id.set(a.link_id.view())) trader_.on_order(up);
    }
    for (const OrderCancel& c : venue_.tick_cancels()) cancelled(c.link_id.view(), up);
    if (venue_.tick_cancel_all()) {
      // Collect first: on_order releases terminal slots while we iterate otherwise.
      uint32_t n = 0;
      trader_.orders().for_each([&](OrderHandle, const OwnOrder& o) noexcept {
        if (!is_terminal(o.state()) && n < all_.size()) all_[n++] = o.link_id;
      });
      for (uint32_t i = 0; i < n; ++i) cancelled(all_[i].view(), up);
    }
  }

  void cancelled(std::string_view link_id, OrderUpdate& up) noexcept {
    const OrderHandle h = trader_.orders().find(link_id);
    if (!h.valid()) return;
    trader_.on_acked(link_id, OrderEventKind::kCancelAcked);
    const OwnOrder& o = trader_.orders().get(h);
    up.side = o.side;
    up.status = OrderStatus::kCancelled;
    up.price = o.price;
    up.cum_exec_qty = o.cum_filled;
    up.qty = Qty{o.leaves.lots + o.cum_filled.lots};
    up.leaves_qty = Qty{0};
    if (up.order_link_id.set(link_id)) trader_.on_order(up);
  }

  InstrumentId id_;
  std::array<OrderLinkId, 256> all_{};
  MmConfig cfg_;
  S strategy_;
  RiskEngine risk_;
  V venue_;
  Trader<V, S> trader_;
};

template <class S, class C>
std::unique_ptr<DecisionPath> build(const MmConfig& cfg, const C& scfg, const InstrumentRegistry& registry,
                                    InstrumentId id, std::string& error, ActionRing* ring) {
  if (std::string e = scfg.validate(); !e.empty()) {
    error = e;
    return nullptr;
  }
  RiskLimits limits;
  if (std::string e = resolve_limits(cfg.risk, registry.get(id), limits); !e.empty()) {
    error = e;
    return nullptr;
  }
  try {
    if (ring != nullptr)
      return std::make_unique<DecisionPathImpl<S, C, RingVenue>>(cfg, scfg, registry, id, *ring);
    return std::make_unique<DecisionPathImpl<S, C, RecordingVenue>>(cfg, scfg, registry, id, registry);
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
}

}  // namespace

std::unique_ptr<DecisionPath> make_decision_path(const MmConfig& cfg, const InstrumentRegistry& registry,
                                                 InstrumentId id, std::string& error, ActionRing* ring) {
  switch (cfg.strategy) {
    case StrategyKind::kFixed:
      return build<FixedSpread>(cfg, cfg.fixed, registry, id, error, ring);
    case StrategyKind::kInventory:
      return build<InventoryMM>(cfg, cfg.inventory, registry, id, error, ring);
    case StrategyKind::kAvellaneda:
      return build<AvellanedaStoikov>(cfg, cfg.avellaneda, registry, id, error, ring);
    case StrategyKind::kGlft:
      return build<Glft>(cfg, cfg.glft, registry, id, error, ring);
  }
  error = "strategy.kind: unknown";
  return nullptr;
}

}  // namespace mm
