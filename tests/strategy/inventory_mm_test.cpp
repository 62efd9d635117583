#include "strategy/inventory_mm.h"

#include <gtest/gtest.h>

#include "strategy/signals.h"
#include "tests/strategy/strategy_test_util.h"

namespace mm {
namespace {

using test::ask_prices;
using test::ask_sizes;
using test::bid_prices;
using test::bid_sizes;
using test::kSec;

// The test instrument has a 0.10 tick: a mid of 10000 ticks is the price 1000.0.
InventoryMMConfig base_config() {
  InventoryMMConfig c;
  c.bid_spread = 1.0;  // percent
  c.ask_spread = 1.0;
  c.order_amount_lots = 10;
  c.order_refresh_time = 30.0;
  c.filled_order_delay = 10.0;
  return c;
}

TEST(InventoryMM, BaseProposalWithLevels) {
  test::Market m;
  m.set_book(9999, 10001);
  InventoryMMConfig c = base_config();
  c.order_levels = 3;
  c.order_level_spread = 0.5;  // 50 ticks at 10000
  c.order_level_amount_lots = 2;
  InventoryMM mm(c);
  QuoteLadder out;
  ASSERT_TRUE(mm.quote(m.ctx(0), out));
  EXPECT_EQ(bid_prices(out), (std::vector<int64_t>{9900, 9850, 9800}));
  EXPECT_EQ(ask_prices(out), (std::vector<int64_t>{10100, 10150, 10200}));
  EXPECT_EQ(bid_sizes(out), (std::vector<int64_t>{10, 12, 14}));
  EXPECT_EQ(ask_sizes(out), (std::vector<int64_t>{10, 12, 14}));
}

TEST(InventoryMM, ProposalHeldUntilRefreshTime) {
  test::Market m;
  m.set_book(9999, 10001);
  InventoryMM mm(base_config());
  QuoteLadder a, b, c;
  ASSERT_TRUE(mm.quote(m.ctx(0), a));
  m.set_book(10099, 10101);  // mid +1%
  ASSERT_TRUE(mm.quote(m.ctx(29 * kSec), b));
  EXPECT_EQ(bid_prices(b), bid_prices(a));  // same orders until order_refresh_time
  EXPECT_EQ(ask_prices(b), ask_prices(a));
  ASSERT_TRUE(mm.quote(m.ctx(30 * kSec), c));
  EXPECT_EQ(bid_prices(c), (std::vector<int64_t>{9999}));   // 10100 * 0.99
  EXPECT_EQ(ask_prices(c), (std::vector<int64_t>{10201}));  // 10100 * 1.01
  EXPECT_EQ(mm.next_refresh_ns(), 60 * kSec);
}

// hummingbot c_apply_price_band: mid >= price_ceiling removes every buy, mid <= price_floor every sell.
TEST(InventoryMM, PriceCeilingAndFloor) {
  test::Market m;
  m.set_book(9999, 10001);  // mid 1000.0
  InventoryMMConfig c = base_config();
  c.price_ceiling = 1000.0;
  InventoryMM at_ceiling(c);
  QuoteLadder out;
  ASSERT_TRUE(at_ceiling.quote(m.ctx(0), out));
  EXPECT_EQ(out.bid_count, 0u);
  EXPECT_EQ(out.ask_count, 1u);

  c.price_ceiling = 1000.1;  // mid below the ceiling: both sides
  InventoryMM below(c);
  QuoteLadder out2;
  ASSERT_TRUE(below.quote(m.ctx(0), out2));
  EXPECT_EQ(out2.bid_count, 1u);
  EXPECT_EQ(out2.ask_count, 1u);

  c = base_config();
  c.price_floor = 1000.0;
  InventoryMM at_floor(c);
  QuoteLadder out3;
  ASSERT_TRUE(at_floor.quote(m.ctx(0), out3));
  EXPECT_EQ(out3.bid_count, 1u);
  EXPECT_EQ(out3.ask_count, 0u);
}

// hummingbot c_cancel_orders_below_min_spread: every tick, orders nearer the mid than minimum_spread go;
// they come back with the next proposal.
TEST(InventoryMM, MinimumSpreadPullsLevelsTheMidApproached) {
  test::Market m;
  m.set_book(9999, 10001);
  InventoryMMConfig c = base_config();
  c.minimum_spread = 0.5;
  InventoryMM mm(c);
  QuoteLadder a, b, back, refreshed;
  ASSERT_TRUE(mm.quote(m.ctx(0), a));
  EXPECT_EQ(ask_prices(a), (std::vector<int64_t>{10100}));
  m.set_book(10059, 10061);  // mid 10060: the ask at 10100 is 0.4% away
  ASSERT_TRUE(mm.quote(m.ctx(5 * kSec), b));
  EXPECT_EQ(b.ask_count, 0u);
  EXPECT_EQ(bid_prices(b), (std::vector<int64_t>{9900}));  // 1.6% away: kept
  m.set_book(9999, 10001);
  ASSERT_TRUE(mm.quote(m.ctx(10 * kSec), back));
  EXPECT_EQ(back.ask_count, 0u);  // stays cancelled until the next refresh
  ASSERT_TRUE(mm.quote(m.ctx(30 * kSec), refreshed));
  EXPECT_EQ(ask_prices(refreshed), (std::vector<int64_t>{10100}));

  // A proposal tighter than minimum_spread never shows up.
  c.bid_spread = 0.2;
  InventoryMM tight(c);
  QuoteLadder t;
  ASSERT_TRUE(tight.quote(m.ctx(0), t));
  EXPECT_EQ(t.bid_count, 0u);
  EXPECT_EQ(t.ask_count, 1u);
}

// hummingbot: a completed fill sets create = now + filled_order_delay and cancel = min(cancel, create).
TEST(InventoryMM, FilledOrderDelay) {
  test::Market m;
  m.set_book(9999, 10001);
  InventoryMMConfig c = base_config();
  c.order_refresh_time = 8.0;
  c.filled_order_delay = 10.0;
  InventoryMM mm(c);
  QuoteLadder out;
  ASSERT_TRUE(mm.quote(m.ctx(0), out));
  // A partial fill does not start the delay; the level shrinks so the quoter does not top it up.
  mm.on_fill(Side::kBuy, Price{9900}, Qty{4}, 2 * kSec);
  QuoteLadder partial;
  ASSERT_TRUE(mm.quote(m.ctx(3 * kSec), partial));
  EXPECT_EQ(bid_sizes(partial), (std::vector<int64_t>{6}));
  // The rest fills at 5 s: the bid is gone, the ask stays until the cancel time min(8 s, 15 s) = 8 s.
  mm.on_fill(Side::kBuy, Price{9900}, Qty{6}, 5 * kSec);
  QuoteLadder after;
  ASSERT_TRUE(mm.quote(m.ctx(6 * kSec), after));
  EXPECT_EQ(after.bid_count, 0u);
  EXPECT_EQ(ask_prices(after), (std::vector<int64_t>{10100}));
  QuoteLadder pulled;
  EXPECT_FALSE(mm.quote(m.ctx(9 * kSec), pulled));
  EXPECT_EQ(pulled.bid_count + pulled.ask_count, 0u);
  QuoteLadder still;
  EXPECT_FALSE(mm.quote(m.ctx(14 * kSec), still));
  QuoteLadder again;
  ASSERT_TRUE(mm.quote(m.ctx(15 * kSec), again));  // fill + delay: a fresh proposal
  EXPECT_EQ(bid_prices(again), (std::vector<int64_t>{9900}));
  EXPECT_EQ(ask_prices(again), (std::vector<int64_t>{10100}));
  EXPECT_EQ(bid_sizes(again), (std::vector<int64_t>{10}));
}

TEST(InventoryMM, ZeroFilledOrderDelayRequotesAtOnce) {
  test::Market m;
  m.set_book(9999, 10001);
  InventoryMMConfig c = base_config();
  c.filled_order_delay = 0.0;
  InventoryMM mm(c);
  QuoteLadder out;
  ASSERT_TRUE(mm.quote(m.ctx(0), out));
  mm.on_fill(Side::kSell, Price{10100}, Qty{10}, 4 * kSec);
  QuoteLadder next;
  ASSERT_TRUE(mm.quote(m.ctx(4 * kSec), next));
  EXPECT_EQ(ask_prices(next), (std::vector<int64_t>{10100}));
  EXPECT_EQ(mm.next_refresh_ns(), 34 * kSec);
}

// hummingbot inventory skew on a position range [-100, 100] lots: order_amount 10, one level -> total order
// size 20 lots, range 20 lots around the target.
TEST(InventoryMM, InventorySkewSizes) {
  InventoryMMConfig c = base_config();
  c.inventory_skew_enabled = true;
  InventoryView inv;
  inv.max_position_lots = 100;

  inv.position_lots = 0;  // at the 50% target (flat): 1, 1
  InventorySkewRatios r = inventory_skew_ratios(c, inv);
  EXPECT_DOUBLE_EQ(r.bid, 1.0);
  EXPECT_DOUBLE_EQ(r.ask, 1.0);
  inv.position_lots = 10;  // half-way to target + range: share 0.75 -> bid 0.5, ask 1.5
  r = inventory_skew_ratios(c, inv);
  EXPECT_DOUBLE_EQ(r.bid, 0.5);
  EXPECT_DOUBLE_EQ(r.ask, 1.5);
  inv.position_lots = -5;  // share interp(-5, [-20, 0], [0, 0.5]) = 0.375 -> bid 1.25
  r = inventory_skew_ratios(c, inv);
  EXPECT_DOUBLE_EQ(r.bid, 1.25);
  EXPECT_DOUBLE_EQ(r.ask, 0.75);
  inv.position_lots = -30;  // beyond the range: bid 2, ask 0
  r = inventory_skew_ratios(c, inv);
  EXPECT_DOUBLE_EQ(r.bid, 2.0);
  EXPECT_DOUBLE_EQ(r.ask, 0.0);
  c.inventory_target_base_pct = 75.0;  // target position +50
  inv.position_lots = 50;
  r = inventory_skew_ratios(c, inv);
  EXPECT_DOUBLE_EQ(r.bid, 1.0);
  c.inventory_target_base_pct = 5.0;  // target -90: the lower limit is -100, not -110
  inv.position_lots = -95;
  r = inventory_skew_ratios(c, inv);
  EXPECT_DOUBLE_EQ(r.bid, 2.0 - 2.0 * 0.25);  // interp(-95, [-100, -90], [0, 0.5]) = 0.25
  c.order_levels = 2;                         // total order size 2 * (2 * 10 + 1 * 0) = 40 lots
  c.inventory_target_base_pct = 50.0;
  inv.position_lots = 10;
  r = inventory_skew_ratios(c, inv);
  EXPECT_DOUBLE_EQ(r.bid, 2.0 - 2.0 * 0.625);

  test::Market m;
  m.set_book(9999, 10001);
  c = base_config();
  c.inventory_skew_enabled = true;
  InventoryMM mm(c);
  QuoteLadder lng;
  ASSERT_TRUE(mm.quote(m.ctx(0, 10, 100), lng));  // long: smaller bid, bigger ask
  EXPECT_EQ(bid_sizes(lng), (std::vector<int64_t>{5}));
  EXPECT_EQ(ask_sizes(lng), (std::vector<int64_t>{15}));
  InventoryMM mm2(c);
  QuoteLadder very_short;
  ASSERT_TRUE(mm2.quote(m.ctx(0, -30, 100), very_short));
  EXPECT_EQ(bid_sizes(very_short), (std::vector<int64_t>{20}));
  EXPECT_EQ(very_short.ask_count, 0u);  // size 0 orders are dropped
}

TEST(InventoryMM, QuoterHintsAndAdverseWidening) {
  InventoryMMConfig c = base_config();
  c.order_refresh_tolerance_pct = 0.2;
  c.max_order_age = 15.0;
  InventoryMM mm(c);
  EXPECT_DOUBLE_EQ(mm.quoter_price_tolerance_bps(), 20.0);
  EXPECT_EQ(mm.quoter_max_order_age_ns(), 15 * kSec);
  c.order_refresh_tolerance_pct = -1.0;
  EXPECT_DOUBLE_EQ(InventoryMM(c).quoter_price_tolerance_bps(), 0.0);

  test::Market m;
  Signals s(SignalsConfig{});
  int64_t t = 0;
  int64_t mid = 10000;
  m.set_book(mid - 1, mid + 1);
  s.on_book(m.book, t);
  for (int i = 0; i < 5; ++i) {  // sells followed by +10 ticks (about 10 bps)
    s.on_own_fill(Side::kSell, Price{mid + 1}, Qty{1}, t);
    t += 500 * test::kMs;
    mid += 10;
    m.set_book(mid - 1, mid + 1);
    s.on_book(m.book, t);
    t += 40 * kSec;
    s.on_time(t);
  }
  m.set_book(9999, 10001);
  ASSERT_GT(s.adverse_score_bps(), 9.0);
  c = base_config();
  c.adverse_widening = 1.0;
  InventoryMM wide(c);
  QuoteLadder out;
  ASSERT_TRUE(wide.quote(m.ctx(0, 0, 100, &s), out));
  const double extra = s.adverse_score_bps() * 1e-4;
  EXPECT_EQ(test::top_bid(out), static_cast<int64_t>(std::floor(10000.0 * (1.0 - 0.01 - extra))));
  EXPECT_LT(test::top_bid(out), 9900);
  EXPECT_GT(test::top_ask(out), 10100);
}

TEST(InventoryMM, ValidateNamesTheKey) {
  InventoryMMConfig c;
  EXPECT_EQ(c.validate(), "");
  c.bid_spread = -1.0;
  EXPECT_EQ(c.validate(), "strategy.bid_spread must be >= 0");
  c = InventoryMMConfig{};
  c.order_refresh_tolerance_pct = -0.5;
  EXPECT_EQ(c.validate(), "strategy.order_refresh_tolerance_pct must be >= 0 or -1 (disabled)");
  c = InventoryMMConfig{};
  c.inventory_target_base_pct = 101.0;
  EXPECT_EQ(c.validate(), "strategy.inventory_target_base_pct must be in [0, 100]");
  c = InventoryMMConfig{};
  c.price_ceiling = 100.0;
  c.price_floor = 200.0;
  EXPECT_EQ(c.validate(), "strategy.price_floor must be below strategy.price_ceiling");
  c = InventoryMMConfig{};
  c.order_levels = 2;
  c.order_level_spread = 0.0;
  EXPECT_EQ(c.validate(), "strategy.order_level_spread must be > 0 when strategy.order_levels > 1");
  c = InventoryMMConfig{};
  c.minimum_spread = -101.0;
  EXPECT_EQ(c.validate(), "strategy.minimum_spread must be >= -100 (-100 disables)");
}

}  // namespace
}  // namespace mm
