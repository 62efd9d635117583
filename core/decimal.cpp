#include "core/decimal.h"

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

size_t format_fixed(int64_t value, int scale, int min_decimals, char* out) noexcept {
  char tmp[24];
  size_t n = 0;
  // Work on the unsigned magnitude so INT64_MIN formats correctly.
  uint64_t mag = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  int frac = 0;
  // Emit fractional digits (least significant first), then the integer part.
  do {
    tmp[n++] = static_cast<char>('0' + mag % 10);
    mag /= 10;
    ++frac;
  } while (frac < scale || mag != 0);
  // tmp holds digits reversed; the first `scale` are the fraction.
  size_t drop = 0;  // trailing fractional zeros we may trim
  while (static_cast<int>(drop) < scale - min_decimals && tmp[drop] == '0') ++drop;
  size_t len = 0;
  if (value < 0) out[len++] = '-';
  const size_t int_count = n - static_cast<size_t>(scale);
  if (int_count == 0) out[len++] = '0';
  for (size_t k = n; k > static_cast<size_t>(scale); --k) out[len++] = tmp[k - 1];
  if (static_cast<size_t>(scale) > drop) {
    out[len++] = '.';
    for (size_t k = static_cast<size_t>(scale); k > drop; --k) out[len++] = tmp[k - 1];
  }
  return len;
}

}  // namespace mm
