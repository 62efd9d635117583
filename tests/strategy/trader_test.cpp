// Trader<Venue, Strategy> end to end with a fake venue: book -> strategy -> risk -> quoter -> venue.
#include "strategy/trader.h"

#include <gtest/gtest.h>

#include <vector>

#include "strategy/fixed_spread.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

struct FakeVenue {
  int64_t now = 1'786'310'820'000'000'000;
  std::vector<OrderCreate> creates;
  std::vector<OrderAmend> amends;
  std::vector<OrderCancel> cancels;
  int cancel_alls = 0;
  bool refuse = false;
  int64_t now_ns() const noexcept { return now; }
  bool send_creates(std::span<const OrderCreate> a) noexcept {
    if (refuse) return false;
    creates.insert(creates.end(), a.begin(), a.end());
    return true;
  }
  bool send_amends(std::span<const OrderAmend> a) noexcept {
    amends.insert(amends.end(), a.begin(), a.end());
    return true;
  }
  bool send_cancels(std::span<const OrderCancel> a) noexcept {
    cancels.insert(cancels.end(), a.begin(), a.end());
    return true;
  }
  bool send_cancel_all(const CancelAll&) noexcept {
    ++cancel_alls;
    return true;
  }
  void clear() {
    creates.clear();
    amends.clear();
    cancels.clear();
  }
};
static_assert(Venue<FakeVenue>);

class TraderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(make_instrument({Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"},
                              inst_),
              InstrumentError::kOk);
    risk_cfg_.max_order_qty = "1";
    risk_cfg_.max_position_qty = "2";
    risk_cfg_.max_order_notional = "100000";
    risk_cfg_.max_exposure_notional = "500000";
    fixed_.half_spread_bps = 0;
    fixed_.half_spread_ticks = 5;
    fixed_.order_size_lots = 10;  // 0.010 BTC: above the 5 USDT minimum notional
    cfg_.max_position_lots = 2000;
  }

  // A two-sided book around 65000.00 (ticks of 0.10): best bid 650000, best ask 650001.
  BookUpdate snapshot(int64_t u, int64_t bid_ticks) {
    levels_.clear();
    for (int i = 0; i < 5; ++i) levels_.push_back({Price{bid_ticks - i}, Qty{1000}});
    for (int i = 0; i < 5; ++i) levels_.push_back({Price{bid_ticks + 1 + i}, Qty{1000}});
    BookUpdate b;
    b.instrument = 0;
    b.snapshot = true;
    b.update_id = u;
    b.bids = levels_.data();
    b.bid_count = 5;
    b.asks = levels_.data() + 5;
    b.ask_count = 5;
    return b;
  }

  Instrument inst_;
  RiskConfig risk_cfg_;
  FixedSpreadConfig fixed_;
  TraderConfig cfg_;
  std::vector<PriceLevel> levels_;
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

TEST_F(TraderTest, SteadyStateTickDoesNotAllocate) {
  FakeVenue v;
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
    storage.push_back(levels_);
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
