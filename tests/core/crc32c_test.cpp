#include "core/crc32c.h"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace mm
