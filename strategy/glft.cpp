#include "strategy/glft.h"

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

std::string GlftConfig::validate() const {
  if (!finite_pos(gamma)) return "strategy.gamma must be > 0";
  if (!finite_pos(xi)) return "strategy.xi must be > 0";
  if (!finite_pos(delta)) return "strategy.delta must be > 0";
  if (!finite_pos(half_spread_multiplier)) return "strategy.half_spread_multiplier must be > 0";
  if (!finite_nonneg(skew_multiplier)) return "strategy.skew_multiplier must be >= 0";
  if (!finite_nonneg(initial_a)) return "strategy.initial_a must be >= 0";
  if (!finite_nonneg(initial_k)) return "strategy.initial_k must be >= 0";
  if ((initial_a > 0.0) != (initial_k > 0.0))
    return "strategy.initial_a and strategy.initial_k must be set together";
  if (!use_calibration && initial_a == 0.0)
    return "strategy.initial_a must be > 0 when strategy.use_calibration is false";
  if (!finite_nonneg(sigma_bps_override)) return "strategy.sigma_bps_override must be >= 0";
  if (order_size_lots <= 0) return "strategy.order_size_lots must be > 0";
  if (levels < 1 || levels > kMaxQuoteLevels) return "strategy.levels must be in [1, 16]";
  if (!finite_nonneg(level_spacing_ticks)) return "strategy.level_spacing_ticks must be >= 0";
  if (!finite_nonneg(min_spread_ticks)) return "strategy.min_spread_ticks must be >= 0";
  if (!finite_nonneg(adverse_widening)) return "strategy.adverse_widening must be >= 0";
  return curves.validate("strategy.curves");
}

GlftCoefficients glft_coefficients(double xi, double gamma, double delta, double a, double k) noexcept {
  const double xd = xi * delta;
  const double c1 = std::log1p(xd / k) / xd;
  const double c2 = std::sqrt(gamma / (2.0 * a * delta * k) * std::pow(1.0 + xd / k, k / xd + 1.0));
  return {c1, c2};
}

bool Glft::quote(const StrategyContext& ctx, QuoteLadder& out) noexcept {
  const double mid = mid_ticks(ctx.best_bid, ctx.best_ask);
  double a = cfg_.initial_a;
  double k = cfg_.initial_k;
  if (cfg_.use_calibration && ctx.signals != nullptr) {
    const ArrivalFit& fit = ctx.signals->arrival_fit();
    if (fit.valid) {
      a = fit.a;
      k = fit.k;
    }
  }
  if (!(a > 0.0 && k > 0.0)) return false;
  double sigma;
  if (cfg_.sigma_bps_override > 0.0) {
    sigma = bps_to_ticks(cfg_.sigma_bps_override, mid);
  } else {
    if (ctx.signals == nullptr) return false;
    sigma = ctx.signals->sigma_rel() * mid;
  }
  if (a != cached_a_ || k != cached_k_) {
    coeff_ = glft_coefficients(cfg_.xi, cfg_.gamma, cfg_.delta, a, k);
    cached_a_ = a;
    cached_k_ = k;
  }
  if (!std::isfinite(coeff_.c1) || !std::isfinite(coeff_.c2)) return false;

  const Multipliers m = cfg_.curves.empty() ? Multipliers{} : cfg_.curves.eval(curve_inputs(ctx));
  const double fair = reference_ticks(ctx, cfg_.reference);
  const double q =
      static_cast<double>(ctx.inventory.position_lots) / static_cast<double>(cfg_.order_size_lots);
  const double model_half = (coeff_.c1 + 0.5 * cfg_.delta * sigma * coeff_.c2) * cfg_.half_spread_multiplier;
  const double half =
      std::max(model_half * m.spread + adverse_widening_ticks(ctx, cfg_.adverse_widening, mid),
               0.5 * cfg_.min_spread_ticks);
  const double skew = sigma * coeff_.c2 * cfg_.skew_multiplier;
  const double bid_depth = half + skew * q;
  const double ask_depth = half - skew * q;
  const double grid =
      cfg_.level_spacing_ticks > 0.0 ? cfg_.level_spacing_ticks : std::max(std::round(half), 1.0);

  double bid0 = fair - bid_depth;
  double ask0 = fair + ask_depth;
  if (cfg_.align_to_grid) {
    // As the tutorial: clamp to the touch first, then align to the grid (bids down, asks up), so an aligned
    // price never ends up better than the clamp. The layering helper's clamp is then a no-op.
    if (cfg_.touch_policy == TouchPolicy::kNoImprove) {
      bid0 = std::min(bid0, static_cast<double>(ctx.best_bid.ticks));
      ask0 = std::max(ask0, static_cast<double>(ctx.best_ask.ticks));
    } else if (cfg_.touch_policy == TouchPolicy::kNoCross) {
      bid0 = std::min(bid0, static_cast<double>(ctx.best_ask.ticks - 1));
      ask0 = std::max(ask0, static_cast<double>(ctx.best_bid.ticks + 1));
    }
    bid0 = std::floor(bid0 / grid + detail::grid_epsilon(bid0 / grid)) * grid;
    ask0 = std::ceil(ask0 / grid - detail::grid_epsilon(ask0 / grid)) * grid;
  }
  last_ = GlftState{a, k, sigma, q, half, skew, bid_depth, ask_depth, grid};

  const uint32_t levels = scaled_levels(cfg_.levels, m.levels, kMaxQuoteLevels);
  LadderSpec spec;
  spec.bid_ticks = bid0;
  spec.ask_ticks = ask0;
  spec.bid_levels = bids_allowed(ctx.inventory) ? levels : 0;
  spec.ask_levels = asks_allowed(ctx.inventory) ? levels : 0;
  spec.spacing_ticks = grid;
  spec.size_lots = static_cast<double>(cfg_.order_size_lots) * m.size;
  spec.size_step_lots = static_cast<double>(cfg_.size_step_lots) * m.size;
  build_ladder(spec, ctx.best_bid, ctx.best_ask, cfg_.touch_policy, out);
  return out.bid_count + out.ask_count != 0;
}

}  // namespace mm
