#pragma once
// The contract between strategies, risk and the quoter: a strategy reads a StrategyContext and writes a
// QuoteLadder (the prices and sizes it wants resting, best first per side); the quoter turns the ladder into
// the fewest order actions against the live orders. Everything is fixed-size so a tick never allocates.
#include <array>
#include <concepts>
#include <cstdint>

#include "core/instrument.h"
#include "core/order_book.h"
#include "core/order_request.h"
#include "core/types.h"

namespace mm {

inline constexpr uint32_t kMaxQuoteLevels = 16;  // per side

struct QuoteLevel {
  Price price;
  Qty qty;
};

// Target resting orders. Bids best (highest) first, asks best (lowest) first. A side with count 0 is pulled.
// Prices are already on the tick grid (bids rounded down, asks up: see strategy/rounding.h) and sizes on the
// lot grid; the quoter enforces min qty / min notional and never crosses our own quotes.
struct QuoteLadder {
  std::array<QuoteLevel, kMaxQuoteLevels> bids{};
  std::array<QuoteLevel, kMaxQuoteLevels> asks{};
  uint32_t bid_count = 0;
  uint32_t ask_count = 0;
  bool reduce_only = false;  // flattening: every order of this ladder is reduce-only

  void clear() noexcept {
    bid_count = 0;
    ask_count = 0;
    reduce_only = false;
  }
  [[nodiscard]] bool push_bid(Price p, Qty q) noexcept {
    if (bid_count == kMaxQuoteLevels) return false;
    bids[bid_count++] = {p, q};
    return true;
  }
  [[nodiscard]] bool push_ask(Price p, Qty q) noexcept {
    if (ask_count == kMaxQuoteLevels) return false;
    asks[ask_count++] = {p, q};
    return true;
  }
};

// Model-side view of our position (inventory), maintained by the Trader from executions.
struct InventoryView {
  int64_t position_lots = 0;  // signed: > 0 long, < 0 short
  Price avg_entry;            // average entry price in ticks (rounded toward the worse side), 0 when flat
  int64_t max_position_lots = 0;  // configured risk cap, for inventory-normalised skews (> 0)
};

// One of our live orders as the quoter sees it (the Trader builds these from its order table).
// `pending` is true while a create/amend/cancel is in flight (PendingNew, PendingAmend, PendingCancel,
// Unknown): the quoter must not act on such an order again until it settles.
struct LiveOrder {
  OrderLinkId link_id;
  Side side = Side::kBuy;
  Price price;
  Qty qty;          // remaining (leaves) quantity
  int64_t created_ns = 0;
  bool pending = false;
  bool reduce_only = false;
  // The caller's own reference to the order (the Trader: its order-table position), echoed in
  // QuoteActions::cancel_tags / amend_tags so the caller needs no link-id lookup per action.
  uint32_t tag = 0;
};

class Signals;  // strategy/signals.h

// Everything a strategy may read on a tick. Pointers are valid for the duration of the call.
// Preconditions for quote(): book has both sides (the Trader does not call strategies on a one-sided,
// untrusted or crossed book).
struct StrategyContext {
  const Instrument* instrument = nullptr;
  const OrderBook* book = nullptr;
  const Signals* signals = nullptr;
  InventoryView inventory;
  int64_t now_ns = 0;         // injected clock: frame time in replay/backtest, wall time live
  Price best_bid;
  Price best_ask;
};

// A quoting model. quote() fills `out` (cleared by the caller) and returns false to pull all quotes.
// on_fill() lets models with state (filled-order delay, refresh timers) react to our executions.
template <class S>
concept Strategy = requires(S s, const StrategyContext& c, QuoteLadder& out, Side side, Price px, Qty q,
                            int64_t t) {
  { s.quote(c, out) } noexcept -> std::same_as<bool>;
  { s.on_fill(side, px, q, t) } noexcept -> std::same_as<void>;
};

}  // namespace mm
