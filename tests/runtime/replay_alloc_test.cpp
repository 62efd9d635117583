// No allocation after start-up on the whole decision path (DESIGN section 3): `mm replay --config` with every
// example strategy (codec, book, signals, strategy, risk, quoter, order table, encoder, confirm step), and
// the pipeline layout end to end (feed, arena, rings, RingVenue, dispatch).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/decision_path.h"
#include "tests/support/alloc_counter.h"
#include "tools/mm/gen.h"
#include "tools/mm/replay.h"

namespace mm::tools {
namespace {

const std::string kExamples = std::string(MM_SOURCE_DIR) + "/examples/";

std::string generated(int seconds) {
  GenParams p;
  p.seconds = seconds;
  p.seed = 11;
  const std::string out = ::testing::TempDir() + "mm_alloc_" + std::to_string(seconds) + "s_" +
                          std::to_string(::getpid()) + ".mmcap";
  const GenResult r = write_synthetic_capture(p, out);
  EXPECT_EQ(r.status, CaptureError::kOk) << r.message;
  return out;
}

struct OwnedFrame {
  std::string bytes;  // data + kFramePadding spare bytes
  size_t size;
  Category category;
  int64_t recv_ns;
  Frame view() const {
    Frame f;
    f.kind = FrameKind::kRecv;
    f.data = std::string_view(bytes.data(), size);
    f.category = category;
    f.has_category = true;
    f.recv_ns = recv_ns;
    return f;
  }
};

std::vector<OwnedFrame> frames_of(const Replayer& r, const std::string& path) {
  std::vector<OwnedFrame> out;
  std::unique_ptr<FrameSource> src;
  EXPECT_EQ(r.open(path, src), "");
  Frame f;
  while (src && src->next(f) == ReadResult::kOk) {
    if (f.kind != FrameKind::kRecv) continue;
    std::string b(f.data);
    b.resize(b.size() + kFramePadding, ' ');
    out.push_back({std::move(b), f.data.size(), f.has_category ? f.category : Category::kLinear, f.recv_ns});
  }
  return out;
}

TEST(ReplayAlloc, DecisionPathOfEveryExampleStrategyDoesNotAllocate) {
  const std::string file = generated(300);
  for (const char* name : {"avellaneda", "fixed", "glft", "inventory"}) {
    SCOPED_TRACE(name);
    ReplayOptions o;
    o.files = {file};
    ASSERT_EQ(load_replay_config(kExamples + name + ".toml", o), "");
    Replayer r(o);
    ASSERT_EQ(r.prepare(), "");
    const std::vector<OwnedFrame> frames = frames_of(r, file);
    ASSERT_GT(frames.size(), 10000u);
    // Warm-up: the first minute (snapshot, the signals' first samples, the first orders).
    const size_t warm = frames.size() / 5;
    for (size_t i = 0; i < warm; ++i) r.process(frames[i].view());
    const uint64_t ticks = r.counters().ticks;
    uint64_t allocations = 0;
    for (size_t i = warm; i < frames.size(); ++i) {
      test::AllocScope scope;
      r.process(frames[i].view());
      if (scope.allocations() != 0 && allocations == 0) ADD_FAILURE() << "first allocation at frame " << i;
      allocations += scope.allocations();
    }
    EXPECT_EQ(allocations, 0u);
    EXPECT_GT(r.counters().ticks, ticks) << "the measured frames must run the Trader";
    EXPECT_GT(r.decision_path()->counters().ticks, 0u);
  }
  std::filesystem::remove(file);
}

// The pipeline's threads cannot be scoped one by one, so the whole process is counted: a run over ten times
// more input must allocate exactly as much as a short one (start-up only: threads, rings, arena, readers).
TEST(ReplayAlloc, PipelineAllocationsDoNotGrowWithTheInput) {
  const std::string cfg = kExamples + "fixed.toml";
  const auto allocations = [&](const std::string& file, uint64_t& ticks) {
    ReplayOptions o;
    o.files = {file};
    o.layout = ReplayLayout::kPipeline;
    EXPECT_EQ(load_replay_config(cfg, o), "");
    Replayer r(o);
    EXPECT_EQ(r.prepare(), "");
    const uint64_t before = test::process_allocations();
    EXPECT_EQ(r.run(), "");
    const uint64_t n = test::process_allocations() - before;
    ticks = r.counters().ticks;
    return n;
  };
  const std::string small = generated(30), large = generated(300);
  uint64_t small_ticks = 0, large_ticks = 0;
  const uint64_t a = allocations(small, small_ticks);
  const uint64_t b = allocations(large, large_ticks);
  EXPECT_GT(large_ticks, 5 * small_ticks);
  EXPECT_EQ(a, b) << "allocations grew with the input: " << a << " for " << small_ticks << " ticks, " << b
                  << " for " << large_ticks;
  std::filesystem::remove(small);
  std::filesystem::remove(large);
}

}  // namespace
}  // namespace mm::tools
