#pragma once
// InventoryMM: hummingbot's pure_market_making strategy, on this project's ladder + quoter split.
// Parameter names and units follow hummingbot's config file (spreads and percentages in percent: 1 = 1%),
// so a hummingbot config carries over; sizes are in lots instead of base-asset amounts.
//
// Proposal (hummingbot c_create_base_proposal and modifiers), built once per order_refresh_time:
//   bid level i = mid * (1 - bid_spread - i * order_level_spread), ask level i = mid * (1 + ask_spread +
//   i * order_level_spread); size i = order_amount + i * order_level_amount (lots; levels with size <= 0
//   are dropped);
//   price band: mid >= price_ceiling -> no bids at all; mid <= price_floor -> no asks (each when > 0);
//   inventory skew (when enabled): sizes times hummingbot's bid/ask ratios (see inventory_skew_ratios());
//   levels that would take (bid >= best ask, ask <= best bid) are dropped (take_if_crossed = false).
// Between refreshes the same proposal is returned, so the quoter leaves the orders alone.
// minimum_spread: on every call, levels nearer the current mid than minimum_spread are pulled (hummingbot
//   cancels such orders every tick; they come back at the next refresh). -100 (the default) disables it.
// filled_order_delay: when a level is completely filled (tracked from on_fill against the proposal), the
//   remaining levels stay until min(next refresh, fill + delay), then everything is pulled until
//   fill + delay, when a fresh proposal is made (hummingbot's create/cancel timestamps).
// order_refresh_tolerance_pct and max_order_age are enforced by the quoter, which sees the live orders:
//   the Trader passes quoter_price_tolerance_bps() and quoter_max_order_age_ns() into QuoterConfig
//   (price_tolerance_bps, max_order_age_ns).
// Perpetual mapping of inventory_target_base_pct: hummingbot targets a base-asset share of a spot
//   portfolio. Here the "portfolio" is the position range [-max_position, +max_position]: base share 0% is
//   max short, 50% flat, 100% max long; target position = (2 * pct / 100 - 1) * max_position. The lower
//   inventory limit (hummingbot: zero base) is -max_position; without a max_position it is unbounded.
// Adverse widening and dynamic curves apply to both spreads (added to / multiplying them), sizes and levels.
// Not carried over: hanging orders, ping-pong, order optimization, transaction-cost adjustment, price
// source other than the mid, moving price band.
#include <cstdint>
#include <string>

#include "strategy/curve.h"
#include "strategy/layering.h"
#include "strategy/quote.h"

namespace mm {

// TOML table [strategy] (type = "inventory_mm"); keys: bid_spread, ask_spread, minimum_spread,
// order_refresh_time, max_order_age, order_refresh_tolerance_pct, order_amount_lots, order_levels,
// order_level_amount_lots, order_level_spread, inventory_skew_enabled, inventory_target_base_pct,
// inventory_range_multiplier, filled_order_delay, price_ceiling, price_floor, adverse_widening, curves.*
struct InventoryMMConfig {
  double bid_spread = 1.0;                   // percent from mid of the first bid (>= 0)
  double ask_spread = 1.0;                   // percent from mid of the first ask (>= 0)
  double minimum_spread = -100.0;            // percent; levels nearer the mid are pulled; -100 disables
  double order_refresh_time = 30.0;          // seconds between proposals (> 0)
  double max_order_age = 1800.0;             // seconds; quoter cancels older orders (> 0)
  double order_refresh_tolerance_pct = 0.0;  // percent; -1 disables (always refresh)
  int64_t order_amount_lots = 1;             // first-level size (> 0)
  uint32_t order_levels = 1;                 // per side, 1..16
  int64_t order_level_amount_lots = 0;       // size added per level (may be negative)
  double order_level_spread = 1.0;           // percent between levels (> 0 when order_levels > 1)
  bool inventory_skew_enabled = false;
  double inventory_target_base_pct = 50.0;  // percent, 0..100 (see the perpetual mapping above)
  double inventory_range_multiplier = 1.0;  // > 0
  double filled_order_delay = 60.0;         // seconds (>= 0)
  double price_ceiling = -1.0;              // decimal price; > 0 enables: no bids when mid >= ceiling
  double price_floor = -1.0;                // decimal price; > 0 enables: no asks when mid <= floor
  double adverse_widening = 0.0;            // extra spread bps per bp of adverse score (>= 0)
  DynamicCurves curves;

  [[nodiscard]] std::string validate() const;
};

struct InventorySkewRatios {
  double bid = 1.0;
  double ask = 1.0;
};

// hummingbot's c_calculate_bid_ask_ratios_from_base_asset_ratio on positions (lots):
//   range = total_order_size * range_multiplier, total_order_size = 2 * (L * amount + L (L - 1) / 2 * step);
//   share = interp(pos, [lower, target], [0, 0.5]) below the target, interp(pos, [target, target + range],
//   [0.5, 1]) at or above it (clamped at the ends, like np.interp); bid = 2 - 2 * share, ask = 2 - bid;
//   lower = max(target - range, -max_position). range <= 0 -> (0, 0), as hummingbot.
[[nodiscard]] InventorySkewRatios inventory_skew_ratios(const InventoryMMConfig& cfg,
                                                        const InventoryView& inv) noexcept;

class InventoryMM {
 public:
  explicit InventoryMM(const InventoryMMConfig& cfg) noexcept : cfg_(cfg) {}

  [[nodiscard]] bool quote(const StrategyContext& ctx, QuoteLadder& out) noexcept;
  // Tracks completed levels for filled_order_delay. Fills are matched to the proposal level of that side at
  // the same price (else the nearest one).
  void on_fill(Side side, Price price, Qty qty, int64_t now_ns) noexcept;

  // For QuoterConfig (see the header comment).
  [[nodiscard]] double quoter_price_tolerance_bps() const noexcept {
    return cfg_.order_refresh_tolerance_pct > 0.0 ? cfg_.order_refresh_tolerance_pct * 100.0 : 0.0;
  }
  [[nodiscard]] int64_t quoter_max_order_age_ns() const noexcept {
    return static_cast<int64_t>(cfg_.max_order_age * 1e9);
  }

  [[nodiscard]] const InventoryMMConfig& config() const noexcept { return cfg_; }
  // Time of the next proposal; INT64_MIN before the first one.
  [[nodiscard]] int64_t next_refresh_ns() const noexcept { return next_refresh_ns_; }

 private:
  void propose(const StrategyContext& ctx, double mid) noexcept;
  void pull_below_minimum_spread(double mid) noexcept;

  InventoryMMConfig cfg_;
  QuoteLadder proposal_;
  bool have_proposal_ = false;
  int64_t next_refresh_ns_ = INT64_MIN;
  int64_t create_after_ns_ = INT64_MIN;  // filled_order_delay: no new proposal before this
  int64_t cancel_at_ns_ = INT64_MAX;     // hummingbot's cancel timestamp: the proposal is pulled from here
                                         // while a filled-order delay runs
};

static_assert(Strategy<InventoryMM>);

}  // namespace mm
