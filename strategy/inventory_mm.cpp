#include "strategy/inventory_mm.h"

#include <algorithm>
#include <cmath>

#include "strategy/rounding.h"

namespace mm {

namespace {

bool finite_pos(double v) {
  return std::isfinite(v) && v > 0.0;
}
bool finite_nonneg(double v) {
  return std::isfinite(v) && v >= 0.0;
}

// np.interp on two points: clamped at both ends.
double interp2(double x, double x0, double x1, double y0, double y1) noexcept {
  if (x <= x0) return y0;
  if (x >= x1) return y1;
  return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

int64_t seconds_to_ns(double s) noexcept {
  return static_cast<int64_t>(std::llround(s * 1e9));
}

}  // namespace

std::string InventoryMMConfig::validate() const {
  if (!finite_nonneg(bid_spread)) return "strategy.bid_spread must be >= 0";
  if (!finite_nonneg(ask_spread)) return "strategy.ask_spread must be >= 0";
  if (!std::isfinite(minimum_spread) || minimum_spread < -100.0)
    return "strategy.minimum_spread must be >= -100 (-100 disables)";
  if (!finite_pos(order_refresh_time)) return "strategy.order_refresh_time must be > 0";
  if (!finite_pos(max_order_age)) return "strategy.max_order_age must be > 0";
  if (!std::isfinite(order_refresh_tolerance_pct) ||
      (order_refresh_tolerance_pct < 0.0 && order_refresh_tolerance_pct != -1.0))
    return "strategy.order_refresh_tolerance_pct must be >= 0 or -1 (disabled)";
  if (order_amount_lots <= 0) return "strategy.order_amount_lots must be > 0";
  if (order_levels < 1 || order_levels > kMaxQuoteLevels) return "strategy.order_levels must be in [1, 16]";
  if (!finite_nonneg(order_level_spread) || (order_levels > 1 && order_level_spread == 0.0))
    return "strategy.order_level_spread must be > 0 when strategy.order_levels > 1";
  if (!finite_nonneg(inventory_target_base_pct) || inventory_target_base_pct > 100.0)
    return "strategy.inventory_target_base_pct must be in [0, 100]";
  if (!finite_pos(inventory_range_multiplier)) return "strategy.inventory_range_multiplier must be > 0";
  if (!finite_nonneg(filled_order_delay)) return "strategy.filled_order_delay must be >= 0";
  if (!std::isfinite(price_ceiling)) return "strategy.price_ceiling must be finite (-1 disables)";
  if (!std::isfinite(price_floor)) return "strategy.price_floor must be finite (-1 disables)";
  if (price_ceiling > 0.0 && price_floor > 0.0 && price_floor >= price_ceiling)
    return "strategy.price_floor must be below strategy.price_ceiling";
  if (!finite_nonneg(adverse_widening)) return "strategy.adverse_widening must be >= 0";
  return curves.validate("strategy.curves");
}

InventorySkewRatios inventory_skew_ratios(const InventoryMMConfig& cfg, const InventoryView& inv) noexcept {
  const auto levels = static_cast<double>(cfg.order_levels);
  const double total_order_size =
      2.0 * (levels * static_cast<double>(cfg.order_amount_lots) +
             levels * (levels - 1.0) / 2.0 * static_cast<double>(cfg.order_level_amount_lots));
  const double range = total_order_size * cfg.inventory_range_multiplier;
  if (!(range > 0.0)) return {0.0, 0.0};
  const auto max_pos = static_cast<double>(inv.max_position_lots);
  const double target = max_pos > 0.0 ? (2.0 * cfg.inventory_target_base_pct / 100.0 - 1.0) * max_pos : 0.0;
  const double lower = max_pos > 0.0 ? std::max(target - range, -max_pos) : target - range;
  const double upper = target + range;
  const auto pos = static_cast<double>(inv.position_lots);
  const double share =
      pos < target ? interp2(pos, lower, target, 0.0, 0.5) : interp2(pos, target, upper, 0.5, 1.0);
  const double bid = 2.0 - 2.0 * share;
  return {bid, 2.0 - bid};
}

void InventoryMM::propose(const StrategyContext& ctx, double mid) noexcept {
  proposal_.clear();
  have_proposal_ = true;
  next_refresh_ns_ = ctx.now_ns + seconds_to_ns(cfg_.order_refresh_time);
  cancel_at_ns_ = next_refresh_ns_;  // hummingbot's set_timers(): cancel at the next cycle

  const Multipliers m = cfg_.curves.empty() ? Multipliers{} : cfg_.curves.eval(curve_inputs(ctx));
  const double adverse = adverse_widening_ticks(ctx, cfg_.adverse_widening, mid) / mid;  // as a fraction
  const double bid_spread = cfg_.bid_spread / 100.0 * m.spread + adverse;
  const double ask_spread = cfg_.ask_spread / 100.0 * m.spread + adverse;
  const uint32_t levels = scaled_levels(cfg_.order_levels, m.levels, kMaxQuoteLevels);

  bool bids = bids_allowed(ctx.inventory);
  bool asks = asks_allowed(ctx.inventory);
  if (ctx.instrument != nullptr) {
    if (cfg_.price_ceiling > 0.0 && mid >= decimal_to_ticks(*ctx.instrument, cfg_.price_ceiling))
      bids = false;
    if (cfg_.price_floor > 0.0 && mid <= decimal_to_ticks(*ctx.instrument, cfg_.price_floor)) asks = false;
  }

  InventorySkewRatios skew;
  if (cfg_.inventory_skew_enabled) skew = inventory_skew_ratios(cfg_, ctx.inventory);

  LadderSpec spec;
  spec.bid_ticks = mid * (1.0 - bid_spread);
  spec.ask_ticks = mid * (1.0 + ask_spread);
  spec.bid_levels = bids ? levels : 0;
  spec.ask_levels = asks ? levels : 0;
  spec.spacing_ticks = mid * cfg_.order_level_spread / 100.0;
  spec.size_lots = static_cast<double>(cfg_.order_amount_lots) * m.size;
  spec.size_step_lots = static_cast<double>(cfg_.order_level_amount_lots) * m.size;
  spec.bid_size_mult = skew.bid;
  spec.ask_size_mult = skew.ask;
  build_ladder(spec, ctx.best_bid, ctx.best_ask, TouchPolicy::kDropCrossing, proposal_);
}

void InventoryMM::pull_below_minimum_spread(double mid) noexcept {
  if (cfg_.minimum_spread <= -100.0) return;
  const double min_frac = cfg_.minimum_spread / 100.0;
  uint32_t n = 0;
  for (uint32_t i = 0; i < proposal_.bid_count; ++i) {
    const QuoteLevel& l = proposal_.bids[i];
    if ((mid - static_cast<double>(l.price.ticks)) / mid < min_frac) continue;
    proposal_.bids[n++] = l;
  }
  proposal_.bid_count = n;
  n = 0;
  for (uint32_t i = 0; i < proposal_.ask_count; ++i) {
    const QuoteLevel& l = proposal_.asks[i];
    if ((static_cast<double>(l.price.ticks) - mid) / mid < min_frac) continue;
    proposal_.asks[n++] = l;
  }
  proposal_.ask_count = n;
}

bool InventoryMM::quote(const StrategyContext& ctx, QuoteLadder& out) noexcept {
  const int64_t now = ctx.now_ns;
  const double mid = mid_ticks(ctx.best_bid, ctx.best_ask);
  if (now < create_after_ns_) {
    // Filled-order delay: keep what is left until the cancel time, then nothing until the delay ends.
    if (now >= cancel_at_ns_) {
      proposal_.clear();
      have_proposal_ = false;
      return false;
    }
  } else if (!have_proposal_ || now >= next_refresh_ns_) {
    propose(ctx, mid);
  }
  pull_below_minimum_spread(mid);
  out.bid_count = proposal_.bid_count;
  out.ask_count = proposal_.ask_count;
  std::copy_n(proposal_.bids.begin(), proposal_.bid_count, out.bids.begin());
  std::copy_n(proposal_.asks.begin(), proposal_.ask_count, out.asks.begin());
  return out.bid_count + out.ask_count != 0;
}

void InventoryMM::on_fill(Side side, Price price, Qty qty, int64_t now_ns) noexcept {
  const bool buy = side == Side::kBuy;
  auto& levels = buy ? proposal_.bids : proposal_.asks;
  uint32_t& count = buy ? proposal_.bid_count : proposal_.ask_count;
  bool complete = true;  // a fill we cannot attribute is treated as completing an order
  if (count != 0) {
    uint32_t best = 0;
    int64_t best_dist = INT64_MAX;
    for (uint32_t i = 0; i < count; ++i) {
      const int64_t d = levels[i].price.ticks > price.ticks ? levels[i].price.ticks - price.ticks
                                                            : price.ticks - levels[i].price.ticks;
      if (d < best_dist) {
        best_dist = d;
        best = i;
      }
    }
    levels[best].qty.lots -= qty.lots;
    complete = levels[best].qty.lots <= 0;
    if (complete) {
      for (uint32_t i = best + 1; i < count; ++i) levels[i - 1] = levels[i];
      --count;
    }
  }
  if (!complete) return;
  // hummingbot: create_timestamp = now + delay; cancel_timestamp = min(cancel_timestamp, create_timestamp).
  create_after_ns_ = now_ns + seconds_to_ns(cfg_.filled_order_delay);
  cancel_at_ns_ = std::min(have_proposal_ ? cancel_at_ns_ : now_ns, create_after_ns_);
  next_refresh_ns_ = create_after_ns_;
}

}  // namespace mm
