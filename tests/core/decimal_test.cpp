#include "core/decimal.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace mm {
namespace {

int64_t parse_ok(std::string_view s, int scale) {
  int64_t v = -777;
  EXPECT_EQ(parse_fixed(s, scale, v), DecimalError::kOk) << s;
  return v;
}

DecimalError parse_err(std::string_view s, int scale) {
  int64_t v = 424242;
  const DecimalError e = parse_fixed(s, scale, v);
  EXPECT_EQ(v, 424242) << "output must be untouched on error: " << s;
  return e;
}

TEST(Decimal, ParsesExactValues) {
  EXPECT_EQ(parse_ok("65114.20", 2), 6511420);
  EXPECT_EQ(parse_ok("65114.2", 2), 6511420);
  EXPECT_EQ(parse_ok("65114", 2), 6511400);
  EXPECT_EQ(parse_ok("0", 0), 0);
  EXPECT_EQ(parse_ok("0.0000001", 7), 1);
  EXPECT_EQ(parse_ok("-1.5", 1), -15);
  EXPECT_EQ(parse_ok("007.50", 2), 750);
  // Trailing zeros beyond the scale are exact, so accepted.
  EXPECT_EQ(parse_ok("1.2300000", 2), 123);
}

TEST(Decimal, RejectsMalformed) {
  EXPECT_EQ(parse_err("", 2), DecimalError::kEmpty);
  for (const char* s : {"-", ".", "1.", ".5", "1..2", "1.2.3", "+1", " 1", "1 ", "1e5", "0x10", "abc", "1,5", "--1",
                        "nan", "inf", "1.-2"}) {
    EXPECT_EQ(parse_err(s, 2), DecimalError::kMalformed) << s;
  }
}

TEST(Decimal, RejectsTooManyDecimals) {
  EXPECT_EQ(parse_err("1.234", 2), DecimalError::kTooManyDecimals);
  EXPECT_EQ(parse_err("0.0000000001", 8), DecimalError::kTooManyDecimals);
}

TEST(Decimal, DetectsOverflow) {
  EXPECT_EQ(parse_ok("9223372036854775807", 0), INT64_MAX);
  EXPECT_EQ(parse_err("9223372036854775808", 0), DecimalError::kOverflow);
  EXPECT_EQ(parse_err("92233720368547758.08", 3), DecimalError::kOverflow);
  EXPECT_EQ(parse_err("100000000000000000000000000000", 0), DecimalError::kOverflow);
  EXPECT_EQ(parse_err("99999999999", 9), DecimalError::kOverflow);
  EXPECT_EQ(parse_ok("-9223372036854775807", 0), -INT64_MAX);
}

TEST(Decimal, DecimalPlaces) {
  EXPECT_EQ(decimal_places("0.10"), 2);
  EXPECT_EQ(decimal_places("100"), 0);
  EXPECT_EQ(decimal_places("0.0000001"), 7);
  EXPECT_EQ(decimal_places("1."), -1);
  EXPECT_EQ(decimal_places("x"), -1);
}

std::string fmt(int64_t v, int scale, int min_dec) {
  char buf[32];
  return std::string(buf, format_fixed(v, scale, min_dec, buf));
}

TEST(Decimal, FormatsFixedAndTrimmed) {
  EXPECT_EQ(fmt(6511420, 2, 2), "65114.20");
  EXPECT_EQ(fmt(6511420, 2, 0), "65114.2");
  EXPECT_EQ(fmt(6514000, 2, 0), "65140");
  EXPECT_EQ(fmt(5, 3, 3), "0.005");
  EXPECT_EQ(fmt(0, 2, 2), "0.00");
  EXPECT_EQ(fmt(0, 2, 0), "0");
  EXPECT_EQ(fmt(-15, 1, 1), "-1.5");
  EXPECT_EQ(fmt(-5, 2, 2), "-0.05");
  EXPECT_EQ(fmt(INT64_MAX, 0, 0), "9223372036854775807");
  EXPECT_EQ(fmt(INT64_MIN, 0, 0), "-9223372036854775808");
  EXPECT_EQ(fmt(INT64_MAX, 18, 0), "9.223372036854775807");
}

TEST(Decimal, RoundTripsEveryScale) {
  for (int scale = 0; scale <= 12; ++scale) {
    for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{123456789}, int64_t{-98765}, int64_t{10}}) {
      const std::string s = fmt(v, scale, scale);
      EXPECT_EQ(parse_ok(s, scale), v) << s;
    }
  }
}

// The formatter against a plain reference (digits one at a time through snprintf) over every scale and
// min_decimals and values of every length, both signs and the int64 extremes.
std::string reference_fixed(int64_t v, int scale, int min_dec) {
  char digits[32];
  const uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::string d(digits, static_cast<size_t>(std::snprintf(digits, sizeof digits, "%llu",
                                                          static_cast<unsigned long long>(mag))));
  while (d.size() < static_cast<size_t>(scale) + 1) d.insert(d.begin(), '0');
  std::string ip = d.substr(0, d.size() - static_cast<size_t>(scale));
  std::string fp = d.substr(d.size() - static_cast<size_t>(scale));
  while (fp.size() > static_cast<size_t>(min_dec) && fp.back() == '0') fp.pop_back();
  return (v < 0 ? "-" : "") + ip + (fp.empty() ? "" : "." + fp);
}

TEST(Decimal, FormatFixedMatchesReference) {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  std::vector<int64_t> values = {0, 1, -1, 9, 10, 99, 100, 101, 999, 1000, INT64_MAX, INT64_MIN, INT64_MIN + 1};
  for (int i = 0; i < 4000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const int len = static_cast<int>(x % 19);  // 1..19 digits
    int64_t v = static_cast<int64_t>(x >> 1);
    for (int k = 0; k < 18 - len; ++k) v /= 10;
    values.push_back((x & 1) != 0 ? -v : v);
  }
  for (const int64_t v : values) {
    for (int scale = 0; scale <= kMaxDecimalScale; ++scale) {
      for (int min_dec = 0; min_dec <= scale; min_dec += (scale > 4 ? scale / 2 : 1)) {
        ASSERT_EQ(fmt(v, scale, min_dec), reference_fixed(v, scale, min_dec)) << v << " " << scale << " " << min_dec;
      }
    }
  }
}

}  // namespace
}  // namespace mm
