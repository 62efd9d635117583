#pragma once
// Append-only writer over a caller buffer that never writes past its end: once an append does not fit, the
// writer is marked overflowed and every later append is a no-op. Why sticky overflow: encoders then check
// once at the end instead of after every field, and a too-small buffer can never be overrun.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace mm::detail {

// Decimal digits of v into out (no terminator); returns the length. Precondition: out has >= 20 bytes.
inline size_t write_u64(uint64_t v, char* out) noexcept {
  char tmp[20];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

class BoundedWriter {
 public:
  explicit BoundedWriter(std::span<char> out) noexcept
      : begin_(out.data()), pos_(out.data()), end_(out.data() + out.size()) {}

  size_t size() const noexcept { return static_cast<size_t>(pos_ - begin_); }
  size_t remaining() const noexcept { return static_cast<size_t>(end_ - pos_); }
  bool overflowed() const noexcept { return overflow_; }

  void put(char c) noexcept {
    if (pos_ == end_) {
      overflow_ = true;
      return;
    }
    *pos_++ = c;
  }
  void put(std::string_view s) noexcept {
    if (s.size() > remaining()) {
      overflow_ = true;
      pos_ = end_;  // later appends fail too; nothing is written beyond end_
      return;
    }
    std::memcpy(pos_, s.data(), s.size());
    pos_ += s.size();
  }
  // String literals: the size is a compile-time constant, so the copy is a few moves.
  template <size_t N>
  void lit(const char (&s)[N]) noexcept {
    put(std::string_view(s, N - 1));
  }
  void put_u64(uint64_t v) noexcept {
    if (remaining() >= 20) {
      pos_ += write_u64(v, pos_);
      return;
    }
    char tmp[20];
    put(std::string_view(tmp, write_u64(v, tmp)));
  }
  // Writes through fn(char* dst) -> length, which needs up to `max` bytes of room (format_price needs 24).
  template <class Fn>
  void put_formatted(size_t max, Fn&& fn) noexcept {
    if (remaining() >= max) {
      pos_ += fn(pos_);
      return;
    }
    char tmp[32];
    put(std::string_view(tmp, fn(tmp)));
  }

 private:
  char* begin_;
  char* pos_;
  char* end_;
  bool overflow_ = false;
};

}  // namespace mm::detail
