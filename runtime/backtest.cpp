#include "runtime/backtest.h"

#include <chrono>
#include <exception>
#include <memory>
#include <span>
#include <string>

#include "risk/risk_engine.h"
#include "runtime/backtest_runner.h"
#include "sim/sim_venue.h"
#include "strategy/avellaneda_stoikov.h"
#include "strategy/fixed_spread.h"
#include "strategy/glft.h"
#include "strategy/inventory_mm.h"
#include "strategy/trader.h"

namespace mm {

namespace {

void forward_progress(void* ctx, uint64_t done, uint64_t total) noexcept {
  const auto* fn = static_cast<const BacktestProgress*>(ctx);
  try {
    (*fn)(done, total);
  } catch (...) {
    // Progress is cosmetic: a failing display must not stop the simulation.
  }
}

// One run with the strategy type fixed at compile time (the hot loop inlines it). Everything sized at
// start-up lives on the heap: the Trader's per-tick scratch is large, and Python threads have small stacks.
template <class S, class C>
std::string run_typed(const MmConfig& cfg, const C& scfg, const EventData& data, InstrumentId id,
                      std::span<const Event> events, BacktestRun& out, const BacktestProgress& progress) {
  if (std::string e = scfg.validate(); !e.empty()) return e;
  const Instrument& inst = data.instruments().get(id);
  RiskLimits limits;
  if (std::string e = resolve_limits(cfg.risk, inst, limits); !e.empty()) return e;
  TraderConfig tc = cfg.trader;
  tc.quoter.link_id_prefix = cfg.link_id_prefix;

  auto venue = std::make_unique<SimVenue>(inst, id, cfg.backtest.sim);
  auto strategy = std::make_unique<S>(scfg);
  auto risk = std::make_unique<RiskEngine>(cfg.risk, inst, id);
  auto trader = std::make_unique<Trader<SimVenue, S>>(inst, id, *venue, *strategy, *risk, tc);
  BacktestRunner runner(cfg.backtest.sim);

  RunOptions o;
  o.data_instrument = id;
  o.max_position_lots = cfg.trader.max_position_lots;
  if (progress) {
    o.progress = &forward_progress;
    o.progress_ctx = const_cast<BacktestProgress*>(&progress);
  }
  out.series = BacktestSeries{};
  out.series.instrument = inst;
  const auto t0 = std::chrono::steady_clock::now();
  const BacktestStatus st = runner.run(events, *venue, *trader, out.series, o);
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!st.ok) return cfg.symbol + ": " + std::string(st.error);
  out.events = st.events;
  out.events_per_s = out.wall_s > 0 ? static_cast<double>(st.events) / out.wall_s : 0.0;
  out.stats = compute_stats(out.series, cfg.backtest.stats);
  return "";
}

}  // namespace

std::string run_backtest_job(const MmConfig& cfg, const EventData& data, int64_t from_ns, int64_t to_ns,
                             BacktestRun& out, const BacktestProgress& progress) {
  const InstrumentId id = data.find(cfg.category, cfg.symbol);
  if (id == kNoInstrument) {
    return std::string(to_string(cfg.category)) + " " + cfg.symbol +
           " is not in the data (market.symbol / market.category; convert with --symbol " + cfg.symbol + "?)";
  }
  if (from_ns >= to_ns) return "the window is empty (--from must be before --to)";
  const std::span<const Event> events = data.window(from_ns, to_ns);
  if (events.empty()) return "no data in the window";
  try {
    switch (cfg.strategy) {
      case StrategyKind::kFixed:
        return run_typed<FixedSpread>(cfg, cfg.fixed, data, id, events, out, progress);
      case StrategyKind::kInventory:
        return run_typed<InventoryMM>(cfg, cfg.inventory, data, id, events, out, progress);
      case StrategyKind::kAvellaneda:
        return run_typed<AvellanedaStoikov>(cfg, cfg.avellaneda, data, id, events, out, progress);
      case StrategyKind::kGlft:
        return run_typed<Glft>(cfg, cfg.glft, data, id, events, out, progress);
    }
  } catch (const std::exception& e) {
    // Start-up refusals (venue, trader, latency files) and statistics errors name their setting.
    return e.what();
  }
  return "strategy.kind: unknown";
}

}  // namespace mm
