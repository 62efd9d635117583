// tools/mm/progress.h: when a bar is drawn (a terminal, no --json), what it says, and how often it redraws.
#include "tools/mm/progress.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "sim/recording.h"
#include "tools/mm/gen.h"

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

// mm gen: the generator reports every 1024 deltas and the last one; on a terminal the bar goes from the first
// report to 100 %, in a pipe (or with nothing to draw on) not a byte is written.
TEST(Progress, MmGenDrawsItsDeltasOnATerminalOnly) {
  const std::string out = (std::filesystem::path(::testing::TempDir()) /
                           ("progress_gen_" + std::to_string(::getpid()) + ".mmcap"))
                              .string();
  for (const bool terminal : {true, false}) {
    FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    double now = 0;
    Progress bar(progress_wanted(false, 2, [terminal](int) { return terminal ? 1 : 0; }), "deltas", f,
                 [&now] { return now += 1.0; });
    GenParams p;
    p.seconds = 60;  // 3000 deltas of 20 ms: reports at 1024, 2048 and 3000
    std::vector<int64_t> reports;
    p.progress = [&](int64_t done, int64_t total) {
      EXPECT_EQ(total, 3000);
      reports.push_back(done);
      bar.update(static_cast<uint64_t>(done), static_cast<uint64_t>(total));
    };
    ASSERT_EQ(write_synthetic_capture(p, out).status, CaptureError::kOk);
    bar.finish();
    EXPECT_EQ(reports, (std::vector<int64_t>{1024, 2048, 3000}));
    const std::string drawn = contents(f);
    if (terminal) {
      EXPECT_EQ(count(drawn, '\r'), 3u) << drawn;
      EXPECT_NE(drawn.find("100.0%"), std::string::npos) << drawn;
      EXPECT_NE(drawn.find(" deltas/s"), std::string::npos) << drawn;
    } else {
      EXPECT_EQ(drawn, "");
    }
    std::fclose(f);
  }
  std::filesystem::remove(out);
}

}  // namespace
// mm convert: the conversion reports the input's bytes read against its size every 4096 frames and once at
// the end (done == total == the file's size); the bar draws them on a terminal and nothing in a pipe.
TEST(Progress, MmConvertReportsInputBytesUpToTheFileSize) {
  const std::filesystem::path dir(::testing::TempDir());
  const std::string in = (dir / ("progress_conv_" + std::to_string(::getpid()) + ".mmcap")).string();
  const std::string out = (dir / ("progress_conv_out_" + std::to_string(::getpid()) + ".mmcap")).string();
  GenParams p;
  p.seconds = 300;  // 15,000 deltas: several reports of 4096 frames
  ASSERT_EQ(write_synthetic_capture(p, in).status, CaptureError::kOk);
  const uint64_t size = std::filesystem::file_size(in);
  for (const bool terminal : {true, false}) {
    FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    double now = 0;
    Progress bar(progress_wanted(false, 2, [terminal](int) { return terminal ? 1 : 0; }), "KiB", f,
                 [&now] { return now += 1.0; });
    std::vector<std::pair<uint64_t, uint64_t>> reports;
    ConvertOptions o;
    o.progress = [&](uint64_t done, uint64_t total) {
      reports.emplace_back(done, total);
      bar.update(done >> 10, total >> 10);
    };
    std::filesystem::remove(out);
    const ConvertResult r = convert_to_capture(in, out, o);
    bar.finish();
    ASSERT_TRUE(r.ok()) << r.message;
    ASSERT_GE(reports.size(), 3u);
    for (size_t k = 1; k < reports.size(); ++k) EXPECT_GE(reports[k].first, reports[k - 1].first);
    EXPECT_LT(reports.front().first, size);
    EXPECT_EQ(reports.back(), std::make_pair(size, size));
    const std::string drawn = contents(f);
    if (terminal) {
      EXPECT_NE(drawn.find("100.0%"), std::string::npos) << drawn;
      EXPECT_NE(drawn.find(" KiB/s"), std::string::npos) << drawn;
    } else {
      EXPECT_EQ(drawn, "");
    }
    std::fclose(f);
  }
  std::filesystem::remove(in);
  std::filesystem::remove(out);
}

}  // namespace mm::tools
