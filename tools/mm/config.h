#pragma once
// The one TOML configuration of `mm` (replay --config, and later backtest/paper/run): which instrument,
// which strategy with its parameters, signals, quoter, trader and risk. Parsed with toml++ (cold path),
// validated with errors that name the file, the line and the full key, e.g.
//   "examples/fixed.toml:12: strategy.half_spread_bps must be >= 0".
// Unknown keys are errors (a typo must not silently fall back to a default). The key reference is
// docs/config.md; examples/ holds one documented file per strategy.
#include <string>
#include <string_view>
#include <vector>

#include "runtime/mm_config.h"

namespace mm::tools {

// The struct lives in the runtime (runtime/mm_config.h); this header reads it from TOML.
using mm::BacktestSettings;
using mm::MmConfig;
using mm::StrategyKind;

// One key as the config resolved it (mm config check): full dotted key, its value as TOML text, and whether
// the file set it (false: the default).
struct ResolvedKey {
  std::string key;
  std::string value;
  bool from_file = false;
};

// Reads and validates `path`. Returns "" (out filled) or one error message naming the file, line and key;
// on error `out` is untouched. Keys absent from the file keep the structs' defaults. Never throws.
// Errors: unreadable file, TOML syntax, unknown key, wrong type, value out of range, and every message of
// the config structs' validate().
// With `listing`, every key the parse read is appended to it in reading order (only on success).
[[nodiscard]] std::string load_config(const std::string& path, MmConfig& out,
                                      std::vector<ResolvedKey>* listing = nullptr);

// Same, from TOML text (`origin` names it in messages). For tests and the Python module.
[[nodiscard]] std::string parse_config(std::string_view toml, const std::string& origin, MmConfig& out,
                                       std::vector<ResolvedKey>* listing = nullptr);

}  // namespace mm::tools
