// RingVenue never blocks: a full action ring refuses the whole send (nothing of it pushed), always leaves
// room to close an open tick, and a worst tick fits an empty ring.
#include "runtime/ring_venue.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace mm {
namespace {

OrderCreate create(int i) {
  OrderCreate c;
  c.side = Side::kBuy;
  c.price = Price{1000 + i};
  c.qty = Qty{1};
  return c;
}

size_t drain(ActionRing& ring) {
  size_t n = 0;
  ActionItem it;
  while (ring.try_pop(it)) ++n;
  return n;
}

TEST(RingVenue, FullRingRefusesTheWholeSpanAndTheTickStillCloses) {
  auto ring = std::make_unique<ActionRing>();
  RingVenue v(*ring);
  std::vector<OrderCreate> span;
  for (int i = 0; i < 100; ++i) span.push_back(create(i));
  v.begin_tick();
  // Fill until a span of 100 no longer fits with the kEnd reserve.
  size_t accepted = 0;
  while (v.send_creates(span)) ++accepted;
  EXPECT_EQ(v.refusals(), 1u);
  EXPECT_TRUE(v.tick_open());
  const size_t before = ring->size_approx();
  EXPECT_EQ(before, 1 + accepted * span.size()) << "kBegin + whole spans: nothing of the refused one";
  EXPECT_FALSE(v.send_creates(span));
  EXPECT_EQ(ring->size_approx(), before);
  EXPECT_EQ(v.refusals(), 2u);
  v.end_tick(TickEnd{});  // the reserved slot
  EXPECT_FALSE(v.tick_open());
  EXPECT_EQ(drain(*ring), before + 1);
  // Drained: sends are accepted again.
  v.begin_tick();
  EXPECT_TRUE(v.send_creates(span));
}

TEST(RingVenue, WorstTickFitsAnEmptyRing) {
  static_assert(kWorstTickItems <= kActionRingCapacity);
  auto ring = std::make_unique<ActionRing>();
  EXPECT_TRUE(ring->has_room(kWorstTickItems));
  EXPECT_TRUE(ring->has_room(kActionRingCapacity));
  EXPECT_FALSE(ring->has_room(kActionRingCapacity + 1));
}

}  // namespace
}  // namespace mm
