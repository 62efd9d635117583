#include "risk/risk_config.h"

#include <string>

#include "core/decimal.h"

namespace mm {
namespace {

constexpr int64_t kMaxMs = int64_t{1} << 40;  // ~35 years: keeps every ms -> ns product far from overflow
constexpr int64_t kMaxBps = 10'000;
constexpr uint32_t kMaxEventCount = 63;  // the breakers' event rings hold 64 timestamps
constexpr int64_t kMaxDistanceTicks = int64_t{1} << 40;

std::string key(std::string_view prefix, std::string_view field) {
  std::string k(prefix);
  k += '.';
  k += field;
  return k;
}

// Syntax and sign of a positive decimal (base coin or settle coin). Exactness against a grid is checked by
// resolve_limits.
std::string check_positive_decimal(std::string_view k, const std::string& v) {
  if (v.empty()) return std::string(k) + " must be set (a decimal string such as \"0.01\")";
  const size_t dot = v.find('.');
  const size_t places = dot == std::string::npos ? 0 : v.size() - dot - 1;
  int64_t parsed = 0;
  const DecimalError d = places > size_t{kMaxDecimalScale} ? DecimalError::kTooManyDecimals
                                                           : parse_fixed(v, static_cast<int>(places), parsed);
  if (d == DecimalError::kOverflow) return std::string(k) + " is too large";
  if (d != DecimalError::kOk) return std::string(k) + " must be a plain decimal string, got \"" + v + "\"";
  if (parsed <= 0) return std::string(k) + " must be > 0";
  return {};
}

std::string check_money(std::string_view k, const std::string& v) {
  std::string e = check_positive_decimal(k, v);
  if (!e.empty()) return e;
  int64_t units = 0;
  const DecimalError d = parse_fixed(v, kMoneyScale, units);
  if (d == DecimalError::kTooManyDecimals) return std::string(k) + " has more than 8 decimals";
  if (d != DecimalError::kOk) return std::string(k) + " is too large";
  return {};
}

std::string check_range(std::string_view k, int64_t v, int64_t lo, int64_t hi) {
  if (v >= lo && v <= hi) return {};
  if (hi == kMaxMs || hi == kMaxDistanceTicks) {
    if (v < lo) return std::string(k) + (lo == 0 ? " must be >= 0" : " must be > 0");
    return std::string(k) + " must be <= " + std::to_string(hi);
  }
  return std::string(k) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

std::string check_action(std::string_view prefix, TradingState a, int64_t cooldown_ms) {
  if (a != TradingState::kReduceOnly && a != TradingState::kHalted) {
    return key(prefix, "action") + " must be reduce_only or halted";
  }
  return check_range(key(prefix, "cooldown_ms"), cooldown_ms, 1, kMaxMs);
}

std::string check_breakers(const BreakersConfig& b) {
  std::string e;
  {
    const std::string_view p = "risk.breakers.daily_loss";
    const DailyLossConfig& c = b.daily_loss;
    if (!(e = check_money(key(p, "max_loss"), c.max_loss)).empty()) return e;
    if (!(e = check_action(p, c.action, c.cooldown_ms)).empty()) return e;
  }
  {
    const std::string_view p = "risk.breakers.drawdown";
    const DrawdownConfig& c = b.drawdown;
    if (!(e = check_money(key(p, "max_drawdown"), c.max_drawdown)).empty()) return e;
    if (!(e = check_action(p, c.action, c.cooldown_ms)).empty()) return e;
  }
  {
    const std::string_view p = "risk.breakers.stale_book";
    const StaleBookConfig& c = b.stale_book;
    if (!(e = check_range(key(p, "max_age_ms"), c.max_age_ms, 1, kMaxMs)).empty()) return e;
    if (!(e = check_action(p, c.action, c.cooldown_ms)).empty()) return e;
  }
  if (!(e = check_action("risk.breakers.book_untrusted", b.book_untrusted.action,
                         b.book_untrusted.cooldown_ms))
           .empty()) {
    return e;
  }
  if (!(e = check_action("risk.breakers.book_crossed", b.book_crossed.action, b.book_crossed.cooldown_ms))
           .empty()) {
    return e;
  }
  {
    const std::string_view p = "risk.breakers.reject_rate";
    const RejectRateConfig& c = b.reject_rate;
    if (!(e = check_range(key(p, "window_ms"), c.window_ms, 1, kMaxMs)).empty()) return e;
    if (!(e = check_range(key(p, "max_rejects"), c.max_rejects, 0, kMaxEventCount)).empty()) return e;
    if (!(e = check_action(p, c.action, c.cooldown_ms)).empty()) return e;
  }
  {
    const std::string_view p = "risk.breakers.price_jump";
    const PriceJumpConfig& c = b.price_jump;
    if (!(e = check_range(key(p, "window_ms"), c.window_ms, 1, kMaxMs)).empty()) return e;
    if (!(e = check_range(key(p, "max_move_bps"), c.max_move_bps, 1, kMaxBps)).empty()) return e;
    if (!(e = check_action(p, c.action, c.cooldown_ms)).empty()) return e;
  }
  {
    const std::string_view p = "risk.breakers.latency";
    const LatencyConfig& c = b.latency;
    if (!(e = check_range(key(p, "window_ms"), c.window_ms, 1, kMaxMs)).empty()) return e;
    if (!(e = check_range(key(p, "max_spikes"), c.max_spikes, 0, kMaxEventCount)).empty()) return e;
    if (!(e = check_range(key(p, "max_tick_to_quote_us"), c.max_tick_to_quote_us, 1, kMaxMs)).empty())
      return e;
    if (!(e = check_range(key(p, "max_ack_us"), c.max_ack_us, 1, kMaxMs)).empty()) return e;
    if (!(e = check_action(p, c.action, c.cooldown_ms)).empty()) return e;
  }
  return {};
}

std::string check_protection(const ProtectionConfig& c) {
  const std::string_view p = "risk.protection";
  const int64_t hi = c.unit == DistanceUnit::kBps ? kMaxBps : kMaxDistanceTicks;
  std::string e;
  if (!(e = check_range(key(p, "take_profit"), c.take_profit, 0, hi)).empty()) return e;
  if (!(e = check_range(key(p, "stop_loss"), c.stop_loss, 0, hi)).empty()) return e;
  if (!(e = check_range(key(p, "trailing_stop"), c.trailing_stop, 0, hi)).empty()) return e;
  if (!(e = check_range(key(p, "close_offset"), c.close_offset, 0, hi)).empty()) return e;
  if (!(e = check_range(key(p, "retry_ms"), c.retry_ms, 1, kMaxMs)).empty()) return e;
  if (c.enabled && c.take_profit == 0 && c.stop_loss == 0 && c.trailing_stop == 0) {
    return "risk.protection.enabled needs at least one of take_profit, stop_loss, trailing_stop > 0";
  }
  return {};
}

std::string to_lots(std::string_view k, const std::string& v, const Instrument& in, Qty& out) {
  const DecimalError d = to_qty(in, v, out);
  if (d == DecimalError::kOk) return {};
  if (d == DecimalError::kOffGrid || d == DecimalError::kTooManyDecimals) {
    return std::string(k) + " \"" + v + "\" is not a multiple of the qty step of " + std::string(in.name());
  }
  return std::string(k) + " \"" + v + "\" does not fit the qty grid of " + std::string(in.name());
}

Money to_money(const std::string& v) {
  Money m;
  // validate() has already accepted v at this scale.
  (void)parse_fixed(v, kMoneyScale, m.units);
  return m;
}

}  // namespace

bool parse_limit_policy(std::string_view s, LimitPolicy& out) noexcept {
  if (s == "block") {
    out = LimitPolicy::kBlock;
  } else if (s == "clip") {
    out = LimitPolicy::kClip;
  } else {
    return false;
  }
  return true;
}

bool parse_distance_unit(std::string_view s, DistanceUnit& out) noexcept {
  if (s == "ticks") {
    out = DistanceUnit::kTicks;
  } else if (s == "bps") {
    out = DistanceUnit::kBps;
  } else {
    return false;
  }
  return true;
}

bool parse_close_type(std::string_view s, CloseType& out) noexcept {
  if (s == "market") {
    out = CloseType::kMarket;
  } else if (s == "limit") {
    out = CloseType::kLimit;
  } else {
    return false;
  }
  return true;
}

bool parse_trigger_by(std::string_view s, TriggerBy& out) noexcept {
  for (const TriggerBy t : {TriggerBy::kLastPrice, TriggerBy::kMarkPrice, TriggerBy::kIndexPrice}) {
    if (s == to_string(t)) {
      out = t;
      return true;
    }
  }
  return false;
}

std::string RiskConfig::validate() const {
  std::string e;
  if (!(e = check_positive_decimal("risk.max_order_qty", max_order_qty)).empty()) return e;
  if (!(e = check_money("risk.max_order_notional", max_order_notional)).empty()) return e;
  if (!(e = check_positive_decimal("risk.max_position_qty", max_position_qty)).empty()) return e;
  if (!(e = check_money("risk.max_exposure_notional", max_exposure_notional)).empty()) return e;
  if (!(e = check_range("risk.price_band_bps", price_band_bps, 1, kMaxBps)).empty()) return e;
  if (max_open_orders == 0) return "risk.max_open_orders must be > 0";
  if (limit_policy != LimitPolicy::kBlock && limit_policy != LimitPolicy::kClip) {
    return "risk.limit_policy must be block or clip";
  }
  if (!(e = check_breakers(breakers)).empty()) return e;
  return check_protection(protection);
}

std::string resolve_limits(const RiskConfig& cfg, const Instrument& instrument, RiskLimits& out) {
  std::string e = cfg.validate();
  if (!e.empty()) return e;
  RiskLimits r;
  if (!(e = to_lots("risk.max_order_qty", cfg.max_order_qty, instrument, r.max_order_qty)).empty()) return e;
  if (!(e = to_lots("risk.max_position_qty", cfg.max_position_qty, instrument, r.max_position)).empty())
    return e;
  if (r.max_order_qty < instrument.min_qty) {
    return "risk.max_order_qty must be >= the min order qty of " + std::string(instrument.name());
  }
  if (r.max_order_qty > r.max_position) return "risk.max_order_qty must be <= risk.max_position_qty";
  r.max_order_notional = to_money(cfg.max_order_notional);
  r.max_exposure = to_money(cfg.max_exposure_notional);
  if (r.max_order_notional > r.max_exposure) {
    return "risk.max_order_notional must be <= risk.max_exposure_notional";
  }
  r.max_daily_loss = to_money(cfg.breakers.daily_loss.max_loss);
  r.max_drawdown = to_money(cfg.breakers.drawdown.max_drawdown);
  out = r;
  return {};
}

}  // namespace mm
