// BacktestRunner with a scripted trader on hand-built event streams: book rebuilding, the two clocks (the
// exchange ahead of our receive time), answer delivery order, samples, markouts, uptime, skipped and cut
// records, progress.
#include "runtime/backtest_runner.h"
#include "runtime/backtest.h"
#include "tests/support/instruments.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mm {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1'786'319'990LL * kSec;  // whole seconds, 10 s before an 8 h funding time

using test::btcusdt;

// Event builders (times in ms after kT0; local < 0 means "no receive time": local == exch).
struct Stream {
  std::vector<Event> ev;
  int64_t u = 0;

  static int64_t t(double ms) { return kT0 + static_cast<int64_t>(ms * kMs); }

  // A book message: bids then asks; the last record carries end-of-message.
  void book(double exch_ms, double local_ms, std::vector<std::pair<int64_t, int64_t>> bids,
            std::vector<std::pair<int64_t, int64_t>> asks, bool snapshot = true, uint16_t inst = 0) {
    ++u;
    const size_t start = ev.size();
    auto put = [&](int64_t px, int64_t q, bool bid) {
      Event e;
      e.exch_ts_ns = t(exch_ms);
      e.local_ts_ns = local_ms < 0 ? e.exch_ts_ns : t(local_ms);
      e.price = px;
      e.qty = q;
      e.aux = u;
      e.instrument = inst;
      e.kind = EventKind::kBookLevel;
      e.flags = static_cast<uint8_t>((bid ? kEvBuy : 0) | (snapshot ? kEvSnapshot : 0));
      e.depth = 200;
      ev.push_back(e);
    };
    for (auto [p, q] : bids) put(p, q, true);
    for (auto [p, q] : asks) put(p, q, false);
    if (ev.size() == start) {
      put(0, 0, false);
      ev.back().flags |= kEvEmpty;
    }
    ev.back().flags |= kEvEndOfMessage;
  }
  void snapshot(double exch_ms, double local_ms, int64_t bid, int64_t ask, uint16_t inst = 0) {
    book(exch_ms, local_ms, {{bid, 10}, {bid - 1, 10}}, {{ask, 10}, {ask + 1, 10}}, true, inst);
  }
  void trade(double exch_ms, double local_ms, Side taker, int64_t px, int64_t q, uint16_t inst = 0) {
    Event e;
    e.exch_ts_ns = t(exch_ms);
    e.local_ts_ns = local_ms < 0 ? e.exch_ts_ns : t(local_ms);
    e.price = px;
    e.qty = q;
    e.instrument = inst;
    e.kind = EventKind::kTrade;
    e.flags = taker == Side::kBuy ? kEvBuy : 0;
    ev.push_back(e);
  }
};

// Records what reaches it (with the venue's local clock, ms after kT0) and runs a script on each book.
struct ScriptedTrader {
  SimVenue* venue = nullptr;
  std::vector<std::string> log;
  std::vector<BookUpdate> books;
  std::vector<std::vector<PriceLevel>> book_bids;
  int books_seen = 0;
  std::vector<OrderCreate> on_first_book;  // sent on the first book message

  std::string at() const { return "@" + std::to_string((venue->now_ns() - kT0) / kMs); }
  void on_book(const BookUpdate& u, int64_t recv_ns) {
    EXPECT_EQ(recv_ns, venue->now_ns());
    log.push_back("book u=" + std::to_string(u.update_id) + " " + at());
    books.push_back(u);
    book_bids.emplace_back(u.bids, u.bids + u.bid_count);
    if (books_seen++ == 0 && !on_first_book.empty()) {
      EXPECT_TRUE(venue->send_creates(on_first_book));
    }
  }
  void on_trade(const TradeEvent& t) { log.push_back("trade " + std::to_string(t.price.ticks) + " " + at()); }
  void on_timer() { log.push_back("timer " + at()); }
  void on_order(const OrderUpdate& u) {
    static const char* kNames[] = {"Unknown", "Created", "New", "PartiallyFilled", "Filled", "Cancelled"};
    log.push_back(std::string("order ") + kNames[static_cast<int>(u.status)] + " " + at());
  }
  void on_execution(const Execution& e) {
    log.push_back("exec " + std::to_string(e.exec_qty.lots) + " " + at());
  }
  void on_acked(std::string_view, OrderEventKind k, std::string_view) {
    log.push_back(std::string(to_string(k)) + " " + at());
  }
  void on_create_rejected(std::string_view) { log.push_back("create_rejected " + at()); }
  void on_rejected(std::string_view, OrderEventKind k) {
    log.push_back(std::string(to_string(k)) + " " + at());
  }
};
static_assert(BacktestTrader<ScriptedTrader>);

OrderCreate post_only(const char* link, Side side, int64_t price, int64_t qty) {
  OrderCreate c;
  c.instrument = 0;
  c.side = side;
  c.tif = TimeInForce::kPostOnly;
  c.price = Price{price};
  c.qty = Qty{qty};
  EXPECT_EQ(make_link_id(link, c.link_id), LinkIdError::kOk);
  return c;
}

class RunnerTest : public ::testing::Test {
 protected:
  RunnerTest() {
    cfg_.queue.kind = QueueModelKind::kRiskAverse;
    cfg_.entry_latency.constant_ns = 5 * kMs;
    cfg_.response_latency.constant_ns = 1 * kMs;
    cfg_.funding = FundingMode::kNone;
    cfg_.max_orders = 64;
    // The streams are timed by hand: no feed latency unless a test sets one (the default is 10 ms).
    cfg_.feed_latency.constant_ns = 0;
  }
  BacktestStatus run(const Stream& s, RunOptions opt = {}) {
    venue_ = std::make_unique<SimVenue>(inst_, 0, cfg_);
    trader_.venue = venue_.get();
    BacktestRunner runner(cfg_);
    series_ = BacktestSeries{};
    return runner.run(s.ev, *venue_, trader_, series_, opt);
  }
  Instrument inst_ = btcusdt();
  SimConfig cfg_;
  std::unique_ptr<SimVenue> venue_;
  ScriptedTrader trader_;
  BacktestSeries series_;
};

using Log = std::vector<std::string>;

TEST_F(RunnerTest, RebuildsBookMessagesAndSkipsOtherInstruments) {
  Stream s;
  s.book(0, -1, {{1000, 5}, {999, 7}}, {{1001, 3}}, true);
  s.snapshot(1, -1, 500, 501, /*inst=*/1);  // another instrument: 4 records skipped
  s.trade(2, -1, Side::kSell, 500, 1, /*inst=*/1);
  s.book(3, -1, {{1000, 0}}, {}, false);
  s.book(4, -1, {}, {}, false);  // an empty message (heartbeat)
  s.trade(5, -1, Side::kBuy, 1001, 2);
  const BacktestStatus st = run(s);
  ASSERT_TRUE(st.ok);
  EXPECT_EQ(st.events, s.ev.size());
  EXPECT_EQ(st.other_instrument_events, 5u);
  EXPECT_EQ(st.traded_events, s.ev.size() - 5);
  EXPECT_EQ(st.book_messages, 3u);
  EXPECT_EQ(st.trades, 1u);
  EXPECT_EQ(st.truncated_messages, 0u);
  EXPECT_EQ(trader_.log, (Log{"book u=1 @0", "book u=3 @3", "book u=4 @4", "trade 1001 @5"}));
  ASSERT_EQ(trader_.books.size(), 3u);
  EXPECT_TRUE(trader_.books[0].snapshot);
  EXPECT_EQ(trader_.books[0].bid_count, 2u);
  EXPECT_EQ(trader_.books[0].ask_count, 1u);
  EXPECT_EQ(trader_.book_bids[0][1].price.ticks, 999);
  EXPECT_EQ(trader_.book_bids[0][1].qty.lots, 7);
  EXPECT_EQ(trader_.books[0].depth, 200);
  EXPECT_FALSE(trader_.books[1].snapshot);
  EXPECT_EQ(trader_.books[1].bid_count, 1u);
  EXPECT_EQ(trader_.books[1].ask_count, 0u);
  EXPECT_EQ(trader_.books[2].bid_count + trader_.books[2].ask_count, 0u);
  EXPECT_EQ(series_.market_trades, 1u);
  EXPECT_EQ(series_.market_volume_lots, 2);
  EXPECT_EQ(series_.events, s.ev.size());
  // The exchange's book: bid 1000 deleted -> best bid 999, ask 1001.
  EXPECT_EQ(venue_->mid_half_ticks(), 2000);
}

TEST_F(RunnerTest, SnapshotsAboveAThousandLevelsGrowTheBufferOnce) {
  Stream s;
  std::vector<std::pair<int64_t, int64_t>> bids, asks;
  for (int i = 0; i < 1500; ++i) {
    bids.push_back({100000 - i, 1});
    asks.push_back({100001 + i, 1});
  }
  s.book(0, -1, bids, asks, true);
  s.book(1, -1, bids, asks, true);
  const BacktestStatus st = run(s);
  // Bids and asks once each, in each cursor's buffers (the exchange's and ours).
  EXPECT_EQ(st.level_buffer_growths, 4u);
  ASSERT_EQ(trader_.books.size(), 2u);
  EXPECT_EQ(trader_.books[1].bid_count, 1500u);
  EXPECT_EQ(trader_.books[1].ask_count, 1500u);
  EXPECT_EQ(trader_.book_bids[1][1499].price.ticks, 100000 - 1499);
}

TEST_F(RunnerTest, ARunCutByTheEndOfDataIsDropped) {
  Stream s;
  s.snapshot(0, -1, 1000, 1001);
  s.snapshot(1, -1, 1000, 1001);
  s.ev.back().flags &= static_cast<uint8_t>(~kEvEndOfMessage);
  const BacktestStatus st = run(s);
  EXPECT_EQ(st.book_messages, 1u);
  EXPECT_EQ(st.truncated_messages, 1u);
}

TEST_F(RunnerTest, NoEventOfTheTradedInstrumentIsAnError) {
  Stream s;
  s.snapshot(0, -1, 1000, 1001, 3);
  const BacktestStatus st = run(s);
  EXPECT_FALSE(st.ok);
  EXPECT_EQ(st.error, "no event of the traded instrument");
}

TEST_F(RunnerTest, ReceiveTimeFromTheDataOrFromTheFeedModel) {
  Stream s;
  s.snapshot(0, 7, 1000, 1001);        // recorded receive time 7 ms
  s.trade(1, 4, Side::kBuy, 1001, 1);  // recorded before the previous one: kept in order (clamped to 7)
  s.snapshot(10, -1, 1000, 1001);      // no receive time: exch + feed latency (3 ms)
  cfg_.feed_latency.constant_ns = 3 * kMs;
  run(s);
  EXPECT_EQ(trader_.log, (Log{"book u=1 @7", "trade 1001 @7", "book u=2 @13"}));
  trader_ = ScriptedTrader{};
  cfg_.feed_time = FeedTime::kModel;  // ignore recorded times
  run(s);
  EXPECT_EQ(trader_.log, (Log{"book u=1 @3", "trade 1001 @4", "book u=2 @13"}));
}

// RunOptions::timer_ns (mm parity: the live node's timer): the decision path also runs every period of our
// time, each call at its own time, between the market events; none without it.
TEST_F(RunnerTest, TheTimerDecidesEveryPeriodBetweenMarketEvents) {
  Stream s;
  s.snapshot(0, -1, 1000, 1001);
  s.trade(25, -1, Side::kBuy, 1001, 1);
  s.snapshot(45, -1, 1000, 1001);
  run(s);
  EXPECT_EQ(trader_.log, (Log{"book u=1 @0", "trade 1001 @25", "book u=2 @45"}));
  trader_ = ScriptedTrader{};
  RunOptions o;
  o.timer_ns = 10 * kMs;
  run(s, o);
  EXPECT_EQ(trader_.log, (Log{"book u=1 @0", "timer @10", "timer @20", "trade 1001 @25", "timer @30",
                              "timer @40", "book u=2 @45"}));
}

TEST_F(RunnerTest, BothCursorsSeeTheSameNonDecreasingExchangeTimes) {
  Stream s;
  s.snapshot(0, -1, 1000, 1001);
  Event mark;
  mark.exch_ts_ns = mark.local_ts_ns = Stream::t(10);  // a ticker stamped later than the next book
  mark.kind = EventKind::kMarkPrice;
  mark.price = 10'005'000'000;
  s.ev.push_back(mark);
  s.snapshot(5, -1, 1002, 1003);
  const BacktestStatus st = run(s);
  // The book is taken at 10 ms on both sides: we never receive it before the exchange has applied it.
  EXPECT_EQ(trader_.log, (Log{"book u=1 @0", "book u=2 @10"}));
  EXPECT_EQ(st.mark_events, 1u);
  EXPECT_EQ(st.last_exch_ns, Stream::t(10));
}

// The recording says we receive everything 100 ms after the exchange. Our bid, sent when we see the first
// book (local 100 ms), reaches the exchange at 105 ms: after the print through it at 104 ms (no fill), before
// the one at 110 ms (fill). The exchange has processed that fill, and its answers are due (111 ms), before we
// even see the 104 ms print at local 204 ms: they are delivered first.
TEST_F(RunnerTest, TheExchangeRunsAheadOfOurReceiveTime) {
  Stream s;
  s.snapshot(0, 100, 1000, 1001);
  s.trade(104, 204, Side::kSell, 999, 5);
  s.trade(110, 210, Side::kSell, 999, 5);
  s.snapshot(300, 400, 1000, 1001);
  trader_.on_first_book = {post_only("b-1", Side::kBuy, 1000, 2)};
  const BacktestStatus st = run(s);
  EXPECT_EQ(trader_.log, (Log{"book u=1 @100", "create_acked @106", "order New @106", "exec 2 @111",
                              "order Filled @111", "trade 999 @204", "trade 999 @210", "book u=2 @400"}));
  EXPECT_EQ(st.deliveries, 4u);
  ASSERT_EQ(series_.fills.size(), 1u);
  EXPECT_EQ(series_.fills[0].ts_ns, Stream::t(110));
  EXPECT_EQ(venue_->account().lots(), 2);
}

TEST_F(RunnerTest, SamplesMarkoutsUptimeAndTimeAtLimit) {
  Stream s;
  s.snapshot(0, -1, 1000, 1001);
  s.trade(500, -1, Side::kSell, 999, 5);  // fills our bid at 500 ms
  s.snapshot(2000, -1, 1010, 1011);       // mid 1010 from 2 s
  s.snapshot(6200, -1, 1020, 1021);       // mid 1020 from 6.2 s; data ends here
  trader_.on_first_book = {post_only("b-1", Side::kBuy, 1000, 1), post_only("s-1", Side::kSell, 1025, 1)};
  cfg_.sample_ns = kSec;
  RunOptions opt;
  opt.max_position_lots = 1;
  const BacktestStatus st = run(s, opt);
  ASSERT_TRUE(st.ok);
  // Samples at 0, 1, ..., 6 s and the end (6.2 s).
  ASSERT_EQ(series_.samples.size(), 8u);
  EXPECT_EQ(series_.samples[0].ts_ns, kT0);
  EXPECT_EQ(series_.samples[0].bid_quote_ticks, 0);  // our orders arrive at 5 ms
  EXPECT_EQ(series_.samples[1].ts_ns, kT0 + kSec);
  EXPECT_EQ(series_.samples[1].bid_quote_ticks, 0);  // filled at 0.5 s
  EXPECT_EQ(series_.samples[1].ask_quote_ticks, 1025);
  EXPECT_EQ(series_.samples[1].position_lots, 1);
  EXPECT_EQ(series_.samples[1].mid_half_ticks, 2001);
  EXPECT_EQ(series_.samples[3].mid_half_ticks, 2021);
  // Mids are exact (half ticks): 1000 / 1001 is 1000.5, not 1000. Equity at 3 s: long 1 lot from 1000, mid
  // 1010.5: +10.5 ticks * 0.10 * 0.001 = 0.00105 USDT = 105000 units, minus the maker fee 0.0002 * 0.1 USDT =
  // 2000 units.
  EXPECT_EQ(series_.samples[3].fees_units, 2000);
  EXPECT_EQ(series_.samples[3].equity_units, 105000 - 2000);
  EXPECT_EQ(series_.samples[7].ts_ns, Stream::t(6200));
  EXPECT_EQ(series_.samples[7].mid_half_ticks, 2041);
  // Markouts of the 0.5 s fill: +1 s (1.5 s) mid 1000.5, +5 s (5.5 s) mid 1010.5, +30 s after the end: 0.
  ASSERT_EQ(series_.fills.size(), 1u);
  EXPECT_EQ(series_.fills[0].mid_half_ticks, 2001);
  EXPECT_EQ(series_.fills[0].mid_after_half_ticks[0], 2001);
  EXPECT_EQ(series_.fills[0].mid_after_half_ticks[1], 2021);
  EXPECT_EQ(series_.fills[0].mid_after_half_ticks[2], 0);
  // Both sides quoted from 5 ms to 500 ms; at least one side from 5 ms to the end; at the limit (|1| >= 1)
  // from 500 ms to the end.
  EXPECT_EQ(series_.quoted_both_ns, 495 * kMs);
  EXPECT_EQ(series_.quoted_any_ns, 6195 * kMs);
  EXPECT_EQ(series_.time_at_limit_ns, 5700 * kMs);
  EXPECT_EQ(series_.max_position_lots, 1);
  EXPECT_EQ(series_.start_ns, kT0);
  EXPECT_EQ(series_.end_ns, Stream::t(6200));
  EXPECT_EQ(series_.orders_created, 2u);
  EXPECT_EQ(series_.orders_filled, 1u);
}

void count_progress(void* ctx, uint64_t done, uint64_t total) noexcept {
  static_cast<std::vector<std::pair<uint64_t, uint64_t>>*>(ctx)->push_back({done, total});
}

TEST_F(RunnerTest, ProgressIsReportedEveryNEventsAndAtTheEnd) {
  Stream s;
  for (int i = 0; i < 10; ++i) s.snapshot(i, -1, 1000, 1001);  // 4 records each
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  RunOptions opt;
  opt.progress_every = 16;
  opt.progress = &count_progress;
  opt.progress_ctx = &calls;
  run(s, opt);
  EXPECT_EQ(calls, (std::vector<std::pair<uint64_t, uint64_t>>{{16, 40}, {32, 40}, {40, 40}}));
}

// Ties go to the market: our bid sent at 0 arrives at 5 ms (entry latency), the same nanosecond as a sell
// printed through its price. The print happened first, so the bid rests unfilled; a print one millisecond
// later fills it.
TEST_F(RunnerTest, AnOrderArrivingWithAMarketEventIsProcessedAfterIt) {
  Stream s;
  s.snapshot(0, -1, 1000, 1001);
  s.trade(5, -1, Side::kSell, 999, 5);  // at exactly the arrival time
  s.trade(6, -1, Side::kSell, 999, 5);
  trader_.on_first_book = {post_only("b-1", Side::kBuy, 1000, 1)};
  cfg_.entry_latency.constant_ns = 5 * kMs;
  const BacktestStatus st = run(s);
  ASSERT_TRUE(st.ok);
  ASSERT_EQ(series_.fills.size(), 1u);
  EXPECT_EQ(series_.fills[0].ts_ns, Stream::t(6));
  // Arriving one nanosecond before the print, the bid is there to meet it.
  cfg_.entry_latency.constant_ns = 5 * kMs - 1;
  trader_ = ScriptedTrader{};
  trader_.on_first_book = {post_only("b-1", Side::kBuy, 1000, 1)};
  ASSERT_TRUE(run(s).ok);
  ASSERT_EQ(series_.fills.size(), 1u);
  EXPECT_EQ(series_.fills[0].ts_ns, Stream::t(5));
}

// Data without receive times (Bybit history files) is received at exchange time + the feed latency, 10 ms by
// default; a recorded receive time is used as it is.
TEST_F(RunnerTest, DataWithoutReceiveTimesGetsTheDefaultFeedLatency) {
  cfg_ = SimConfig{};
  cfg_.funding = FundingMode::kNone;
  EXPECT_EQ(cfg_.feed_latency.constant_ns, 10 * kMs);
  Stream s;
  s.snapshot(0, -1, 1000, 1001);   // no receive time
  s.snapshot(20, 23, 1000, 1001);  // received at 23 ms
  ASSERT_TRUE(run(s).ok);
  EXPECT_EQ(trader_.log, (Log{"book u=1 @10", "book u=2 @23"}));
}

// A window that starts after the data's only snapshot: the runner is handed the book rebuilt before it
// (RunOptions::initial_book) and both sides start from it.
TEST_F(RunnerTest, InitialBookStartsAWindowWithoutASnapshot) {
  Stream full;
  full.snapshot(0, -1, 1000, 1001);
  full.book(10, -1, {{1000, 4}}, {{1001, 0}, {1002, 6}}, false);  // ask 1001 gone: best ask 1002
  full.book(20, -1, {{1001, 2}}, {}, false);                      // window starts here: bid 1001
  full.trade(30, -1, Side::kSell, 999, 5);
  std::vector<PriceLevel> bids, asks;
  uint16_t depth = 0;
  int64_t last_u = -1;
  const std::span<const Event> before(full.ev.data(), 7);  // the snapshot (4 records) and the first delta (3)
  ASSERT_TRUE(initial_book_before(before, 0, 4096, 1000, bids, asks, depth, last_u));
  EXPECT_EQ(depth, 200);
  // The u of the last message before the window (the delta, u = 2): the rebuilt snapshot carries it, so the
  // window's first delta (u = 3) is in sequence. It used to carry u = 0, which made that delta a gap: the
  // book went untrusted and a windowed backtest halted on stale_book.
  EXPECT_EQ(last_u, 2);
  ASSERT_EQ(bids.size(), 2u);
  EXPECT_EQ(bids[0].price.ticks, 1000);
  EXPECT_EQ(bids[0].qty.lots, 4);
  ASSERT_EQ(asks.size(), 1u);
  EXPECT_EQ(asks[0].price.ticks, 1002);
  EXPECT_FALSE(initial_book_before(std::span<const Event>(full.ev.data() + 4, 3), 0, 4096, 1000, bids, asks,
                                   depth, last_u));  // deltas only: unknown book

  Stream window;
  window.ev.assign(full.ev.begin() + 7, full.ev.end());
  BookUpdate u;
  u.snapshot = true;
  u.update_id = 2;
  u.bids = bids.data();
  u.bid_count = static_cast<uint32_t>(bids.size());
  u.asks = asks.data();
  u.ask_count = static_cast<uint32_t>(asks.size());
  RunOptions opt;
  opt.initial_book = &u;
  ASSERT_TRUE(run(window, opt).ok);
  EXPECT_EQ(trader_.log, (Log{"book u=2 @20", "book u=3 @20", "trade 999 @30"}));
  // The exchange's book is the rebuilt one plus the window's delta.
  EXPECT_EQ(venue_->engine().book().best_bid()->price.ticks, 1001);
  EXPECT_EQ(venue_->engine().book().best_ask()->price.ticks, 1002);
}

}  // namespace
}  // namespace mm
