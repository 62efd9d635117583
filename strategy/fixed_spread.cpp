#include "strategy/fixed_spread.h"

#include <algorithm>
#include <cmath>

namespace mm {

namespace {
bool finite_nonneg(double v) {
  return std::isfinite(v) && v >= 0.0;
}
}  // namespace

std::string FixedSpreadConfig::validate() const {
  if (!finite_nonneg(half_spread_ticks)) return "strategy.half_spread_ticks must be >= 0";
  if (!finite_nonneg(half_spread_bps)) return "strategy.half_spread_bps must be >= 0";
  if (half_spread_ticks > 0.0 && half_spread_bps > 0.0)
    return "strategy.half_spread_ticks and strategy.half_spread_bps are exclusive: set one";
  if (half_spread_ticks == 0.0 && half_spread_bps == 0.0)
    return "strategy.half_spread_bps must be > 0 (or set strategy.half_spread_ticks)";
  if (!finite_nonneg(min_spread_ticks)) return "strategy.min_spread_ticks must be >= 0";
  if (!finite_nonneg(min_spread_bps)) return "strategy.min_spread_bps must be >= 0";
  if (order_size_lots <= 0) return "strategy.order_size_lots must be > 0";
  if (levels < 1 || levels > kMaxQuoteLevels) return "strategy.levels must be in [1, 16]";
  if (!finite_nonneg(level_spacing_ticks)) return "strategy.level_spacing_ticks must be >= 0";
  if (!finite_nonneg(level_spacing_bps)) return "strategy.level_spacing_bps must be >= 0";
  if (levels > 1 && level_spacing_ticks == 0.0 && level_spacing_bps == 0.0)
    return "strategy.level_spacing_ticks must be > 0 when strategy.levels > 1";
  if (!finite_nonneg(skew_bps_at_max_position)) return "strategy.skew_bps_at_max_position must be >= 0";
  if (!finite_nonneg(adverse_widening)) return "strategy.adverse_widening must be >= 0";
  return curves.validate("strategy.curves");
}

bool FixedSpread::quote(const StrategyContext& ctx, QuoteLadder& out) noexcept {
  const double mid = mid_ticks(ctx.best_bid, ctx.best_ask);
  const double ref = reference_ticks(ctx, cfg_.reference);
  const Multipliers m = cfg_.curves.empty() ? Multipliers{} : cfg_.curves.eval(curve_inputs(ctx));

  const double base_half =
      cfg_.half_spread_ticks > 0.0 ? cfg_.half_spread_ticks : bps_to_ticks(cfg_.half_spread_bps, mid);
  const double min_half = 0.5 * std::max(cfg_.min_spread_ticks, bps_to_ticks(cfg_.min_spread_bps, mid));
  const double half =
      std::max(base_half * m.spread + adverse_widening_ticks(ctx, cfg_.adverse_widening, mid), min_half);

  double skew = 0.0;
  if (cfg_.skew_bps_at_max_position > 0.0 && ctx.inventory.max_position_lots > 0) {
    const double ratio = static_cast<double>(ctx.inventory.position_lots) /
                         static_cast<double>(ctx.inventory.max_position_lots);
    skew = bps_to_ticks(cfg_.skew_bps_at_max_position * std::clamp(ratio, -1.0, 1.0), mid);
  }

  const uint32_t levels = scaled_levels(cfg_.levels, m.levels, kMaxQuoteLevels);
  LadderSpec spec;
  spec.bid_ticks = ref - skew - half;
  spec.ask_ticks = ref - skew + half;
  spec.bid_levels = bids_allowed(ctx.inventory) ? levels : 0;
  spec.ask_levels = asks_allowed(ctx.inventory) ? levels : 0;
  spec.spacing_ticks = std::max(cfg_.level_spacing_ticks, bps_to_ticks(cfg_.level_spacing_bps, mid));
  spec.size_lots = static_cast<double>(cfg_.order_size_lots) * m.size;
  spec.size_step_lots = static_cast<double>(cfg_.size_step_lots) * m.size;
  build_ladder(spec, ctx.best_bid, ctx.best_ask, cfg_.touch_policy, out);
  return out.bid_count + out.ask_count != 0;
}

}  // namespace mm
