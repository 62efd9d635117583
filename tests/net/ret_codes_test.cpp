#include "net/ret_codes.h"

#include <gtest/gtest.h>

#include <set>

namespace mm {
namespace {

// Every retCode bybit-spec.md section 3 lists, with the class this build gives it; plus 10000 "Server
// Timeout" (Bybit's error list; the live path already reads it as an ambiguous answer).
TEST(RetCodes, EveryCodeOfTheSpecIsClassified) {
  const std::set<int32_t> spec = {10000,  10001,  10002,  10003,  10004,  10005,  10006,  10010,  10014,
                                  10016,  10018,  10019,  10403,  10404,  10429,  20001,  20003,  20006,
                                  110001, 110003, 110004, 110007, 110008, 110010, 110012, 110017, 110020,
                                  110044, 110045, 110072, 110079, 110094, 170131, 170134, 170136, 170137,
                                  170140, 170141, 170213, 170217, 170218};
  std::set<int32_t> table;
  for (const auto& e : ret_code_table()) {
    if (e.code != 0) table.insert(e.code);
    EXPECT_FALSE(e.name.empty()) << e.code;
  }
  EXPECT_EQ(table, spec);
  for (const int32_t c : spec) EXPECT_NE(classify_ret_code(c).name, "unknown") << c;
}

TEST(RetCodes, FinalClass) {
  for (const int32_t c :
       {10001, 10003, 10004, 10005, 10010, 10404, 20006, 110001, 110007, 110017, 110072, 170141}) {
    EXPECT_EQ(classify_ret_code(c).cls, RetClass::kFinal) << c;
  }
  // A code this build does not know is an answered refusal: final, never retried.
  EXPECT_EQ(classify_ret_code(123456).cls, RetClass::kFinal);
  EXPECT_EQ(classify_ret_code(123456).name, "unknown");
}

TEST(RetCodes, RetryableClassWithHints) {
  EXPECT_EQ(classify_ret_code(10002).cls, RetClass::kRetryable);
  EXPECT_EQ(classify_ret_code(10002).hint, RetHint::kResyncClock);
  EXPECT_EQ(classify_ret_code(10006).hint, RetHint::kRateReset);
  EXPECT_EQ(classify_ret_code(10019).hint, RetHint::kReconnect);
  for (const int32_t c : {10018, 10403, 10429, 20003, 110079}) {
    EXPECT_EQ(classify_ret_code(c).cls, RetClass::kRetryable) << c;
    EXPECT_EQ(classify_ret_code(c).hint, RetHint::kBackoff) << c;
  }
}

TEST(RetCodes, AmbiguousClass) {
  EXPECT_EQ(classify_ret_code(10016).cls, RetClass::kAmbiguous);
  EXPECT_EQ(classify_ret_code(10014).cls, RetClass::kAmbiguous);
  // 10000 "Server Timeout": not the unknown-code default (final), which would read a create the venue may
  // hold as refused.
  EXPECT_EQ(classify_ret_code(10000).cls, RetClass::kAmbiguous);
  EXPECT_EQ(classify_ret_code(10000).hint, RetHint::kBackoff);
  EXPECT_EQ(classify_ret_code(10000).name, "server_timeout");
}

TEST(RetCodes, OkAndHttpStatuses) {
  EXPECT_EQ(classify_ret_code(0).cls, RetClass::kOk);
  EXPECT_EQ(classify_http_status(200).cls, RetClass::kOk);
  EXPECT_EQ(classify_http_status(403).hint, RetHint::kIpBan);
  EXPECT_EQ(classify_http_status(429).cls, RetClass::kRetryable);
  EXPECT_EQ(classify_http_status(502).cls, RetClass::kAmbiguous);
  EXPECT_EQ(classify_http_status(404).cls, RetClass::kFinal);
}

}  // namespace
}  // namespace mm
