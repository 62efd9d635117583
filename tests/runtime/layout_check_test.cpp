// Layout checks: spinning threads on one CPU are refused, yielding ones warned about, back-off always runs.
#include "runtime/layout_check.h"

#include <gtest/gtest.h>

namespace mm {
namespace {

const LayoutThread kShared[3] = {{"feed", 0}, {"decision", 1}, {"dispatch", 0}};
const LayoutThread kOwn[3] = {{"feed", 0}, {"decision", 1}, {"dispatch", 2}};
const LayoutThread kUnpinned[3] = {{"feed", -1}, {"decision", -1}, {"dispatch", -1}};

TEST(LayoutCheck, SpinOnASharedCpuIsRefusedNamingTheThreads) {
  std::string warning = "stale";
  const std::string err = check_layout(kShared, 3, LayoutIdle::kSpin, 2, warning);
  EXPECT_NE(err.find("--idle spin: the feed and dispatch threads share CPU 0"), std::string::npos) << err;
  EXPECT_EQ(warning, "");
}

TEST(LayoutCheck, SpinOnOwnCpusRuns) {
  std::string warning;
  EXPECT_EQ(check_layout(kOwn, 3, LayoutIdle::kSpin, 4, warning), "");
  EXPECT_EQ(warning, "");
  // Two threads (no dispatch without --config) on CPUs 0 and 1 of a 2-vCPU host.
  EXPECT_EQ(check_layout(kShared, 2, LayoutIdle::kSpin, 2, warning), "");
}

TEST(LayoutCheck, MoreUnpinnedSpinnersThanCpusAreRefused) {
  std::string warning;
  EXPECT_NE(
      check_layout(kUnpinned, 3, LayoutIdle::kSpin, 2, warning).find("3 unpinned spinning threads on 2"),
      std::string::npos);
  EXPECT_EQ(check_layout(kUnpinned, 3, LayoutIdle::kSpin, 8, warning), "");
}

TEST(LayoutCheck, YieldOnASharedCpuWarnsAndBackOffIsSilent) {
  std::string warning;
  EXPECT_EQ(check_layout(kShared, 3, LayoutIdle::kYield, 2, warning), "");
  EXPECT_EQ(
      warning,
      "pipeline: --idle yield: the feed and dispatch threads share CPU 0: each hand-off between them costs a "
      "context switch");
  EXPECT_EQ(check_layout(kShared, 3, LayoutIdle::kBackOff, 2, warning), "");
  EXPECT_EQ(warning, "");
}

}  // namespace
}  // namespace mm
