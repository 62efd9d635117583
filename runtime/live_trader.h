#pragma once
// The Trader of the live node, with the strategy chosen from the config at run time. Why type erasure: the
// strategy is a run-time choice while Trader<Venue, Strategy> is a template so that the hot path inlines the
// strategy; one virtual call per event selects the instantiation, everything below it is static (as
// runtime/decision_path.h does for replay).
#include <memory>
#include <string>
#include <string_view>

#include "core/book_sync.h"
#include "core/instrument_registry.h"
#include "core/order_table.h"
#include "core/position.h"
#include "runtime/live_venue.h"
#include "runtime/mm_config.h"
#include "strategy/trader.h"

namespace mm {

class LiveTrader {
 public:
  virtual ~LiveTrader() = default;
  virtual SyncResult on_book(const BookUpdate& u, int64_t recv_ns) noexcept = 0;
  virtual void on_trade(const TradeEvent& t) noexcept = 0;
  virtual void on_order(const OrderUpdate& u) noexcept = 0;
  virtual void on_execution(const Execution& e) noexcept = 0;
  virtual void on_acked(std::string_view link_id, OrderEventKind kind,
                        std::string_view order_id = {}) noexcept = 0;
  virtual void on_rejected(std::string_view link_id, OrderEventKind kind) noexcept = 0;
  // venue_unavailable: Trader::on_create_rejected's (10019/10016: not counted by the reject-rate breaker).
  virtual void on_create_rejected(std::string_view link_id, bool venue_unavailable) noexcept = 0;
  virtual void on_request_timeout(std::string_view link_id) noexcept = 0;
  virtual void on_not_found(std::string_view link_id) noexcept = 0;
  virtual void on_timer() noexcept = 0;
  // Trader::rehearse(): the decision's strategy and quoter passes, then LiveVenue::rehearse() (the encoding
  // and framing of the last requests sent), changing nothing (keeps them warm).
  virtual void rehearse() noexcept = 0;
  // Rehearsals that reached the quoter.
  virtual uint64_t rehearsals() const noexcept = 0;
  virtual void set_quoting(bool on) noexcept = 0;
  virtual bool cancel_all_now() noexcept = 0;
  // The risk engine's kill switch (the operator's, from the live page): HALTED, and the cancel-all it
  // requests goes out at the next on_timer(). Lasts for the rest of the run.
  virtual void kill() noexcept = 0;
  [[nodiscard]] virtual PositionError restore_position(int64_t lots, int64_t entry_ref) noexcept = 0;
  virtual uint32_t open_order_count() const noexcept = 0;
  virtual void reset_book() noexcept = 0;
  virtual bool take_resubscribe() noexcept = 0;
  virtual uint32_t last_action_count() const noexcept = 0;
  virtual const OrderTable& orders() const noexcept = 0;
  virtual const Position& position() const noexcept = 0;
  virtual const OrderBook& book() const noexcept = 0;
  virtual const TraderCounters& counters() const noexcept = 0;
  virtual TraderFault fault() const noexcept = 0;
  // The risk engine (trading state, breaker trips, kill switch), for the operations side's timer.
  virtual const RiskEngine& risk() const noexcept = 0;
};

// Builds the strategy, risk engine and Trader of cfg over `venue` (which must outlive the result). Returns
// nullptr and sets `error` (naming the config key) when the config does not fit the instrument.
std::unique_ptr<LiveTrader> make_live_trader(const MmConfig& cfg, const InstrumentRegistry& registry,
                                             InstrumentId id, LiveVenue& venue, std::string& error);

}  // namespace mm
