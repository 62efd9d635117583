#include "core/runner.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/cpu_affinity.h"
#include "core/idle.h"

namespace mm {
namespace {

// Records its lifecycle into a shared log so tests can check ordering across stages.
struct LogStage {
  std::vector<std::string>* log = nullptr;
  std::string name;
  std::atomic<int64_t> cycles{0};
  int starts = 0;
  int closes = 0;
  int work_per_cycle = 1;

  LogStage(std::vector<std::string>* l, std::string n) : log(l), name(std::move(n)) {}
  void on_start() {
    ++starts;
    log->push_back(name + ".start");
  }
  int do_work() noexcept {
    cycles.fetch_add(1, std::memory_order_relaxed);
    return work_per_cycle;
  }
  void on_close() {
    ++closes;
    log->push_back(name + ".close");
  }
};

// Stops its own runner after a fixed number of cycles: the one-thread layout's way to end a replay.
// The runner exists only after its stages, so the stop action is wired in afterwards.
struct CountdownStage {
  std::function<void()> stop;
  int64_t remaining = 0;
  int64_t cycles = 0;
  int starts = 0;
  int closes = 0;
  void on_start() { ++starts; }
  int do_work() noexcept {
    ++cycles;
    if (--remaining == 0) stop();
    return 0;
  }
  void on_close() { ++closes; }
};

struct ThrowingStartStage {
  void on_start() { throw std::runtime_error("cannot open"); }
  int do_work() noexcept { return 0; }
  void on_close() {}
};

struct ThrowingCloseStage {
  int closes = 0;
  void on_start() {}
  int do_work() noexcept { return 0; }
  void on_close() {
    ++closes;
    throw std::runtime_error("close failed");
  }
};

// Captures where the loop thread runs and what it is called.
struct ProbeStage {
  std::atomic<int> cpu{-2};
  std::string thread_name;
  void on_start() {
    char buffer[16] = {};
    if (pthread_getname_np(pthread_self(), buffer, sizeof(buffer)) == 0) thread_name = buffer;
  }
  int do_work() noexcept {
    cpu.store(current_cpu(), std::memory_order_relaxed);
    return 0;
  }
  void on_close() {}
};

static_assert(Stage<LogStage> && Stage<ThrowingStartStage> && Stage<ProbeStage>);

void wait_for_cycles(const std::atomic<int64_t>& cycles, int64_t n) {
  while (cycles.load(std::memory_order_relaxed) < n) std::this_thread::yield();
}

TEST(Runner, StartsLoopsAndStopsOnItsOwnThread) {
  std::vector<std::string> log;
  LogStage a(&log, "a");
  Runner runner(RunnerConfig{}, YieldIdle{}, a);
  ASSERT_EQ(runner.start(), RunnerError::kOk);
  wait_for_cycles(a.cycles, 100);
  runner.stop();
  EXPECT_TRUE(runner.stop_requested());
  EXPECT_EQ(runner.join(), RunnerError::kOk);
  EXPECT_EQ(a.starts, 1);
  EXPECT_EQ(a.closes, 1);
  const int64_t after_join = a.cycles.load();
  EXPECT_GE(after_join, 100);
  EXPECT_EQ(a.cycles.load(), after_join);  // no cycle after join
}

TEST(Runner, RunsStagesInOrderAndClosesInReverse) {
  std::vector<std::string> log;
  LogStage a(&log, "a");
  LogStage b(&log, "b");
  LogStage c(&log, "c");
  Runner runner(RunnerConfig{}, BusySpinIdle{}, a, b, c);
  ASSERT_EQ(runner.start(), RunnerError::kOk);
  wait_for_cycles(c.cycles, 1000);
  runner.stop();
  ASSERT_EQ(runner.join(), RunnerError::kOk);
  EXPECT_EQ(log, (std::vector<std::string>{"a.start", "b.start", "c.start", "c.close", "b.close", "a.close"}));
  // All stages share one loop: their cycle counts differ by at most the one cycle in flight at stop().
  EXPECT_LE(a.cycles.load() - c.cycles.load(), 1);
  EXPECT_GE(a.cycles.load(), c.cycles.load());
}

TEST(Runner, RunsOnCallingThreadUntilAStageStopsIt) {
  std::vector<std::string> log;
  LogStage a(&log, "a");
  CountdownStage countdown;
  countdown.remaining = 1000;
  Runner runner(RunnerConfig{}, NoOpIdle{}, a, countdown);
  countdown.stop = [&runner] { runner.stop(); };
  ASSERT_EQ(runner.run_on_current_thread(), RunnerError::kOk);
  EXPECT_EQ(countdown.cycles, 1000);
  EXPECT_EQ(a.cycles.load(), 1000);
  EXPECT_EQ(a.starts, 1);
  EXPECT_EQ(a.closes, 1);
  EXPECT_EQ(countdown.starts, 1);
  EXPECT_EQ(countdown.closes, 1);
  // A Runner runs once.
  EXPECT_EQ(runner.run_on_current_thread(), RunnerError::kAlreadyStarted);
  EXPECT_EQ(runner.start(), RunnerError::kAlreadyStarted);
  EXPECT_EQ(a.starts, 1);
}

TEST(Runner, StopBeforeStartRunsNoCycleButStillStartsAndCloses) {
  std::vector<std::string> log;
  LogStage a(&log, "a");
  Runner runner(RunnerConfig{}, NoOpIdle{}, a);
  runner.stop();
  ASSERT_EQ(runner.run_on_current_thread(), RunnerError::kOk);
  EXPECT_EQ(a.cycles.load(), 0);
  EXPECT_EQ(log, (std::vector<std::string>{"a.start", "a.close"}));
}

TEST(Runner, JoinWithoutStartIsReported) {
  std::vector<std::string> log;
  LogStage a(&log, "a");
  Runner runner(RunnerConfig{}, NoOpIdle{}, a);
  EXPECT_EQ(runner.join(), RunnerError::kNotStarted);
}

TEST(Runner, ThrowingOnStartClosesEarlierStagesOnly) {
  std::vector<std::string> log;
  LogStage a(&log, "a");
  ThrowingStartStage bad;
  LogStage c(&log, "c");
  Runner runner(RunnerConfig{}, NoOpIdle{}, a, bad, c);
  EXPECT_EQ(runner.start(), RunnerError::kStageStartFailed);
  EXPECT_EQ(log, (std::vector<std::string>{"a.start", "a.close"}));
  EXPECT_EQ(a.cycles.load(), 0);
  EXPECT_EQ(c.starts, 0);
  EXPECT_EQ(runner.join(), RunnerError::kNotStarted);  // the failed thread was already joined
}

TEST(Runner, ThrowingOnCloseStillClosesTheOthers) {
  std::vector<std::string> log;
  LogStage a(&log, "a");
  ThrowingCloseStage bad;
  CountdownStage countdown;
  countdown.remaining = 3;
  Runner runner(RunnerConfig{}, NoOpIdle{}, a, bad, countdown);
  countdown.stop = [&runner] { runner.stop(); };
  EXPECT_EQ(runner.run_on_current_thread(), RunnerError::kStageCloseFailed);
  EXPECT_EQ(bad.closes, 1);
  EXPECT_EQ(a.closes, 1);
  EXPECT_EQ(countdown.closes, 1);
}

TEST(Runner, PinsAndNamesItsThread) {
  int cpu = -1;
  for (int c = 0; c < 1024 && cpu < 0; ++c) {
    if (cpu_allowed(c)) cpu = c;
  }
  ASSERT_GE(cpu, 0) << "no CPU in this thread's affinity mask";
  ProbeStage probe;
  Runner runner(RunnerConfig{.thread_name = "mm-test-runner-long-name", .cpu = cpu}, YieldIdle{}, probe);
  ASSERT_EQ(runner.start(), RunnerError::kOk);
  while (probe.cpu.load() == -2) std::this_thread::yield();
  runner.stop();
  ASSERT_EQ(runner.join(), RunnerError::kOk);
  EXPECT_EQ(probe.cpu.load(), cpu);
  EXPECT_EQ(probe.thread_name, "mm-test-runner-");  // truncated to Linux's 15 bytes
}

TEST(Runner, PinningFailureIsAnErrorCodeAndStartsNothing) {
  std::vector<std::string> log;
  LogStage a(&log, "a");
  // A CPU number a cpu_set_t holds but no test machine has online.
  Runner runner(RunnerConfig{.thread_name = "mm-bad-pin", .cpu = 1000}, NoOpIdle{}, a);
  EXPECT_EQ(runner.start(), RunnerError::kPinFailed);
  EXPECT_EQ(a.starts, 0);
  EXPECT_EQ(a.closes, 0);
  EXPECT_TRUE(log.empty());
}

TEST(Runner, CpuBeyondTheSetSizeIsInvalid) {
  std::vector<std::string> log;
  LogStage a(&log, "a");
  Runner runner(RunnerConfig{.thread_name = {}, .cpu = 1 << 20}, NoOpIdle{}, a);
  EXPECT_EQ(runner.run_on_current_thread(), RunnerError::kInvalidCpu);
  EXPECT_EQ(a.starts, 0);
}

TEST(Runner, DestructorStopsARunningThread) {
  std::vector<std::string> log;
  LogStage a(&log, "a");
  {
    Runner runner(RunnerConfig{}, YieldIdle{}, a);
    ASSERT_EQ(runner.start(), RunnerError::kOk);
    wait_for_cycles(a.cycles, 10);
  }
  EXPECT_EQ(a.closes, 1);
}

TEST(ThreadSetup, ErrorsHaveNames) {
  EXPECT_EQ(to_string(ThreadSetupError::kAffinityFailed), "affinity failed");
  EXPECT_EQ(to_string(RunnerError::kPinFailed), "pin failed");
  EXPECT_EQ(pin_current_thread(-1), ThreadSetupError::kInvalidCpu);
}

TEST(BackOffIdle, SpinsThenYieldsThenParksWithDoublingBoundedSleep) {
  BackOffIdle idle(BackOffConfig{.max_spins = 3, .max_yields = 2, .min_park_ns = 1'000, .max_park_ns = 4'000});
  EXPECT_EQ(idle.state(), BackOffIdle::State::kSpinning);
  for (int i = 0; i < 3; ++i) idle.idle(0);
  EXPECT_EQ(idle.state(), BackOffIdle::State::kSpinning);
  idle.idle(0);
  EXPECT_EQ(idle.state(), BackOffIdle::State::kYielding);
  idle.idle(0);
  EXPECT_EQ(idle.state(), BackOffIdle::State::kYielding);
  EXPECT_EQ(idle.next_park_ns(), 1'000);
  idle.idle(0);
  EXPECT_EQ(idle.state(), BackOffIdle::State::kParking);
  EXPECT_EQ(idle.next_park_ns(), 2'000);
  idle.idle(0);
  EXPECT_EQ(idle.next_park_ns(), 4'000);
  idle.idle(0);
  EXPECT_EQ(idle.next_park_ns(), 4'000);  // bounded
}

TEST(BackOffIdle, WorkAndResetReturnToSpinning) {
  BackOffIdle idle(BackOffConfig{.max_spins = 1, .max_yields = 1, .min_park_ns = 1'000, .max_park_ns = 8'000});
  for (int i = 0; i < 4; ++i) idle.idle(0);
  ASSERT_EQ(idle.state(), BackOffIdle::State::kParking);
  ASSERT_GT(idle.next_park_ns(), 1'000);
  idle.idle(1);
  EXPECT_EQ(idle.state(), BackOffIdle::State::kSpinning);
  EXPECT_EQ(idle.next_park_ns(), 1'000);
  for (int i = 0; i < 4; ++i) idle.idle(0);
  ASSERT_EQ(idle.state(), BackOffIdle::State::kParking);
  idle.reset();
  EXPECT_EQ(idle.state(), BackOffIdle::State::kSpinning);
  EXPECT_EQ(idle.next_park_ns(), 1'000);
}

// Logs calls into storage outside the runner, which holds its own copy of the strategy.
struct LoggingIdle {
  std::vector<std::string>* log = nullptr;
  void idle(int work_count) noexcept { log->push_back("idle" + std::to_string(work_count)); }
  void reset() noexcept { log->push_back("reset"); }
};

TEST(Runner, ResetsIdleBeforeLoopingAndPassesSummedWork) {
  std::vector<std::string> stage_log;
  LogStage a(&stage_log, "a");
  LogStage b(&stage_log, "b");
  a.work_per_cycle = 2;
  b.work_per_cycle = 3;
  CountdownStage countdown;
  countdown.remaining = 2;
  std::vector<std::string> idle_log;
  Runner runner(RunnerConfig{}, LoggingIdle{&idle_log}, a, b, countdown);
  countdown.stop = [&runner] { runner.stop(); };
  ASSERT_EQ(runner.run_on_current_thread(), RunnerError::kOk);
  EXPECT_EQ(idle_log, (std::vector<std::string>{"reset", "idle5", "idle5"}));
}

}  // namespace
}  // namespace mm
