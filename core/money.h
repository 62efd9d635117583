#pragma once
// Money (notional, fees, PnL) as a fixed-scale integer: 1 unit = 1e-8 of the settle coin.
// Why 1e-8: exact for every USDT/USDC amount Bybit prints (<= 8 decimals) with headroom to ~9.2e10 coins.
#include <cstdint>

namespace mm {

inline constexpr int kMoneyScale = 8;
inline constexpr int64_t kMoneyOne = 100'000'000;

struct Money {
  int64_t units = 0;
  friend constexpr bool operator==(Money, Money) = default;
  friend constexpr auto operator<=>(Money, Money) = default;
};

// Checked arithmetic: returns false on overflow and leaves out untouched.
[[nodiscard]] inline bool checked_add(Money a, Money b, Money& out) noexcept {
  int64_t r;
  if (__builtin_add_overflow(a.units, b.units, &r)) return false;
  out.units = r;
  return true;
}
[[nodiscard]] inline bool checked_sub(Money a, Money b, Money& out) noexcept {
  int64_t r;
  if (__builtin_sub_overflow(a.units, b.units, &r)) return false;
  out.units = r;
  return true;
}
// Multiplies by an integer factor (e.g. a count). Returns false on overflow.
[[nodiscard]] inline bool checked_mul(Money a, int64_t k, Money& out) noexcept {
  int64_t r;
  if (__builtin_mul_overflow(a.units, k, &r)) return false;
  out.units = r;
  return true;
}

}  // namespace mm
