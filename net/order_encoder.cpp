#include "net/order_encoder.h"

#include <array>
#include <bit>
#include <cstring>
#include <type_traits>

#include "net/detail/order_json.h"

namespace mm {

std::string_view to_string(EncodeError e) noexcept {
  switch (e) {
    case EncodeError::kOk:
      return "ok";
    case EncodeError::kBufferTooSmall:
      return "buffer_too_small";
    case EncodeError::kBadPrice:
      return "bad_price";
    case EncodeError::kBadQty:
      return "bad_qty";
    case EncodeError::kBadLinkId:
      return "bad_link_id";
    case EncodeError::kBadReqId:
      return "bad_req_id";
    case EncodeError::kBadTimeInForce:
      return "bad_time_in_force";
    case EncodeError::kBadPositionIdx:
      return "bad_position_idx";
    case EncodeError::kNothingToChange:
      return "nothing_to_change";
    case EncodeError::kUnsupportedForCategory:
      return "unsupported_for_category";
    case EncodeError::kEmptyBatch:
      return "empty_batch";
    case EncodeError::kBatchTooLarge:
      return "batch_too_large";
    case EncodeError::kUnknownInstrument:
      return "unknown_instrument";
    case EncodeError::kMixedCategory:
      return "mixed_category";
    case EncodeError::kBadTopic:
      return "bad_topic";
    case EncodeError::kBadCoin:
      return "bad_coin";
    case EncodeError::kBadTarget:
      return "bad_target";
    case EncodeError::kSignerNotReady:
      return "signer_not_ready";
  }
  return "unknown";
}

namespace detail {

namespace {

constexpr size_t kDecimalRoom = 24;  // format_fixed's precondition

// A short constant text in a fixed-size array: an UncheckedWriter copies all Cap bytes as a few wide moves
// (a string_view of run-time length would cost a memcpy call) and keeps len of them.
template <size_t Cap>
struct Padded {
  char text[Cap] = {};
  size_t len = 0;
  constexpr Padded(std::string_view s) noexcept : len(s.size()) {  // NOLINT(google-explicit-constructor)
    for (size_t i = 0; i < s.size(); ++i) text[i] = s[i];
  }
};
template <class W, size_t Cap>
[[gnu::always_inline]] inline void put(W& w, const Padded<Cap>& p) noexcept {
  w.put_padded(p.text, p.len);
}

// Bybit spellings from the same to_string functions, indexed by enum value; the last entry stands for a value
// outside the enum, spelled as to_string spells it.
constexpr Padded<8> kCategoryText[] = {to_string(Category::kLinear), to_string(Category::kInverse),
                                       to_string(Category::kSpot), to_string(Category::kOption),
                                       to_string(static_cast<Category>(0xFF))};
constexpr Padded<8> kTifText[] = {to_string(TimeInForce::kGtc), to_string(TimeInForce::kIoc),
                                  to_string(TimeInForce::kFok), to_string(TimeInForce::kPostOnly),
                                  to_string(static_cast<TimeInForce>(0xFF))};
constexpr Padded<8> kSideText[] = {to_string(Side::kBuy), to_string(Side::kSell)};
constexpr Padded<8> kTypeText[] = {to_string(OrderType::kLimit), to_string(OrderType::kMarket)};

const Padded<8>& category_text(Category c) noexcept {
  const auto i = static_cast<size_t>(c);
  return kCategoryText[i < 4 ? i : 4];
}
const Padded<8>& tif_text(TimeInForce t) noexcept {
  const auto i = static_cast<size_t>(t);
  return kTifText[i < 4 ? i : 4];
}
// to_string(Side) and to_string(OrderType) spell every value but the first as the second.
const Padded<8>& side_text(Side s) noexcept {
  return kSideText[s == Side::kBuy ? 0 : 1];
}
const Padded<8>& type_text(OrderType t) noexcept {
  return kTypeText[t == OrderType::kLimit ? 0 : 1];
}

// is_link_id_char as a table: one load per character instead of four range tests. Ids are checked on every
// amend and cancel, and reqIds on every frame.
constexpr auto kLinkIdChar = [] {
  std::array<bool, 256> t{};
  for (size_t c = 0; c < t.size(); ++c) {
    t[c] = is_link_id_char(static_cast<char>(static_cast<unsigned char>(c)));
  }
  return t;
}();

// validate_link_id(s) == kOk.
bool valid_link_text(const char* s, size_t n) noexcept {
  if (n == 0 || n > kMaxLinkIdLen) return false;
  for (size_t i = 0; i < n; ++i) {
    if (!kLinkIdChar[static_cast<unsigned char>(s[i])]) return false;
  }
  return true;
}

bool is_contract(Category c) noexcept {
  return c == Category::kLinear || c == Category::kInverse;
}

template <class W>
[[gnu::always_inline]] inline void write_category(W& w, Category c) noexcept {
  w.lit(R"("category":")");
  put(w, category_text(c));
  w.put('"');
}

// `"symbol":"BTCUSDT"`, preceded by a comma when something came before. Instrument::symbol is a fixed array
// (symbol_len <= kMaxSymbolLen < its size), so it is copied whole.
template <class W>
[[gnu::always_inline]] inline void write_symbol(W& w, const Instrument& in, bool comma) noexcept {
  if (comma) w.put(',');
  w.lit(R"("symbol":")");
  w.put_padded(in.symbol, in.symbol_len);
  w.put('"');
}

// The eight decimal digits of v < 10^8 (leading zeros included) as one little-endian word of digit values
// 0..9, most significant digit in the lowest byte: the number is split into halves of four digits, each half
// into two pairs and each pair into two digits, in lanes of one 64-bit word, so a multiply and a shift divide
// every lane at once (x * 5243 >> 19 == x / 100 for x < 10^4, x * 103 >> 10 == x / 10 for x < 100, and no
// lane's product reaches the next lane).
uint64_t digit_lanes8(uint64_t v) noexcept {
  const uint64_t hi = v / 10000;
  const uint64_t y = hi | ((v - hi * 10000) << 32);               // 4-digit halves in 32-bit lanes
  const uint64_t q = ((y * 5243) >> 19) & 0x0000007F0000007FULL;  // lane / 100
  const uint64_t z = q | ((y - q * 100) << 16);                   // 2-digit pairs in 16-bit lanes
  const uint64_t t = ((z * 103) >> 10) & 0x000F000F000F000FULL;   // lane / 10
  return t | ((z - t * 10) << 8);                                 // digits in bytes
}

// write_fixed for numbers of more than eight printed digits: two digits per division by 100 (a multiply),
// straight into place (format_fixed when there is no integer digit). Kept out of line so the common path,
// inlined into the writers, stays short. Preconditions: v > 0 has n digits, scale sc >= 0, out has >= 24
// bytes.
[[gnu::noinline]] size_t write_fixed_long(uint64_t v, size_t n, size_t sc, bool trim, char* out) noexcept {
  if (n <= sc) {
    const auto scale = static_cast<int>(sc);
    return format_fixed(static_cast<int64_t>(v), scale, trim ? 0 : scale, out);
  }
  const size_t int_count = n - sc;
  const size_t len = sc == 0 ? n : n + 1;
  char* p = out + len;
  size_t f = sc;
  for (; f >= 2; f -= 2) {
    const uint64_t q = v / 100;
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * (v - q * 100), 2);
    v = q;
  }
  if (f != 0) {
    const uint64_t q = v / 10;
    *--p = static_cast<char>('0' + (v - q * 10));
    v = q;
  }
  if (sc != 0) *--p = '.';
  while (v >= 100) {
    const uint64_t q = v / 100;
    p -= 2;
    std::memcpy(p, kDigitPairs + 2 * (v - q * 100), 2);
    v = q;
  }
  if (v >= 10) {
    std::memcpy(p - 2, kDigitPairs + 2 * v, 2);
  } else {
    p[-1] = static_cast<char>('0' + v);
  }
  if (!trim || sc == 0) return len;
  // Spot style: no trailing fractional zeros, and no '.' when nothing is left after it.
  size_t frac = sc;
  while (frac != 0 && out[int_count + frac] == '0') --frac;
  return frac == 0 ? int_count : int_count + 1 + frac;
}

// format_fixed(value, scale, trim ? 0 : scale, out), written straight into out. Why not format_price: it
// builds the digits in a scratch buffer and copies them out with two memcpy calls, about half of an amend's
// encoding. Here a number of at most eight printed digits (the prices and quantities of the usual
// instruments) is converted in registers and stored in two 8-byte writes around the '.'; longer ones take
// write_fixed_long. Values that are not positive take format_fixed itself. Precondition: out has >= 24 bytes
// (writes past the returned length stay inside them).
[[gnu::always_inline]] inline size_t write_fixed(int64_t value, int scale, bool trim, char* out) noexcept {
  if (value <= 0 || scale < 0) return format_fixed(value, scale, trim ? 0 : scale, out);
  const auto sc = static_cast<size_t>(scale);
  const auto v = static_cast<uint64_t>(value);
  const size_t n = decimal_length(v);
  const size_t k = n > sc ? n : sc + 1;  // digits printed: at least one before the '.' ("0.05")
  if constexpr (std::endian::native == std::endian::little) {
    if (k <= 8) {
      const size_t int_count = k - sc;
      const uint64_t d = digit_lanes8(v) >> (8 * (8 - k));  // the last k digits, first one in the low byte
      const uint64_t text = d + 0x3030303030303030ULL;
      std::memcpy(out, &text, 8);
      if (sc == 0) return k;
      const uint64_t frac_text = text >> (8 * int_count);  // int_count <= 7 here
      std::memcpy(out + int_count + 1, &frac_text, 8);
      out[int_count] = '.';
      if (!trim) return k + 1;
      // Spot style: no trailing fractional zeros, and no '.' when nothing is left after it. d != 0 (v > 0);
      // its highest non-zero byte is the last non-zero digit.
      const auto last = static_cast<size_t>(63 - __builtin_clzll(d)) / 8;  // digit index
      return last < int_count ? int_count : last + 2;
    }
  }
  return write_fixed_long(v, n, sc, trim, out);
}

template <class W>
[[gnu::always_inline]] inline void write_price_value(W& w, const Instrument& in, Price p) noexcept {
  w.put('"');
  w.put_formatted(kDecimalRoom, [&](char* d) {
    return write_fixed(p.ticks * in.tick_units, in.price_scale, in.trim_zeros, d);
  });
  w.put('"');
}

template <class W>
[[gnu::always_inline]] inline void write_qty_value(W& w, const Instrument& in, Qty q) noexcept {
  w.put('"');
  w.put_formatted(kDecimalRoom, [&](char* d) {
    return write_fixed(q.lots * in.lot_units, in.qty_scale, in.trim_zeros, d);
  });
  w.put('"');
}

// Precondition: valid_id(id), so id.len <= kMaxLinkIdLen < sizeof id.data.
template <class W>
[[gnu::always_inline]] inline void write_order_ref(W& w, OrderIdKind kind, const OrderLinkId& id) noexcept {
  if (kind == OrderIdKind::kOrderId) {
    w.lit(R"(,"orderId":")");
  } else {
    w.lit(R"(,"orderLinkId":")");
  }
  w.put_padded(id.data, id.len);
  w.put('"');
}

bool valid_id(const OrderLinkId& id) noexcept {
  return valid_link_text(id.data, id.len);
}

template <class W>
[[gnu::always_inline]] inline EncodeError write_create_t(W& w, const Instrument& in, const OrderCreate& a,
                                                         bool with_category) noexcept {
  const bool limit = a.type == OrderType::kLimit;
  if (a.qty.lots <= 0) return EncodeError::kBadQty;
  if (limit && a.price.ticks <= 0) return EncodeError::kBadPrice;
  if (!limit && a.tif == TimeInForce::kPostOnly) return EncodeError::kBadTimeInForce;
  if (!valid_id(a.link_id)) return EncodeError::kBadLinkId;
  if (a.position_idx > 2) return EncodeError::kBadPositionIdx;
  const bool contract = is_contract(in.category);
  if (!contract && (a.reduce_only || a.position_idx != 0)) return EncodeError::kUnsupportedForCategory;

  if (with_category) write_category(w, in.category);
  write_symbol(w, in, with_category);
  w.lit(R"(,"side":")");
  put(w, side_text(a.side));
  w.lit(R"(","orderType":")");
  put(w, type_text(a.type));
  w.lit(R"(","qty":)");
  write_qty_value(w, in, a.qty);
  if (limit) {
    w.lit(",\"price\":");
    write_price_value(w, in, a.price);
    w.lit(R"(,"timeInForce":")");
    put(w, tif_text(a.tif));
    w.put('"');
  } else if (in.category == Category::kSpot) {
    // Spot market orders count qty in quote coin unless told otherwise; our Qty is always base lots.
    w.lit(R"(,"marketUnit":"baseCoin")");
  }
  w.lit(R"(,"orderLinkId":")");
  w.put_padded(a.link_id.data, a.link_id.len);
  w.put('"');
  if (contract) {
    w.lit(",\"positionIdx\":");
    w.put(static_cast<char>('0' + a.position_idx));
    if (a.reduce_only) w.lit(",\"reduceOnly\":true");
  }
  return EncodeError::kOk;
}

template <class W>
[[gnu::always_inline]] inline EncodeError write_amend_t(W& w, const Instrument& in, const OrderAmend& a,
                                                        bool with_category) noexcept {
  if (!a.price && !a.qty) return EncodeError::kNothingToChange;
  if (a.price && a.price->ticks <= 0) return EncodeError::kBadPrice;
  if (a.qty && a.qty->lots <= 0) return EncodeError::kBadQty;
  if (!valid_id(a.link_id)) return EncodeError::kBadLinkId;
  if (with_category) write_category(w, in.category);
  write_symbol(w, in, with_category);
  write_order_ref(w, a.id_kind, a.link_id);
  if (a.qty) {
    w.lit(",\"qty\":");
    write_qty_value(w, in, *a.qty);
  }
  if (a.price) {
    w.lit(",\"price\":");
    write_price_value(w, in, *a.price);
  }
  return EncodeError::kOk;
}

template <class W>
[[gnu::always_inline]] inline EncodeError write_cancel_t(W& w, const Instrument& in, const OrderCancel& a,
                                                         bool with_category) noexcept {
  if (!valid_id(a.link_id)) return EncodeError::kBadLinkId;
  if (with_category) write_category(w, in.category);
  write_symbol(w, in, with_category);
  write_order_ref(w, a.id_kind, a.link_id);
  return EncodeError::kOk;
}

template <class W, class Item>
[[gnu::always_inline]] inline EncodeError write_item(W& w, const Instrument& in, const Item& a) noexcept {
  if constexpr (std::is_same_v<Item, OrderCreate>) {
    return write_create_t(w, in, a, false);
  } else if constexpr (std::is_same_v<Item, OrderAmend>) {
    return write_amend_t(w, in, a, false);
  } else {
    return write_cancel_t(w, in, a, false);
  }
}

template <class W, class Item>
[[gnu::always_inline]] inline EncodeError write_batch_items(W& w, const InstrumentRegistry& reg,
                                                            std::span<const Item> items) noexcept {
  if (items.empty()) return EncodeError::kEmptyBatch;
  if (items[0].instrument >= reg.size()) return EncodeError::kUnknownInstrument;
  const Category cat = reg.get(items[0].instrument).category;
  if (items.size() > max_batch_items(cat)) return EncodeError::kBatchTooLarge;
  write_category(w, cat);
  w.lit(",\"request\":[");
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].instrument >= reg.size()) return EncodeError::kUnknownInstrument;
    const Instrument& in = reg.get(items[i].instrument);
    if (in.category != cat) return EncodeError::kMixedCategory;
    if (i != 0) w.put(',');
    w.put('{');
    const EncodeError e = write_item(w, in, items[i]);
    if (e != EncodeError::kOk) return e;
    w.put('}');
  }
  w.put(']');
  return EncodeError::kOk;
}

template <class W, class Item>
EncodeError write_batch_t(W& out, const InstrumentRegistry& reg, std::span<const Item> items) noexcept {
  // A local copy of the writer, with the item writers inlined: its position stays in a register (stores
  // through char* could alias the caller's writer, so appends to it reload and store the position).
  W w = out;
  const EncodeError e = write_batch_items(w, reg, items);
  out = w;
  return e;
}

// The checked form of a batch: when the largest possible batch fits, it is written unchecked (same bytes,
// same errors) instead of testing the room at every append.
template <class Item>
EncodeError write_batch_checked(BoundedWriter& w, const InstrumentRegistry& reg,
                                std::span<const Item> items) noexcept {
  if (char* room = w.reserve(max_batch_bytes<Item>(items.size()))) {
    UncheckedWriter u(room);
    const EncodeError e = write_batch_t(u, reg, items);
    w.advance(u.size());
    return e;
  }
  return write_batch_t(w, reg, items);
}

}  // namespace

EncodeError write_create(BoundedWriter& w, const Instrument& in, const OrderCreate& a,
                         bool with_category) noexcept {
  return write_create_t(w, in, a, with_category);
}
EncodeError write_amend(BoundedWriter& w, const Instrument& in, const OrderAmend& a,
                        bool with_category) noexcept {
  return write_amend_t(w, in, a, with_category);
}
EncodeError write_cancel(BoundedWriter& w, const Instrument& in, const OrderCancel& a,
                         bool with_category) noexcept {
  return write_cancel_t(w, in, a, with_category);
}
EncodeError write_create(UncheckedWriter& w, const Instrument& in, const OrderCreate& a,
                         bool with_category) noexcept {
  return write_create_t(w, in, a, with_category);
}
EncodeError write_amend(UncheckedWriter& w, const Instrument& in, const OrderAmend& a,
                        bool with_category) noexcept {
  return write_amend_t(w, in, a, with_category);
}
EncodeError write_cancel(UncheckedWriter& w, const Instrument& in, const OrderCancel& a,
                         bool with_category) noexcept {
  return write_cancel_t(w, in, a, with_category);
}

EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                        std::span<const OrderCreate> items) noexcept {
  return write_batch_checked(w, reg, items);
}
EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                        std::span<const OrderAmend> items) noexcept {
  return write_batch_checked(w, reg, items);
}
EncodeError write_batch(BoundedWriter& w, const InstrumentRegistry& reg,
                        std::span<const OrderCancel> items) noexcept {
  return write_batch_checked(w, reg, items);
}
EncodeError write_batch(UncheckedWriter& w, const InstrumentRegistry& reg,
                        std::span<const OrderCreate> items) noexcept {
  return write_batch_t(w, reg, items);
}
EncodeError write_batch(UncheckedWriter& w, const InstrumentRegistry& reg,
                        std::span<const OrderAmend> items) noexcept {
  return write_batch_t(w, reg, items);
}
EncodeError write_batch(UncheckedWriter& w, const InstrumentRegistry& reg,
                        std::span<const OrderCancel> items) noexcept {
  return write_batch_t(w, reg, items);
}

bool valid_req_id(std::string_view s) noexcept {
  return s.empty() || valid_link_text(s.data(), s.size());
}

}  // namespace detail
}  // namespace mm
