#pragma once
// Avellaneda-Stoikov (2008), "High-frequency trading in a limit order book", with prices in ticks, time in
// seconds and inventory in units of the order size:
//
//   r     = s - q * gamma * sigma^2 * (T - t)                          reservation price
//   delta = gamma * sigma^2 * (T - t) + (2 / gamma) * ln(1 + gamma / kappa)   optimal full spread
//   bid_0 = r - delta / 2,   ask_0 = r + delta / 2                     then layering (bids down, asks up)
//
// s: the mid (or microprice); q = position_lots / order_size_lots; sigma: Signals' EWMA volatility in
// ticks per sqrt(second) (or a configured override); gamma (per tick, risk aversion) and kappa (per tick,
// order-book liquidity) are configured.
//
// Horizon:
//  - finite: T - t counts down to the end of the current session; sessions are consecutive windows of
//    session_length_s aligned on the Unix epoch (plus session_offset_s), so with 86400 the horizon resets
//    every day at 00:00 UTC + offset. Near the end of a session the inventory term fades and quotes tighten,
//    exactly as in the paper's finite-horizon solution.
//  - infinite: the stationary use of the same formulas with a constant T - t = horizon_s. This is what
//    hummingbot's avellaneda_market_making does in its "infinite" timeframe (time left fraction held at 1);
//    the paper's infinite-horizon variant with a discount omega has the same shape for small q and would add
//    a parameter without changing what an optimizer can reach, so it is not used.
// Then: spread curves multiply delta, adverse widening adds to each half, min_spread_ticks floors the full
// spread, and the position guard pulls the side that would grow a capped position.
#include <cstdint>
#include <string>
#include <string_view>

#include "strategy/curve.h"
#include "strategy/layering.h"
#include "strategy/quote.h"

namespace mm {

enum class Horizon : uint8_t { kFinite = 0, kInfinite = 1 };
// TOML spelling: "finite", "infinite".
[[nodiscard]] bool parse_horizon(std::string_view s, Horizon& out) noexcept;

// TOML table [strategy] (type = "avellaneda_stoikov"); keys: reference, gamma, kappa, horizon,
// session_length_s, session_offset_s, horizon_s, sigma_bps_override, order_size_lots, levels,
// level_spacing_ticks, size_step_lots, min_spread_ticks, adverse_widening, touch_policy, curves.*
struct AvellanedaStoikovConfig {
  Reference reference = Reference::kMid;
  double gamma = 0.01;  // risk aversion, per tick per order size (> 0)
  double kappa = 0.5;   // order-book liquidity, per tick (> 0)
  Horizon horizon = Horizon::kInfinite;
  double session_length_s = 86400.0;  // finite horizon: session length (> 0)
  double session_offset_s = 0.0;      // finite horizon: session start after the epoch-aligned boundary (>= 0)
  double horizon_s = 60.0;            // infinite horizon: the constant T - t (> 0)
  double sigma_bps_override = 0.0;    // > 0: use this sigma (bps per sqrt(s)) instead of Signals
  int64_t order_size_lots = 1;        // > 0; also the unit of q
  uint32_t levels = 1;                // per side, 1..16
  double level_spacing_ticks = 1.0;   // > 0 when levels > 1
  int64_t size_step_lots = 0;
  double min_spread_ticks = 1.0;  // floor on ask_0 - bid_0 (>= 0)
  double adverse_widening = 0.0;  // extra half-spread bps per bp of adverse score (>= 0)
  TouchPolicy touch_policy = TouchPolicy::kNoCross;
  DynamicCurves curves;

  [[nodiscard]] std::string validate() const;
};

// The model's raw output for one quote() call, for tests, logs and the dashboard.
struct AvellanedaStoikovState {
  double sigma_ticks = 0.0;  // per sqrt(second)
  double tau_s = 0.0;        // T - t
  double q = 0.0;            // inventory in order sizes
  double reservation = 0.0;  // r, ticks
  double spread = 0.0;       // delta after curves, widening and floor, ticks
};

class AvellanedaStoikov {
 public:
  explicit AvellanedaStoikov(const AvellanedaStoikovConfig& cfg) noexcept : cfg_(cfg) {}

  // Returns false (pull) without Signals (and no sigma override) or when nothing can be quoted.
  [[nodiscard]] bool quote(const StrategyContext& ctx, QuoteLadder& out) noexcept;
  void on_fill(Side, Price, Qty, int64_t) noexcept {}

  [[nodiscard]] const AvellanedaStoikovState& last() const noexcept { return last_; }
  [[nodiscard]] const AvellanedaStoikovConfig& config() const noexcept { return cfg_; }

  // T - t in seconds at now_ns for this config.
  [[nodiscard]] double time_to_horizon_s(int64_t now_ns) const noexcept;

 private:
  AvellanedaStoikovConfig cfg_;
  AvellanedaStoikovState last_;
};

static_assert(Strategy<AvellanedaStoikov>);

}  // namespace mm
