#pragma once
// The one TOML configuration of `mm` (replay --config, and later backtest/paper/run): which instrument,
// which strategy with its parameters, signals, quoter, trader and risk. Parsed with toml++ (cold path),
// validated with errors that name the file, the line and the full key, e.g.
//   "examples/fixed.toml:12: strategy.half_spread_bps must be >= 0".
// Unknown keys are errors (a typo must not silently fall back to a default). The key reference is
// docs/config.md; examples/ holds one documented file per strategy.
#include <string>

#include "core/types.h"
#include "risk/risk_config.h"
#include "sim/backtest_stats.h"
#include "sim/sim_config.h"
#include "strategy/avellaneda_stoikov.h"
#include "strategy/fixed_spread.h"
#include "strategy/glft.h"
#include "strategy/inventory_mm.h"
#include "strategy/trader.h"

namespace mm::tools {

enum class StrategyKind : uint8_t { kFixed, kInventory, kAvellaneda, kGlft };
std::string_view to_string(StrategyKind k) noexcept;  // "fixed", "inventory", "avellaneda", "glft"

// [backtest]: the simulated venue and the statistics of `mm backtest` (ignored by replay).
struct BacktestSettings {
  SimConfig sim;
  StatsConfig stats;
  BacktestSettings() { stats.capital = Money{10'000 * kMoneyOne}; }  // 10,000 of the settle coin
};

struct MmConfig {
  // [market]
  Category category = Category::kLinear;
  std::string symbol = "BTCUSDT";
  // [strategy]: `kind` picks one of the four; only that one's keys are allowed next to it.
  StrategyKind strategy = StrategyKind::kFixed;
  FixedSpreadConfig fixed;
  InventoryMMConfig inventory;
  AvellanedaStoikovConfig avellaneda;
  GlftConfig glft;
  // [signals] -> trader.signals, [quoter] -> trader.quoter, [trader] -> the rest of TraderConfig.
  TraderConfig trader;
  // [risk], [risk.breakers.*], [risk.protection]
  RiskConfig risk;
  // [backtest]
  BacktestSettings backtest;
  // [quoter] link_id_prefix. trader.quoter.link_id_prefix is a string_view of this string, set by
  // load_config/parse_config. A copy or move of MmConfig still views the source object's string (a
  // short prefix lives inside the object): after copying, re-point it with
  //   copy.trader.quoter.link_id_prefix = copy.link_id_prefix;
  std::string link_id_prefix = "mm";
};

// Reads and validates `path`. Returns "" (out filled) or one error message naming the file, line and key;
// on error `out` is untouched. Keys absent from the file keep the structs' defaults. Never throws.
// Errors: unreadable file, TOML syntax, unknown key, wrong type, value out of range, and every message of
// the config structs' validate().
[[nodiscard]] std::string load_config(const std::string& path, MmConfig& out);

// Same, from TOML text (`origin` names it in messages). For tests and the Python module.
[[nodiscard]] std::string parse_config(std::string_view toml, const std::string& origin, MmConfig& out);

}  // namespace mm::tools
