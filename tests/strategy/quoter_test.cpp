#include "strategy/quoter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

// BTCUSDT linear: tick 0.10 (prices in ticks: 650000 == 65000.0), lot 0.001, min 0.001, max 100, min 5 USDT.
Instrument make_btc(Category cat = Category::kLinear, std::string_view min_qty = "0.001") {
  Instrument in;
  const InstrumentSpec s{cat, "BTCUSDT", "Trading", "2", "0.10", "0.001", min_qty, "100", "5"};
  EXPECT_EQ(make_instrument(s, in), InstrumentError::kOk);
  return in;
}

using Levels = std::initializer_list<std::pair<int64_t, int64_t>>;  // (price ticks, qty lots)

QuoteLadder make_ladder(Levels bids, Levels asks, bool reduce_only = false) {
  QuoteLadder l;
  for (const auto& [p, q] : bids) EXPECT_TRUE(l.push_bid(Price{p}, Qty{q}));
  for (const auto& [p, q] : asks) EXPECT_TRUE(l.push_ask(Price{p}, Qty{q}));
  l.reduce_only = reduce_only;
  return l;
}

LiveOrder make_live(Side side, int64_t px, int64_t qty, uint64_t seq, bool pending = false,
                    int64_t created = 0, bool reduce_only = false) {
  LiveOrder o;
  EXPECT_EQ(make_link_id("old", seq, o.link_id), LinkIdError::kOk);
  o.side = side;
  o.price = Price{px};
  o.qty = Qty{qty};
  o.pending = pending;
  o.created_ns = created;
  o.reduce_only = reduce_only;
  return o;
}

// The live orders a ladder would leave resting, with link ids old-0, old-1, ... (bids first).
std::vector<LiveOrder> live_from(const QuoteLadder& l) {
  std::vector<LiveOrder> v;
  uint64_t seq = 0;
  for (uint32_t i = 0; i < l.bid_count; ++i)
    v.push_back(make_live(Side::kBuy, l.bids[i].price.ticks, l.bids[i].qty.lots, seq++));
  for (uint32_t i = 0; i < l.ask_count; ++i)
    v.push_back(make_live(Side::kSell, l.asks[i].price.ticks, l.asks[i].qty.lots, seq++));
  return v;
}

std::string id(const OrderLinkId& l) {
  return std::string(l.view());
}

class QuoterTest : public ::testing::Test {
 protected:
  void SetUp() override { configure(); }

  void configure() { ASSERT_EQ(quoter_.configure(cfg_), QuoterError::kOk); }

  // Runs one diff; the result stays in out().
  const QuoteActions& run(const QuoteLadder& ladder, const std::vector<LiveOrder>& live,
                          ActionBudget budget = ActionBudget::unlimited(), int64_t now_ns = 0) {
    QuoteInput in;
    in.instrument = &inst_;
    in.instrument_id = 7;
    in.target = &ladder;
    in.live = live;
    in.now_ns = now_ns;
    in.budget = budget;
    in.next_link_seq = seq_;
    in.market_bid = market_bid_;
    in.market_ask = market_ask_;
    EXPECT_EQ(quoter_.diff(in, *out_), QuoterError::kOk);
    return *out_;
  }

  Instrument inst_ = make_btc();
  QuoterConfig cfg_;
  Quoter quoter_;
  uint64_t seq_ = 100;
  Price market_bid_;
  Price market_ask_;
  std::unique_ptr<QuoteActions> out_ = std::make_unique<QuoteActions>();
};

const QuoteLadder kTwoByTwo = make_ladder({{649990, 10}, {649980, 10}}, {{650010, 10}, {650020, 10}});

TEST_F(QuoterTest, EmptyBookCreatesEveryLevel) {
  const QuoteActions& a = run(kTwoByTwo, {});
  ASSERT_EQ(a.create_count, 4u);
  EXPECT_EQ(a.cancel_count + a.amend_count, 0u);
  // Nearest the touch first, bids first on a tie.
  EXPECT_EQ(a.creates[0].side, Side::kBuy);
  EXPECT_EQ(a.creates[0].price.ticks, 649990);
  EXPECT_EQ(a.creates[1].side, Side::kSell);
  EXPECT_EQ(a.creates[1].price.ticks, 650010);
  EXPECT_EQ(a.creates[2].price.ticks, 649980);
  EXPECT_EQ(a.creates[3].price.ticks, 650020);
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(a.creates[i].instrument, 7);
    EXPECT_EQ(a.creates[i].qty.lots, 10);
    EXPECT_EQ(a.creates[i].tif, TimeInForce::kPostOnly);
    EXPECT_EQ(a.creates[i].type, OrderType::kLimit);
    EXPECT_FALSE(a.creates[i].reduce_only);
    EXPECT_EQ(id(a.creates[i].link_id), "mm-" + std::to_string(100 + i));
  }
  EXPECT_EQ(a.next_link_seq, 104u);
}

TEST_F(QuoterTest, UnchangedLadderProducesNoAction) {
  const QuoteActions& a = run(kTwoByTwo, live_from(kTwoByTwo));
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.batch_count, 0u);
  EXPECT_EQ(a.counters.kept, 4u);
  EXPECT_EQ(a.next_link_seq, 100u);
}

TEST_F(QuoterTest, OneLevelMoveIsOneAmend) {
  const auto live = live_from(kTwoByTwo);
  const QuoteLadder moved = make_ladder({{649995, 10}, {649980, 10}}, {{650010, 10}, {650020, 10}});
  const QuoteActions& a = run(moved, live);
  ASSERT_EQ(a.action_count(), 1u);
  ASSERT_EQ(a.amend_count, 1u);
  EXPECT_EQ(id(a.amends[0].link_id), "old-0");
  EXPECT_EQ(a.amends[0].id_kind, OrderIdKind::kLinkId);
  EXPECT_EQ(a.amends[0].instrument, 7);
  ASSERT_TRUE(a.amends[0].price.has_value());
  EXPECT_EQ(a.amends[0].price->ticks, 649995);
  EXPECT_FALSE(a.amends[0].qty.has_value());
  EXPECT_EQ(a.counters.kept, 3u);
}

TEST_F(QuoterTest, OneLevelMoveWithoutAmendIsCancelPlusCreate) {
  cfg_.use_amend = false;
  configure();
  const QuoteLadder moved = make_ladder({{649995, 10}, {649980, 10}}, {{650010, 10}, {650020, 10}});
  const QuoteActions& a = run(moved, live_from(kTwoByTwo));
  ASSERT_EQ(a.cancel_count, 1u);
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_EQ(a.amend_count, 0u);
  EXPECT_EQ(id(a.cancels[0].link_id), "old-0");
  EXPECT_EQ(a.creates[0].price.ticks, 649995);
  EXPECT_EQ(a.creates[0].side, Side::kBuy);
}

// The caller's tag of each live order comes back with the action on it (the Trader's table position).
TEST_F(QuoterTest, ActionsEchoTheLiveOrdersTag) {
  auto live = live_from(kTwoByTwo);
  for (uint32_t i = 0; i < live.size(); ++i) live[i].tag = 100 + i;
  const QuoteLadder moved = make_ladder({{649995, 10}, {649980, 10}}, {{650010, 10}, {650030, 10}});
  const QuoteActions& a = run(moved, live);
  ASSERT_EQ(a.amend_count, 2u);
  for (uint32_t i = 0; i < a.amend_count; ++i) {
    const std::string name = id(a.amends[i].link_id);
    EXPECT_EQ(a.amend_tags[i], name == "old-0" ? 100u : 103u) << name;
  }
  cfg_.use_amend = false;
  configure();
  const QuoteActions& c = run(moved, live);
  ASSERT_EQ(c.cancel_count, 2u);
  for (uint32_t i = 0; i < c.cancel_count; ++i) {
    const std::string name = id(c.cancels[i].link_id);
    EXPECT_EQ(c.cancel_tags[i], name == "old-0" ? 100u : 103u) << name;
  }
}

TEST_F(QuoterTest, SizeOnlyChangeAmendsQtyOnly) {
  const QuoteLadder resized = make_ladder({{649990, 10}, {649980, 10}}, {{650010, 15}, {650020, 10}});
  const QuoteActions& a = run(resized, live_from(kTwoByTwo));
  ASSERT_EQ(a.action_count(), 1u);
  ASSERT_EQ(a.amend_count, 1u);
  EXPECT_EQ(id(a.amends[0].link_id), "old-2");
  EXPECT_FALSE(a.amends[0].price.has_value());
  ASSERT_TRUE(a.amends[0].qty.has_value());
  EXPECT_EQ(a.amends[0].qty->lots, 15);
}

TEST_F(QuoterTest, SizeOnlyChangeWithoutAmendIsCancelPlusCreate) {
  cfg_.use_amend = false;
  configure();
  const QuoteLadder resized = make_ladder({{649990, 10}, {649980, 10}}, {{650010, 15}, {650020, 10}});
  const QuoteActions& a = run(resized, live_from(kTwoByTwo));
  ASSERT_EQ(a.cancel_count, 1u);
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_EQ(id(a.cancels[0].link_id), "old-2");
  EXPECT_EQ(a.creates[0].price.ticks, 650010);
  EXPECT_EQ(a.creates[0].qty.lots, 15);
}

TEST_F(QuoterTest, LadderShiftKeepsOverlappingOrders) {
  const QuoteLadder three = make_ladder({{649990, 10}, {649980, 10}, {649970, 10}}, {});
  const QuoteLadder shifted = make_ladder({{649980, 10}, {649970, 10}, {649960, 10}}, {});
  const QuoteActions& a = run(shifted, live_from(three));
  ASSERT_EQ(a.action_count(), 1u);
  ASSERT_EQ(a.amend_count, 1u);
  EXPECT_EQ(id(a.amends[0].link_id), "old-0");
  EXPECT_EQ(a.amends[0].price->ticks, 649960);
  EXPECT_EQ(a.counters.kept, 2u);
}

TEST_F(QuoterTest, PriceToleranceInTicksKeepsOrders) {
  cfg_.price_tolerance_ticks = 10;
  configure();
  const QuoteLadder base = make_ladder({{649990, 10}}, {{650010, 10}});
  const auto live = live_from(base);
  EXPECT_TRUE(run(make_ladder({{649980, 10}}, {{650020, 10}}), live).empty());
  const QuoteActions& a = run(make_ladder({{649979, 10}}, {{650010, 10}}), live);
  ASSERT_EQ(a.amend_count, 1u);
  EXPECT_EQ(a.amends[0].price->ticks, 649979);
}

TEST_F(QuoterTest, PriceToleranceInBpsKeepsOrders) {
  cfg_.price_tolerance_bps = 1.0;  // 649990 ticks * 1e-4 = 64.999 -> 64 ticks
  configure();
  const auto live = live_from(make_ladder({{649990, 10}}, {{650010, 10}}));
  EXPECT_TRUE(run(make_ladder({{649926, 10}}, {{650010, 10}}), live).empty());
  const QuoteActions& a = run(make_ladder({{649925, 10}}, {{650010, 10}}), live);
  ASSERT_EQ(a.amend_count, 1u);
  EXPECT_EQ(a.amends[0].price->ticks, 649925);
}

// A price whose product with the tolerance (in parts per billion) passes int64: 1e12 ticks * 1e7 ppb = 1e19.
// The tolerance is still exact (1e12 * 100 bp = 1e10 ticks): the 128-bit path takes over from the 64-bit one.
TEST_F(QuoterTest, PriceToleranceBeyondA64BitProductIsExact) {
  cfg_.price_tolerance_bps = 100.0;
  configure();
  constexpr int64_t kPx = 1'000'000'000'000;
  constexpr int64_t kTol = 10'000'000'000;
  const auto live = live_from(make_ladder({{kPx, 10}}, {}));
  EXPECT_TRUE(run(make_ladder({{kPx - kTol, 10}}, {}), live).empty());
  const QuoteActions& a = run(make_ladder({{kPx - kTol - 1, 10}}, {}), live);
  ASSERT_EQ(a.amend_count, 1u);
  EXPECT_EQ(a.amends[0].price->ticks, kPx - kTol - 1);
}

TEST_F(QuoterTest, SizeToleranceBoundaries) {
  cfg_.size_tolerance_fraction = 0.2;
  cfg_.size_tolerance_lots = 1;
  configure();
  const auto live = live_from(make_ladder({{649990, 10}}, {}));
  EXPECT_TRUE(run(make_ladder({{649990, 12}}, {}), live).empty());    // max(1, 2.4 -> 2) = 2
  EXPECT_TRUE(run(make_ladder({{649990, 9}}, {}), live).empty());     // max(1, 1.8 -> 1) = 1
  const QuoteActions& a = run(make_ladder({{649990, 8}}, {}), live);  // max(1, 1.6 -> 1) = 1 < 2
  ASSERT_EQ(a.amend_count, 1u);
  EXPECT_EQ(a.amends[0].qty->lots, 8);
  EXPECT_FALSE(a.amends[0].price.has_value());
  const QuoteActions& b = run(make_ladder({{649990, 13}}, {}), live);  // 13 * 0.2 = 2.6 -> 2 < 3
  ASSERT_EQ(b.amend_count, 1u);
  EXPECT_EQ(b.amends[0].qty->lots, 13);
}

TEST_F(QuoterTest, SurplusOrdersAreCancelledWorstFirstKept) {
  const auto live = live_from(make_ladder({{649990, 10}, {649980, 10}, {649970, 10}}, {}));
  const QuoteActions& a = run(make_ladder({{649990, 10}}, {}), live);
  ASSERT_EQ(a.cancel_count, 2u);
  EXPECT_EQ(a.amend_count + a.create_count, 0u);
  EXPECT_EQ(id(a.cancels[0].link_id), "old-1");
  EXPECT_EQ(id(a.cancels[1].link_id), "old-2");
  EXPECT_EQ(a.cancels[0].instrument, 7);
}

TEST_F(QuoterTest, PulledSideCancelsEverything) {
  const QuoteActions& a = run(make_ladder({{649990, 10}, {649980, 10}}, {}), live_from(kTwoByTwo));
  ASSERT_EQ(a.cancel_count, 2u);
  EXPECT_EQ(id(a.cancels[0].link_id), "old-2");
  EXPECT_EQ(id(a.cancels[1].link_id), "old-3");
  EXPECT_EQ(a.counters.kept, 2u);
}

TEST_F(QuoterTest, MissingLevelsAreCreated) {
  const auto live = live_from(make_ladder({{649990, 10}}, {}));
  const QuoteActions& a = run(make_ladder({{649990, 10}, {649980, 10}, {649970, 10}}, {}), live);
  ASSERT_EQ(a.create_count, 2u);
  EXPECT_EQ(a.cancel_count + a.amend_count, 0u);
  EXPECT_EQ(a.creates[0].price.ticks, 649980);
  EXPECT_EQ(a.creates[1].price.ticks, 649970);
}

TEST_F(QuoterTest, PendingOrderIsUntouchedAndOccupiesItsLevel) {
  const std::vector<LiveOrder> live{make_live(Side::kBuy, 649990, 10, 0, /*pending=*/true)};
  const QuoteActions& a = run(make_ladder({{649995, 20}}, {}), live);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.counters.pending_occupied, 1u);
}

TEST_F(QuoterTest, PendingOrdersBeyondTheLadderAreNotCancelled) {
  const std::vector<LiveOrder> live{make_live(Side::kBuy, 649990, 10, 0, true),
                                    make_live(Side::kBuy, 649980, 10, 1, true),
                                    make_live(Side::kSell, 650010, 10, 2, true)};
  const QuoteActions& a = run(make_ladder({{649990, 10}}, {}), live);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.counters.pending_occupied, 1u);
}

TEST_F(QuoterTest, PendingOrderOccupiesTheNearestLevel) {
  const std::vector<LiveOrder> live{make_live(Side::kBuy, 649952, 10, 0, true)};
  const QuoteActions& a = run(make_ladder({{649990, 10}, {649950, 10}}, {}), live);
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_EQ(a.creates[0].price.ticks, 649990);
  EXPECT_EQ(a.action_count(), 1u);
}

TEST_F(QuoterTest, InFlightOrderNeverEvictsASettledOne) {
  // The in-flight order may be a cancel: the settled order keeps (or is amended into) the level.
  const std::vector<LiveOrder> live{make_live(Side::kBuy, 649990, 10, 0),
                                    make_live(Side::kBuy, 649900, 10, 1, /*pending=*/true)};
  EXPECT_TRUE(run(make_ladder({{649990, 10}}, {}), live).empty());
  const QuoteActions& a = run(make_ladder({{649995, 10}}, {}), live);
  ASSERT_EQ(a.action_count(), 1u);
  ASSERT_EQ(a.amend_count, 1u);
  EXPECT_EQ(id(a.amends[0].link_id), "old-0");
  EXPECT_EQ(a.counters.pending_occupied, 0u);
}

TEST_F(QuoterTest, InFlightOrderAtATargetPriceKeepsItsLevel) {
  const std::vector<LiveOrder> live{make_live(Side::kBuy, 649990, 10, 0, /*pending=*/true),
                                    make_live(Side::kBuy, 649985, 10, 1)};
  const QuoteActions& a = run(make_ladder({{649990, 10}, {649980, 10}}, {}), live);
  ASSERT_EQ(a.action_count(), 1u);
  ASSERT_EQ(a.amend_count, 1u);
  EXPECT_EQ(id(a.amends[0].link_id), "old-1");
  EXPECT_EQ(a.amends[0].price->ticks, 649980);
  EXPECT_EQ(a.counters.pending_occupied, 1u);
}

TEST_F(QuoterTest, SizesRoundDownToTheQtyStep) {
  cfg_.qty_step_lots = 10;
  configure();
  const QuoteActions& a = run(make_ladder({{649990, 25}, {649980, 7}}, {}), {});
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_EQ(a.creates[0].qty.lots, 20);
  EXPECT_EQ(a.counters.dropped_min_qty, 1u);  // 7 rounds to 0
  // A live order at the rounded size is already right.
  EXPECT_TRUE(run(make_ladder({{649990, 29}}, {}), {make_live(Side::kBuy, 649990, 20, 0)}).empty());
}

TEST_F(QuoterTest, DropsLevelsBelowMinQty) {
  inst_ = make_btc(Category::kLinear, "0.005");  // 5 lots
  const QuoteActions& a = run(make_ladder({{649990, 4}, {649980, 5}}, {}), {});
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_EQ(a.creates[0].price.ticks, 649980);
  EXPECT_EQ(a.counters.dropped_min_qty, 1u);
}

TEST_F(QuoterTest, DropsLevelsBelowMinNotionalAndCancelsTheirOrders) {
  // 1000 ticks = 100.0 USDT; 49 lots = 0.049 -> 4.9 USDT < 5; 50 lots -> exactly 5 USDT.
  const std::vector<LiveOrder> live{make_live(Side::kBuy, 1000, 49, 0)};
  const QuoteActions& a = run(make_ladder({{1000, 49}, {990, 60}}, {}), live);
  EXPECT_EQ(a.counters.dropped_min_notional, 1u);
  // The remaining level pairs with the live order: one amend instead of cancel + create.
  ASSERT_EQ(a.amend_count, 1u);
  EXPECT_EQ(a.amends[0].price->ticks, 990);
  EXPECT_EQ(a.amends[0].qty->lots, 60);
  EXPECT_EQ(a.action_count(), 1u);
  const QuoteActions& b = run(make_ladder({{1000, 50}}, {}), {});
  EXPECT_EQ(b.create_count, 1u);
  EXPECT_EQ(b.counters.dropped_min_notional, 0u);
}

// The quoter remembers a price range that passed the min-notional check for one (valuation, qty); prices
// walked up and down across the threshold, and other sizes and instruments in between, must still be
// judged exactly as a fresh quoter judges them. 1000 ticks * 50 lots is exactly 5 USDT.
TEST_F(QuoterTest, MinNotionalVerdictsDoNotDependOnEarlierDiffs) {
  const Instrument eth = [] {
    Instrument in;
    // Another valuation with the same min notional: tick 0.01 at scale 2, lot 0.01.
    EXPECT_EQ(make_instrument({Category::kLinear, "ETHUSDT", "Trading", "2", "0.01", "0.01", "0.01", "1000", "5"}, in),
              InstrumentError::kOk);
    return in;
  }();
  const std::vector<std::pair<int64_t, int64_t>> walk = {
      {1000, 50}, {1200, 50}, {999, 50}, {1001, 50}, {1000, 50}, {998, 50}, {5000, 50}, {999, 50},
      {1000, 49}, {1021, 49}, {1020, 49}, {1000, 50}, {1000, 51}, {981, 51}, {980, 51}, {1000, 50}};
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [px, lots] : walk) {
      for (const Instrument* in : {static_cast<const Instrument*>(&inst_), &eth}) {
        const QuoteLadder ladder = make_ladder({{px, lots}}, {});
        QuoteInput qi;
        qi.instrument = in;
        qi.target = &ladder;
        qi.budget = ActionBudget::unlimited();
        auto warm = std::make_unique<QuoteActions>();
        ASSERT_EQ(quoter_.diff(qi, *warm), QuoterError::kOk);
        Quoter fresh;
        ASSERT_EQ(fresh.configure(cfg_), QuoterError::kOk);
        auto cold = std::make_unique<QuoteActions>();
        ASSERT_EQ(fresh.diff(qi, *cold), QuoterError::kOk);
        Money value;
        ASSERT_TRUE(notional(*in, Price{px}, Qty{lots}, value));
        const uint32_t expected = value < in->min_notional ? 1u : 0u;
        EXPECT_EQ(warm->counters.dropped_min_notional, expected) << in->name() << " " << px << " x " << lots;
        EXPECT_EQ(cold->counters.dropped_min_notional, expected) << in->name() << " " << px << " x " << lots;
        EXPECT_EQ(warm->create_count, 1u - expected);
      }
    }
  }
}

TEST_F(QuoterTest, MaxQtyDropsByDefault) {
  const QuoteActions& a = run(make_ladder({{649990, 100001}, {649980, 100000}}, {}), {});
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_EQ(a.creates[0].qty.lots, 100000);
  EXPECT_EQ(a.counters.dropped_max_qty, 1u);
}

TEST_F(QuoterTest, MaxQtyClipsWhenAllowed) {
  cfg_.clip_to_max_qty = true;
  configure();
  const QuoteActions& a = run(make_ladder({{649990, 250000}}, {}), {});
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_EQ(a.creates[0].qty.lots, 100000);
  EXPECT_EQ(a.counters.clipped_max_qty, 1u);
  EXPECT_EQ(a.counters.dropped_max_qty, 0u);
}

TEST_F(QuoterTest, InvalidLevelsAreDropped) {
  // Out of order, duplicate, zero price, zero qty.
  const QuoteActions& a =
      run(make_ladder({{649980, 10}, {649990, 10}, {649980, 10}, {0, 10}, {649970, 0}}, {}), {});
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_EQ(a.creates[0].price.ticks, 649980);
  EXPECT_EQ(a.counters.dropped_invalid, 4u);
}

TEST_F(QuoterTest, BidCrossingOurLiveAskIsDroppedAndItsOrderHeld) {
  // One-tick market move with a tight quote: the new bid equals our old ask until the ask's amend lands.
  const auto live = live_from(make_ladder({{649990, 10}}, {{650000, 10}}));
  const QuoteActions& a = run(make_ladder({{650000, 10}}, {{650010, 10}}), live);
  EXPECT_EQ(a.counters.crossed_own, 1u);
  ASSERT_EQ(a.action_count(), 1u);
  ASSERT_EQ(a.amend_count, 1u);
  EXPECT_EQ(id(a.amends[0].link_id), "old-1");  // the ask moves away; the bid stays as is
  EXPECT_EQ(a.amends[0].price->ticks, 650010);
  // Next round: the ask is at 650010, so the bid may move up now.
  const auto settled = live_from(make_ladder({{649990, 10}}, {{650010, 10}}));
  const QuoteActions& b = run(make_ladder({{650000, 10}}, {{650010, 10}}), settled);
  ASSERT_EQ(b.amend_count, 1u);
  EXPECT_EQ(id(b.amends[0].link_id), "old-0");
  EXPECT_EQ(b.amends[0].price->ticks, 650000);
  EXPECT_EQ(b.counters.crossed_own, 0u);
}

TEST_F(QuoterTest, AskCrossingOurPendingBidIsDropped) {
  const std::vector<LiveOrder> live{make_live(Side::kBuy, 650000, 10, 0, true)};
  const QuoteActions& a = run(make_ladder({}, {{650000, 10}, {650010, 10}}), live);
  EXPECT_EQ(a.counters.crossed_own, 1u);
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_EQ(a.creates[0].price.ticks, 650010);
}

TEST_F(QuoterTest, CrossingTargetsDropBothCrossingLevels) {
  const QuoteActions& a = run(make_ladder({{650010, 10}, {649990, 10}}, {{650000, 10}, {650020, 10}}), {});
  EXPECT_EQ(a.counters.crossed_own, 2u);
  ASSERT_EQ(a.create_count, 2u);
  EXPECT_EQ(a.creates[0].price.ticks, 649990);
  EXPECT_EQ(a.creates[1].price.ticks, 650020);
}

TEST_F(QuoterTest, PostOnlyLevelThatWouldTakeIsDropped) {
  market_bid_ = Price{649990};
  market_ask_ = Price{650000};
  const QuoteActions& a = run(make_ladder({{650000, 10}, {649990, 10}}, {{649990, 10}, {650000, 10}}), {});
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.counters.crossed_market, 0u);  // they cross each other first: every level does
  EXPECT_EQ(a.counters.crossed_own, 4u);
  const QuoteActions& b = run(make_ladder({{650000, 10}, {649990, 10}}, {}), {});
  EXPECT_EQ(b.counters.crossed_market, 1u);
  ASSERT_EQ(b.create_count, 1u);
  EXPECT_EQ(b.creates[0].price.ticks, 649990);
  // An amend into the market is never produced either: the live order is held.
  const QuoteActions& c = run(make_ladder({{650000, 10}}, {}), {make_live(Side::kBuy, 649980, 10, 0)});
  EXPECT_EQ(c.counters.crossed_market, 1u);
  EXPECT_TRUE(c.empty());
}

TEST_F(QuoterTest, GtcSkipsTheMarketCheck) {
  cfg_.time_in_force = TimeInForce::kGtc;
  configure();
  market_ask_ = Price{650000};
  const QuoteActions& a = run(make_ladder({{650000, 10}}, {}), {});
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_EQ(a.creates[0].tif, TimeInForce::kGtc);
}

TEST_F(QuoterTest, CancelBudgetKeepsTheNearestTouchFirst) {
  const auto live = live_from(
      make_ladder({{649990, 10}, {649980, 10}, {649970, 10}}, {{650010, 10}, {650020, 10}, {650030, 10}}));
  ActionBudget budget = ActionBudget::unlimited();
  budget.cancels = 3;
  const QuoteActions& a = run(QuoteLadder{}, live, budget);
  ASSERT_EQ(a.cancel_count, 3u);
  EXPECT_EQ(id(a.cancels[0].link_id), "old-0");  // bid 649990
  EXPECT_EQ(id(a.cancels[1].link_id), "old-3");  // ask 650010
  EXPECT_EQ(id(a.cancels[2].link_id), "old-1");  // bid 649980
  EXPECT_EQ(a.counters.deferred_cancels, 3u);
}

TEST_F(QuoterTest, AmendBudgetKeepsTheNearestTouchFirst) {
  const auto live = live_from(make_ladder({{649990, 10}, {649980, 10}}, {{650010, 10}}));
  ActionBudget budget = ActionBudget::unlimited();
  budget.amends = 2;
  const QuoteActions& a = run(make_ladder({{649989, 10}, {649979, 10}}, {{650011, 10}}), live, budget);
  ASSERT_EQ(a.amend_count, 2u);
  EXPECT_EQ(id(a.amends[0].link_id), "old-0");
  EXPECT_EQ(id(a.amends[1].link_id), "old-2");
  EXPECT_EQ(a.counters.deferred_amends, 1u);
  EXPECT_EQ(a.cancel_count + a.create_count, 0u);
}

TEST_F(QuoterTest, CreateBudgetKeepsTheNearestTouchFirstAndSavesSequences) {
  ActionBudget budget = ActionBudget::unlimited();
  budget.creates = 3;
  const QuoteActions& a =
      run(make_ladder({{649990, 10}, {649980, 10}, {649970, 10}}, {{650010, 10}, {650020, 10}}), {}, budget);
  ASSERT_EQ(a.create_count, 3u);
  EXPECT_EQ(a.creates[0].price.ticks, 649990);
  EXPECT_EQ(a.creates[1].price.ticks, 650010);
  EXPECT_EQ(a.creates[2].price.ticks, 649980);
  EXPECT_EQ(a.counters.deferred_creates, 2u);
  EXPECT_EQ(a.next_link_seq, 103u);
}

TEST_F(QuoterTest, ZeroBudgetDefersEverything) {
  const auto live = live_from(make_ladder({{649990, 10}, {649980, 10}}, {}));
  const QuoteActions& a = run(make_ladder({{649991, 10}}, {{650010, 10}}), live, ActionBudget{});
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.batch_count, 0u);
  EXPECT_EQ(a.counters.deferred_amends, 1u);
  EXPECT_EQ(a.counters.deferred_cancels, 1u);
  EXPECT_EQ(a.counters.deferred_creates, 1u);
  EXPECT_EQ(a.next_link_seq, 100u);
}

TEST_F(QuoterTest, CreateWaitsForTheCancelItReplaces) {
  cfg_.use_amend = false;
  configure();
  const auto live = live_from(make_ladder({{649990, 10}}, {}));
  ActionBudget budget = ActionBudget::unlimited();
  budget.cancels = 0;
  const QuoteActions& a = run(make_ladder({{649995, 10}}, {}), live, budget);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.counters.deferred_cancels, 1u);
  EXPECT_EQ(a.counters.deferred_exposure, 1u);
}

TEST_F(QuoterTest, MaxOrderAgeRefreshesOldOrders) {
  cfg_.max_order_age_ns = 1'000;
  configure();
  const std::vector<LiveOrder> live{make_live(Side::kBuy, 649990, 10, 0, false, /*created=*/0),
                                    make_live(Side::kSell, 650010, 10, 1, false, /*created=*/500)};
  const QuoteLadder ladder = make_ladder({{649990, 10}}, {{650010, 10}});
  EXPECT_TRUE(run(ladder, live, ActionBudget::unlimited(), /*now=*/999).empty());
  const QuoteActions& a = run(ladder, live, ActionBudget::unlimited(), /*now=*/1'000);
  EXPECT_EQ(a.counters.aged, 1u);
  ASSERT_EQ(a.cancel_count, 1u);
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_EQ(a.amend_count, 0u);
  EXPECT_EQ(id(a.cancels[0].link_id), "old-0");
  EXPECT_EQ(a.creates[0].price.ticks, 649990);
  EXPECT_EQ(a.counters.kept, 1u);
}

TEST_F(QuoterTest, AgedPendingOrdersAreLeftAlone) {
  cfg_.max_order_age_ns = 1'000;
  configure();
  const std::vector<LiveOrder> live{make_live(Side::kBuy, 649990, 10, 0, true, 0)};
  const QuoteActions& a = run(make_ladder({{649990, 10}}, {}), live, ActionBudget::unlimited(), 5'000);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.counters.aged, 0u);
}

TEST_F(QuoterTest, ReduceOnlyLadderReplacesOrdersWithTheOtherFlag) {
  const auto live = live_from(make_ladder({{649990, 10}}, {}));  // reduce_only false
  const QuoteActions& a = run(make_ladder({{649990, 10}}, {}, /*reduce_only=*/true), live);
  ASSERT_EQ(a.cancel_count, 1u);
  ASSERT_EQ(a.create_count, 1u);
  EXPECT_TRUE(a.creates[0].reduce_only);
  // Orders with the right flag are kept.
  const std::vector<LiveOrder> ro{make_live(Side::kBuy, 649990, 10, 0, false, 0, /*reduce_only=*/true)};
  EXPECT_TRUE(run(make_ladder({{649990, 10}}, {}, true), ro).empty());
}

TEST_F(QuoterTest, PositionIdxPerSide) {
  cfg_.position_idx_buy = 1;
  cfg_.position_idx_sell = 2;
  configure();
  const QuoteActions& a = run(make_ladder({{649990, 10}}, {{650010, 10}}), {});
  ASSERT_EQ(a.create_count, 2u);
  EXPECT_EQ(a.creates[0].position_idx, 1);
  EXPECT_EQ(a.creates[1].position_idx, 2);
}

TEST_F(QuoterTest, LinkIdsAreNeverReused) {
  cfg_.use_amend = false;
  configure();
  std::set<std::string> seen;
  std::vector<LiveOrder> live;
  for (int round = 0; round < 50; ++round) {
    const int64_t off = round % 7;
    const QuoteLadder l = make_ladder({{649990 - off, 10}, {649980 - off, 10}}, {{650010 + off, 10}});
    const QuoteActions& a = run(l, live);
    EXPECT_EQ(a.next_link_seq, seq_ + a.create_count);
    for (const OrderCreate& c : a.create_span()) {
      EXPECT_TRUE(seen.insert(id(c.link_id)).second) << id(c.link_id);
      EXPECT_EQ(validate_link_id(c.link_id.view()), LinkIdError::kOk);
    }
    seq_ = a.next_link_seq;
    // The exchange applied everything: the live set is now the ladder, under the new ids.
    std::vector<LiveOrder> next;
    for (const LiveOrder& o : live) {
      bool cancelled = false;
      for (const OrderCancel& c : a.cancel_span()) cancelled |= c.link_id == o.link_id;
      if (!cancelled) next.push_back(o);
    }
    for (const OrderCreate& c : a.create_span()) {
      LiveOrder o;
      o.link_id = c.link_id;
      o.side = c.side;
      o.price = c.price;
      o.qty = c.qty;
      next.push_back(o);
    }
    live = next;
  }
  EXPECT_GT(seen.size(), 50u);
}

TEST_F(QuoterTest, BatchesFollowTheCategoryLimit) {
  QuoteLadder full;
  for (uint32_t i = 0; i < kMaxQuoteLevels; ++i) {
    ASSERT_TRUE(full.push_bid(Price{649990 - 10 * static_cast<int64_t>(i)}, Qty{10}));
    ASSERT_TRUE(full.push_ask(Price{650010 + 10 * static_cast<int64_t>(i)}, Qty{10}));
  }
  const QuoteActions& a = run(full, {});
  ASSERT_EQ(a.create_count, 32u);
  ASSERT_EQ(a.batch_count, 2u);
  EXPECT_EQ(a.batches[0].kind, QuoteActionKind::kCreate);
  EXPECT_EQ(a.batches[0].first, 0);
  EXPECT_EQ(a.batches[0].count, 20);
  EXPECT_EQ(a.batches[1].first, 20);
  EXPECT_EQ(a.batches[1].count, 12);
  EXPECT_EQ(a.creates_of(a.batches[1]).front().link_id, a.creates[20].link_id);

  inst_ = make_btc(Category::kSpot);
  const QuoteActions& b =
      run(make_ladder({{649990, 10}, {649980, 10}, {649970, 10}, {649960, 10}, {649950, 10}, {649940, 10}},
                      {{650010, 10}, {650020, 10}, {650030, 10}, {650040, 10}, {650050, 10}, {650060, 10}}),
          {});
  ASSERT_EQ(b.batch_count, 2u);
  EXPECT_EQ(b.batches[0].count, 10);
  EXPECT_EQ(b.batches[1].count, 2);
}

TEST_F(QuoterTest, BatchesGroupEachKindInSendOrder) {
  cfg_.max_batch_items = 2;
  configure();
  // Three surplus asks cancelled, two bids amended, one bid created.
  const std::vector<LiveOrder> live{
      make_live(Side::kBuy, 649990, 10, 0), make_live(Side::kBuy, 649980, 10, 1),
      make_live(Side::kSell, 650010, 10, 2), make_live(Side::kSell, 650020, 10, 3),
      make_live(Side::kSell, 650030, 10, 4)};
  const QuoteActions& a = run(make_ladder({{649995, 10}, {649985, 10}, {649975, 10}}, {}), live);
  ASSERT_EQ(a.cancel_count, 3u);
  ASSERT_EQ(a.amend_count, 2u);
  ASSERT_EQ(a.create_count, 1u);
  ASSERT_EQ(a.batch_count, 4u);
  EXPECT_EQ(a.batches[0].kind, QuoteActionKind::kCancel);
  EXPECT_EQ(a.batches[0].count, 2);
  EXPECT_TRUE(a.batches[0].is_batch());
  EXPECT_EQ(a.batches[1].kind, QuoteActionKind::kCancel);
  EXPECT_EQ(a.batches[1].first, 2);
  EXPECT_EQ(a.batches[1].count, 1);
  EXPECT_FALSE(a.batches[1].is_batch());
  EXPECT_EQ(a.batches[2].kind, QuoteActionKind::kAmend);
  EXPECT_EQ(a.batches[2].count, 2);
  EXPECT_EQ(a.batches[3].kind, QuoteActionKind::kCreate);
  EXPECT_EQ(a.batches[3].count, 1);
  EXPECT_EQ(a.amends_of(a.batches[2]).size(), 2u);
  EXPECT_EQ(a.cancels_of(a.batches[1]).front().link_id, a.cancels[2].link_id);
}

TEST_F(QuoterTest, SteadyStateDiffDoesNotAllocate) {
  const QuoteLadder l1 =
      make_ladder({{649990, 10}, {649980, 10}, {649970, 10}}, {{650010, 10}, {650020, 10}});
  const QuoteLadder l2 = make_ladder({{649991, 10}, {649981, 12}, {649971, 10}}, {{650011, 10}});
  const auto live = live_from(l1);
  run(l1, live);
  run(l2, {});
  mm::test::AllocScope scope;
  for (int i = 0; i < 100; ++i) {
    run(i % 2 ? l1 : l2, live);
    run(l2, {});
  }
  EXPECT_EQ(scope.allocations(), 0u);
}

TEST(Quoter, ConfigureRejectsBadSettings) {
  Quoter q;
  auto check = [&q](auto mutate, QuoterError want) {
    QuoterConfig c;
    mutate(c);
    EXPECT_EQ(q.configure(c), want);
  };
  check([](QuoterConfig& c) { c.link_id_prefix = ""; }, QuoterError::kBadLinkPrefix);
  check([](QuoterConfig& c) { c.link_id_prefix = "0123456789abcdef"; }, QuoterError::kBadLinkPrefix);
  check([](QuoterConfig& c) { c.link_id_prefix = "a b"; }, QuoterError::kBadLinkPrefix);
  check([](QuoterConfig& c) { c.price_tolerance_ticks = -1; }, QuoterError::kBadTolerance);
  check([](QuoterConfig& c) { c.size_tolerance_lots = -1; }, QuoterError::kBadTolerance);
  check([](QuoterConfig& c) { c.price_tolerance_bps = -0.1; }, QuoterError::kBadTolerance);
  check([](QuoterConfig& c) { c.price_tolerance_bps = 1e300 * 1e300; }, QuoterError::kBadTolerance);
  check([](QuoterConfig& c) { c.size_tolerance_fraction = 1.5; }, QuoterError::kBadTolerance);
  check([](QuoterConfig& c) { c.qty_step_lots = 0; }, QuoterError::kBadQtyStep);
  check([](QuoterConfig& c) { c.max_order_age_ns = -1; }, QuoterError::kBadMaxAge);
  check([](QuoterConfig& c) { c.max_batch_items = 21; }, QuoterError::kBadBatchSize);
  check([](QuoterConfig& c) { c.position_idx_sell = 3; }, QuoterError::kBadPositionIdx);
  check([](QuoterConfig& c) { c.link_id_prefix = "mm-bot_1"; }, QuoterError::kOk);
  EXPECT_EQ(q.link_id_prefix(), "mm-bot_1");
  EXPECT_TRUE(q.config().link_id_prefix.empty());
  // A failed configure leaves the previous one in force.
  QuoterConfig bad;
  bad.qty_step_lots = 0;
  EXPECT_EQ(q.configure(bad), QuoterError::kBadQtyStep);
  EXPECT_EQ(q.link_id_prefix(), "mm-bot_1");
  EXPECT_EQ(to_string(QuoterError::kTooManyLiveOrders), "too_many_live_orders");
}

TEST(Quoter, DiffRejectsBadInput) {
  auto out = std::make_unique<QuoteActions>();
  const Instrument inst = make_btc();
  const QuoteLadder ladder = make_ladder({{649990, 10}}, {});
  QuoteInput in;
  in.instrument = &inst;
  in.target = &ladder;
  in.budget = ActionBudget::unlimited();
  in.next_link_seq = 5;

  Quoter q;
  EXPECT_EQ(q.diff(in, *out), QuoterError::kNotConfigured);
  ASSERT_EQ(q.configure(QuoterConfig{}), QuoterError::kOk);
  in.target = nullptr;
  EXPECT_EQ(q.diff(in, *out), QuoterError::kBadInput);
  in.target = &ladder;
  std::vector<LiveOrder> many(kMaxQuoterLiveOrders + 1, make_live(Side::kBuy, 649000, 10, 1));
  in.live = many;
  EXPECT_EQ(q.diff(in, *out), QuoterError::kTooManyLiveOrders);
  EXPECT_TRUE(out->empty());
  EXPECT_EQ(out->next_link_seq, 5u);
  many.pop_back();
  in.live = many;
  EXPECT_EQ(q.diff(in, *out), QuoterError::kOk);
}

// Random ladders, live orders, budgets and touches: the safety rules hold every time.
TEST(Quoter, RandomizedInvariants) {
  std::mt19937_64 rng(20240611);
  auto uni = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const Instrument inst = make_btc();
  auto out = std::make_unique<QuoteActions>();
  for (int iter = 0; iter < 3000; ++iter) {
    QuoterConfig cfg;
    cfg.use_amend = uni(0, 3) != 0;
    cfg.price_tolerance_ticks = uni(0, 3);
    cfg.size_tolerance_lots = uni(0, 2);
    cfg.max_order_age_ns = uni(0, 1) * 1000;
    cfg.max_batch_items = static_cast<uint32_t>(uni(0, 5));
    Quoter q;
    ASSERT_EQ(q.configure(cfg), QuoterError::kOk);

    const int64_t mid = 650000 + uni(-20, 20);
    QuoteLadder l;
    l.reduce_only = uni(0, 5) == 0;
    for (int64_t i = 0, n = uni(0, 6), p = mid - uni(-3, 5); i < n; ++i, p -= uni(0, 4)) {
      (void)l.push_bid(Price{p}, Qty{uni(-1, 20)});
    }
    for (int64_t i = 0, n = uni(0, 6), p = mid + uni(-3, 5); i < n; ++i, p += uni(0, 4)) {
      (void)l.push_ask(Price{p}, Qty{uni(-1, 20)});
    }
    std::vector<LiveOrder> live;
    for (int64_t i = 0, n = uni(0, 10); i < n; ++i) {
      const bool bid = uni(0, 1) == 0;
      const int64_t px = bid ? 650000 - uni(0, 30) : 650000 + uni(0, 30);
      live.push_back(make_live(bid ? Side::kBuy : Side::kSell, px, uni(1, 20), static_cast<uint64_t>(i),
                               uni(0, 3) == 0, uni(0, 2000), uni(0, 5) == 0));
    }
    QuoteInput in;
    in.instrument = &inst;
    in.instrument_id = 3;
    in.target = &l;
    in.live = live;
    in.now_ns = 2000;
    in.budget = {static_cast<uint32_t>(uni(0, 6)), static_cast<uint32_t>(uni(0, 6)),
                 static_cast<uint32_t>(uni(0, 6))};
    in.next_link_seq = static_cast<uint64_t>(uni(0, 1000));
    if (uni(0, 1)) {
      in.market_bid = Price{mid - uni(0, 3)};
      in.market_ask = Price{mid + uni(1, 3)};
    }
    ASSERT_EQ(q.diff(in, *out), QuoterError::kOk);
    const QuoteActions& a = *out;
    SCOPED_TRACE(iter);

    ASSERT_LE(a.create_count, in.budget.creates);
    ASSERT_LE(a.amend_count, in.budget.amends);
    ASSERT_LE(a.cancel_count, in.budget.cancels);
    ASSERT_EQ(a.next_link_seq, in.next_link_seq + a.create_count);

    auto find_live = [&live](const OrderLinkId& lid) -> const LiveOrder* {
      for (const LiveOrder& o : live) {
        if (o.link_id == lid) return &o;
      }
      return nullptr;
    };
    // Orders acted on: ours, settled, at most once each.
    std::set<std::string> touched;
    int64_t max_bid = INT64_MIN;  // every bid and ask of ours after the actions, and the live ones before
    int64_t min_ask = INT64_MAX;
    std::vector<std::pair<Side, int64_t>> emitted;
    for (const LiveOrder& o : live) {
      if (o.side == Side::kBuy) max_bid = std::max(max_bid, o.price.ticks);
      if (o.side == Side::kSell) min_ask = std::min(min_ask, o.price.ticks);
    }
    for (const OrderCancel& c : a.cancel_span()) {
      const LiveOrder* o = find_live(c.link_id);
      ASSERT_NE(o, nullptr);
      EXPECT_FALSE(o->pending);
      EXPECT_TRUE(touched.insert(id(c.link_id)).second);
    }
    for (const OrderAmend& m : a.amend_span()) {
      const LiveOrder* o = find_live(m.link_id);
      ASSERT_NE(o, nullptr);
      EXPECT_FALSE(o->pending);
      EXPECT_EQ(o->reduce_only, l.reduce_only);
      EXPECT_TRUE(m.price.has_value() || m.qty.has_value());
      EXPECT_TRUE(touched.insert(id(m.link_id)).second);
      if (m.qty) {
        EXPECT_GE(m.qty->lots, inst.min_qty.lots);
      }
      if (m.price) emitted.emplace_back(o->side, m.price->ticks);
    }
    for (const OrderCreate& c : a.create_span()) {
      EXPECT_GE(c.qty.lots, inst.min_qty.lots);
      EXPECT_GT(c.price.ticks, 0);
      EXPECT_EQ(c.reduce_only, l.reduce_only);
      emitted.emplace_back(c.side, c.price.ticks);
    }
    for (const auto& [side, px] : emitted) {
      if (side == Side::kBuy) max_bid = std::max(max_bid, px);
      if (side == Side::kSell) min_ask = std::min(min_ask, px);
    }
    // No emitted price crosses any of our quotes, old or new, nor (post-only) the market.
    for (const auto& [side, px] : emitted) {
      if (side == Side::kBuy) {
        EXPECT_LT(px, min_ask);
        if (in.market_ask.ticks > 0) {
          EXPECT_LT(px, in.market_ask.ticks);
        }
      } else {
        EXPECT_GT(px, max_bid);
        if (in.market_bid.ticks > 0) {
          EXPECT_GT(px, in.market_bid.ticks);
        }
      }
    }
    // Batches cover each array exactly once, in send order.
    uint32_t next[3] = {0, 0, 0};
    int last_kind = 0;
    const uint32_t limit = cfg.max_batch_items == 0 ? 20 : cfg.max_batch_items;
    for (const QuoteBatch& b : a.batch_span()) {
      const int k = static_cast<int>(b.kind);
      EXPECT_GE(k, last_kind);
      last_kind = k;
      EXPECT_EQ(b.first, next[k]);
      EXPECT_GE(b.count, 1);
      EXPECT_LE(b.count, limit);
      next[k] += b.count;
    }
    EXPECT_EQ(next[0], a.cancel_count);
    EXPECT_EQ(next[1], a.amend_count);
    EXPECT_EQ(next[2], a.create_count);
  }
}

// With an unlimited budget and an exchange that applies everything, a consistent ladder (bids below asks)
// is reached within three rounds (one for the cross-held orders to follow), and then nothing more is sent.
TEST(Quoter, ConvergesToTheLadderAndStaysQuiet) {
  std::mt19937_64 rng(7);
  auto uni = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const Instrument inst = make_btc();
  auto out = std::make_unique<QuoteActions>();
  for (int iter = 0; iter < 2000; ++iter) {
    SCOPED_TRACE(iter);
    QuoterConfig cfg;
    cfg.use_amend = uni(0, 1) != 0;
    cfg.max_order_age_ns = 1000;
    Quoter q;
    ASSERT_EQ(q.configure(cfg), QuoterError::kOk);

    const int64_t mid = 650000 + uni(-10, 10);
    QuoteLadder l;
    l.reduce_only = uni(0, 4) == 0;
    const int64_t nb = uni(0, 5);
    const int64_t na = uni(0, 5);
    for (int64_t i = 0, p = mid - uni(1, 3); i < nb; ++i, p -= uni(1, 4)) {
      ASSERT_TRUE(l.push_bid(Price{p}, Qty{uni(1, 20)}));
    }
    for (int64_t i = 0, p = mid + uni(0, 3); i < na; ++i, p += uni(1, 4)) {
      ASSERT_TRUE(l.push_ask(Price{p}, Qty{uni(1, 20)}));
    }
    // Settled live orders from an older ladder around another mid: bids below asks.
    const int64_t old_mid = 650000 + uni(-15, 15);
    std::vector<LiveOrder> live;
    uint64_t seq = 0;
    for (int64_t i = 0, n = uni(0, 8); i < n; ++i) {
      const bool bid = uni(0, 1) == 0;
      const int64_t px = bid ? old_mid - uni(1, 15) : old_mid + uni(0, 15);
      live.push_back(make_live(bid ? Side::kBuy : Side::kSell, px, uni(1, 20), seq++, false, uni(0, 2000),
                               uni(0, 4) == 0));
    }

    QuoteInput in;
    in.instrument = &inst;
    in.target = &l;
    in.now_ns = 2000;
    in.budget = ActionBudget::unlimited();
    int rounds = 0;
    for (; rounds < 4; ++rounds) {
      in.live = live;
      ASSERT_EQ(q.diff(in, *out), QuoterError::kOk);
      in.next_link_seq = out->next_link_seq;
      if (out->empty()) break;
      std::vector<LiveOrder> next;
      for (const LiveOrder& o : live) {
        bool cancelled = false;
        for (const OrderCancel& c : out->cancel_span()) cancelled |= c.link_id == o.link_id;
        if (cancelled) continue;
        LiveOrder n = o;
        for (const OrderAmend& m : out->amend_span()) {
          if (m.link_id != o.link_id) continue;
          if (m.price) n.price = *m.price;
          if (m.qty) n.qty = *m.qty;
        }
        next.push_back(n);
      }
      for (const OrderCreate& c : out->create_span()) {
        LiveOrder o;
        o.link_id = c.link_id;
        o.side = c.side;
        o.price = c.price;
        o.qty = c.qty;
        o.created_ns = in.now_ns;
        o.reduce_only = c.reduce_only;
        next.push_back(o);
      }
      live = next;
    }
    ASSERT_LE(rounds, 3);
    // The resting orders are exactly the ladder.
    std::multiset<std::pair<int64_t, int64_t>> want;
    std::multiset<std::pair<int64_t, int64_t>> have;
    for (uint32_t i = 0; i < l.bid_count; ++i) want.emplace(-l.bids[i].price.ticks, l.bids[i].qty.lots);
    for (uint32_t i = 0; i < l.ask_count; ++i) want.emplace(l.asks[i].price.ticks, l.asks[i].qty.lots);
    for (const LiveOrder& o : live) {
      EXPECT_EQ(o.reduce_only, l.reduce_only);
      have.emplace(o.side == Side::kBuy ? -o.price.ticks : o.price.ticks, o.qty.lots);
    }
    EXPECT_EQ(have, want);
  }
}

}  // namespace
}  // namespace mm

namespace mm {
namespace {

// A zero price tolerance skips the two tolerance passes (they would repeat the exact ones). A tolerance of
// 1 ppb is nonzero, so it runs them, yet rounds to 0 ticks at these prices: every diff must come out the
// same either way, pending orders, partial ladders and budgets included.
TEST(Quoter, ZeroToleranceSkipsOnlyPassesThatCannotMatch) {
  const Instrument inst = make_btc();
  QuoterConfig exact_cfg;
  QuoterConfig tiny_cfg;
  tiny_cfg.price_tolerance_bps = 1e-5;  // 1 ppb: 650000 ticks * 1e-9 rounds to 0
  Quoter exact;
  Quoter tiny;
  ASSERT_EQ(exact.configure(exact_cfg), QuoterError::kOk);
  ASSERT_EQ(tiny.configure(tiny_cfg), QuoterError::kOk);
  auto a = std::make_unique<QuoteActions>();
  auto b = std::make_unique<QuoteActions>();
  std::mt19937_64 rng(424242);
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int round = 0; round < 5000; ++round) {
    QuoteLadder ladder;
    const int nb = pick(0, 4);
    const int na = pick(0, 4);
    int64_t px = 649990 - pick(0, 3);
    for (int i = 0; i < nb; ++i, px -= pick(1, 3)) ASSERT_TRUE(ladder.push_bid(Price{px}, Qty{pick(1, 3)}));
    px = 650010 + pick(0, 3);
    for (int i = 0; i < na; ++i, px += pick(1, 3)) ASSERT_TRUE(ladder.push_ask(Price{px}, Qty{pick(1, 3)}));
    std::vector<LiveOrder> live;
    const int nl = pick(0, 6);
    for (int i = 0; i < nl; ++i) {
      const bool buy = pick(0, 1) == 0;
      const int64_t p = buy ? 649990 - pick(0, 10) : 650010 + pick(0, 10);
      live.push_back(make_live(buy ? Side::kBuy : Side::kSell, p, pick(1, 3), static_cast<uint64_t>(i),
                               /*pending=*/pick(0, 3) == 0));
    }
    QuoteInput in;
    in.instrument = &inst;
    in.instrument_id = 7;
    in.target = &ladder;
    in.live = live;
    in.budget = pick(0, 4) == 0 ? ActionBudget{1, 1, 1} : ActionBudget::unlimited();
    in.next_link_seq = 100;
    ASSERT_EQ(exact.diff(in, *a), QuoterError::kOk);
    ASSERT_EQ(tiny.diff(in, *b), QuoterError::kOk);
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_EQ(a->cancel_count, b->cancel_count);
    ASSERT_EQ(a->amend_count, b->amend_count);
    ASSERT_EQ(a->create_count, b->create_count);
    for (uint32_t i = 0; i < a->cancel_count; ++i) EXPECT_EQ(id(a->cancels[i].link_id), id(b->cancels[i].link_id));
    for (uint32_t i = 0; i < a->amend_count; ++i) {
      EXPECT_EQ(id(a->amends[i].link_id), id(b->amends[i].link_id));
      EXPECT_EQ(a->amends[i].price, b->amends[i].price);
      EXPECT_EQ(a->amends[i].qty, b->amends[i].qty);
    }
    for (uint32_t i = 0; i < a->create_count; ++i) {
      EXPECT_EQ(a->creates[i].side, b->creates[i].side);
      EXPECT_EQ(a->creates[i].price, b->creates[i].price);
      EXPECT_EQ(a->creates[i].qty, b->creates[i].qty);
    }
    EXPECT_EQ(a->counters.kept, b->counters.kept);
    EXPECT_EQ(a->counters.pending_occupied, b->counters.pending_occupied);
  }
}

}  // namespace
}  // namespace mm
