#pragma once
// Instrument: the grid (tick, lot) that gives Price and Qty their meaning, plus Bybit's order limits.
// Built from the decimal strings of GET /v5/market/instruments-info (parsed in net/instruments_json.h).
#include <cstdint>
#include <string_view>

#include "core/decimal.h"
#include "core/money.h"
#include "core/types.h"

namespace mm {

enum class InstrumentStatus : uint8_t { kTrading, kPreLaunch, kDelivering, kClosed, kOther };

inline constexpr size_t kMaxSymbolLen = 31;

struct Instrument {
  Category category = Category::kLinear;
  InstrumentStatus status = InstrumentStatus::kTrading;
  char symbol[kMaxSymbolLen + 1] = {};
  uint8_t symbol_len = 0;
  // Prices: a wire price p equals (ticks * tick_units) * 10^-price_scale.
  int8_t price_scale = 0;   // decimals used for prices: max(priceScale, decimals of tickSize)
  int64_t tick_units = 1;   // tickSize * 10^price_scale (e.g. BTCUSDT: 0.10 at scale 2 -> 10)
  // Quantities: q equals (lots * lot_units) * 10^-qty_scale.
  int8_t qty_scale = 0;
  int64_t lot_units = 1;
  Qty min_qty{0};
  Qty max_qty{0};           // 0: no limit known
  Money min_notional{0};    // linear minNotionalValue, spot minOrderAmt
  // Bybit prints linear/inverse prices padded to price_scale ("65114.20") and spot prices trimmed ("65140").
  bool trim_zeros = false;
  bool inferred = false;    // grid guessed from data (no instruments-info was available)

  std::string_view name() const noexcept { return {symbol, symbol_len}; }
};

enum class InstrumentError : uint8_t {
  kOk = 0,
  kBadSymbol,      // empty, longer than kMaxSymbolLen, or not [A-Z0-9-_]
  kBadTickSize,    // missing, malformed, zero or negative
  kBadQtyStep,     // missing, malformed, zero or negative
  kBadLimit,       // min/max qty off the lot grid or malformed, min notional malformed
};
std::string_view to_string(InstrumentError e) noexcept;

// The decimal strings of one instruments-info entry. Empty optional fields are allowed
// (price_scale, min/max qty, min_notional); tick_size and qty_step are required.
struct InstrumentSpec {
  Category category = Category::kLinear;
  std::string_view symbol, status, price_scale, tick_size, qty_step, min_qty, max_qty, min_notional;
};

// Builds an Instrument. Errors: every InstrumentError except kOk. `out` is untouched on error.
[[nodiscard]] InstrumentError make_instrument(const InstrumentSpec& spec, Instrument& out) noexcept;

// Exact conversions. Errors (DecimalError): kEmpty, kMalformed, kTooManyDecimals, kOffGrid, kOverflow,
// kNegative (prices and sizes on Bybit's order books are never negative).
[[nodiscard]] DecimalError to_price(const Instrument& in, std::string_view s, Price& out) noexcept;
[[nodiscard]] DecimalError to_qty(const Instrument& in, std::string_view s, Qty& out) noexcept;

// Formats as Bybit prints it for this instrument; returns the length. Precondition: out has >= 24 bytes,
// and the value times its step fits int64 (always true for values that came from to_price/to_qty).
size_t format_price(const Instrument& in, Price p, char* out) noexcept;
size_t format_qty(const Instrument& in, Qty q, char* out) noexcept;

// Notional value price * qty in Money, truncated toward zero below 1e-8. Returns false on overflow.
[[nodiscard]] bool notional(const Instrument& in, Price p, Qty q, Money& out) noexcept;

}  // namespace mm
