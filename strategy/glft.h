#pragma once
// Gueant-Lehalle-Fernandez-Tapia market making, closed-form asymptotic approximation (Gueant 2016,
// "Optimal market making", eq. 4.6/4.7), as used in hftbacktest's "GLFT market making model and grid
// trading" tutorial. With prices in ticks, time in seconds, q = position / order size:
//
//   c1          = 1 / (xi * Delta) * ln(1 + xi * Delta / k)
//   c2          = sqrt( gamma / (2 * A * Delta * k) * (1 + xi * Delta / k)^(k / (xi * Delta) + 1) )
//   half_spread = (c1 + Delta / 2 * sigma * c2) * half_spread_multiplier       (tutorial: adj1)
//   skew        = sigma * c2 * skew_multiplier                                  (tutorial: adj2)
//   bid_0       = fair - (half_spread + skew * q)
//   ask_0       = fair + (half_spread - skew * q)
//
// A (per second) and k (per tick) come from Signals' online fit of lambda(delta) = A exp(-k delta)
// (strategy/arrival_intensity.h); until the first valid fit, initial_a/initial_k are used, and with neither
// the model does not quote (the tutorial's NaN start). sigma: Signals' EWMA volatility in ticks per
// sqrt(second) (the tutorial's std of 100 ms mid changes times sqrt(10)).
// As in the tutorial, by default quotes never improve the touch (touch_policy = no_improve: bid <= best bid,
// ask >= best ask) and the grid interval is max(round(half_spread), 1) tick with the first levels aligned to
// multiples of it (align_to_grid). Note k from this project's fit is per tick (see arrival_intensity.h):
// tutorial parameters tuned with its half-tick regressor need gamma/xi rescaled.
// Then: spread curves multiply the half-spread, adverse widening adds to it, min_spread_ticks floors the
// full spread, the position guard pulls the side that would grow a capped position.
#include <cstdint>
#include <string>

#include "strategy/curve.h"
#include "strategy/layering.h"
#include "strategy/quote.h"

namespace mm {

// TOML table [strategy] (type = "glft"); keys: reference, gamma, xi, delta, half_spread_multiplier,
// skew_multiplier, use_calibration, initial_a, initial_k, sigma_bps_override, order_size_lots, levels,
// level_spacing_ticks, align_to_grid, size_step_lots, min_spread_ticks, adverse_widening, touch_policy,
// curves.*
struct GlftConfig {
  Reference reference = Reference::kMid;
  double gamma = 0.05;                  // risk aversion (> 0)
  double xi = 0.05;                     // the model's xi; the tutorial sets xi = gamma (> 0)
  double delta = 1.0;                   // Delta: the order size unit of the model, in order sizes (> 0)
  double half_spread_multiplier = 1.0;  // adj1 (> 0)
  double skew_multiplier = 1.0;         // adj2 (>= 0); the tutorial uses 0.05
  bool use_calibration = true;          // take A, k from Signals once its fit is valid
  double initial_a = 0.0;               // A before a valid fit, per second (0: do not quote until calibrated)
  double initial_k = 0.0;               // k before a valid fit, per tick (0: do not quote until calibrated)
  double sigma_bps_override = 0.0;      // > 0: use this sigma (bps per sqrt(s)) instead of Signals
  int64_t order_size_lots = 1;          // > 0; also the unit of q
  uint32_t levels = 1;                  // per side, 1..16 (the tutorial's grid_num)
  double level_spacing_ticks = 0.0;     // 0: the tutorial's grid interval max(round(half_spread), 1)
  bool align_to_grid = true;            // snap the first levels to multiples of the grid interval
  int64_t size_step_lots = 0;
  double min_spread_ticks = 1.0;  // floor on ask_0 - bid_0 (>= 0)
  double adverse_widening = 0.0;  // extra half-spread bps per bp of adverse score (>= 0)
  TouchPolicy touch_policy = TouchPolicy::kNoImprove;
  DynamicCurves curves;

  [[nodiscard]] std::string validate() const;
};

struct GlftCoefficients {
  double c1 = 0.0;
  double c2 = 0.0;
};

// c1, c2 of the formulas above. Preconditions: xi, delta, a, k > 0.
[[nodiscard]] GlftCoefficients glft_coefficients(double xi, double gamma, double delta, double a,
                                                 double k) noexcept;

struct GlftState {
  double a = 0.0;
  double k = 0.0;
  double sigma_ticks = 0.0;
  double q = 0.0;
  double half_spread = 0.0;  // ticks, after multiplier, curves, widening and floor
  double skew = 0.0;         // ticks per unit of q
  double bid_depth = 0.0;    // fair - bid_0
  double ask_depth = 0.0;    // ask_0 - fair
  double grid_interval = 0.0;
};

class Glft {
 public:
  explicit Glft(const GlftConfig& cfg) noexcept : cfg_(cfg) {}

  // Returns false (pull) without A/k, without sigma, or when nothing can be quoted.
  [[nodiscard]] bool quote(const StrategyContext& ctx, QuoteLadder& out) noexcept;
  void on_fill(Side, Price, Qty, int64_t) noexcept {}

  [[nodiscard]] const GlftState& last() const noexcept { return last_; }
  [[nodiscard]] const GlftConfig& config() const noexcept { return cfg_; }

 private:
  GlftConfig cfg_;
  GlftState last_;
  // c1/c2 cost a log, a pow and a sqrt; A and k change only on a refit, so they are cached by (A, k).
  double cached_a_ = -1.0;
  double cached_k_ = -1.0;
  GlftCoefficients coeff_;
};

static_assert(Strategy<Glft>);

}  // namespace mm
