// tools/mm/progress.h: when a bar is drawn (a terminal, no --json), what it says, and how often it redraws.
#include "tools/mm/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace mm::tools {
namespace {

// Everything written to `f` so far.
std::string contents(FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

size_t count(const std::string& s, char c) {
  size_t n = 0;
  for (const char x : s) n += x == c ? 1 : 0;
  return n;
}

TEST(Progress, WantedOnlyOnATerminalAndNeverWithJson) {
  const auto tty = [](int) { return 1; };
  const auto pipe = [](int) { return 0; };
  EXPECT_TRUE(progress_wanted(false, 2, tty));
  EXPECT_FALSE(progress_wanted(true, 2, tty));
  EXPECT_FALSE(progress_wanted(false, 2, pipe));
  EXPECT_FALSE(progress_wanted(true, 2, pipe));
}

TEST(Progress, LineShowsPercentCountRateAndEta) {
  const std::string half = progress_line(50'000, 100'000, 10.0, "events");
  EXPECT_EQ(half.substr(0, 32), "[###############...............]") << half;
  EXPECT_NE(half.find(" 50.0%"), std::string::npos) << half;
  EXPECT_NE(half.find("50.0 k events"), std::string::npos) << half;
  EXPECT_NE(half.find("5.00 k events/s"), std::string::npos) << half;
  EXPECT_NE(half.find("ETA 10s"), std::string::npos) << half;
  EXPECT_NE(progress_line(1, 7201, 1.0, "x").find("ETA 2h00m"), std::string::npos);
  EXPECT_NE(progress_line(1, 100, 1.0, "x").find("ETA 1m39s"), std::string::npos);
  // No time elapsed yet: no rate, no ETA guess.
  EXPECT_NE(progress_line(0, 100, 0.0, "x").find("ETA --"), std::string::npos);
  // More than the total (a caller's estimate was low): shown as done, never past 100 %.
  EXPECT_NE(progress_line(150, 100, 1.0, "x").find("100.0%"), std::string::npos);
}

TEST(Progress, RedrawsAtMostEvery100MsAndAlwaysAtTheEnd) {
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  double now = 0;
  Progress bar(true, "events", f, [&now] { return now; });
  bar.update(1, 10);  // drawn
  now = 0.05;
  bar.update(2, 10);  // too soon
  now = 0.2;
  bar.update(3, 10);  // drawn
  now = 0.21;
  bar.update(10, 10);  // the end: always drawn
  bar.finish();
  const std::string out = contents(f);
  EXPECT_EQ(count(out, '\r'), 3u) << out;
  EXPECT_EQ(out.back(), '\n');
  EXPECT_NE(out.find("100.0%"), std::string::npos) << out;
  std::fclose(f);
}

TEST(Progress, DisabledOrWithoutTotalWritesNothing) {
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  Progress off(false, "events", f);
  off.update(5, 10);
  off.finish();
  Progress no_total(true, "events", f);
  no_total.update(5, 0);
  no_total.finish();
  EXPECT_EQ(contents(f), "");
  std::fclose(f);
}

}  // namespace
}  // namespace mm::tools
