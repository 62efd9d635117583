#include "core/position.h"

#include <stdexcept>

#include "core/market_events.h"

namespace mm {
namespace {

// num / den such that value_in_money = v * num / den, for a unit of 10^-scale_exp coin times `units`.
bool money_factor(Int128 units, int scale_exp, Int128& num, Int128& den) noexcept {
  num = units;
  den = 1;
  for (int k = scale_exp; k < kMoneyScale; ++k) {
    if (__builtin_mul_overflow(num, static_cast<Int128>(10), &num)) return false;
  }
  for (int k = scale_exp; k > kMoneyScale; --k) {
    if (__builtin_mul_overflow(den, static_cast<Int128>(10), &den)) return false;
  }
  return true;
}

// v * num / den truncated toward zero, into Money.
bool to_money(Int128 v, Int128 num, Int128 den, Money& out) noexcept {
  Int128 p;
  if (__builtin_mul_overflow(v, num, &p)) return false;
  const Int128 r = p / den;
  if (r > INT64_MAX || r < INT64_MIN) return false;
  out.units = static_cast<int64_t>(r);
  return true;
}

Int128 ceil_div_pos(Int128 a, Int128 b) noexcept {
  return a / b + (a % b != 0 ? 1 : 0);
}  // a >= 0, b > 0

}  // namespace

Position::Position(const Instrument& in) {
  if (in.category == Category::kInverse) {
    throw std::invalid_argument("Position: inverse contracts are not supported (linear PnL only)");
  }
  ref_scale_ = ref_price_scale(in.price_scale);
  const int extra_digits = ref_scale_ - in.price_scale;
  int64_t t2r = in.tick_units;
  for (int k = 0; k < extra_digits; ++k) {
    if (__builtin_mul_overflow(t2r, int64_t{10}, &t2r)) {
      throw std::invalid_argument("Position: tick size does not fit the reference scale");
    }
  }
  tick_to_ref_ = t2r;
  const Int128 tick_lot_units = static_cast<Int128>(in.tick_units) * in.lot_units;
  if (!money_factor(tick_lot_units, in.price_scale + in.qty_scale, tick_num_, tick_den_) ||
      !money_factor(in.lot_units, ref_scale_ + in.qty_scale, ref_num_, ref_den_)) {
    throw std::invalid_argument("Position: instrument grid overflows the Money conversion");
  }
}

PositionError Position::on_fill(Side side, Price price, Qty qty, Money fee) noexcept {
  if (qty.lots <= 0) return PositionError::kBadQty;
  if (price.ticks <= 0) return PositionError::kBadPrice;
  Money fees;
  if (!checked_add(fees_, fee, fees)) return PositionError::kOverflow;

  const int64_t dq = side == Side::kBuy ? qty.lots : -qty.lots;
  int64_t lots;
  if (__builtin_add_overflow(lots_, dq, &lots) || lots == INT64_MIN) return PositionError::kOverflow;
  const Int128 value = static_cast<Int128>(price.ticks) * qty.lots;  // two int64: cannot overflow
  Int128 cost = cost_;
  Int128 realized = realized_;

  const bool adds = lots_ == 0 || (lots_ > 0) == (dq > 0);
  if (adds) {
    if (__builtin_add_overflow(cost_, value, &cost)) return PositionError::kOverflow;
  } else {
    const int64_t open = lots_ > 0 ? lots_ : -lots_;
    const int64_t closed = qty.lots < open ? qty.lots : open;
    Int128 removed = cost_;  // closing everything removes the whole basis, exactly
    if (closed < open) {
      Int128 p;
      if (__builtin_mul_overflow(cost_, static_cast<Int128>(closed), &p)) return PositionError::kOverflow;
      removed = lots_ > 0 ? ceil_div_pos(p, open) : p / open;  // this fill's realized rounds down
    }
    const Int128 exit_value = static_cast<Int128>(price.ticks) * closed;
    Int128 pnl;
    const bool ok = lots_ > 0 ? !__builtin_sub_overflow(exit_value, removed, &pnl)
                              : !__builtin_sub_overflow(removed, exit_value, &pnl);
    if (!ok || __builtin_add_overflow(realized_, pnl, &realized)) return PositionError::kOverflow;
    cost = cost_ - removed;
    if (qty.lots > open) cost = static_cast<Int128>(price.ticks) * (qty.lots - open);  // flipped
  }
  lots_ = lots;
  cost_ = cost;
  realized_ = realized;
  fees_ = fees;
  return PositionError::kOk;
}

PositionError Position::fee_at_rate(Price price, Qty qty, int64_t fee_rate, Money& out) const noexcept {
  if (qty.lots <= 0) return PositionError::kBadQty;
  if (price.ticks <= 0) return PositionError::kBadPrice;
  const Int128 value = static_cast<Int128>(price.ticks) * qty.lots;
  Int128 num, den;
  if (__builtin_mul_overflow(value, tick_num_, &num) ||
      __builtin_mul_overflow(num, static_cast<Int128>(fee_rate), &num) ||
      __builtin_mul_overflow(tick_den_, static_cast<Int128>(kRateOne), &den)) {
    return PositionError::kOverflow;
  }
  // Rounded toward +infinity: C++ division truncates toward zero, which already rounds a rebate up.
  const Int128 r = num >= 0 ? ceil_div_pos(num, den) : num / den;
  if (r > INT64_MAX || r < INT64_MIN) return PositionError::kOverflow;
  out.units = static_cast<int64_t>(r);
  return PositionError::kOk;
}

PositionError Position::on_fill_at_rate(Side side, Price price, Qty qty, int64_t fee_rate,
                                        Money* fee_out) noexcept {
  Money fee;
  const PositionError e = fee_at_rate(price, qty, fee_rate, fee);
  if (e != PositionError::kOk) return e;
  const PositionError f = on_fill(side, price, qty, fee);
  if (f == PositionError::kOk && fee_out != nullptr) *fee_out = fee;
  return f;
}

PositionError Position::apply_funding(Money amount) noexcept {
  return checked_add(funding_, amount, funding_) ? PositionError::kOk : PositionError::kOverflow;
}

PositionError Position::restore(int64_t lots, int64_t entry_ref) noexcept {
  if (lots == INT64_MIN) return PositionError::kOverflow;
  if (lots == 0) {
    lots_ = 0;
    cost_ = 0;
    return PositionError::kOk;
  }
  if (entry_ref <= 0) return PositionError::kBadPrice;
  const int64_t open = lots > 0 ? lots : -lots;
  const Int128 ref_value = static_cast<Int128>(entry_ref) * open;  // ref-lots
  lots_ = lots;
  cost_ = (ref_value + tick_to_ref_ / 2) / tick_to_ref_;
  return PositionError::kOk;
}

Price Position::avg_entry() const noexcept {
  if (lots_ == 0) return Price{0};
  const int64_t open = lots_ > 0 ? lots_ : -lots_;
  // An average of int64 prices fits int64.
  return Price{static_cast<int64_t>(lots_ > 0 ? ceil_div_pos(cost_, open) : cost_ / open)};
}

PositionError Position::avg_entry_ref(int64_t& out) const noexcept {
  if (lots_ == 0) {
    out = 0;
    return PositionError::kOk;
  }
  const int64_t open = lots_ > 0 ? lots_ : -lots_;
  Int128 v;
  if (__builtin_mul_overflow(cost_, static_cast<Int128>(tick_to_ref_), &v)) return PositionError::kOverflow;
  const Int128 r = v / open;
  if (r > INT64_MAX) return PositionError::kOverflow;
  out = static_cast<int64_t>(r);
  return PositionError::kOk;
}

PositionError Position::realized(Money& out) const noexcept {
  return to_money(realized_, tick_num_, tick_den_, out) ? PositionError::kOk : PositionError::kOverflow;
}

PositionError Position::open_value(Price mark, Int128& out) const noexcept {
  // Unrealized PnL in tick-lots: |lots| * mark - basis for a long, basis - |lots| * mark for a short.
  if (lots_ == 0) {
    out = 0;
    return PositionError::kOk;
  }
  if (mark.ticks <= 0) return PositionError::kBadPrice;
  const Int128 mark_value = static_cast<Int128>(mark.ticks) * (lots_ > 0 ? lots_ : -lots_);
  const bool ok = lots_ > 0 ? !__builtin_sub_overflow(mark_value, cost_, &out)
                            : !__builtin_sub_overflow(cost_, mark_value, &out);
  return ok ? PositionError::kOk : PositionError::kOverflow;
}

PositionError Position::unrealized(Price mark, Money& out) const noexcept {
  Int128 v;
  const PositionError e = open_value(mark, v);
  if (e != PositionError::kOk) return e;
  return to_money(v, tick_num_, tick_den_, out) ? PositionError::kOk : PositionError::kOverflow;
}

PositionError Position::open_value_ref(int64_t mark_ref, Int128& out) const noexcept {
  // Unrealized PnL in ref-lots: |lots| * mark - basis for a long, basis - |lots| * mark for a short.
  if (lots_ == 0) {
    out = 0;
    return PositionError::kOk;
  }
  if (mark_ref <= 0) return PositionError::kBadPrice;
  const Int128 mark_value = static_cast<Int128>(mark_ref) * (lots_ > 0 ? lots_ : -lots_);
  Int128 basis;
  if (__builtin_mul_overflow(cost_, static_cast<Int128>(tick_to_ref_), &basis))
    return PositionError::kOverflow;
  const bool ok = lots_ > 0 ? !__builtin_sub_overflow(mark_value, basis, &out)
                            : !__builtin_sub_overflow(basis, mark_value, &out);
  return ok ? PositionError::kOk : PositionError::kOverflow;
}

PositionError Position::unrealized_ref(int64_t mark_ref, Money& out) const noexcept {
  Int128 v;
  const PositionError e = open_value_ref(mark_ref, v);
  if (e != PositionError::kOk) return e;
  return to_money(v, ref_num_, ref_den_, out) ? PositionError::kOk : PositionError::kOverflow;
}

PositionError Position::finish_equity(Int128 pnl, Int128 num, Int128 den, Money& out) const noexcept {
  Money m, r;
  if (!to_money(pnl, num, den, m) || !checked_sub(m, fees_, r) || !checked_add(r, funding_, r)) {
    return PositionError::kOverflow;
  }
  out = r;
  return PositionError::kOk;
}

PositionError Position::equity_change(Price mark, Money& out) const noexcept {
  Int128 open_pnl, pnl;
  const PositionError e = open_value(mark, open_pnl);
  if (e != PositionError::kOk) return e;
  if (__builtin_add_overflow(realized_, open_pnl, &pnl)) return PositionError::kOverflow;
  return finish_equity(pnl, tick_num_, tick_den_, out);
}

PositionError Position::equity_change_ref(int64_t mark_ref, Money& out) const noexcept {
  Int128 open_pnl, realized_ref, pnl;
  const PositionError e = open_value_ref(mark_ref, open_pnl);
  if (e != PositionError::kOk) return e;
  if (__builtin_mul_overflow(realized_, static_cast<Int128>(tick_to_ref_), &realized_ref) ||
      __builtin_add_overflow(realized_ref, open_pnl, &pnl)) {
    return PositionError::kOverflow;
  }
  return finish_equity(pnl, ref_num_, ref_den_, out);
}

}  // namespace mm
