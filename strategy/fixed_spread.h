#pragma once
// FixedSpread: a constant half-spread (ticks or bps) around the mid or the microprice, with an optional
// linear inventory skew, layered levels, dynamic-parameter curves and adverse-selection widening.
//
//   ref      = mid | microprice                                        (ticks)
//   half     = max(half_spread * spread_curves + adverse_widening * adverse_score, min_spread / 2)
//   skew     = skew_bps_at_max_position * position / max_position      (bps of the mid, converted to ticks)
//   bid_0    = ref - skew - half,  ask_0 = ref - skew + half           then strategy/layering.h
// A long position (skew > 0) moves both quotes down: the ask gets nearer the mid (sell more easily) and the
// bid further away (buy less easily).
#include <cstdint>
#include <string>

#include "strategy/curve.h"
#include "strategy/layering.h"
#include "strategy/quote.h"

namespace mm {

// TOML table [strategy] (type = "fixed_spread"); keys: reference, half_spread_ticks, half_spread_bps,
// min_spread_ticks, min_spread_bps, order_size_lots, levels, level_spacing_ticks, level_spacing_bps,
// size_step_lots, skew_bps_at_max_position, adverse_widening, touch_policy, curves.* (see curve.h).
struct FixedSpreadConfig {
  Reference reference = Reference::kMid;  // "mid" | "microprice"
  // Half-spread from the reference: exactly one of the two must be > 0.
  double half_spread_ticks = 0.0;
  double half_spread_bps = 2.0;
  // Floors on the full spread (ask_0 - bid_0); the larger one applies. 0 = none.
  double min_spread_ticks = 1.0;
  double min_spread_bps = 0.0;
  int64_t order_size_lots = 1;  // first-level size, lots (> 0)
  uint32_t levels = 1;          // per side, 1..16 (before the levels curves)
  // Distance between levels; the larger of the two applies; at least one tick is enforced by rounding.
  double level_spacing_ticks = 1.0;
  double level_spacing_bps = 0.0;
  int64_t size_step_lots = 0;             // added per level (may be negative)
  double skew_bps_at_max_position = 0.0;  // quote shift at |position| == max_position, bps (>= 0)
  double adverse_widening = 0.0;          // extra half-spread bps per bp of markout adverse score (>= 0)
  TouchPolicy touch_policy = TouchPolicy::kNoCross;
  DynamicCurves curves;

  // "" or "strategy.<key> ..." for the first bad field.
  [[nodiscard]] std::string validate() const;
};

class FixedSpread {
 public:
  // Precondition: cfg.validate() == "".
  explicit FixedSpread(const FixedSpreadConfig& cfg) noexcept : cfg_(cfg) {}

  // Fills `out`; returns false (pull everything) when nothing could be quoted.
  [[nodiscard]] bool quote(const StrategyContext& ctx, QuoteLadder& out) noexcept;
  void on_fill(Side, Price, Qty, int64_t) noexcept {}

  [[nodiscard]] const FixedSpreadConfig& config() const noexcept { return cfg_; }

 private:
  FixedSpreadConfig cfg_;
};

static_assert(Strategy<FixedSpread>);

}  // namespace mm
