#pragma once
// The backtest loop (issue 4): one traded instrument, a span of normalized events (sim/event.h), a SimVenue
// and a trader (in practice Trader<SimVenue, Strategy>; a template parameter so that sim/ does not include
// strategy/). Fills the BacktestSeries.
//
// Two cursors walk the events, because the exchange and we see the market at different times:
//   - the exchange cursor applies each event of the traded instrument to the venue (fill engine, funding,
//     mark) at its exchange time (exch_ts, made non-decreasing: a record older than the last one is taken at
//     the last one's time);
//   - the trader cursor hands book messages and trades to the trader at our receive time L: the recording's
//     receive time where it has one (SimConfig::feed_time kData and local_ts != exch_ts), else exch_ts + a
//     feed-latency draw; made non-decreasing and never before the event's exchange time.
// Before the trader sees an event at L, the exchange processes every market event with exchange time <= L and
// every order action arriving by L (SimVenue::advance_exchange_to), and every answer due by L is delivered
// to the trader (SimVenue::deliver_until). The exchange is thus never behind the trader, and an action sent
// at L reaches it at L + entry latency, after exactly the market events that happened before.
//
// Book messages are rebuilt from runs of kBookLevel records (up to the kEvEndOfMessage record) into
// preallocated level buffers (1000 levels a side; a bigger snapshot grows them once: a counted allocation). A
// run cut by the end of the data or by a record of another kind is dropped (truncated_messages). kFunding and
// kMarkPrice records go to the venue only. Events of other instruments are skipped (counted).
//
// Hot path: per event a few compares and copies; no allocation (after the first largest snapshot), no
// std::function (the progress callback is a plain function pointer called every `progress_every` events),
// no exceptions.
#include <concepts>
#include <cstdint>
#include <limits>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/order_state.h"
#include "core/private_events.h"
#include "sim/backtest_series.h"
#include "sim/event.h"
#include "sim/latency_model.h"
#include "sim/sim_config.h"
#include "sim/sim_rng.h"
#include "sim/sim_venue.h"

namespace mm {

// The trader's entry points (those of Trader<V, S> in strategy/trader.h).
template <class T>
concept BacktestTrader = requires(T& t, const BookUpdate& b, const TradeEvent& tr, const OrderUpdate& ou,
                                  const Execution& ex, std::string_view s, OrderEventKind k, int64_t ns) {
  t.on_book(b, ns);
  t.on_trade(tr);
  t.on_order(ou);
  t.on_execution(ex);
  t.on_acked(s, k, s);
  t.on_create_rejected(s);
  t.on_rejected(s, k);
};

// Progress: events processed so far and the total. Called every RunOptions::progress_every events and once
// at the end, on the running thread; must be cheap and must not throw.
using BacktestProgressFn = void (*)(void* ctx, uint64_t done, uint64_t total) noexcept;

struct RunOptions {
  uint16_t data_instrument = 0;        // the traded instrument's index in the events' instrument table
  int64_t max_position_lots = 0;       // for time at limit (0: not counted)
  uint64_t progress_every = 1u << 20;  // >= 1
  BacktestProgressFn progress = nullptr;
  void* progress_ctx = nullptr;
  // A window that starts after the data does: the traded instrument's book as it stood at the window's start
  // (rebuilt from the records before it; see initial_book_before in runtime/backtest.h), given to the venue
  // and to the trader as a snapshot at the first event's exchange time, before anything else. Null: none.
  const BookUpdate* initial_book = nullptr;
  // > 0: the trader's decision path also runs every timer_ns of our time without a market event
  // (trader.on_timer()), as the live node runs it every live.timer_ms (`mm parity` models that); 0: only on
  // market events (the default backtest).
  int64_t timer_ns = 0;
};

struct BacktestStatus {
  bool ok = true;
  std::string_view error;      // static text when !ok ("no event of the traded instrument", ...)
  uint64_t events = 0;         // records read
  uint64_t traded_events = 0;  // records of the traded instrument
  uint64_t other_instrument_events = 0;
  uint64_t book_messages = 0;  // rebuilt book messages given to the trader
  uint64_t trades = 0, funding_events = 0, mark_events = 0;
  uint64_t truncated_messages = 0;      // book runs without their end-of-message record (dropped)
  uint64_t level_buffer_growths = 0;    // snapshots larger than the preallocated level buffers
  uint64_t deliveries = 0;              // answers delivered to the trader
  uint64_t modelled_receive_times = 0;  // messages timed at exchange time + feed latency (no receive time)
  int64_t first_exch_ns = 0, last_exch_ns = 0, last_local_ns = 0;
};

class BacktestRunner {
 public:
  static constexpr uint32_t kInitialLevels = 1000;  // per side: Bybit's deepest stream (orderbook.1000)

  // Builds the feed latency model (seeded from cfg.seed). Throws std::invalid_argument with cfg.validate()'s
  // message or the feed latency file's error.
  explicit BacktestRunner(const SimConfig& cfg) : cfg_(cfg) {
    if (std::string e = cfg.validate(); !e.empty()) throw std::invalid_argument(e);
    feed_ = make_latency_model(cfg.feed_latency);
    feed_.seed(derive_stream_seed(cfg.seed, kFeedLatencyStream));
    for (Run* r : {&xrun_, &trun_}) {
      r->bids.resize(kInitialLevels);
      r->asks.resize(kInitialLevels);
    }
  }

  // Runs one backtest. Preconditions: `venue` was built for the traded instrument and is fresh (not started);
  // `trader` sends its actions to `venue`. Never throws; a run without any event of the traded instrument
  // returns ok = false.
  template <BacktestTrader T>
  BacktestStatus run(std::span<const Event> events, SimVenue& venue, T& trader, BacktestSeries& series,
                     const RunOptions& opt) noexcept {
    BacktestStatus st;
    const uint16_t inst = opt.data_instrument;
    const size_t n = events.size();
    size_t first = 0;
    while (first < n && events[first].instrument != inst) ++first;
    if (first == n) {
      st.ok = false;
      st.error = "no event of the traded instrument";
      st.events = n;
      st.other_instrument_events = n;
      return st;
    }
    size_t last = n;
    while (last > first && events[last - 1].instrument != inst) --last;
    st.first_exch_ns = events[first].exch_ts_ns;
    const InstrumentId trader_id = venue.instrument_id();

    try {
      venue.attach_series(&series);
      const int64_t span = events[last - 1].exch_ts_ns - st.first_exch_ns;
      if (span > 0) series.samples.reserve(static_cast<size_t>(span / cfg_.sample_ns) + 16);
    } catch (const std::bad_alloc&) {
      st.ok = false;
      st.error = "out of memory reserving the series";
      return st;
    }
    venue.set_position_limit(opt.max_position_lots);
    venue.start(st.first_exch_ns);

    const uint64_t every = opt.progress_every == 0 ? 1 : opt.progress_every;
    uint64_t next_progress = every;
    xi_ = 0;
    x_last_ = std::numeric_limits<int64_t>::min();
    market_trades_ = 0;
    market_volume_ = 0;
    int64_t t_exch_last = std::numeric_limits<int64_t>::min();
    int64_t local_last = std::numeric_limits<int64_t>::min();
    int64_t next_timer = std::numeric_limits<int64_t>::min();  // the first: one period after the first event
    if (opt.initial_book != nullptr) {
      // hftbacktest's initial_snapshot: the book is known at the start, the strategy starts fresh.
      const int64_t t0 = st.first_exch_ns;
      venue.on_book(*opt.initial_book);
      st.deliveries += venue.deliver_until(t0, trader);
      trader.on_book(*opt.initial_book, t0);
      ++st.book_messages;
      t_exch_last = local_last = t0;
    }

    size_t i = 0;
    while (i < n) {
      if (i >= next_progress) {
        if (opt.progress != nullptr) opt.progress(opt.progress_ctx, i, n);
        next_progress = i + every;
      }
      const Event& e = events[i];
      if (e.instrument != inst) {
        ++st.other_instrument_events;
        ++i;
        continue;
      }
      if (e.kind != EventKind::kBookLevel && e.kind != EventKind::kTrade) {
        // Funding / mark: the exchange cursor gives them to the venue. Their time still enters the clamp, so
        // that both cursors see the same non-decreasing exchange times (the exchange has applied every event
        // we receive).
        if (e.exch_ts_ns > t_exch_last) t_exch_last = e.exch_ts_ns;
        ++i;
        continue;
      }
      size_t next = i + 1;
      const Event* tail = &e;
      if (e.kind == EventKind::kBookLevel) {
        bool complete = false;
        next = assemble(events, i, inst, trader_id, trun_, complete, st);
        if (!complete) {
          ++st.truncated_messages;
          i = next;
          continue;
        }
        tail = &events[next - 1];
      }
      // Our receive time.
      const int64_t x = tail->exch_ts_ns > t_exch_last ? tail->exch_ts_ns : t_exch_last;
      t_exch_last = x;
      const bool recorded = cfg_.feed_time == FeedTime::kData && tail->local_ts_ns != tail->exch_ts_ns;
      if (!recorded) ++st.modelled_receive_times;
      int64_t local = recorded ? tail->local_ts_ns : x + feed_.sample();
      if (local < x) local = x;
      if (local < local_last) local = local_last;
      local_last = local;

      if constexpr (requires { trader.on_timer(); }) {
        // The timer decisions due before this event, each at its own time (RunOptions::timer_ns).
        if (opt.timer_ns > 0) {
          if (next_timer == std::numeric_limits<int64_t>::min()) next_timer = local + opt.timer_ns;
          for (; next_timer <= local; next_timer += opt.timer_ns) {
            exchange_until(events, next_timer, inst, trader_id, venue, st);
            st.deliveries += venue.deliver_until(next_timer, trader);
            trader.on_timer();
          }
        }
      }
      exchange_until(events, local, inst, trader_id, venue, st);
      st.deliveries += venue.deliver_until(local, trader);
      if (e.kind == EventKind::kBookLevel) {
        ++st.book_messages;
        trader.on_book(trun_.update, local);
      } else {
        TradeEvent t;
        t.instrument = trader_id;
        t.taker_side = (e.flags & kEvBuy) != 0 ? Side::kBuy : Side::kSell;
        t.price = Price{e.price};
        t.qty = Qty{e.qty};
        t.trade_ts_ms = e.exch_ts_ns / 1'000'000;
        t.ts_ms = t.trade_ts_ms;
        t.seq = e.aux;
        trader.on_trade(t);
      }
      i = next;
    }
    // The rest of the exchange's events (funding, marks after our last market event), then the end.
    exchange_until(events, std::numeric_limits<int64_t>::max(), inst, trader_id, venue, st);
    int64_t end = x_last_ > local_last ? x_last_ : local_last;
    venue.advance_exchange_to(end);
    st.deliveries += venue.deliver_until(end, trader);
    venue.finish(end);
    st.events = n;
    st.last_exch_ns = x_last_;
    st.last_local_ns = local_last;
    series.events = n;
    series.market_trades = market_trades_;
    series.market_volume_lots = market_volume_;
    if (opt.progress != nullptr) opt.progress(opt.progress_ctx, n, n);
    return st;
  }

 private:
  struct Run {
    std::vector<PriceLevel> bids, asks;
    BookUpdate update;
  };

  // Rebuilds the book message whose first record is events[i] into `run`. Returns the index after the run;
  // `complete` is false when the run ended without its end-of-message record.
  static size_t assemble(std::span<const Event> events, size_t i, uint16_t inst, InstrumentId id, Run& run,
                         bool& complete, BacktestStatus& st) noexcept {
    uint32_t nb = 0, na = 0;
    const Event& first = events[i];
    complete = false;
    size_t k = i;
    for (; k < events.size(); ++k) {
      const Event& r = events[k];
      if (r.instrument != inst || r.kind != EventKind::kBookLevel) break;
      if (k != i && (r.flags & kEvSnapshot) != (first.flags & kEvSnapshot)) break;
      if ((r.flags & kEvEmpty) == 0) {
        std::vector<PriceLevel>& side = (r.flags & kEvBuy) != 0 ? run.bids : run.asks;
        uint32_t& count = (r.flags & kEvBuy) != 0 ? nb : na;
        if (count == side.size()) [[unlikely]] {
          try {
            side.resize(side.size() * 2);
          } catch (const std::bad_alloc&) {
            return k + 1;  // incomplete: dropped
          }
          ++st.level_buffer_growths;
        }
        side[count++] = PriceLevel{Price{r.price}, Qty{r.qty}};
      }
      if ((r.flags & kEvEndOfMessage) != 0) {
        complete = true;
        ++k;
        break;
      }
    }
    if (!complete) return k == i ? i + 1 : k;
    const Event& tail = events[k - 1];
    BookUpdate& u = run.update;
    u.instrument = id;
    u.snapshot = (first.flags & kEvSnapshot) != 0;
    u.depth = static_cast<uint16_t>(first.depth);
    u.update_id = tail.aux;
    u.seq = 0;
    u.ts_ms = tail.exch_ts_ns / 1'000'000;
    u.cts_ms = u.ts_ms;
    u.bids = run.bids.data();
    u.bid_count = nb;
    u.asks = run.asks.data();
    u.ask_count = na;
    return k;
  }

  // Applies to the venue every event of the traded instrument with (non-decreasing) exchange time <= t, then
  // advances the exchange clock to t (when t is a time, not the end marker).
  void exchange_until(std::span<const Event> events, int64_t t, uint16_t inst, InstrumentId id,
                      SimVenue& venue, BacktestStatus& st) noexcept {
    const size_t n = events.size();
    while (xi_ < n) {
      const Event& e = events[xi_];
      if (e.instrument != inst) {
        ++xi_;
        continue;
      }
      const int64_t x = e.exch_ts_ns > x_last_ ? e.exch_ts_ns : x_last_;
      if (x > t) break;
      x_last_ = x;
      ++st.traded_events;
      venue.advance_exchange_before(x);  // ties go to the market: an order arriving at x is processed after
      switch (e.kind) {
        case EventKind::kBookLevel: {
          bool complete = false;
          const size_t next = assemble(events, xi_, inst, id, xrun_, complete, st);
          st.traded_events += next - xi_ - 1;
          xi_ = next;
          if (complete) venue.on_book(xrun_.update);
          continue;
        }
        case EventKind::kTrade: {
          TradeEvent tr;
          tr.instrument = id;
          tr.taker_side = (e.flags & kEvBuy) != 0 ? Side::kBuy : Side::kSell;
          tr.price = Price{e.price};
          tr.qty = Qty{e.qty};
          tr.trade_ts_ms = e.exch_ts_ns / 1'000'000;
          tr.ts_ms = tr.trade_ts_ms;
          tr.seq = e.aux;
          venue.on_trade(tr);
          ++st.trades;
          ++market_trades_;
          market_volume_ += e.qty;
          break;
        }
        case EventKind::kFunding:
          ++st.funding_events;
          venue.on_funding(e.price, e.aux);
          break;
        case EventKind::kMarkPrice:
          ++st.mark_events;
          venue.on_mark(e.price);
          break;
      }
      ++xi_;
    }
    if (t != std::numeric_limits<int64_t>::max()) venue.advance_exchange_to(t);
  }

  SimConfig cfg_;
  LatencyModel feed_;
  Run xrun_, trun_;
  size_t xi_ = 0;
  int64_t x_last_ = std::numeric_limits<int64_t>::min();
  uint64_t market_trades_ = 0;
  int64_t market_volume_ = 0;
};

}  // namespace mm
