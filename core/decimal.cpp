#include "core/decimal.h"

#include <cstring>

namespace mm {

std::string_view to_string(DecimalError e) noexcept {
  switch (e) {
    case DecimalError::kOk: return "ok";
    case DecimalError::kEmpty: return "empty";
    case DecimalError::kMalformed: return "malformed";
    case DecimalError::kTooManyDecimals: return "too_many_decimals";
    case DecimalError::kOffGrid: return "off_grid";
    case DecimalError::kOverflow: return "overflow";
    case DecimalError::kNegative: return "negative";
  }
  return "unknown";
}

DecimalError parse_fixed(std::string_view s, int scale, int64_t& out) noexcept {
  if (s.empty()) return DecimalError::kEmpty;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    i = 1;
  }
  // Accumulate as a positive magnitude in uint64 so INT64_MIN-adjacent checks stay simple.
  uint64_t mag = 0;
  constexpr uint64_t kLimit = static_cast<uint64_t>(INT64_MAX);
  size_t int_digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++int_digits) {
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (mag > (kLimit - d) / 10) return DecimalError::kOverflow;
    mag = mag * 10 + d;
  }
  if (int_digits == 0) return DecimalError::kMalformed;
  int frac_digits = 0;
  bool nonzero_beyond = false;
  if (i < s.size()) {
    if (s[i] != '.') return DecimalError::kMalformed;
    ++i;
    const size_t frac_start = i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      const uint64_t d = static_cast<uint64_t>(s[i] - '0');
      if (frac_digits < scale) {
        if (mag > (kLimit - d) / 10) return DecimalError::kOverflow;
        mag = mag * 10 + d;
        ++frac_digits;
      } else if (d != 0) {
        nonzero_beyond = true;
      }
    }
    if (i == frac_start || i != s.size()) return DecimalError::kMalformed;
  }
  if (nonzero_beyond) return DecimalError::kTooManyDecimals;
  for (; frac_digits < scale; ++frac_digits) {
    if (mag > kLimit / 10) return DecimalError::kOverflow;
    mag *= 10;
  }
  out = neg ? -static_cast<int64_t>(mag) : static_cast<int64_t>(mag);
  return DecimalError::kOk;
}

int decimal_places(std::string_view s) noexcept {
  int64_t dummy = 0;
  // Validate shape with a generous scale; count digits after '.'.
  const auto dot = s.find('.');
  if (dot == std::string_view::npos) {
    return parse_fixed(s, 0, dummy) == DecimalError::kOk ? 0 : -1;
  }
  const int places = static_cast<int>(s.size() - dot - 1);
  if (places > kMaxDecimalScale) return -1;
  return parse_fixed(s, places, dummy) == DecimalError::kOk ? places : -1;
}

namespace {
// "00".."99": two digits per division (the encoder prints two prices per tick on the hot path).
constexpr char kDigitPairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
}  // namespace

size_t format_fixed(int64_t value, int scale, int min_decimals, char* out) noexcept {
  // Digits of the magnitude, most significant first, ending at buf + 24 (INT64_MIN: 19 digits; a scale of 18
  // needs 19 with its leading zero).
  char buf[24];
  char* p = buf + sizeof buf;
  uint64_t mag = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  while (mag >= 100) {
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * (mag % 100), 2);
    mag /= 100;
  }
  if (mag >= 10) {
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * mag, 2);
  } else {
    *--p = static_cast<char>('0' + mag);
  }
  // At least one integer digit before the `scale` fractional ones: "0.05", not ".05".
  const auto sc = static_cast<size_t>(scale);
  while (static_cast<size_t>(buf + sizeof buf - p) < sc + 1) *--p = '0';
  const size_t digits = static_cast<size_t>(buf + sizeof buf - p);
  const size_t int_count = digits - sc;
  // Trailing fractional zeros beyond min_decimals are trimmed.
  size_t frac = sc;
  while (frac > static_cast<size_t>(min_decimals) && p[int_count + frac - 1] == '0') --frac;
  size_t len = 0;
  if (value < 0) out[len++] = '-';
  std::memcpy(out + len, p, int_count);
  len += int_count;
  if (frac != 0) {
    out[len++] = '.';
    std::memcpy(out + len, p + int_count, frac);
    len += frac;
  }
  return len;
}

}  // namespace mm
