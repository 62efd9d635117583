#pragma once
// What the runtime runs: the one configuration of `mm` as plain values (instrument, strategy and its
// parameters, signals, quoter, trader, risk, backtest). The runtime composes replay, backtest, paper and live
// from it; reading it from TOML (with errors naming the file, line and key) is the tools' job
// (tools/mm/config.h), so that the runtime does not depend on a file format.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/types.h"
#include "risk/risk_config.h"
#include "runtime/live_config.h"
#include "runtime/ops/ops_config.h"
#include "sim/backtest_stats.h"
#include "sim/sim_config.h"
#include "strategy/avellaneda_stoikov.h"
#include "strategy/fixed_spread.h"
#include "strategy/glft.h"
#include "strategy/inventory_mm.h"
#include "strategy/trader.h"

namespace mm {

enum class StrategyKind : uint8_t { kFixed, kInventory, kAvellaneda, kGlft };

constexpr std::string_view to_string(StrategyKind k) noexcept {
  switch (k) {
    case StrategyKind::kFixed:
      return "fixed";
    case StrategyKind::kInventory:
      return "inventory";
    case StrategyKind::kAvellaneda:
      return "avellaneda";
    case StrategyKind::kGlft:
      return "glft";
  }
  return "?";
}

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
  // [venue], [sim], [live]: mm run / mm paper / mm record (runtime/live_config.h)
  VenueSettings venue;
  SimSettings sim;
  LiveSettings live;
  // [ops]: metrics/page address, logs, alerts (runtime/ops/ops_config.h)
  OpsSettings ops;
  // [quoter] link_id_prefix. trader.quoter.link_id_prefix is a string_view of this string, set by
  // load_config/parse_config. A copy or move of MmConfig still views the source object's string (a
  // short prefix lives inside the object): after copying, re-point it with
  //   copy.trader.quoter.link_id_prefix = copy.link_id_prefix;
  std::string link_id_prefix = "mm";
};

}  // namespace mm
