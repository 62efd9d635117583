#include "tools/mm/backtest.h"

#include <cstdio>
#include <string>

namespace mm::tools {

std::string backtest_json(const BacktestRun& run) {
  std::string out = "{\"stats\":";
  write_stats_json(run.stats, out);
  char buf[160];
  std::snprintf(buf, sizeof buf, ",\"run\":{\"events\":%llu,\"events_per_s\":%.1f,\"wall_s\":%.6f}}",
                static_cast<unsigned long long>(run.events), run.events_per_s, run.wall_s);
  out += buf;
  return out;
}

}  // namespace mm::tools
