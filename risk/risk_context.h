#pragma once
// What the risk layer reads on every check and tick. The Trader fills it from its book, its position
// tracker and its order table; risk/ keeps no copy of those and depends on none of their types.
#include <cstdint>

#include "core/money.h"
#include "core/types.h"

namespace mm {

struct RiskContext {
  // Clocks (injected, never read by risk/ itself).
  int64_t now_ns = 0;   // monotonic clock of the decision loop; book_update_ns and every event time
                        // given to RiskEngine::on_reject / on_latency use the same clock
  int64_t wall_ns = 0;  // UTC wall time, ns since the Unix epoch (>= 0): fixes the daily-loss day

  // Market (ticks of the instrument). A zero price means "not available".
  Price mid;                   // reference for the price band and exposure; 0 when the book is not two-sided
  Price best_bid;              // aggressive closes sell at or below it
  Price best_ask;              // aggressive closes buy at or above it
  Price mark;                  // protection trigger price; 0: protection uses mid
  bool book_trusted = false;   // false while the book resyncs (gap, reconnect, no snapshot yet)
  bool book_crossed = false;   // best bid >= best ask
  int64_t book_update_ns = 0;  // now_ns clock of the last applied book update

  // Position and PnL (settle coin). Cumulative since start-up; risk/ only looks at their changes.
  int64_t position_lots = 0;  // signed: > 0 long, < 0 short
  Price avg_entry;            // average entry price, 0 when flat
  Money realized_pnl;         // closed PnL before fees
  Money unrealized_pnl;       // open PnL at the Trader's mark
  Money fees_paid;            // fees paid (> 0) net of rebates received (< 0)

  // Our open orders, including those in flight (pending create/amend, unknown).
  uint32_t open_orders = 0;
  int64_t open_buy_lots = 0;   // remaining qty of open buy orders
  int64_t open_sell_lots = 0;  // remaining qty of open sell orders
  Money open_buy_notional;     // sum of price * remaining qty of open buy orders (>= 0)
  Money open_sell_notional;    // same for sells (>= 0)
};

}  // namespace mm
