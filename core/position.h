#pragma once
// Position and PnL of one instrument, exact in fixed point (average-cost method).
//
// Units. Internally every amount is an integer of "tick-lots" (one tick times one lot: price.ticks *
// qty.lots), which is exact for any fill; it becomes Money (1e-8 coin) only when read. The cost basis is the
// sum of tick-lots of the open position, so the average entry (cost / |lots|) is an exact ratio; it is
// exposed as a fixed-point decimal at the instrument's reference scale (ref_price_scale(price_scale), the
// scale Bybit's entryPrice / markPrice use in core/private_events.h) and as a Price rounded toward the worse
// side.
//
// Rounding. Reducing part of a position removes cost * q / |lots| from the basis; when that is not a whole
// tick-lot the removed part is rounded so this fill's realized PnL is the lower one (up for a long, down for
// a short), by less than one tick-lot, and the remainder stays in the basis for later fills: once the
// position is closed, realized PnL equals exactly sum(sell value) - sum(buy value). Money conversion
// truncates toward zero below 1e-8 coin (only when price_scale + qty_scale > 8 can a tick-lot be finer).
//
// Contracts. Linear only (USDT/USDC perpetuals and futures, spot): PnL = qty * (exit - entry) in the quote /
// settle coin. Inverse contracts (PnL = qty * (1/entry - 1/exit) in the base coin) are not handled: the
// constructor refuses them. Fees are signed as Bybit's execFee: positive paid, negative a maker rebate.
// Funding is signed from our side: positive received, negative paid (Bybit's funding execFee has the
// opposite sign: negate it).
//
// Threading: single-threaded.
#include <cstdint>
#include <string_view>

#include "core/instrument.h"
#include "core/money.h"
#include "core/types.h"

namespace mm {

enum class PositionError : uint8_t {
  kOk = 0,
  kBadQty,    // qty <= 0 on a fill
  kBadPrice,  // price <= 0 on a fill (or a mark/reference price <= 0)
  kOverflow,  // a sum or product left its range (position lots, basis, PnL, fees, or the Money conversion)
};

constexpr std::string_view to_string(PositionError e) noexcept {
  switch (e) {
    case PositionError::kOk:
      return "ok";
    case PositionError::kBadQty:
      return "bad_qty";
    case PositionError::kBadPrice:
      return "bad_price";
    case PositionError::kOverflow:
      return "overflow";
  }
  return "?";
}

class Position {
 public:
  // Cold. Throws std::invalid_argument for an inverse instrument, or a grid whose tick-lot or reference-lot
  // to Money factor does not fit 128 bits.
  explicit Position(const Instrument& instrument);

  // One execution: qty lots at price, with its fee (execFee). Opens, adds, reduces, closes or flips. All or
  // nothing: on error nothing changes. Errors: kBadQty, kBadPrice, kOverflow.
  [[nodiscard]] PositionError on_fill(Side side, Price price, Qty qty, Money fee) noexcept;

  // The same with the fee computed from a rate at kRateScale (1e-10; Bybit's feeRate, negative for a rebate):
  // fee = notional * rate, rounded up to 1e-8 (a fee is never under-counted, a rebate never over-counted).
  // `fee_out` (optional) receives it. Errors: kBadQty, kBadPrice, kOverflow.
  [[nodiscard]] PositionError on_fill_at_rate(Side side, Price price, Qty qty, int64_t fee_rate,
                                              Money* fee_out = nullptr) noexcept;

  // The fee of a fill at a rate (see on_fill_at_rate). Errors: kBadQty, kBadPrice, kOverflow.
  [[nodiscard]] PositionError fee_at_rate(Price price, Qty qty, int64_t fee_rate, Money& out) const noexcept;

  // A funding payment: positive received, negative paid. Errors: kOverflow.
  [[nodiscard]] PositionError apply_funding(Money amount) noexcept;

  // Replaces the open position with the exchange's (after a restart or a reconcile): signed lots and Bybit's
  // entryPrice at ref_scale(). The basis becomes |lots| * entry rounded to the nearest tick-lot, so it is
  // only as exact as the exchange's average. Realized PnL, fees and funding are kept.
  // Errors: kBadPrice (entry <= 0 with lots != 0), kOverflow (also lots == INT64_MIN).
  [[nodiscard]] PositionError restore(int64_t lots, int64_t entry_ref) noexcept;

  // Signed position: > 0 long, < 0 short.
  int64_t lots() const noexcept { return lots_; }
  bool flat() const noexcept { return lots_ == 0; }
  // Exact cost basis of the open position in tick-lots (>= 0; 0 when flat).
  Int128 cost_basis() const noexcept { return cost_; }
  // Realized PnL in tick-lots (exact, before fees and funding).
  Int128 realized_tick_lots() const noexcept { return realized_; }

  // Average entry in ticks rounded toward the worse side (up for a long, down for a short); 0 when flat.
  Price avg_entry() const noexcept;
  // Average entry at ref_scale(), truncated toward zero; 0 when flat. Errors: kOverflow.
  [[nodiscard]] PositionError avg_entry_ref(int64_t& out) const noexcept;
  // The decimal scale of the reference prices taken and returned here (Bybit's mark and entry prices).
  int ref_scale() const noexcept { return ref_scale_; }

  // Realized PnL in Money (before fees and funding). Errors: kOverflow.
  [[nodiscard]] PositionError realized(Money& out) const noexcept;
  // Unrealized PnL of the open position at a mark price in ticks, or at a reference price (ref_scale()).
  // 0 when flat. Errors: kBadPrice (mark <= 0 with a position open), kOverflow.
  [[nodiscard]] PositionError unrealized(Price mark, Money& out) const noexcept;
  [[nodiscard]] PositionError unrealized_ref(int64_t mark_ref, Money& out) const noexcept;

  // Fees paid (negative: net rebates earned) and funding received (negative: paid), both signed as above.
  Money fees() const noexcept { return fees_; }
  Money funding() const noexcept { return funding_; }

  // realized + unrealized - fees + funding, at a mark in ticks or at ref_scale(). Realized and unrealized are
  // summed in exact units before the one Money conversion. Errors: kBadPrice, kOverflow.
  [[nodiscard]] PositionError equity_change(Price mark, Money& out) const noexcept;
  [[nodiscard]] PositionError equity_change_ref(int64_t mark_ref, Money& out) const noexcept;

 private:
  [[nodiscard]] PositionError open_value(Price mark, Int128& out) const noexcept;
  [[nodiscard]] PositionError open_value_ref(int64_t mark_ref, Int128& out) const noexcept;
  [[nodiscard]] PositionError finish_equity(Int128 pnl, Int128 num, Int128 den, Money& out) const noexcept;

  int64_t lots_ = 0;
  Int128 cost_ = 0;      // tick-lots
  Int128 realized_ = 0;  // tick-lots
  Money fees_;
  Money funding_;
  // Money = tick-lots * tick_num_ / tick_den_ = ref-lots * ref_num_ / ref_den_; ref price = ticks *
  // tick_to_ref_.
  Int128 tick_num_ = 1, tick_den_ = 1;
  Int128 ref_num_ = 1, ref_den_ = 1;
  int64_t tick_to_ref_ = 1;
  int ref_scale_ = 0;
};

}  // namespace mm
