#include "risk/protection.h"

#include <cstdint>

namespace mm {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;

// (ticks * bps + round_up) / 10000 for ticks, bps >= 0. Why two paths: a 128-bit division is a library
// call several times slower than the 64-bit one, and real prices never need it.
int64_t bps_of(int64_t ticks, int64_t bps, int64_t round_up) noexcept {
  int64_t p = 0;
  if (!__builtin_mul_overflow(ticks, bps, &p) && p <= INT64_MAX - round_up) return (p + round_up) / 10'000;
  return static_cast<int64_t>((Int128{ticks} * bps + round_up) / 10'000);
}

// `d` (in cfg.unit) as ticks from `ref`, rounded up: a take-profit asks for at least the distance.
int64_t ticks_away(const ProtectionConfig& cfg, int64_t d, Price ref) noexcept {
  if (cfg.unit == DistanceUnit::kTicks) return d;
  return bps_of(ref.ticks, d, 9'999);
}

// `d` as ticks from `ref`, rounded down but at least one tick: a stop never risks more than the distance and
// never sits at the reference itself.
int64_t ticks_toward(const ProtectionConfig& cfg, int64_t d, Price ref) noexcept {
  if (cfg.unit == DistanceUnit::kTicks) return d;
  const int64_t t = bps_of(ref.ticks, d, 0);
  return t > 0 ? t : 1;
}

Price positive_or_zero(int64_t ticks) noexcept {
  return Price{ticks > 0 ? ticks : 0};
}

}  // namespace

std::string_view to_string(ProtectionTrigger t) noexcept {
  switch (t) {
    case ProtectionTrigger::kNone:
      return "none";
    case ProtectionTrigger::kTakeProfit:
      return "take_profit";
    case ProtectionTrigger::kStopLoss:
      return "stop_loss";
    case ProtectionTrigger::kTrailingStop:
      return "trailing_stop";
    case ProtectionTrigger::kCount:
      break;
  }
  return "?";
}

ProtectionLevels protection_levels(const ProtectionConfig& cfg, int64_t position_lots, Price entry,
                                   Price best) noexcept {
  ProtectionLevels l;
  if (position_lots == 0 || entry.ticks <= 0) return l;
  const int64_t dir = position_lots > 0 ? 1 : -1;
  if (cfg.take_profit > 0)
    l.take_profit = positive_or_zero(entry.ticks + dir * ticks_away(cfg, cfg.take_profit, entry));
  if (cfg.stop_loss > 0)
    l.stop_loss = positive_or_zero(entry.ticks - dir * ticks_toward(cfg, cfg.stop_loss, entry));
  if (cfg.trailing_stop > 0 && best.ticks > 0) {
    l.trailing_stop = positive_or_zero(best.ticks - dir * ticks_toward(cfg, cfg.trailing_stop, best));
  }
  return l;
}

bool make_close_order(const ProtectionConfig& cfg, InstrumentId instrument, uint8_t position_idx,
                      int64_t position_lots, Price best_bid, Price best_ask, Price fallback,
                      OrderCreate& out) noexcept {
  if (position_lots == 0) return false;
  OrderCreate o;
  o.instrument = instrument;
  o.side = position_lots > 0 ? Side::kSell : Side::kBuy;
  o.tif = TimeInForce::kIoc;
  o.reduce_only = true;
  o.position_idx = position_idx;
  o.qty = Qty{position_lots > 0 ? position_lots : -position_lots};
  if (cfg.close_type == CloseType::kMarket) {
    o.type = OrderType::kMarket;
    out = o;
    return true;
  }
  o.type = OrderType::kLimit;
  if (o.side == Side::kSell) {
    const Price touch = best_bid.ticks > 0 ? best_bid : fallback;
    if (touch.ticks <= 0) return false;
    const int64_t p = touch.ticks - ticks_away(cfg, cfg.close_offset, touch);
    o.price = Price{p > 0 ? p : 1};
  } else {
    const Price touch = best_ask.ticks > 0 ? best_ask : fallback;
    if (touch.ticks <= 0) return false;
    o.price = Price{touch.ticks + ticks_away(cfg, cfg.close_offset, touch)};
  }
  out = o;
  return true;
}

bool make_trading_stop(const ProtectionConfig& cfg, InstrumentId instrument, uint8_t position_idx,
                       int64_t position_lots, Price entry, TradingStop& out) noexcept {
  if (!cfg.enabled || position_lots == 0 || entry.ticks <= 0) return false;
  const ProtectionLevels l = protection_levels(cfg, position_lots, entry, Price{0});
  TradingStop t;
  t.instrument = instrument;
  t.take_profit = l.take_profit;
  t.stop_loss = l.stop_loss;
  t.trailing_stop = Price{cfg.trailing_stop > 0 ? ticks_toward(cfg, cfg.trailing_stop, entry) : 0};
  t.mode = TpslMode::kFull;
  t.tp_trigger_by = cfg.trigger_by;
  t.sl_trigger_by = cfg.trigger_by;
  t.position_idx = position_idx;
  out = t;
  return true;
}

Protection::Protection(const ProtectionConfig& cfg, InstrumentId instrument, uint8_t position_idx) noexcept
    : cfg_(cfg), instrument_(instrument), position_idx_(position_idx), retry_ns_(cfg.retry_ms * kNsPerMs) {}

ProtectionTrigger Protection::on_tick(const RiskContext& ctx, OrderCreate& close) noexcept {
  const int64_t pos = ctx.position_lots;
  const int sign = pos > 0 ? 1 : (pos < 0 ? -1 : 0);
  const Price px = ctx.mark.ticks > 0 ? ctx.mark : ctx.mid;
  if (sign != sign_) {
    sign_ = sign;
    best_ = Price{0};
    fired_ = ProtectionTrigger::kNone;
  }
  if (!cfg_.enabled || sign == 0 || px.ticks <= 0) {
    levels_ = {};
    return ProtectionTrigger::kNone;
  }
  // The best price since the position opened: the entry itself counts as seen.
  if (best_.ticks <= 0) best_ = ctx.avg_entry.ticks > 0 ? ctx.avg_entry : px;
  if (sign > 0 ? px > best_ : px < best_) best_ = px;
  levels_ = protection_levels(cfg_, pos, ctx.avg_entry, best_);

  if (fired_ != ProtectionTrigger::kNone) {
    if (ctx.now_ns - fired_ns_ < retry_ns_) return ProtectionTrigger::kNone;
    if (!make_close_order(cfg_, instrument_, position_idx_, pos, ctx.best_bid, ctx.best_ask, px, close)) {
      return ProtectionTrigger::kNone;
    }
    fired_ns_ = ctx.now_ns;
    ++retries_;
    return fired_;
  }

  const bool is_long = sign > 0;
  auto crossed_against = [&](Price level) noexcept {
    return level.ticks > 0 && (is_long ? px <= level : px >= level);
  };
  ProtectionTrigger t = ProtectionTrigger::kNone;
  if (crossed_against(levels_.stop_loss)) {
    t = ProtectionTrigger::kStopLoss;
  } else if (crossed_against(levels_.trailing_stop)) {
    t = ProtectionTrigger::kTrailingStop;
  } else if (levels_.take_profit.ticks > 0 &&
             (is_long ? px >= levels_.take_profit : px <= levels_.take_profit)) {
    t = ProtectionTrigger::kTakeProfit;
  }
  if (t == ProtectionTrigger::kNone) return t;
  if (!make_close_order(cfg_, instrument_, position_idx_, pos, ctx.best_bid, ctx.best_ask, px, close)) {
    return ProtectionTrigger::kNone;
  }
  fired_ = t;
  fired_ns_ = ctx.now_ns;
  ++triggers_[static_cast<size_t>(t)];
  return t;
}

}  // namespace mm
