#pragma once
// JsonOut: an append-only JSON text builder over a std::string the exchange reuses for every message. Why a
// reused string: clear() keeps its capacity, so once warmed up a message costs no allocation. The caller
// writes commas itself through the key helpers (first key of an object: key0), which keeps the writer
// branch-free; strings are escaped per RFC 8259.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/decimal.h"

namespace mm::simx {

class JsonOut {
 public:
  explicit JsonOut(std::string& buf) noexcept : s_(buf) {}

  std::string& str() noexcept { return s_; }
  void clear() noexcept { s_.clear(); }

  JsonOut& raw(std::string_view v) {
    s_.append(v);
    return *this;
  }
  JsonOut& ch(char c) {
    s_.push_back(c);
    return *this;
  }
  // ,"name": (first = false) or "name": (first = true)
  JsonOut& key(std::string_view name, bool first = false) {
    if (!first) s_.push_back(',');
    s_.push_back('"');
    s_.append(name);
    s_.append("\":");
    return *this;
  }
  JsonOut& key0(std::string_view name) { return key(name, true); }

  // A JSON string value, escaped.
  JsonOut& str(std::string_view v) {
    s_.push_back('"');
    escape(v);
    s_.push_back('"');
    return *this;
  }
  JsonOut& i64(int64_t v) {
    char b[24];
    s_.append(b, format_i64(v, b));
    return *this;
  }
  // An integer written as a JSON string ("1700000000000"), Bybit's style for times and ids.
  JsonOut& i64_str(int64_t v) {
    char b[24];
    s_.push_back('"');
    s_.append(b, format_i64(v, b));
    s_.push_back('"');
    return *this;
  }
  // A fixed-point decimal written as a JSON string, trailing zeros trimmed ("0.0002", "100000").
  JsonOut& fixed_str(int64_t value, int scale) {
    char b[32];
    s_.push_back('"');
    s_.append(b, format_fixed(value, scale, 0, b));
    s_.push_back('"');
    return *this;
  }
  JsonOut& boolean(bool v) {
    s_.append(v ? "true" : "false");
    return *this;
  }

  // Shorthands: ,"name":"value"  ,"name":123  ,"name":"123"  ,"name":true
  JsonOut& kv(std::string_view name, std::string_view v, bool first = false) {
    return key(name, first).str(v);
  }
  JsonOut& kv_i64(std::string_view name, int64_t v, bool first = false) { return key(name, first).i64(v); }
  JsonOut& kv_i64_str(std::string_view name, int64_t v, bool first = false) {
    return key(name, first).i64_str(v);
  }
  JsonOut& kv_bool(std::string_view name, bool v, bool first = false) { return key(name, first).boolean(v); }

  static size_t format_i64(int64_t v, char* out) noexcept {
    char tmp[24];
    size_t n = 0;
    const bool neg = v < 0;
    uint64_t u = neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    do {
      tmp[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u != 0);
    size_t k = 0;
    if (neg) out[k++] = '-';
    while (n > 0) out[k++] = tmp[--n];
    return k;
  }

 private:
  void escape(std::string_view v) {
    static constexpr char kHex[] = "0123456789abcdef";
    size_t run = 0;  // start of the pending run of plain bytes
    for (size_t i = 0; i < v.size(); ++i) {
      const auto c = static_cast<unsigned char>(v[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      s_.append(v.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"':
          s_.append("\\\"");
          break;
        case '\\':
          s_.append("\\\\");
          break;
        case '\n':
          s_.append("\\n");
          break;
        case '\r':
          s_.append("\\r");
          break;
        case '\t':
          s_.append("\\t");
          break;
        default: {
          const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          s_.append(u, 6);
        }
      }
    }
    s_.append(v.data() + run, v.size() - run);
  }

  std::string& s_;
};

}  // namespace mm::simx
