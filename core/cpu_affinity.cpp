#include "core/cpu_affinity.h"

#include <pthread.h>
#include <sched.h>

#include <cstring>

namespace mm {

namespace {
constexpr std::size_t kMaxThreadName = 15;  // TASK_COMM_LEN - 1
}

std::string_view to_string(ThreadSetupError e) noexcept {
  switch (e) {
    case ThreadSetupError::kOk: return "ok";
    case ThreadSetupError::kInvalidCpu: return "invalid cpu";
    case ThreadSetupError::kAffinityFailed: return "affinity failed";
    case ThreadSetupError::kNameFailed: return "thread name failed";
  }
  return "?";
}

ThreadSetupError pin_current_thread(int cpu) noexcept {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return ThreadSetupError::kInvalidCpu;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) return ThreadSetupError::kAffinityFailed;
  return ThreadSetupError::kOk;
}

ThreadSetupError name_current_thread(std::string_view name) noexcept {
  char buffer[kMaxThreadName + 1] = {};
  const std::size_t n = name.size() < kMaxThreadName ? name.size() : kMaxThreadName;
  if (n > 0) std::memcpy(buffer, name.data(), n);
  if (pthread_setname_np(pthread_self(), buffer) != 0) return ThreadSetupError::kNameFailed;
  return ThreadSetupError::kOk;
}

int current_cpu() noexcept { return sched_getcpu(); }

bool cpu_allowed(int cpu) noexcept {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set) != 0) return false;
  return CPU_ISSET(static_cast<std::size_t>(cpu), &set);
}

}  // namespace mm
