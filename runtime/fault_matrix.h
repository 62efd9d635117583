#pragma once
// The fault matrix of issue 13 (`mm faults`, tests/runtime/fault_matrix_test.cpp): each scenario starts the
// simulator in-process (its synthetic market) on 127.0.0.1 with a free port, runs the live node of `mm run`
// against it, injects one fault through the simulator's fault API (POST /admin/fault, sim/server/fault.h)
// and, once the fault has cleared, checks the invariants against the simulator's own account state read over
// REST (open orders, order history, executions, position):
//   no_orphan_order      every order of ours the venue holds is known to mm (held within 5 s);
//   no_duplicate_order   one orderLinkId per intent: no link id twice in the venue's order history, and never
//                        more of our orders resting per side than the ladder has levels (held within 5 s);
//   fills_counted_once   mm's fill count (by execId) equals the venue's execution count for our account,
//                        while running (within 5 s) and after shutdown;
//   position_matches     mm's position equals the venue's, while running (within 5 s) and after shutdown;
//   keeps_running        the node still answers after the fault, and its shutdown returns 0 with every
//                        cancel confirmed and no Trader fault.
// plus the scenario's own (reconnected, quotes_pulled, rest_fallback, ...; docs/reliability.md lists them).
// Cold path only: threads, sockets, allocation. Every wait is bounded.
#include <string>
#include <string_view>
#include <vector>

#include "core/latency_histogram.h"
#include "runtime/mm_config.h"

namespace mm {

struct FaultInvariant {
  std::string name;
  bool held = false;
  std::string detail;  // what was seen when it did not hold ("" when it held)
};

struct FaultScenarioResult {
  std::string scenario;
  bool passed = false;  // every invariant held and the scenario could run
  std::vector<FaultInvariant> invariants;
  std::string error;  // the scenario could not run (simulator, start-up, fault API): passed is false
  double seconds = 0;
};

struct FaultMatrixOptions {
  // Strategy, quoter, trader and risk of the node under test. The runner replaces [venue] (the scenario's
  // simulator), [sim] (a generated market) and the [live] timers (fast, so a scenario takes seconds), and
  // puts the journal in work_dir.
  MmConfig config;
  uint32_t levels_per_side = 3;  // the strategy's ladder: the bound of no_duplicate_order
  std::string work_dir;          // an existing, writable folder
  int64_t soak_seconds = 20;     // the `soak` scenario's length (the long soak: mm faults --soak-seconds)
  uint64_t soak_seed = 1;        // which faults the soak injects, and when
};

struct FaultScenarioInfo {
  std::string_view name;
  std::string_view what;  // one line: the fault and what must happen
};

// The ladder's levels per side of the configured strategy (fixed.levels, inventory.order_levels, ...): the
// bound of no_duplicate_order. Levels added by a levels_by_* curve are not counted: a fault-matrix config
// should not use them.
[[nodiscard]] uint32_t ladder_levels(const MmConfig& config) noexcept;

// The soak's latency_stable invariant: mm's tick-to-quote in the soak's last third (`last`) against its first
// third (`first`). Held when both thirds measured quotes and the last third's median is at most 4 x the first
// third's plus 1 ms; the detail gives both thirds' p50 and p99 and their counts. Why the median and not the
// p99: a soak third quotes a few dozen times, so its p99 is its maximum, the single worst scheduling hiccup;
// on a shared 2-vCPU host at load 10 one preemption (a few ms) makes it whatever the node does (session 8:
// p99 5.2 ms against 0.44 ms; session 9: 3.1 ms against 0.1 ms over 13 / 18 quotes, at load 12). The median
// moves only when most quotes got slower, which is what a leak, a growing queue or a degrading path does. The
// p99 is a benchmark's figure (bench/), not a test's.
[[nodiscard]] FaultInvariant latency_stable(const LatencyHistogram& first, const LatencyHistogram& last);

// Every scenario, in the order `mm faults` runs them.
[[nodiscard]] const std::vector<FaultScenarioInfo>& fault_scenarios();

// The config a scenario's node runs with: options.config with a generated market in [sim] (300 s at 20x,
// looped, seed 1), fast [live] timers (feed quiet 400 ms, private quiet 600 ms, request timeout 500 ms,
// shutdown 4 s, timer 20 ms), no DCP window, no ops HTTP server (its fixed port would tie runs together), and
// the journal `<options.work_dir>/<name>.journal`, removed first (a fresh sequence). The runner then applies
// the scenario's own settings. Tests that drive a FaultHarness themselves start from it too.
[[nodiscard]] MmConfig scenario_config(const FaultMatrixOptions& options, std::string_view name);

// Runs one scenario. Precondition: `name` is one of fault_scenarios() (otherwise the result's error says
// so). Never throws; takes a few seconds.
[[nodiscard]] FaultScenarioResult run_fault_scenario(std::string_view name,
                                                     const FaultMatrixOptions& options);

}  // namespace mm
