#pragma once
// Append-only writers over a caller buffer. BoundedWriter never writes past its end: once an append does not
// fit, the writer is marked overflowed and every later append is a no-op. Why sticky overflow: encoders then
// check once at the end instead of after every field, and a too-small buffer can never be overrun.
// UncheckedWriter is its twin for room reserved up front (BoundedWriter::reserve): the same appends with no
// bounds check at all, for encoders whose largest output is known before they start (order JSON).
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

// "00" "01" .. "99": two digits per division by 100 when printing numbers.
inline constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Number of decimal digits of v (1 for 0): floor(log10(2^bits)) from the bit length (1233 / 4096 ~ log10 2),
// plus one if v reaches the next power of ten. No division.
inline size_t decimal_length(uint64_t v) noexcept {
  static constexpr auto kPow10 = [] {
    struct T {
      uint64_t v[20];
    } t{};
    uint64_t x = 1;
    for (auto& e : t.v) {
      e = x;
      x *= 10;  // wraps after 10^19, never stored
    }
    return t;
  }();
  const auto bits = static_cast<size_t>(64 - __builtin_clzll(v | 1));
  const size_t t = (bits * 1233) >> 12;  // 0..19
  return t + (v >= kPow10.v[t] ? 1 : 0) + (v == 0 ? 1 : 0);
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
  // The first len bytes of a fixed-size array (UncheckedWriter copies all Cap of them).
  // Precondition: len <= Cap.
  template <size_t Cap>
  void put_padded(const char (&src)[Cap], size_t len) noexcept {
    put(std::string_view(src, len));
  }

  // Room for `n` more bytes at the current position, or nullptr (nothing changes) when fewer remain or the
  // writer already overflowed. Write there with an UncheckedWriter, then advance() by what it wrote.
  char* reserve(size_t n) noexcept { return !overflow_ && remaining() >= n ? pos_ : nullptr; }
  void advance(size_t n) noexcept { pos_ += n; }

 private:
  char* begin_;
  char* pos_;
  char* end_;
  bool overflow_ = false;
};

// Appends into room the caller has reserved: no bounds check. put_padded copies whole fixed-size arrays (a
// symbol, a link id, a cached text) as a few wide moves and keeps only `len` bytes, so the room must cover
// the whole array; the bytes past the kept ones are overwritten by the next append or left as unspecified
// room.
class UncheckedWriter {
 public:
  explicit UncheckedWriter(char* at) noexcept : begin_(at), pos_(at) {}

  size_t size() const noexcept { return static_cast<size_t>(pos_ - begin_); }

  void put(char c) noexcept { *pos_++ = c; }
  void put(std::string_view s) noexcept {
    std::memcpy(pos_, s.data(), s.size());
    pos_ += s.size();
  }
  template <size_t N>
  void lit(const char (&s)[N]) noexcept {
    std::memcpy(pos_, s, N - 1);
    pos_ += N - 1;
  }
  void put_u64(uint64_t v) noexcept { pos_ += write_u64(v, pos_); }
  template <class Fn>
  void put_formatted(size_t /*max*/, Fn&& fn) noexcept {
    pos_ += fn(pos_);
  }
  template <size_t Cap>
  void put_padded(const char (&src)[Cap], size_t len) noexcept {
    std::memcpy(pos_, src, Cap);
    pos_ += len;
  }

 private:
  char* begin_;
  char* pos_;
};

}  // namespace mm::detail
