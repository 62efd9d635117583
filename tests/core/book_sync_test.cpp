#include "core/book_sync.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

PriceLevel lvl(int64_t ticks, int64_t lots) {
  return PriceLevel{Price{ticks}, Qty{lots}};
}

// Owns the level arrays a BookUpdate points into.
struct Msg {
  std::vector<PriceLevel> bids;
  std::vector<PriceLevel> asks;
  BookUpdate u;
  Msg(bool snapshot, int64_t update_id, std::vector<PriceLevel> b, std::vector<PriceLevel> a,
      uint16_t depth = 50)
      : bids(std::move(b)), asks(std::move(a)) {
    u.instrument = 0;
    u.snapshot = snapshot;
    u.depth = depth;
    u.update_id = update_id;
    u.seq = update_id * 10;
    u.ts_ms = 1'700'000'000'000 + update_id;
    u.bids = bids.data();
    u.bid_count = static_cast<uint32_t>(bids.size());
    u.asks = asks.data();
    u.ask_count = static_cast<uint32_t>(asks.size());
  }
};

Msg snap(int64_t id, std::vector<PriceLevel> b, std::vector<PriceLevel> a) {
  return Msg(true, id, std::move(b), std::move(a));
}
Msg delta(int64_t id, std::vector<PriceLevel> b, std::vector<PriceLevel> a) {
  return Msg(false, id, std::move(b), std::move(a));
}

int64_t bid_qty(const BookSync& s, int64_t p) {
  return s.book().qty_at(Side::kBuy, Price{p}).lots;
}
int64_t ask_qty(const BookSync& s, int64_t p) {
  return s.book().qty_at(Side::kSell, Price{p}).lots;
}

TEST(BookSync, StartsUntrustedAndIgnoresDeltasBeforeTheFirstSnapshot) {
  BookSync s;
  EXPECT_FALSE(s.trusted());
  EXPECT_TRUE(s.is_stale(0, 1'000'000'000));
  EXPECT_EQ(s.on_update(delta(5, {lvl(100, 1)}, {}).u, 10), SyncResult::kIgnoredUntrusted);
  EXPECT_EQ(s.counters().ignored_before_snapshot, 1u);
  EXPECT_EQ(s.book().level_count(Side::kBuy), 0u);
  EXPECT_FALSE(s.trusted());
  EXPECT_FALSE(s.needs_resubscribe());  // nothing lost yet: the snapshot is on its way
  EXPECT_EQ(s.on_update(snap(6, {lvl(100, 2)}, {lvl(101, 3)}).u, 20), SyncResult::kApplied);
  EXPECT_TRUE(s.trusted());
  EXPECT_TRUE(s.complete());
  EXPECT_EQ(s.counters().resyncs, 0u);  // the first snapshot is not a resync
  EXPECT_EQ(s.last_update_id(), 6);
  EXPECT_EQ(s.last_seq(), 60);
  EXPECT_EQ(s.last_ts_ms(), 1'700'000'000'006);
}

TEST(BookSync, SnapshotResetsTheBook) {
  BookSync s;
  ASSERT_EQ(s.on_update(snap(10, {lvl(100, 1), lvl(99, 2)}, {lvl(101, 3)}).u, 1), SyncResult::kApplied);
  ASSERT_EQ(s.on_update(delta(11, {lvl(98, 4)}, {}).u, 2), SyncResult::kApplied);
  ASSERT_EQ(s.on_update(snap(50, {lvl(200, 5)}, {lvl(202, 6)}).u, 3), SyncResult::kApplied);
  EXPECT_EQ(s.book().level_count(Side::kBuy), 1u);
  EXPECT_EQ(s.book().level_count(Side::kSell), 1u);
  EXPECT_EQ(bid_qty(s, 100), 0);
  EXPECT_EQ(bid_qty(s, 98), 0);
  EXPECT_EQ(bid_qty(s, 200), 5);
  EXPECT_EQ(s.last_update_id(), 50);
  EXPECT_EQ(s.counters().snapshots, 2u);
  EXPECT_EQ(s.counters().deltas, 1u);
  ASSERT_EQ(s.on_update(delta(51, {}, {lvl(202, 0), lvl(203, 1)}).u, 4), SyncResult::kApplied);
  EXPECT_EQ(s.book().best_ask()->price.ticks, 203);
}

TEST(BookSync, UpdateIdOneIsARestartOverwrite) {
  BookSync s;
  ASSERT_EQ(s.on_update(snap(500, {lvl(100, 1), lvl(99, 1)}, {lvl(101, 1)}).u, 1), SyncResult::kApplied);
  ASSERT_EQ(s.on_update(delta(501, {lvl(98, 1)}, {}).u, 2), SyncResult::kApplied);
  // A "delta" with u == 1 after a restart: a full overwrite, not a step backwards.
  EXPECT_EQ(s.on_update(delta(1, {lvl(90, 7)}, {lvl(95, 8)}).u, 3), SyncResult::kApplied);
  EXPECT_EQ(s.counters().restarts, 1u);
  EXPECT_EQ(s.counters().backwards, 0u);
  EXPECT_TRUE(s.trusted());
  EXPECT_EQ(s.book().level_count(Side::kBuy), 1u);
  EXPECT_EQ(bid_qty(s, 90), 7);
  EXPECT_EQ(bid_qty(s, 100), 0);
  EXPECT_EQ(ask_qty(s, 95), 8);
  EXPECT_EQ(s.on_update(delta(2, {lvl(91, 1)}, {}).u, 4), SyncResult::kApplied);
  EXPECT_EQ(s.book().best_bid()->price.ticks, 91);
  // A snapshot with u == 1 is a restart too.
  EXPECT_EQ(s.on_update(snap(1, {lvl(80, 1)}, {}).u, 5), SyncResult::kApplied);
  EXPECT_EQ(s.counters().restarts, 2u);
  EXPECT_EQ(s.book().level_count(Side::kBuy), 1u);
}

TEST(BookSync, GapMakesTheBookUntrustedUntilTheNextSnapshot) {
  BookSync s;
  ASSERT_EQ(s.on_update(snap(10, {lvl(100, 1)}, {lvl(101, 1)}).u, 1), SyncResult::kApplied);
  ASSERT_EQ(s.on_update(delta(11, {lvl(100, 2)}, {}).u, 2), SyncResult::kApplied);
  EXPECT_EQ(s.on_update(delta(13, {lvl(100, 3)}, {}).u, 3), SyncResult::kGap);
  EXPECT_FALSE(s.trusted());
  EXPECT_FALSE(s.complete());
  EXPECT_TRUE(s.needs_resubscribe());
  EXPECT_EQ(bid_qty(s, 100), 2);  // the gapped delta was not applied
  // Deltas in between are not applied, even the "right" next ones.
  EXPECT_EQ(s.on_update(delta(14, {lvl(100, 4)}, {}).u, 4), SyncResult::kIgnoredUntrusted);
  EXPECT_EQ(s.on_update(delta(12, {lvl(100, 5)}, {}).u, 5), SyncResult::kIgnoredUntrusted);
  EXPECT_EQ(bid_qty(s, 100), 2);
  EXPECT_EQ(s.counters().ignored_untrusted, 2u);
  EXPECT_EQ(s.counters().gaps, 1u);
  EXPECT_EQ(s.last_applied_ns(), 2);  // ignored messages do not refresh staleness
  EXPECT_TRUE(s.take_resubscribe());
  EXPECT_FALSE(s.needs_resubscribe());
  EXPECT_FALSE(s.take_resubscribe());
  ASSERT_EQ(s.on_update(snap(40, {lvl(100, 9)}, {lvl(101, 1)}).u, 6), SyncResult::kApplied);
  EXPECT_TRUE(s.trusted());
  EXPECT_EQ(s.counters().resyncs, 1u);
  EXPECT_EQ(bid_qty(s, 100), 9);
  EXPECT_EQ(s.on_update(delta(41, {lvl(100, 10)}, {}).u, 7), SyncResult::kApplied);
  EXPECT_EQ(bid_qty(s, 100), 10);
}

TEST(BookSync, StepBackwardsMakesTheBookUntrusted) {
  BookSync s;
  ASSERT_EQ(s.on_update(snap(10, {lvl(100, 1)}, {}).u, 1), SyncResult::kApplied);
  ASSERT_EQ(s.on_update(delta(11, {lvl(100, 2)}, {}).u, 2), SyncResult::kApplied);
  EXPECT_EQ(s.on_update(delta(9, {lvl(100, 3)}, {}).u, 3), SyncResult::kBackwards);
  EXPECT_EQ(s.counters().backwards, 1u);
  EXPECT_FALSE(s.trusted());
  EXPECT_TRUE(s.needs_resubscribe());
  EXPECT_EQ(bid_qty(s, 100), 2);
  EXPECT_EQ(s.on_update(delta(12, {lvl(100, 4)}, {}).u, 4), SyncResult::kIgnoredUntrusted);
  EXPECT_EQ(bid_qty(s, 100), 2);
}

TEST(BookSync, DuplicateDeltaIsIgnored) {
  BookSync s;
  ASSERT_EQ(s.on_update(snap(10, {lvl(100, 1)}, {}).u, 1), SyncResult::kApplied);
  ASSERT_EQ(s.on_update(delta(11, {lvl(100, 2)}, {}).u, 2), SyncResult::kApplied);
  EXPECT_EQ(s.on_update(delta(11, {lvl(100, 3)}, {}).u, 3), SyncResult::kDuplicate);
  EXPECT_EQ(s.counters().duplicates, 1u);
  EXPECT_EQ(bid_qty(s, 100), 2);
  EXPECT_TRUE(s.trusted());
  EXPECT_FALSE(s.needs_resubscribe());
  EXPECT_EQ(s.on_update(delta(12, {lvl(100, 4)}, {}).u, 4), SyncResult::kApplied);
  EXPECT_EQ(bid_qty(s, 100), 4);
}

TEST(BookSync, LevelOneSnapshotsWithTheSameUpdateIdAreApplied) {
  BookSync s;
  Msg a(true, 777, {lvl(100, 1)}, {lvl(101, 1)}, 1);
  Msg b(true, 777, {lvl(100, 5)}, {lvl(102, 2)}, 1);
  Msg c(true, 778, {lvl(99, 3)}, {lvl(102, 2)}, 1);
  ASSERT_EQ(s.on_update(a.u, 1), SyncResult::kApplied);
  EXPECT_EQ(s.on_update(b.u, 2), SyncResult::kApplied);
  EXPECT_EQ(s.book().best_bid()->qty.lots, 5);
  EXPECT_EQ(s.book().best_ask()->price.ticks, 102);
  EXPECT_EQ(s.book().level_count(Side::kSell), 1u);
  EXPECT_EQ(s.on_update(c.u, 3), SyncResult::kApplied);
  EXPECT_EQ(s.book().best_bid()->price.ticks, 99);
  EXPECT_EQ(s.book().level_count(Side::kBuy), 1u);
  EXPECT_EQ(s.counters().snapshots, 3u);
  EXPECT_EQ(s.counters().duplicates, 0u);
}

TEST(BookSync, StaleWhenNothingWasAppliedForTooLong) {
  BookSync s;
  const int64_t max_age = 1'000'000;
  EXPECT_TRUE(s.is_stale(0, max_age));  // nothing applied yet
  ASSERT_EQ(s.on_update(snap(10, {lvl(100, 1)}, {lvl(101, 1)}).u, 5'000'000), SyncResult::kApplied);
  EXPECT_FALSE(s.is_stale(5'000'000, max_age));
  EXPECT_FALSE(s.is_stale(6'000'000, max_age));
  EXPECT_TRUE(s.is_stale(6'000'001, max_age));
  ASSERT_EQ(s.on_update(delta(11, {lvl(100, 2)}, {}).u, 6'500'000), SyncResult::kApplied);
  EXPECT_FALSE(s.is_stale(7'000'000, max_age));
  // A duplicate is not an update.
  ASSERT_EQ(s.on_update(delta(11, {lvl(100, 2)}, {}).u, 7'400'000), SyncResult::kDuplicate);
  EXPECT_TRUE(s.is_stale(7'600'000, max_age));
}

TEST(BookSync, CrossedFlagFollowsTheBookAndCountsTransitions) {
  BookSync s;
  ASSERT_EQ(s.on_update(snap(10, {lvl(102, 1)}, {lvl(101, 1)}).u, 1), SyncResult::kApplied);
  EXPECT_TRUE(s.crossed());
  EXPECT_EQ(s.counters().crossed, 1u);
  ASSERT_EQ(s.on_update(delta(11, {lvl(99, 1)}, {}).u, 2), SyncResult::kApplied);
  EXPECT_TRUE(s.crossed());
  EXPECT_EQ(s.counters().crossed, 1u);  // still the same crossing
  ASSERT_EQ(s.on_update(delta(12, {lvl(102, 0)}, {}).u, 3), SyncResult::kApplied);
  EXPECT_FALSE(s.crossed());
  ASSERT_EQ(s.on_update(delta(13, {}, {lvl(99, 4)}).u, 4), SyncResult::kApplied);
  EXPECT_TRUE(s.crossed());
  EXPECT_EQ(s.counters().crossed, 2u);
}

TEST(BookSync, BadLevelsAreRefusedAndBreakTrust) {
  BookSync s;
  ASSERT_EQ(s.on_update(snap(10, {lvl(100, 1)}, {lvl(101, 1)}).u, 1), SyncResult::kApplied);
  EXPECT_EQ(s.on_update(delta(11, {lvl(100, -1)}, {}).u, 2), SyncResult::kError);
  EXPECT_EQ(s.counters().bad_messages, 1u);
  EXPECT_FALSE(s.trusted());
  EXPECT_TRUE(s.needs_resubscribe());
  EXPECT_EQ(bid_qty(s, 100), 1);
  EXPECT_EQ(s.on_update(snap(20, {lvl(0, 1)}, {}).u, 3), SyncResult::kError);
  EXPECT_EQ(s.book().level_count(Side::kBuy), 0u);  // the superseded book is dropped
  EXPECT_EQ(s.on_update(delta(21, {lvl(100, 1)}, {}).u, 4), SyncResult::kIgnoredUntrusted);
  ASSERT_EQ(s.on_update(snap(30, {lvl(100, 1)}, {}).u, 5), SyncResult::kApplied);
  EXPECT_EQ(s.counters().resyncs, 1u);
}

TEST(BookSync, OverflowErrorIsCountedAndMarksTheBookIncomplete) {
  BookSync s(OrderBook::kMinWindowTicks, 2);
  std::vector<PriceLevel> bids;
  for (int64_t k = 0; k < 5; ++k) bids.push_back(lvl(1'000'000 - 10'000 * k, 1));  // 4 far levels, room for 2
  EXPECT_EQ(s.on_update(snap(10, bids, {lvl(1'000'001, 1)}).u, 1), SyncResult::kError);
  EXPECT_EQ(s.counters().overflow_errors, 1u);
  EXPECT_EQ(s.counters().snapshots, 1u);
  EXPECT_TRUE(s.trusted());  // the sequence is intact: deltas keep flowing
  EXPECT_FALSE(s.complete());
  EXPECT_EQ(s.book().level_count(Side::kBuy), 3u);
  EXPECT_EQ(s.on_update(delta(11, {lvl(999'999, 1)}, {}).u, 2), SyncResult::kApplied);
  EXPECT_FALSE(s.complete());
  EXPECT_EQ(s.on_update(snap(12, {lvl(1'000'000, 1)}, {}).u, 3), SyncResult::kApplied);
  EXPECT_TRUE(s.complete());
}

TEST(BookSync, ResetStartsANewConnection) {
  BookSync s;
  ASSERT_EQ(s.on_update(snap(10, {lvl(100, 1)}, {}).u, 1), SyncResult::kApplied);
  ASSERT_EQ(s.on_update(delta(12, {}, {}).u, 2), SyncResult::kGap);
  s.reset();
  EXPECT_FALSE(s.trusted());
  EXPECT_FALSE(s.needs_resubscribe());
  EXPECT_EQ(s.book().level_count(Side::kBuy), 0u);
  EXPECT_TRUE(s.is_stale(2, 1'000'000));
  EXPECT_EQ(s.on_update(delta(3, {lvl(100, 1)}, {}).u, 3), SyncResult::kIgnoredUntrusted);
  EXPECT_EQ(s.counters().ignored_before_snapshot, 1u);
  ASSERT_EQ(s.on_update(snap(5, {lvl(100, 1)}, {}).u, 4), SyncResult::kApplied);
  EXPECT_EQ(s.counters().resyncs, 0u);  // first snapshot of the new connection
  EXPECT_EQ(s.counters().gaps, 1u);     // counters survive reset()
}

TEST(BookSync, SteadyStateDoesNotAllocate) {
  BookSync s;
  std::vector<Msg> msgs;
  msgs.reserve(204);  // Msg points into its own vectors: moving is safe, but keep it simple
  msgs.push_back(snap(100, {lvl(1000, 1), lvl(999, 2), lvl(998, 3)}, {lvl(1001, 1), lvl(1002, 2)}));
  for (int64_t k = 1; k <= 200; ++k) {
    msgs.push_back(
        delta(100 + k, {lvl(1000 - k % 7, k), lvl(1000, k % 3)}, {lvl(1001 + k % 5, (k + 1) % 4)}));
  }
  msgs.push_back(delta(400, {}, {}));  // gap
  msgs.push_back(delta(401, {}, {}));  // ignored
  msgs.push_back(snap(500, {lvl(1000, 1)}, {lvl(1001, 1)}));
  uint64_t applied = 0;
  mm::test::AllocScope scope;
  for (const Msg& m : msgs) applied += s.on_update(m.u, 1) == SyncResult::kApplied ? 1 : 0;
  const uint64_t allocations = scope.allocations();
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(applied, 202u);
}

}  // namespace
}  // namespace mm
