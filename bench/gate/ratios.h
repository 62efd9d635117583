#pragma once
// Report-only ratios, measured side by side in one run (natively, not under valgrind): mm against a floor of
// the same work on the same input, alternating round by round so that both sides see the same machine load.
// Wall-clock figures on a shared VM move from run to run; their ratio moves much less. Nothing fails on them.
#include <string>
#include <vector>

#include "bench/gate/scenarios.h"

namespace mm::gate {

struct RatioRow {
  std::string name;     // tick_to_quote_p50, replay_throughput
  std::string what;     // the two sides, in words
  std::string unit;     // of mm and floor
  double mm = 0;        // mm's figure
  double floor = 0;     // the floor's figure
  double ratio = 0;     // how many times the floor's cost mm pays (> 1: mm is slower)
  std::string skipped;  // non-empty: why this ratio was not measured
};

// Both ratios need the shared recording; without it each row says it was skipped.
std::vector<RatioRow> measure_ratios(const GateOptions& o);

}  // namespace mm::gate
