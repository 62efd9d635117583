#include "strategy/curve.h"

#include <cmath>

#include "strategy/quote.h"
#include "strategy/signals.h"

namespace mm {

std::string Curve::validate(std::string_view key) const {
  const std::string k(key);
  if (count > kMaxCurvePoints) return k + " must have at most 8 points";
  for (uint32_t i = 0; i < count; ++i) {
    const CurvePoint& p = points[i];
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return k + " points must be finite";
    if (p.y < 0.0) return k + " multipliers (y) must be >= 0";
    if (i > 0 && !(p.x > points[i - 1].x)) return k + " x values must be strictly increasing";
  }
  return "";
}

std::string DynamicCurves::validate(std::string_view prefix) const {
  const std::string p(prefix);
  const struct {
    const Curve* c;
    const char* name;
  } all[] = {{&spread_by_volatility, "spread_by_volatility"},
             {&spread_by_depth, "spread_by_depth"},
             {&spread_by_inventory, "spread_by_inventory"},
             {&size_by_volatility, "size_by_volatility"},
             {&size_by_depth, "size_by_depth"},
             {&size_by_inventory, "size_by_inventory"},
             {&levels_by_volatility, "levels_by_volatility"},
             {&levels_by_depth, "levels_by_depth"},
             {&levels_by_inventory, "levels_by_inventory"}};
  for (const auto& e : all) {
    std::string m = e.c->validate(p + "." + e.name);
    if (!m.empty()) return m;
  }
  return "";
}

CurveInputs curve_inputs(const StrategyContext& ctx) noexcept {
  CurveInputs in;
  if (ctx.signals != nullptr) {
    in.volatility_bps = ctx.signals->sigma_bps();
    in.depth_lots = ctx.signals->depth_lots();
  }
  if (ctx.inventory.max_position_lots > 0) {
    const int64_t p = ctx.inventory.position_lots;
    in.inventory_ratio =
        static_cast<double>(p < 0 ? -p : p) / static_cast<double>(ctx.inventory.max_position_lots);
  }
  return in;
}

}  // namespace mm
