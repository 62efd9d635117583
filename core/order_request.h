#pragma once
// Venue-agnostic order actions: what the strategy layer asks for, in fixed point. The venue's encoder
// (net/rest_encoder.h, net/ws_trade_encoder.h) turns them into Bybit bytes; the fill engine consumes them as
// is. Why plain aggregates of fixed-size fields: they travel through SPSC rings and must be trivially
// copyable.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "core/types.h"

namespace mm {

enum class OrderType : uint8_t { kLimit = 0, kMarket = 1 };
enum class TimeInForce : uint8_t { kGtc = 0, kIoc = 1, kFok = 2, kPostOnly = 3 };
enum class TriggerBy : uint8_t { kLastPrice = 0, kMarkPrice = 1, kIndexPrice = 2 };
// Only Full is used: Partial TP/SL creates extra orders the bot would have to track.
enum class TpslMode : uint8_t { kFull = 0 };

// Bybit spellings.
constexpr std::string_view to_string(OrderType t) noexcept {
  return t == OrderType::kLimit ? "Limit" : "Market";
}
constexpr std::string_view to_string(TimeInForce t) noexcept {
  switch (t) {
    case TimeInForce::kGtc:
      return "GTC";
    case TimeInForce::kIoc:
      return "IOC";
    case TimeInForce::kFok:
      return "FOK";
    case TimeInForce::kPostOnly:
      return "PostOnly";
  }
  return "?";
}
constexpr std::string_view to_string(TriggerBy t) noexcept {
  switch (t) {
    case TriggerBy::kLastPrice:
      return "LastPrice";
    case TriggerBy::kMarkPrice:
      return "MarkPrice";
    case TriggerBy::kIndexPrice:
      return "IndexPrice";
  }
  return "?";
}
constexpr std::string_view to_string(TpslMode) noexcept {
  return "Full";
}

// ---------------------------------------------------------------------------------------------------------------
// OrderLinkId: Bybit's client order id, the idempotency key of an order (DESIGN.md section 4).

inline constexpr size_t kMaxLinkIdLen = 36;        // Bybit's limit
inline constexpr size_t kMaxLinkIdPrefixLen = 15;  // 15 + '-' + 20 digits of UINT64_MAX == 36

struct OrderLinkId {
  char data[kMaxLinkIdLen + 1] = {};  // always NUL-terminated, so it can be logged with %s
  uint8_t len = 0;

  constexpr std::string_view view() const noexcept { return {data, len}; }
  constexpr bool empty() const noexcept { return len == 0; }
  friend constexpr bool operator==(const OrderLinkId& a, const OrderLinkId& b) noexcept {
    return a.view() == b.view();
  }
};

enum class LinkIdError : uint8_t {
  kOk = 0,
  kEmpty,    // zero characters (id) or empty prefix
  kTooLong,  // id longer than kMaxLinkIdLen, or prefix longer than kMaxLinkIdPrefixLen
  kBadChar,  // a character outside [A-Za-z0-9-_]
  kNotOurs,  // parse_link_id: not "<prefix>-<decimal sequence>" with the given prefix
};

constexpr std::string_view to_string(LinkIdError e) noexcept {
  switch (e) {
    case LinkIdError::kOk:
      return "ok";
    case LinkIdError::kEmpty:
      return "empty";
    case LinkIdError::kTooLong:
      return "too_long";
    case LinkIdError::kBadChar:
      return "bad_char";
    case LinkIdError::kNotOurs:
      return "not_ours";
  }
  return "unknown";
}

constexpr bool is_link_id_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Validates any id against Bybit's rule (1..36 chars of [A-Za-z0-9-_]). Errors: kEmpty, kTooLong, kBadChar.
[[nodiscard]] constexpr LinkIdError validate_link_id(std::string_view s) noexcept {
  if (s.empty()) return LinkIdError::kEmpty;
  if (s.size() > kMaxLinkIdLen) return LinkIdError::kTooLong;
  for (char c : s) {
    if (!is_link_id_char(c)) return LinkIdError::kBadChar;
  }
  return LinkIdError::kOk;
}

// Copies an id received from elsewhere (the order stream, a REST query). Errors: those of validate_link_id;
// `out` is untouched on error.
[[nodiscard]] constexpr LinkIdError make_link_id(std::string_view s, OrderLinkId& out) noexcept {
  const LinkIdError e = validate_link_id(s);
  if (e != LinkIdError::kOk) return e;
  OrderLinkId id;
  for (size_t i = 0; i < s.size(); ++i) id.data[i] = s[i];
  id.len = static_cast<uint8_t>(s.size());
  out = id;
  return LinkIdError::kOk;
}

// Builds "<prefix>-<sequence in decimal>". Deterministic, and injective over (prefix, sequence): the part
// after the last '-' is always digits only, so two distinct pairs can never print the same id. Derive
// `sequence` from the order journal so a restart never reuses one. Preconditions: none. Errors: kEmpty,
// kTooLong (prefix > kMaxLinkIdPrefixLen), kBadChar; `out` untouched on error.
[[nodiscard]] constexpr LinkIdError make_link_id(std::string_view prefix, uint64_t sequence,
                                                 OrderLinkId& out) noexcept {
  if (prefix.empty()) return LinkIdError::kEmpty;
  if (prefix.size() > kMaxLinkIdPrefixLen) return LinkIdError::kTooLong;
  for (char c : prefix) {
    if (!is_link_id_char(c)) return LinkIdError::kBadChar;
  }
  OrderLinkId id;
  size_t n = 0;
  for (char c : prefix) id.data[n++] = c;
  id.data[n++] = '-';
  char digits[20] = {};
  size_t d = 0;
  do {
    digits[d++] = static_cast<char>('0' + sequence % 10);
    sequence /= 10;
  } while (sequence != 0);
  while (d > 0) id.data[n++] = digits[--d];
  id.len = static_cast<uint8_t>(n);
  out = id;
  return LinkIdError::kOk;
}

// Recovers the sequence of an id made by make_link_id(prefix, sequence). Errors: kNotOurs (other prefix, no
// digits, leading zero, non-digit, overflow); `sequence` untouched on error.
[[nodiscard]] constexpr LinkIdError parse_link_id(std::string_view id, std::string_view prefix,
                                                  uint64_t& sequence) noexcept {
  if (id.size() < prefix.size() + 2 || id.substr(0, prefix.size()) != prefix || id[prefix.size()] != '-') {
    return LinkIdError::kNotOurs;
  }
  const std::string_view digits = id.substr(prefix.size() + 1);
  if (digits.size() > 20 || (digits.size() > 1 && digits[0] == '0')) return LinkIdError::kNotOurs;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return LinkIdError::kNotOurs;
    const auto dgt = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - dgt) / 10) return LinkIdError::kNotOurs;
    v = v * 10 + dgt;
  }
  sequence = v;
  return LinkIdError::kOk;
}

// ---------------------------------------------------------------------------------------------------------------
// Actions. `instrument` indexes the InstrumentRegistry; the encoder takes the symbol and category from there.

struct OrderCreate {
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kPostOnly;  // ignored for market orders (Bybit runs them as IOC)
  bool reduce_only = false;
  uint8_t position_idx = 0;  // 0 one-way, 1 hedge buy side, 2 hedge sell side; linear/inverse only
  Price price;               // limit orders only; > 0
  Qty qty;                   // > 0, base-coin lots (spot market orders too)
  OrderLinkId link_id;       // required: the idempotency key
};

// Which id an amend or cancel names. Bybit's orderId is a UUID of 36 chars of [0-9a-f-], so it fits the same
// fixed storage as an orderLinkId.
enum class OrderIdKind : uint8_t { kLinkId = 0, kOrderId = 1 };

struct OrderAmend {
  InstrumentId instrument = kNoInstrument;
  OrderIdKind id_kind = OrderIdKind::kLinkId;
  OrderLinkId link_id;         // the orderLinkId, or Bybit's orderId when id_kind == kOrderId
  std::optional<Price> price;  // at least one of price and qty must be present
  std::optional<Qty> qty;
};

struct OrderCancel {
  InstrumentId instrument = kNoInstrument;
  OrderIdKind id_kind = OrderIdKind::kLinkId;
  OrderLinkId link_id;
};

inline constexpr size_t kMaxCoinLen = 15;

// Cancels every open order of one instrument, or of a whole category when instrument == kNoInstrument.
// Bybit needs a settle coin ("USDT", "USDC") for a category-wide cancel on linear/inverse; spot needs none.
struct CancelAll {
  InstrumentId instrument = kNoInstrument;
  Category category = Category::kLinear;  // used only when category-wide
  char settle_coin[kMaxCoinLen + 1] = {};
  uint8_t settle_coin_len = 0;

  constexpr std::string_view settle_coin_view() const noexcept { return {settle_coin, settle_coin_len}; }
};

// Position protection (POST /v5/position/trading-stop; linear/inverse only). Each optional field: absent =
// leave as is (not sent), Price{0} = clear, otherwise set. trailing_stop is a distance in ticks, not a price.
struct TradingStop {
  InstrumentId instrument = kNoInstrument;
  std::optional<Price> take_profit;
  std::optional<Price> stop_loss;
  std::optional<Price> trailing_stop;
  TpslMode mode = TpslMode::kFull;
  TriggerBy tp_trigger_by = TriggerBy::kMarkPrice;
  TriggerBy sl_trigger_by = TriggerBy::kMarkPrice;
  uint8_t position_idx = 0;
};

static_assert(std::is_trivially_copyable_v<OrderCreate> && std::is_trivially_copyable_v<OrderAmend> &&
              std::is_trivially_copyable_v<OrderCancel> && std::is_trivially_copyable_v<CancelAll> &&
              std::is_trivially_copyable_v<TradingStop>);

}  // namespace mm
