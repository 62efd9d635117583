#include "core/crc32c.h"

#include <array>
#include <cstring>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

namespace mm {

#if defined(__SSE4_2__)

namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected: bit 31 is x^0

// a(x) * b(x) mod P(x) on reflected values.
constexpr uint32_t mult_mod_p(uint32_t a, uint32_t b) noexcept {
  uint32_t m = 1u << 31, prod = 0;
  for (;;) {
    if ((a & m) != 0) {
      prod ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = (b & 1) != 0 ? (b >> 1) ^ kPoly : b >> 1;
  }
  return prod;
}

// x^(8n) mod P(x): the operator that appends n zero bytes to a CRC register.
constexpr uint32_t x8n_mod_p(size_t n) noexcept {
  uint32_t result = 1u << 31;  // x^0
  uint32_t sq = 1u << 23;      // x^8
  while (n != 0) {
    if ((n & 1) != 0) result = mult_mod_p(sq, result);
    sq = mult_mod_p(sq, sq);
    n >>= 1;
  }
  return result;
}

// Shifting a register over `Len` zero bytes, one table per register byte (multiplication is linear, so the
// product of the register is the XOR of its bytes' products).
template <size_t Len>
struct Shift {
  std::array<std::array<uint32_t, 256>, 4> t{};
  constexpr Shift() noexcept {
    const uint32_t x = x8n_mod_p(Len);
    for (uint32_t k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b) t[k][b] = mult_mod_p(x, b << (8 * k));
    }
  }
  uint32_t operator()(uint32_t c) const noexcept {
    return t[0][c & 0xFF] ^ t[1][(c >> 8) & 0xFF] ^ t[2][(c >> 16) & 0xFF] ^ t[3][c >> 24];
  }
};

// Round sizes: a capture block is checked one record at a time (CaptureReader::verify_block: 600-1000 bytes
// a call on `mm gen` output), so the middle and short rounds are what most calls take. Measured with
// 105 MB of calls on this host: 620-byte calls 1.4x, 960-byte calls 1.9x, 4 KiB calls 2x faster than one
// chain (short rounds of 32 bytes gave 620-byte calls only 1.1x: the combine costs about two rounds).
constexpr Shift<2048> kShiftLong;
constexpr Shift<256> kShiftMid;
constexpr Shift<64> kShiftShort;

inline uint64_t load64(const unsigned char* p) noexcept {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Rounds of three Len-byte blocks, each with its own crc32 chain: the instruction's latency is 3 cycles
// and its throughput 1 a cycle, so one chain runs at a third of the unit's speed. The chains are joined
// by the register algebra of CRCs: crc(A B) = shift_|B|(crc(A)) ^ crc_0(B), crc_0 starting from zero.
template <size_t Len>
inline void rounds(uint64_t& c, const unsigned char*& p, size_t& n, const Shift<Len>& shift) noexcept {
  while (n >= 3 * Len) {
    uint64_t c0 = c, c1 = 0, c2 = 0;
    for (size_t i = 0; i < Len; i += 8) {
      c0 = _mm_crc32_u64(c0, load64(p + i));
      c1 = _mm_crc32_u64(c1, load64(p + Len + i));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * Len + i));
    }
    c = shift(shift(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1)) ^ static_cast<uint32_t>(c2);
    p += 3 * Len;
    n -= 3 * Len;
  }
}

}  // namespace

uint32_t crc32c(uint32_t crc, const void* data, size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t c = ~crc;
  rounds(c, p, n, kShiftLong);
  rounds(c, p, n, kShiftMid);
  rounds(c, p, n, kShiftShort);
  while (n >= 8) {
    c = _mm_crc32_u64(c, load64(p));
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p++);
    --n;
  }
  return ~c32;
}

#else

namespace {
// Reflected polynomial 0x82F63B78, one byte at a time: the portable fallback.
constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kTable = make_table();
}  // namespace

uint32_t crc32c(uint32_t crc, const void* data, size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  while (n-- > 0) c = kTable[(c ^ *p++) & 0xFF] ^ (c >> 8);
  return ~c;
}

#endif

}  // namespace mm
