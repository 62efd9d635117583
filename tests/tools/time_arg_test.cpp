#include "tools/mm/time_arg.h"

#include <gtest/gtest.h>

namespace mm::tools {
namespace {

int64_t parse_ok(const char* s) {
  int64_t v = -1;
  std::string e;
  EXPECT_TRUE(parse_time_arg(s, v, e)) << s << ": " << e;
  return v;
}

TEST(TimeArg, IsoUtc) {
  // 2026-08-09T00:00:00Z = 1786233600 s since the epoch (date -u -d 2026-08-09 +%s).
  EXPECT_EQ(parse_ok("2026-08-09"), 1'786'233'600LL * 1'000'000'000);
  EXPECT_EQ(parse_ok("2026-08-09T00:00:00Z"), 1'786'233'600LL * 1'000'000'000);
  EXPECT_EQ(parse_ok("2026-08-09T12:30:15Z"), (1'786'233'600LL + 12 * 3600 + 30 * 60 + 15) * 1'000'000'000);
  EXPECT_EQ(parse_ok("2026-08-09T12:30:15.25Z"),
            (1'786'233'600LL + 12 * 3600 + 30 * 60 + 15) * 1'000'000'000 + 250'000'000);
  EXPECT_EQ(parse_ok("2026-08-09T12:30"), (1'786'233'600LL + 12 * 3600 + 30 * 60) * 1'000'000'000);
  EXPECT_EQ(parse_ok("1970-01-01"), 0);
  EXPECT_EQ(parse_ok("2024-02-29T00:00:00Z"), 1'709'164'800LL * 1'000'000'000);  // leap day
  EXPECT_EQ(parse_ok("2000-02-29"), 951'782'400LL * 1'000'000'000);              // leap (divisible by 400)
  EXPECT_EQ(parse_ok("2026-12-31"), 1'798'675'200LL * 1'000'000'000);
}

TEST(TimeArg, EpochIntegers) {
  EXPECT_EQ(parse_ok("1786233600000"), 1'786'233'600'000LL * 1'000'000);  // 13 digits: ms
  EXPECT_EQ(parse_ok("1786233600000000000"), 1'786'233'600'000'000'000LL);  // ns
  EXPECT_EQ(parse_ok("0"), 0);
}

TEST(TimeArg, BadInputsNameTheArgument) {
  for (const char* s :
       {"", "yesterday", "2026-13-01", "2026-08-32", "2026-08-09T25:00:00Z", "2026-08-09T12",
        "2026-08-09T12:30:15.Z", "2026-08-09+02:00", "-5", "12345678901234567890", "2026-02-30", "2026-02-29",
        "2100-02-29", "2026-04-31", "2026-06-31T00:00:00Z", "2026-00-10"}) {
    int64_t v = 7;
    std::string e;
    EXPECT_FALSE(parse_time_arg(s, v, e)) << s;
    EXPECT_NE(e.find(std::string("\"") + s + "\""), std::string::npos) << e;
    EXPECT_EQ(v, 7) << s;  // untouched
  }
}

}  // namespace
}  // namespace mm::tools
