#include "tools/mm/time_arg.h"

#include <charconv>

namespace mm::tools {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t days_in_month(int64_t y, int64_t m) noexcept {
  static constexpr int64_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

bool digits(std::string_view s, size_t pos, size_t n, int64_t& out) noexcept {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

bool parse_iso(std::string_view s, int64_t& out) noexcept {
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, frac_ns = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d)) {
    return false;
  }
  // A day that does not exist (2026-02-30, 2026-04-31) is an error, not the first days of the next month.
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return false;
  size_t p = 10;
  if (p < s.size() && (s[p] == 'T' || s[p] == ' ')) {
    if (!digits(s, p + 1, 2, h) || p + 3 >= s.size() || s[p + 3] != ':' || !digits(s, p + 4, 2, mi)) return false;
    p += 6;
    if (p < s.size() && s[p] == ':') {
      if (!digits(s, p + 1, 2, se)) return false;
      p += 3;
      if (p < s.size() && s[p] == '.') {
        ++p;
        int64_t scale = 100'000'000;
        size_t n = 0;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
          if (n++ < 9) frac_ns += (s[p] - '0') * scale;
          scale /= 10;
          ++p;
        }
        if (n == 0) return false;
      }
    }
    if (h > 23 || mi > 59 || se > 60) return false;
  }
  if (p < s.size() && s[p] == 'Z') ++p;
  if (p != s.size()) return false;
  const int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  out = ((days * 24 + h) * 60 + mi) * 60 * 1'000'000'000 + se * 1'000'000'000 + frac_ns;
  return true;
}

}  // namespace

bool parse_time_arg(std::string_view s, int64_t& out_ns, std::string& error) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos && s.size() <= 19) {
    int64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) {
      out_ns = s.size() <= 13 ? v * 1'000'000 : v;
      return true;
    }
  }
  int64_t v = 0;
  if (parse_iso(s, v)) {
    out_ns = v;
    return true;
  }
  error = "bad time \"" + std::string(s) +
          "\": expected 2026-08-09T12:30:00Z, 2026-08-09, or milliseconds/nanoseconds since the epoch";
  return false;
}

bool parse_time_window(std::string_view from, std::string_view to, int64_t& from_ns, int64_t& to_ns,
                       std::string& error) {
  if ((!from.empty() && !parse_time_arg(from, from_ns, error)) ||
      (!to.empty() && !parse_time_arg(to, to_ns, error)))
    return false;
  if (from_ns >= to_ns) {
    error = "--from must be before --to";
    return false;
  }
  return true;
}

}  // namespace mm::tools
