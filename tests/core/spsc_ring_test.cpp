#include "core/spsc_ring.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <thread>

#include "core/idle.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

TEST(SpscRing, StartsEmpty) {
  SpscRing<int, 4> ring;
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.size_approx(), 0u);
  EXPECT_EQ(ring.capacity(), 4u);
  int out = -1;
  EXPECT_FALSE(ring.try_pop(out));
  EXPECT_EQ(out, -1);
}

TEST(SpscRing, PopsInFifoOrder) {
  SpscRing<int, 8> ring;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ring.try_push(i));
  EXPECT_EQ(ring.size_approx(), 5u);
  for (int i = 0; i < 5; ++i) {
    int out = -1;
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, i);
  }
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRing, RejectsPushWhenFullAndAcceptsAfterPop) {
  SpscRing<int, 4> ring;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(ring.try_push(i));
  EXPECT_EQ(ring.size_approx(), 4u);
  EXPECT_FALSE(ring.try_push(99));
  int out = -1;
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(out, 0);
  EXPECT_TRUE(ring.try_push(4));
  EXPECT_FALSE(ring.try_push(100));
  for (int expected = 1; expected <= 4; ++expected) {
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, expected);
  }
  EXPECT_FALSE(ring.try_pop(out));
}

TEST(SpscRing, WrapsAroundManyTimes) {
  SpscRing<uint64_t, 4> ring;
  uint64_t next_in = 0;
  uint64_t next_out = 0;
  // Uneven batch sizes move head and tail across the slot boundary at every offset.
  for (int round = 0; round < 1000; ++round) {
    const int batch = 1 + round % 4;
    for (int i = 0; i < batch; ++i) ASSERT_TRUE(ring.try_push(next_in++));
    for (int i = 0; i < batch; ++i) {
      uint64_t out = 0;
      ASSERT_TRUE(ring.try_pop(out));
      ASSERT_EQ(out, next_out++);
    }
  }
  EXPECT_EQ(next_out, next_in);
  EXPECT_TRUE(ring.empty());
}

struct Quote {
  int64_t price;
  int64_t qty;
  Quote(int64_t p, int64_t q) noexcept : price(p), qty(q) {}
};

TEST(SpscRing, EmplacesTypesWithoutDefaultConstructor) {
  SpscRing<Quote, 2> ring;
  ASSERT_TRUE(ring.try_emplace(101, 5));
  ASSERT_TRUE(ring.try_emplace(102, 6));
  EXPECT_FALSE(ring.try_emplace(103, 7));
  Quote out{0, 0};
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(out.price, 101);
  EXPECT_EQ(out.qty, 5);
}

TEST(SpscRing, MovesMoveOnlyTypes) {
  SpscRing<std::unique_ptr<int>, 2> ring;
  auto p = std::make_unique<int>(7);
  ASSERT_TRUE(ring.try_push(std::move(p)));
  EXPECT_EQ(p, nullptr);
  std::unique_ptr<int> out;
  ASSERT_TRUE(ring.try_pop(out));
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(*out, 7);
}

TEST(SpscRing, FailedPushLeavesMovedFromValueIntact) {
  SpscRing<std::unique_ptr<int>, 2> ring;
  ASSERT_TRUE(ring.try_push(std::make_unique<int>(1)));
  ASSERT_TRUE(ring.try_push(std::make_unique<int>(2)));
  auto p = std::make_unique<int>(3);
  EXPECT_FALSE(ring.try_push(std::move(p)));
  // Reading p after the move is the point: a rejected push must not consume its argument.
  ASSERT_NE(p, nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(*p, 3);  // NOLINT(clang-analyzer-cplusplus.Move)
}

struct Tracked {
  static inline int live = 0;
  int value = 0;
  explicit Tracked(int v) noexcept : value(v) { ++live; }
  Tracked(Tracked&& other) noexcept : value(other.value) { ++live; }
  Tracked& operator=(Tracked&& other) noexcept {
    value = other.value;
    return *this;
  }
  ~Tracked() { --live; }
};

TEST(SpscRing, DestroysPoppedAndRemainingElements) {
  Tracked::live = 0;
  {
    SpscRing<Tracked, 4> ring;
    ASSERT_TRUE(ring.try_emplace(1));
    ASSERT_TRUE(ring.try_emplace(2));
    ASSERT_TRUE(ring.try_emplace(3));
    EXPECT_EQ(Tracked::live, 3);
    Tracked out{0};
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out.value, 1);
    EXPECT_EQ(Tracked::live, 3);  // two in the ring plus `out`
  }
  EXPECT_EQ(Tracked::live, 0);
}

TEST(SpscRing, PushAndPopDoNotAllocate) {
  auto ring = std::make_unique<SpscRing<uint64_t, 1024>>();
  test::AllocScope scope;
  uint64_t sum = 0;
  for (uint64_t i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(ring->try_push(i));
    uint64_t out = 0;
    ASSERT_TRUE(ring->try_pop(out));
    sum += out;
  }
  EXPECT_EQ(sum, 10'000ull * 9'999ull / 2);
  EXPECT_EQ(scope.allocations(), 0u);
}

// Two threads, one ring: every item arrives once and in order. Also the case the TSan build checks.
TEST(SpscRing, TwoThreadStressKeepsSequence) {
  constexpr uint64_t kItems = 10'000'000;
  auto ring = std::make_unique<SpscRing<uint64_t, 1024>>();
  std::thread producer([&ring] {
    BackOffIdle idle(BackOffConfig{.max_spins = 64, .max_yields = 1'000'000, .min_park_ns = 1'000,
                                   .max_park_ns = 1'000});
    for (uint64_t i = 0; i < kItems;) {
      if (ring->try_push(i)) {
        ++i;
        idle.reset();
      } else {
        idle.idle(0);
      }
    }
  });
  uint64_t expected = 0;
  uint64_t mismatches = 0;
  BackOffIdle idle(BackOffConfig{.max_spins = 64, .max_yields = 1'000'000, .min_park_ns = 1'000,
                                 .max_park_ns = 1'000});
  while (expected < kItems) {
    uint64_t out = 0;
    if (ring->try_pop(out)) {
      mismatches += out != expected ? 1 : 0;
      ++expected;
      idle.reset();
    } else {
      idle.idle(0);
    }
  }
  producer.join();
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(expected, kItems);
  EXPECT_TRUE(ring->empty());
}

}  // namespace
}  // namespace mm
