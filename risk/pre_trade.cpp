#include "risk/pre_trade.h"

namespace mm {
namespace {

constexpr Int128 abs128(Int128 v) noexcept {
  return v < 0 ? -v : v;
}
constexpr Int128 max128(Int128 a, Int128 b) noexcept {
  return a > b ? a : b;
}

// Headroom of a worst-case limit for an order adding in its own direction to `x` (the side's worst case,
// signed so that > 0 means "same direction as the order"). Within the limit, or not growing |worst case|.
constexpr Int128 headroom(Int128 x, Int128 limit) noexcept {
  return x < 0 ? max128(limit - x, -2 * x) : limit - x;
}

// Exact to the 1e-8 unit: notional() in 128 bits without the int64 bound, for sums and comparisons.
bool notional128(const Instrument& in, Price p, int64_t lots, Int128& out) noexcept {
  Money m;
  if (!notional(in, p, Qty{lots}, m)) return false;
  out = m.units;
  return true;
}

}  // namespace

std::string_view to_string(RiskRule r) noexcept {
  switch (r) {
    case RiskRule::kNone:
      return "ok";
    case RiskRule::kBadOrder:
      return "bad_order";
    case RiskRule::kHalted:
      return "halted";
    case RiskRule::kReduceOnlyState:
      return "reduce_only_state";
    case RiskRule::kReduceOnlyOrder:
      return "reduce_only_order";
    case RiskRule::kPostOnly:
      return "post_only";
    case RiskRule::kMaxOpenOrders:
      return "max_open_orders";
    case RiskRule::kNoReference:
      return "no_reference";
    case RiskRule::kPriceBand:
      return "price_band";
    case RiskRule::kMaxOrderQty:
      return "max_order_qty";
    case RiskRule::kMaxOrderNotional:
      return "max_order_notional";
    case RiskRule::kMaxPosition:
      return "max_position";
    case RiskRule::kMaxExposure:
      return "max_exposure";
    case RiskRule::kCount:
      break;
  }
  return "?";
}

PreTradeChecks::PreTradeChecks(const RiskConfig& cfg, const RiskLimits& limits, const Instrument& instrument,
                               InstrumentId id) noexcept
    : instrument_(instrument),
      id_(id),
      limits_(limits),
      price_band_bps_(cfg.price_band_bps),
      max_open_orders_(cfg.max_open_orders),
      require_post_only_(cfg.require_post_only),
      policy_(cfg.limit_policy) {}

RiskVerdict PreTradeChecks::block(RiskRule r, int64_t qty) noexcept {
  ++blocked_[static_cast<size_t>(r)];
  return RiskVerdict{r, false, Qty{qty}};
}

int64_t PreTradeChecks::max_lots_for(Price price, Int128 cap, int64_t q_ref, Int128 n_ref) const noexcept {
  if (cap <= 0 || q_ref <= 0) return 0;
  // notional(q) = floor(q * c) for a constant c > 0 (the value of one lot), so c < (n_ref + 1) / q_ref and
  // q = floor(cap * q_ref / n_ref) gives q * c < cap + cap / n_ref < cap + 1 (as n_ref > cap): within the
  // cap, and below the largest such q by less than 1 + 1 / c lots; a few steps up close that gap.
  Int128 scaled = 0;
  if (__builtin_mul_overflow(cap, Int128{q_ref}, &scaled)) return 0;  // beyond any real order: refuse
  auto q = static_cast<int64_t>(scaled / n_ref);
  for (int k = 0; k < 4 && q < q_ref; ++k) {
    Int128 next = 0;
    if (!notional128(instrument_, price, q + 1, next) || next > cap) break;
    ++q;
  }
  return q;
}

RiskVerdict PreTradeChecks::evaluate(const Candidate& c, const RiskContext& ctx,
                                     TradingState state) noexcept {
  last_lots_ = -1;
  if (state == TradingState::kHalted) return block(RiskRule::kHalted, c.qty);

  const bool buy = c.side == Side::kBuy;
  const Int128 dir = buy ? 1 : -1;
  const int64_t remaining = c.qty - c.filled;
  const Int128 open_same = Int128{buy ? ctx.open_buy_lots : ctx.open_sell_lots} - c.exclude_lots;
  // Position seen from the order's direction: < 0 means the order is on the reducing side.
  const Int128 x_pos = dir * ctx.position_lots;
  const bool reduces = x_pos < 0 && remaining + open_same <= -x_pos;
  if (state == TradingState::kReduceOnly && !reduces) return block(RiskRule::kReduceOnlyState, c.qty);
  if (c.reduce_only && !reduces) return block(RiskRule::kReduceOnlyOrder, c.qty);
  if (c.is_new && require_post_only_ && !c.reduce_only &&
      !(c.type == OrderType::kLimit && c.tif == TimeInForce::kPostOnly)) {
    return block(RiskRule::kPostOnly, c.qty);
  }
  if (c.is_new && ctx.open_orders >= max_open_orders_) return block(RiskRule::kMaxOpenOrders, c.qty);
  if (ctx.mid.ticks <= 0) return block(RiskRule::kNoReference, c.qty);
  if (c.type == OrderType::kLimit) {
    const Int128 mid = ctx.mid.ticks;
    if (abs128(Int128{c.price.ticks} - mid) * 10'000 > mid * price_band_bps_) {
      return block(RiskRule::kPriceBand, c.qty);
    }
  }
  // Market orders are valued at the touch they will take (the mid if that side is empty).
  Price ref = c.price;
  if (c.type == OrderType::kMarket) {
    ref = buy ? ctx.best_ask : ctx.best_bid;
    if (ref.ticks <= 0) ref = ctx.mid;
  }

  RiskVerdict v{RiskRule::kNone, false, Qty{c.qty}};
  int64_t qty = c.qty;
  const int64_t min_total = c.filled + (instrument_.min_qty.lots > 1 ? instrument_.min_qty.lots : 1);
  // Applies one size limit: qty <= cap_total, or clip to it, or block.
  auto limit = [&](RiskRule rule, Int128 cap_total) noexcept -> bool {
    if (qty <= cap_total) return true;
    if (policy_ == LimitPolicy::kBlock || cap_total < min_total) {
      v = block(rule, c.qty);
      return false;
    }
    qty = static_cast<int64_t>(cap_total);
    ++clipped_[static_cast<size_t>(rule)];
    v.rule = rule;
    v.clipped = true;
    return true;
  };

  if (!limit(RiskRule::kMaxOrderQty, limits_.max_order_qty.lots)) return v;

  Int128 order_notional = 0;
  if (!notional128(instrument_, ref, qty, order_notional)) return block(RiskRule::kMaxOrderNotional, c.qty);
  // notional() is pure: the exposure rule below reuses this value when it asks for the same lots.
  const int64_t valued_lots = qty;
  const Int128 valued_notional = order_notional;
  if (order_notional > limits_.max_order_notional.units &&
      !limit(RiskRule::kMaxOrderNotional,
             max_lots_for(ref, limits_.max_order_notional.units, qty, order_notional))) {
    return v;
  }

  const Int128 x_worst = x_pos + open_same;
  if (!limit(RiskRule::kMaxPosition, headroom(x_worst, limits_.max_position.lots) + c.filled)) return v;

  Int128 pos_notional = 0;  // exactly 0 when flat: notional() of 0 lots
  const int64_t abs_pos = ctx.position_lots < 0 ? -ctx.position_lots : ctx.position_lots;
  if (abs_pos != 0 && !notional128(instrument_, ctx.mid, abs_pos, pos_notional)) {
    return block(RiskRule::kMaxExposure, c.qty);
  }
  const Int128 open_same_notional =
      Int128{buy ? ctx.open_buy_notional.units : ctx.open_sell_notional.units} - c.exclude_notional.units;
  const Int128 x_worst_notional = (x_pos < 0 ? -pos_notional : pos_notional) + open_same_notional;
  const Int128 cap_notional = headroom(x_worst_notional, limits_.max_exposure.units);
  if (qty - c.filled == valued_lots) {
    order_notional = valued_notional;
  } else if (!notional128(instrument_, ref, qty - c.filled, order_notional)) {
    return block(RiskRule::kMaxExposure, c.qty);
  }
  // admit() counts the allowed order at this value when its lots are unchanged (no notional() twice).
  last_lots_ = qty - c.filled;
  last_notional_ = order_notional;
  if (order_notional > cap_notional &&
      !limit(RiskRule::kMaxExposure,
             Int128{max_lots_for(ref, cap_notional, qty - c.filled, order_notional)} + c.filled)) {
    return v;
  }
  v.qty = Qty{qty};
  return v;
}

RiskVerdict PreTradeChecks::check(const OrderCreate& o, const RiskContext& ctx, TradingState state) noexcept {
  if (o.instrument != id_ || o.qty.lots <= 0 || (o.type == OrderType::kLimit && o.price.ticks <= 0)) {
    return block(RiskRule::kBadOrder, o.qty.lots);
  }
  const Candidate c{o.side, o.type, o.tif, o.reduce_only, true, o.price, o.qty.lots, 0, 0, Money{}};
  return evaluate(c, ctx, state);
}

RiskVerdict PreTradeChecks::check(const OrderAmend& a, const RestingOrder& current, const RiskContext& ctx,
                                  TradingState state) noexcept {
  Money own;
  const bool valued = notional(instrument_, current.price, current.remaining, own);
  return check_amend(a, current, valued ? &own : nullptr, ctx, state);
}

RiskVerdict PreTradeChecks::check(const OrderAmend& a, const RestingOrder& current, Money current_notional,
                                  const RiskContext& ctx, TradingState state) noexcept {
  return check_amend(a, current, &current_notional, ctx, state);
}

RiskVerdict PreTradeChecks::check_amend(const OrderAmend& a, const RestingOrder& current, const Money* own,
                                        const RiskContext& ctx, TradingState state) noexcept {
  const int64_t total = a.qty ? a.qty->lots : current.filled.lots + current.remaining.lots;
  const Price price = a.price ? *a.price : current.price;
  if (a.instrument != id_ || (!a.price && !a.qty) || price.ticks <= 0 || total <= current.filled.lots) {
    return block(RiskRule::kBadOrder, total);
  }
  if (own == nullptr) return block(RiskRule::kBadOrder, total);
  const Candidate c{current.side,
                    OrderType::kLimit,
                    TimeInForce::kGtc,
                    current.reduce_only,
                    false,
                    price,
                    total,
                    current.filled.lots,
                    current.remaining.lots,
                    *own};
  return evaluate(c, ctx, state);
}

void PreTradeChecks::add_open(Side side, int64_t lots, Price price, RiskContext& ctx) const noexcept {
  if (lots <= 0) return;
  const bool buy = side == Side::kBuy;
  int64_t& open_lots = buy ? ctx.open_buy_lots : ctx.open_sell_lots;
  Money& open_notional = buy ? ctx.open_buy_notional : ctx.open_sell_notional;
  if (__builtin_add_overflow(open_lots, lots, &open_lots)) open_lots = INT64_MAX;
  Money n;
  if (!value(price, lots, n) || !checked_add(open_notional, n, open_notional))
    open_notional = Money{INT64_MAX};
}

bool PreTradeChecks::value(Price price, int64_t lots, Money& out) const noexcept {
  // The last evaluate() valued exactly these lots at the order's price (its reference): reuse it.
  if (lots == last_lots_) {
    out = Money{static_cast<int64_t>(last_notional_)};
    return true;
  }
  return notional(instrument_, price, Qty{lots}, out);
}

RiskVerdict PreTradeChecks::admit(const OrderCreate& o, RiskContext& ctx, TradingState state) noexcept {
  const RiskVerdict v = check(o, ctx, state);
  if (!v.allowed()) return v;
  // A market order is valued where check() valued it: at the touch it takes, or the mid.
  Price ref = o.price;
  if (o.type == OrderType::kMarket) {
    ref = o.side == Side::kBuy ? ctx.best_ask : ctx.best_bid;
    if (ref.ticks <= 0) ref = ctx.mid;
  }
  ++ctx.open_orders;
  add_open(o.side, v.qty.lots, ref, ctx);
  return v;
}

void PreTradeChecks::reserve_amend(const OrderAmend& a, const RestingOrder& current, Money current_notional,
                                   const RiskVerdict& v, RiskContext& ctx) const noexcept {
  // v.qty is Bybit's new total order qty (the unchanged total for a price-only amend).
  const int64_t new_remaining = v.qty.lots - current.filled.lots;
  const Price new_price = a.price ? *a.price : current.price;
  const int64_t extra_lots = new_remaining - current.remaining.lots;
  const bool buy = current.side == Side::kBuy;
  int64_t& open_lots = buy ? ctx.open_buy_lots : ctx.open_sell_lots;
  if (extra_lots > 0 && __builtin_add_overflow(open_lots, extra_lots, &open_lots)) open_lots = INT64_MAX;
  Money after;
  Money& open_notional = buy ? ctx.open_buy_notional : ctx.open_sell_notional;
  if (!value(new_price, new_remaining, after)) {
    open_notional = Money{INT64_MAX};
    return;
  }
  Money extra;
  if (after.units > current_notional.units &&
      (!checked_sub(after, current_notional, extra) || !checked_add(open_notional, extra, open_notional))) {
    open_notional = Money{INT64_MAX};
  }
}

RiskVerdict PreTradeChecks::admit(const OrderAmend& a, const RestingOrder& current, RiskContext& ctx,
                                  TradingState state) noexcept {
  Money own;
  if (!notional(instrument_, current.price, current.remaining, own)) return check(a, current, ctx, state);
  return admit(a, current, own, ctx, state);
}

RiskVerdict PreTradeChecks::admit(const OrderAmend& a, const RestingOrder& current, Money current_notional,
                                  RiskContext& ctx, TradingState state) noexcept {
  const RiskVerdict v = check(a, current, current_notional, ctx, state);
  if (v.allowed()) reserve_amend(a, current, current_notional, v, ctx);
  return v;
}

}  // namespace mm
