// The pipeline's shared structures keep each thread's words on their own cache lines.
#include "runtime/frame_arena.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

#include "core/spsc_ring.h"
#include "runtime/ring_venue.h"
#include "runtime/stage_clock.h"

namespace mm {
namespace {

TEST(FrameArena, ProducerAndConsumerWordsOnSeparateLines) {
  EXPECT_GE(FrameArenaLayout::kConsumer - FrameArenaLayout::kProducer, kCacheLineSize);
  EXPECT_EQ(FrameArenaLayout::kProducer % kCacheLineSize, 0u);
  EXPECT_EQ(FrameArenaLayout::kConsumer % kCacheLineSize, 0u);
  EXPECT_EQ(alignof(FrameArena), kCacheLineSize);
}

TEST(FrameArena, SpansAreWholeCacheLinesWithPadding) {
  EXPECT_EQ(FrameArena::span(1) % kCacheLineSize, 0u);
  EXPECT_GE(FrameArena::span(100), 100 + kFramePadding);
  FrameArena a(4096);
  uint64_t pos = 0;
  ASSERT_TRUE(a.try_reserve(100, pos));
  EXPECT_EQ(pos, 0u);
  ASSERT_TRUE(a.try_reserve(100, pos));
  EXPECT_EQ(pos, FrameArena::span(100));
}

TEST(StageClock, CopiesConvertAlike) {
  TscCalibration cal;
  if (TscClock::calibrate(std::chrono::milliseconds(5), cal) != TscError::kOk) GTEST_SKIP() << "no TSC";
  const StageClock a{std::optional<TscClock>(TscClock(cal))};
  const StageClock b = a;  // each pipeline stage holds its own copy
  EXPECT_TRUE(b.calibrated());
  EXPECT_EQ(a.to_ns(123456789), b.to_ns(123456789));
  EXPECT_EQ(StageClock{}.to_ns(42), 42);
}

}  // namespace
}  // namespace mm
