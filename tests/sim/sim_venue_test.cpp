// SimVenue: order lifecycle as Bybit answers it, latency, fees, funding, rate limits, on hand-built markets.
#include "sim/sim_venue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "strategy/venue.h"
#include "tests/support/instruments.h"

namespace mm {
namespace {

static_assert(Venue<SimVenue>);

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;
// 2026-08-10 00:00:00 UTC is on the 8 h funding grid; the generic tests start 10 s before it, with funding off.
constexpr int64_t kFundingT = 1'786'320'000LL * kSec;
constexpr int64_t kT0 = kFundingT - 10 * kSec;

using test::btcusdt;

// Records every answer with its local delivery time (ms after kT0).
struct Recorder {
  const SimVenue* venue = nullptr;
  std::vector<std::string> log;
  std::vector<Execution> execs;
  std::vector<OrderUpdate> orders;

  std::string at() const { return " @" + std::to_string((venue->now_ns() - kT0) / kMs); }
  void on_acked(std::string_view link, OrderEventKind k, std::string_view order_id) {
    log.push_back("ack " + std::string(to_string(k)) + " " + std::string(link) + " id=" + std::string(order_id) + at());
  }
  void on_create_rejected(std::string_view link) { log.push_back("create_rejected " + std::string(link) + at()); }
  void on_rejected(std::string_view link, OrderEventKind k) {
    log.push_back(std::string(to_string(k)) + " " + std::string(link) + at());
  }
  void on_order(const OrderUpdate& u) {
    static const char* kNames[] = {"Unknown", "Created", "New", "PartiallyFilled", "Filled", "Cancelled", "Rejected"};
    std::string s = "order " + std::string(u.order_link_id.view()) + " " +
                    kNames[static_cast<int>(u.status)] + " px=" + std::to_string(u.price.ticks) +
                    " qty=" + std::to_string(u.qty.lots) + " cum=" + std::to_string(u.cum_exec_qty.lots) +
                    " leaves=" + std::to_string(u.leaves_qty.lots);
    if (u.reject_reason == RejectReason::kPostOnlyWillTakeLiquidity) s += " EC_PostOnlyWillTakeLiquidity";
    log.push_back(s + at());
    orders.push_back(u);
  }
  void on_execution(const Execution& e) {
    log.push_back("exec " + std::string(e.order_link_id.view()) + " " + std::to_string(e.exec_qty.lots) + "@" +
                  std::to_string(e.exec_price.ticks) + (e.is_maker ? " maker" : " taker") +
                  " fee=" + std::to_string(e.exec_fee.units) + " leaves=" + std::to_string(e.leaves_qty.lots) + at());
    execs.push_back(e);
  }
};

class SimVenueTest : public ::testing::Test {
 protected:
  SimVenueTest() {
    cfg_.queue.kind = QueueModelKind::kRiskAverse;
    cfg_.entry_latency.constant_ns = 5 * kMs;
    cfg_.response_latency.constant_ns = 1 * kMs;
    cfg_.funding = FundingMode::kNone;
    cfg_.max_orders = 64;
  }

  void make(int64_t start = kT0) {
    venue_ = std::make_unique<SimVenue>(inst_, 0, cfg_);
    rec_.venue = venue_.get();
    venue_->attach_series(&series_);
    venue_->start(start);
    venue_->set_local_time(start);
  }

  // Exchange and local clocks to kT0 + ms; delivers answers due by then.
  void at(int64_t ms) {
    venue_->advance_exchange_to(kT0 + ms * kMs);
    venue_->deliver_until(kT0 + ms * kMs, rec_);
  }

  // A snapshot: bids bid, bid-1, ... and asks ask, ask+1, ... of 10 lots each.
  void snapshot(int64_t bid, int64_t ask, int depth = 5) {
    levels_.clear();
    for (int i = 0; i < depth; ++i) levels_.push_back({Price{bid - i}, Qty{10}});
    for (int i = 0; i < depth; ++i) levels_.push_back({Price{ask + i}, Qty{10}});
    BookUpdate u;
    u.instrument = 0;
    u.snapshot = true;
    u.update_id = ++update_id_;
    u.bids = levels_.data();
    u.bid_count = static_cast<uint32_t>(depth);
    u.asks = levels_.data() + depth;
    u.ask_count = static_cast<uint32_t>(depth);
    venue_->on_book(u);
  }

  void level(Side side, int64_t price, int64_t qty) {
    PriceLevel l{Price{price}, Qty{qty}};
    BookUpdate u;
    u.instrument = 0;
    u.update_id = ++update_id_;
    if (side == Side::kBuy) {
      u.bids = &l;
      u.bid_count = 1;
    } else {
      u.asks = &l;
      u.ask_count = 1;
    }
    venue_->on_book(u);
  }

  void trade(Side taker, int64_t price, int64_t qty) {
    TradeEvent t;
    t.instrument = 0;
    t.taker_side = taker;
    t.price = Price{price};
    t.qty = Qty{qty};
    venue_->on_trade(t);
  }

  static OrderCreate create(const char* link, Side side, int64_t price, int64_t qty,
                            TimeInForce tif = TimeInForce::kPostOnly, OrderType type = OrderType::kLimit) {
    OrderCreate c;
    c.instrument = 0;
    c.side = side;
    c.type = type;
    c.tif = tif;
    c.price = Price{price};
    c.qty = Qty{qty};
    EXPECT_EQ(make_link_id(link, c.link_id), LinkIdError::kOk);
    return c;
  }
  bool send(const OrderCreate& c) { return venue_->send_creates({&c, 1}); }
  bool cancel(const char* link) {
    OrderCancel c;
    c.instrument = 0;
    EXPECT_EQ(make_link_id(link, c.link_id), LinkIdError::kOk);
    return venue_->send_cancels({&c, 1});
  }

  Instrument inst_ = btcusdt();
  SimConfig cfg_;
  std::unique_ptr<SimVenue> venue_;
  BacktestSeries series_;
  Recorder rec_;
  std::vector<PriceLevel> levels_;
  int64_t update_id_ = 0;
};

using Log = std::vector<std::string>;

// The same market and the same order; only the entry latency differs. With 0 ms the bid joins the queue at
// 1000 before the level empties and the sell through 999 fills it; with 50 ms it arrives after that print and
// rests, unfilled.
TEST_F(SimVenueTest, EntryLatencyChangesWhatFills) {
  for (const int64_t entry_ms : {0, 50}) {
    SCOPED_TRACE(entry_ms);
    cfg_.entry_latency.constant_ns = entry_ms * kMs;
    rec_ = Recorder{};
    series_ = BacktestSeries{};
    make();
    snapshot(1000, 1001);
    ASSERT_TRUE(send(create("b-1", Side::kBuy, 1000, 1)));
    at(20);
    level(Side::kBuy, 1000, 0);
    trade(Side::kSell, 999, 5);
    at(100);
    if (entry_ms == 0) {
      EXPECT_EQ(rec_.log, (Log{"ack create_acked b-1 id=1 @1", "order b-1 New px=1000 qty=1 cum=0 leaves=1 @1",
                               "exec b-1 1@1000 maker fee=2000 leaves=0 @21",
                               "order b-1 Filled px=1000 qty=1 cum=1 leaves=0 @21"}));
      EXPECT_EQ(venue_->account().lots(), 1);
      ASSERT_EQ(series_.fills.size(), 1u);
      EXPECT_EQ(series_.fills[0].ts_ns, kT0 + 20 * kMs);
      EXPECT_EQ(series_.fills[0].mid_half_ticks, 2000);  // 999 + 1001 once the 1000 bid left: the mid 1000.0
    } else {
      EXPECT_EQ(rec_.log, (Log{"ack create_acked b-1 id=1 @51", "order b-1 New px=1000 qty=1 cum=0 leaves=1 @51"}));
      EXPECT_EQ(venue_->account().lots(), 0);
      EXPECT_TRUE(series_.fills.empty());
      EXPECT_EQ(venue_->best_own_bid(), 1000);
    }
  }
}

TEST_F(SimVenueTest, PostOnlyThatWouldCrossIsAckedThenCancelledWithBybitsReason) {
  make();
  snapshot(1000, 1001);
  ASSERT_TRUE(send(create("b-1", Side::kBuy, 1001, 1)));
  at(10);
  EXPECT_EQ(rec_.log, (Log{"ack create_acked b-1 id=1 @6",
                           "order b-1 Cancelled px=1001 qty=1 cum=0 leaves=0 EC_PostOnlyWillTakeLiquidity @6"}));
  ASSERT_EQ(rec_.orders.size(), 1u);
  EXPECT_EQ(rec_.orders[0].reject_text.view(), "EC_PostOnlyWillTakeLiquidity");
  EXPECT_EQ(rec_.orders[0].time_in_force, ReportedTimeInForce::kPostOnly);
  EXPECT_EQ(venue_->live_orders(), 0u);
  EXPECT_EQ(venue_->counters().rejected_post_only, 1u);
  EXPECT_EQ(venue_->account().lots(), 0);
}

TEST_F(SimVenueTest, PartialFillsThenFilledWithMakerRebates) {
  cfg_.maker_fee_rate = -1'000'000;  // -0.0001: a rebate
  make();
  snapshot(1000, 1001);
  ASSERT_TRUE(send(create("s-1", Side::kSell, 1001, 5)));
  at(10);  // rests behind the 10 lots displayed at 1001
  trade(Side::kBuy, 1001, 12);  // 10 ahead, 2 reach us
  at(20);
  trade(Side::kBuy, 1001, 10);  // the rest (3)
  at(30);
  // 2 lots at 100.10 = 0.2002 USDT -> rebate 0.00002002 = 2002 units; 3 lots -> 3003 units.
  EXPECT_EQ(rec_.log, (Log{"ack create_acked s-1 id=1 @6", "order s-1 New px=1001 qty=5 cum=0 leaves=5 @6",
                           "exec s-1 2@1001 maker fee=-2002 leaves=3 @11",
                           "order s-1 PartiallyFilled px=1001 qty=5 cum=2 leaves=3 @11",
                           "exec s-1 3@1001 maker fee=-3003 leaves=0 @21",
                           "order s-1 Filled px=1001 qty=5 cum=5 leaves=0 @21"}));
  ASSERT_EQ(rec_.orders.size(), 3u);
  EXPECT_EQ(rec_.orders[2].cum_exec_fee.units, -5005);
  EXPECT_EQ(rec_.orders[2].cum_exec_value.units, 50'050'000);
  EXPECT_EQ(rec_.execs[0].fee_rate, -1'000'000);
  EXPECT_EQ(rec_.execs[0].exec_value.units, 20'020'000);
  EXPECT_EQ(venue_->account().fees().units, -5005);
  EXPECT_EQ(venue_->account().lots(), -5);
  EXPECT_EQ(venue_->counters().orders_filled, 1u);
  ASSERT_EQ(series_.fills.size(), 2u);
  EXPECT_EQ(series_.fills[1].fee_units, -3003);
  EXPECT_EQ(series_.fills[1].position_after_lots, -5);
}

TEST_F(SimVenueTest, FeeSignsAndRoundingTowardTheExchange) {
  // Taker 0.00033 and maker -0.00033 on the same 0.2002 USDT notional: 6606.6 units each way. The fee is
  // rounded up (6607 paid), the rebate too (-6606 received): never in our favour.
  cfg_.taker_fee_rate = 3'300'000;
  cfg_.maker_fee_rate = -3'300'000;
  make();
  snapshot(1000, 1001);
  ASSERT_TRUE(send(create("t-1", Side::kBuy, 1001, 2, TimeInForce::kIoc)));  // crosses: takes 2 at 1001
  ASSERT_TRUE(send(create("m-1", Side::kSell, 1001, 2)));                    // rests (the ask level)
  at(10);
  trade(Side::kBuy, 1001, 12);
  at(20);
  ASSERT_EQ(rec_.execs.size(), 2u);
  EXPECT_FALSE(rec_.execs[0].is_maker);
  EXPECT_EQ(rec_.execs[0].exec_fee.units, 6607);
  EXPECT_TRUE(rec_.execs[1].is_maker);
  EXPECT_EQ(rec_.execs[1].exec_fee.units, -6606);
  EXPECT_EQ(venue_->account().fees().units, 1);
  EXPECT_EQ(venue_->account().lots(), 0);
  EXPECT_EQ(venue_->counters().taker_fills, 1u);
  EXPECT_EQ(venue_->counters().maker_fills, 1u);
  // Bybit's default VIP0 rates: maker 0.0002, taker 0.00055 -> both positive (paid).
  const SimConfig d;
  EXPECT_EQ(d.maker_fee_rate, 2'000'000);
  EXPECT_EQ(d.taker_fee_rate, 5'500'000);
}

TEST_F(SimVenueTest, IocRemainderIsCancelledAfterItsFill) {
  make();
  snapshot(1000, 1001);
  // 10 available at 1001: 1.001 USDT taken at the default taker rate 0.00055 = 0.00055055 USDT.
  ASSERT_TRUE(send(create("t-1", Side::kBuy, 1001, 15, TimeInForce::kIoc)));
  at(10);
  EXPECT_EQ(rec_.log, (Log{"ack create_acked t-1 id=1 @6", "exec t-1 10@1001 taker fee=55055 leaves=5 @6",
                           "order t-1 PartiallyFilled px=1001 qty=15 cum=10 leaves=5 @6",
                           "order t-1 Cancelled px=1001 qty=15 cum=10 leaves=0 @6"}));
  EXPECT_EQ(venue_->live_orders(), 0u);
}

TEST_F(SimVenueTest, FundingAtConstantRateLongPays) {
  cfg_.funding = FundingMode::kConstant;
  cfg_.funding_rate = 1'000'000;  // 0.0001
  make(kFundingT - 2 * kSec);
  EXPECT_EQ(venue_->next_funding_ns(), kFundingT);
  venue_->set_local_time(kFundingT - 2 * kSec);
  snapshot(1000, 1001);
  ASSERT_TRUE(send(create("t-1", Side::kBuy, 1001, 5, TimeInForce::kIoc)));
  venue_->advance_exchange_to(kFundingT - kSec);
  venue_->on_mark(10'000'000'000);  // mark 100.00 at ref scale 8 -> 1000 ticks
  venue_->advance_exchange_to(kFundingT + kSec);
  ASSERT_EQ(venue_->account().lots(), 5);
  // -5 lots * 100.00 * 0.001 = 0.5 USDT long; * 0.0001 = 0.00005 USDT paid = -5000 units.
  ASSERT_EQ(series_.funding.size(), 1u);
  EXPECT_EQ(series_.funding[0].ts_ns, kFundingT);
  EXPECT_EQ(series_.funding[0].rate, 1'000'000);
  EXPECT_EQ(series_.funding[0].position_lots, 5);
  EXPECT_EQ(series_.funding[0].mark_ticks, 1000);
  EXPECT_EQ(series_.funding[0].payment_units, -5000);
  EXPECT_EQ(venue_->account().funding().units, -5000);
  EXPECT_EQ(venue_->next_funding_ns(), kFundingT + 8 * 3600 * kSec);
}

TEST_F(SimVenueTest, FundingFromDataAtItsNextFundingTimeShortPaysANegativeRate) {
  cfg_.funding = FundingMode::kData;
  make(kFundingT - 3 * kSec);
  venue_->set_local_time(kFundingT - 3 * kSec);
  snapshot(1000, 1001);
  ASSERT_TRUE(send(create("t-1", Side::kSell, 1000, 3, TimeInForce::kIoc)));
  venue_->advance_exchange_to(kFundingT - 2 * kSec);
  ASSERT_EQ(venue_->account().lots(), -3);
  // The data announces a settlement off the 8 h grid (1 s before it) at -0.00012345.
  venue_->on_funding(-1'234'500, (kFundingT - kSec) / kMs);
  EXPECT_EQ(venue_->next_funding_ns(), kFundingT - kSec);
  venue_->advance_exchange_to(kFundingT + 2 * kSec);
  // No mark seen: the mid 1000.5 rounded up to the whole tick 1001 values the 3-lot short at 0.3003 USDT;
  // -(-0.3003) * -0.00012345 = -0.000037072 USDT: -3707.2 units, rounded down (toward the exchange) to -3708:
  // the short pays.
  ASSERT_EQ(series_.funding.size(), 1u);
  EXPECT_EQ(series_.funding[0].ts_ns, kFundingT - kSec);
  EXPECT_EQ(series_.funding[0].rate, -1'234'500);
  EXPECT_EQ(series_.funding[0].mark_ticks, 1001);
  EXPECT_EQ(series_.funding[0].payment_units, -3708);
  EXPECT_EQ(venue_->account().funding().units, -3708);
  EXPECT_EQ(venue_->next_funding_ns(), kFundingT - kSec + 8 * 3600 * kSec);
}

TEST_F(SimVenueTest, FundingFromDataBeforeAnyRateIsSkipped) {
  cfg_.funding = FundingMode::kData;
  make(kFundingT - 3 * kSec);
  snapshot(1000, 1001);
  venue_->advance_exchange_to(kFundingT + kSec);
  EXPECT_TRUE(series_.funding.empty());
  EXPECT_EQ(venue_->counters().funding_skipped, 1u);
}

TEST_F(SimVenueTest, EleventhCreateInOneSecondIsRejectedWith10006) {
  make();
  snapshot(1000, 1001);
  std::vector<OrderCreate> creates;
  for (int i = 0; i < 11; ++i) {
    creates.push_back(create(("b-" + std::to_string(i + 1)).c_str(), Side::kBuy, 990 - i, 1));
  }
  ASSERT_TRUE(venue_->send_creates(creates));
  at(10);
  ASSERT_EQ(rec_.log.size(), 21u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(rec_.log[2 * i], "ack create_acked b-" + std::to_string(i + 1) + " id=" + std::to_string(i + 1) + " @6");
  }
  EXPECT_EQ(rec_.log[20], "create_rejected b-11 @6");
  EXPECT_EQ(venue_->counters().rejected_rate_limit, 1u);
  // The next one-second window accepts again.
  at(1000);
  venue_->set_local_time(kT0 + 1000 * kMs);
  ASSERT_TRUE(send(create("b-12", Side::kBuy, 970, 1)));
  at(1010);
  EXPECT_EQ(rec_.log[21], "ack create_acked b-12 id=11 @1006");
}

// The window is opened by the first request and lasts a second (sim/rate_window.h, as the exchange simulator
// and Bybit count), not a clock second: a burst at 0.6 s still counts against a request at 1.1 s.
TEST_F(SimVenueTest, TheRateWindowStartsAtTheFirstRequestNotAtAClockSecond) {
  make();
  snapshot(1000, 1001);
  at(600);
  venue_->set_local_time(kT0 + 600 * kMs);
  // Ten single creates (one request each; a batch would count in the create-batch window instead).
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(send(create(("w-" + std::to_string(i + 1)).c_str(), Side::kBuy, 990 - i, 1)));
  // They arrive at 605 ms: the window is [605, 1605) ms.
  at(1100);
  venue_->set_local_time(kT0 + 1100 * kMs);
  ASSERT_TRUE(send(create("w-11", Side::kBuy, 970, 1)));  // arrives at 1105 ms: a new clock second
  at(1200);
  EXPECT_EQ(rec_.log.back(), "create_rejected w-11 @1106");
  EXPECT_EQ(venue_->counters().rejected_rate_limit, 1u);
  at(1700);
  venue_->set_local_time(kT0 + 1700 * kMs);
  ASSERT_TRUE(send(create("w-12", Side::kBuy, 969, 1)));
  at(1800);
  EXPECT_EQ(venue_->counters().rejected_rate_limit, 1u);
}

// A batch request's items count in the batch endpoint's own window (create-batch, at the create limit), not
// in the single create's, as the exchange simulator (and Bybit) keep one window per endpoint: `mm parity`'s
// two venues must refuse the same requests.
TEST_F(SimVenueTest, ABatchRequestCountsInTheBatchEndpointsWindowNotTheSingleOnes) {
  make();
  snapshot(1000, 1001);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(send(create(("s-" + std::to_string(i + 1)).c_str(), Side::kBuy, 990 - i, 1)));
  at(100);
  venue_->set_local_time(kT0 + 100 * kMs);
  EXPECT_EQ(venue_->counters().rejected_rate_limit, 0u);
  // The create window is full; a batch of 12 takes 10 from the create-batch window, the last 2 are refused.
  std::vector<OrderCreate> batch;
  for (int i = 0; i < 12; ++i)
    batch.push_back(create(("b-" + std::to_string(i + 1)).c_str(), Side::kBuy, 970 - i, 1));
  ASSERT_TRUE(venue_->send_creates(batch));
  at(200);
  EXPECT_EQ(venue_->counters().rejected_rate_limit, 2u);
  EXPECT_EQ(std::count(rec_.log.begin(), rec_.log.end(), "create_rejected b-11 @106"), 1);
  EXPECT_EQ(std::count(rec_.log.begin(), rec_.log.end(), "create_rejected b-12 @106"), 1);
  // A single create in the same second: the single window is still full.
  venue_->set_local_time(kT0 + 200 * kMs);
  ASSERT_TRUE(send(create("s-11", Side::kBuy, 950, 1)));
  at(300);
  EXPECT_EQ(venue_->counters().rejected_rate_limit, 3u);
  EXPECT_EQ(rec_.log.back(), "create_rejected s-11 @206");
}

TEST_F(SimVenueTest, CancelOfAFilledOrderIsRejectedAfterTheFill) {
  make();
  snapshot(1000, 1001);
  ASSERT_TRUE(send(create("b-1", Side::kBuy, 1000, 1)));
  at(15);
  ASSERT_TRUE(cancel("b-1"));  // arrives at 20 ms
  venue_->advance_exchange_to(kT0 + 18 * kMs);
  trade(Side::kSell, 999, 5);  // through our bid: filled at 18 ms
  at(30);
  EXPECT_EQ(rec_.log, (Log{"ack create_acked b-1 id=1 @6", "order b-1 New px=1000 qty=1 cum=0 leaves=1 @6",
                           "exec b-1 1@1000 maker fee=2000 leaves=0 @19",
                           "order b-1 Filled px=1000 qty=1 cum=1 leaves=0 @19", "cancel_rejected b-1 @21"}));
  EXPECT_EQ(venue_->counters().rejected_not_found, 1u);
}

TEST_F(SimVenueTest, CancelAmendAndCancelAll) {
  make();
  snapshot(1000, 1001);
  ASSERT_TRUE(send(create("b-1", Side::kBuy, 998, 2)));
  ASSERT_TRUE(send(create("s-1", Side::kSell, 1003, 2)));
  ASSERT_TRUE(send(create("s-2", Side::kSell, 1004, 2)));
  at(10);
  rec_.log.clear();
  OrderAmend a;
  a.instrument = 0;
  ASSERT_EQ(make_link_id("b-1", a.link_id), LinkIdError::kOk);
  a.price = Price{999};
  a.qty = Qty{3};
  ASSERT_TRUE(venue_->send_amends({&a, 1}));
  ASSERT_TRUE(cancel("s-1"));
  ASSERT_TRUE(cancel("x-9"));  // never existed
  at(20);
  EXPECT_EQ(rec_.log, (Log{"ack amend_acked b-1 id=1 @16", "order b-1 New px=999 qty=3 cum=0 leaves=3 @16",
                           "ack cancel_acked s-1 id=2 @16", "order s-1 Cancelled px=1003 qty=2 cum=0 leaves=0 @16",
                           "cancel_rejected x-9 @16"}));
  EXPECT_EQ(venue_->best_own_bid(), 999);
  EXPECT_EQ(venue_->best_own_ask(), 1004);
  rec_.log.clear();
  CancelAll all;
  all.instrument = 0;
  ASSERT_TRUE(venue_->send_cancel_all(all));
  at(30);
  ASSERT_EQ(rec_.log.size(), 4u);
  EXPECT_EQ(venue_->live_orders(), 0u);
  EXPECT_EQ(venue_->counters().cancels_accepted, 3u);
  // Amending an order that is gone: 110001.
  rec_.log.clear();
  ASSERT_TRUE(venue_->send_amends({&a, 1}));
  at(40);
  EXPECT_EQ(rec_.log, (Log{"amend_rejected b-1 @36"}));
}

// `mm backtest --export`'s orders.csv: every action as it arrived, with the exchange's verdict and the
// order's resulting terms; nothing is kept unless asked.
TEST_F(SimVenueTest, RecordedOrdersCarryTheirArrivalAndVerdict) {
  series_.record_orders = true;
  make();
  snapshot(1000, 1001);
  ASSERT_TRUE(send(create("b-1", Side::kBuy, 998, 2)));
  ASSERT_TRUE(send(create("s-1", Side::kSell, 1000, 2)));  // post-only through the bid: acked, then cancelled
  at(10);
  OrderAmend a;
  a.instrument = 0;
  ASSERT_EQ(make_link_id("b-1", a.link_id), LinkIdError::kOk);
  a.qty = Qty{3};
  ASSERT_TRUE(venue_->send_amends({&a, 1}));
  ASSERT_TRUE(cancel("x-9"));  // never existed
  at(20);
  ASSERT_TRUE(cancel("b-1"));
  CancelAll all;
  all.instrument = 0;
  ASSERT_TRUE(venue_->send_cancel_all(all));
  at(30);
  std::vector<std::string> got;
  for (const OrderRecord& r : series_.orders) {
    got.push_back(std::to_string((r.ts_ns - kT0) / kMs) + " " + std::string(r.action) + " " +
                  std::string(r.result) + " " + std::string(r.link_id.view()) + " " + std::string(r.side) +
                  " " + std::to_string(r.price_ticks) + " " + std::to_string(r.qty_lots));
  }
  EXPECT_EQ(got, (Log{"5 create accepted b-1 Buy 998 2", "5 create post_only s-1 Sell 1000 2",
                      "15 amend accepted b-1 Buy 998 3", "15 cancel not_found x-9  0 0",
                      "25 cancel accepted b-1 Buy 998 3", "25 cancel_all accepted   0 0"}));

  BacktestSeries quiet;
  venue_ = std::make_unique<SimVenue>(inst_, 0, cfg_);
  venue_->attach_series(&quiet);
  venue_->start(kT0);
  venue_->set_local_time(kT0);
  ASSERT_TRUE(send(create("b-2", Side::kBuy, 998, 2)));
  venue_->advance_exchange_to(kT0 + 10 * kMs);
  EXPECT_EQ(venue_->counters().creates_arrived, 1u);
  EXPECT_TRUE(quiet.orders.empty()) << "record_orders off: nothing kept";
}

TEST_F(SimVenueTest, InvalidAndDuplicateCreatesAreRejected) {
  make();
  snapshot(1000, 1001);
  ASSERT_TRUE(send(create("b-1", Side::kBuy, 990, 1)));
  ASSERT_TRUE(send(create("b-1", Side::kBuy, 989, 1)));  // link id live: 110072
  ASSERT_TRUE(send(create("b-2", Side::kBuy, 990, 0)));  // qty 0
  OrderCreate other = create("b-3", Side::kBuy, 990, 1);
  other.instrument = 7;
  ASSERT_TRUE(send(other));
  at(10);
  EXPECT_EQ(rec_.log, (Log{"ack create_acked b-1 id=1 @6", "order b-1 New px=990 qty=1 cum=0 leaves=1 @6",
                           "create_rejected b-1 @6", "create_rejected b-2 @6", "create_rejected b-3 @6"}));
  EXPECT_EQ(venue_->counters().rejected_invalid, 3u);
}

TEST_F(SimVenueTest, QueueFullRefusesLocally) {
  cfg_.action_capacity = 4;
  make();
  std::vector<OrderCreate> creates;
  for (int i = 0; i < 5; ++i) creates.push_back(create(("b-" + std::to_string(i)).c_str(), Side::kBuy, 990 - i, 1));
  EXPECT_FALSE(venue_->send_creates(creates));
  EXPECT_EQ(venue_->actions_in_flight(), 0u);
  EXPECT_EQ(venue_->counters().refused_local, 5u);
  EXPECT_TRUE(venue_->send_creates({creates.data(), 4}));
}

TEST_F(SimVenueTest, SampledEntryLatencyIsSeededAndFifo) {
  // Draws from {1 ms, 9 ms}: arrivals never overtake (FIFO), and the same seed gives the same arrival times.
  const std::string path = ::testing::TempDir() + "mm_sim_venue_lat_" + std::to_string(::getpid()) + ".txt";
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("1000000\n9000000\n", f);
  std::fclose(f);
  cfg_.entry_latency.file = path;
  cfg_.create_per_second = 100;  // 20 creates in 20 ms: not what this test is about
  auto run = [&](uint64_t seed) {
    cfg_.seed = seed;
    rec_ = Recorder{};
    series_ = BacktestSeries{};
    make();
    snapshot(1000, 1001);
    for (int i = 0; i < 20; ++i) {
      venue_->set_local_time(kT0 + i * kMs);
      EXPECT_TRUE(send(create(("b-" + std::to_string(i)).c_str(), Side::kBuy, 900 + i, 1)));
    }
    at(100);
    std::vector<std::string> acks;
    for (const std::string& s : rec_.log) {
      if (s.rfind("ack", 0) == 0) acks.push_back(s);
    }
    return acks;
  };
  const auto a = run(1);
  const auto b = run(1);
  const auto c = run(99);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  ASSERT_EQ(a.size(), 20u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NE(a[i].find("b-" + std::to_string(i) + " "), std::string::npos);
  std::remove(path.c_str());
}

TEST(SimVenueConfig, ValidateNamesTheField) {
  SimConfig c;
  EXPECT_EQ(c.validate(), "");
  c.entry_latency.constant_ns = -1;
  EXPECT_EQ(c.validate(), "backtest.entry_latency_ns must be >= 0");
  c = SimConfig{};
  c.response_latency.constant_ns = -1;
  EXPECT_EQ(c.validate(), "backtest.response_latency_ns must be >= 0");
  c = SimConfig{};
  c.maker_fee_rate = kRateOne;
  EXPECT_EQ(c.validate(), "backtest.maker_fee_rate must be in (-1, 1)");
  c = SimConfig{};
  c.create_per_second = 0;
  EXPECT_EQ(c.validate(), "backtest.create_per_second must be in [1, 1000000]");
  c = SimConfig{};
  c.sample_ns = 10;
  EXPECT_EQ(c.validate(), "backtest.sample_ns must be >= 1000000 (1 ms)");
  c = SimConfig{};
  c.funding_interval_ns = 0;
  EXPECT_EQ(c.validate(), "backtest.funding_interval_ns must be between 1 minute and 7 days");
  c = SimConfig{};
  c.max_orders = 0;
  EXPECT_EQ(c.validate(), "backtest.max_orders must be in [1, 65534]");
  c = SimConfig{};
  c.queue.power = -1;
  EXPECT_EQ(c.validate().rfind("backtest.queue", 0), 0u) << c.validate();
  // A latency file that does not exist: the venue refuses to start, naming it.
  c = SimConfig{};
  c.entry_latency.file = "/nonexistent/entry.txt";
  const Instrument in = btcusdt();
  try {
    SimVenue v(in, 0, c);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/entry.txt: cannot open (No such file or directory)");
  }
}

}  // namespace
}  // namespace mm
