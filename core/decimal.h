#pragma once
// Exact decimal <-> fixed-point conversion for Bybit's decimal strings. No double, no strtod:
// a value either converts exactly or yields an error code.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mm {

enum class DecimalError : uint8_t {
  kOk = 0,
  kEmpty,            // empty string
  kMalformed,        // not [-]digits[.digits] (signs elsewhere, exponents, spaces, lone '.', "1.")
  kTooManyDecimals,  // a non-zero digit beyond the allowed scale (trailing zeros beyond it are exact and fine)
  kOffGrid,          // exact value is not a multiple of the instrument's step (tick or lot)
  kOverflow,         // does not fit int64 at the requested scale
  kNegative,         // a sign where the quantity must be >= 0 (prices, sizes)
};

std::string_view to_string(DecimalError e) noexcept;

inline constexpr int kMaxDecimalScale = 18;

// Parses s ("-12.3400") into out = value * 10^scale, exactly.
// Preconditions: 0 <= scale <= kMaxDecimalScale.
// Errors: kEmpty, kMalformed, kTooManyDecimals, kOverflow. On error `out` is untouched.
[[nodiscard]] DecimalError parse_fixed(std::string_view s, int scale, int64_t& out) noexcept;

// Number of digits after '.', or -1 when s is not a plain decimal. "0.10" -> 2, "100" -> 0.
int decimal_places(std::string_view s) noexcept;

// Writes value * 10^-scale into out (no terminator) and returns the length.
// min_decimals: fractional digits always printed (zero-padded); digits beyond it are printed only when
// non-zero (trailing zeros trimmed). Use min_decimals == scale for Bybit's fixed-width style ("65114.20"),
// 0 for the spot style ("65140").
// Preconditions: 0 <= min_decimals <= scale <= kMaxDecimalScale; out has >= 24 bytes.
size_t format_fixed(int64_t value, int scale, int min_decimals, char* out) noexcept;

// 10^n for 0 <= n <= 18.
constexpr int64_t pow10_i64(int n) noexcept {
  int64_t r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

}  // namespace mm
