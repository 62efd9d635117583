// The real decision loop through the backtester: Trader<SimVenue, FixedSpread> over the real cryptofeed
// recording (converted to events through the codec) and over hand-built markets. Determinism (byte-identical
// series), seeds, the Bybit lifecycle as the Trader sees it, and zero allocations per event.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "risk/risk_engine.h"
#include "runtime/backtest_runner.h"
#include "sim/event_convert.h"
#include "strategy/fixed_spread.h"
#include "strategy/trader.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

const std::string kRecording = std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";

struct VectorSink final : EventSink {
  std::vector<Event> events;
  bool put(const Event& e) noexcept override {
    events.push_back(e);
    return true;
  }
};

// The recording's BTCUSDT books and trades (linear and spot: the spot ones are another instrument to skip),
// converted once per process.
struct RecordingEvents {
  InstrumentRegistry registry;
  std::vector<Event> events;
  InstrumentId linear = kNoInstrument;
  std::string error;
};

const RecordingEvents& recording_events() {
  static const RecordingEvents r = [] {
    RecordingEvents out;
    out.error = scan_recording_instruments(kRecording, {}, out.registry);
    if (!out.error.empty()) return out;
    EventConvertOptions opt;
    opt.symbols = {"BTCUSDT"};
    VectorSink sink;
    const EventConvertResult res = convert_recording_events(kRecording, out.registry, opt, sink);
    if (res.status != ReadResult::kOk) out.error = res.message;
    out.events = std::move(sink.events);
    out.linear = out.registry.find(Category::kLinear, "BTCUSDT");
    return out;
  }();
  return r;
}

// Every field of the series, in a fixed order: two runs are identical iff these bytes are.
template <class T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
std::string series_bytes(const BacktestSeries& s) {
  std::string b;
  put(b, s.start_ns);
  put(b, s.end_ns);
  put(b, s.sample_ns);
  for (const SeriesSample& x : s.samples) {
    for (int64_t v : {x.ts_ns, x.mid_half_ticks, x.bid_quote_ticks, x.ask_quote_ticks, x.position_lots,
                      x.equity_units, x.fees_units, x.funding_units}) {
      put(b, v);
    }
  }
  for (const FillRecord& f : s.fills) {
    for (int64_t v :
         {f.ts_ns, static_cast<int64_t>(f.side), static_cast<int64_t>(f.maker), f.price_ticks, f.qty_lots,
          f.fee_units, f.mid_half_ticks, f.mid_after_half_ticks[0], f.mid_after_half_ticks[1],
          f.mid_after_half_ticks[2], f.position_after_lots, f.equity_after_units}) {
      put(b, v);
    }
  }
  for (const FundingRecord& f : s.funding) {
    for (int64_t v : {f.ts_ns, f.rate, f.position_lots, f.mark_ticks, f.payment_units}) put(b, v);
  }
  for (uint64_t v : {s.orders_created, s.orders_amended, s.orders_cancelled, s.orders_rejected,
                     s.orders_filled, s.market_trades, s.events}) {
    put(b, v);
  }
  for (int64_t v :
       {s.quoted_both_ns, s.quoted_any_ns, s.max_position_lots, s.time_at_limit_ns, s.market_volume_lots}) {
    put(b, v);
  }
  return b;
}

struct BtSetup {
  SimConfig sim;
  RiskConfig risk;
  FixedSpreadConfig fixed;
  TraderConfig trader;
  BtSetup() {
    risk.max_order_qty = "1";
    risk.max_position_qty = "2";
    risk.max_order_notional = "200000";
    risk.max_exposure_notional = "500000";
    fixed.half_spread_bps = 0;
    fixed.half_spread_ticks = 1;
    fixed.order_size_lots = 5;
    trader.max_position_lots = 2000;
    sim.sample_ns = 100'000'000;
  }
};

// One full backtest; everything built fresh.
struct Backtest {
  SimVenue venue;
  FixedSpread strategy;
  RiskEngine risk;
  Trader<SimVenue, FixedSpread> trader;
  BacktestRunner runner;
  BacktestSeries series;
  BacktestStatus status;

  Backtest(const Instrument& inst, InstrumentId id, const BtSetup& s)
      : venue(inst, id, s.sim),
        strategy(s.fixed),
        risk(s.risk, inst, id),
        trader(inst, id, venue, strategy, risk, s.trader),
        runner(s.sim) {}

  void run(std::span<const Event> events, uint16_t data_instrument) {
    RunOptions opt;
    opt.data_instrument = data_instrument;
    opt.max_position_lots = 2000;
    status = runner.run(events, venue, trader, series, opt);
  }
};

std::string write_latency_file(const std::string& text) {
  const std::string path = ::testing::TempDir() + "mm_bt_lat_" + std::to_string(::getpid()) + ".txt";
  FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

TEST(BacktestTrader, RealRecordingTwoRunsAreByteIdentical) {
  const RecordingEvents& rec = recording_events();
  ASSERT_EQ(rec.error, "");
  ASSERT_NE(rec.linear, kNoInstrument);
  ASSERT_GT(rec.events.size(), 1000u);
  const Instrument& inst = rec.registry.get(rec.linear);
  BtSetup s;
  s.sim.entry_latency.file = write_latency_file("# entry ns\n2000000 5\n4000000 3\n9000000 1\n25000000 1\n");
  s.sim.seed = 7;
  auto a = std::make_unique<Backtest>(inst, rec.linear, s);
  a->run(rec.events, rec.linear);
  auto b = std::make_unique<Backtest>(inst, rec.linear, s);
  b->run(rec.events, rec.linear);
  ASSERT_TRUE(a->status.ok);
  EXPECT_GT(a->status.other_instrument_events, 0u);  // the spot BTCUSDT records
  EXPECT_GT(a->status.book_messages, 100u);
  EXPECT_GT(a->series.orders_created, 0u);
  EXPECT_GT(a->series.samples.size(), 100u);
  EXPECT_GT(a->series.quoted_both_ns, 0);
  EXPECT_EQ(a->venue.counters().responses_dropped, 0u);
  EXPECT_EQ(a->venue.counters().account_errors, 0u);
  // The Trader's view of the position agrees with the exchange's account.
  EXPECT_EQ(a->trader.position().lots(), a->venue.account().lots());
  EXPECT_EQ(a->trader.position().fees(), a->venue.account().fees());
  const std::string bytes_a = series_bytes(a->series);
  EXPECT_EQ(bytes_a, series_bytes(b->series));

  // Another seed draws other entry latencies: another outcome.
  s.sim.seed = 8;
  auto c = std::make_unique<Backtest>(inst, rec.linear, s);
  c->run(rec.events, rec.linear);
  EXPECT_NE(bytes_a, series_bytes(c->series));
  std::remove(s.sim.entry_latency.file.c_str());
  std::printf("[ info     ] events %zu, books %lu, orders %lu, fills %zu, rejected %lu\n", rec.events.size(),
              static_cast<unsigned long>(a->status.book_messages),
              static_cast<unsigned long>(a->series.orders_created), a->series.fills.size(),
              static_cast<unsigned long>(a->series.orders_rejected));
}

TEST(BacktestTrader, NoAllocationPerEvent) {
  const RecordingEvents& rec = recording_events();
  ASSERT_EQ(rec.error, "");
  const Instrument& inst = rec.registry.get(rec.linear);
  BtSetup s;
  const std::span<const Event> all(rec.events);
  // A run over half the data and one over all of it allocate the same (start-up reserves only).
  uint64_t allocs[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    auto bt = std::make_unique<Backtest>(inst, rec.linear, s);
    const std::span<const Event> part = k == 0 ? all.first(all.size() / 2) : all;
    test::AllocScope scope;
    bt->run(part, rec.linear);
    allocs[k] = scope.allocations();
    ASSERT_TRUE(bt->status.ok);
  }
  EXPECT_EQ(allocs[0], allocs[1]);
  EXPECT_LE(allocs[1], 4u);  // the series' reserves
}

// Forwards everything to the real Trader and logs what the order stream said.
template <class T>
struct Spy {
  T& trader;
  const SimVenue& venue;
  int64_t t0 = 0;
  std::vector<std::string> log;
  std::string at() const { return " @" + std::to_string((venue.now_ns() - t0) / 1'000'000); }
  void on_book(const BookUpdate& u, int64_t ns) { (void)trader.on_book(u, ns); }
  void on_trade(const TradeEvent& t) { trader.on_trade(t); }
  void on_order(const OrderUpdate& u) {
    static const char* kNames[] = {"Unknown", "Created", "New", "PartiallyFilled", "Filled", "Cancelled"};
    std::string line = std::string(u.order_link_id.view()) + " " + kNames[static_cast<int>(u.status)] +
                       " cum=" + std::to_string(u.cum_exec_qty.lots);
    if (u.reject_reason == RejectReason::kPostOnlyWillTakeLiquidity) line += " EC_PostOnlyWillTakeLiquidity";
    log.push_back(line + at());
    trader.on_order(u);
  }
  void on_execution(const Execution& e) {
    log.push_back(std::string(e.order_link_id.view()) + " exec " + std::to_string(e.exec_qty.lots) + at());
    trader.on_execution(e);
  }
  void on_acked(std::string_view l, OrderEventKind k, std::string_view id) {
    log.push_back(std::string(l) + " " + std::string(to_string(k)) + at());
    trader.on_acked(l, k, id);
  }
  void on_create_rejected(std::string_view l) {
    log.push_back(std::string(l) + " create_rejected" + at());
    trader.on_create_rejected(l);
  }
  void on_rejected(std::string_view l, OrderEventKind k) {
    log.push_back(std::string(l) + " " + std::string(to_string(k)) + at());
    trader.on_rejected(l, k);
  }
};

class HandBuiltTrader : public ::testing::Test {
 protected:
  static constexpr int64_t kMs = 1'000'000;
  static constexpr int64_t kT0 = 1'786'319'990'000'000'000;

  HandBuiltTrader() {
    EXPECT_EQ(
        make_instrument({Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"},
                        inst_),
        InstrumentError::kOk);
    s_.fixed.half_spread_ticks = 5;
    s_.fixed.order_size_lots = 10;
    s_.sim.queue.kind = QueueModelKind::kRiskAverse;
    s_.sim.funding = FundingMode::kNone;
    s_.sim.entry_latency.constant_ns = 5 * kMs;
    s_.sim.response_latency.constant_ns = 1 * kMs;
    s_.sim.feed_latency.constant_ns = 0;  // the events are timed by hand (the default is 10 ms)
  }

  // A snapshot of 5 levels of 1000 lots a side: bids bid..bid-4, asks bid+1..bid+5 (as trader_test's).
  void snapshot(int64_t ms, int64_t bid) {
    ++u_;
    for (int i = 0; i < 10; ++i) {
      Event e;
      e.exch_ts_ns = e.local_ts_ns = kT0 + ms * kMs;
      e.kind = EventKind::kBookLevel;
      const bool is_bid = i < 5;
      e.price = is_bid ? bid - i : bid + 1 + (i - 5);
      e.qty = 1000;
      e.aux = u_;
      e.depth = 50;
      e.flags = static_cast<uint8_t>(kEvSnapshot | (is_bid ? kEvBuy : 0) | (i == 9 ? kEvEndOfMessage : 0));
      ev_.push_back(e);
    }
  }
  void trade(int64_t ms, Side taker, int64_t px, int64_t qty) {
    Event e;
    e.exch_ts_ns = e.local_ts_ns = kT0 + ms * kMs;
    e.kind = EventKind::kTrade;
    e.price = px;
    e.qty = qty;
    e.flags = taker == Side::kBuy ? kEvBuy : 0;
    ev_.push_back(e);
  }

  std::vector<std::string> run() {
    bt_ = std::make_unique<Backtest>(inst_, 0, s_);
    Spy<Trader<SimVenue, FixedSpread>> spy{bt_->trader, bt_->venue, kT0, {}};
    RunOptions opt;
    bt_->status = bt_->runner.run(ev_, bt_->venue, spy, bt_->series, opt);
    EXPECT_TRUE(bt_->status.ok);
    return spy.log;
  }

  Instrument inst_;
  BtSetup s_;
  std::vector<Event> ev_;
  int64_t u_ = 0;
  std::unique_ptr<Backtest> bt_;
};

using Log = std::vector<std::string>;

// FixedSpread quotes 649995 / 650006 (10 lots) on the first book. Two sells at 649995 (an empty level:
// nothing ahead of us) fill the bid 4 then 6 lots: the Trader sees PartiallyFilled, then Filled, and its
// position matches the exchange's.
TEST_F(HandBuiltTrader, PartialFillsReachTheTraderAsPartiallyFilledThenFilled) {
  snapshot(0, 650000);
  trade(20, Side::kSell, 649995, 4);
  trade(40, Side::kSell, 649995, 10);
  snapshot(100, 650000);
  const Log log = run();
  EXPECT_EQ(log, (Log{"mm-1 create_acked @6", "mm-1 New cum=0 @6", "mm-2 create_acked @6",
                      "mm-2 New cum=0 @6", "mm-1 exec 4 @21", "mm-1 PartiallyFilled cum=4 @21",
                      "mm-1 exec 6 @41", "mm-1 Filled cum=10 @41"}))
      << ::testing::PrintToString(log);
  EXPECT_EQ(bt_->trader.position().lots(), 10);
  EXPECT_EQ(bt_->venue.account().lots(), 10);
  EXPECT_EQ(bt_->trader.position().fees(), bt_->venue.account().fees());
  EXPECT_FALSE(bt_->trader.orders().find("mm-1").valid());  // settled and released
  ASSERT_EQ(bt_->series.fills.size(), 2u);
  EXPECT_EQ(bt_->series.fills[0].qty_lots, 4);
  EXPECT_EQ(bt_->series.fills[1].qty_lots, 6);
  EXPECT_EQ(bt_->series.fills[1].position_after_lots, 10);
}

// The same market and strategy with 0 and 50 ms of entry latency: a sell through our bid at 20 ms fills it
// when the bid is already resting (0 ms), and misses it when the bid is still on its way (arrives at 50 ms).
TEST_F(HandBuiltTrader, EntryLatencyChangesWhatFills) {
  snapshot(0, 650000);
  trade(20, Side::kSell, 649994, 50);
  snapshot(100, 650000);
  s_.sim.entry_latency.constant_ns = 0;
  const Log fast = run();
  EXPECT_EQ(fast, (Log{"mm-1 create_acked @1", "mm-1 New cum=0 @1", "mm-2 create_acked @1",
                       "mm-2 New cum=0 @1", "mm-1 exec 10 @21", "mm-1 Filled cum=10 @21"}))
      << ::testing::PrintToString(fast);
  EXPECT_EQ(bt_->trader.position().lots(), 10);
  ASSERT_EQ(bt_->series.fills.size(), 1u);
  EXPECT_EQ(bt_->series.fills[0].price_ticks, 649995);
  EXPECT_EQ(bt_->series.fills[0].ts_ns, kT0 + 20 * kMs);

  s_.sim.entry_latency.constant_ns = 50 * kMs;
  const Log slow = run();
  EXPECT_EQ(slow, (Log{"mm-1 create_acked @51", "mm-1 New cum=0 @51", "mm-2 create_acked @51",
                       "mm-2 New cum=0 @51"}))
      << ::testing::PrintToString(slow);
  EXPECT_EQ(bt_->trader.position().lots(), 0);
  EXPECT_TRUE(bt_->series.fills.empty());
}

// The market drops 10 ticks while our creates travel (5 ms): the bid at 649995 would now take liquidity, so
// Bybit acks it and cancels it with EC_PostOnlyWillTakeLiquidity; the ask rests. The Trader settles the bid
// and quotes a new one on the next book.
TEST_F(HandBuiltTrader, PostOnlyCrossIsAckedThenCancelledAndTheTraderRequotes) {
  snapshot(0, 650000);
  snapshot(2, 649990);
  snapshot(50, 649990);
  snapshot(100, 649990);
  const Log log = run();
  ASSERT_GE(log.size(), 4u);
  EXPECT_EQ(log, (Log{"mm-1 create_acked @6", "mm-1 Cancelled cum=0 EC_PostOnlyWillTakeLiquidity @6",
                      "mm-2 create_acked @6", "mm-2 New cum=0 @6", "mm-2 amend_acked @56",
                      "mm-2 New cum=0 @56", "mm-3 create_acked @56", "mm-3 New cum=0 @56"}))
      << ::testing::PrintToString(log);
  EXPECT_EQ(bt_->venue.counters().rejected_post_only, 1u);
  EXPECT_FALSE(bt_->trader.orders().find("mm-1").valid());
  // Around the new mid 649990.5: bid 649985, ask 649996 (bids rounded down, asks up).
  EXPECT_EQ(bt_->venue.best_own_bid(), 649985);
  EXPECT_EQ(bt_->venue.best_own_ask(), 649996);
  EXPECT_EQ(bt_->series.orders_rejected, 1u);
  EXPECT_EQ(bt_->series.orders_amended, 1u);
}

}  // namespace
}  // namespace mm
