#pragma once
// The one place where a model's floating-point output becomes an order price or size.
// Rule (DESIGN.md section 3): bids round DOWN and asks round UP, so rounding never makes a quote more
// aggressive than the model asked for; sizes round DOWN to the lot grid, so rounding never adds risk.
//
// Why an epsilon: a value like 650001.0 ticks often arrives as 650000.99999999994 (decimal prices divided by
// a tick size that has no exact binary form). A plain floor would move such a bid a whole tick. Values within
// kGridEpsilon(x) of a grid point are treated as on it: 1e-6 ticks plus a few ulps of x, far below anything
// a model means, and far above the noise of one or two double operations.
#include <cmath>
#include <cstdint>

#include "core/instrument.h"
#include "core/order_book.h"
#include "core/types.h"

namespace mm {

namespace detail {
constexpr double kGridAbsEpsilon = 1e-6;
constexpr double kGridRelEpsilon = 1e-15;
inline double grid_epsilon(double x) noexcept {
  return kGridAbsEpsilon + std::fabs(x) * kGridRelEpsilon;
}
// Largest double that converts to a valid book price (ticks in [1, kMaxBookPriceTicks]).
inline constexpr double kMaxPriceTicksD = static_cast<double>(kMaxBookPriceTicks);
}  // namespace detail

// Price in ticks (double) -> bid Price, rounded down. Returns false (out untouched) when x is NaN, infinite,
// or the rounded value is outside [1, kMaxBookPriceTicks] (a model bid at or below zero is not a quote).
[[nodiscard]] inline bool bid_from_ticks(double x, Price& out) noexcept {
  if (!std::isfinite(x)) return false;
  const double r = std::floor(x + detail::grid_epsilon(x));
  if (!(r >= 1.0 && r <= detail::kMaxPriceTicksD)) return false;
  out = Price{static_cast<int64_t>(r)};
  return true;
}

// Price in ticks (double) -> ask Price, rounded up. Same errors as bid_from_ticks().
[[nodiscard]] inline bool ask_from_ticks(double x, Price& out) noexcept {
  if (!std::isfinite(x)) return false;
  const double r = std::ceil(x - detail::grid_epsilon(x));
  if (!(r >= 1.0 && r <= detail::kMaxPriceTicksD)) return false;
  out = Price{static_cast<int64_t>(r)};
  return true;
}

// Side-generic form: kBuy rounds down, kSell rounds up.
[[nodiscard]] inline bool price_from_ticks(Side side, double x, Price& out) noexcept {
  return side == Side::kBuy ? bid_from_ticks(x, out) : ask_from_ticks(x, out);
}

// 10^n as a double, exact for n in [0, 22]. Precondition: 0 <= n <= 22 (price_scale/qty_scale always are).
[[nodiscard]] inline double pow10_exact(int n) noexcept {
  constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  return kPow10[n];
}

// Tick size of the instrument as a decimal number (e.g. 0.1 for BTCUSDT). Cold-path helper.
[[nodiscard]] inline double tick_size(const Instrument& in) noexcept {
  return static_cast<double>(in.tick_units) / pow10_exact(in.price_scale);
}

// Lot size (qtyStep) as a decimal number (e.g. 0.001).
[[nodiscard]] inline double lot_size(const Instrument& in) noexcept {
  return static_cast<double>(in.lot_units) / pow10_exact(in.qty_scale);
}

// Decimal price (e.g. 65000.1) -> ticks as a double, NaN-preserving. Models and configs that speak decimal
// prices (price_ceiling, price_floor) go through this and then through bid_from_ticks/ask_from_ticks.
[[nodiscard]] inline double decimal_to_ticks(const Instrument& in, double price) noexcept {
  return price * pow10_exact(in.price_scale) / static_cast<double>(in.tick_units);
}

// Decimal price -> Price with the side's rounding. Errors as bid_from_ticks()/ask_from_ticks().
[[nodiscard]] inline bool bid_from_decimal(const Instrument& in, double price, Price& out) noexcept {
  return bid_from_ticks(decimal_to_ticks(in, price), out);
}
[[nodiscard]] inline bool ask_from_decimal(const Instrument& in, double price, Price& out) noexcept {
  return ask_from_ticks(decimal_to_ticks(in, price), out);
}

// Size in lots (double) -> Qty, rounded down. Returns false when x is NaN, infinite, negative, or the
// rounded value is 0 or does not fit int64 (a zero-size order is not an order).
[[nodiscard]] inline bool qty_from_lots(double x, Qty& out) noexcept {
  if (!std::isfinite(x)) return false;
  const double r = std::floor(x + detail::grid_epsilon(x));
  if (!(r >= 1.0 && r < 9.2e18)) return false;
  out = Qty{static_cast<int64_t>(r)};
  return true;
}

// Basis points <-> ticks around a reference price in ticks (the mid, usually). Preconditions: ref_ticks > 0.
[[nodiscard]] constexpr double bps_to_ticks(double bps, double ref_ticks) noexcept {
  return bps * 1e-4 * ref_ticks;
}
[[nodiscard]] constexpr double ticks_to_bps(double ticks, double ref_ticks) noexcept {
  return ticks / ref_ticks * 1e4;
}

// Mid price in ticks (may end in .5). Precondition: both prices valid.
[[nodiscard]] constexpr double mid_ticks(Price bid, Price ask) noexcept {
  return 0.5 * (static_cast<double>(bid.ticks) + static_cast<double>(ask.ticks));
}

}  // namespace mm
