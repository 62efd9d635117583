// ControlRequestRing (runtime/live_control.h): the control thread parks on it instead of polling, and every
// push wakes it. A lost wake-up would leave a REST order, a query or a reconciliation waiting for the park
// timeout.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "runtime/live_control.h"

namespace mm {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr int64_t kLongPark = 10'000'000'000;  // 10 s: far beyond every bound asserted below

TEST(ControlRequestRing, ParkReturnsAtOnceWhenARequestIsQueued) {
  auto ring = std::make_unique<ControlRequestRing>();
  ASSERT_TRUE(ring->try_push(ControlRequest{ControlOp::kReconcile, {}}));
  const auto t0 = steady_clock::now();
  ring->park(kLongPark);
  EXPECT_LT(steady_clock::now() - t0, milliseconds(1000));
  ControlRequest r;
  ASSERT_TRUE(ring->try_pop(r));
  EXPECT_EQ(r.op, ControlOp::kReconcile);
}

TEST(ControlRequestRing, ParkEndsAtItsTimeoutWhenNothingComes) {
  auto ring = std::make_unique<ControlRequestRing>();
  const auto t0 = steady_clock::now();
  ring->park(20'000'000);  // 20 ms
  const auto waited = steady_clock::now() - t0;
  EXPECT_GE(waited, milliseconds(15));  // it did sleep (a futex timeout may end a little early on a VM)
  EXPECT_LT(waited, milliseconds(5000));
}

// Every push from the producer thread reaches the consumer long before the park timeout: 2,000 round trips,
// each bounded, in which the consumer parks with the ring empty and the producer pushes at a random moment.
TEST(ControlRequestRing, EveryPushWakesAParkedConsumer) {
  auto ring = std::make_unique<ControlRequestRing>();
  constexpr int kRounds = 2000;
  std::atomic<int> consumed{0};
  std::atomic<bool> lost{false};
  std::thread consumer([&] {
    ControlRequest r;
    while (consumed.load() < kRounds) {
      if (ring->try_pop(r)) {
        consumed.fetch_add(1);
        continue;
      }
      const auto t0 = steady_clock::now();
      ring->park(kLongPark);
      if (steady_clock::now() - t0 > milliseconds(5000))
        lost.store(true);  // only a lost wake sleeps this long
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    const auto deadline = steady_clock::now() + milliseconds(10000);
    if ((i & 7) == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));  // let it park now and then
    while (!ring->try_push(ControlRequest{ControlOp::kCancelAll, {}}) && steady_clock::now() < deadline) {
    }
    while (consumed.load() <= i && steady_clock::now() < deadline) std::this_thread::yield();
    ASSERT_GT(consumed.load(), i) << "round " << i << ": the consumer never took the request";
  }
  consumer.join();
  EXPECT_FALSE(lost.load());
  EXPECT_EQ(consumed.load(), kRounds);
}

TEST(ControlRequestRing, WakeEndsAParkEvenWithAnEmptyRing) {
  auto ring = std::make_unique<ControlRequestRing>();
  std::atomic<bool> done{false};
  std::thread consumer([&] {
    ring->park(kLongPark);
    done.store(true);
  });
  const auto deadline = steady_clock::now() + milliseconds(5000);
  while (!done.load() && steady_clock::now() < deadline) {
    ring->wake();  // a wake before the consumer parked is lost by design: stop() repeats nothing, the timeout
    std::this_thread::sleep_for(milliseconds(1));  // bounds it; here the test repeats until it lands
  }
  consumer.join();
  EXPECT_TRUE(done.load());
}

}  // namespace
}  // namespace mm
