// Trader<Venue, Strategy> end to end with a fake venue: book -> strategy -> risk -> quoter -> venue.
#include "strategy/trader.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstring>
#include <string_view>
#include <vector>

#include "strategy/fixed_spread.h"
#include "tests/strategy/strategy_test_util.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

struct FakeVenue {
  int64_t now = 1'786'310'820'000'000'000;
  std::vector<OrderCreate> creates;
  std::vector<OrderAmend> amends;
  std::vector<OrderCancel> cancels;
  std::vector<size_t> request_sizes;  // items of each accepted create/amend/cancel request, in order
  int cancel_alls = 0;
  bool refuse = false;              // refuse every request (disconnected)
  int accept_requests = INT32_MAX;  // then refuse every request after this many (buffer full mid-tick)
  int64_t now_ns() const noexcept { return now; }
  bool take() noexcept {
    if (refuse || accept_requests <= 0) return false;
    --accept_requests;
    return true;
  }
  template <class T>
  bool record(std::vector<T>& out, std::span<const T> a) noexcept {
    if (!take()) return false;
    out.insert(out.end(), a.begin(), a.end());
    request_sizes.push_back(a.size());
    return true;
  }
  bool send_creates(std::span<const OrderCreate> a) noexcept { return record(creates, a); }
  bool send_amends(std::span<const OrderAmend> a) noexcept { return record(amends, a); }
  bool send_cancels(std::span<const OrderCancel> a) noexcept { return record(cancels, a); }
  bool send_cancel_all(const CancelAll&) noexcept {
    if (!take()) return false;
    ++cancel_alls;
    return true;
  }
  void clear() {
    creates.clear();
    amends.clear();
    cancels.clear();
    request_sizes.clear();
  }
};
static_assert(Venue<FakeVenue>);

class TraderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inst_ = test::btc_instrument();
    risk_cfg_ = test::trader_risk_config();
    fixed_.half_spread_bps = 0;
    fixed_.half_spread_ticks = 5;
    fixed_.order_size_lots = 10;  // 0.010 BTC: above the 5 USDT minimum notional
    cfg_.max_position_lots = 2000;
  }

  // A two-sided book around 65000.00 (ticks of 0.10): best bid 650000, best ask 650001.
  BookUpdate snapshot(int64_t u, int64_t bid_ticks) { return snapshots_.snapshot(u, bid_ticks); }

  // The order stream reports each order New at its price and qty (live, nothing filled).
  template <class T>
  static void confirm(T& t, Side side, Price price, Qty qty, std::string_view link_id) {
    OrderUpdate u;
    u.instrument = 0;
    u.side = side;
    u.status = OrderStatus::kNew;
    u.price = price;
    u.qty = qty;
    u.leaves_qty = qty;
    ASSERT_TRUE(u.order_link_id.set(link_id));
    t.on_order(u);
  }
  template <class T>
  static void confirm_all(T& t, const std::vector<OrderCreate>& creates) {
    for (const OrderCreate& c : creates) confirm(t, c.side, c.price, c.qty, c.link_id.view());
  }
  // Orders of the table per state.
  static uint32_t count_in(const OrderTable& table, OrderState st) {
    uint32_t n = 0;
    table.for_each([&](OrderHandle, const OwnOrder& o) noexcept { n += o.state() == st ? 1 : 0; });
    return n;
  }

  Instrument inst_;
  RiskConfig risk_cfg_;
  FixedSpreadConfig fixed_;
  TraderConfig cfg_;
  test::SnapshotMaker snapshots_;
};

TEST_F(TraderTest, QuotesBothSidesOnFirstBookAndNothingWhenUnchanged) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  ASSERT_EQ(v.creates.size(), 2u);
  const OrderCreate& bid = v.creates[0].side == Side::kBuy ? v.creates[0] : v.creates[1];
  const OrderCreate& ask = v.creates[0].side == Side::kBuy ? v.creates[1] : v.creates[0];
  // mid = 650000.5 ticks; 5 ticks either side, bids rounded down and asks up.
  EXPECT_EQ(bid.price.ticks, 649995);
  EXPECT_EQ(ask.price.ticks, 650006);
  EXPECT_EQ(bid.qty.lots, 10);
  EXPECT_EQ(bid.tif, TimeInForce::kPostOnly);
  EXPECT_NE(bid.link_id.view(), ask.link_id.view());
  EXPECT_EQ(t.last_action_count(), 2u);

  // Same book again (new snapshot, same prices): the orders are pending (no ack yet) -> no action.
  v.clear();
  ASSERT_EQ(t.on_book(snapshot(2, 650000), v.now), SyncResult::kApplied);
  EXPECT_TRUE(v.creates.empty());
  EXPECT_TRUE(v.cancels.empty());
  EXPECT_TRUE(v.amends.empty());
}

TEST_F(TraderTest, MovesQuotesWhenTheMarketMovesOnceOrdersAreLive) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  ASSERT_EQ(v.creates.size(), 2u);
  // The order stream confirms both orders: they are live (New).
  for (const OrderCreate& c : v.creates) {
    OrderUpdate u;
    u.instrument = 0;
    u.side = c.side;
    u.status = OrderStatus::kNew;
    u.price = c.price;
    u.qty = c.qty;
    u.leaves_qty = c.qty;
    ASSERT_TRUE(u.order_link_id.set(c.link_id.view()));
    t.on_order(u);
  }
  v.clear();
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(2, 650020), v.now), SyncResult::kApplied);  // +2.00 USDT
  // The market moved up 20 ticks: the ask moves first (an amend, not cancel + create). The bid's new price
  // (650015) would cross our live ask (650006) until that amend is confirmed, so it waits: never cross our own.
  ASSERT_EQ(v.amends.size(), 1u);
  EXPECT_TRUE(v.creates.empty());
  EXPECT_TRUE(v.cancels.empty());
  ASSERT_TRUE(v.amends[0].price.has_value());
  EXPECT_EQ(v.amends[0].price->ticks, 650026);
  // The order stream confirms the amended ask.
  OrderUpdate u;
  u.instrument = 0;
  u.side = Side::kSell;
  u.status = OrderStatus::kNew;
  u.price = *v.amends[0].price;
  u.qty = Qty{10};
  u.leaves_qty = Qty{10};
  ASSERT_TRUE(u.order_link_id.set(v.amends[0].link_id.view()));
  t.on_order(u);
  v.clear();
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(3, 650020), v.now), SyncResult::kApplied);
  ASSERT_EQ(v.amends.size(), 1u);
  EXPECT_EQ(v.amends[0].price->ticks, 650015);
  EXPECT_TRUE(v.creates.empty());
  EXPECT_TRUE(v.cancels.empty());
}

TEST_F(TraderTest, FillUpdatesPositionAndKillSwitchCancelsAll) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  const OrderCreate bid = v.creates[0].side == Side::kBuy ? v.creates[0] : v.creates[1];
  Execution e;
  e.instrument = 0;
  e.side = Side::kBuy;
  e.exec_price = bid.price;
  e.exec_qty = Qty{4};
  e.exec_fee = Money{-100};  // maker rebate
  ASSERT_TRUE(e.order_link_id.set(bid.link_id.view()));
  t.on_execution(e);
  EXPECT_EQ(t.position().lots(), 4);
  EXPECT_EQ(t.position().avg_entry().ticks, bid.price.ticks);

  risk.kill();
  v.clear();
  ASSERT_EQ(t.on_book(snapshot(2, 650000), v.now), SyncResult::kApplied);
  EXPECT_EQ(v.cancel_alls, 1);
  EXPECT_TRUE(v.creates.empty()) << "HALTED quotes nothing";
}

TEST_F(TraderTest, GapStopsQuotingUntilSnapshot) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  BookUpdate d;
  d.instrument = 0;
  d.update_id = 5;  // gap: expected 2
  v.clear();
  EXPECT_EQ(t.on_book(d, v.now), SyncResult::kGap);
  EXPECT_TRUE(v.creates.empty());
  EXPECT_FALSE(t.book_sync().trusted());
  EXPECT_EQ(v.cancel_alls, 1) << "the untrusted-book breaker pulls our quotes on the gap itself";
}

// --- A refused send is not in flight (strategy/venue.h): the table is put back and the next tick sends
// again.

TEST_F(TraderTest, RefusedCreatesLeaveNoOrderAndTheNextTickSendsThem) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  v.refuse = true;
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  EXPECT_TRUE(v.creates.empty());
  EXPECT_EQ(t.counters().venue_refused, 2u);
  EXPECT_EQ(t.counters().creates, 0u);
  EXPECT_EQ(t.orders().size(), 0u) << "a refused create leaves no PendingNew order behind";
  EXPECT_EQ(t.last_action_count(), 0u);
  const uint64_t seq = t.orders().next_sequence();

  // The venue is back: every following tick may act again (the bug: 0 actions over the next 48 ticks).
  v.refuse = false;
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(2, 650000), v.now), SyncResult::kApplied);
  ASSERT_EQ(v.creates.size(), 2u);
  EXPECT_EQ(t.counters().creates, 2u);
  EXPECT_EQ(t.orders().size(), 2u);
  EXPECT_EQ(count_in(t.orders(), OrderState::kPendingNew), 2u);
  // Link ids are never reused, even those of creates that never left.
  EXPECT_GE(t.orders().get(t.orders().handle_at(0)).sequence, seq);
}

TEST_F(TraderTest, RefusedTickDoesNotFreezeQuotingForTheNextTicks) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  confirm_all(t, v.creates);
  v.clear();
  // One refused tick: the market moved, the amends are refused.
  v.refuse = true;
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(2, 650020), v.now), SyncResult::kApplied);
  EXPECT_GT(t.counters().venue_refused, 0u);
  v.refuse = false;
  uint64_t sent = 0;
  for (int i = 0; i < 48; ++i) {
    v.now += 1'000'000;
    (void)t.on_book(snapshot(3 + i, 650020), v.now);
    sent += t.last_action_count();
  }
  EXPECT_GT(sent, 0u);
}

TEST_F(TraderTest, RefusedAmendIsPutBackAndSentAgain) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  confirm_all(t, v.creates);
  const OrderHandle ask = t.orders().find(v.creates[0].side == Side::kSell ? v.creates[0].link_id.view()
                                                                           : v.creates[1].link_id.view());
  ASSERT_TRUE(ask.valid());
  const OwnOrder before = t.orders().get(ask);
  ASSERT_EQ(before.state(), OrderState::kNew);
  v.clear();
  v.refuse = true;
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(2, 650020), v.now), SyncResult::kApplied);
  EXPECT_TRUE(v.amends.empty());
  EXPECT_EQ(t.counters().venue_refused, 1u);
  EXPECT_EQ(t.counters().amends, 0u);
  const OwnOrder& after = t.orders().get(ask);
  EXPECT_EQ(after.state(), OrderState::kNew) << "not PendingAmend: the amend never left";
  EXPECT_EQ(after.amend_price.ticks, 0);
  EXPECT_EQ(after.price, before.price);
  EXPECT_EQ(after.last_request_ns, before.last_request_ns);
  EXPECT_EQ(after.updated_ns, before.updated_ns);
  EXPECT_EQ(std::memcmp(&after.fsm, &before.fsm, sizeof(OrderFsm)), 0);

  v.refuse = false;
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(3, 650020), v.now), SyncResult::kApplied);
  ASSERT_EQ(v.amends.size(), 1u);
  EXPECT_EQ(v.amends[0].link_id.view(), before.link_id.view());
  EXPECT_EQ(v.amends[0].price->ticks, 650026);
  EXPECT_EQ(t.orders().get(ask).state(), OrderState::kPendingAmend);
}

TEST_F(TraderTest, RefusedCancelIsPutBackAndNoCreateOutrunsIt) {
  cfg_.quoter.use_amend = false;  // a price change is cancel + create
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  confirm_all(t, v.creates);
  v.clear();
  v.refuse = true;
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(2, 650020), v.now), SyncResult::kApplied);
  EXPECT_TRUE(v.cancels.empty());
  EXPECT_TRUE(v.creates.empty());
  EXPECT_EQ(t.orders().size(), 2u);
  EXPECT_EQ(count_in(t.orders(), OrderState::kNew), 2u) << "both orders back to New, no PendingCancel";

  v.refuse = false;
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(3, 650020), v.now), SyncResult::kApplied);
  EXPECT_FALSE(v.cancels.empty()) << "the cancels go out on the next tick";
  EXPECT_EQ(t.counters().cancels, v.cancels.size());
}

TEST_F(TraderTest, CancelsAcceptedThenCreatesRefusedLeavesOnlyTheCancels) {
  cfg_.quoter.use_amend = false;
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  confirm_all(t, v.creates);
  v.clear();
  // Move only a little so that the new quotes do not cross the old ones: cancels and creates in one tick.
  const uint64_t seq = t.orders().next_sequence();
  v.accept_requests = 1;  // the cancel request goes out, the create request is refused
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(2, 650003), v.now), SyncResult::kApplied);
  ASSERT_EQ(v.cancels.size(), 2u);
  EXPECT_TRUE(v.creates.empty());
  EXPECT_EQ(t.counters().venue_refused, 2u);
  EXPECT_EQ(t.orders().size(), 2u) << "the refused creates left no slot";
  EXPECT_EQ(count_in(t.orders(), OrderState::kPendingCancel), 2u);
  EXPECT_GT(t.orders().next_sequence(), seq) << "their link ids stay used";
}

TEST_F(TraderTest, PartlyRefusedBatchKeepsTheAcceptedRequestsOnly) {
  fixed_.levels = 16;  // 32 creates: requests of 20 and 12 (Bybit's linear batch limit)
  fixed_.level_spacing_ticks = 1.0;
  risk_cfg_.max_open_orders = 64;
  cfg_.create_per_second = 100;
  cfg_.create_burst = 100;
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);

  // All accepted: the creates go out as requests of at most 20.
  {
    FakeVenue v2;
    FixedSpread s2(fixed_);
    RiskEngine risk2(risk_cfg_, inst_, 0);
    Trader<FakeVenue, FixedSpread> t2(inst_, 0, v2, s2, risk2, cfg_);
    ASSERT_EQ(t2.on_book(snapshot(1, 650000), v2.now), SyncResult::kApplied);
    EXPECT_EQ(v2.request_sizes, (std::vector<size_t>{20, 12}));
  }

  v.accept_requests = 1;  // the first request goes out, the second is refused
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  ASSERT_EQ(v.creates.size(), 20u);
  EXPECT_EQ(t.counters().creates, 20u);
  EXPECT_EQ(t.counters().venue_refused, 12u);
  ASSERT_EQ(t.orders().size(), 20u);
  // Exactly the orders that went out are in the table.
  for (const OrderCreate& c : v.creates) EXPECT_TRUE(t.orders().find(c.link_id.view()).valid());

  // The next tick creates the 12 missing levels; the 20 in flight occupy theirs.
  v.clear();
  v.accept_requests = INT32_MAX;
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(2, 650000), v.now), SyncResult::kApplied);
  EXPECT_EQ(v.creates.size(), 12u);
  EXPECT_EQ(t.orders().size(), 32u);
}

TEST_F(TraderTest, RefusedCancelAllIsRetriedOnTheNextTick) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  confirm_all(t, v.creates);
  v.clear();
  risk.kill();
  v.refuse = true;
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(2, 650000), v.now), SyncResult::kApplied);
  EXPECT_EQ(v.cancel_alls, 0);
  EXPECT_EQ(t.counters().cancel_alls, 0u);
  EXPECT_TRUE(risk.cancel_all_requested()) << "the request waits for a venue that takes it";
  EXPECT_EQ(count_in(t.orders(), OrderState::kNew), 2u) << "nothing marked PendingCancel";

  v.refuse = false;
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(3, 650000), v.now), SyncResult::kApplied);
  EXPECT_EQ(v.cancel_alls, 1);
  EXPECT_FALSE(risk.cancel_all_requested());
  EXPECT_EQ(count_in(t.orders(), OrderState::kPendingCancel), 2u);
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(4, 650000), v.now), SyncResult::kApplied);
  EXPECT_EQ(v.cancel_alls, 1) << "sent once";
}

// --- Broken invariants of our own fail fast: kill switch (HALTED, cancel-all at once), counted, reason kept.
// Debug builds stop at the Trader's assert instead.
#ifndef NDEBUG
#define MM_EXPECT_FAULT(stmt)                          \
  do {                                                 \
    EXPECT_DEATH(stmt, "broken invariant of our own"); \
    return;                                            \
  } while (0)
#else
#define MM_EXPECT_FAULT(stmt) stmt
#endif

Execution fill_of(const OrderCreate& c, int64_t lots, Money fee = Money{0}) {
  Execution e;
  e.instrument = 0;
  e.side = c.side;
  e.exec_price = c.price;
  e.exec_qty = Qty{lots};
  e.exec_fee = fee;
  EXPECT_TRUE(e.order_link_id.set(c.link_id.view()));
  return e;
}

// Found by the fault matrix (unknown_settled_filled): an order settled and released before its execution
// message arrived lost that fill from the position. An execution is a fact about the account.
TEST_F(TraderTest, AnExecutionOfAnOrderNotInTheTableStillMovesThePosition) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  Execution e = fill_of(v.creates[0], 3);
  ASSERT_TRUE(e.order_link_id.set("someone-else-7"));
  t.on_execution(e);
  EXPECT_EQ(t.position().lots(), e.side == Side::kBuy ? 3 : -3);
  EXPECT_EQ(t.counters().unknown_orders, 1u);
  EXPECT_EQ(t.fault(), TraderFault::kNone);
}

TEST_F(TraderTest, RefusedFillTripsTheKillSwitchInsteadOfQuotingOnAWrongPosition) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  confirm_all(t, v.creates);
  const OrderCreate bid = v.creates[0].side == Side::kBuy ? v.creates[0] : v.creates[1];
  EXPECT_EQ(t.fault(), TraderFault::kNone);
  // A fill of 0 lots: the position refuses it (kBadQty).
  MM_EXPECT_FAULT(t.on_execution(fill_of(bid, 0)));
  EXPECT_EQ(t.fault(), TraderFault::kPositionBadQty);
  EXPECT_EQ(to_string(t.fault()), "position_bad_qty");
  EXPECT_EQ(t.counters().invariant_errors, 1u);
  EXPECT_TRUE(risk.killed());
  EXPECT_EQ(risk.state(), TradingState::kHalted);
  EXPECT_EQ(v.cancel_alls, 1) << "cancel-all at once, not at the next book";
  EXPECT_FALSE(risk.cancel_all_requested());
  EXPECT_EQ(count_in(t.orders(), OrderState::kPendingCancel), 2u);
  v.clear();
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(2, 650000), v.now), SyncResult::kApplied);
  EXPECT_TRUE(v.creates.empty()) << "HALTED: no new quotes";
  EXPECT_EQ(v.cancel_alls, 1);
}

TEST_F(TraderTest, PositionOverflowTripsTheKillSwitch) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  confirm_all(t, v.creates);
  const OrderCreate bid = v.creates[0].side == Side::kBuy ? v.creates[0] : v.creates[1];
  t.on_execution(fill_of(bid, 1, Money{INT64_MAX}));  // fees at the edge of their range
  ASSERT_EQ(t.fault(), TraderFault::kNone);
  MM_EXPECT_FAULT(t.on_execution(fill_of(bid, 1, Money{1})));  // the fee sum overflows
  EXPECT_EQ(t.fault(), TraderFault::kPositionOverflow);
  EXPECT_EQ(t.position().lots(), 1) << "all or nothing: the refused fill changed nothing";
  EXPECT_TRUE(risk.killed());
  EXPECT_EQ(v.cancel_alls, 1);
}

TEST_F(TraderTest, OverfillTripsTheKillSwitchAndThePositionStillCountsTheFill) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  confirm_all(t, v.creates);
  const OrderCreate bid = v.creates[0].side == Side::kBuy ? v.creates[0] : v.creates[1];
  MM_EXPECT_FAULT(t.on_execution(fill_of(bid, 11)));  // the order is 10 lots
  EXPECT_EQ(t.fault(), TraderFault::kOrderOverfill);
  EXPECT_EQ(t.position().lots(), 11) << "an execution is a fact about the account";
  EXPECT_TRUE(risk.killed());
  EXPECT_EQ(v.cancel_alls, 1);
  EXPECT_EQ(t.counters().invariant_errors, 1u);
}

TEST_F(TraderTest, LateExchangeEventsAreCountedNotFatal) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  confirm_all(t, v.creates);
  // A create reject after the stream confirmed the order: out of sequence, the exchange's, not ours.
  t.on_create_rejected(v.creates[0].link_id.view());
  EXPECT_EQ(t.counters().table_errors, 1u);
  EXPECT_EQ(t.counters().invariant_errors, 0u);
  EXPECT_FALSE(risk.killed());
}

// 10019/10016 (the venue restarting or failing) say nothing about the order: the reject-rate breaker counts
// only the other refusals, so a matching restart does not put mm in reduce-only for the breaker's cooldown.
TEST_F(TraderTest, CreatesRefusedByAnUnavailableVenueDoNotTripTheRejectBreaker) {
  risk_cfg_.breakers.reject_rate.max_rejects = 0;  // the first counted reject trips it
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  ASSERT_EQ(v.creates.size(), 2u);
  t.on_create_rejected(v.creates[0].link_id.view(), true);
  t.on_timer();
  EXPECT_EQ(risk.state(), TradingState::kActive);
  t.on_create_rejected(v.creates[1].link_id.view());
  t.on_timer();
  EXPECT_NE(risk.state(), TradingState::kActive);
}

TEST_F(TraderTest, FullOrderTableTripsTheKillSwitch) {
  cfg_.order_capacity = 1;  // room for one of the two quotes
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  MM_EXPECT_FAULT((void)t.on_book(snapshot(1, 650000), v.now));
  EXPECT_EQ(t.fault(), TraderFault::kTableFull);
  EXPECT_EQ(v.creates.size(), 1u) << "the request being built goes out, nothing after it";
  EXPECT_EQ(v.cancel_alls, 1) << "then the cancel-all, which covers it";
  EXPECT_TRUE(risk.killed());
}

// --- Capacities agree: the quoter sees every live order, and cancel-all marks every one.

// 16 levels a side, one tick apart around the touch, of a size that grows every quote: no live order ever
// matches its level, so each tick cancels every order and re-creates every level.
struct GrowingSizeStrategy {
  int64_t size = 10;
  bool quote(const StrategyContext& c, QuoteLadder& out) noexcept {
    ++size;
    for (int64_t i = 0; i < 16; ++i) {
      (void)out.push_bid(Price{c.best_bid.ticks - 5 - i}, Qty{size});
      (void)out.push_ask(Price{c.best_ask.ticks + 5 + i}, Qty{size});
    }
    return true;
  }
  void on_fill(Side, Price, Qty, int64_t) noexcept {}
};
static_assert(Strategy<GrowingSizeStrategy>);

TEST_F(TraderTest, MoreLiveOrdersThanTheQuoterSeesHaltAndCancelAll) {
  // The exchange refuses every cancel (say, rate limited): the quoter counted them as going, so each tick
  // adds a ladder of creates, and the live orders pass the 128 the quoter can see.
  cfg_.quoter.use_amend = false;
  cfg_.order_capacity = 1024;
  cfg_.create_per_second = cfg_.create_burst = 1000;
  cfg_.cancel_per_second = cfg_.cancel_burst = 1000;
  risk_cfg_.max_open_orders = 100000;
  risk_cfg_.max_position_qty = "100";
  risk_cfg_.max_exposure_notional = "100000000";
  FakeVenue v;
  GrowingSizeStrategy s;
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, GrowingSizeStrategy> t(inst_, 0, v, s, risk, cfg_);
  const auto run = [&] {
    for (int i = 0; i < 20 && t.fault() == TraderFault::kNone; ++i) {
      v.clear();
      v.now += 1'000'000;
      (void)t.on_book(snapshot(1 + i, 650000), v.now);
      confirm_all(t, v.creates);
      for (const OrderCancel& c : v.cancels) t.on_rejected(c.link_id.view(), OrderEventKind::kCancelRejected);
    }
  };
  MM_EXPECT_FAULT(run());
  ASSERT_EQ(t.fault(), TraderFault::kTooManyLiveOrders);
  EXPECT_EQ(to_string(t.fault()), "too_many_live_orders");
  EXPECT_EQ(t.counters().invariant_errors, 1u);
  EXPECT_TRUE(risk.killed());
  EXPECT_EQ(v.cancel_alls, 1);
  // Every live order got its cancel, not only the first 128.
  uint32_t open = 0;
  t.orders().for_each(
      [&](OrderHandle, const OwnOrder& o) noexcept { open += is_terminal(o.state()) ? 0 : 1; });
  EXPECT_GT(open, kMaxQuoterLiveOrders);
  EXPECT_EQ(count_in(t.orders(), OrderState::kPendingCancel), open);
}

// --- Money sums are checked: an open notional that does not fit counts as the largest, so limits block.

TEST_F(TraderTest, OpenNotionalOverflowBlocksInsteadOfPassing) {
  fixed_.levels = 2;
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  std::vector<OrderCreate> asks;
  for (const OrderCreate& c : v.creates) {
    if (c.side == Side::kSell) asks.push_back(c);
  }
  ASSERT_EQ(asks.size(), 2u);
  // The exchange reports the first ask resting at an absurd price: its notional does not fit 64-bit money.
  confirm(t, Side::kSell, Price{INT64_MAX / 2}, asks[0].qty, asks[0].link_id.view());
  // The second ask is cancelled by the exchange: its level must be created again.
  OrderUpdate c;
  c.instrument = 0;
  c.side = Side::kSell;
  c.status = OrderStatus::kCancelled;
  c.price = asks[1].price;
  c.qty = asks[1].qty;
  ASSERT_TRUE(c.order_link_id.set(asks[1].link_id.view()));
  t.on_order(c);
  v.clear();
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(2, 650000), v.now), SyncResult::kApplied);
  EXPECT_EQ(t.last_actions().create_count, 1u) << "the quoter wants the level back";
  EXPECT_TRUE(v.creates.empty()) << "the sell exposure is unknown, hence over any limit";
  EXPECT_GE(risk.blocked(RiskRule::kMaxExposure), 1u);
}

// --- Signals learn only from a trusted, uncrossed book.

TEST_F(TraderTest, SignalsDoNotSampleAStaleBookAfterAGap) {
  cfg_.signals.volatility_interval_ms = 100;
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  v.now += 1'000'000'000;
  ASSERT_EQ(t.on_book(snapshot(2, 650000), v.now), SyncResult::kApplied);
  const uint64_t samples = t.signals().volatility_samples();
  ASSERT_GE(samples, 9u);
  BookUpdate d;
  d.instrument = 0;
  d.update_id = 9;  // gap
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(d, v.now), SyncResult::kGap);
  EXPECT_TRUE(t.signals().book_lost());
  // Deltas keep coming for ten seconds while the book waits for a snapshot: no sample of the frozen mid.
  for (int i = 0; i < 100; ++i) {
    d.update_id = 10 + i;
    v.now += 100'000'000;
    ASSERT_EQ(t.on_book(d, v.now), SyncResult::kIgnoredUntrusted);
  }
  EXPECT_EQ(t.signals().volatility_samples(), samples);
  // The snapshot: sampling starts again from its mid, with no return across the gap.
  const double sigma = t.signals().sigma_rel();
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(snapshot(200, 650100), v.now), SyncResult::kApplied);
  EXPECT_FALSE(t.signals().book_lost());
  EXPECT_EQ(t.signals().volatility_samples(), samples);
  EXPECT_EQ(t.signals().sigma_rel(), sigma);
  EXPECT_DOUBLE_EQ(t.signals().mid_ticks(), 650100.5);
  v.now += 100'000'000;
  ASSERT_EQ(t.on_book(snapshot(201, 650100), v.now), SyncResult::kApplied);
  EXPECT_EQ(t.signals().volatility_samples(), samples + 1);
}

TEST_F(TraderTest, SignalsIgnoreACrossedBook) {
  FakeVenue v;
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  ASSERT_EQ(t.on_book(snapshot(1, 650000), v.now), SyncResult::kApplied);
  const double micro = t.signals().microprice_ticks();
  // A delta that puts a bid above the best ask: the book is crossed.
  std::vector<PriceLevel> bids{{Price{650010}, Qty{5}}};
  BookUpdate d;
  d.instrument = 0;
  d.update_id = 2;
  d.bids = bids.data();
  d.bid_count = 1;
  v.now += 1'000'000;
  ASSERT_EQ(t.on_book(d, v.now), SyncResult::kApplied);
  ASSERT_TRUE(t.book_sync().crossed());
  EXPECT_TRUE(t.signals().book_lost());
  EXPECT_EQ(t.signals().microprice_ticks(), micro) << "the crossed top is not learnt";
  EXPECT_DOUBLE_EQ(t.signals().mid_ticks(), 650000.5);
}

TEST_F(TraderTest, SteadyStateTickDoesNotAllocate) {
  FakeVenue v;
  v.request_sizes.reserve(1 << 16);
  v.creates.reserve(1 << 16);
  v.amends.reserve(1 << 16);
  v.cancels.reserve(1 << 16);
  FixedSpread s(fixed_);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<FakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  std::vector<BookUpdate> books;
  std::vector<std::vector<PriceLevel>> storage;
  for (int i = 0; i < 200; ++i) {
    snapshot(i + 1, 650000 + (i % 7));
    storage.push_back(snapshots_.levels());
  }
  test::AllocScope scope;
  for (int i = 0; i < 200; ++i) {
    BookUpdate b = snapshot(i + 1, 650000);
    b.bids = storage[i].data();
    b.asks = storage[i].data() + 5;
    v.now += 1'000'000;
    (void)t.on_book(b, v.now);
  }
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace
}  // namespace mm
