#pragma once
// Shared quoting helpers: the layered ladder builder every model ends with, the reference price
// (mid or microprice), the adverse-selection widening and the position guard.
// Everything here is noexcept and allocation-free; models compute in double ticks and only this file and
// strategy/rounding.h turn the result into grid prices and sizes.
#include <cstdint>
#include <string_view>

#include "core/types.h"
#include "strategy/quote.h"
#include "strategy/rounding.h"

namespace mm {

// What a level may do relative to the current best prices.
enum class TouchPolicy : uint8_t {
  kNoCross = 0,       // clamp: bid <= best ask - 1 tick, ask >= best bid + 1 tick (a post-only order rests)
  kNoImprove = 1,     // clamp: bid <= best bid, ask >= best ask (never inside the spread; hftbacktest GLFT)
  kDropCrossing = 2,  // drop a bid >= best ask or an ask <= best bid (hummingbot's filter_out_takers)
};

// TOML spelling: "no_cross", "no_improve", "drop_crossing". Returns false (out untouched) otherwise.
[[nodiscard]] bool parse_touch_policy(std::string_view s, TouchPolicy& out) noexcept;
[[nodiscard]] std::string_view to_string(TouchPolicy p) noexcept;

// Price the models quote around.
enum class Reference : uint8_t { kMid = 0, kMicroprice = 1 };
// TOML spelling: "mid", "microprice".
[[nodiscard]] bool parse_reference(std::string_view s, Reference& out) noexcept;
[[nodiscard]] std::string_view to_string(Reference r) noexcept;

// One side-symmetric layered ladder in double ticks and lots, before rounding.
struct LadderSpec {
  double bid_ticks = 0.0;   // first (best) bid level
  double ask_ticks = 0.0;   // first (best) ask level
  uint32_t bid_levels = 1;  // 0 pulls the side
  uint32_t ask_levels = 1;
  double spacing_ticks = 1.0;   // distance between consecutive levels (> 0)
  double size_lots = 0.0;       // first-level size
  double size_step_lots = 0.0;  // added per level (may be negative: hummingbot's order_level_amount)
  double bid_size_mult = 1.0;   // per-side size multipliers (inventory skew, curves)
  double ask_size_mult = 1.0;
};

// Appends the ladder to `out` (best first per side). Level i of the bids is bid_ticks - i * spacing rounded
// down, of the asks ask_ticks + i * spacing rounded up; each size is (size + i * step) * side multiplier
// rounded down to lots. Then, in order: the touch policy; strictly monotone prices (a level that rounds onto
// or through the previous one moves one tick beyond it); a level whose size rounds to 0 is skipped; a
// price that falls off the valid range ends that side. Preconditions: best_bid < best_ask, both valid.
void build_ladder(const LadderSpec& spec, Price best_bid, Price best_ask, TouchPolicy policy,
                  QuoteLadder& out) noexcept;

// Reference price in ticks: the mid, or the microprice of the top level (falls back to the mid when the
// top quantities are unknown). Precondition: ctx.best_bid < ctx.best_ask.
[[nodiscard]] double reference_ticks(const StrategyContext& ctx, Reference ref) noexcept;

// Extra half-spread in ticks for adverse selection: factor * markout adverse score (bps) at mid_ticks.
// 0 without Signals or with factor 0.
[[nodiscard]] double adverse_widening_ticks(const StrategyContext& ctx, double factor, double mid) noexcept;

// Position guard shared by all models: no bids at or above +max_position, no asks at or below -max_position
// (a model must not quote the side that grows a position already at its cap). No-op when max <= 0.
[[nodiscard]] inline bool bids_allowed(const InventoryView& inv) noexcept {
  return inv.max_position_lots <= 0 || inv.position_lots < inv.max_position_lots;
}
[[nodiscard]] inline bool asks_allowed(const InventoryView& inv) noexcept {
  return inv.max_position_lots <= 0 || inv.position_lots > -inv.max_position_lots;
}

}  // namespace mm
