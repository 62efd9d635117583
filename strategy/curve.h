#pragma once
// Dynamic parameters: piecewise-linear curves that turn a market or inventory measure into a multiplier
// on the spread, the order size or the number of levels. A strategy multiplies its base parameters by
// the product of the curves of each kind, so "spreads widen with volatility" is configuration, not code.
//
// TOML (tools/ parses it), one array of [x, y] pairs per curve, x strictly increasing, at most 8 points:
//   [strategy.curves]
//   spread_by_volatility = [[0.0, 1.0], [5.0, 1.5], [20.0, 3.0]]   # x: sigma, bps per sqrt(second)
//   size_by_inventory    = [[0.0, 1.0], [1.0, 0.25]]               # x: |position| / max_position
// Keys: spread_by_volatility, spread_by_depth, spread_by_inventory, size_by_volatility, size_by_depth,
//       size_by_inventory, levels_by_volatility, levels_by_depth, levels_by_inventory.
// An absent (empty) curve is the constant 1.
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace mm {

class Signals;
struct StrategyContext;

inline constexpr uint32_t kMaxCurvePoints = 8;

struct CurvePoint {
  double x = 0.0;
  double y = 1.0;
};

struct Curve {
  std::array<CurvePoint, kMaxCurvePoints> points{};
  uint32_t count = 0;  // 0: the constant 1

  // Linear interpolation between points, flat beyond the first and last point (a multiplier must not run
  // away when volatility leaves the configured range). NaN input gives the first point's y.
  // Precondition: validate() returned "".
  [[nodiscard]] double eval(double x) const noexcept {
    if (count == 0) return 1.0;
    if (!(x > points[0].x)) return points[0].y;
    for (uint32_t i = 1; i < count; ++i) {
      if (x < points[i].x) {
        const CurvePoint& a = points[i - 1];
        const CurvePoint& b = points[i];
        return a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x);
      }
    }
    return points[count - 1].y;
  }

  // Builds a curve from pairs (tests, tools). Points beyond kMaxCurvePoints are ignored: validate() of the
  // caller's config catches the count before that (tools/ rejects longer arrays).
  static Curve from(std::initializer_list<CurvePoint> pts) noexcept {
    Curve c;
    for (const CurvePoint& p : pts) {
      if (c.count == kMaxCurvePoints) break;
      c.points[c.count++] = p;
    }
    return c;
  }

  // "" or a message naming `key` (the full TOML key, e.g. "strategy.curves.spread_by_volatility"):
  // count <= 8, every x and y finite, y >= 0, x strictly increasing.
  [[nodiscard]] std::string validate(std::string_view key) const;
};

// Inputs of the curves, computed once per quote() from the context.
struct CurveInputs {
  double volatility_bps = 0.0;   // sigma of mid log-returns, bps per sqrt(second) (Signals)
  double depth_lots = 0.0;       // bid + ask quantity over the top-N levels of Signals' imbalance window
  double inventory_ratio = 0.0;  // |position| / max_position in [0, inf), 0 when no maximum is set
};

// Reads the inputs from a context; a null Signals gives zero volatility and depth.
[[nodiscard]] CurveInputs curve_inputs(const StrategyContext& ctx) noexcept;

struct Multipliers {
  double spread = 1.0;
  double size = 1.0;
  double levels = 1.0;
};

struct DynamicCurves {
  Curve spread_by_volatility;
  Curve spread_by_depth;
  Curve spread_by_inventory;
  Curve size_by_volatility;
  Curve size_by_depth;
  Curve size_by_inventory;
  Curve levels_by_volatility;
  Curve levels_by_depth;
  Curve levels_by_inventory;

  [[nodiscard]] Multipliers eval(const CurveInputs& in) const noexcept {
    Multipliers m;
    m.spread = spread_by_volatility.eval(in.volatility_bps) * spread_by_depth.eval(in.depth_lots) *
               spread_by_inventory.eval(in.inventory_ratio);
    m.size = size_by_volatility.eval(in.volatility_bps) * size_by_depth.eval(in.depth_lots) *
             size_by_inventory.eval(in.inventory_ratio);
    m.levels = levels_by_volatility.eval(in.volatility_bps) * levels_by_depth.eval(in.depth_lots) *
               levels_by_inventory.eval(in.inventory_ratio);
    return m;
  }

  // True when every curve is empty (lets strategies skip the evaluation).
  [[nodiscard]] bool empty() const noexcept {
    return spread_by_volatility.count + spread_by_depth.count + spread_by_inventory.count +
               size_by_volatility.count + size_by_depth.count + size_by_inventory.count +
               levels_by_volatility.count + levels_by_depth.count + levels_by_inventory.count ==
           0;
  }

  // "" or the first bad curve's message; prefix is the table key, e.g. "strategy.curves".
  [[nodiscard]] std::string validate(std::string_view prefix) const;
};

// Number of levels after the levels multiplier: round half up, clamped to [0, max_levels].
[[nodiscard]] inline uint32_t scaled_levels(uint32_t base, double mult, uint32_t max_levels) noexcept {
  const double v = std::floor(static_cast<double>(base) * mult + 0.5);
  if (!(v > 0.0)) return 0;
  if (v >= static_cast<double>(max_levels)) return max_levels;
  return static_cast<uint32_t>(v);
}

}  // namespace mm
