#pragma once
// `mm backtest`'s output: the JSON of a run of the runtime's backtest driver (runtime/backtest.h), shared by
// the CLI (backtest_command.cpp) and the Python module (tools/mmpy).
#include <string>

#include "runtime/backtest.h"

namespace mm::tools {

using mm::BacktestProgress;
using mm::BacktestRun;
using mm::run_backtest_job;

// {"stats": {...}, "run": {"events": N, "events_per_s": X, "wall_s": X}} (README "mm backtest").
[[nodiscard]] std::string backtest_json(const BacktestRun& run);

}  // namespace mm::tools
