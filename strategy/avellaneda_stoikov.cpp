#include "strategy/avellaneda_stoikov.h"

#include <algorithm>
#include <cmath>

#include "strategy/signals.h"

namespace mm {

namespace {
bool finite_pos(double v) {
  return std::isfinite(v) && v > 0.0;
}
bool finite_nonneg(double v) {
  return std::isfinite(v) && v >= 0.0;
}
}  // namespace

bool parse_horizon(std::string_view s, Horizon& out) noexcept {
  if (s == "finite") {
    out = Horizon::kFinite;
    return true;
  }
  if (s == "infinite") {
    out = Horizon::kInfinite;
    return true;
  }
  return false;
}

std::string AvellanedaStoikovConfig::validate() const {
  if (!finite_pos(gamma)) return "strategy.gamma must be > 0";
  if (!finite_pos(kappa)) return "strategy.kappa must be > 0";
  if (horizon == Horizon::kFinite) {
    if (!finite_pos(session_length_s)) return "strategy.session_length_s must be > 0";
    if (!finite_nonneg(session_offset_s) || session_offset_s >= session_length_s)
      return "strategy.session_offset_s must be in [0, strategy.session_length_s)";
  } else if (!finite_pos(horizon_s)) {
    return "strategy.horizon_s must be > 0";
  }
  if (!finite_nonneg(sigma_bps_override)) return "strategy.sigma_bps_override must be >= 0";
  if (order_size_lots <= 0) return "strategy.order_size_lots must be > 0";
  if (levels < 1 || levels > kMaxQuoteLevels) return "strategy.levels must be in [1, 16]";
  if (!finite_nonneg(level_spacing_ticks) || (levels > 1 && level_spacing_ticks == 0.0))
    return "strategy.level_spacing_ticks must be > 0 when strategy.levels > 1";
  if (!finite_nonneg(min_spread_ticks)) return "strategy.min_spread_ticks must be >= 0";
  if (!finite_nonneg(adverse_widening)) return "strategy.adverse_widening must be >= 0";
  return curves.validate("strategy.curves");
}

double AvellanedaStoikov::time_to_horizon_s(int64_t now_ns) const noexcept {
  if (cfg_.horizon == Horizon::kInfinite) return cfg_.horizon_s;
  const double t = static_cast<double>(now_ns) * 1e-9 - cfg_.session_offset_s;
  double elapsed = std::fmod(t, cfg_.session_length_s);
  if (elapsed < 0.0) elapsed += cfg_.session_length_s;
  return cfg_.session_length_s - elapsed;
}

bool AvellanedaStoikov::quote(const StrategyContext& ctx, QuoteLadder& out) noexcept {
  const double mid = mid_ticks(ctx.best_bid, ctx.best_ask);
  double sigma;
  if (cfg_.sigma_bps_override > 0.0) {
    sigma = bps_to_ticks(cfg_.sigma_bps_override, mid);
  } else {
    if (ctx.signals == nullptr) return false;
    sigma = ctx.signals->sigma_rel() * mid;
  }
  const double s = reference_ticks(ctx, cfg_.reference);
  const Multipliers m = cfg_.curves.empty() ? Multipliers{} : cfg_.curves.eval(curve_inputs(ctx));

  const double tau = time_to_horizon_s(ctx.now_ns);
  const double q =
      static_cast<double>(ctx.inventory.position_lots) / static_cast<double>(cfg_.order_size_lots);
  const double g = cfg_.gamma;
  const double risk = g * sigma * sigma * tau;
  const double r = s - q * risk;
  const double model_spread = risk + (2.0 / g) * std::log1p(g / cfg_.kappa);
  const double half =
      std::max(0.5 * model_spread * m.spread + adverse_widening_ticks(ctx, cfg_.adverse_widening, mid),
               0.5 * cfg_.min_spread_ticks);
  last_ = AvellanedaStoikovState{sigma, tau, q, r, 2.0 * half};

  const uint32_t levels = scaled_levels(cfg_.levels, m.levels, kMaxQuoteLevels);
  LadderSpec spec;
  spec.bid_ticks = r - half;
  spec.ask_ticks = r + half;
  spec.bid_levels = bids_allowed(ctx.inventory) ? levels : 0;
  spec.ask_levels = asks_allowed(ctx.inventory) ? levels : 0;
  spec.spacing_ticks = cfg_.level_spacing_ticks;
  spec.size_lots = static_cast<double>(cfg_.order_size_lots) * m.size;
  spec.size_step_lots = static_cast<double>(cfg_.size_step_lots) * m.size;
  build_ladder(spec, ctx.best_bid, ctx.best_ask, cfg_.touch_policy, out);
  return out.bid_count + out.ask_count != 0;
}

}  // namespace mm
