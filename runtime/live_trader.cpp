#include "runtime/live_trader.h"

#include <stdexcept>

#include "strategy/avellaneda_stoikov.h"
#include "strategy/fixed_spread.h"
#include "strategy/glft.h"
#include "strategy/inventory_mm.h"

namespace mm {

namespace {

template <class S, class C>
class LiveTraderImpl final : public LiveTrader {
 public:
  LiveTraderImpl(const MmConfig& cfg, const C& scfg, const InstrumentRegistry& registry, InstrumentId id,
                 LiveVenue& venue)
      : cfg_(cfg),
        venue_(venue),
        strategy_(scfg),
        risk_(cfg.risk, registry.get(id), id),
        trader_(registry.get(id), id, venue, strategy_, risk_, trader_config()) {}

  SyncResult on_book(const BookUpdate& u, int64_t recv_ns) noexcept override {
    return trader_.on_book(u, recv_ns);
  }
  void on_trade(const TradeEvent& t) noexcept override { trader_.on_trade(t); }
  void on_order(const OrderUpdate& u) noexcept override { trader_.on_order(u); }
  void on_execution(const Execution& e) noexcept override { trader_.on_execution(e); }
  void on_acked(std::string_view link, OrderEventKind k, std::string_view oid) noexcept override {
    trader_.on_acked(link, k, oid);
  }
  void on_rejected(std::string_view link, OrderEventKind k) noexcept override {
    trader_.on_rejected(link, k);
  }
  void on_create_rejected(std::string_view link, bool venue_unavailable) noexcept override {
    trader_.on_create_rejected(link, venue_unavailable);
  }
  void on_request_timeout(std::string_view link) noexcept override { trader_.on_request_timeout(link); }
  void on_not_found(std::string_view link) noexcept override { trader_.on_not_found(link); }
  void on_timer() noexcept override { trader_.on_timer(); }
  // The decision's passes, then the encoding and framing of the last requests sent (LiveVenue::rehearse):
  // together the path from a frame to the bytes handed to the socket.
  void rehearse() noexcept override {
    trader_.rehearse(rehearsal_);
    venue_.rehearse();
  }
  uint64_t rehearsals() const noexcept override { return rehearsal_.runs; }
  void set_quoting(bool on) noexcept override { trader_.set_quoting(on); }
  bool cancel_all_now() noexcept override { return trader_.cancel_all_now(); }
  void kill() noexcept override { risk_.kill(); }
  PositionError restore_position(int64_t lots, int64_t entry_ref) noexcept override {
    return trader_.restore_position(lots, entry_ref);
  }
  uint32_t open_order_count() const noexcept override { return trader_.open_order_count(); }
  void reset_book() noexcept override { trader_.reset_book(); }
  bool take_resubscribe() noexcept override { return trader_.take_resubscribe(); }
  uint32_t last_action_count() const noexcept override { return trader_.last_action_count(); }
  const OrderTable& orders() const noexcept override { return trader_.orders(); }
  const Position& position() const noexcept override { return trader_.position(); }
  const OrderBook& book() const noexcept override { return trader_.book(); }
  const TraderCounters& counters() const noexcept override { return trader_.counters(); }
  TraderFault fault() const noexcept override { return trader_.fault(); }
  const RiskEngine& risk() const noexcept override { return risk_; }

 private:
  TraderConfig trader_config() const {
    TraderConfig t = cfg_.trader;
    t.quoter.link_id_prefix = cfg_.link_id_prefix;  // a view: point it at this object's own copy
    return t;
  }

  MmConfig cfg_;
  LiveVenue& venue_;
  S strategy_;
  RiskEngine risk_;
  Trader<LiveVenue, S> trader_;
  Rehearsal<S> rehearsal_{strategy_};
};

template <class S, class C>
std::unique_ptr<LiveTrader> build(const MmConfig& cfg, const C& scfg, const InstrumentRegistry& registry,
                                  InstrumentId id, LiveVenue& venue, std::string& error) {
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
    return std::make_unique<LiveTraderImpl<S, C>>(cfg, scfg, registry, id, venue);
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
}

}  // namespace

std::unique_ptr<LiveTrader> make_live_trader(const MmConfig& cfg, const InstrumentRegistry& registry,
                                             InstrumentId id, LiveVenue& venue, std::string& error) {
  switch (cfg.strategy) {
    case StrategyKind::kFixed:
      return build<FixedSpread>(cfg, cfg.fixed, registry, id, venue, error);
    case StrategyKind::kInventory:
      return build<InventoryMM>(cfg, cfg.inventory, registry, id, venue, error);
    case StrategyKind::kAvellaneda:
      return build<AvellanedaStoikov>(cfg, cfg.avellaneda, registry, id, venue, error);
    case StrategyKind::kGlft:
      return build<Glft>(cfg, cfg.glft, registry, id, venue, error);
  }
  error = "strategy.kind: unknown";
  return nullptr;
}

}  // namespace mm
