// Fill engine (sim/fill_engine.h): hand-built scenarios with exact fills for each queue model, taking
// liquidity, order errors, and a run over the real recording.
#include "sim/fill_engine.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/instrument_registry.h"
#include "net/bybit_codec.h"
#include "net/instruments_json.h"
#include "sim/recording.h"
#include "tests/support/alloc_counter.h"

namespace mm {

bool operator==(const EngineFill& a, const EngineFill& b) {
  return a.order_id == b.order_id && a.side == b.side && a.price == b.price && a.qty == b.qty &&
         a.maker == b.maker && a.leaves_after == b.leaves_after;
}

std::ostream& operator<<(std::ostream& os, const EngineFill& f) {
  return os << "{id " << f.order_id << ' ' << to_string(f.side) << ' ' << f.qty.lots << " @ " << f.price.ticks
            << (f.maker ? " maker" : " taker") << " leaves " << f.leaves_after.lots << '}';
}

namespace {

constexpr Side kBuy = Side::kBuy;
constexpr Side kSell = Side::kSell;
constexpr OrderType kLimit = OrderType::kLimit;
constexpr OrderType kMarket = OrderType::kMarket;

struct Sink final : FillSink {
  std::vector<EngineFill> fills;
  void on_fill(const EngineFill& f) noexcept override { fills.push_back(f); }
  std::vector<EngineFill> take() { return std::exchange(fills, {}); }
};

EngineFill maker(uint64_t id, Side s, int64_t px, int64_t q, int64_t leaves) {
  return EngineFill{id, s, Price{px}, Qty{q}, true, Qty{leaves}};
}
EngineFill taker(uint64_t id, Side s, int64_t px, int64_t q, int64_t leaves) {
  return EngineFill{id, s, Price{px}, Qty{q}, false, Qty{leaves}};
}

using Levels = std::vector<std::pair<int64_t, int64_t>>;

// Holds the level arrays alive for the BookUpdate.
struct Msg {
  std::vector<PriceLevel> b, a;
  BookUpdate u;
  Msg(bool snapshot, const Levels& bids, const Levels& asks) {
    for (auto [p, q] : bids) b.push_back(PriceLevel{Price{p}, Qty{q}});
    for (auto [p, q] : asks) a.push_back(PriceLevel{Price{p}, Qty{q}});
    u.snapshot = snapshot;
    u.bids = b.data();
    u.bid_count = static_cast<uint32_t>(b.size());
    u.asks = a.data();
    u.ask_count = static_cast<uint32_t>(a.size());
  }
};

TradeEvent trade(Side taker_side, int64_t px, int64_t q) {
  TradeEvent t;
  t.taker_side = taker_side;
  t.price = Price{px};
  t.qty = Qty{q};
  return t;
}

FillEngineConfig config(QueueModelKind k, double n = 2.0, FillRule rule = FillRule::kConservative) {
  FillEngineConfig c;
  c.fill_rule = rule;
  c.queue.kind = k;
  c.queue.power = n;
  c.book_window_ticks = 4096;
  c.book_overflow_capacity = 64;
  c.max_orders = 8;
  return c;
}

// bids 100 x10, 99 x7; asks 101 x10, 102 x5.
void seed(FillEngine& e, Sink& s) {
  Msg m(true, {{100, 10}, {99, 7}}, {{101, 10}, {102, 5}});
  ASSERT_EQ(e.on_book(m.u, s), BookError::kOk);
}

void delta(FillEngine& e, Sink& s, const Levels& bids, const Levels& asks) {
  Msg m(false, bids, asks);
  ASSERT_EQ(e.on_book(m.u, s), BookError::kOk);
}

double ahead(const FillEngine& e, uint64_t id) {
  const auto o = e.order(id);
  return o ? o->queue_ahead : -1.0;
}

class EachModel : public ::testing::TestWithParam<QueueModelKind> {};

INSTANTIATE_TEST_SUITE_P(FillEngine, EachModel,
                         ::testing::Values(QueueModelKind::kRiskAverse, QueueModelKind::kPowerProb,
                                           QueueModelKind::kLogProb),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

// Join a level of 10 lots with 5, trades of 4 then 8 at our price: 2 of our 5 fill on the second trade.
TEST_P(EachModel, TradesAtOurPriceFillPastTheQueue) {
  FillEngine e(config(GetParam()));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  EXPECT_EQ(ahead(e, 1), 10.0);
  e.on_trade(trade(kSell, 100, 4), s);
  EXPECT_TRUE(s.fills.empty());
  EXPECT_EQ(ahead(e, 1), 6.0);
  e.on_trade(trade(kSell, 100, 8), s);
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(1, kBuy, 100, 2, 3)}));
  EXPECT_EQ(e.order(1)->filled, Qty{2});
  EXPECT_EQ(e.order(1)->leaves, Qty{3});
  // A print whose aggressor bought hits the asks, not our bid.
  e.on_trade(trade(kBuy, 100, 50), s);
  EXPECT_TRUE(s.fills.empty());
  // At the front now: the next 2 lots sold at 100 are ours; then the last 1 with the next print.
  e.on_trade(trade(kSell, 100, 2), s);
  e.on_trade(trade(kSell, 100, 7), s);
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(1, kBuy, 100, 2, 1), maker(1, kBuy, 100, 1, 0)}));
  EXPECT_FALSE(e.order(1));
  EXPECT_EQ(e.cancel(1), CancelResult::kNotFound);  // cancel after fill
  EXPECT_EQ(e.live_orders(), 0u);
  EXPECT_EQ(e.counters().maker_fills, 3u);
}

// Same on the ask side, with a trade-through print under hftbacktest's rule: a buy at 102 takes our ask at
// 101 first, all of it.
TEST_P(EachModel, TradeThroughFillsCompletelyAtOurPrice) {
  FillEngine e(config(GetParam(), 2.0, FillRule::kHftbacktest));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(7, kSell, kLimit, TimeInForce::kGtc, Price{101}, Qty{6}, s), SubmitResult::kRested);
  EXPECT_EQ(ahead(e, 7), 10.0);
  e.on_trade(trade(kBuy, 101, 3), s);  // at our price: queue 10 -> 7
  EXPECT_TRUE(s.fills.empty());
  e.on_trade(trade(kSell, 100, 3), s);  // the other side
  EXPECT_TRUE(s.fills.empty());
  e.on_trade(trade(kBuy, 102, 1), s);  // through our price: a 1-lot print still fills all 6
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(7, kSell, 101, 6, 0)}));
  EXPECT_EQ(e.counters().trade_through_fills, 1u);
  EXPECT_EQ(e.live_orders(), 0u);
}

// Orders at two prices, hftbacktest's rule: a print at the better one's level runs the queue of the one
// there, and the one at a price strictly better for the aggressor fills completely.
TEST_P(EachModel, TradeThroughAndQueueInOnePrint) {
  FillEngine e(config(GetParam(), 2.0, FillRule::kHftbacktest));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  ASSERT_EQ(e.submit(2, kBuy, kLimit, TimeInForce::kPostOnly, Price{99}, Qty{4}, s), SubmitResult::kRested);
  EXPECT_EQ(ahead(e, 2), 7.0);
  e.on_trade(trade(kSell, 99, 9), s);
  auto f = s.take();
  ASSERT_EQ(f.size(), 2u);
  if (f[0].order_id == 2) std::swap(f[0], f[1]);  // the order of fills within one print is unspecified
  EXPECT_EQ(f, (std::vector<EngineFill>{maker(1, kBuy, 100, 5, 0), maker(2, kBuy, 99, 2, 2)}));
  EXPECT_EQ(e.counters().trade_through_fills, 1u);
}

TEST_P(EachModel, BookMovingThroughOurOrderFillsIt) {
  FillEngine e(config(GetParam(), 2.0, FillRule::kHftbacktest));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  ASSERT_EQ(e.submit(2, kSell, kLimit, TimeInForce::kPostOnly, Price{102}, Qty{3}, s), SubmitResult::kRested);
  delta(e, s, {}, {{101, 0}});  // best ask 102 now: still above our bid
  EXPECT_TRUE(s.fills.empty());
  delta(e, s, {}, {{100, 4}});  // an ask at our bid's price: the market reached us
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(1, kBuy, 100, 5, 0)}));
  delta(e, s, {{103, 1}}, {{100, 0}});  // a bid above our ask: through it
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(2, kSell, 102, 3, 0)}));
  EXPECT_EQ(e.counters().move_through_fills, 2u);
  EXPECT_EQ(e.live_orders(), 0u);
}

TEST_P(EachModel, SnapshotRecapsTheQueueAndCanFill) {
  FillEngine e(config(GetParam(), 2.0, FillRule::kHftbacktest));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  ASSERT_EQ(e.submit(2, kBuy, kLimit, TimeInForce::kPostOnly, Price{99}, Qty{5}, s), SubmitResult::kRested);
  Msg snap(true, {{100, 4}, {98, 3}}, {{101, 2}});
  ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
  EXPECT_EQ(ahead(e, 1), 4.0);  // 10 capped to 4
  EXPECT_EQ(ahead(e, 2), 0.0);  // the level is gone from the snapshot
  EXPECT_TRUE(s.fills.empty());
  Msg crossed(true, {{98, 3}}, {{99, 1}});  // asks at 99: both bids reached
  ASSERT_EQ(e.on_book(crossed.u, s), BookError::kOk);
  auto f = s.take();
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].order_id + f[1].order_id, 3u);
  for (const EngineFill& x : f) {
    EXPECT_TRUE(x.maker);
    EXPECT_EQ(x.qty, Qty{5});
    EXPECT_EQ(x.price, Price{x.order_id == 1 ? 100 : 99});
  }
}

// The conservative rule (the default): a trade through our price fills at most the print's size.
TEST_P(EachModel, ConservativeTradeThroughFillsAtMostThePrint) {
  FillEngine e(config(GetParam()));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(7, kSell, kLimit, TimeInForce::kGtc, Price{101}, Qty{6}, s), SubmitResult::kRested);
  e.on_trade(trade(kBuy, 102, 1), s);  // a 1-lot print through our price: 1 lot of ours
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(7, kSell, 101, 1, 5)}));
  e.on_trade(trade(kBuy, 103, 9), s);  // a bigger one: the rest
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(7, kSell, 101, 5, 0)}));
  EXPECT_EQ(e.counters().trade_through_fills, 2u);
}

// The case: our bid improves the book (bids 100, asks 102, ours at 101 for 10 lots); a 1-lot sell
// printed at 100. Conservative: 1 lot; hftbacktest: all 10.
TEST_P(EachModel, PrintBelowAnImprovingBidFillsThePrintedSizeOnly) {
  for (FillRule rule : {FillRule::kConservative, FillRule::kHftbacktest}) {
    FillEngine e(config(GetParam(), 2.0, rule));
    Sink s;
    Msg snap(true, {{100, 10}}, {{102, 10}});
    ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
    ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{101}, Qty{10}, s),
              SubmitResult::kRested);
    e.on_trade(trade(kSell, 100, 1), s);
    const int64_t want = rule == FillRule::kConservative ? 1 : 10;
    EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(1, kBuy, 101, want, 10 - want)})) << to_string(rule);
  }
}

// Conservative: the print is shared best price first; what is left runs the queue at the print's price.
TEST_P(EachModel, ConservativePrintSharedBestPriceFirst) {
  FillEngine e(config(GetParam()));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  ASSERT_EQ(e.submit(2, kBuy, kLimit, TimeInForce::kPostOnly, Price{99}, Qty{4}, s), SubmitResult::kRested);
  e.on_trade(trade(kSell, 99, 9),
             s);  // 5 to our 100 bid, 4 left for the queue of 7 at 99: nothing reaches us
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(1, kBuy, 100, 5, 0)}));
  EXPECT_EQ(ahead(e, 2), 3.0);
  e.on_trade(trade(kSell, 99, 5), s);  // at our price now: 3 ahead, 2 reach us
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(2, kBuy, 99, 2, 2)}));
}

// Conservative: a book moving to our price fills the displayed size, and that size is consumed: the same
// lots never fill us twice, only what the market adds beyond them does.
TEST_P(EachModel, ConservativeMoveThroughFillsTheDisplayedSizeOnce) {
  FillEngine e(config(GetParam()));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  delta(e, s, {}, {{100, 4}});  // 4 lots offered at our bid: 4 fill
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(1, kBuy, 100, 4, 1)}));
  EXPECT_EQ(e.book().qty_at(kSell, Price{100}), Qty{0});
  EXPECT_EQ(e.book().best_ask()->price, Price{101});
  delta(e, s, {}, {{100, 3}, {102, 6}});  // 1 of the 4 cancelled: 3 - 4 < 0, nothing new
  EXPECT_TRUE(s.fills.empty());
  EXPECT_EQ(e.book().qty_at(kSell, Price{100}), Qty{0});
  delta(e, s, {}, {{100, 6}});  // 2 beyond the 4 we consumed: our last lot fills, 1 stays displayed
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(1, kBuy, 100, 1, 0)}));
  EXPECT_EQ(e.book().qty_at(kSell, Price{100}), Qty{1});
  delta(e, s, {}, {{100, 0}});  // the market empties the level: forgotten
  delta(e, s, {}, {{100, 2}});
  EXPECT_EQ(e.book().qty_at(kSell, Price{100}), Qty{2});
  EXPECT_EQ(e.counters().move_through_fills, 2u);
}

// Conservative: reached orders fill best price first against the reaching levels, best first.
TEST_P(EachModel, ConservativeMoveThroughBestFirstAcrossLevels) {
  FillEngine e(config(GetParam()));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{3}, s), SubmitResult::kRested);
  ASSERT_EQ(e.submit(2, kBuy, kLimit, TimeInForce::kPostOnly, Price{99}, Qty{3}, s), SubmitResult::kRested);
  delta(e, s, {{100, 0}}, {{99, 2}, {100, 2}});  // asks at 99 x2 and 100 x2 reach both bids
  // Our 100 bid takes the 99 ask (2) then 1 of the 100 ask; the 100 ask's last lot does not reach our 99.
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(1, kBuy, 100, 2, 1), maker(1, kBuy, 100, 1, 0)}));
  EXPECT_EQ(e.book().best_ask()->price, Price{100});
  EXPECT_EQ(e.book().best_ask()->qty, Qty{1});
  EXPECT_EQ(e.order(2)->leaves, Qty{3});
}

// A snapshot keeps what we consumed at a level it still shows, and forgets a level it does not show.
TEST(FillEngine, ConservativeSnapshotKeepsConsumption) {
  FillEngine e(config(QueueModelKind::kRiskAverse));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kIoc, Price{102}, Qty{12}, s),
            SubmitResult::kFilled);  // takes 101 x10 and 102 x2 of 5
  s.take();
  Msg snap(true, {{100, 10}}, {{101, 10}, {102, 5}, {103, 1}});  // the market never saw us
  ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
  EXPECT_TRUE(s.fills.empty());
  EXPECT_EQ(e.book().qty_at(kSell, Price{101}), Qty{0});
  EXPECT_EQ(e.book().qty_at(kSell, Price{102}), Qty{3});
  Msg gone(true, {{100, 10}}, {{103, 1}});
  ASSERT_EQ(e.on_book(gone.u, s), BookError::kOk);
  Msg back(true, {{100, 10}}, {{101, 10}, {102, 5}});  // emptied in between: new liquidity, shown in full
  ASSERT_EQ(e.on_book(back.u, s), BookError::kOk);
  EXPECT_EQ(e.book().qty_at(kSell, Price{101}), Qty{10});
  EXPECT_EQ(e.book().qty_at(kSell, Price{102}), Qty{5});
}

// More consumed levels than the table holds: the farthest is forgotten (counted), nothing breaks.
TEST(FillEngine, ConsumedTableFullForgetsTheFarthest) {
  FillEngine e(config(QueueModelKind::kRiskAverse));
  Sink s;
  Levels asks;
  for (int64_t p = 101; p < 101 + FillEngine::kMaxConsumed + 2; ++p) asks.emplace_back(p, 1);
  Msg snap(true, {{100, 10}}, asks);
  ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
  EXPECT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kIoc, Price{200}, Qty{FillEngine::kMaxConsumed + 2}, s),
            SubmitResult::kFilled);
  EXPECT_EQ(e.counters().consumed_forgotten, 2u);
  // The lowest two were forgotten: a re-sent size there shows again; a remembered one stays consumed.
  delta(e, s, {}, {{101, 1}, {133, 1}});
  EXPECT_EQ(e.book().qty_at(kSell, Price{101}), Qty{1});
  EXPECT_EQ(e.book().qty_at(kSell, Price{133}), Qty{0});
}

TEST(FillRule, NamesRoundTrip) {
  for (FillRule r : {FillRule::kConservative, FillRule::kHftbacktest}) {
    FillRule out = r == FillRule::kConservative ? FillRule::kHftbacktest : FillRule::kConservative;
    EXPECT_TRUE(parse_fill_rule(to_string(r), out));
    EXPECT_EQ(out, r);
  }
  FillRule out = FillRule::kHftbacktest;
  EXPECT_FALSE(parse_fill_rule("optimistic", out));
  EXPECT_EQ(out, FillRule::kHftbacktest);
  FillEngineConfig c;
  EXPECT_EQ(c.fill_rule, FillRule::kConservative);
  c.fill_rule = static_cast<FillRule>(7);
  EXPECT_EQ(c.validate(), "fill_engine.fill_rule must be conservative or hftbacktest");
}

TEST_P(EachModel, PostOnlyThatWouldCrossIsRejected) {
  FillEngine e(config(GetParam()));
  Sink s;
  seed(e, s);
  EXPECT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{101}, Qty{1}, s),
            SubmitResult::kRejectedPostOnly);  // bid == best ask
  EXPECT_EQ(e.submit(2, kBuy, kLimit, TimeInForce::kPostOnly, Price{105}, Qty{1}, s),
            SubmitResult::kRejectedPostOnly);
  EXPECT_EQ(e.submit(3, kSell, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{1}, s),
            SubmitResult::kRejectedPostOnly);  // ask == best bid
  EXPECT_TRUE(s.fills.empty());
  EXPECT_EQ(e.live_orders(), 0u);
  EXPECT_EQ(e.book().qty_at(kSell, Price{101}), Qty{10});  // nothing taken
  EXPECT_EQ(e.submit(4, kSell, kLimit, TimeInForce::kPostOnly, Price{101}, Qty{1}, s), SubmitResult::kRested);
  EXPECT_EQ(e.submit(5, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{1}, s), SubmitResult::kRested);
  // An empty opposite side cannot be crossed.
  FillEngine empty(config(GetParam()));
  EXPECT_EQ(empty.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{1000}, Qty{1}, s),
            SubmitResult::kRested);
}

// Cancels by others in the queue, per model, with hand-computed positions (queue_model_test.cpp has the
// formulas): join 100 at 2 lots, 8 join behind, 5 cancel; then trades reach us.
TEST(FillEngine, CancelsAheadMoveUsPerModel) {
  struct Case {
    QueueModelKind kind;
    double expected_ahead;  // after the cancel
    int64_t fill_on_3;      // what a 3-lot sell print at 100 then fills
  };
  for (const Case& c :
       {Case{QueueModelKind::kRiskAverse, 2.0, 1}, Case{QueueModelKind::kPowerProb, 29.0 / 17.0, 1},
        Case{QueueModelKind::kLogProb, 1.0 / 3.0, 2}}) {
    FillEngine e(config(c.kind));
    Sink s;
    Msg snap(true, {{100, 2}}, {{101, 10}});
    ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
    ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s),
              SubmitResult::kRested);
    delta(e, s, {{100, 10}}, {});
    delta(e, s, {{99, 4}, {100, 5}}, {{102, 1}});
    EXPECT_NEAR(ahead(e, 1), c.expected_ahead, 1e-12) << to_string(c.kind);
    e.on_trade(trade(kSell, 100, 3), s);
    ASSERT_EQ(s.fills.size(), 1u) << to_string(c.kind);
    EXPECT_EQ(s.fills[0], maker(1, kBuy, 100, c.fill_on_3, 5 - c.fill_on_3)) << to_string(c.kind);
  }
}

TEST(FillEngine, PowerTwoSymmetricCancelsThenFractionalQueue) {
  FillEngine e(config(QueueModelKind::kPowerProb));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  delta(e, s, {{100, 20}}, {});
  delta(e, s, {{100, 15}}, {});
  EXPECT_DOUBLE_EQ(ahead(e, 1), 7.5);
  delta(e, s, {{100, 5}}, {});
  EXPECT_DOUBLE_EQ(ahead(e, 1), 2.5);
  e.on_trade(trade(kSell, 100, 3), s);  // 0.5 lot past the queue: no whole lot, but we are at the front
  EXPECT_TRUE(s.fills.empty());
  EXPECT_EQ(ahead(e, 1), 0.0);
  e.on_trade(trade(kSell, 100, 1), s);
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(1, kBuy, 100, 1, 4)}));
}

// A level listed twice in one message changes from its size before the message to its final size.
TEST(FillEngine, LevelTwiceInOneMessageIsOneChange) {
  FillEngine e(config(QueueModelKind::kPowerProb));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  delta(e, s, {{100, 20}}, {});
  delta(e, s, {{100, 30}, {100, 15}}, {});  // 20 -> 15 overall
  EXPECT_DOUBLE_EQ(ahead(e, 1), 7.5);
}

TEST(FillEngine, TakerGtcSweepsLevelsThenRests) {
  FillEngine e(config(QueueModelKind::kPowerProb, 2.0, FillRule::kHftbacktest));
  Sink s;
  Msg snap(true, {{100, 10}}, {{101, 2}, {102, 3}, {103, 4}, {104, 5}});
  ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
  EXPECT_EQ(e.submit(9, kBuy, kLimit, TimeInForce::kGtc, Price{103}, Qty{12}, s),
            SubmitResult::kPartiallyFilledRested);
  const auto f = s.take();
  EXPECT_EQ(f, (std::vector<EngineFill>{taker(9, kBuy, 101, 2, 10), taker(9, kBuy, 102, 3, 7),
                                        taker(9, kBuy, 103, 4, 3)}));
  int64_t notional = 0, lots = 0;
  for (const EngineFill& x : f) {
    notional += x.price.ticks * x.qty.lots;
    lots += x.qty.lots;
  }
  EXPECT_EQ(notional, 920);  // VWAP 920 / 9 = 102.22
  EXPECT_EQ(lots, 9);
  // The taken liquidity is gone from the engine's view; the remainder rests at 103 at the front.
  EXPECT_EQ(e.book().best_ask()->price, Price{104});
  EXPECT_EQ(e.book().qty_at(kSell, Price{103}), Qty{0});
  ASSERT_TRUE(e.order(9));
  EXPECT_EQ(e.order(9)->leaves, Qty{3});
  EXPECT_EQ(e.order(9)->filled, Qty{9});
  EXPECT_EQ(e.order(9)->price, Price{103});
  EXPECT_EQ(ahead(e, 9), 0.0);
  // The market never saw us: its next update of 103 puts the ask back, which reaches our bid (no impact).
  delta(e, s, {}, {{103, 4}});
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(9, kBuy, 103, 3, 0)}));
}

// Conservative: the liquidity we took stays taken when the market re-sends the level (it never saw us).
TEST(FillEngine, ConservativeTakenLiquidityStaysTaken) {
  FillEngine e(config(QueueModelKind::kPowerProb));
  Sink s;
  Msg snap(true, {{100, 10}}, {{101, 2}, {102, 3}, {103, 4}, {104, 5}});
  ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
  EXPECT_EQ(e.submit(9, kBuy, kLimit, TimeInForce::kGtc, Price{103}, Qty{12}, s),
            SubmitResult::kPartiallyFilledRested);
  s.take();
  delta(e, s, {}, {{103, 4}});  // the same 4 lots we took: nothing new
  EXPECT_TRUE(s.fills.empty());
  delta(e, s, {}, {{103, 6}});  // 2 more joined: they reach our resting 3
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(9, kBuy, 103, 2, 1)}));
}

TEST(FillEngine, SellSweepIsTheMirror) {
  FillEngine e(config(QueueModelKind::kRiskAverse));
  Sink s;
  Msg snap(true, {{100, 1}, {99, 2}, {97, 5}}, {{101, 1}});
  ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
  EXPECT_EQ(e.submit(3, kSell, kLimit, TimeInForce::kGtc, Price{98}, Qty{3}, s), SubmitResult::kFilled);
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{taker(3, kSell, 100, 1, 2), taker(3, kSell, 99, 2, 0)}));
  EXPECT_EQ(e.live_orders(), 0u);
  EXPECT_EQ(e.book().best_bid()->price, Price{97});
}

TEST(FillEngine, IocRemainderIsCancelled) {
  FillEngine e(config(QueueModelKind::kPowerProb));
  Sink s;
  Msg snap(true, {{100, 10}}, {{101, 2}, {102, 3}, {103, 4}});
  ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
  EXPECT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kIoc, Price{102}, Qty{10}, s),
            SubmitResult::kPartiallyFilledCancelled);
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{taker(1, kBuy, 101, 2, 8), taker(1, kBuy, 102, 3, 5)}));
  EXPECT_EQ(e.live_orders(), 0u);
  EXPECT_FALSE(e.order(1));
  EXPECT_EQ(e.submit(2, kBuy, kLimit, TimeInForce::kIoc, Price{102}, Qty{1}, s), SubmitResult::kNoLiquidity);
  EXPECT_EQ(e.submit(3, kBuy, kLimit, TimeInForce::kIoc, Price{103}, Qty{4}, s), SubmitResult::kFilled);
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{taker(3, kBuy, 103, 4, 0)}));
}

TEST(FillEngine, FokAllOrNothing) {
  FillEngine e(config(QueueModelKind::kPowerProb));
  Sink s;
  Msg snap(true, {{100, 10}}, {{101, 2}, {102, 3}, {104, 9}});
  ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
  EXPECT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kFok, Price{103}, Qty{6}, s), SubmitResult::kNoLiquidity);
  EXPECT_TRUE(s.fills.empty());
  EXPECT_EQ(e.book().qty_at(kSell, Price{101}), Qty{2});  // untouched
  EXPECT_EQ(e.live_orders(), 0u);
  EXPECT_EQ(e.submit(2, kBuy, kLimit, TimeInForce::kFok, Price{103}, Qty{5}, s), SubmitResult::kFilled);
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{taker(2, kBuy, 101, 2, 3), taker(2, kBuy, 102, 3, 0)}));
}

TEST(FillEngine, MarketOrdersTakeWithoutLimit) {
  FillEngine e(config(QueueModelKind::kPowerProb));
  Sink s;
  EXPECT_EQ(e.submit(1, kBuy, kMarket, TimeInForce::kGtc, Price{0}, Qty{1}, s), SubmitResult::kNoLiquidity);
  Msg snap(true, {{100, 1}}, {{101, 2}, {150, 3}});
  ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
  EXPECT_EQ(e.submit(2, kBuy, kMarket, TimeInForce::kPostOnly, Price{0}, Qty{4}, s), SubmitResult::kFilled);
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{taker(2, kBuy, 101, 2, 2), taker(2, kBuy, 150, 2, 0)}));
  EXPECT_EQ(e.submit(3, kSell, kMarket, TimeInForce::kGtc, Price{0}, Qty{3}, s),
            SubmitResult::kPartiallyFilledCancelled);
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{taker(3, kSell, 100, 1, 2)}));
  EXPECT_EQ(e.live_orders(), 0u);
}

TEST(FillEngine, AmendPriceLosesPriorityQtyDecreaseKeepsIt) {
  FillEngine e(config(QueueModelKind::kRiskAverse));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  e.on_trade(trade(kSell, 100, 4), s);
  EXPECT_EQ(ahead(e, 1), 6.0);
  EXPECT_EQ(e.amend(1, std::nullopt, Qty{3}, s), AmendResult::kOk);  // decrease: keeps its place
  EXPECT_EQ(ahead(e, 1), 6.0);
  EXPECT_EQ(e.order(1)->qty, Qty{3});
  EXPECT_EQ(e.amend(1, std::nullopt, Qty{4}, s), AmendResult::kOk);  // increase: back of the queue
  EXPECT_EQ(ahead(e, 1), 10.0);
  e.on_trade(trade(kSell, 100, 4), s);
  EXPECT_EQ(ahead(e, 1), 6.0);
  EXPECT_EQ(e.amend(1, Price{99}, std::nullopt, s), AmendResult::kOk);  // new price: back of 99 (7 lots)
  EXPECT_EQ(ahead(e, 1), 7.0);
  EXPECT_EQ(e.amend(1, Price{100}, std::nullopt, s), AmendResult::kOk);  // and back: the whole level again
  EXPECT_EQ(ahead(e, 1), 10.0);
  EXPECT_EQ(e.amend(1, Price{100}, Qty{4}, s), AmendResult::kOk);  // nothing changes
  EXPECT_EQ(ahead(e, 1), 10.0);
  // The amended price is where trades find it.
  EXPECT_EQ(e.amend(1, Price{99}, std::nullopt, s), AmendResult::kOk);
  e.on_trade(trade(kSell, 100, 50), s);  // a print at 100 does not reach a bid at 99
  EXPECT_TRUE(s.fills.empty());
  e.on_trade(trade(kSell, 99, 9), s);
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{maker(1, kBuy, 99, 2, 2)}));
  EXPECT_TRUE(s.fills.empty());
}

TEST(FillEngine, AmendErrors) {
  FillEngine e(config(QueueModelKind::kPowerProb));
  Sink s;
  seed(e, s);
  EXPECT_EQ(e.amend(42, Price{100}, std::nullopt, s), AmendResult::kNotFound);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  e.on_trade(trade(kSell, 100, 12), s);  // fills 2
  ASSERT_EQ(s.take().size(), 1u);
  EXPECT_EQ(e.amend(1, std::nullopt, std::nullopt, s), AmendResult::kInvalid);
  EXPECT_EQ(e.amend(1, std::nullopt, Qty{0}, s), AmendResult::kInvalid);
  EXPECT_EQ(e.amend(1, std::nullopt, Qty{-1}, s), AmendResult::kInvalid);
  EXPECT_EQ(e.amend(1, Price{0}, std::nullopt, s), AmendResult::kInvalid);
  EXPECT_EQ(e.amend(1, std::nullopt, Qty{2}, s), AmendResult::kQtyNotAboveFilled);  // == filled
  EXPECT_EQ(e.amend(1, std::nullopt, Qty{1}, s), AmendResult::kQtyNotAboveFilled);
  EXPECT_EQ(e.amend(1, Price{101}, std::nullopt, s), AmendResult::kRejectedPostOnly);  // would cross
  // None of the refused amends changed the order.
  EXPECT_EQ(e.order(1)->qty, Qty{5});
  EXPECT_EQ(e.order(1)->price, Price{100});
  EXPECT_EQ(e.order(1)->filled, Qty{2});
  EXPECT_EQ(e.amend(1, std::nullopt, Qty{3}, s), AmendResult::kOk);
  EXPECT_EQ(e.order(1)->leaves, Qty{1});
  EXPECT_TRUE(s.fills.empty());
}

TEST(FillEngine, CrossingAmendOfGtcTakesThenRests) {
  FillEngine e(config(QueueModelKind::kPowerProb));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kGtc, Price{100}, Qty{20}, s), SubmitResult::kRested);
  EXPECT_EQ(e.amend(1, Price{101}, std::nullopt, s), AmendResult::kOk);
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{taker(1, kBuy, 101, 10, 10)}));
  EXPECT_EQ(e.order(1)->price, Price{101});
  EXPECT_EQ(e.order(1)->leaves, Qty{10});
  EXPECT_EQ(ahead(e, 1), 0.0);
  EXPECT_EQ(e.amend(1, Price{102}, Qty{15}, s), AmendResult::kOk);  // takes the 5 at 102: done
  EXPECT_EQ(s.take(), (std::vector<EngineFill>{taker(1, kBuy, 102, 5, 0)}));
  EXPECT_FALSE(e.order(1));
  EXPECT_EQ(e.live_orders(), 0u);
}

TEST(FillEngine, SubmitErrors) {
  FillEngineConfig c = config(QueueModelKind::kPowerProb);
  c.max_orders = 2;
  FillEngine e(c);
  Sink s;
  seed(e, s);
  EXPECT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kGtc, Price{100}, Qty{0}, s),
            SubmitResult::kRejectedInvalid);
  EXPECT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kGtc, Price{100}, Qty{-3}, s),
            SubmitResult::kRejectedInvalid);
  EXPECT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kGtc, Price{0}, Qty{1}, s),
            SubmitResult::kRejectedInvalid);
  EXPECT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kGtc, Price{kMaxBookPriceTicks + 1}, Qty{1}, s),
            SubmitResult::kRejectedInvalid);
  EXPECT_EQ(e.submit(1, static_cast<Side>(2), kLimit, TimeInForce::kGtc, Price{100}, Qty{1}, s),
            SubmitResult::kRejectedInvalid);
  EXPECT_EQ(e.submit(1, kBuy, static_cast<OrderType>(2), TimeInForce::kGtc, Price{100}, Qty{1}, s),
            SubmitResult::kRejectedInvalid);
  EXPECT_EQ(e.submit(1, kBuy, kLimit, static_cast<TimeInForce>(4), Price{100}, Qty{1}, s),
            SubmitResult::kRejectedInvalid);
  EXPECT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kGtc, Price{100}, Qty{1}, s), SubmitResult::kRested);
  EXPECT_EQ(e.submit(1, kSell, kLimit, TimeInForce::kGtc, Price{105}, Qty{1}, s),
            SubmitResult::kRejectedDuplicate);
  EXPECT_EQ(e.submit(2, kSell, kLimit, TimeInForce::kGtc, Price{105}, Qty{1}, s), SubmitResult::kRested);
  EXPECT_EQ(e.submit(3, kSell, kLimit, TimeInForce::kPostOnly, Price{106}, Qty{1}, s),
            SubmitResult::kRejectedFull);
  // A crossing GTC is refused up front too, before taking anything.
  EXPECT_EQ(e.submit(3, kBuy, kLimit, TimeInForce::kGtc, Price{101}, Qty{1}, s), SubmitResult::kRejectedFull);
  // IOC never rests, so it needs no slot.
  EXPECT_EQ(e.submit(3, kBuy, kLimit, TimeInForce::kIoc, Price{101}, Qty{1}, s), SubmitResult::kFilled);
  EXPECT_EQ(s.take().size(), 1u);
  EXPECT_EQ(e.cancel(2), CancelResult::kOk);
  EXPECT_EQ(e.cancel(2), CancelResult::kNotFound);
  EXPECT_EQ(e.submit(3, kSell, kLimit, TimeInForce::kPostOnly, Price{106}, Qty{1}, s), SubmitResult::kRested);
  EXPECT_EQ(e.cancel_all(kSell), 1u);
  EXPECT_EQ(e.live_orders(), 1u);
  EXPECT_EQ(e.cancel_all(), 1u);
  EXPECT_EQ(e.live_orders(), 0u);
}

TEST(FillEngine, ResultNames) {
  EXPECT_EQ(to_string(SubmitResult::kRejectedPostOnly), "rejected_post_only");
  EXPECT_EQ(to_string(SubmitResult::kPartiallyFilledCancelled), "partially_filled_cancelled");
  EXPECT_EQ(to_string(AmendResult::kQtyNotAboveFilled), "qty_not_above_filled");
  EXPECT_EQ(to_string(CancelResult::kNotFound), "not_found");
}

TEST(FillEngineConfig, EveryBadSettingIsNamed) {
  struct Case {
    void (*mutate)(FillEngineConfig&);
    const char* field;
  };
  const Case cases[] = {
      {[](FillEngineConfig& c) { c.max_orders = 0; }, "fill_engine.max_orders"},
      {[](FillEngineConfig& c) { c.max_orders = 65535; }, "fill_engine.max_orders"},
      {[](FillEngineConfig& c) { c.book_window_ticks = 5000; }, "fill_engine.book_window_ticks"},
      {[](FillEngineConfig& c) { c.book_window_ticks = 2048; }, "fill_engine.book_window_ticks"},
      {[](FillEngineConfig& c) { c.book_overflow_capacity = 0; }, "fill_engine.book_overflow_capacity"},
      {[](FillEngineConfig& c) { c.price_buckets = 100; }, "fill_engine.price_buckets"},
      {[](FillEngineConfig& c) { c.price_buckets = 32; }, "fill_engine.price_buckets"},
      {[](FillEngineConfig& c) { c.queue.power = -2; }, "fill_engine.queue.power"},
      {[](FillEngineConfig& c) { c.queue.kind = static_cast<QueueModelKind>(3); }, "fill_engine.queue.kind"},
  };
  EXPECT_EQ(FillEngineConfig{}.validate(), "");
  for (const Case& c : cases) {
    FillEngineConfig cfg;
    c.mutate(cfg);
    const std::string msg = cfg.validate();
    EXPECT_EQ(msg.rfind(c.field, 0), 0u) << msg;
    try {
      FillEngine e(cfg);
      ADD_FAILURE() << "no throw for " << c.field;
    } catch (const std::invalid_argument& ex) {
      EXPECT_EQ(std::string(ex.what()), msg);
    }
  }
}

TEST(FillEngine, BadBookUpdateTouchesNothing) {
  FillEngine e(config(QueueModelKind::kPowerProb));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  Msg bad(false, {{100, 1}, {0, 3}}, {});
  EXPECT_EQ(e.on_book(bad.u, s), BookError::kBadPrice);
  EXPECT_EQ(e.book().qty_at(kBuy, Price{100}), Qty{10});
  EXPECT_EQ(ahead(e, 1), 10.0);
  Msg neg(true, {{100, -1}}, {});
  EXPECT_EQ(e.on_book(neg.u, s), BookError::kBadQty);
  EXPECT_EQ(e.book().qty_at(kBuy, Price{100}), Qty{10});
  EXPECT_EQ(e.counters().book_errors, 2u);
  e.on_trade(trade(kSell, 100, 0), s);  // ignored
  e.on_trade(trade(kSell, -5, 50), s);  // ignored
  EXPECT_TRUE(s.fills.empty());
  EXPECT_EQ(ahead(e, 1), 10.0);
}

// Two orders of ours at one price are each placed against the market's queue only (as in hftbacktest): both
// joined behind the 10 displayed lots, so a 12-lot print reaches each by 2.
TEST(FillEngine, OwnOrdersAtOnePriceQueueIndependently) {
  FillEngine e(config(QueueModelKind::kPowerProb));
  Sink s;
  seed(e, s);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{5}, s), SubmitResult::kRested);
  ASSERT_EQ(e.submit(2, kBuy, kLimit, TimeInForce::kPostOnly, Price{100}, Qty{1}, s), SubmitResult::kRested);
  EXPECT_EQ(ahead(e, 2), 10.0);
  e.on_trade(trade(kSell, 100, 12), s);
  auto f = s.take();
  ASSERT_EQ(f.size(), 2u);
  if (f[0].order_id == 2) std::swap(f[0], f[1]);
  EXPECT_EQ(f, (std::vector<EngineFill>{maker(1, kBuy, 100, 2, 3), maker(2, kBuy, 100, 1, 0)}));
  EXPECT_EQ(e.live_orders(), 1u);
}

// Orders whose prices are price_buckets apart share a bucket: each still sees only its own level.
TEST(FillEngine, BucketCollisionsKeepLevelsApart) {
  FillEngineConfig c = config(QueueModelKind::kRiskAverse);
  c.price_buckets = 64;
  FillEngine e(c);
  Sink s;
  Msg snap(true, {{1000, 10}, {936, 20}, {872, 30}}, {{2000, 1}});
  ASSERT_EQ(e.on_book(snap.u, s), BookError::kOk);
  ASSERT_EQ(e.submit(1, kBuy, kLimit, TimeInForce::kPostOnly, Price{1000}, Qty{1}, s), SubmitResult::kRested);
  ASSERT_EQ(e.submit(2, kBuy, kLimit, TimeInForce::kPostOnly, Price{936}, Qty{1}, s), SubmitResult::kRested);
  ASSERT_EQ(e.submit(3, kBuy, kLimit, TimeInForce::kPostOnly, Price{872}, Qty{1}, s), SubmitResult::kRested);
  delta(e, s, {{936, 5}}, {});
  EXPECT_EQ(ahead(e, 1), 10.0);
  EXPECT_EQ(ahead(e, 2), 5.0);
  EXPECT_EQ(ahead(e, 3), 30.0);
  EXPECT_EQ(e.cancel(2), CancelResult::kOk);  // unlink from the middle of the chain
  delta(e, s, {{872, 3}, {1000, 4}}, {});
  EXPECT_EQ(ahead(e, 1), 4.0);
  EXPECT_EQ(ahead(e, 3), 3.0);
}

// A scripted session: the same inputs give the same fills, the hot path does not allocate, and the engine's
// book equals a core OrderBook fed the same updates.
std::vector<EngineFill> scripted(FillEngine& e, OrderBook* reference, uint64_t* allocations) {
  Sink s;
  s.fills.reserve(size_t{1} << 16);  // the allocation count below must see none
  std::vector<Msg> msgs;
  std::vector<TradeEvent> trades;
  uint64_t x = 12345;
  auto rnd = [&](uint64_t m) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<int64_t>(x % m);
  };
  // An uncrossed book around a random-walking mid: five levels a side re-sized every step, the levels that
  // would cross deleted, and one print at the touch per step.
  msgs.emplace_back(true, Levels{{1000, 10}, {999, 20}, {998, 30}},
                    Levels{{1001, 10}, {1002, 20}, {1003, 30}});
  int64_t mid = 1000;
  for (int i = 0; i < 3000; ++i) {
    mid += rnd(3) - 1;
    Levels bids, asks;
    for (int64_t k = 0; k < 5; ++k) {
      bids.push_back({mid - k, rnd(4) == 0 ? 0 : 1 + rnd(30)});
      asks.push_back({mid + 1 + k, rnd(4) == 0 ? 0 : 1 + rnd(30)});
    }
    for (int64_t k = 1; k <= 3; ++k) {
      bids.push_back({mid + k, 0});
      asks.push_back({mid + 1 - k, 0});
    }
    msgs.emplace_back(false, bids, asks);
    trades.push_back(rnd(2) ? trade(kBuy, mid + 1, 1 + rnd(20)) : trade(kSell, mid, 1 + rnd(20)));
  }
  test::AllocScope scope;
  uint64_t next_id = 1;
  for (size_t i = 0; i < msgs.size(); ++i) {
    (void)e.on_book(msgs[i].u, s);
    if (reference) {
      const BookUpdate& u = msgs[i].u;
      (void)(u.snapshot ? reference->apply_snapshot(u.bids, u.bid_count, u.asks, u.ask_count)
                        : reference->apply_delta(u.bids, u.bid_count, u.asks, u.ask_count));
    }
    if (i > 0) e.on_trade(trades[i - 1], s);
    if (e.live_orders() < 6) {
      const Side side = rnd(2) ? kBuy : kSell;
      const auto best = e.book().best(side);
      if (best) {
        const int64_t px = best->price.ticks + (side == kBuy ? -rnd(3) : rnd(3));
        (void)e.submit(next_id++, side, kLimit, TimeInForce::kPostOnly, Price{px}, Qty{1 + rnd(5)}, s);
      }
    }
    if (rnd(10) == 0) (void)e.cancel(next_id - 1 - static_cast<uint64_t>(rnd(6)));
  }
  if (allocations) *allocations = scope.allocations();
  return s.fills;
}

TEST(FillEngine, DeterministicAllocationFreeAndBookMatchesCore) {
  for (QueueModelKind k :
       {QueueModelKind::kRiskAverse, QueueModelKind::kPowerProb, QueueModelKind::kLogProb}) {
    FillEngine a(config(k)), b(config(k));
    OrderBook ref(4096, 64);
    uint64_t allocs = 99;
    const auto fa = scripted(a, &ref, &allocs);
    const auto fb = scripted(b, nullptr, nullptr);
    EXPECT_EQ(allocs, 0u) << to_string(k);
    EXPECT_GT(fa.size(), 100u) << to_string(k);
    EXPECT_EQ(fa, fb) << to_string(k);
    // No taker orders in the script, so the engine's book is exactly the market's.
    for (Side side : {kBuy, kSell}) {
      std::vector<PriceLevel> x(64), y(64);
      const size_t nx = a.book().top(side, 64, x.data());
      const size_t ny = ref.top(side, 64, y.data());
      ASSERT_EQ(nx, ny);
      for (size_t i = 0; i < nx; ++i) {
        EXPECT_EQ(x[i].price, y[i].price);
        EXPECT_EQ(x[i].qty, y[i].qty);
      }
    }
    // Every fill is at the order's limit, maker, and no order overfills.
    for (const EngineFill& f : fa) {
      EXPECT_TRUE(f.maker);
      EXPECT_GT(f.qty.lots, 0);
      EXPECT_GE(f.leaves_after.lots, 0);
    }
  }
}

// The real recording (cryptofeed: Bybit linear and spot) through the reader and the codec, with a post-only
// bid and ask kept at the touch of every instrument (re-placed whenever the touch moves): each engine's book
// ends equal to a core OrderBook fed the same updates, and every fill is consistent with its order.
TEST(FillEngineRecording, QuotesAtTheTouchOverTheRealRecording) {
  const std::string path = std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";
  InstrumentRegistry reg;
  {
    OpenedRecording rec = open_recording(path);
    ASSERT_TRUE(rec.source) << rec.message;
    Frame f;
    for (ReadResult r; (r = rec.source->next(f)) != ReadResult::kEnd;) {
      ASSERT_NE(r, ReadResult::kIo);
      if (r == ReadResult::kOk && f.kind == FrameKind::kHttp &&
          f.url.find("instruments-info") != std::string_view::npos) {
        ASSERT_EQ(load_instruments_json(f.data, reg).error, InstrumentsJsonError::kOk);
      }
    }
  }
  ASSERT_GT(reg.size(), 0u);
  BybitCodec codec(reg);
  OpenedRecording rec = open_recording(path);
  ASSERT_TRUE(rec.source) << rec.message;

  struct Tracked {
    Side side;
    int64_t price;
    int64_t qty;
    int64_t filled = 0;
  };
  struct CheckingSink final : FillSink {
    std::map<uint64_t, Tracked>* orders = nullptr;
    uint64_t fills = 0, bad = 0;
    int64_t filled_lots = 0;
    void on_fill(const EngineFill& f) noexcept override {
      ++fills;
      filled_lots += f.qty.lots;
      auto it = orders->find(f.order_id);
      if (it == orders->end()) {
        ++bad;
        return;
      }
      Tracked& t = it->second;
      t.filled += f.qty.lots;
      // Never more than the order's qty, never at a price worse than its limit (maker fills: exactly it).
      if (!f.maker || f.side != t.side || f.price.ticks != t.price || f.qty.lots <= 0 || t.filled > t.qty ||
          f.leaves_after.lots != t.qty - t.filled) {
        ++bad;
      }
    }
  };
  std::map<uint64_t, Tracked> orders;
  CheckingSink sink;
  sink.orders = &orders;

  struct PerInstrument {
    std::unique_ptr<FillEngine> engine;
    OrderBook reference;
    uint64_t live_id[2] = {0, 0};
    uint64_t books = 0, trades = 0;
  };
  std::vector<PerInstrument> inst(reg.size());
  FillEngineConfig cfg;  // the defaults: power model, n = 2, conservative fill rule
  for (PerInstrument& p : inst) p.engine = std::make_unique<FillEngine>(cfg);
  uint64_t next_id = 1, trades = 0, books = 0;
  Frame f;
  for (ReadResult r; (r = rec.source->next(f)) != ReadResult::kEnd;) {
    ASSERT_NE(r, ReadResult::kIo);
    if (r != ReadResult::kOk || f.kind != FrameKind::kRecv || !f.has_category) continue;
    const ParseResult pr = codec.parse(f.data, f.category);
    ASSERT_EQ(pr.error, CodecError::kOk);
    if (pr.kind == MsgKind::kBook) {
      const BookUpdate& u = codec.book();
      PerInstrument& p = inst.at(u.instrument);
      ++books;
      ++p.books;
      ASSERT_EQ(p.engine->on_book(u, sink), BookError::kOk);
      ASSERT_EQ(u.snapshot ? p.reference.apply_snapshot(u.bids, u.bid_count, u.asks, u.ask_count)
                           : p.reference.apply_delta(u.bids, u.bid_count, u.asks, u.ask_count),
                BookError::kOk);
      for (Side side : {Side::kBuy, Side::kSell}) {
        const size_t si = static_cast<size_t>(side);
        const auto best = p.engine->book().best(side);
        if (!best) continue;
        if (p.live_id[si] != 0) {
          const auto o = p.engine->order(p.live_id[si]);
          if (o && o->price == best->price) continue;
          if (o) {
            ASSERT_EQ(p.engine->cancel(p.live_id[si]), CancelResult::kOk);
          }
        }
        const uint64_t id = next_id++;
        const int64_t qty = 1 + static_cast<int64_t>(id % 3);
        orders[id] = Tracked{side, best->price.ticks, qty};
        // At our own side's touch of an uncrossed book: never crossing.
        ASSERT_EQ(p.engine->submit(id, side, OrderType::kLimit, TimeInForce::kPostOnly, best->price, Qty{qty},
                                   sink),
                  SubmitResult::kRested);
        p.live_id[si] = id;
      }
    } else if (pr.kind == MsgKind::kTrade) {
      for (const TradeEvent& t : codec.trades()) {
        ++trades;
        inst.at(t.instrument).engine->on_trade(t, sink);
      }
    }
  }
  EXPECT_EQ(books, 1594u + 4u + 548u + 2u);  // book messages of both connections (codec_recording_test.cpp)
  EXPECT_GT(trades, 0u);
  EXPECT_EQ(sink.bad, 0u);
  EXPECT_GT(sink.fills, 0u);
  uint64_t engine_fills = 0, through = 0, moved = 0;
  for (PerInstrument& p : inst) {
    engine_fills += p.engine->counters().fills;
    through += p.engine->counters().trade_through_fills;
    moved += p.engine->counters().move_through_fills;
    EXPECT_EQ(p.engine->counters().taker_fills, 0u);
    // No taker orders: the engine's book is the replayed book less what move-through fills consumed
    // (the conservative rule): never a level the market does not show, never more than it shows, and in all
    // never more missing than our fills took.
    int64_t missing = 0;
    for (Side side : {Side::kBuy, Side::kSell}) {
      std::vector<PriceLevel> x(p.engine->book().level_count(side));
      ASSERT_EQ(p.engine->book().top(side, x.size(), x.data()), x.size());
      int64_t engine_total = 0, reference_total = 0;
      for (const PriceLevel& l : x) {
        EXPECT_LE(l.qty.lots, p.reference.qty_at(side, l.price).lots);
        engine_total += l.qty.lots;
      }
      std::vector<PriceLevel> y(p.reference.level_count(side));
      ASSERT_EQ(p.reference.top(side, y.size(), y.data()), y.size());
      for (const PriceLevel& l : y) reference_total += l.qty.lots;
      missing += reference_total - engine_total;
    }
    EXPECT_GE(missing, 0);
    EXPECT_LE(missing, sink.filled_lots);
  }
  EXPECT_EQ(engine_fills, sink.fills);
  std::printf(
      "recording: %llu book messages, %llu trades, %llu orders, %llu fills (%llu through, %llu moved)\n",
      static_cast<unsigned long long>(books), static_cast<unsigned long long>(trades),
      static_cast<unsigned long long>(next_id - 1), static_cast<unsigned long long>(sink.fills),
      static_cast<unsigned long long>(through), static_cast<unsigned long long>(moved));
}

}  // namespace
}  // namespace mm
