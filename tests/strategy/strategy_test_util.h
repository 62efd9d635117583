#pragma once
// Shared fixture for the quoting-model tests: a BTCUSDT-like instrument (tick 0.10, lot 0.001), a small
// order book with a settable top, and a context builder; for the Trader's tests (trader_test.cpp,
// trader_rehearse_test.cpp), their risk limits and book snapshots.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/order_book.h"
#include "risk/risk_config.h"
#include "strategy/quote.h"
#include "strategy/signals.h"

namespace mm::test {

inline Instrument btc_instrument() {
  Instrument in;
  InstrumentSpec s{Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500.000", "5"};
  EXPECT_EQ(make_instrument(s, in), InstrumentError::kOk);
  return in;
}

// The Trader tests' risk limits: an order <= 1 BTC and 100,000 USDT, a position <= 2 BTC, exposure <= 500,000
// USDT (the other limits at their defaults).
inline RiskConfig trader_risk_config() {
  RiskConfig c;
  c.max_order_qty = "1";
  c.max_position_qty = "2";
  c.max_order_notional = "100000";
  c.max_exposure_notional = "500000";
  return c;
}

// The Trader tests' book: two-sided snapshots of 5 levels of 1000 lots a side, best ask one tick above the
// best bid. The levels live here, so a snapshot is valid until the next one.
class SnapshotMaker {
 public:
  // Snapshot with update id `u` and best bid `bid_ticks` (e.g. 650000 = 65000.00 on the 0.10 grid).
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
  // The last snapshot's levels: bids [0, 5), asks [5, 10).
  const std::vector<PriceLevel>& levels() const { return levels_; }

 private:
  std::vector<PriceLevel> levels_;
};

inline constexpr int64_t kSec = 1'000'000'000;
inline constexpr int64_t kMs = 1'000'000;

struct Market {
  Instrument instrument = btc_instrument();
  OrderBook book{OrderBook::kMinWindowTicks, 64};

  // Replaces the book with levels bid, bid-1, ... and ask, ask+1, ... of `qty` lots each (top quantities
  // overridable).
  void set_book(int64_t bid, int64_t ask, int64_t bid_qty = 10, int64_t ask_qty = 10, int depth = 5,
                int64_t qty = 10) {
    std::vector<PriceLevel> b;
    std::vector<PriceLevel> a;
    for (int i = 0; i < depth; ++i) {
      b.push_back(PriceLevel{Price{bid - i}, Qty{i == 0 ? bid_qty : qty}});
      a.push_back(PriceLevel{Price{ask + i}, Qty{i == 0 ? ask_qty : qty}});
    }
    ASSERT_EQ(book.apply_snapshot(b.data(), static_cast<uint32_t>(b.size()), a.data(),
                                  static_cast<uint32_t>(a.size())),
              BookError::kOk);
  }

  [[nodiscard]] StrategyContext ctx(int64_t now_ns, int64_t position = 0, int64_t max_position = 100,
                                    const Signals* signals = nullptr) const {
    StrategyContext c;
    c.instrument = &instrument;
    c.book = &book;
    c.signals = signals;
    c.inventory.position_lots = position;
    c.inventory.max_position_lots = max_position;
    c.now_ns = now_ns;
    c.best_bid = book.best_bid()->price;
    c.best_ask = book.best_ask()->price;
    return c;
  }
};

// Best level price, or INT64_MIN for an empty side (so an unexpected empty side fails an EXPECT, not the
// process).
inline int64_t top_bid(const QuoteLadder& l) {
  return l.bid_count != 0 ? l.bids[0].price.ticks : INT64_MIN;
}
inline int64_t top_ask(const QuoteLadder& l) {
  return l.ask_count != 0 ? l.asks[0].price.ticks : INT64_MIN;
}

inline std::vector<int64_t> bid_prices(const QuoteLadder& l) {
  std::vector<int64_t> v;
  for (uint32_t i = 0; i < l.bid_count; ++i) v.push_back(l.bids[i].price.ticks);
  return v;
}
inline std::vector<int64_t> ask_prices(const QuoteLadder& l) {
  std::vector<int64_t> v;
  for (uint32_t i = 0; i < l.ask_count; ++i) v.push_back(l.asks[i].price.ticks);
  return v;
}
inline std::vector<int64_t> bid_sizes(const QuoteLadder& l) {
  std::vector<int64_t> v;
  for (uint32_t i = 0; i < l.bid_count; ++i) v.push_back(l.bids[i].qty.lots);
  return v;
}
inline std::vector<int64_t> ask_sizes(const QuoteLadder& l) {
  std::vector<int64_t> v;
  for (uint32_t i = 0; i < l.ask_count; ++i) v.push_back(l.asks[i].qty.lots);
  return v;
}

}  // namespace mm::test
