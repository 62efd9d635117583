#pragma once
// Stage runner (the Aeron agent model): one thread runs one or more stages in a duty-cycle loop,
//   while (!stop) idle.idle(stage_1.do_work() + ... + stage_n.do_work());
// Which stages share a thread is configuration: on a 2-vCPU host everything hot is one Runner on one
// thread; on a bigger host each stage gets its own pinned Runner and SPSC rings join them.
//
// Lifecycle: placement (pin, then name) -> on_start of every stage in declaration order -> loop until stop()
// -> on_close of every stage in reverse order. on_start/on_close are cold and may throw; the runner catches
// at this boundary and reports a code. do_work is noexcept and must never block.
//
// Threading: start(), run_on_current_thread() and join() are called by one owning thread; stop() and
// stop_requested() from any thread, including from inside a stage's do_work. A Runner runs at most once.
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>

#include "core/cpu_affinity.h"
#include "core/idle.h"

namespace mm {

template <typename S>
concept Stage = requires(S& stage) {
  stage.on_start();
  { stage.do_work() } noexcept -> std::same_as<int>;
  stage.on_close();
};

struct RunnerConfig {
  std::string_view thread_name;  // empty keeps the current name; longer than 15 bytes is truncated
  int cpu = -1;                  // negative: do not pin
};

enum class RunnerError : uint8_t {
  kOk = 0,
  kAlreadyStarted,     // start()/run_on_current_thread() was already called on this Runner
  kThreadStartFailed,  // the OS refused to create a thread
  kInvalidCpu,         // config.cpu is beyond what a cpu_set_t holds
  kPinFailed,          // the kernel refused the affinity (CPU offline or outside the cpuset)
  kNameFailed,         // pthread_setname_np failed
  kStageStartFailed,   // an on_start threw; the stages started before it were closed
  kStageCloseFailed,   // an on_close threw; every other on_close still ran
  kNotStarted,         // join() without a successful start()
};

constexpr std::string_view to_string(RunnerError e) noexcept {
  switch (e) {
    case RunnerError::kOk: return "ok";
    case RunnerError::kAlreadyStarted: return "already started";
    case RunnerError::kThreadStartFailed: return "thread start failed";
    case RunnerError::kInvalidCpu: return "invalid cpu";
    case RunnerError::kPinFailed: return "pin failed";
    case RunnerError::kNameFailed: return "thread name failed";
    case RunnerError::kStageStartFailed: return "stage start failed";
    case RunnerError::kStageCloseFailed: return "stage close failed";
    case RunnerError::kNotStarted: return "not started";
  }
  return "?";
}

template <IdleStrategy Idle, Stage... Stages>
class Runner {
  static_assert(sizeof...(Stages) >= 1, "a Runner needs at least one stage");

 public:
  // Stages are held by reference: they must outlive the Runner (the owner keeps them to inspect or reuse).
  Runner(const RunnerConfig& config, Idle idle, Stages&... stages) noexcept
      : idle_(std::move(idle)), stages_(stages...), cpu_(config.cpu) {
    name_length_ = config.thread_name.size() < kMaxName ? config.thread_name.size() : kMaxName;
    if (name_length_ > 0) std::memcpy(name_, config.thread_name.data(), name_length_);
  }

  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Stops and joins a thread still running; a close failure at this point can only be dropped.
  ~Runner() {
    stop();
    if (thread_.joinable()) thread_.join();
  }

  // Starts the loop on a new thread and blocks until that thread has applied its placement and started
  // every stage. Returns:
  //   kOk                 the loop is running; call stop() then join()
  //   kAlreadyStarted     nothing done
  //   kThreadStartFailed  no thread
  //   kInvalidCpu, kPinFailed, kNameFailed, kStageStartFailed
  //                       the thread has ended (already joined) without running the loop
  [[nodiscard]] RunnerError start() {
    if (used_) return RunnerError::kAlreadyStarted;
    used_ = true;
    try {
      thread_ = std::thread([this] { thread_main(); });
    } catch (...) {
      return RunnerError::kThreadStartFailed;
    }
    setup_done_.wait(false, std::memory_order_acquire);
    if (setup_result_ != RunnerError::kOk) thread_.join();
    return setup_result_;
  }

  // Waits for the thread of a successful start() to end (after stop()). Returns kOk, kStageCloseFailed, or
  // kNotStarted when there is no thread to join.
  [[nodiscard]] RunnerError join() {
    if (!thread_.joinable()) return RunnerError::kNotStarted;
    thread_.join();
    return close_result_;
  }

  // Runs the whole lifecycle on the calling thread and returns once stop() ended the loop and the stages are
  // closed. The placement applies to the calling thread and stays after return.
  // Returns kOk, kAlreadyStarted, kInvalidCpu, kPinFailed, kNameFailed, kStageStartFailed, kStageCloseFailed.
  [[nodiscard]] RunnerError run_on_current_thread() {
    if (used_) return RunnerError::kAlreadyStarted;
    used_ = true;
    const RunnerError setup = set_up();
    if (setup != RunnerError::kOk) return setup;
    loop();
    return close_stages_before<sizeof...(Stages)>() ? RunnerError::kOk : RunnerError::kStageCloseFailed;
  }

  // Requests the loop to end after the current duty cycle. Idempotent; before start the loop runs zero cycles.
  void stop() noexcept { stop_.store(true, std::memory_order_release); }

  [[nodiscard]] bool stop_requested() const noexcept { return stop_.load(std::memory_order_acquire); }

 private:
  static constexpr std::size_t kMaxName = 15;

  void thread_main() {
    setup_result_ = set_up();
    setup_done_.store(true, std::memory_order_release);
    setup_done_.notify_one();
    if (setup_result_ != RunnerError::kOk) return;
    loop();
    close_result_ = close_stages_before<sizeof...(Stages)>() ? RunnerError::kOk : RunnerError::kStageCloseFailed;
  }

  RunnerError set_up() {
    if (cpu_ >= 0) {
      switch (pin_current_thread(cpu_)) {
        case ThreadSetupError::kOk: break;
        case ThreadSetupError::kInvalidCpu: return RunnerError::kInvalidCpu;
        case ThreadSetupError::kAffinityFailed:
        case ThreadSetupError::kNameFailed: return RunnerError::kPinFailed;
      }
    }
    if (name_length_ > 0 &&
        name_current_thread(std::string_view(name_, name_length_)) != ThreadSetupError::kOk) {
      return RunnerError::kNameFailed;
    }
    return start_stages<0>() ? RunnerError::kOk : RunnerError::kStageStartFailed;
  }

  void loop() noexcept {
    idle_.reset();
    while (!stop_.load(std::memory_order_acquire)) {
      int work = 0;
      // The comma fold is sequenced left to right: stages run in declaration order every cycle.
      std::apply([&work](Stages&... stage) noexcept { ((work += stage.do_work()), ...); }, stages_);
      idle_.idle(work);
    }
  }

  // Starts stages I.. in order. If one throws, closes the ones started before it (reverse order), returns false.
  template <std::size_t I>
  bool start_stages() {
    if constexpr (I == sizeof...(Stages)) {
      return true;
    } else {
      try {
        std::get<I>(stages_).on_start();
      } catch (...) {
        (void)close_stages_before<I>();
        return false;
      }
      return start_stages<I + 1>();
    }
  }

  // Closes stages [0, I) in reverse order; every one is attempted. Returns false if any threw.
  template <std::size_t I>
  bool close_stages_before() noexcept {
    if constexpr (I == 0) {
      return true;
    } else {
      bool ok = true;
      try {
        std::get<I - 1>(stages_).on_close();
      } catch (...) {
        ok = false;
      }
      const bool rest_ok = close_stages_before<I - 1>();
      return ok && rest_ok;
    }
  }

  Idle idle_;
  std::tuple<Stages&...> stages_;
  int cpu_;
  char name_[kMaxName] = {};
  std::size_t name_length_ = 0;
  bool used_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<bool> setup_done_{false};
  RunnerError setup_result_ = RunnerError::kOk;  // written by the runner thread before setup_done_
  RunnerError close_result_ = RunnerError::kOk;  // written by the runner thread before it ends
  std::thread thread_;
};

}  // namespace mm
