#pragma once
// Builds the quoter's view of our resting orders (strategy/quote.h LiveOrder) from the order table.
// Why here and not in core/: core/ must not know strategy/ types; the table only offers iteration.
#include <algorithm>
#include <cstdint>
#include <span>

#include "core/order_table.h"
#include "strategy/quote.h"

namespace mm {

// Writes the orders of `instrument` that can still rest on the book (state not Filled/Cancelled/Rejected)
// into `out`, at most out.size() of them, and returns how many were written. `qty` is the leaves quantity,
// `pending` is is_pending(state), `price` the last acked or reported price (an amend in flight is not in it
// yet: such an order is pending). `tag` is the order's table position: table.handle_at(tag) names it until
// the table changes. Order of the entries: the table's (unspecified). No allocation.
inline uint32_t collect_live_orders(const OrderTable& table, InstrumentId instrument,
                                    std::span<LiveOrder> out) noexcept {
  uint32_t n = 0;
  for (uint32_t i = 0; i < table.size() && n < out.size(); ++i) {
    const OwnOrder& o = table.get(table.handle_at(i));
    if (o.instrument != instrument || is_terminal(o.state())) continue;
    LiveOrder& l = out[n++];
    l.link_id = o.link_id;
    l.side = o.side;
    // An amend in flight: report the price nearer the other side (the higher for a bid, the lower for an
    // ask), so the quoter's self-cross check holds whichever price the exchange ends up with.
    l.price = o.price;
    if (o.amend_price.ticks != 0) {
      l.price = o.side == Side::kBuy ? std::max(o.price, o.amend_price) : std::min(o.price, o.amend_price);
    }
    l.qty = o.leaves;
    l.created_ns = o.created_ns;
    l.pending = is_pending(o.state());
    l.reduce_only = o.reduce_only;
    l.tag = i;
  }
  return n;
}

}  // namespace mm
