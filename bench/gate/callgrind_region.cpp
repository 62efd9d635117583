#include "bench/gate/callgrind_region.h"

// valgrind's client-request macros are C: old-style casts and an unused result inside each expansion.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wunused-value"
#include <valgrind/callgrind.h>
#include <valgrind/valgrind.h>

namespace mm::gate {

void begin_region() noexcept {
  CALLGRIND_START_INSTRUMENTATION;
  CALLGRIND_TOGGLE_COLLECT;
}

void end_region(const char* name) noexcept {
  CALLGRIND_TOGGLE_COLLECT;
  CALLGRIND_DUMP_STATS_AT(name);
  CALLGRIND_STOP_INSTRUMENTATION;
}

bool under_valgrind() noexcept {
  return RUNNING_ON_VALGRIND != 0;
}

}  // namespace mm::gate
#pragma GCC diagnostic pop
