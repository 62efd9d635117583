#pragma once
// The gate's scenarios: fixed inputs that cover the hot path, each run a fixed number of operations inside
// one callgrind region (callgrind_region.h), so its instruction count per operation is exact and the same on
// every run of the same binary.
#include <cstdint>
#include <span>
#include <string>

namespace mm::gate {

struct GateOptions {
  std::string data_dir;  // folder of the shared recordings (MM_SHARED_DATA)
};

struct ScenarioOutcome {
  enum class Status : uint8_t { kRan = 0, kSkipped, kFailed };
  Status status = Status::kRan;
  uint64_t ops = 0;    // operations inside the region (kRan): the count is divided by this
  std::string reason;  // kSkipped: what is missing; kFailed: what went wrong (file, step)
};

struct Scenario {
  const char* name;  // the key in bench/baseline.json
  const char* op;    // what one operation is
  bool needs_recording;
  ScenarioOutcome (*run)(const GateOptions&);
};

// Every scenario, in the order the gate runs them.
std::span<const Scenario> scenarios() noexcept;

}  // namespace mm::gate
