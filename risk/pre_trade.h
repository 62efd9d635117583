#pragma once
// Pre-trade checks: every order action the Trader wants to send passes here first. A violation blocks the
// action (or, for the size limits under limit_policy = "clip", shrinks it), is counted per rule, and the
// verdict names the rule. noexcept, no allocation, no clock.
//
// Order of the checks (the first failing rule is reported):
//   bad order -> state gate -> reduce-only flag -> post-only -> open orders -> reference price -> price band
//   -> max order qty -> max order notional -> max position -> max exposure
//
// "Reduces": the order is on the side opposite the position and, even if every open order on its side
// fills too, the position does not flip: remaining + open same-side lots <= |position|.
// Position and exposure are checked on the worst case of the side, position + open same-side orders + this
// order; an order that leaves that worst case smaller in absolute value than before is always within them
// (so a cap lowered below the current position still lets the position shrink).
#include <array>
#include <cstdint>
#include <string_view>

#include "core/instrument.h"
#include "core/money.h"
#include "core/order_request.h"
#include "core/types.h"
#include "risk/risk_config.h"
#include "risk/risk_context.h"
#include "risk/trading_state.h"

namespace mm {

enum class RiskRule : uint8_t {
  kNone = 0,          // allowed as asked
  kBadOrder,          // other instrument, qty <= 0, limit price <= 0, amend without price and qty, amend qty
                      // not above the filled qty
  kHalted,            // trading state HALTED: only cancels
  kReduceOnlyState,   // trading state REDUCE_ONLY and the order does not reduce
  kReduceOnlyOrder,   // reduce_only order that does not reduce
  kPostOnly,          // require_post_only and a non-reduce-only order that is not a PostOnly limit
  kMaxOpenOrders,     // a create with open_orders >= max_open_orders
  kNoReference,       // no mid price: the band and the exposure cannot be checked
  kPriceBand,         // |limit price - mid| > mid * price_band_bps / 10000
  kMaxOrderQty,       // order qty > max_order_qty
  kMaxOrderNotional,  // price * qty > max_order_notional
  kMaxPosition,       // worst-case position beyond max_position_qty
  kMaxExposure,       // worst-case notional exposure beyond max_exposure_notional
  kCount,
};

// Metric label / log spelling ("ok", "bad_order", "halted", "reduce_only_state", ...).
std::string_view to_string(RiskRule r) noexcept;

struct RiskVerdict {
  RiskRule rule = RiskRule::kNone;  // the blocking rule, or the last rule that clipped
  bool clipped = false;             // true: allowed, but only with `qty`
  Qty qty;                          // the order qty to send (for an amend: Bybit's new total order qty)

  [[nodiscard]] constexpr bool allowed() const noexcept { return rule == RiskRule::kNone || clipped; }
};

// The order an amend modifies, as the Trader's order table knows it.
struct RestingOrder {
  Side side = Side::kBuy;
  Price price;
  Qty remaining;  // leaves qty, as counted in RiskContext::open_*_lots / open_*_notional
  Qty filled;     // cumulative filled qty (Bybit's amend qty is the new total, filled included)
  bool reduce_only = false;
};

class PreTradeChecks {
 public:
  // Preconditions: limits come from resolve_limits(cfg, instrument, ...).
  PreTradeChecks(const RiskConfig& cfg, const RiskLimits& limits, const Instrument& instrument,
                 InstrumentId id) noexcept;

  // Checks a new order under `state`. Returns a verdict whose rule is any RiskRule but kCount.
  [[nodiscard]] RiskVerdict check(const OrderCreate& o, const RiskContext& ctx, TradingState state) noexcept;

  // Checks an amend of `current` (which must be counted in ctx's open orders). The amended order is checked
  // as a new one would be, without the open-orders and post-only rules (an amend keeps the order's tif and
  // adds no order). Returns any RiskRule but kMaxOpenOrders, kPostOnly and kCount.
  [[nodiscard]] RiskVerdict check(const OrderAmend& a, const RestingOrder& current, const RiskContext& ctx,
                                  TradingState state) noexcept;
  // The same check, with current's notional(instrument, price, remaining) already valued by the caller (the
  // Trader values every open order for RiskContext on each tick). Precondition: current_notional is exactly
  // that value. Same verdicts as above.
  [[nodiscard]] RiskVerdict check(const OrderAmend& a, const RestingOrder& current, Money current_notional,
                                  const RiskContext& ctx, TradingState state) noexcept;

  // check() for one of several actions checked against the same `ctx` (the Trader checks a whole decision
  // against one context): an allowed create or amend is then counted into ctx at its worst case, so the next
  // check of the decision sees it. A create adds one open order, its lots and its notional to its side; an
  // amend adds what its new terms exceed the resting ones by (while it is in flight the exchange may apply
  // it at any moment, so the larger of old and new counts). Without this, three creates on one side in one
  // tick each passed against the same headroom and the position crossed max_position_qty once all filled.
  // Same verdicts as check(); a blocked action leaves ctx unchanged.
  [[nodiscard]] RiskVerdict admit(const OrderCreate& o, RiskContext& ctx, TradingState state) noexcept;
  [[nodiscard]] RiskVerdict admit(const OrderAmend& a, const RestingOrder& current, RiskContext& ctx,
                                  TradingState state) noexcept;
  // Precondition as check(amend, current, current_notional, ...): current_notional is exactly
  // notional(instrument, current.price, current.remaining).
  [[nodiscard]] RiskVerdict admit(const OrderAmend& a, const RestingOrder& current, Money current_notional,
                                  RiskContext& ctx, TradingState state) noexcept;

  // Cancels are always allowed, in every state. Returns kNone; counts nothing.
  [[nodiscard]] static constexpr RiskVerdict check(const OrderCancel&) noexcept { return {}; }

  // Actions blocked / clipped by each rule since construction (index kNone is always 0).
  [[nodiscard]] uint64_t blocked(RiskRule r) const noexcept { return blocked_[static_cast<size_t>(r)]; }
  [[nodiscard]] uint64_t clipped(RiskRule r) const noexcept { return clipped_[static_cast<size_t>(r)]; }

 private:
  struct Candidate {
    Side side;
    OrderType type;
    TimeInForce tif;
    bool reduce_only;
    bool is_new;
    Price price;
    int64_t qty;             // order qty (amends: new total)
    int64_t filled;          // already filled part of qty (0 for creates)
    int64_t exclude_lots;    // the amended order's own share of ctx's open same-side lots
    Money exclude_notional;  // and of the open same-side notional
  };

  RiskVerdict evaluate(const Candidate& c, const RiskContext& ctx, TradingState state) noexcept;
  // check(amend) once `own` (current's notional) is known, or nullptr when it could not be valued.
  RiskVerdict check_amend(const OrderAmend& a, const RestingOrder& current, const Money* own,
                          const RiskContext& ctx, TradingState state) noexcept;
  RiskVerdict block(RiskRule r, int64_t qty) noexcept;
  // Adds lots and the notional of `lots` at `price` to side's open sums of ctx (a value that does not fit
  // counts as the largest one, as the Trader counts its open orders).
  void add_open(Side side, int64_t lots, Price price, RiskContext& ctx) const noexcept;
  // notional(instrument, price, lots), or the value evaluate() found for the same lots of the order it
  // just allowed (precondition: `price` is that order's reference price).
  [[nodiscard]] bool value(Price price, int64_t lots, Money& out) const noexcept;
  void reserve_amend(const OrderAmend& a, const RestingOrder& current, Money current_notional,
                     const RiskVerdict& v, RiskContext& ctx) const noexcept;
  // Largest q in [0, q_ref] with notional(price, q) <= cap, given n_ref = notional(price, q_ref) > cap.
  [[nodiscard]] int64_t max_lots_for(Price price, Int128 cap, int64_t q_ref, Int128 n_ref) const noexcept;

  Instrument instrument_;
  InstrumentId id_;
  RiskLimits limits_;
  int64_t price_band_bps_;
  uint32_t max_open_orders_;
  bool require_post_only_;
  LimitPolicy policy_;
  // The lots and notional the last evaluate() valued at the exposure rule (-1: none); admit() reuses them.
  int64_t last_lots_ = -1;
  Int128 last_notional_ = 0;
  std::array<uint64_t, static_cast<size_t>(RiskRule::kCount)> blocked_{};
  std::array<uint64_t, static_cast<size_t>(RiskRule::kCount)> clipped_{};
};

}  // namespace mm
