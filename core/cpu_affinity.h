#pragma once
// Placement of the calling thread: CPU pinning and the name shown by top/perf/gdb.
// Cold path: called once when a hot thread starts. Linux only (sched/pthread *_np calls).
#include <cstdint>
#include <string_view>

namespace mm {

enum class ThreadSetupError : uint8_t {
  kOk = 0,
  kInvalidCpu,      // cpu < 0 or beyond what a cpu_set_t can hold
  kAffinityFailed,  // the kernel refused the mask (CPU offline or outside this process's cpuset)
  kNameFailed,      // pthread_setname_np failed
};

[[nodiscard]] std::string_view to_string(ThreadSetupError e) noexcept;

// Pins the calling thread to exactly one CPU.
// Returns kOk, kInvalidCpu or kAffinityFailed; on failure the previous affinity is kept.
[[nodiscard]] ThreadSetupError pin_current_thread(int cpu) noexcept;

// Names the calling thread. Linux keeps at most 15 bytes, so a longer name is truncated to its first 15.
// Returns kOk or kNameFailed.
[[nodiscard]] ThreadSetupError name_current_thread(std::string_view name) noexcept;

// The CPU the calling thread runs on right now, or -1 if unknown.
[[nodiscard]] int current_cpu() noexcept;

// True if `cpu` is in the calling thread's allowed set (the container/cgroup may restrict it).
[[nodiscard]] bool cpu_allowed(int cpu) noexcept;

}  // namespace mm
