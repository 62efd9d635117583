#pragma once
// Appending JSON text to a reused std::string. Why not a DOM or a writer class: the simulator's answers are
// fixed shapes written field by field, and a reused string keeps its capacity, so once warm no append
// allocates.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/instrument.h"
#include "net/detail/bounded_writer.h"

namespace mm::simx {

inline void append_int(std::string& s, int64_t v) {
  char buf[24];
  size_t n = 0;
  uint64_t u = static_cast<uint64_t>(v);
  if (v < 0) {
    buf[n++] = '-';
    u = uint64_t{0} - u;
  }
  n += mm::detail::write_u64(u, buf + n);
  s.append(buf, n);
}

// A JSON string literal of arbitrary client bytes: quotes, backslashes and control characters escaped.
inline void append_json_string(std::string& s, std::string_view v) {
  s.push_back('"');
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      s.push_back('\\');
      s.push_back(c);
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      s.append("\\u00");
      s.push_back(kHex[u >> 4]);
      s.push_back(kHex[u & 15]);
    } else {
      s.push_back(c);
    }
  }
  s.push_back('"');
}

// "price" as Bybit prints it for the instrument, quoted.
inline void append_price(std::string& s, const Instrument& in, Price p) {
  char buf[32];
  s.push_back('"');
  s.append(buf, format_price(in, p, buf));
  s.push_back('"');
}
inline void append_qty(std::string& s, const Instrument& in, Qty q) {
  char buf[32];
  s.push_back('"');
  s.append(buf, format_qty(in, q, buf));
  s.push_back('"');
}
// A fixed-point value (value * 10^-scale), quoted, trailing zeros trimmed past min_decimals.
inline void append_fixed(std::string& s, int64_t value, int scale, int min_decimals = 0) {
  char buf[32];
  s.push_back('"');
  s.append(buf, format_fixed(value, scale, min_decimals, buf));
  s.push_back('"');
}

}  // namespace mm::simx
