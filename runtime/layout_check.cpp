#include "runtime/layout_check.h"

namespace mm {

std::string check_layout(const LayoutThread* threads, size_t count, LayoutIdle idle, unsigned cpus,
                         std::string& warning) {
  warning.clear();
  if (idle == LayoutIdle::kBackOff) return "";
  std::string shared;
  size_t unpinned = 0;
  for (size_t i = 0; i < count; ++i) {
    if (threads[i].cpu < 0) {
      ++unpinned;
      continue;
    }
    for (size_t j = i + 1; j < count && shared.empty(); ++j) {
      if (threads[j].cpu == threads[i].cpu) {
        shared = "the " + std::string(threads[i].name) + " and " + std::string(threads[j].name) +
                 " threads share CPU " + std::to_string(threads[i].cpu);
      }
    }
  }
  if (idle == LayoutIdle::kSpin) {
    if (!shared.empty()) {
      return "pipeline: --idle spin: " + shared +
             ": two spinning threads on one CPU starve each other; give each its own CPU with --cpus, or use "
             "--idle backoff (or the one-thread layout on 2 vCPUs)";
    }
    if (cpus != 0 && unpinned > cpus) {
      return "pipeline: --idle spin: " + std::to_string(unpinned) + " unpinned spinning threads on " +
             std::to_string(cpus) + " CPUs starve each other; pin them with --cpus or use --idle backoff";
    }
    return "";
  }
  if (!shared.empty()) {
    warning = "pipeline: --idle yield: " + shared + ": each hand-off between them costs a context switch";
  }
  return "";
}

}  // namespace mm
