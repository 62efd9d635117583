#include "core/instrument.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace mm {

std::string_view to_string(InstrumentError e) noexcept {
  switch (e) {
    case InstrumentError::kOk: return "ok";
    case InstrumentError::kBadSymbol: return "bad_symbol";
    case InstrumentError::kBadTickSize: return "bad_tick_size";
    case InstrumentError::kBadQtyStep: return "bad_qty_step";
    case InstrumentError::kBadLimit: return "bad_limit";
  }
  return "unknown";
}

namespace {

bool valid_symbol(std::string_view s) noexcept {
  if (s.empty() || s.size() > kMaxSymbolLen) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || (c >= 'a' && c <= 'z');
  });
}

// Parses a positive step (tickSize / qtyStep) at a scale that holds it exactly.
bool parse_step(std::string_view s, int min_scale, int8_t& scale, int64_t& units) noexcept {
  const int places = decimal_places(s);
  if (places < 0) return false;
  const int sc = std::max(places, min_scale);
  if (sc > 15) return false;  // leaves >= 1e3 of integer headroom; no real instrument comes near
  int64_t v = 0;
  if (parse_fixed(s, sc, v) != DecimalError::kOk || v <= 0) return false;
  scale = static_cast<int8_t>(sc);
  units = v;
  return true;
}

DecimalError to_steps(std::string_view s, int scale, int64_t step, int64_t& out) noexcept {
  int64_t v = 0;
  if (!s.empty() && s[0] == '-') {
    // Report the sign only if the rest is well-formed, so "-x" stays kMalformed.
    const DecimalError e = parse_fixed(s, scale, v);
    return e == DecimalError::kOk ? DecimalError::kNegative : e;
  }
  const DecimalError e = parse_fixed(s, scale, v);
  if (e != DecimalError::kOk) return e;
  if (v % step != 0) return DecimalError::kOffGrid;
  out = v / step;
  return DecimalError::kOk;
}

InstrumentStatus parse_status(std::string_view s) noexcept {
  if (s == "Trading" || s.empty()) return InstrumentStatus::kTrading;
  if (s == "PreLaunch") return InstrumentStatus::kPreLaunch;
  if (s == "Delivering") return InstrumentStatus::kDelivering;
  if (s == "Closed") return InstrumentStatus::kClosed;
  return InstrumentStatus::kOther;
}

}  // namespace

InstrumentError make_instrument(const InstrumentSpec& spec, Instrument& out) noexcept {
  if (!valid_symbol(spec.symbol)) return InstrumentError::kBadSymbol;
  Instrument in;
  in.category = spec.category;
  in.status = parse_status(spec.status);
  std::memcpy(in.symbol, spec.symbol.data(), spec.symbol.size());
  in.symbol_len = static_cast<uint8_t>(spec.symbol.size());
  int price_scale = 0;
  if (!spec.price_scale.empty()) {
    int64_t ps = 0;
    if (parse_fixed(spec.price_scale, 0, ps) != DecimalError::kOk || ps < 0 || ps > 15) {
      return InstrumentError::kBadTickSize;
    }
    price_scale = static_cast<int>(ps);
  }
  if (!parse_step(spec.tick_size, price_scale, in.price_scale, in.tick_units)) return InstrumentError::kBadTickSize;
  if (!parse_step(spec.qty_step, 0, in.qty_scale, in.lot_units)) return InstrumentError::kBadQtyStep;
  in.trim_zeros = spec.category == Category::kSpot;
  if (!spec.min_qty.empty() && to_steps(spec.min_qty, in.qty_scale, in.lot_units, in.min_qty.lots) != DecimalError::kOk) {
    return InstrumentError::kBadLimit;
  }
  if (!spec.max_qty.empty() && to_steps(spec.max_qty, in.qty_scale, in.lot_units, in.max_qty.lots) != DecimalError::kOk) {
    return InstrumentError::kBadLimit;
  }
  if (!spec.min_notional.empty() &&
      parse_fixed(spec.min_notional, kMoneyScale, in.min_notional.units) != DecimalError::kOk) {
    return InstrumentError::kBadLimit;
  }
  out = in;
  return InstrumentError::kOk;
}

DecimalError to_price(const Instrument& in, std::string_view s, Price& out) noexcept {
  return to_steps(s, in.price_scale, in.tick_units, out.ticks);
}

DecimalError to_qty(const Instrument& in, std::string_view s, Qty& out) noexcept {
  return to_steps(s, in.qty_scale, in.lot_units, out.lots);
}

size_t format_price(const Instrument& in, Price p, char* out) noexcept {
  return format_fixed(p.ticks * in.tick_units, in.price_scale, in.trim_zeros ? 0 : in.price_scale, out);
}

size_t format_qty(const Instrument& in, Qty q, char* out) noexcept {
  return format_fixed(q.lots * in.lot_units, in.qty_scale, in.trim_zeros ? 0 : in.qty_scale, out);
}

bool notional(const Instrument& in, Price p, Qty q, Money& out) noexcept {
  // Hot path (risk and quoter call it per order): int64 factors, one 64x64->128 product, one rescale by a
  // power of ten from a table, one range check. No 128-bit overflow helpers.
  int64_t pv, qv;
  if (__builtin_mul_overflow(p.ticks, in.tick_units, &pv) || __builtin_mul_overflow(q.lots, in.lot_units, &qv)) {
    // Factors beyond int64 cannot give a notional that fits int64 Money unless the scale shrinks them a lot:
    // take the exact slow route.
    const Int128 pw = static_cast<Int128>(p.ticks) * in.tick_units;
    const Int128 qw = static_cast<Int128>(q.lots) * in.lot_units;
    Int128 v;
    if (__builtin_mul_overflow(pw, qw, &v)) return false;
    for (int k = in.price_scale + in.qty_scale; k > kMoneyScale; --k) v /= 10;
    for (int k = in.price_scale + in.qty_scale; k < kMoneyScale; ++k) {
      if (__builtin_mul_overflow(v, Int128{10}, &v)) return false;
    }
    if (v > INT64_MAX || v < INT64_MIN) return false;
    out.units = static_cast<int64_t>(v);
    return true;
  }
  const Int128 v = static_cast<Int128>(pv) * qv;  // |v| < 2^126
  const int scale = in.price_scale + in.qty_scale;  // 0..30
  Int128 r;
  if (scale >= kMoneyScale) {
    static constexpr auto kDiv = [] {
      std::array<Int128, 31> t{};
      Int128 x = 1;
      for (auto& e : t) {
        e = x;
        x *= 10;
      }
      return t;
    }();
    r = v / kDiv[static_cast<size_t>(scale - kMoneyScale)];  // truncates toward zero
  } else {
    // Factor 10^k (k = kMoneyScale - scale, 1..kMoneyScale) and its overflow bound INT64_MAX / 10^k, from
    // a table: no loop and no division per call.
    struct Up {
      int64_t f;
      int64_t limit;
    };
    static constexpr auto kUp = [] {
      std::array<Up, kMoneyScale + 1> t{};
      for (int k = 0; k <= kMoneyScale; ++k) t[static_cast<size_t>(k)] = {pow10_i64(k), INT64_MAX / pow10_i64(k)};
      return t;
    }();
    const Up& up = kUp[static_cast<size_t>(kMoneyScale - scale)];
    if (v > up.limit || v < -Int128{up.limit}) return false;
    r = v * up.f;
  }
  if (r > INT64_MAX || r < INT64_MIN) return false;
  out.units = static_cast<int64_t>(r);
  return true;
}

}  // namespace mm
