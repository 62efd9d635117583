#include "runtime/backtest.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

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

// The trader as the runner drives it, watching the risk engine's state after every call that can change
// it (a decision, a private event): each change goes into the series with its time, cause and position.
// One compare per call; the record vector is reserved before the run (no allocation while it runs).
template <class T>
class RiskWatch {
 public:
  RiskWatch(T& trader, const RiskEngine& risk, const SimVenue& venue, BacktestSeries& series)
      : t_(trader), risk_(risk), venue_(venue), series_(series) {}

  SyncResult on_book(const BookUpdate& b, int64_t ns) noexcept {
    const SyncResult r = t_.on_book(b, ns);
    watch();
    return r;
  }
  void on_trade(const TradeEvent& e) noexcept {
    t_.on_trade(e);
    watch();
  }
  void on_timer() noexcept {
    t_.on_timer();
    watch();
  }
  void on_order(const OrderUpdate& u) noexcept {
    t_.on_order(u);
    watch();
  }
  void on_execution(const Execution& e) noexcept {
    t_.on_execution(e);
    watch();
  }
  void on_acked(std::string_view link, OrderEventKind k, std::string_view exch_id) noexcept {
    t_.on_acked(link, k, exch_id);
    watch();
  }
  void on_create_rejected(std::string_view link) noexcept {
    t_.on_create_rejected(link);
    watch();
  }
  void on_rejected(std::string_view link, OrderEventKind k) noexcept {
    t_.on_rejected(link, k);
    watch();
  }

  // The cause as a trader reads it: a trader fault names itself rather than "kill_switch".
  std::string_view cause() const noexcept {
    if (risk_.cause() == Breaker::kKillSwitch && t_.fault() != TraderFault::kNone)
      return to_string(t_.fault());
    return to_string(risk_.cause());
  }

 private:
  void watch() noexcept {
    const TradingState s = risk_.state();
    if (s == last_) return;
    last_ = s;
    if (series_.risk_events.size() >= kMaxRiskEvents) {
      ++series_.risk_events_dropped;
      return;
    }
    series_.risk_events.push_back({venue_.now_ns(), to_string(s), cause(), t_.position().lots()});
  }

  T& t_;
  const RiskEngine& risk_;
  const SimVenue& venue_;
  BacktestSeries& series_;
  TradingState last_ = TradingState::kActive;
};

// The end-of-run risk counters of the series.
void record_risk_counts(const RiskEngine& risk, BacktestSeries& series) {
  for (uint8_t b = 1; b < static_cast<uint8_t>(Breaker::kCount); ++b) {
    series.breaker_trips.push_back({to_string(static_cast<Breaker>(b)), risk.trips(static_cast<Breaker>(b))});
  }
  for (uint8_t r = 1; r < static_cast<uint8_t>(RiskRule::kCount); ++r) {
    series.risk_blocked.push_back(
        {to_string(static_cast<RiskRule>(r)), risk.blocked(static_cast<RiskRule>(r))});
  }
  series.final_state = to_string(risk.state());
}

// One run with the strategy type fixed at compile time (the hot loop inlines it). Everything sized at
// start-up lives on the heap: the Trader's per-tick scratch is large, and Python threads have small stacks.
// The book handed to a window that starts after the data does (initial_book_before); empty when none.
struct InitialBook {
  std::vector<PriceLevel> bids, asks;
  BookUpdate update;
  bool valid = false;
};

template <class S, class C>
std::string run_typed(const MmConfig& cfg, const C& scfg, const EventData& data, InstrumentId id,
                      std::span<const Event> events, const InitialBook& initial, BacktestRun& out,
                      const BacktestProgress& progress) {
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
  if (initial.valid) o.initial_book = &initial.update;
  o.max_position_lots = cfg.trader.max_position_lots;
  o.timer_ns = out.timer_ns;
  if (progress) {
    o.progress = &forward_progress;
    o.progress_ctx = const_cast<BacktestProgress*>(&progress);
  }
  out.series = BacktestSeries{};
  out.series.instrument = inst;
  out.series.record_orders = out.record_orders;
  out.series.record_trades = out.record_trades;
  if (out.record_trades) out.series.trades.reserve(kMaxTradePrints);  // no allocation in the run
  out.series.risk_events.reserve(kMaxRiskEvents);
  RiskWatch<Trader<SimVenue, S>> watched(*trader, *risk, *venue, out.series);
  const auto t0 = std::chrono::steady_clock::now();
  const BacktestStatus st = runner.run(events, *venue, watched, out.series, o);
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!st.ok) return cfg.symbol + ": " + std::string(st.error);
  record_risk_counts(*risk, out.series);
  out.series.final_cause = risk->state() == TradingState::kActive ? "none" : watched.cause();
  out.events = st.events;
  out.events_per_s = out.wall_s > 0 ? static_cast<double>(st.events) / out.wall_s : 0.0;
  out.modelled_receive_times = st.modelled_receive_times;
  const LatencySpec& feed = cfg.backtest.sim.feed_latency;
  out.feed_latency_ns = feed.file.empty() ? feed.constant_ns : -1;
  out.initial_book_levels = initial.valid ? initial.bids.size() + initial.asks.size() : 0;
  const BookSyncCounters& sync = trader->book_sync().counters();
  out.sequence_gaps = sync.gaps + sync.backwards;
  out.resyncs = sync.resyncs;
  out.crossed_books = sync.crossed;
  out.trader = trader->counters();
  out.venue_requests = venue->counters().requests_sent;
  if (trader->counters().ticks == 0) {
    // Never a trusted two-sided book: nothing could be quoted, and all-zero statistics would look like a
    // strategy that chose not to trade.
    return cfg.symbol + ": the book was never usable in the window (" + std::to_string(st.book_messages) +
           " book messages, none after a snapshot with both sides): nothing was quoted; start the window "
           "at or after a snapshot, or include the data before it";
  }
  out.stats = compute_stats(out.series, cfg.backtest.stats);
  return "";
}

}  // namespace

bool initial_book_before(std::span<const Event> before, uint16_t inst, uint32_t window_ticks,
                         uint32_t max_levels, std::vector<PriceLevel>& bids, std::vector<PriceLevel>& asks,
                         uint16_t& depth, int64_t& last_u) {
  OrderBook book(window_ticks, OrderBook::kDefaultOverflowCapacity);
  bool seen_snapshot = false;
  bool message_start = true;  // the next record of the instrument starts a book message
  for (const Event& e : before) {
    if (e.instrument != inst || e.kind != EventKind::kBookLevel) continue;
    const bool snapshot = (e.flags & kEvSnapshot) != 0;
    if (message_start && snapshot) {
      book.clear();
      seen_snapshot = true;
      depth = static_cast<uint16_t>(e.depth);
    }
    message_start = (e.flags & kEvEndOfMessage) != 0;
    if (message_start) last_u = e.aux;  // the end-of-message record carries the message's u
    // Deltas before the first snapshot apply to an unknown book: skipped, as the live book would.
    if (!seen_snapshot || (e.flags & kEvEmpty) != 0) continue;
    // A level the book cannot hold (off its window and overflow) is dropped, as OrderBook does live.
    (void)book.set_level((e.flags & kEvBuy) != 0 ? Side::kBuy : Side::kSell, Price{e.price}, Qty{e.qty});
  }
  if (!seen_snapshot) return false;
  for (auto [side, out] :
       {std::pair<Side, std::vector<PriceLevel>*>{Side::kBuy, &bids}, {Side::kSell, &asks}}) {
    out->assign(std::min<size_t>(book.level_count(side), max_levels), PriceLevel{});
    out->resize(book.top(side, out->size(), out->data()));
  }
  return true;
}

std::string run_backtest_job(const MmConfig& cfg, const EventData& data, int64_t from_ns, int64_t to_ns,
                             BacktestRun& out, const BacktestProgress& progress) {
  const InstrumentId id = data.find(cfg.category, cfg.symbol);
  if (id == kNoInstrument) {
    return std::string(to_string(cfg.category)) + " " + cfg.symbol +
           " is not in the data (market.symbol / market.category; convert with --symbol " + cfg.symbol + "?)";
  }
  if (from_ns >= to_ns) return "the window is empty (--from must be before --to)";
  out.skipped_unknown_instrument = out.skipped_unsupported_topic = 0;
  out.instruments_rejected = data.instruments_rejected();
  for (const EventSource& src : data.sources()) {
    out.skipped_unknown_instrument += src.convert.unknown_instrument;
    out.skipped_unsupported_topic += src.convert.unsupported_topic();
  }
  const std::span<const Event> events = data.window(from_ns, to_ns);
  if (events.empty()) return "no data in the window";
  // The records before the window: the book is rebuilt from them (not the strategy), so that a window that
  // drops the data's only snapshot still starts with a known book.
  InitialBook initial;
  const std::span<const Event> all = data.all_events();
  const std::span<const Event> before = all.first(static_cast<size_t>(events.data() - all.data()));
  try {
    if (!before.empty() &&
        initial_book_before(before, static_cast<uint16_t>(id), cfg.backtest.sim.book_window_ticks,
                            BacktestRunner::kInitialLevels, initial.bids, initial.asks, initial.update.depth,
                            initial.update.update_id)) {
      BookUpdate& u = initial.update;
      u.instrument = id;
      u.snapshot = true;
      u.bids = initial.bids.data();
      u.bid_count = static_cast<uint32_t>(initial.bids.size());
      u.asks = initial.asks.data();
      u.ask_count = static_cast<uint32_t>(initial.asks.size());
      u.ts_ms = events.front().exch_ts_ns / 1'000'000;
      u.cts_ms = u.ts_ms;
      initial.valid = true;
    }
  } catch (const std::exception& e) {
    return std::string("rebuilding the book before the window: ") + e.what();
  }
  try {
    switch (cfg.strategy) {
      case StrategyKind::kFixed:
        return run_typed<FixedSpread>(cfg, cfg.fixed, data, id, events, initial, out, progress);
      case StrategyKind::kInventory:
        return run_typed<InventoryMM>(cfg, cfg.inventory, data, id, events, initial, out, progress);
      case StrategyKind::kAvellaneda:
        return run_typed<AvellanedaStoikov>(cfg, cfg.avellaneda, data, id, events, initial, out, progress);
      case StrategyKind::kGlft:
        return run_typed<Glft>(cfg, cfg.glft, data, id, events, initial, out, progress);
    }
  } catch (const std::exception& e) {
    // Start-up refusals (venue, trader, latency files) and statistics errors name their setting.
    return e.what();
  }
  return "strategy.kind: unknown";
}

}  // namespace mm
