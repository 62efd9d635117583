#pragma once
// What the Trader (strategy/trader.h) did and did not do over a run: its own header so that run summaries
// (runtime/backtest.h, runtime/live_node.h, runtime/parity.h) can carry the counters without the Trader.
#include <cstdint>

#include "strategy/quoter.h"

namespace mm {

struct TraderCounters {
  uint64_t ticks = 0;  // book updates that ran the decision path
  uint64_t ticks_with_actions = 0;
  uint64_t creates = 0, amends = 0, cancels = 0, cancel_alls = 0;  // sent to the venue
  uint64_t risk_blocked = 0;                                       // actions the pre-trade checks refused
  uint64_t venue_refused = 0;     // actions not sent because the venue refused a request (theirs or an
                                  // earlier one of the tick) or a cancel-all; the table was put back
  uint64_t table_errors = 0;      // exchange events the order table refused (late, out of sequence)
  uint64_t invariant_errors = 0;  // our own broken invariants (TraderFault): each trips the kill switch
  uint64_t unknown_orders = 0;    // private events for link ids not in the table (not ours, or released)
  uint64_t quoter_errors = 0;
  uint64_t protection_closes = 0;
  uint64_t skipped_untrusted = 0;  // ticks skipped: book untrusted, one-sided or crossed
  QuoterTotals quoter;             // the quoter's counters summed over every diff
};

}  // namespace mm
