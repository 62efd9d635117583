#include "core/order_book.h"

#include "tests/support/alloc_counter.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <vector>

namespace mm {
namespace {

constexpr uint32_t kSmallWindow =
    OrderBook::kMinWindowTicks;  // 4096: makes overflow and recentering easy to reach

PriceLevel lvl(int64_t ticks, int64_t lots) {
  return PriceLevel{Price{ticks}, Qty{lots}};
}

std::vector<PriceLevel> all_levels(const OrderBook& b, Side s) {
  std::vector<PriceLevel> v;
  b.for_each(s, [&](const PriceLevel& l) { v.push_back(l); });
  return v;
}

void expect_levels(const OrderBook& b, Side s, const std::vector<PriceLevel>& want) {
  const std::vector<PriceLevel> got = all_levels(b, s);
  ASSERT_EQ(got.size(), want.size()) << to_string(s);
  ASSERT_EQ(b.level_count(s), want.size()) << to_string(s);
  for (size_t k = 0; k < want.size(); ++k) {
    EXPECT_EQ(got[k].price.ticks, want[k].price.ticks) << to_string(s) << " level " << k;
    EXPECT_EQ(got[k].qty.lots, want[k].qty.lots) << to_string(s) << " level " << k;
  }
}

TEST(OrderBook, ConstructorRejectsBadGeometry) {
  EXPECT_THROW(OrderBook(5000, 16), std::invalid_argument);      // not a power of two
  EXPECT_THROW(OrderBook(1024, 16), std::invalid_argument);      // below the minimum
  EXPECT_THROW(OrderBook(1u << 25, 16), std::invalid_argument);  // above the maximum
  EXPECT_THROW(OrderBook(4096, 0), std::invalid_argument);
  const OrderBook b(8192, 7);
  EXPECT_EQ(b.window_ticks(), 8192u);
  EXPECT_EQ(b.overflow_capacity(), 7u);
}

TEST(OrderBook, EmptyBook) {
  const OrderBook b;
  EXPECT_FALSE(b.best_bid().has_value());
  EXPECT_FALSE(b.best_ask().has_value());
  EXPECT_FALSE(b.crossed());
  EXPECT_EQ(b.level_count(Side::kBuy), 0u);
  EXPECT_EQ(b.qty_at(Side::kSell, Price{100}).lots, 0);
  PriceLevel out[4];
  EXPECT_EQ(b.top(Side::kBuy, 4, out), 0u);
}

TEST(OrderBook, SetReplaceAndDeleteLevels) {
  OrderBook b;
  ASSERT_EQ(b.set_level(Side::kBuy, Price{1000}, Qty{5}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{999}, Qty{7}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kSell, Price{1001}, Qty{3}), BookError::kOk);
  EXPECT_EQ(b.qty_at(Side::kBuy, Price{1000}).lots, 5);
  EXPECT_EQ(b.qty_at(Side::kBuy, Price{999}).lots, 7);
  EXPECT_EQ(b.qty_at(Side::kSell, Price{1001}).lots, 3);
  EXPECT_EQ(b.qty_at(Side::kSell, Price{1000}).lots, 0);  // sides are independent
  ASSERT_EQ(b.set_level(Side::kBuy, Price{999}, Qty{11}), BookError::kOk);
  EXPECT_EQ(b.qty_at(Side::kBuy, Price{999}).lots, 11);
  EXPECT_EQ(b.level_count(Side::kBuy), 2u);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{999}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.qty_at(Side::kBuy, Price{999}).lots, 0);
  EXPECT_EQ(b.level_count(Side::kBuy), 1u);
  // Deleting what is not there is fine, inside and far outside the window.
  EXPECT_EQ(b.set_level(Side::kBuy, Price{999}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.set_level(Side::kBuy, Price{5}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.set_level(Side::kSell, Price{900'000'000}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.level_count(Side::kBuy), 1u);
  EXPECT_EQ(b.level_count(Side::kSell), 1u);
}

TEST(OrderBook, RejectsBadPriceAndQtyWithoutChange) {
  OrderBook b;
  ASSERT_EQ(b.set_level(Side::kBuy, Price{100}, Qty{1}), BookError::kOk);
  EXPECT_EQ(b.set_level(Side::kBuy, Price{0}, Qty{1}), BookError::kBadPrice);
  EXPECT_EQ(b.set_level(Side::kBuy, Price{-5}, Qty{1}), BookError::kBadPrice);
  EXPECT_EQ(b.set_level(Side::kSell, Price{kMaxBookPriceTicks + 1}, Qty{1}), BookError::kBadPrice);
  EXPECT_EQ(b.set_level(Side::kSell, Price{INT64_MIN}, Qty{1}), BookError::kBadPrice);
  EXPECT_EQ(b.set_level(Side::kBuy, Price{100}, Qty{-1}), BookError::kBadQty);
  EXPECT_EQ(b.set_level(Side::kSell, Price{kMaxBookPriceTicks}, Qty{1}), BookError::kOk);
  EXPECT_EQ(b.qty_at(Side::kBuy, Price{100}).lots, 1);
  EXPECT_EQ(b.level_count(Side::kBuy), 1u);
  EXPECT_EQ(b.level_count(Side::kSell), 1u);
  EXPECT_EQ(b.qty_at(Side::kBuy, Price{-5}).lots, 0);
}

TEST(OrderBook, BestTracksInsertsAndDeletesOfTheBest) {
  OrderBook b;
  for (int64_t p : {1000, 995, 990, 1002})
    ASSERT_EQ(b.set_level(Side::kBuy, Price{p}, Qty{p}), BookError::kOk);
  for (int64_t p : {1010, 1020, 1005}) ASSERT_EQ(b.set_level(Side::kSell, Price{p}, Qty{p}), BookError::kOk);
  EXPECT_EQ(b.best_bid()->price.ticks, 1002);
  EXPECT_EQ(b.best_bid()->qty.lots, 1002);
  EXPECT_EQ(b.best_ask()->price.ticks, 1005);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{1002}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.best_bid()->price.ticks, 1000);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{1000}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.best_bid()->price.ticks, 995);
  ASSERT_EQ(b.set_level(Side::kSell, Price{1005}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.best_ask()->price.ticks, 1010);
  ASSERT_EQ(b.set_level(Side::kSell, Price{1010}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.best_ask()->price.ticks, 1020);
  // Replacing the best's quantity keeps it the best with the new quantity.
  ASSERT_EQ(b.set_level(Side::kSell, Price{1020}, Qty{77}), BookError::kOk);
  EXPECT_EQ(b.best_ask()->qty.lots, 77);
  ASSERT_EQ(b.set_level(Side::kSell, Price{1020}, Qty{0}), BookError::kOk);
  EXPECT_FALSE(b.best_ask().has_value());
  ASSERT_EQ(b.set_level(Side::kBuy, Price{995}, Qty{0}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{990}, Qty{0}), BookError::kOk);
  EXPECT_FALSE(b.best_bid().has_value());
  // An emptied side accepts a level anywhere afterwards.
  ASSERT_EQ(b.set_level(Side::kBuy, Price{7'000'000}, Qty{1}), BookError::kOk);
  EXPECT_EQ(b.best_bid()->price.ticks, 7'000'000);
}

TEST(OrderBook, NextBestFoundAcrossLargeGaps) {
  // Gaps of several bitmap words and of whole summary words (4096 slots) must be skipped correctly.
  OrderBook b(1u << 16, 64);
  const std::vector<int64_t> prices = {500'000, 499'999, 499'936, 499'000, 495'000, 490'000, 485'001};
  for (int64_t p : prices) ASSERT_EQ(b.set_level(Side::kBuy, Price{p}, Qty{1}), BookError::kOk);
  for (int64_t p : prices) {
    ASSERT_TRUE(b.best_bid().has_value());
    EXPECT_EQ(b.best_bid()->price.ticks, p);
    ASSERT_EQ(b.set_level(Side::kBuy, Price{p}, Qty{0}), BookError::kOk);
  }
  EXPECT_FALSE(b.best_bid().has_value());
}

TEST(OrderBook, TopNIsBestFirst) {
  OrderBook b;
  for (int64_t p : {100, 104, 101, 98, 103})
    ASSERT_EQ(b.set_level(Side::kBuy, Price{p}, Qty{p * 10}), BookError::kOk);
  for (int64_t p : {110, 106, 120, 107})
    ASSERT_EQ(b.set_level(Side::kSell, Price{p}, Qty{p * 10}), BookError::kOk);
  PriceLevel out[10];
  ASSERT_EQ(b.top(Side::kBuy, 3, out), 3u);
  EXPECT_EQ(out[0].price.ticks, 104);
  EXPECT_EQ(out[1].price.ticks, 103);
  EXPECT_EQ(out[2].price.ticks, 101);
  EXPECT_EQ(out[2].qty.lots, 1010);
  ASSERT_EQ(b.top(Side::kBuy, 10, out), 5u);
  EXPECT_EQ(out[4].price.ticks, 98);
  ASSERT_EQ(b.top(Side::kSell, 10, out), 4u);
  EXPECT_EQ(out[0].price.ticks, 106);
  EXPECT_EQ(out[1].price.ticks, 107);
  EXPECT_EQ(out[2].price.ticks, 110);
  EXPECT_EQ(out[3].price.ticks, 120);
  EXPECT_EQ(b.top(Side::kSell, 0, out), 0u);
}

TEST(OrderBook, ForEachStopsWhenTheCallbackReturnsFalse) {
  OrderBook b;
  for (int64_t p = 100; p < 110; ++p) ASSERT_EQ(b.set_level(Side::kSell, Price{p}, Qty{1}), BookError::kOk);
  int seen = 0;
  b.for_each(Side::kSell, [&](const PriceLevel& l) {
    ++seen;
    return l.price.ticks < 102;
  });
  EXPECT_EQ(seen, 3);
}

TEST(OrderBook, CrossedDetection) {
  OrderBook b;
  ASSERT_EQ(b.set_level(Side::kBuy, Price{100}, Qty{1}), BookError::kOk);
  EXPECT_FALSE(b.crossed());  // one side only
  ASSERT_EQ(b.set_level(Side::kSell, Price{101}, Qty{1}), BookError::kOk);
  EXPECT_FALSE(b.crossed());
  ASSERT_EQ(b.set_level(Side::kSell, Price{100}, Qty{1}), BookError::kOk);
  EXPECT_TRUE(b.crossed());  // locked counts as crossed
  ASSERT_EQ(b.set_level(Side::kSell, Price{100}, Qty{0}), BookError::kOk);
  EXPECT_FALSE(b.crossed());
  ASSERT_EQ(b.set_level(Side::kBuy, Price{105}, Qty{1}), BookError::kOk);
  EXPECT_TRUE(b.crossed());
}

TEST(OrderBook, LevelsOutsideTheWindowAreHeldExactlyAndInOrder) {
  OrderBook b(kSmallWindow, 256);
  std::vector<PriceLevel> bids;
  std::vector<PriceLevel> asks;
  // 1 tick apart near the top, then 1000 ticks apart: most of the depth lies outside a 4096-tick window.
  for (int64_t k = 0; k < 10; ++k) bids.push_back(lvl(1'000'000 - k, 10 + k));
  for (int64_t k = 1; k <= 100; ++k) bids.push_back(lvl(1'000'000 - 9 - 1000 * k, 100 + k));
  for (int64_t k = 0; k < 10; ++k) asks.push_back(lvl(1'000'001 + k, 20 + k));
  for (int64_t k = 1; k <= 100; ++k) asks.push_back(lvl(1'000'010 + 1000 * k, 200 + k));
  // Insert in a scrambled order (deep levels first) through set_level.
  for (auto it = bids.rbegin(); it != bids.rend(); ++it)
    ASSERT_EQ(b.set_level(Side::kBuy, it->price, it->qty), BookError::kOk);
  for (size_t k = 0; k < asks.size(); k += 2)
    ASSERT_EQ(b.set_level(Side::kSell, asks[k].price, asks[k].qty), BookError::kOk);
  for (size_t k = 1; k < asks.size(); k += 2)
    ASSERT_EQ(b.set_level(Side::kSell, asks[k].price, asks[k].qty), BookError::kOk);
  EXPECT_GT(b.overflow_count(Side::kBuy), 90u);
  EXPECT_GT(b.overflow_count(Side::kSell), 90u);
  expect_levels(b, Side::kBuy, bids);
  expect_levels(b, Side::kSell, asks);
  for (const PriceLevel& l : bids) EXPECT_EQ(b.qty_at(Side::kBuy, l.price).lots, l.qty.lots);
  for (const PriceLevel& l : asks) EXPECT_EQ(b.qty_at(Side::kSell, l.price).lots, l.qty.lots);
  EXPECT_EQ(b.qty_at(Side::kBuy, Price{1'000'000 - 9 - 1000 * 50 + 1}).lots, 0);
  // Updating and deleting deep levels works as for near ones.
  ASSERT_EQ(b.set_level(Side::kBuy, bids[50].price, Qty{999}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kSell, asks[60].price, Qty{0}), BookError::kOk);
  bids[50].qty = Qty{999};
  asks.erase(asks.begin() + 60);
  expect_levels(b, Side::kBuy, bids);
  expect_levels(b, Side::kSell, asks);
}

TEST(OrderBook, DeletingTheWindowPullsTheOverflowBackIn) {
  OrderBook b(kSmallWindow, 64);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{100'000}, Qty{1}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{50'000}, Qty{2}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{49'999}, Qty{3}), BookError::kOk);
  EXPECT_EQ(b.overflow_count(Side::kBuy), 2u);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{100'000}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.best_bid()->price.ticks, 50'000);
  EXPECT_EQ(b.best_bid()->qty.lots, 2);
  EXPECT_EQ(b.overflow_count(Side::kBuy), 0u);
  expect_levels(b, Side::kBuy, {lvl(50'000, 2), lvl(49'999, 3)});
  ASSERT_EQ(b.set_level(Side::kBuy, Price{50'000}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.best_bid()->price.ticks, 49'999);
}

TEST(OrderBook, SinkingBestRecentersTheWindowBeforeItEmpties) {
  // Bid window for N = 4096 keeps the best at 3/4: prices [best - 3072, best + 1023].
  OrderBook b(kSmallWindow, 64);
  for (int64_t p : {100'000, 99'000, 98'000, 97'000, 96'000, 95'000}) {
    ASSERT_EQ(b.set_level(Side::kBuy, Price{p}, Qty{p / 1000}), BookError::kOk);
  }
  EXPECT_EQ(b.overflow_count(Side::kBuy), 2u);  // 96'000 and 95'000
  ASSERT_EQ(b.set_level(Side::kBuy, Price{100'000}, Qty{0}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{99'000}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.overflow_count(Side::kBuy), 2u);  // best still above the lowest quarter
  ASSERT_EQ(b.set_level(Side::kBuy, Price{98'000}, Qty{0}), BookError::kOk);
  EXPECT_EQ(b.overflow_count(Side::kBuy), 0u);  // best 97'000 sank into the lowest quarter: recentered
  expect_levels(b, Side::kBuy, {lvl(97'000, 97), lvl(96'000, 96), lvl(95'000, 95)});
}

TEST(OrderBook, RecenteringAfterLargeDriftKeepsEveryLevel) {
  OrderBook b(kSmallWindow, 8192);
  std::map<int64_t, int64_t> bids;
  std::map<int64_t, int64_t> asks;
  // A price walking up 200'000 ticks (50 windows) in steps of 37, leaving a trail of levels behind; then
  // walking back down past the start, deleting the trail.
  int64_t mid = 1'000'000;
  for (int step = 0; step < 5400; ++step) {
    mid += 37;
    ASSERT_EQ(b.set_level(Side::kBuy, Price{mid - 1}, Qty{step + 1}), BookError::kOk);
    ASSERT_EQ(b.set_level(Side::kSell, Price{mid + 1}, Qty{step + 1}), BookError::kOk);
    bids[mid - 1] = step + 1;
    asks[mid + 1] = step + 1;
    if (step % 2 == 0) {  // asks behind the price get taken out, as a real book would
      ASSERT_EQ(b.set_level(Side::kSell, Price{mid + 1 - 37}, Qty{0}), BookError::kOk);
      asks.erase(mid + 1 - 37);
    }
  }
  EXPECT_GT(b.recenters(), 20u);
  EXPECT_GT(b.overflow_count(Side::kBuy), 4000u);
  std::vector<PriceLevel> want_bids;
  for (auto it = bids.rbegin(); it != bids.rend(); ++it) want_bids.push_back(lvl(it->first, it->second));
  std::vector<PriceLevel> want_asks;
  for (const auto& [p, q] : asks) want_asks.push_back(lvl(p, q));
  expect_levels(b, Side::kBuy, want_bids);
  expect_levels(b, Side::kSell, want_asks);
  // Walk back down: delete bids from the top, so the overflow must come back into the window.
  for (auto it = bids.rbegin(); it != bids.rend();) {
    ASSERT_EQ(b.best_bid()->price.ticks, it->first);
    ASSERT_EQ(b.set_level(Side::kBuy, Price{it->first}, Qty{0}), BookError::kOk);
    ++it;
    if (it != bids.rend()) {
      ASSERT_EQ(b.best_bid()->price.ticks, it->first);
      ASSERT_EQ(b.best_bid()->qty.lots, it->second);
    }
  }
  EXPECT_FALSE(b.best_bid().has_value());
  EXPECT_EQ(b.overflow_count(Side::kBuy), 0u);
}

TEST(OrderBook, OverflowFullReturnsErrorAndKeepsEveryStoredLevel) {
  OrderBook b(kSmallWindow, 4);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{100'000}, Qty{1}), BookError::kOk);
  for (int64_t k = 1; k <= 4; ++k)
    ASSERT_EQ(b.set_level(Side::kBuy, Price{100'000 - 10'000 * k}, Qty{k}), BookError::kOk);
  EXPECT_EQ(b.overflow_count(Side::kBuy), 4u);
  EXPECT_EQ(b.set_level(Side::kBuy, Price{1'000}, Qty{9}), BookError::kOverflowFull);
  EXPECT_EQ(b.rejected_levels(), 1u);
  EXPECT_EQ(b.qty_at(Side::kBuy, Price{1'000}).lots, 0);
  // Updating or deleting a stored far level still works when the store is full.
  ASSERT_EQ(b.set_level(Side::kBuy, Price{80'000}, Qty{22}), BookError::kOk);
  const std::vector<PriceLevel> want = {lvl(100'000, 1), lvl(90'000, 1), lvl(80'000, 22), lvl(70'000, 3),
                                        lvl(60'000, 4)};
  expect_levels(b, Side::kBuy, want);
  // A new best so far above that the window levels would have to move into the full store: refused whole.
  for (int64_t k = 1; k < 10; ++k)
    ASSERT_EQ(b.set_level(Side::kBuy, Price{100'000 - k}, Qty{50 + k}), BookError::kOk);
  std::vector<PriceLevel> before = all_levels(b, Side::kBuy);
  EXPECT_EQ(b.set_level(Side::kBuy, Price{200'000}, Qty{5}), BookError::kOverflowFull);
  EXPECT_EQ(b.rejected_levels(), 2u);
  EXPECT_EQ(b.best_bid()->price.ticks, 100'000);
  expect_levels(b, Side::kBuy, before);
  // Once room is made the same update goes through and nothing is lost.
  ASSERT_EQ(b.set_level(Side::kBuy, Price{60'000}, Qty{0}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{70'000}, Qty{0}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{80'000}, Qty{0}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{90'000}, Qty{0}), BookError::kOk);
  // 10 window levels cannot all move into 4 free slots either: still refused.
  EXPECT_EQ(b.set_level(Side::kBuy, Price{200'000}, Qty{5}), BookError::kOverflowFull);
  // 4 window levels fit the 4 free slots.
  for (int64_t k = 4; k < 10; ++k)
    ASSERT_EQ(b.set_level(Side::kBuy, Price{100'000 - k}, Qty{0}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{200'000}, Qty{5}), BookError::kOk);
  EXPECT_EQ(b.overflow_count(Side::kBuy), 4u);
  expect_levels(b, Side::kBuy,
                {lvl(200'000, 5), lvl(100'000, 1), lvl(99'999, 51), lvl(99'998, 52), lvl(99'997, 53)});
}

TEST(OrderBook, RecenterFallsBackToTheSmallestShiftWhenTheOverflowIsTight) {
  // Asks: the window of a side keeps its best at 3/4, i.e. prices [best - 1023, best + 3072] for N = 4096.
  OrderBook b(kSmallWindow, 2);
  const int64_t top = 100'000;
  ASSERT_EQ(b.set_level(Side::kSell, Price{top}, Qty{1}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kSell, Price{top + 4000}, Qty{2}), BookError::kOk);  // beyond the window
  ASSERT_EQ(b.set_level(Side::kSell, Price{top + 3000}, Qty{3}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kSell, Price{top + 2000}, Qty{4}), BookError::kOk);
  EXPECT_EQ(b.overflow_count(Side::kSell), 1u);
  // A new best ask 1100 ticks lower: the preferred placement would push top+2000 and top+3000 out (3 > 2
  // slots), the minimal shift only top+3000.
  const int64_t best = top - 1100;
  ASSERT_EQ(b.set_level(Side::kSell, Price{best}, Qty{9}), BookError::kOk);
  EXPECT_EQ(b.overflow_count(Side::kSell), 2u);
  expect_levels(b, Side::kSell,
                {lvl(best, 9), lvl(top, 1), lvl(top + 2000, 4), lvl(top + 3000, 3), lvl(top + 4000, 2)});
  // The window now spans [best, best + 4095]: a level just inside stays out of the (full) overflow.
  ASSERT_EQ(b.set_level(Side::kSell, Price{best + 4095}, Qty{5}), BookError::kOk);
  EXPECT_EQ(b.set_level(Side::kSell, Price{best + 4096 + 10}, Qty{5}), BookError::kOverflowFull);
}

TEST(OrderBook, ThousandLevelsPerSide) {
  for (int64_t spacing : {1, 3, 37}) {
    OrderBook b(kSmallWindow, 4096);
    std::vector<PriceLevel> bids;
    std::vector<PriceLevel> asks;
    for (int64_t k = 0; k < 1000; ++k) {
      bids.push_back(lvl(5'000'000 - spacing * k, k + 1));
      asks.push_back(lvl(5'000'001 + spacing * k, k + 2));
    }
    ASSERT_EQ(b.apply_snapshot(bids.data(), 1000, asks.data(), 1000), BookError::kOk);
    expect_levels(b, Side::kBuy, bids);
    expect_levels(b, Side::kSell, asks);
    std::vector<PriceLevel> out(1000);
    ASSERT_EQ(b.top(Side::kSell, 1000, out.data()), 1000u);
    EXPECT_EQ(out[999].price.ticks, asks[999].price.ticks);
    EXPECT_FALSE(b.crossed());
  }
}

TEST(OrderBook, SnapshotReplacesTheBookAndKeepsItsQuirks) {
  OrderBook b;
  ASSERT_EQ(b.set_level(Side::kBuy, Price{500}, Qty{1}), BookError::kOk);
  ASSERT_EQ(b.set_level(Side::kSell, Price{510}, Qty{1}), BookError::kOk);
  // Worst-first order, a duplicated price (last wins), a zero (deletes) and crossed sides.
  const PriceLevel bids[] = {lvl(98, 1), lvl(99, 2), lvl(100, 3), lvl(99, 4), lvl(97, 0), lvl(103, 5)};
  const PriceLevel asks[] = {lvl(101, 6), lvl(102, 7)};
  ASSERT_EQ(b.apply_snapshot(bids, 6, asks, 2), BookError::kOk);
  expect_levels(b, Side::kBuy, {lvl(103, 5), lvl(100, 3), lvl(99, 4), lvl(98, 1)});
  expect_levels(b, Side::kSell, {lvl(101, 6), lvl(102, 7)});
  EXPECT_TRUE(b.crossed());
  EXPECT_EQ(b.qty_at(Side::kBuy, Price{500}).lots, 0);
  // A zero duplicate of the best removes it, whatever the seeding did.
  const PriceLevel bids2[] = {lvl(200, 1), lvl(199, 1), lvl(200, 0)};
  ASSERT_EQ(b.apply_snapshot(bids2, 3, nullptr, 0), BookError::kOk);
  expect_levels(b, Side::kBuy, {lvl(199, 1)});
  expect_levels(b, Side::kSell, {});
}

TEST(OrderBook, InvalidSnapshotOrDeltaChangesNothing) {
  OrderBook b;
  const PriceLevel bids[] = {lvl(100, 1), lvl(99, 2)};
  const PriceLevel asks[] = {lvl(101, 1)};
  ASSERT_EQ(b.apply_snapshot(bids, 2, asks, 1), BookError::kOk);
  const PriceLevel bad_price[] = {lvl(150, 1), lvl(0, 1)};
  const PriceLevel bad_qty[] = {lvl(102, 1), lvl(103, -1)};
  EXPECT_EQ(b.apply_snapshot(bids, 2, bad_price, 2), BookError::kBadPrice);
  EXPECT_EQ(b.apply_snapshot(bad_qty, 2, asks, 1), BookError::kBadQty);
  EXPECT_EQ(b.apply_delta(bad_price, 2, asks, 1), BookError::kBadPrice);
  EXPECT_EQ(b.apply_delta(asks, 1, bad_qty, 2), BookError::kBadQty);
  expect_levels(b, Side::kBuy, {lvl(100, 1), lvl(99, 2)});
  expect_levels(b, Side::kSell, {lvl(101, 1)});
}

TEST(OrderBook, DeltaUpsertsAndDeletes) {
  OrderBook b;
  const PriceLevel bids[] = {lvl(100, 1), lvl(99, 2), lvl(98, 3)};
  const PriceLevel asks[] = {lvl(101, 1), lvl(102, 2)};
  ASSERT_EQ(b.apply_snapshot(bids, 3, asks, 2), BookError::kOk);
  const PriceLevel db[] = {lvl(100, 0), lvl(97, 4), lvl(99, 5)};
  const PriceLevel da[] = {lvl(101, 0), lvl(100, 8)};
  ASSERT_EQ(b.apply_delta(db, 3, da, 2), BookError::kOk);
  expect_levels(b, Side::kBuy, {lvl(99, 5), lvl(98, 3), lvl(97, 4)});
  expect_levels(b, Side::kSell, {lvl(100, 8), lvl(102, 2)});
}

TEST(OrderBook, SnapshotOverflowAppliesTheRestAndReportsTheError) {
  OrderBook b(kSmallWindow, 3);
  std::vector<PriceLevel> bids;
  for (int64_t k = 0; k < 6; ++k)
    bids.push_back(lvl(1'000'000 - 10'000 * k, k + 1));  // 5 far levels, room for 3
  bids.push_back(lvl(999'999, 77));                      // after the refused ones
  EXPECT_EQ(b.apply_snapshot(bids.data(), static_cast<uint32_t>(bids.size()), nullptr, 0),
            BookError::kOverflowFull);
  EXPECT_EQ(b.rejected_levels(), 2u);
  expect_levels(b, Side::kBuy,
                {lvl(1'000'000, 1), lvl(999'999, 77), lvl(990'000, 2), lvl(980'000, 3), lvl(970'000, 4)});
}

TEST(OrderBook, ClearEmptiesBothSides) {
  OrderBook b(kSmallWindow, 64);
  for (int64_t k = 0; k < 50; ++k) {
    ASSERT_EQ(b.set_level(Side::kBuy, Price{100'000 - 97 * k}, Qty{1}), BookError::kOk);
    ASSERT_EQ(b.set_level(Side::kSell, Price{100'001 + 97 * k}, Qty{1}), BookError::kOk);
  }
  b.clear();
  EXPECT_EQ(b.level_count(Side::kBuy), 0u);
  EXPECT_EQ(b.level_count(Side::kSell), 0u);
  EXPECT_FALSE(b.best_bid().has_value());
  EXPECT_EQ(b.qty_at(Side::kBuy, Price{100'000}).lots, 0);
  EXPECT_EQ(b.qty_at(Side::kBuy, Price{100'000 - 97 * 49}).lots, 0);
  ASSERT_EQ(b.set_level(Side::kBuy, Price{100'000 - 97}, Qty{3}), BookError::kOk);
  expect_levels(b, Side::kBuy, {lvl(100'000 - 97, 3)});
}

TEST(OrderBook, NoHeapAllocationAfterConstruction) {
  OrderBook b(kSmallWindow, 2048);
  std::vector<PriceLevel> bids;
  std::vector<PriceLevel> asks;
  for (int64_t k = 0; k < 1000; ++k) {
    bids.push_back(lvl(2'000'000 - 7 * k, k + 1));
    asks.push_back(lvl(2'000'001 + 7 * k, k + 1));
  }
  const PriceLevel delta[] = {lvl(2'000'000, 0), lvl(1'999'999, 5), lvl(1'990'000, 3), lvl(2'100'000, 1)};
  PriceLevel out[50];
  int64_t sum = 0;
  BookError e[4];
  size_t n = 0;
  const uint64_t recenters_before = b.recenters();
  mm::test::AllocScope scope;
  // Snapshot with overflow, deltas, deleting the best, a recenter up (2'100'000) and down, reads, clear.
  e[0] = b.apply_snapshot(bids.data(), 1000, asks.data(), 1000);
  e[1] = b.apply_delta(delta, 4, nullptr, 0);
  e[2] = b.set_level(Side::kBuy, Price{2'100'000}, Qty{0});
  e[3] = b.set_level(Side::kSell, Price{2'000'001}, Qty{0});
  n = b.top(Side::kBuy, 50, out);
  b.for_each(Side::kSell, [&](const PriceLevel& l) { sum += l.qty.lots; });
  sum += b.qty_at(Side::kBuy, Price{1'990'000}).lots;
  const uint64_t recenters_after = b.recenters();
  b.clear();
  const uint64_t allocations = scope.allocations();
  EXPECT_EQ(allocations, 0u);
  for (BookError x : e) EXPECT_EQ(x, BookError::kOk);
  EXPECT_EQ(n, 50u);
  EXPECT_GT(sum, 0);
  EXPECT_GE(recenters_after - recenters_before, 2u);
}

// Reference book: what the OrderBook must equal after every operation.
struct MapBook {
  std::map<int64_t, int64_t, std::greater<>> bids;
  std::map<int64_t, int64_t> asks;
  void set(Side s, int64_t p, int64_t q) {
    if (s == Side::kBuy) {
      if (q == 0)
        bids.erase(p);
      else
        bids[p] = q;
    } else {
      if (q == 0)
        asks.erase(p);
      else
        asks[p] = q;
    }
  }
  [[nodiscard]] std::vector<PriceLevel> levels(Side s) const {
    std::vector<PriceLevel> v;
    if (s == Side::kBuy) {
      for (const auto& [p, q] : bids) v.push_back(lvl(p, q));
    } else {
      for (const auto& [p, q] : asks) v.push_back(lvl(p, q));
    }
    return v;
  }
};

void expect_same(const OrderBook& b, const MapBook& ref) {
  for (Side s : {Side::kBuy, Side::kSell}) {
    const std::vector<PriceLevel> want = ref.levels(s);
    const std::vector<PriceLevel> got = all_levels(b, s);
    ASSERT_EQ(got.size(), want.size()) << to_string(s);
    ASSERT_EQ(b.level_count(s), want.size());
    for (size_t k = 0; k < want.size(); ++k) {
      ASSERT_EQ(got[k].price.ticks, want[k].price.ticks) << to_string(s) << " level " << k;
      ASSERT_EQ(got[k].qty.lots, want[k].qty.lots) << to_string(s) << " level " << k;
      ASSERT_EQ(b.qty_at(s, want[k].price).lots, want[k].qty.lots);
    }
  }
}

// Random walk of the mid with near updates, far updates, jumps of many windows, snapshots and clears.
void run_differential(uint64_t seed, uint32_t overflow_capacity, int ops, bool expect_rejections) {
  OrderBook b(kSmallWindow, overflow_capacity);
  MapBook ref;
  std::mt19937_64 rng(seed);
  auto uni = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int64_t mid = 10'000'000;
  uint64_t refused = 0;
  std::vector<PriceLevel> snap_b;
  std::vector<PriceLevel> snap_a;
  for (int op = 0; op < ops; ++op) {
    const int64_t kind = uni(0, 999);
    if (kind < 3) {  // the mid jumps several windows
      mid += uni(-50'000, 50'000);
      if (mid < 200'000) mid = 200'000;
    } else if (kind < 4) {  // a snapshot (sometimes a clear)
      snap_b.clear();
      snap_a.clear();
      const int64_t n = uni(0, 300);
      for (int64_t k = 0; k < n; ++k) {
        snap_b.push_back(lvl(mid - uni(1, k % 5 == 0 ? 20'000 : 400), uni(0, 9)));
        snap_a.push_back(lvl(mid + uni(0, k % 5 == 0 ? 20'000 : 400), uni(0, 9)));
      }
      const BookError e =
          b.apply_snapshot(snap_b.data(), static_cast<uint32_t>(n), snap_a.data(), static_cast<uint32_t>(n));
      ASSERT_TRUE(e == BookError::kOk || (expect_rejections && e == BookError::kOverflowFull));
      // Rebuild the reference the same way; the refused levels are found by asking the book.
      ref = MapBook{};
      for (const PriceLevel& l : snap_b) ref.set(Side::kBuy, l.price.ticks, l.qty.lots);
      for (const PriceLevel& l : snap_a) ref.set(Side::kSell, l.price.ticks, l.qty.lots);
      if (e == BookError::kOverflowFull) {
        for (auto it = ref.bids.begin(); it != ref.bids.end();)
          it = b.qty_at(Side::kBuy, Price{it->first}).lots == 0 ? ref.bids.erase(it) : std::next(it);
        for (auto it = ref.asks.begin(); it != ref.asks.end();)
          it = b.qty_at(Side::kSell, Price{it->first}).lots == 0 ? ref.asks.erase(it) : std::next(it);
      }
      ASSERT_NO_FATAL_FAILURE(expect_same(b, ref));
    } else {
      const Side s = uni(0, 1) == 0 ? Side::kBuy : Side::kSell;
      const int64_t sign = s == Side::kBuy ? -1 : 1;
      const int64_t r = uni(0, 99);
      int64_t dist;
      if (r < 75) {
        dist = uni(0, 60);  // near the top, on the own side
      } else if (r < 85) {
        dist = uni(-30, 0);  // through the mid: crossing updates happen on a real feed too
      } else if (r < 97) {
        dist = uni(0, 30'000);  // far, often outside the 4096-tick window
      } else {
        dist = uni(-6'000, 6'000);  // far in both directions: forces recentering up
      }
      const int64_t p = mid + sign * dist;
      const int64_t q = uni(0, 99) < 40 ? 0 : uni(1, 1'000'000);
      const BookError e = b.set_level(s, Price{p}, Qty{q});
      if (e == BookError::kOverflowFull) {
        ASSERT_TRUE(expect_rejections);
        ASSERT_NE(q, 0);
        ++refused;
      } else {
        ASSERT_EQ(e, BookError::kOk);
        ref.set(s, p, q);
      }
      // Cheap checks after every operation; the full comparison every 250.
      int64_t want_q = 0;
      if (s == Side::kBuy) {
        if (auto it = ref.bids.find(p); it != ref.bids.end()) want_q = it->second;
      } else {
        if (auto it = ref.asks.find(p); it != ref.asks.end()) want_q = it->second;
      }
      ASSERT_EQ(b.qty_at(s, Price{p}).lots, want_q) << "op " << op;
      ASSERT_EQ(b.best_bid().has_value(), !ref.bids.empty());
      if (!ref.bids.empty()) {
        ASSERT_EQ(b.best_bid()->price.ticks, ref.bids.begin()->first) << "op " << op;
        ASSERT_EQ(b.best_bid()->qty.lots, ref.bids.begin()->second);
      }
      ASSERT_EQ(b.best_ask().has_value(), !ref.asks.empty());
      if (!ref.asks.empty()) {
        ASSERT_EQ(b.best_ask()->price.ticks, ref.asks.begin()->first) << "op " << op;
        ASSERT_EQ(b.best_ask()->qty.lots, ref.asks.begin()->second);
      }
      ASSERT_EQ(b.crossed(),
                !ref.bids.empty() && !ref.asks.empty() && ref.bids.begin()->first >= ref.asks.begin()->first);
      ASSERT_EQ(b.level_count(Side::kBuy), ref.bids.size());
      ASSERT_EQ(b.level_count(Side::kSell), ref.asks.size());
      if (op % 250 == 0) {
        ASSERT_NO_FATAL_FAILURE(expect_same(b, ref)) << "op " << op;
      }
    }
  }
  ASSERT_NO_FATAL_FAILURE(expect_same(b, ref));
  EXPECT_GT(b.recenters(), 10u);
  if (expect_rejections) {
    EXPECT_GT(refused, 0u);
  } else {
    EXPECT_EQ(b.rejected_levels(), 0u);
  }
}

TEST(OrderBook, RandomizedDifferentialAgainstStdMap) {
  run_differential(0x5eed'0001, 1u << 16, 100'000, false);
}

TEST(OrderBook, RandomizedDifferentialWithATightOverflowStore) {
  // Refused updates must change nothing: the reference skips exactly those.
  run_differential(0x5eed'0002, 48, 100'000, true);
}

}  // namespace
}  // namespace mm
