#pragma once
// Internals of BybitCodec shared by its translation units (bybit_codec.cpp, codec_public.cpp,
// codec_private.cpp, codec_control.cpp). Includes simdjson; never include from a public header.
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "core/instrument.h"
#include "net/bybit_codec.h"

namespace mm::detail {

namespace od = simdjson::ondemand;

static_assert(BybitCodec::kPadding >= simdjson::SIMDJSON_PADDING, "kPadding must cover simdjson's padding");

// The topics of one family (orderbook for CodecImpl::fast_book, publicTrade for fast_trade) the scanner
// classified last, by their exact bytes. Why: the topic's prefix parse and the registry's hash of the
// symbol cost about a tenth of a delta, and a connection carries a handful of such topics. An entry is a memo
// of classify_topic's answer for (category, topic): the registry's precondition (complete before the codec is
// built; add() keeps ids) keeps it true.
struct TopicCache {
  static constexpr size_t kEntries = 8;
  static constexpr size_t kText = 48;  // topic bytes + closing quote, zero-filled (whole words compared)
  struct Entry {
    std::array<char, kText> text{};
    uint32_t len = 0;        // topic bytes (0: unused entry)
    uint32_t symbol_at = 0;  // offset of the symbol in the topic
    InstrumentId instrument = kNoInstrument;
    uint16_t depth = 0;
    Category category = Category::kLinear;
  };
  std::array<Entry, kEntries> entries{};
  uint32_t next = 0;  // entry replaced on the next insert (round robin)
};

struct CodecParser {
  od::parser parser;
  od::document doc;
  TopicCache book_topics;
  TopicCache trade_topics;
};

// Topic families, decided from the topic string's prefix (no hashing of the full topic).
enum class Topic : uint8_t {
  kNone = 0, kBook, kTrade, kTicker, kKline, kLiquidation, kAllLiquidation,
  kOrder, kExecution, kExecutionFast, kPosition, kWallet, kUnknown,
};

// Top-level scalars of a frame, kept as raw tokens (views into the input, stable across rewinds).
struct Frame {
  Category public_category = Category::kLinear;
  const char* input_end = nullptr;  // one past the frame's last byte
  Topic topic = Topic::kNone;
  bool has_topic = false;
  bool has_type = false;
  bool snapshot = false;
  bool has_ts = false;
  bool data_seen = false;      // "data" was found (parsed or pending)
  bool data_pending = false;   // "data" came before the topic/op and must be re-read after a rewind
  bool data_done = false;
  bool ack_started = false;    // control_/trade_ack_ were reset for this frame
  bool has_success = false;
  bool success = false;
  bool has_ret_code = false;
  bool command_resp = false;   // option shape "type":"COMMAND_RESP"
  uint32_t ack_list_n = 0;     // trade acks: items seen in data.list
  uint32_t ack_ext_n = 0;      // trade acks: items seen in retExtInfo.list
  InstrumentId instrument = kNoInstrument;  // from the topic's symbol (public topics)
  uint16_t depth = 0;
  uint32_t interval_minutes = 0;
  int64_t ts = 0, cts = 0, cs = 0, creation_time = 0, ret_code = 0;
  std::string_view symbol;     // topic's symbol (view into the input)
  std::string_view op, ret_msg, conn_id, req_id, pong_arg;  // string contents (no quotes)
};

// Open-addressing table of key names built at compile time; find() costs one small hash and usually
// one comparison. Why: private items carry 30-40 keys; a chain of comparisons would dominate.
template <size_t N>
struct KeyTable {
  std::array<std::string_view, N> keys{};
  std::array<uint8_t, 256> slots{};

  static constexpr size_t hash(std::string_view s) noexcept {
    const auto b = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(s[i])); };
    return (s.size() * 131 + b(0) * 31 + b(s.size() - 1) * 7 + b(s.size() / 2) * 3) & 255;
  }
  constexpr explicit KeyTable(const std::array<std::string_view, N>& k) : keys(k) {
    static_assert(N < 128, "keep the table sparse");
    for (auto& s : slots) s = 0xFF;
    for (size_t i = 0; i < N; ++i) {
      size_t h = hash(keys[i]);
      while (slots[h] != 0xFF) h = (h + 1) & 255;
      slots[h] = static_cast<uint8_t>(i);
    }
  }
  // Returns the key's index, or -1.
  constexpr int find(std::string_view s) const noexcept {
    if (s.empty()) return -1;
    size_t h = hash(s);
    while (slots[h] != 0xFF) {
      if (same(keys[slots[h]], s)) return slots[h];
      h = (h + 1) & 255;
    }
    return -1;
  }
  // Inline comparison: keys are short, and a libc memcmp call costs more than the compare itself.
  static constexpr bool same(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
};

inline CodecError from_json(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::SUCCESS: return CodecError::kOk;
    case simdjson::INCORRECT_TYPE: return CodecError::kWrongType;
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE: return CodecError::kBadNumber;
    default: return CodecError::kJson;
  }
}

// A field's key without copying it. Stage 1 has proven the key string closed, so the scan stops at its
// closing quote at the latest; a key with escapes goes through simdjson's unescaping instead. Unlike a
// raw token (see raw_token), a key is always one of the frame's own strings even when the walk runs past
// the end: simdjson checks the ':' after it first, and neither the padding byte at len (which would have
// to be both '"' and ':') nor the sentinel's offset 0 (the frame's '{') passes as key plus colon.
inline CodecError field_key(od::field& field, std::string_view& out) noexcept {
  const char* const k = field.key().raw();
  const char* p = k;
  while (*p != '"' && *p != '\\') ++p;
  if (*p == '"') {
    out = std::string_view(k, static_cast<size_t>(p - k));
    return CodecError::kOk;
  }
  return from_json(field.unescaped_key().get(out));
}

inline bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The raw token of a scalar value, trailing whitespace removed; kJson unless the token lies inside the
// frame, before `end` (Frame::input_end). Does not consume the value: the enclosing iteration skips it.
// Objects and arrays yield "{" / "[" (callers reject them as types).
// Why the bound: simdjson's On-Demand walk of an unbalanced frame (a ':' inside an array, say) can step
// past the last structural index onto stage 1's sentinel entries (offsets len, len, 0), steered by the
// padding byte at len, which parse() leaves from an earlier longer frame and parse_padded's caller may
// fill with anything. raw_json_token() takes a token's length from the next index without checking, so
// there it returns a token starting at the frame's end and 0 - len bytes long (about 4 GiB).
inline CodecError raw_token(od::value& v, const char* end, std::string_view& out) noexcept {
  const std::string_view tok = v.raw_json_token();
  // Integer compare: a bogus token's pointer need not lie within the frame's buffer.
  const auto at = reinterpret_cast<uintptr_t>(tok.data());
  const auto stop = reinterpret_cast<uintptr_t>(end);
  if (at >= stop || tok.size() > stop - at) [[unlikely]]
    return CodecError::kJson;
  size_t n = tok.size();
  while (n > 0 && is_ws(tok[n - 1])) --n;
  if (n == 0) return CodecError::kJson;
  out = tok.substr(0, n);
  return CodecError::kOk;
}

// Contents of a JSON string token, escapes left as they are (decimal strings and Bybit ids never need
// them; one that has them then fails its conversion). kWrongType when the token is not a string.
inline CodecError token_string(std::string_view tok, std::string_view& out) noexcept {
  if (tok.size() < 2 || tok.front() != '"' || tok.back() != '"') {
    return !tok.empty() && tok.front() == '"' ? CodecError::kJson : CodecError::kWrongType;
  }
  out = tok.substr(1, tok.size() - 2);
  return CodecError::kOk;
}

inline CodecError raw_string(od::value& v, const char* end, std::string_view& out) noexcept {
  std::string_view tok;
  if (auto e = raw_token(v, end, tok); e != CodecError::kOk) return e;
  return token_string(tok, out);
}

// Records the decimal detail and maps it to kBadNumber.
inline CodecError bad_decimal(CodecStats& st, DecimalError d) noexcept {
  st.last_decimal_error = d;
  return CodecError::kBadNumber;
}

// Exact up to `scale` decimals; further digits are checked to be digits and then truncated toward
// zero (money, rates, reference prices: see bybit_codec.h).
inline DecimalError parse_truncating(std::string_view s, int scale, int64_t& out) noexcept {
  const size_t dot = s.find('.');
  if (dot != std::string_view::npos && s.size() - dot - 1 > static_cast<size_t>(scale)) {
    for (size_t i = dot + 1 + static_cast<size_t>(scale); i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return DecimalError::kMalformed;
    }
    if (dot + 1 == s.size()) return DecimalError::kMalformed;
    s = s.substr(0, scale == 0 ? dot : dot + 1 + static_cast<size_t>(scale));
  }
  return parse_fixed(s, scale, out);
}

// Integer from a JSON number or a string of digits (Bybit sends timestamps both ways).
inline CodecError token_i64(std::string_view tok, int64_t& out) noexcept {
  std::string_view s = tok;
  if (!tok.empty() && tok.front() == '"') {
    if (auto e = token_string(tok, s); e != CodecError::kOk) return e;
    if (s.empty()) {  // "" means "not set" in Bybit's string timestamps
      out = 0;
      return CodecError::kOk;
    }
  } else if (tok.empty() || !((tok.front() >= '0' && tok.front() <= '9') || tok.front() == '-')) {
    return CodecError::kWrongType;
  }
  if (!s.empty() && s.size() <= 18) {  // fast path: plain digits cannot overflow
    int64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && static_cast<unsigned>(s[i] - '0') < 10u; ++i) v = v * 10 + (s[i] - '0');
    if (i == s.size()) {
      out = v;
      return CodecError::kOk;
    }
  }
  int64_t v = 0;
  if (parse_fixed(s, 0, v) != DecimalError::kOk) return CodecError::kBadNumber;
  out = v;
  return CodecError::kOk;
}

inline CodecError token_bool(std::string_view tok, bool& out) noexcept {
  if (tok == "true") {
    out = true;
    return CodecError::kOk;
  }
  if (tok == "false") {
    out = false;
    return CodecError::kOk;
  }
  return CodecError::kWrongType;
}

inline CodecError parse_side(std::string_view s, Side& out) noexcept {
  if (s == "Buy") {
    out = Side::kBuy;
    return CodecError::kOk;
  }
  if (s == "Sell") {
    out = Side::kSell;
    return CodecError::kOk;
  }
  return CodecError::kBadValue;
}

// An instrument grid for the fast path: step = 10^(scale - eff_scale) * rem. Why: most Bybit steps
// are powers of ten (0.10 at scale 2 is 10^1), and then the grid check is "the dropped digits are
// zeros" and no division is needed.
// `scale` bounds the digits the fast paths take: integer digits + scale <= 18 keeps the value within
// int64 at the instrument's scale, where core reports kOverflow beyond (the step count alone could fit).
struct FastGrid {
  int eff_scale = 0;
  int64_t rem = 1;
  int scale = 0;
};
constexpr FastGrid make_grid(int scale, int64_t units) noexcept {
  FastGrid g{scale, units, scale};
  while (g.eff_scale > 0 && g.rem % 10 == 0) {
    g.rem /= 10;
    --g.eff_scale;
  }
  return g;
}

// v * 10^(eff_scale - frac) / rem when that divides exactly: the last step of the fast paths below.
// Preconditions: frac <= g.eff_scale, and v * 10^(eff_scale - frac) < 10^18.
inline bool grid_steps(uint64_t v, int frac, FastGrid g, int64_t& out) noexcept {
  static constexpr uint64_t kPow10[19] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
      10000000ull, 100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
      10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
      100000000000000000ull, 1000000000000000000ull};
  const auto sv = static_cast<int64_t>(v * kPow10[g.eff_scale - frac]);
  if (g.rem == 1) {
    out = sv;
    return true;
  }
  const int64_t q = sv / g.rem;
  if (q * g.rem != sv) return false;
  out = q;
  return true;
}

// Fast exact path for the common shape ("65114.20": plain digits, <= 18 significant digits at the
// grid's scale). Returns false for anything else, and the caller asks core's to_price/to_qty, so errors
// and unusual spellings get core's exact verdict; on success the value is the one core computes.
// Why: decimal conversion is most of the cost of an order-book delta (two per level).
inline bool fast_steps(std::string_view s, FastGrid g, int64_t& out) noexcept {
  const char* p = s.data();
  const char* const end = p + s.size();
  uint64_t v = 0;
  int digits = 0;
  while (p < end && static_cast<unsigned>(*p - '0') < 10u) {
    v = v * 10 + static_cast<unsigned>(*p - '0');
    ++p;
    ++digits;
  }
  if (digits == 0 || digits + g.scale > 18) return false;  // <= 18 digits cannot overflow int64
  int frac = 0;
  if (p < end) {
    if (*p != '.' || p + 1 == end) return false;
    for (++p; p < end; ++p) {
      const unsigned d = static_cast<unsigned>(*p - '0');
      if (d >= 10u) return false;
      if (frac < g.eff_scale) {
        v = v * 10 + d;
        ++frac;
      } else if (d != 0) {
        return false;  // off the grid or too many decimals: core reports which
      }
    }
  }
  return grid_steps(v, frac, g, out);
}

// A quoted decimal read straight from the input: p is at the opening quote and moves past the closing
// one. Accepts exactly the strings fast_steps accepts (a backslash or any other byte fails), with the
// same value. Why: one pass over the bytes instead of finding the closing quote first and converting
// after (order-book levels are two of these each).
inline bool scan_quoted_steps(const char*& p, const char* end, FastGrid g, int64_t& out) noexcept {
  const char* q = p;
  if (q >= end || *q != '"') return false;
  ++q;
  uint64_t v = 0;
  int digits = 0;
  for (; q < end; ++q, ++digits) {
    const unsigned d = static_cast<unsigned>(*q - '0');
    if (d >= 10u) break;
    v = v * 10 + d;
  }
  if (digits == 0 || digits + g.scale > 18) return false;
  int frac = 0;
  if (q < end && *q == '.') {
    const char* const first = ++q;
    for (; q < end; ++q) {
      const unsigned d = static_cast<unsigned>(*q - '0');
      if (d >= 10u) break;
      if (frac < g.eff_scale) {
        v = v * 10 + d;
        ++frac;
      } else if (d != 0) {
        return false;
      }
    }
    if (q == first) return false;  // "1." is not a decimal here either
  }
  if (q >= end || *q != '"') return false;
  if (!grid_steps(v, frac, g, out)) return false;
  p = q + 1;
  return true;
}

inline DecimalError fast_price(const Instrument& in, std::string_view s, Price& out) noexcept {
  if (fast_steps(s, make_grid(in.price_scale, in.tick_units), out.ticks)) return DecimalError::kOk;
  return to_price(in, s, out);
}
inline DecimalError fast_qty(const Instrument& in, std::string_view s, Qty& out) noexcept {
  if (fast_steps(s, make_grid(in.qty_scale, in.lot_units), out.lots)) return DecimalError::kOk;
  return to_qty(in, s, out);
}

// Decimal conversions of string tokens. `allow_empty`: Bybit's "" means "not set" -> 0.
inline CodecError token_price(const Instrument& in, std::string_view tok, Price& out, CodecStats& st,
                              bool allow_empty = false) noexcept {
  std::string_view s;
  if (auto e = token_string(tok, s); e != CodecError::kOk) return e;
  if (s.empty() && allow_empty) {
    out = Price{0};
    return CodecError::kOk;
  }
  if (auto d = fast_price(in, s, out); d != DecimalError::kOk) return bad_decimal(st, d);
  return CodecError::kOk;
}
inline CodecError token_qty(const Instrument& in, std::string_view tok, Qty& out, CodecStats& st,
                            bool allow_empty = false) noexcept {
  std::string_view s;
  if (auto e = token_string(tok, s); e != CodecError::kOk) return e;
  if (s.empty() && allow_empty) {
    out = Qty{0};
    return CodecError::kOk;
  }
  if (auto d = fast_qty(in, s, out); d != DecimalError::kOk) return bad_decimal(st, d);
  return CodecError::kOk;
}
// Fixed-point at `scale`, truncating; "" -> 0.
inline CodecError token_fixed(std::string_view tok, int scale, int64_t& out, CodecStats& st) noexcept {
  std::string_view s;
  if (auto e = token_string(tok, s); e != CodecError::kOk) return e;
  if (s.empty()) {
    out = 0;
    return CodecError::kOk;
  }
  if (auto d = parse_truncating(s, scale, out); d != DecimalError::kOk) return bad_decimal(st, d);
  return CodecError::kOk;
}
inline CodecError token_money(std::string_view tok, Money& out, CodecStats& st) noexcept {
  return token_fixed(tok, kMoneyScale, out.units, st);
}

// Fixed-size id copy; kBadValue when too long.
template <size_t N>
inline CodecError token_id(std::string_view tok, FixedString<N>& out) noexcept {
  std::string_view s;
  if (auto e = token_string(tok, s); e != CodecError::kOk) return e;
  return out.set(s) ? CodecError::kOk : CodecError::kBadValue;
}
// Text copy cut to N (messages are for logs; cutting them is harmless).
template <size_t N>
inline CodecError token_text(std::string_view tok, FixedString<N>& out, bool* cut = nullptr) noexcept {
  std::string_view s;
  if (auto e = token_string(tok, s); e != CodecError::kOk) return e;
  const bool too_long = s.size() > N;
  if (cut) *cut = too_long;
  (void)out.set(too_long ? s.substr(0, N) : s);
  return CodecError::kOk;
}

// Iterates an object's fields: fn(key, value) -> CodecError.
template <typename Fn>
CodecError for_fields(od::value v, Fn&& fn) noexcept {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return from_json(e);
  for (auto field_r : obj) {
    od::field field;
    if (auto e = std::move(field_r).get(field)) return from_json(e);
    std::string_view key;
    if (auto e = field_key(field, key); e != CodecError::kOk) return e;
    if (auto e = fn(key, field.value()); e != CodecError::kOk) return e;
  }
  return CodecError::kOk;
}

// Iterates an array's elements: fn(value) -> CodecError.
template <typename Fn>
CodecError for_items(od::value v, Fn&& fn) noexcept {
  od::array arr;
  if (auto e = v.get_array().get(arr)) return from_json(e);
  for (auto item_r : arr) {
    od::value item;
    if (auto e = std::move(item_r).get(item)) return from_json(e);
    if (auto e = fn(item); e != CodecError::kOk) return e;
  }
  return CodecError::kOk;
}

// Raw tokens of the keys of `keys` found in one object (others skipped); absent keys stay "".
// `end`: the frame's end (see raw_token).
template <size_t N>
CodecError collect_tokens(od::value item, const char* end, const KeyTable<N>& keys,
                          std::array<std::string_view, N>& toks) noexcept {
  toks = {};
  return for_fields(item, [&](std::string_view key, od::value v) noexcept {
    const int k = keys.find(key);
    if (k < 0) return CodecError::kOk;
    return raw_token(v, end, toks[static_cast<size_t>(k)]);
  });
}

// Looks up an item's symbol in the registry.
inline InstrumentId find_symbol(const InstrumentRegistry& reg, Category c, std::string_view tok) noexcept {
  std::string_view s;
  if (token_string(tok, s) != CodecError::kOk) return kNoInstrument;
  return reg.find(c, s);
}

// Decides the topic family from its prefix and resolves the public symbol into f (topic, symbol,
// instrument, depth, interval). kBadTopic / kUnknownInstrument as listed in bybit_codec.h.
CodecError classify_topic(const InstrumentRegistry& reg, std::string_view topic, Frame& f) noexcept;
// True for the top-level keys the simdjson path reads (topic, type, ts, data, cts, op, success, ...).
bool is_top_key(std::string_view key) noexcept;

// Whether a frame starts as Bybit spells trade frames, {"topic":"public (two word compares; the padding
// makes the 16 bytes readable): CodecImpl::run sends those to fast_trade first, other frames to fast_book.
inline bool trade_spelling(const char* p, size_t len) noexcept {
  static constexpr char kTradePrefix[] = "{\"topic\":\"public";
  static_assert(sizeof kTradePrefix - 1 == 16);
  uint64_t w[4];
  std::memcpy(w, p, 16);
  std::memcpy(w + 2, kTradePrefix, 16);
  return len > 16 && w[0] == w[2] && w[1] == w[3];
}

// Implementation entry points; each returns kOk or an error and fills the codec's buffers.
struct CodecImpl {
  // fast_trade for a frame that starts as Bybit spells trades ({"topic":"public...), fast_book for
  // any other; run_reference when the scanner does not take the frame.
  static ParseResult run(BybitCodec& c, const char* p, size_t len, Category public_category) noexcept;
  // The simdjson On-Demand path: the parser of record for every frame, and the one that reports errors.
  static ParseResult run_reference(BybitCodec& c, const char* p, size_t len, Category public_category) noexcept;
  // Strict single-pass scanner for the common orderbook frame (net/detail/book_scan.cpp). Takes the frame
  // (true: c.book_ and the level buffers filled, the result is {kOk, kBook}) only when it is plain JSON of
  // the exact well-formed shape: a top-level object with topic "orderbook.*" of a known instrument, type
  // "snapshot" / "delta", ts, optional cts, data {b, a, u, optional s (== the topic's symbol), optional
  // seq}, keys in any order, each at most once, unknown keys' values strictly valid JSON; keys and
  // strings without escapes, printable ASCII only; integers plain (1..18 digits, no sign, no leading
  // zero); decimals as fast_steps reads them. Anything else returns false, having changed nothing but the
  // level buffers and the topic memo (CodecParser::book_topics), and the frame goes to run_reference,
  // which decides.
  // Why: stage 1 plus the On-Demand walk cost more than the conversions on a 400-byte delta; the two
  // paths are checked to agree by tests/net/codec_differential_test.cpp.
  // Preconditions: as parse_padded (kPadding readable bytes after p[len)), len <= max_frame_bytes.
  static bool fast_book(BybitCodec& c, const char* p, size_t len, Category public_category) noexcept;
  // The same for publicTrade frames (net/detail/trade_scan.cpp). Takes the frame (true: c.trades_ and
  // c.trade_count_ filled, the result is {kOk, kTrade}) only when it is plain JSON of the exact shape: a
  // top-level object with topic "publicTrade.*" of a known instrument (not an option's base coin), ts,
  // optional type "snapshot" / "delta", optional cts, and data after the topic: an array of at most
  // max_trades items {T, S "Buy"/"Sell", v, p, optional s (== the topic's symbol), optional BT (true /
  // false), optional seq, unknown keys (L, i, RPI, ...) whose values are strictly valid JSON}, keys in
  // any order, each at most once; strings, integers and decimals as fast_book reads them. Anything else
  // returns false, having changed nothing but the trade buffer and the topic memo
  // (CodecParser::trade_topics), and run_reference decides.
  // Why: a trade frame through stage 1 and On-Demand cost about as much as the whole book update of the
  // same tick; the two paths are checked to agree by tests/net/codec_trade_scan_test.cpp.
  // Preconditions: as fast_book.
  static bool fast_trade(BybitCodec& c, const char* p, size_t len, Category public_category) noexcept;

  // Public topics (codec_public.cpp). `data` is the value of the top-level "data" key.
  static CodecError book_data(BybitCodec& c, Frame& f, od::value data) noexcept;
  static CodecError trade_data(BybitCodec& c, Frame& f, od::value data) noexcept;
  static CodecError ticker_data(BybitCodec& c, Frame& f, od::value data) noexcept;
  static CodecError kline_data(BybitCodec& c, Frame& f, od::value data) noexcept;
  static CodecError liquidation_data(BybitCodec& c, Frame& f, od::value data) noexcept;
  // After the top-level walk: applies ts/type/cts and merges tickers.
  static CodecError finish_public(BybitCodec& c, Frame& f) noexcept;

  // Private topics (codec_private.cpp).
  static CodecError order_data(BybitCodec& c, Frame& f, od::value data) noexcept;
  static CodecError execution_data(BybitCodec& c, Frame& f, od::value data) noexcept;
  static CodecError position_data(BybitCodec& c, Frame& f, od::value data) noexcept;
  static CodecError wallet_data(BybitCodec& c, Frame& f, od::value data) noexcept;
  static void finish_private(BybitCodec& c, Frame& f) noexcept;

  // Acks (codec_control.cpp).
  static void begin_ack(BybitCodec& c, Frame& f) noexcept;
  static CodecError ack_data(BybitCodec& c, Frame& f, od::value data) noexcept;
  static CodecError ack_header(BybitCodec& c, Frame& f, od::value v) noexcept;
  static CodecError ack_ext_info(BybitCodec& c, Frame& f, od::value v) noexcept;
  static CodecError ack_args(BybitCodec& c, Frame& f, od::value v) noexcept;
  // Classifies a frame without a topic and fills control_/trade_ack_ from the top-level scalars.
  static CodecError finish_ack(BybitCodec& c, Frame& f, MsgKind& kind) noexcept;
};

}  // namespace mm::detail
