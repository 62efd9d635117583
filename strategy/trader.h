#pragma once
// Trader<Venue, Strategy>: the one decision loop of DESIGN.md section 1. It turns market and private events
// into order actions for one instrument:
//   book update -> BookSync -> Signals -> RiskEngine::on_tick -> Strategy::quote -> Quoter::diff
//   -> RiskEngine::check per action -> OrderTable (link ids, state machine) -> Venue
// The same code runs in replay (RecordingVenue), backtest/paper (SimVenue) and live (LiveVenue); only the
// venue type changes. Everything is sized at construction: a tick never allocates.
//
// Stage stamps: when profiling is on, the Trader stores TSC ticks at each stage boundary of the last tick
// (stamps()), so a driver can build per-stage tick-to-quote histograms without the Trader owning any.
#include <array>
#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "core/book_sync.h"
#include "core/clock.h"
#include "core/events.h"
#include "core/order_table.h"
#include "core/position.h"
#include "core/private_events.h"
#include "core/rate_limiter.h"
#include "risk/risk_engine.h"
#include "strategy/live_orders.h"
#include "strategy/quote.h"
#include "strategy/quoter.h"
#include "strategy/rate_limit.h"
#include "strategy/signals.h"
#include "strategy/trader_counters.h"
#include "strategy/venue.h"

namespace mm {

struct TraderConfig {
  SignalsConfig signals;
  QuoterConfig quoter;
  // Order slots (live + terminal not yet released). The quoter sees every live order; more than it takes
  // (kMaxQuoterLiveOrders) is a fault (TraderFault::kTooManyLiveOrders), never a silently hidden order.
  uint32_t order_capacity = 256;
  uint64_t first_link_sequence = 1;   // from the journal: last sequence used + 1
  int64_t max_position_lots = 0;      // for InventoryView (inventory-normalised skews); > 0
  // Token buckets per action class, Bybit's per-UID limits (linear: 10/s each for create, amend, cancel).
  int64_t create_per_second = 10, create_burst = 10;
  int64_t amend_per_second = 10, amend_burst = 10;
  int64_t cancel_per_second = 10, cancel_burst = 10;
  // Besides its bucket, each class keeps at most per_second sends in any 1 s + this guard (SendWindow,
  // strategy/rate_limit.h: the venue's one-second window as the sender sees it, so that the bucket's carry
  // never makes an 11th request in a venue window). The guard covers the difference in one-way latency
  // between two requests a window apart (and the venue's whole-millisecond clock); < 0 turns the windows off.
  int64_t rate_window_guard_ns = 10'000'000;
  uint32_t book_window_ticks = OrderBook::kDefaultWindowTicks;
};

// Stage boundaries of one tick, in order. kStart is set by the driver (frame available).
// Stages: parse = kParsed - kStart, book = kBook - kParsed, risk = (kRiskTick - kBook) + (kRisk - kQuoter),
// strategy = kStrategy - kRiskTick (signals + quote), quoter = kQuoter - kStrategy, encode = kEncoded - kRisk
// (order table + venue encoding).
enum class TickMark : uint8_t { kStart = 0, kParsed, kBook, kRiskTick, kStrategy, kQuoter, kRisk, kEncoded, kCount };
inline constexpr size_t kTickMarkCount = static_cast<size_t>(TickMark::kCount);

// A broken invariant of our own (DESIGN.md section 3: it fails fast). The Trader trips the kill switch
// (HALTED, cancel-all sent at once), counts it (TraderCounters::invariant_errors) and keeps the first one as
// fault(); debug builds stop at an assert. Only reset_kill() on the risk engine lets it trade again.
enum class TraderFault : uint8_t {
  kNone = 0,
  kPositionBadQty,     // Position refused an execution: qty <= 0 (the position would go wrong)
  kPositionBadPrice,   // ... price <= 0
  kPositionOverflow,   // position, cost basis, PnL or fees left their range
  kOrderOverfill,      // executions above an order's qty: the table's leaves are wrong
  kOrderFillMismatch,  // executions and the order stream disagree on an order's fills
  kTableFull,          // no free order slot for a create (trader.order_capacity)
  kSequenceExhausted,  // the link id sequence reached UINT64_MAX
  kTableRefused,       // the order table refused a request the Trader itself made
  kTooManyLiveOrders,  // more live orders than the quoter can see (kMaxQuoterLiveOrders)
};

constexpr std::string_view to_string(TraderFault f) noexcept {
  switch (f) {
    case TraderFault::kNone:
      return "none";
    case TraderFault::kPositionBadQty:
      return "position_bad_qty";
    case TraderFault::kPositionBadPrice:
      return "position_bad_price";
    case TraderFault::kPositionOverflow:
      return "position_overflow";
    case TraderFault::kOrderOverfill:
      return "order_overfill";
    case TraderFault::kOrderFillMismatch:
      return "order_fill_mismatch";
    case TraderFault::kTableFull:
      return "order_table_full";
    case TraderFault::kSequenceExhausted:
      return "link_sequence_exhausted";
    case TraderFault::kTableRefused:
      return "order_table_refused";
    case TraderFault::kTooManyLiveOrders:
      return "too_many_live_orders";
  }
  return "?";
}

// Scratch of Trader::rehearse(), owned by its caller: a copy of the strategy's state (so that the real one's
// timers and caches stay as they are), the ladder the copy quoted and the quoter's answer to it.
template <class S>
struct Rehearsal {
  explicit Rehearsal(const S& s) : strategy(s) {}
  S strategy;
  QuoteLadder ladder;
  QuoteActions actions;
  uint64_t runs = 0;  // rehearsals that reached the quoter
};

template <Venue V, Strategy S>
class Trader {
 public:
  // Start-up. Preconditions: instrument/venue/strategy/risk outlive the Trader. Throws std::invalid_argument
  // with a message naming the bad setting (quoter config, signals config, rate limits, order table).
  Trader(const Instrument& instrument, InstrumentId id, V& venue, S& strategy, RiskEngine& risk,
         const TraderConfig& cfg)
      : instrument_(instrument),
        id_(id),
        venue_(venue),
        strategy_(strategy),
        risk_(risk),
        cfg_(cfg),
        book_(cfg.book_window_ticks),
        signals_(cfg.signals),
        table_(cfg.order_capacity, cfg.quoter.link_id_prefix, cfg.first_link_sequence),
        position_(instrument),
        valued_(std::make_unique<Valued[]>(cfg.order_capacity)),
        live_(std::make_unique<LiveOrder[]>(cfg.order_capacity)) {
    if (const std::string e = cfg.signals.validate(); !e.empty()) throw std::invalid_argument(e);
    if (const QuoterError e = quoter_.configure(cfg.quoter); e != QuoterError::kOk) {
      throw std::invalid_argument("quoter: " + std::string(to_string(e)));
    }
    if (cfg.max_position_lots <= 0) throw std::invalid_argument("trader.max_position_lots must be > 0");
    const int64_t t0 = venue.now_ns();
    if (create_bucket_.configure(cfg.create_per_second, cfg.create_burst, t0) != RateError::kOk ||
        amend_bucket_.configure(cfg.amend_per_second, cfg.amend_burst, t0) != RateError::kOk ||
        cancel_bucket_.configure(cfg.cancel_per_second, cfg.cancel_burst, t0) != RateError::kOk) {
      throw std::invalid_argument("rate limits must be in 1..1e9 per second and burst");
    }
    if (cfg.rate_window_guard_ns >= 0) {
      const int64_t w = 1'000'000'000 + cfg.rate_window_guard_ns;  // Bybit's window: one second
      create_window_.configure(cfg.create_per_second, w);
      amend_window_.configure(cfg.amend_per_second, w);
      cancel_window_.configure(cfg.cancel_per_second, w);
    }
  }

  void set_profiling(bool on) noexcept { profiling_ = on; }
  // TSC ticks at each TickMark of the last decision (0 where a stage did not run).
  const std::array<int64_t, kTickMarkCount>& stamps() const noexcept { return stamps_; }
  void reset_stamps() noexcept { stamps_.fill(0); }
  void mark(TickMark m) noexcept {
    if (profiling_) stamps_[static_cast<size_t>(m)] = TscClock::read_ticks();
  }

  // A book message for this instrument. Applies it, then runs the decision path when the book is usable.
  // Returns the BookSync verdict. recv_ns: local receive time (staleness).
  SyncResult on_book(const BookUpdate& u, int64_t recv_ns) noexcept {
    const SyncResult r = book_.on_update(u, recv_ns);
    mark(TickMark::kBook);
    // Every verdict but a duplicate runs the decision: a gap must reach the risk tick at once (the
    // untrusted-book breaker cancels our resting orders), not wait for the next snapshot.
    if (r != SyncResult::kDuplicate) decide();
    return r;
  }

  void on_trade(const TradeEvent& t) noexcept { signals_.on_trade(t, venue_.now_ns()); }

  // Order stream update (the exchange's word on an order).
  void on_order(const OrderUpdate& u) noexcept {
    const OrderHandle h = table_.find(u.order_link_id.view());
    if (!h.valid()) {
      ++counters_.unknown_orders;
      return;
    }
    OrderEvent ev = OrderEvent::stream(classify(u.status), u.price, u.qty, u.cum_exec_qty, u.leaves_qty);
    ev.post_only_would_take = u.reject_reason == RejectReason::kPostOnlyWillTakeLiquidity;
    ev.order_id = u.order_id.view();
    apply(h, ev);
    if (u.status == OrderStatus::kRejected) risk_.on_reject(venue_.now_ns());
  }

  // One fill of one of our orders: order state, position, fees, markouts, strategy.
  void on_execution(const Execution& e) noexcept {
    // An execution of an order the table no longer holds (settled and released before its late execution
    // message, or an earlier run's) still moved the account: the position takes it, only the order table
    // cannot.
    if (const OrderHandle h = table_.find(e.order_link_id.view()); h.valid()) {
      apply(h, OrderEvent::execution(e.exec_price, e.exec_qty));
    } else {
      ++counters_.unknown_orders;
    }
    const int64_t now = venue_.now_ns();
    // The execution is a fact about the account whatever the table said; a position that refuses it is wrong
    // from here on, and quoting on a wrong position is not an option.
    if (const PositionError pe = position_.on_fill(e.side, e.exec_price, e.exec_qty, e.exec_fee);
        pe != PositionError::kOk) {
      fail_fast(position_fault(pe));
      flush_cancel_all();
    }
    signals_.on_own_fill(e.side, e.exec_price, e.exec_qty, now);
    strategy_.on_fill(e.side, e.exec_price, e.exec_qty, now);
  }

  // The exchange accepted a request (trade-WS ack with retCode 0): kind is kCreateAcked, kAmendAcked or
  // kCancelAcked. Accepted is not live: the order stream confirms.
  void on_acked(std::string_view link_id, OrderEventKind kind, std::string_view order_id = {}) noexcept {
    const OrderHandle h = table_.find(link_id);
    if (!h.valid()) {
      ++counters_.unknown_orders;
      return;
    }
    OrderEvent ev = OrderEvent::make(kind);
    ev.order_id = order_id;
    apply(h, ev);
  }

  // An amend or cancel was refused by the exchange (kind kAmendRejected or kCancelRejected), e.g. 110001
  // "order not exists or too late": the order keeps its last confirmed terms; a racing fill settles it.
  void on_rejected(std::string_view link_id, OrderEventKind kind) noexcept {
    const OrderHandle h = table_.find(link_id);
    if (!h.valid()) {
      ++counters_.unknown_orders;
      return;
    }
    apply(h, OrderEvent::make(kind));
  }

  // A create was refused by the exchange (trade-WS ack with retCode != 0). `venue_unavailable`: refused
  // because the venue's service was restarting or failing (10019, 10016), not because of the order: the
  // reject-rate breaker does not count it. Counted, a matching restart that refuses every request for a
  // second while a level is to be made again trips the breaker, and mm stays in its action (reduce-only)
  // for the whole cooldown after the venue is back (FaultMatrix.ServiceRestart, docs/reliability.md).
  void on_create_rejected(std::string_view link_id, bool venue_unavailable = false) noexcept {
    const OrderHandle h = table_.find(link_id);
    if (!h.valid()) {
      ++counters_.unknown_orders;
      return;
    }
    apply(h, OrderEvent::make(OrderEventKind::kCreateRejected));
    if (!venue_unavailable) risk_.on_reject(venue_.now_ns());
  }

  // A request for this order got no answer in time (or its connection ended first): Unknown until the order
  // stream or a query settles it (core/order_state.h). Never re-sent with a new link id.
  void on_request_timeout(std::string_view link_id) noexcept {
    const OrderHandle h = table_.find(link_id);
    if (!h.valid()) {
      ++counters_.unknown_orders;
      return;
    }
    apply(h, OrderEvent::make(OrderEventKind::kTimeout));
  }

  // A query (GET /v5/order/realtime?orderLinkId=) says the exchange has no such order.
  void on_not_found(std::string_view link_id) noexcept {
    const OrderHandle h = table_.find(link_id);
    if (!h.valid()) {
      ++counters_.unknown_orders;
      return;
    }
    apply(h, OrderEvent::make(OrderEventKind::kNotFound));
  }

  // Time passes without a book update (the live node calls this every few ms): the risk tick runs, so a
  // silent feed trips the stale-book breaker, and a pulled ladder is cancelled.
  void on_timer() noexcept { decide(); }

  // Runs the strategy and quoter passes of a decision on the current book and order table, and changes
  // nothing: the strategy quotes on `r`'s copy of its state, the quoter diffs into `r.actions`, the rate
  // buckets are read through copies and the send windows only read; no signal, risk, order-table, counter
  // or venue call. Why: a live thread that spins between market frames (tens of ms apart) finds the
  // decision's code, branch history and data cold when the next frame comes (~10 us instead of ~1 us warm
  // on a shared VM); rehearsing every few tens of microseconds while idle keeps them resident (docs/live.md,
  // live.warm_interval_us).
  // Precondition: S is trivially copyable (the copy must not allocate).
  void rehearse(Rehearsal<S>& r) noexcept {
    static_assert(std::is_trivially_copyable_v<S>, "Trader::rehearse copies the strategy's state");
    const OrderBook& b = book_.book();
    const auto bid = b.best_bid();
    const auto ask = b.best_ask();
    if (!book_.trusted() || book_.crossed() || !bid || !ask) return;
    if (risk_.state() == TradingState::kHalted || !quoting_) return;
    const int64_t now = venue_.now_ns();
    r.strategy = strategy_;
    const StrategyContext sc = strategy_context(b, bid->price, ask->price, now);
    r.ladder.clear();
    if (!r.strategy.quote(sc, r.ladder)) return;
    // live_ is rebuilt by every decision before it reads it: writing it here changes nothing.
    const uint32_t live_n = collect_live_orders(table_, id_, {live_.get(), cfg_.order_capacity});
    TokenBucket creates = create_bucket_, amends = amend_bucket_, cancels = cancel_bucket_;
    const ActionBudget budget{tokens(creates, create_window_, now), tokens(amends, amend_window_, now),
                              tokens(cancels, cancel_window_, now)};
    (void)quoter_.diff(quote_input(r.ladder, live_n, budget, bid->price, ask->price, now), r.actions);
    ++r.runs;
  }

  // Quoting off: every decision targets an empty ladder, so the quoter cancels every live order (graceful
  // shutdown, the dead-man switch, an operator's pause). Risk, the book and the private events carry on.
  void set_quoting(bool on) noexcept { quoting_ = on; }
  bool quoting() const noexcept { return quoting_; }

  // Sends a cancel-all for this instrument now, whatever the book (the shutdown and dead-man paths: the
  // quoter cannot diff without a usable book). False when the venue refused it (try again).
  bool cancel_all_now() noexcept { return send_cancel_all(); }

  // Adopts the exchange's position (start-up and reconnect reconciliation): signed lots and Bybit's
  // entryPrice at the position's ref_scale(). Errors as Position::restore.
  [[nodiscard]] PositionError restore_position(int64_t lots, int64_t entry_ref) noexcept {
    return position_.restore(lots, entry_ref);
  }

  // A new public connection restarts `u` for every topic: the book waits for its next snapshot.
  void reset_book() noexcept { book_.reset(); }
  // The book saw a gap or a step backwards: returns true once, and the caller resubscribes its topic.
  bool take_resubscribe() noexcept { return book_.take_resubscribe(); }

  // Orders not yet terminal (live, or with a request in flight or an unknown outcome).
  uint32_t open_order_count() const noexcept {
    uint32_t n = 0;
    table_.for_each([&](OrderHandle, const OwnOrder& o) noexcept {
      if (!is_terminal(o.state())) ++n;
    });
    return n;
  }

  const OrderBook& book() const noexcept { return book_.book(); }
  const BookSync& book_sync() const noexcept { return book_; }
  const Signals& signals() const noexcept { return signals_; }
  const OrderTable& orders() const noexcept { return table_; }
  const Position& position() const noexcept { return position_; }
  const TraderCounters& counters() const noexcept { return counters_; }
  // The first broken invariant (kNone while none broke); see TraderFault.
  TraderFault fault() const noexcept { return fault_; }
  const QuoteLadder& last_ladder() const noexcept { return ladder_; }
  const QuoteActions& last_actions() const noexcept { return actions_; }
  // Actions sent by the last decision (0 when it sent none).
  uint32_t last_action_count() const noexcept { return last_sent_; }

 private:
  void apply(OrderHandle h, const OrderEvent& ev) noexcept {
    const OrderError e = table_.apply(h, ev, venue_.now_ns());
    if (e == OrderError::kOverfill || e == OrderError::kFillMismatch) {
      // The table's account of the order's fills is broken: its leaves (what the quoter sees) are wrong.
      fail_fast(e == OrderError::kOverfill ? TraderFault::kOrderOverfill : TraderFault::kOrderFillMismatch);
      flush_cancel_all();
    } else if (e != OrderError::kOk) {
      ++counters_.table_errors;  // a late or out-of-sequence exchange event: the order keeps its state
    }
    // Settled orders (terminal, and the exchange's final report seen) leave the table so the slot is reused.
    // A Filled reached from executions alone stays until the stream confirms it, so that report still finds
    // its order (collect_live_orders already hides terminal orders from the quoter).
    const OwnOrder& o = table_.get(h);
    if (is_terminal(o.state()) && o.fsm.settled()) (void)table_.release(h);
  }

  // Also records each open order's notional in valued_ (the amend checks reuse it).
  RiskContext risk_context(int64_t now) noexcept {
    RiskContext c;
    c.now_ns = now;
    c.wall_ns = now;  // the venue clock is wall time live, frame/simulated time elsewhere
    const OrderBook& b = book_.book();
    const auto bid = b.best_bid();
    const auto ask = b.best_ask();
    if (bid && ask) {
      c.best_bid = bid->price;
      c.best_ask = ask->price;
      c.mid = Price{(bid->price.ticks + ask->price.ticks) / 2};
    }
    c.book_trusted = book_.trusted();
    c.book_crossed = book_.crossed();
    c.book_update_ns = book_.last_applied_ns();
    c.position_lots = position_.lots();
    c.avg_entry = position_.avg_entry();
    // A PnL that does not fit leaves the loss breakers blind: a broken invariant, not a zero.
    if (position_.realized(c.realized_pnl) != PositionError::kOk ||
        (c.mid.ticks > 0 && position_.unrealized(c.mid, c.unrealized_pnl) != PositionError::kOk)) {
      fail_fast(TraderFault::kPositionOverflow);
    }
    c.fees_paid = position_.fees();
    table_.for_each([&](OrderHandle h, const OwnOrder& o) noexcept {
      if (is_terminal(o.state())) return;
      ++c.open_orders;
      Money n;
      const bool ok = notional(instrument_, o.price, o.leaves, n);
      valued_[h.index] = {o.price, o.leaves, n, ok};
      // An exposure that does not fit counts as the largest one: the limits then block, never pass.
      Money worst = ok ? n : Money{INT64_MAX};
      const Qty lots = worst_leaves(o);
      // While an amend is in flight the exchange applies it at any moment: the order may fill up to the
      // larger of its old and new qty, at either price.
      if (lots != o.leaves || o.amend_price.ticks > o.price.ticks) {
        const Price p = o.amend_price.ticks > o.price.ticks ? o.amend_price : o.price;
        if (!notional(instrument_, p, lots, worst)) worst = Money{INT64_MAX};
      }
      Money& sum = o.side == Side::kBuy ? c.open_buy_notional : c.open_sell_notional;
      if (!checked_add(sum, worst, sum)) sum = Money{INT64_MAX};
      if (o.side == Side::kBuy) {
        c.open_buy_lots += lots.lots;
      } else {
        c.open_sell_lots += lots.lots;
      }
    });
    return c;
  }

  // The most an open order may still fill: its leaves, or with a qty amend in flight, the amend's new qty
  // less what has filled, if larger.
  static Qty worst_leaves(const OwnOrder& o) noexcept {
    if (!o.fsm.has(OrderFsm::kAmendInFlight) || o.fsm.amend_qty.lots <= 0) return o.leaves;
    const int64_t after = o.fsm.amend_qty.lots - o.fsm.filled().lots;
    return after > o.leaves.lots ? Qty{after} : o.leaves;
  }

  // REDUCE_ONLY: keep only the side that reduces the position, marked reduce-only; flat: nothing.
  void restrict_to_reducing() noexcept {
    const int64_t pos = position_.lots();
    if (pos >= 0) ladder_.bid_count = 0;
    if (pos <= 0) ladder_.ask_count = 0;
    ladder_.reduce_only = true;
  }

  // Sends a cancel-all and marks every order that can rest on the book PendingCancel (the order stream
  // settles each one). Returns false when the venue refused it: then nothing changed and the request must be
  // retried.
  bool send_cancel_all() noexcept {
    CancelAll all;
    all.instrument = id_;
    all.category = instrument_.category;
    if (!venue_.send_cancel_all(all)) {
      ++counters_.venue_refused;
      return false;
    }
    ++counters_.cancel_alls;
    // Every live order now has a cancel in flight; the order stream settles each one. All of them, whatever
    // the table's capacity (cancel() never moves an order in the table, so positions stay valid).
    const int64_t now = venue_.now_ns();
    for (uint32_t i = 0; i < table_.size(); ++i) {
      const OrderHandle h = table_.handle_at(i);
      const OrderState st = table_.get(h).state();
      if (is_terminal(st) || is_pending(st)) continue;
      OrderCancel ignored;
      if (table_.cancel(h, now, ignored) != OrderError::kOk) fail_fast(TraderFault::kTableRefused);
    }
    return true;
  }

  // Sends the risk engine's cancel-all request if one is pending; a refused one stays pending (retried).
  void flush_cancel_all() noexcept {
    if (risk_.cancel_all_requested() && send_cancel_all()) risk_.clear_cancel_all();
  }

  static TraderFault position_fault(PositionError e) noexcept {
    return e == PositionError::kBadQty     ? TraderFault::kPositionBadQty
           : e == PositionError::kBadPrice ? TraderFault::kPositionBadPrice
                                           : TraderFault::kPositionOverflow;
  }
  static TraderFault create_fault(TableError e) noexcept {
    return e == TableError::kFull                ? TraderFault::kTableFull
           : e == TableError::kSequenceExhausted ? TraderFault::kSequenceExhausted
                                                 : TraderFault::kTableRefused;
  }

  // A broken invariant of our own: count it, keep the first reason, HALT (the kill switch requests a
  // cancel-all, which the caller flushes once the table is consistent again) and stop this tick's sends.
  void fail_fast(TraderFault f) noexcept {
    ++counters_.invariant_errors;
    if (fault_ == TraderFault::kNone) fault_ = f;
    halt_sends_ = true;
    // Once: kill() re-arms the cancel-all, and a fault that holds (a PnL out of range) must not resend it on
    // every tick.
    if (!risk_.killed()) risk_.kill();
    assert(false && "Trader: a broken invariant of our own (Trader::fault() says which)");
  }

  void decide() noexcept {
    const int64_t now = venue_.now_ns();
    last_sent_ = 0;
    const OrderBook& b = book_.book();
    const auto bid = b.best_bid();
    const auto ask = b.best_ask();
    ladder_.clear();
    const bool usable = book_.trusted() && !book_.crossed() && bid && ask;

    RiskContext ctx = risk_context(now);
    const RiskTick rt = risk_.on_tick(ctx);
    // The request stays with the risk engine until the venue takes it: a refused cancel-all is retried.
    if (rt.cancel_all && send_cancel_all()) risk_.clear_cancel_all();
    if (rt.protection != ProtectionTrigger::kNone) send_protection_close(rt.close, ctx, now);
    // rt.state, unless a broken invariant met since (the protection close) halted the trader.
    const TradingState state = risk_.state();
    mark(TickMark::kRiskTick);

    // Signals learn only from a book we trust: a stale (gapped) or crossed book is not the market.
    if (book_.trusted() && !book_.crossed()) {
      signals_.on_book(b, now);
    } else {
      signals_.on_book_lost(now);
    }
    if (!usable) {
      ++counters_.skipped_untrusted;
      mark(TickMark::kEncoded);
      return;
    }
    ++counters_.ticks;
    if (state != TradingState::kHalted && quoting_) {
      if (!strategy_.quote(strategy_context(b, bid->price, ask->price, now), ladder_)) ladder_.clear();
      if (state == TradingState::kReduceOnly) restrict_to_reducing();
    }
    mark(TickMark::kStrategy);

    // Quoter: target ladder vs live orders.
    const uint32_t live_n = collect_live_orders(table_, id_, {live_.get(), cfg_.order_capacity});
    const ActionBudget budget{tokens(create_bucket_, create_window_, now),
                              tokens(amend_bucket_, amend_window_, now),
                              tokens(cancel_bucket_, cancel_window_, now)};
    if (const QuoterError qe =
            quoter_.diff(quote_input(ladder_, live_n, budget, bid->price, ask->price, now), actions_);
        qe != QuoterError::kOk) {
      if (qe == QuoterError::kTooManyLiveOrders) {
        // The quoter cannot see them all: none may be left unmanaged. The cancel-all covers every one.
        fail_fast(TraderFault::kTooManyLiveOrders);
        flush_cancel_all();
      } else {
        ++counters_.quoter_errors;
      }
      mark(TickMark::kQuoter);
      return;
    }
    counters_.quoter.add(actions_.counters);
    mark(TickMark::kQuoter);

    // Risk: each action checked; refused ones dropped (counted by the engine per rule, and here in total).
    n_cancels_ = n_amends_ = n_creates_ = 0;
    // The table has not changed since collect_live_orders: each action's tag is its order's table position.
    for (uint32_t i = 0; i < actions_.cancel_count; ++i) {
      out_cancel_h_[n_cancels_++] = table_.handle_at(actions_.cancel_tags[i]);
    }
    for (uint32_t i = 0; i < actions_.amend_count; ++i) {
      const OrderAmend& a = actions_.amends[i];
      const OrderHandle h = table_.handle_at(actions_.amend_tags[i]);
      const OwnOrder& o = table_.get(h);
      const RestingOrder cur{o.side, o.price, o.leaves, o.cum_filled, o.reduce_only};
      // notional() is a pure function of (price, leaves): the value risk_context() found is reused when the
      // slot still holds those terms.
      const Valued& val = valued_[h.index];
      const bool valued = val.ok && val.price == o.price && val.leaves == o.leaves;
      const auto check = [&](const OrderAmend& x) noexcept {
        return valued ? risk_.admit(x, cur, val.notional, ctx) : risk_.admit(x, cur, ctx);
      };
      RiskVerdict v;
      if (a.qty) {
        // The quoter's amend qty is the new remaining qty; Bybit's is the whole order's.
        OrderAmend full = a;
        full.qty = Qty{a.qty->lots + o.cum_filled.lots};
        v = check(full);
      } else {
        v = check(a);  // price only: checked as the quoter made it (no copy of the action)
      }
      if (!v.allowed()) {
        ++counters_.risk_blocked;
        continue;
      }
      out_amend_h_[n_amends_] = h;
      // Only the terms go on: the order table writes the request (link id included) from its slot.
      out_amend_[n_amends_++] = {a.price, a.qty ? std::optional<Qty>(v.qty) : std::nullopt};
    }
    for (const OrderCreate& c : actions_.create_span()) {
      const RiskVerdict v = risk_.admit(c, ctx);
      if (!v.allowed()) {
        ++counters_.risk_blocked;
        continue;
      }
      NewOrder n{id_, c.side, c.price, v.qty, c.reduce_only, c.tif == TimeInForce::kPostOnly};
      out_new_[n_creates_++] = n;
    }
    mark(TickMark::kRisk);

    send_actions(now);
    if (last_sent_ != 0) ++counters_.ticks_with_actions;
    mark(TickMark::kEncoded);
  }

  void send_protection_close(OrderCreate close, RiskContext& ctx, int64_t now) noexcept {
    const RiskVerdict v = risk_.admit(close, ctx);
    if (!v.allowed()) {
      ++counters_.risk_blocked;
      return;
    }
    NewOrder n{id_, close.side, close.price, v.qty, true, false};
    OrderHandle h;
    OrderCreate req;
    if (const TableError e = table_.create(n, now, h, req); e != TableError::kOk) {
      fail_fast(create_fault(e));
      flush_cancel_all();
      return;
    }
    req.type = close.type;
    req.tif = close.tif;
    if (venue_.send_creates({&req, 1})) {
      ++counters_.protection_closes;
      ++counters_.creates;
    } else {
      // Never left: forget it, so the protection's next retry is not blocked by a phantom order.
      if (table_.withdraw(h) != TableError::kOk) fail_fast(TraderFault::kTableRefused);
      ++counters_.venue_refused;
    }
  }

  // Order table, then venue: cancels first (they reduce risk), then amends, then creates, each kind as
  // requests of at most the batch limit (strategy/venue.h: the venue takes or refuses a request whole). A
  // request the venue refuses never left: its orders are put back as they were and nothing more goes out
  // this tick (a create must not outrun the cancel it replaces); the next tick diffs again from the table.
  // A broken invariant met on the way (the table refused one of our requests) stops the sends after the
  // current request; the cancel-all then goes out last, after everything sent, so it covers all of it.
  void send_actions(int64_t now) noexcept {
    const uint32_t per = quoter_.batch_items(instrument_.category);
    uint32_t unsent = 0;
    halt_sends_ = false;
    if (!send_cancels(now, per, unsent)) {
      unsent += n_amends_ + n_creates_;
    } else if (!send_amends(now, per, unsent)) {
      unsent += n_creates_;
    } else {
      (void)send_creates(now, per, unsent);
    }
    counters_.venue_refused += unsent;
    if (halt_sends_) flush_cancel_all();
  }

  // Each returns false when the venue refused a request, with `unsent` += the actions of that request and of
  // the same kind after it.
  bool send_cancels(int64_t now, uint32_t per, uint32_t& unsent) noexcept {
    for (uint32_t first = 0; first < n_cancels_ && !halt_sends_; first += per) {
      const uint32_t end = first + per < n_cancels_ ? first + per : n_cancels_;
      uint32_t k = 0;
      for (uint32_t i = first; i < end; ++i) {
        undo_[k] = table_.undo_point(out_cancel_h_[i]);
        if (table_.cancel(out_cancel_h_[i], now, send_cancel_[k]) == OrderError::kOk) {
          ++k;
        } else {
          fail_fast(TraderFault::kTableRefused);
        }
      }
      if (k == 0) continue;
      if (!venue_.send_cancels({send_cancel_.data(), k})) {
        revert_requests(k);
        unsent += k + (n_cancels_ - end);
        return false;
      }
      take(cancel_bucket_, cancel_window_, k, now);
      counters_.cancels += k;
      last_sent_ += k;
    }
    return true;
  }

  bool send_amends(int64_t now, uint32_t per, uint32_t& unsent) noexcept {
    for (uint32_t first = 0; first < n_amends_ && !halt_sends_; first += per) {
      const uint32_t end = first + per < n_amends_ ? first + per : n_amends_;
      uint32_t k = 0;
      for (uint32_t i = first; i < end; ++i) {
        const AmendTerms& a = out_amend_[i];
        undo_[k] = table_.undo_point(out_amend_h_[i]);
        if (table_.amend(out_amend_h_[i], a.price, a.qty, now, send_amend_[k]) == OrderError::kOk) {
          ++k;
        } else {
          fail_fast(TraderFault::kTableRefused);
        }
      }
      if (k == 0) continue;
      if (!venue_.send_amends({send_amend_.data(), k})) {
        revert_requests(k);
        unsent += k + (n_amends_ - end);
        return false;
      }
      take(amend_bucket_, amend_window_, k, now);
      counters_.amends += k;
      last_sent_ += k;
    }
    return true;
  }

  bool send_creates(int64_t now, uint32_t per, uint32_t& unsent) noexcept {
    for (uint32_t first = 0; first < n_creates_ && !halt_sends_; first += per) {
      const uint32_t end = first + per < n_creates_ ? first + per : n_creates_;
      uint32_t k = 0;
      for (uint32_t i = first; i < end; ++i) {
        if (const TableError e = table_.create(out_new_[i], now, created_[k], send_create_[k]);
            e == TableError::kOk) {
          send_create_[k].tif = cfg_.quoter.time_in_force;
          ++k;
        } else {
          fail_fast(create_fault(e));
        }
      }
      if (k == 0) continue;
      if (!venue_.send_creates({send_create_.data(), k})) {
        // Last created first: the table's iteration order comes back exactly as it was.
        for (uint32_t j = k; j-- > 0;) {
          if (table_.withdraw(created_[j]) != TableError::kOk) fail_fast(TraderFault::kTableRefused);
        }
        unsent += k + (n_creates_ - end);
        return false;
      }
      take(create_bucket_, create_window_, k, now);
      counters_.creates += k;
      last_sent_ += k;
    }
    return true;
  }

  // Puts back the orders of a refused amend or cancel request (undo_[0, k)).
  void revert_requests(uint32_t k) noexcept {
    for (uint32_t j = 0; j < k; ++j) {
      if (table_.revert(undo_[j]) != TableError::kOk) fail_fast(TraderFault::kTableRefused);
    }
  }

  // The strategy's view of a decision (decide() and rehearse() build it alike): the book and its touch, the
  // signals, the inventory, the decision's clock.
  StrategyContext strategy_context(const OrderBook& b, Price bid, Price ask, int64_t now) const noexcept {
    StrategyContext sc;
    sc.instrument = &instrument_;
    sc.book = &b;
    sc.signals = &signals_;
    sc.inventory = {position_.lots(), position_.avg_entry(), cfg_.max_position_lots};
    sc.now_ns = now;
    sc.best_bid = bid;
    sc.best_ask = ask;
    return sc;
  }

  // The quoter's input (decide() and rehearse() alike): `ladder` against the first `live_n` orders of live_
  // (collect_live_orders' output), within `budget`, the market touch for the post-only check.
  QuoteInput quote_input(const QuoteLadder& ladder, uint32_t live_n, ActionBudget budget, Price bid,
                         Price ask, int64_t now) const noexcept {
    QuoteInput in;
    in.instrument = &instrument_;
    in.instrument_id = id_;
    in.target = &ladder;
    in.live = {live_.get(), live_n};
    in.now_ns = now;
    in.budget = budget;
    in.next_link_seq = table_.next_sequence();
    in.market_bid = bid;
    in.market_ask = ask;
    return in;
  }

  // The class's budget now: the bucket's whole tokens, no more than its send window lets go.
  static uint32_t tokens(TokenBucket& b, const SendWindow& w, int64_t now) noexcept {
    const int64_t milli = b.available_milli(now);
    return milli <= 0 ? 0 : w.free(now, static_cast<uint32_t>(milli / 1000));
  }
  static void take(TokenBucket& b, SendWindow& w, uint32_t n, int64_t now) noexcept {
    (void)b.try_acquire(n, now);
    w.take(n, now);
  }

  const Instrument& instrument_;
  InstrumentId id_;
  V& venue_;
  S& strategy_;
  RiskEngine& risk_;
  TraderConfig cfg_;
  BookSync book_;
  Signals signals_;
  OrderTable table_;
  Position position_;
  // Per order-table slot: the last notional(price, leaves) risk_context() computed for the order there.
  struct Valued {
    Price price;
    Qty leaves;
    Money notional;
    bool ok = false;
  };
  std::unique_ptr<Valued[]> valued_;
  Quoter quoter_;
  TokenBucket create_bucket_, amend_bucket_, cancel_bucket_;
  SendWindow create_window_, amend_window_, cancel_window_;
  QuoteLadder ladder_;
  QuoteActions actions_;
  // Our orders as the quoter sees them: sized by the table, so that no order is ever left out of the view
  // (more than the quoter takes is a fault: kTooManyLiveOrders).
  std::unique_ptr<LiveOrder[]> live_;
  // Per-tick scratch, sized by the quoter's maxima.
  std::array<OrderHandle, kMaxQuoteCancels> out_cancel_h_{};
  std::array<OrderHandle, kMaxQuoteAmends> out_amend_h_{};
  struct AmendTerms {
    std::optional<Price> price;
    std::optional<Qty> qty;  // Bybit's new total (filled included), as the risk check allowed it
  };
  std::array<AmendTerms, kMaxQuoteAmends> out_amend_{};
  std::array<NewOrder, kMaxQuoteCreates> out_new_{};
  // One request's worth (the batch limit): what goes to the venue, and how to take it back if refused.
  std::array<OrderCancel, kQuoterMaxBatchItems> send_cancel_{};
  std::array<OrderAmend, kQuoterMaxBatchItems> send_amend_{};
  std::array<OrderCreate, kQuoterMaxBatchItems> send_create_{};
  std::array<RequestUndo, kQuoterMaxBatchItems> undo_{};
  std::array<OrderHandle, kQuoterMaxBatchItems> created_{};
  uint32_t n_cancels_ = 0, n_amends_ = 0, n_creates_ = 0;
  uint32_t last_sent_ = 0;
  TraderFault fault_ = TraderFault::kNone;
  bool halt_sends_ = false;  // a fault in this tick's send phase: nothing more goes out but the cancel-all
  bool profiling_ = false;
  bool quoting_ = true;
  std::array<int64_t, kTickMarkCount> stamps_{};
  TraderCounters counters_;
};

}  // namespace mm
