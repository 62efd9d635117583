#include "sim/latency_model.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mm {

LatencyModel LatencyModel::constant(int64_t ns) noexcept {
  LatencyModel m;
  if (ns < 0) ns = 0;
  if (ns > kMaxLatencyNs) ns = kMaxLatencyNs;
  m.constant_ns_ = ns;
  m.min_ = m.max_ = ns;
  return m;
}

namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r'; }

// Parses an optionally signed decimal integer at s[pos..), advancing pos. False on no digits or overflow
// past 19 digits (the caller range-checks).
bool parse_int(std::string_view s, size_t& pos, bool& negative, uint64_t& value) noexcept {
  negative = false;
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) {
    negative = s[pos] == '-';
    ++pos;
  }
  const size_t start = pos;
  uint64_t v = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (pos - start >= 19) return false;
    v = v * 10 + static_cast<uint64_t>(s[pos] - '0');
    ++pos;
  }
  if (pos == start) return false;
  value = v;
  return true;
}

void skip_space(std::string_view s, size_t& pos) noexcept {
  while (pos < s.size() && is_space(s[pos])) ++pos;
}

}  // namespace

std::string parse_latency_text(std::string_view text, std::string_view name, LatencyModel& out) {
  LatencyModel m;
  const std::string where(name);
  uint64_t total = 0;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    size_t p = 0;
    skip_space(line, p);
    if (p == line.size()) continue;  // blank or comment only
    const std::string at = where + ":" + std::to_string(line_no) + ": ";
    const std::string malformed = at + "malformed line (expected '<ns> [weight]')";
    bool negative = false;
    uint64_t value = 0;
    if (!parse_int(line, p, negative, value)) return malformed;
    if (negative && value != 0) return at + "negative latency -" + std::to_string(value);
    if (value > static_cast<uint64_t>(kMaxLatencyNs)) {
      return at + "latency above " + std::to_string(kMaxLatencyNs) + " ns";
    }
    uint64_t weight = 1;
    const size_t after_value = p;
    skip_space(line, p);
    if (p < line.size() && line[p] == ',') {
      ++p;
      skip_space(line, p);
      if (p == line.size()) return malformed;
    }
    if (p < line.size()) {
      if (p == after_value) return malformed;  // "12ab": no separator after the value
      bool wneg = false;
      if (!parse_int(line, p, wneg, weight)) return malformed;
      if (wneg || weight < 1 || weight > kMaxLatencyWeight) {
        return at + "weight must be 1.." + std::to_string(kMaxLatencyWeight);
      }
      skip_space(line, p);
      if (p != line.size()) return malformed;
    }
    const auto v = static_cast<int64_t>(value);
    if (m.values_.empty()) {
      m.min_ = m.max_ = v;
    } else {
      if (v < m.min_) m.min_ = v;
      if (v > m.max_) m.max_ = v;
    }
    total += weight;  // <= lines * 1e9: cannot overflow 64 bits for any file that fits in memory
    m.values_.push_back(v);
    m.cum_.push_back(total);
  }
  if (m.values_.empty()) return where + ": no latency values";
  out = std::move(m);
  return "";
}

std::string load_latency_file(const std::string& path, LatencyModel& out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return path + ": cannot open (" + std::strerror(errno) + ")";
  // A regular file of bounded size: /dev/zero or a FIFO would otherwise be read forever.
  struct stat st {};
  if (::fstat(::fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fclose(f);
    return path + ": not a regular file (a latency file must be a file of values)";
  }
  std::string text;
  char buf[65536];
  size_t n;
  bool too_big = false;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
    if (text.size() > kMaxLatencyFileBytes) {
      too_big = true;
      break;
    }
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (too_big) return path + ": larger than " + std::to_string(kMaxLatencyFileBytes >> 20) + " MiB";
  if (failed) return path + ": read error";
  return parse_latency_text(text, path, out);
}

}  // namespace mm
