#pragma once
// The parameters of one trading or query request, as string views, from any of the three places Bybit takes
// them: a POST body (JSON object), a GET query string, or one item of a trade-WebSocket `args` array / a
// batch `request` array. Why one flat table of known names: the handlers then read fields the same way
// whatever the transport, key order does not matter, and nothing allocates (views point into the request or
// into the parser's / the decoder's buffers, valid until the next parse).
//
// Value forms accepted, as Bybit's own servers accept them from common SDKs: strings, and numbers or booleans
// sent bare (their JSON text is kept: 5 -> "5", true -> "true"); null counts as absent.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mm::simx {

enum class Field : uint8_t {
  kCategory = 0,
  kSymbol,
  kSide,
  kOrderType,
  kQty,
  kPrice,
  kTimeInForce,
  kOrderLinkId,
  kOrderId,
  kReduceOnly,
  kCloseOnTrigger,
  kPositionIdx,
  kTriggerPrice,
  kTakeProfit,
  kStopLoss,
  kTrailingStop,
  kTpTriggerBy,
  kSlTriggerBy,
  kTpslMode,
  kBuyLeverage,
  kSellLeverage,
  kSettleCoin,
  kBaseCoin,
  kOpenOnly,
  kLimit,
  kCursor,
  kAccountType,
  kCoin,
  kProduct,
  kTimeWindow,
  kStartTime,
  kEndTime,
  kExecType,
  kOrderFilter,
  kMarketUnit,
  kIsLeverage,
  kSmpType,
  kOrderIv,
  kMmp,
  kCount,
};
inline constexpr size_t kFieldCount = static_cast<size_t>(Field::kCount);

// Bybit's spelling of a field ("orderLinkId").
std::string_view field_name(Field f) noexcept;
// The field of a name, or Field::kCount for a name this table does not know (ignored, as Bybit ignores it).
Field field_of(std::string_view name) noexcept;

struct RequestFields {
  std::array<std::string_view, kFieldCount> value{};
  uint64_t present = 0;  // bit i: field i was given (not null)

  void clear() noexcept { present = 0; }
  [[nodiscard]] bool has(Field f) const noexcept { return (present >> static_cast<unsigned>(f)) & 1u; }
  [[nodiscard]] std::string_view get(Field f) const noexcept {
    return has(f) ? value[static_cast<size_t>(f)] : "";
  }
  void set(Field f, std::string_view v) noexcept {
    value[static_cast<size_t>(f)] = v;
    present |= uint64_t{1} << static_cast<unsigned>(f);
  }
};
static_assert(kFieldCount <= 64, "present is one 64-bit mask");

// A non-negative decimal integer as Bybit sends times, windows and limits ("1700000000000"), at most 18
// digits. False (out untouched) for anything else.
[[nodiscard]] inline bool parse_count(std::string_view s, int64_t& out) noexcept {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// Unix ns -> ms, the unit of every Bybit time field.
constexpr int64_t to_ms(int64_t ns) noexcept {
  return ns / 1'000'000;
}

// Decodes a GET query string ("category=linear&symbol=BTCUSDT") into `out`, percent-decoding into `scratch`
// (cleared; its capacity is reused). Returns false for a malformed escape ("%G1", "%4"). Duplicate keys: the
// last wins. Unknown keys are ignored.
[[nodiscard]] bool parse_query(std::string_view query, std::string& scratch, RequestFields& out);

}  // namespace mm::simx
