// Every model's quote() and on_fill() run without a heap allocation (DESIGN.md section 3), with all
// features on: curves, adverse widening, several levels, Signals attached.
#include <gtest/gtest.h>

#include "strategy/avellaneda_stoikov.h"
#include "strategy/fixed_spread.h"
#include "strategy/glft.h"
#include "strategy/inventory_mm.h"
#include "strategy/signals.h"
#include "tests/strategy/strategy_test_util.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

using test::kMs;

DynamicCurves some_curves() {
  DynamicCurves c;
  c.spread_by_volatility = Curve::from({{0.0, 1.0}, {10.0, 2.0}});
  c.size_by_inventory = Curve::from({{0.0, 1.0}, {1.0, 0.5}});
  c.levels_by_depth = Curve::from({{0.0, 0.5}, {100.0, 1.0}});
  return c;
}

template <class S>
void expect_no_allocation(S& strategy, const test::Market& m, const Signals& s) {
  QuoteLadder out;
  bool any = false;
  mm::test::AllocScope scope;
  for (int i = 0; i < 2000; ++i) {
    out.clear();
    const int64_t pos = (i % 41) - 20;
    any |= strategy.quote(m.ctx(static_cast<int64_t>(i) * 100 * kMs, pos, 100, &s), out);
    if (i % 97 == 0)
      strategy.on_fill(Side::kBuy, out.bid_count ? out.bids[0].price : Price{1}, Qty{1}, i * 100 * kMs);
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_TRUE(any);
}

TEST(StrategyAllocation, QuoteNeverAllocates) {
  test::Market m;
  m.set_book(649999, 650001, 12, 7, 10, 5);
  SignalsConfig sc;
  sc.initial_volatility_bps = 2.0;
  Signals s(sc);
  s.on_book(m.book, 0);
  s.on_own_fill(Side::kBuy, Price{649999}, Qty{1}, 0);

  FixedSpreadConfig fc;
  fc.levels = 5;
  fc.level_spacing_ticks = 2.0;
  fc.reference = Reference::kMicroprice;
  fc.skew_bps_at_max_position = 1.0;
  fc.adverse_widening = 0.5;
  fc.curves = some_curves();
  FixedSpread fs(fc);
  expect_no_allocation(fs, m, s);

  InventoryMMConfig ic;
  ic.order_levels = 5;
  ic.order_level_spread = 0.01;
  ic.bid_spread = 0.02;
  ic.ask_spread = 0.02;
  ic.inventory_skew_enabled = true;
  ic.minimum_spread = 0.001;
  ic.order_refresh_time = 1.0;
  ic.filled_order_delay = 0.5;
  ic.price_ceiling = 70000.0;
  ic.adverse_widening = 0.5;
  ic.curves = some_curves();
  InventoryMM im(ic);
  expect_no_allocation(im, m, s);

  AvellanedaStoikovConfig ac;
  ac.gamma = 1e-4;
  ac.kappa = 0.05;
  ac.horizon = Horizon::kFinite;
  ac.session_length_s = 3600.0;
  ac.levels = 5;
  ac.adverse_widening = 0.5;
  ac.curves = some_curves();
  AvellanedaStoikov as(ac);
  expect_no_allocation(as, m, s);

  GlftConfig gc;
  gc.initial_a = 2.0;
  gc.initial_k = 0.5;
  gc.levels = 5;
  gc.adverse_widening = 0.5;
  gc.curves = some_curves();
  Glft g(gc);
  expect_no_allocation(g, m, s);
}

}  // namespace
}  // namespace mm
