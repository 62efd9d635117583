#pragma once
// Runtime circuit breakers, evaluated on every tick with injected time. Each breaker watches one condition;
// while it holds, the breaker forces its configured state (REDUCE_ONLY or HALTED). Once the condition has
// been seen clear for cooldown_ms (counted from the first tick that saw it clear) the breaker steps back one
// level (HALTED -> REDUCE_ONLY -> ACTIVE), one step per cool-down. The daily-loss breaker holds until the
// next UTC day, then steps back the same way. Each start of a condition counts as one trip.
//
// Conditions (RiskContext fields in brackets):
//   daily_loss      net PnL since the start of the UTC day [wall_ns] <= -max_loss
//   drawdown        highest net PnL since start-up - net PnL >= max_drawdown
//   stale_book      now_ns - book_update_ns > max_age_ms
//   book_untrusted  !book_trusted
//   book_crossed    book_crossed
//   reject_rate     more than max_rejects on_reject() calls within window_ms
//   price_jump      |mid - an earlier mid within window_ms| > max_move_bps of that earlier mid
//   latency         more than max_spikes on_latency() samples above their threshold within window_ms
// Net PnL = realized_pnl + unrealized_pnl - fees_paid. "Within window_ms" means now_ns - t <= window.
//
// All member functions are noexcept and allocation-free (the rings are fixed arrays).
#include <array>
#include <cstdint>
#include <string_view>

#include "core/money.h"
#include "risk/detail/time_ring.h"
#include "risk/risk_config.h"
#include "risk/risk_context.h"
#include "risk/trading_state.h"

namespace mm {

enum class Breaker : uint8_t {
  kNone = 0,
  kDailyLoss,
  kDrawdown,
  kStaleBook,
  kBookUntrusted,
  kBookCrossed,
  kRejectRate,
  kPriceJump,
  kLatency,
  kKillSwitch,  // the manual kill switch (RiskEngine), listed so that a cause can name it
  kCount,
};

// Metric label / log spelling: the TOML table name ("daily_loss", ...), "kill_switch", "none".
std::string_view to_string(Breaker b) noexcept;

constexpr uint32_t breaker_bit(Breaker b) noexcept {
  return uint32_t{1} << static_cast<uint32_t>(b);
}

enum class LatencyKind : uint8_t {
  kTickToQuote = 0,  // book update received -> order bytes handed to the venue
  kAck = 1,          // order sent -> exchange ack received
};

struct BreakerUpdate {
  TradingState state = TradingState::kActive;  // most severe level over all breakers
  Breaker cause = Breaker::kNone;              // a breaker at that level (kNone when active)
  uint32_t tripped_mask = 0;                   // breaker_bit() of each breaker whose condition began now
};

class CircuitBreakers {
 public:
  // Preconditions: cfg passed RiskConfig::validate(); limits come from resolve_limits().
  CircuitBreakers(const BreakersConfig& cfg, const RiskLimits& limits) noexcept;

  // Event inputs between ticks; they take effect at the next update(). Precondition: now_ns does not go
  // backwards between calls of the same function.
  void on_reject(int64_t now_ns) noexcept;
  void on_latency(LatencyKind kind, int64_t now_ns, int64_t latency_ns) noexcept;

  // Evaluates every enabled breaker. Preconditions: ctx.now_ns and ctx.wall_ns do not go backwards;
  // ctx.wall_ns >= 0. The first call fixes the UTC day and the PnL baselines.
  [[nodiscard]] BreakerUpdate update(const RiskContext& ctx) noexcept;

  [[nodiscard]] TradingState state() const noexcept { return last_.state; }
  [[nodiscard]] Breaker cause() const noexcept { return last_.cause; }
  // Per breaker (kDailyLoss .. kLatency): the state it forces now, whether its condition held at the last
  // update, and how many times it tripped.
  [[nodiscard]] TradingState level(Breaker b) const noexcept { return slot(b).level; }
  [[nodiscard]] bool condition(Breaker b) const noexcept { return slot(b).active; }
  [[nodiscard]] uint64_t trips(Breaker b) const noexcept { return slot(b).trips; }

  // Metrics: net PnL, its value at the start of the UTC day and its peak, as of the last update.
  [[nodiscard]] Money net_pnl() const noexcept { return Money{pnl_}; }
  [[nodiscard]] Money day_start_pnl() const noexcept { return Money{day_base_}; }
  [[nodiscard]] Money peak_pnl() const noexcept { return Money{peak_}; }

 private:
  struct Slot {
    bool enabled = false;
    TradingState action = TradingState::kHalted;
    int64_t cooldown_ns = 0;
    TradingState level = TradingState::kActive;
    bool active = false;   // condition held at the last update
    bool held = false;     // daily loss: no cool-down before the next UTC day
    int64_t since_ns = 0;  // last tick with the condition, first tick without it, or last step back
    uint64_t trips = 0;
  };

  [[nodiscard]] const Slot& slot(Breaker b) const noexcept { return slots_[static_cast<size_t>(b)]; }
  void apply(Breaker b, bool condition, int64_t now_ns, uint32_t& tripped) noexcept;
  [[nodiscard]] bool price_jumped(int64_t now_ns, Price mid) noexcept;

  std::array<Slot, static_cast<size_t>(Breaker::kCount)> slots_{};
  Money max_daily_loss_;
  Money max_drawdown_;
  int64_t stale_ns_;
  int64_t reject_window_ns_;
  uint32_t max_rejects_;
  int64_t jump_window_ns_;
  int64_t jump_sample_ns_;
  int64_t max_move_bps_;
  int64_t latency_window_ns_;
  uint32_t max_spikes_;
  int64_t max_tick_to_quote_ns_;
  int64_t max_ack_ns_;

  detail::TimeRing rejects_;
  detail::TimeRing spikes_;
  detail::MidRing mids_;

  bool started_ = false;
  // No slot's condition held at the last update and every slot is at ACTIVE: update() can skip apply().
  bool quiet_ = true;
  int64_t day_ = 0;
  int64_t pnl_ = 0;
  int64_t day_base_ = 0;
  int64_t peak_ = 0;
  BreakerUpdate last_;
};

}  // namespace mm
