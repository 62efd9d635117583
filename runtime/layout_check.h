#pragma once
// Layout checks of the pipeline: spinning threads that share a CPU only steal it from each other (a spinning
// feed starves the dispatch thread pinned beside it until the scheduler's slice ends: milliseconds), so the
// combination is refused; yielding threads on one CPU work but pay a context switch per hand-off, so it is
// a warning. On 2 vCPUs the documented default stays the one-thread layout.
#include <array>
#include <string>
#include <string_view>

namespace mm {

struct LayoutThread {
  std::string_view name;  // "feed", "decision", "dispatch"
  int cpu = -1;           // -1: not pinned
};

enum class LayoutIdle : unsigned char { kBackOff, kYield, kSpin };

// The running threads of one layout and the CPUs the process may use (std::thread::hardware_concurrency()).
// Returns "" or the error that refuses the layout (spin with two threads on one CPU, or more spinning
// unpinned threads than CPUs); `warning` is set (else cleared) for yield with two threads on one CPU.
std::string check_layout(const LayoutThread* threads, size_t count, LayoutIdle idle, unsigned cpus,
                         std::string& warning);

}  // namespace mm
