#pragma once
// RiskEngine: the risk layer as the Trader sees it, one per instrument. It combines the pre-trade checks
// (risk/pre_trade.h), the circuit breakers (risk/circuit_breakers.h), the manual kill switch and the
// position protection (risk/protection.h) into one trading state:
//   state = most severe of (every breaker's level, HALTED while killed)
// Entering REDUCE_ONLY or HALTED from a less severe state sets the cancel-all request, which stays set
// until the Trader clears it (after sending the cancel-all).
//
// Trader loop, per tick:
//   RiskContext ctx = ...;                       // book, position, PnL, open orders, injected clocks
//   RiskTick t = risk.on_tick(ctx);
//   if (t.cancel_all) { send CancelAll; risk.clear_cancel_all(); }
//   if (t.protection != ProtectionTrigger::kNone) { assign t.close.link_id; admit(t.close, ctx); send }
//   for each action: RiskVerdict v = risk.admit(action, ctx); if (!v.allowed()) drop; else send with v.qty
// (admit, not check, for the actions of one tick: each allowed one is counted into ctx for the next).
// and risk.on_reject(now) for each order reject, risk.on_latency(kind, now, latency) for each measurement.
//
// Every member function but the constructor is noexcept and allocation-free. Not thread-safe: it lives on
// the decision thread; kill() from another thread must go through that thread (e.g. a command ring).
#include <cstdint>

#include "core/instrument.h"
#include "core/order_request.h"
#include "core/types.h"
#include "risk/circuit_breakers.h"
#include "risk/pre_trade.h"
#include "risk/protection.h"
#include "risk/risk_config.h"
#include "risk/risk_context.h"
#include "risk/trading_state.h"

namespace mm {

struct RiskTick {
  TradingState state = TradingState::kActive;     // after this tick
  TradingState previous = TradingState::kActive;  // before it
  Breaker cause = Breaker::kNone;                 // why state is not ACTIVE (kKillSwitch while killed)
  uint32_t tripped_mask = 0;                      // breaker_bit() of each breaker that tripped on this tick
  bool cancel_all = false;                        // a cancel-all request is pending (see clear_cancel_all)
  ProtectionTrigger protection = ProtectionTrigger::kNone;
  OrderCreate close;  // when protection != kNone: reduce-only close, qty capped at max_order_qty (the rest
                      // follows with the next retry), link_id empty
};

class RiskEngine {
 public:
  // Start-up only. Throws std::invalid_argument with the message of resolve_limits() when the config is
  // invalid for this instrument (call resolve_limits() first for a non-throwing check).
  // id: the instrument's registry index (orders for another id are kBadOrder); position_idx: Bybit's
  // positionIdx for protection closes and TradingStop (0 one-way mode).
  RiskEngine(const RiskConfig& cfg, const Instrument& instrument, InstrumentId id, uint8_t position_idx = 0);

  // Pre-trade checks under the current state (see PreTradeChecks for the rules and codes).
  [[nodiscard]] RiskVerdict check(const OrderCreate& o, const RiskContext& ctx) noexcept {
    return pre_trade_.check(o, ctx, state_);
  }
  [[nodiscard]] RiskVerdict check(const OrderAmend& a, const RestingOrder& current,
                                  const RiskContext& ctx) noexcept {
    return pre_trade_.check(a, current, ctx, state_);
  }
  // The same, with current's notional already valued by the caller (see PreTradeChecks).
  [[nodiscard]] RiskVerdict check(const OrderAmend& a, const RestingOrder& current, Money current_notional,
                                  const RiskContext& ctx) noexcept {
    return pre_trade_.check(a, current, current_notional, ctx, state_);
  }
  // check() for each action of one decision checked against one ctx: an allowed create or amend is counted
  // into ctx (see PreTradeChecks::admit), so several orders of a tick cannot share one headroom.
  [[nodiscard]] RiskVerdict admit(const OrderCreate& o, RiskContext& ctx) noexcept {
    return pre_trade_.admit(o, ctx, state_);
  }
  [[nodiscard]] RiskVerdict admit(const OrderAmend& a, const RestingOrder& current,
                                  RiskContext& ctx) noexcept {
    return pre_trade_.admit(a, current, ctx, state_);
  }
  [[nodiscard]] RiskVerdict admit(const OrderAmend& a, const RestingOrder& current, Money current_notional,
                                  RiskContext& ctx) noexcept {
    return pre_trade_.admit(a, current, current_notional, ctx, state_);
  }
  // Always allowed (kNone), in every state.
  [[nodiscard]] static constexpr RiskVerdict check(const OrderCancel& c) noexcept {
    return PreTradeChecks::check(c);
  }

  // Evaluates the breakers, updates the state, then (unless HALTED) the protection. Preconditions: those of
  // CircuitBreakers::update (clocks never go backwards, wall_ns >= 0).
  [[nodiscard]] RiskTick on_tick(const RiskContext& ctx) noexcept;

  // Event inputs for the reject-rate and latency breakers; effective at the next on_tick.
  void on_reject(int64_t now_ns) noexcept { breakers_.on_reject(now_ns); }
  void on_latency(LatencyKind kind, int64_t now_ns, int64_t latency_ns) noexcept {
    breakers_.on_latency(kind, now_ns, latency_ns);
  }

  // Manual kill switch: HALTED and a cancel-all request, at once; only reset_kill() lifts it. Each call
  // re-arms the cancel-all request; kills are counted under Breaker::kKillSwitch.
  void kill() noexcept;
  // Lifts the kill switch; the state falls back to the breakers' state (ACTIVE if none holds).
  void reset_kill() noexcept;
  [[nodiscard]] bool killed() const noexcept { return killed_; }

  [[nodiscard]] TradingState state() const noexcept { return state_; }
  [[nodiscard]] Breaker cause() const noexcept { return cause_; }
  [[nodiscard]] bool cancel_all_requested() const noexcept { return cancel_all_; }
  void clear_cancel_all() noexcept { cancel_all_ = false; }

  // The exchange-side TP/SL for a position (see make_trading_stop). Returns false when protection is
  // disabled, the position is flat or entry <= 0.
  [[nodiscard]] bool trading_stop(int64_t position_lots, Price entry, TradingStop& out) const noexcept {
    return make_trading_stop(protection_cfg_, id_, position_idx_, position_lots, entry, out);
  }

  // Counters for metrics.
  [[nodiscard]] uint64_t blocked(RiskRule r) const noexcept { return pre_trade_.blocked(r); }
  [[nodiscard]] uint64_t clipped(RiskRule r) const noexcept { return pre_trade_.clipped(r); }
  [[nodiscard]] uint64_t trips(Breaker b) const noexcept {
    return b == Breaker::kKillSwitch ? kills_ : breakers_.trips(b);
  }
  [[nodiscard]] uint64_t protection_triggers(ProtectionTrigger t) const noexcept {
    return protection_.triggers(t);
  }

  [[nodiscard]] const RiskLimits& limits() const noexcept { return limits_; }
  [[nodiscard]] const CircuitBreakers& breakers() const noexcept { return breakers_; }
  [[nodiscard]] const Protection& protection() const noexcept { return protection_; }

 private:
  void set_state() noexcept;

  RiskLimits limits_;
  ProtectionConfig protection_cfg_;
  InstrumentId id_;
  uint8_t position_idx_;
  PreTradeChecks pre_trade_;
  CircuitBreakers breakers_;
  Protection protection_;
  TradingState state_ = TradingState::kActive;
  Breaker cause_ = Breaker::kNone;
  bool killed_ = false;
  bool cancel_all_ = false;
  uint64_t kills_ = 0;
};

}  // namespace mm
