#include "core/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace mm {
namespace {

TEST(Crc32c, StandardCheckValueAndChaining) {
  EXPECT_EQ(crc32c(0, "123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c(0, "", 0), 0u);
  const std::string s(1000, 'a');
  for (size_t cut = 0; cut <= 17; ++cut) {
    EXPECT_EQ(crc32c(crc32c(0, s.data(), cut), s.data() + cut, s.size() - cut),
              crc32c(0, s.data(), s.size()));
  }
  // Every single-bit flip changes it.
  std::string t = "a block of records";
  const uint32_t base = crc32c(0, t.data(), t.size());
  for (size_t i = 0; i < t.size() * 8; ++i) {
    t[i / 8] = static_cast<char>(t[i / 8] ^ (1 << (i % 8)));
    EXPECT_NE(crc32c(0, t.data(), t.size()), base) << i;
    t[i / 8] = static_cast<char>(t[i / 8] ^ (1 << (i % 8)));
  }
}

// The bit-at-a-time definition (reflected polynomial 0x82F63B78), independent of the implementation.
uint32_t reference_crc(uint32_t crc, const unsigned char* p, size_t n) {
  uint32_t c = ~crc;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

// Every length 0..4096 (the interleaved rounds of 3 x 2048, 3 x 256 and 3 x 64 bytes, their boundaries and
// the serial tail), at every alignment 0..7, from random starting values, equals the definition.
TEST(Crc32c, EveryLengthUpTo4096MatchesTheBitwiseDefinition) {
  std::mt19937_64 rng(20261207);
  std::vector<unsigned char> buf(4096 + 8);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  for (size_t n = 0; n <= 4096; ++n) {
    const size_t off = n % 8;
    const auto start = static_cast<uint32_t>(rng());
    ASSERT_EQ(crc32c(start, buf.data() + off, n), reference_crc(start, buf.data() + off, n))
        << "length " << n;
  }
}

// Long buffers (several rounds of each size) and chaining across a cut inside a round.
TEST(Crc32c, LongBuffersAndChainingAcrossRounds) {
  std::mt19937_64 rng(7);
  std::vector<unsigned char> buf(3 * 2048 * 3 + 3 * 256 + 3 * 64 + 13);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  const uint32_t whole = crc32c(0, buf.data(), buf.size());
  EXPECT_EQ(whole, reference_crc(0, buf.data(), buf.size()));
  for (size_t cut : {size_t{1}, size_t{767}, size_t{768}, size_t{6143}, size_t{6144}, size_t{10000}}) {
    EXPECT_EQ(crc32c(crc32c(0, buf.data(), cut), buf.data() + cut, buf.size() - cut), whole) << cut;
  }
}

}  // namespace
}  // namespace mm
