#include "risk/risk_engine.h"

#include <stdexcept>
#include <string>

namespace mm {
namespace {

// Runs before the members that need the limits: the constructor's initializer list calls it first.
RiskLimits resolve_or_throw(const RiskConfig& cfg, const Instrument& instrument) {
  RiskLimits limits;
  const std::string error = resolve_limits(cfg, instrument, limits);
  if (!error.empty()) throw std::invalid_argument(error);
  return limits;
}

}  // namespace

RiskEngine::RiskEngine(const RiskConfig& cfg, const Instrument& instrument, InstrumentId id,
                       uint8_t position_idx)
    : limits_(resolve_or_throw(cfg, instrument)),
      protection_cfg_(cfg.protection),
      id_(id),
      position_idx_(position_idx),
      pre_trade_(cfg, limits_, instrument, id),
      breakers_(cfg.breakers, limits_),
      protection_(cfg.protection, id, position_idx) {}

void RiskEngine::set_state() noexcept {
  const TradingState next = killed_ ? TradingState::kHalted : breakers_.state();
  cause_ = killed_ ? Breaker::kKillSwitch : breakers_.cause();
  // Only a step up cancels: stepping back down keeps whatever the reduced state has working.
  if (next > state_) cancel_all_ = true;
  state_ = next;
}

RiskTick RiskEngine::on_tick(const RiskContext& ctx) noexcept {
  RiskTick t;
  t.previous = state_;
  const BreakerUpdate u = breakers_.update(ctx);
  set_state();
  t.state = state_;
  t.cause = cause_;
  t.tripped_mask = u.tripped_mask;
  // HALTED sends no new orders, so a close intent would only be refused; the protection waits for the
  // state to step back (and the exchange-side TradingStop covers the gap).
  if (state_ != TradingState::kHalted) {
    t.protection = protection_.on_tick(ctx, t.close);
    if (t.protection != ProtectionTrigger::kNone && t.close.qty > limits_.max_order_qty) {
      t.close.qty = limits_.max_order_qty;
    }
  }
  t.cancel_all = cancel_all_;
  return t;
}

void RiskEngine::kill() noexcept {
  if (!killed_) ++kills_;
  killed_ = true;
  cancel_all_ = true;
  set_state();
}

void RiskEngine::reset_kill() noexcept {
  killed_ = false;
  set_state();
}

}  // namespace mm
