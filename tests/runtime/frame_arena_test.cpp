// The pipeline's shared structures keep each thread's words on their own cache lines.
#include "runtime/frame_arena.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <chrono>
#include <optional>
#include <vector>

#include "core/spsc_ring.h"
#include "runtime/read_ahead.h"
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

TEST(ReadAhead, AFrameAtTheEndOfAMappingIsReadWithoutTouchingPastIt) {
  // Two readable pages and nothing mapped after them: the 2 MiB window cannot be populated, so the frame's
  // own pages are touched (a touch past the mapping would kill the test with SIGSEGV).
  const size_t page = ReadAhead::kPage;
  void* m = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  char* base = static_cast<char*>(m);
  base[2 * page - 1] = 'z';
  ReadAhead ra;
  const size_t size = 100;
  const char* frame = base + 2 * page - size - kFramePadding;
  ra.before_stamp(frame, size);
  ra.before_stamp(frame, size);  // the same frame again: inside what is known to be mapped
  ra.reset();
  ra.before_stamp(base, size);
  EXPECT_EQ(base[2 * page - 1], 'z');
  ::munmap(m, 2 * page);
}

}  // namespace
}  // namespace mm
