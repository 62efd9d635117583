// The strict single-pass scanner for publicTrade frames (CodecImpl::fast_trade): see codec_impl.h for its
// contract. Every function here answers "accepted, with the value" or "not mine" (false); it never decides
// an error. The simdjson path (CodecImpl::run_reference, trade_data in codec_public.cpp) stays the parser
// of record: whatever is refused here is parsed there, and tests/net/codec_trade_scan_test.cpp checks that
// what is accepted here gets the same events there. The primitives, and what they may read past the frame,
// are in json_scan.h.
#include "net/detail/json_scan.h"

namespace mm::detail {

namespace {

using namespace scan;  // NOLINT(google-build-using-namespace): the scanner primitives

enum class ItemKey : uint8_t { kTime, kSymbol, kSide, kQty, kPrice, kBlock, kSeq, kOther };

// An item's key and colon, p at the key's opening quote, moves to the value. The keys of Bybit's spelling
// are compared as words; others byte by byte. The long spellings read_print also takes ("updatedTime",
// "symbol", "side", "size", "price": the liquidation object's) are not mine: an item may name a field
// twice through them, and the slow path decides which one counts.
inline bool item_key(const char*& p, const char* end, ItemKey& k) noexcept {
  const char* q = p;
  if (starts_with(q, end, "\"T\":")) {
    k = ItemKey::kTime;
  } else if (starts_with(q, end, "\"s\":")) {
    k = ItemKey::kSymbol;
  } else if (starts_with(q, end, "\"S\":")) {
    k = ItemKey::kSide;
  } else if (starts_with(q, end, "\"v\":")) {
    k = ItemKey::kQty;
  } else if (starts_with(q, end, "\"p\":")) {
    k = ItemKey::kPrice;
  } else if (starts_with(q, end, "\"L\":") || starts_with(q, end, "\"i\":")) {
    k = ItemKey::kOther;
  } else if (starts_with(q, end, "\"BT\":")) {
    k = ItemKey::kBlock;
    ++q;
  } else if (starts_with(q, end, "\"RPI\":")) {
    k = ItemKey::kOther;
    q += 2;
  } else if (starts_with(q, end, "\"seq\":")) {
    k = ItemKey::kSeq;
    q += 2;
  } else {
    std::string_view key;
    if (!member_key(p, end, key)) return false;
    if (key.size() == 1) {
      switch (key[0]) {
        case 'T':
          k = ItemKey::kTime;
          return true;
        case 's':
          k = ItemKey::kSymbol;
          return true;
        case 'S':
          k = ItemKey::kSide;
          return true;
        case 'v':
          k = ItemKey::kQty;
          return true;
        case 'p':
          k = ItemKey::kPrice;
          return true;
        default:
          k = ItemKey::kOther;
          return true;
      }
    }
    if (key_is(key, "BT", 2)) {
      k = ItemKey::kBlock;
    } else if (key_is(key, "seq", 3)) {
      k = ItemKey::kSeq;
    } else if (key_is(key, "updatedTime", 11) || key_is(key, "symbol", 6) || key_is(key, "side", 4) ||
               key_is(key, "size", 4) || key_is(key, "price", 5)) {
      return false;
    } else {
      k = ItemKey::kOther;
    }
    return true;
  }
  p = ws(q + 4, end);
  return true;
}

// One trade item {"T":N,"s":"S","S":"Buy"|"Sell","v":"qty","p":"price","BT":bool,"seq":N,...} in any
// order, each known key at most once, unknown keys' values strictly valid JSON (skipped, as read_print
// does). T, S, v and p are required; s, when present, must be the topic's symbol. Works on a local copy of
// the position (see scan_levels).
bool scan_trade(const char*& pos, const char* end, std::string_view symbol, FastGrid pg, FastGrid qg,
                TradeEvent& ev) noexcept {
  const char* p = pos;
  if (!at(p, end, '{')) return false;
  p = ws(p + 1, end);
  uint32_t seen = 0;  // 1 T, 2 s, 4 S, 8 v, 16 p, 32 BT, 64 seq
  int64_t seq = 0;
  bool block = false;
  for (;;) {
    ItemKey k;
    if (!item_key(p, end, k)) return false;
    uint32_t bit = 0;
    bool ok = false;
    switch (k) {
      case ItemKey::kTime:
        bit = 1;
        ok = scan_uint(p, end, ev.trade_ts_ms);
        break;
      case ItemKey::kSymbol: {
        bit = 2;
        std::string_view s;
        ok = scan_string(p, end, s) && s == symbol;
        break;
      }
      case ItemKey::kSide: {
        bit = 4;
        std::string_view s;
        ok = scan_string(p, end, s);
        if (s == "Buy") {
          ev.taker_side = Side::kBuy;
        } else if (s == "Sell") {
          ev.taker_side = Side::kSell;
        } else {
          ok = false;
        }
        break;
      }
      case ItemKey::kQty:
        bit = 8;
        ok = at(p, end, '"') && quoted_steps(p, end, qg, ev.qty.lots);
        break;
      case ItemKey::kPrice:
        bit = 16;
        ok = at(p, end, '"') && quoted_steps(p, end, pg, ev.price.ticks);
        break;
      case ItemKey::kBlock:
        bit = 32;
        if (skip_literal(p, end, "false")) {
          block = false;
          ok = true;
        } else if (skip_literal(p, end, "true")) {
          block = true;
          ok = true;
        }
        break;
      case ItemKey::kSeq:
        bit = 64;
        ok = scan_uint(p, end, seq);
        break;
      case ItemKey::kOther:
        ok = skip_value(p, end, 3);
        break;
    }
    if (!ok || (seen & bit) != 0) return false;  // not the plain shape, or a key met twice
    seen |= bit;
    p = ws(p, end);
    if (at(p, end, '}')) break;
    if (!at(p, end, ',')) return false;
    p = ws(p + 1, end);
  }
  constexpr uint32_t kRequired = 1 | 4 | 8 | 16;
  if ((seen & kRequired) != kRequired) return false;  // the slow path reports kMissingField
  ev.seq = seq;
  ev.block_trade = block;
  pos = p + 1;
  return true;
}

// The symbol's bytes and the closing quote at p (inside the frame): p moves past the quote. Word compares;
// the topic's symbol is plain, so this is scan_string's s == symbol.
inline bool eat_symbol(const char*& p, const char* end, std::string_view symbol) noexcept {
  const size_t n = symbol.size();
  if (static_cast<size_t>(end - p) <= n) return false;
  uint64_t diff = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) diff |= load8(p + i) ^ load8(symbol.data() + i);
  if (i < n) diff |= (load8(p + i) ^ load8(symbol.data() + i)) & low_bytes(n - i);
  if (diff != 0 || p[n] != '"') return false;
  p += n + 1;
  return true;
}

// The item as Bybit spells it, read straight through (no whitespace, this key order):
//   {"T":N,"s":"SYM","S":"Buy"|"Sell","v":"qty","p":"price","L":"..","i":"..","BT":bool,"RPI":bool,"seq":N}
// Every step is one scan_trade takes on this spelling, with the same value scanners, so what is taken here
// is what scan_trade would take; anything else returns false and scan_trade reads the item. Why: on the
// usual item, scan_trade's key dispatch and duplicate checks cost about as much as the values.
bool usual_trade(const char*& pos, const char* end, std::string_view symbol, FastGrid pg, FastGrid qg,
                 TradeEvent& ev) noexcept {
  const char* p = pos;
  if (!eat<"{\"T\":">(p, end) || !scan_uint(p, end, ev.trade_ts_ms)) return false;
  if (!eat<",\"s\":\"">(p, end) || !eat_symbol(p, end, symbol)) return false;
  if (eat<",\"S\":\"Buy\"">(p, end)) {
    ev.taker_side = Side::kBuy;
  } else if (eat<",\"S\":\"Sell\"">(p, end)) {
    ev.taker_side = Side::kSell;
  } else {
    return false;
  }
  if (!eat<",\"v\":">(p, end) || !at(p, end, '"') || !quoted_steps(p, end, qg, ev.qty.lots)) return false;
  if (!eat<",\"p\":">(p, end) || !at(p, end, '"') || !quoted_steps(p, end, pg, ev.price.ticks)) return false;
  std::string_view s;
  if (!eat<",\"L\":">(p, end) || !scan_string(p, end, s)) return false;
  if (!eat<",\"i\":">(p, end) || !scan_string(p, end, s)) return false;
  if (eat<",\"BT\":false">(p, end)) {
    ev.block_trade = false;
  } else if (eat<",\"BT\":true">(p, end)) {
    ev.block_trade = true;
  } else {
    return false;
  }
  if (!eat<",\"RPI\":false">(p, end) && !eat<",\"RPI\":true">(p, end)) return false;
  if (!eat<",\"seq\":">(p, end) || !scan_uint(p, end, ev.seq)) return false;
  if (!eat<"}">(p, end)) return false;
  pos = p;
  return true;
}

// The data array of trade items into out[0..count): at most `cap` items (more: the slow path reports
// kTooManyItems).
bool scan_trade_data(const char*& pos, const char* end, const TopicHit& topic, const Instrument& in,
                     TradeEvent* out, uint32_t cap, uint32_t& count) noexcept {
  const char* p = pos;
  if (!at(p, end, '[')) return false;
  p = ws(p + 1, end);
  uint32_t n = 0;
  if (!at(p, end, ']')) {
    const FastGrid pg = make_grid(in.price_scale, in.tick_units);
    const FastGrid qg = make_grid(in.qty_scale, in.lot_units);
    for (;;) {
      if (n == cap) return false;
      TradeEvent& ev = out[n];
      if (!usual_trade(p, end, topic.symbol, pg, qg, ev) && !scan_trade(p, end, topic.symbol, pg, qg, ev)) {
        return false;
      }
      ev.instrument = topic.instrument;
      ++n;
      p = ws(p, end);
      if (at(p, end, ']')) break;
      if (!at(p, end, ',')) return false;
      p = ws(p + 1, end);
    }
  }
  pos = p + 1;
  count = n;
  return true;
}

}  // namespace

bool CodecImpl::fast_trade(BybitCodec& c, const char* p, size_t len, Category public_category) noexcept {
  const char* const end = p + len;
  p = ws(p, end);
  if (!at(p, end, '{')) return false;
  p = ws(p + 1, end);
  TopicHit topic;
  bool has_topic = false, has_type = false, has_ts = false, has_cts = false, data_seen = false;
  int64_t ts = 0, cts = 0;
  uint32_t count = 0;
  for (;;) {
    TopKey k;
    std::string_view key;
    if (!top_key(p, end, k, key) || p >= end) return false;
    bool ok = false;
    switch (k) {
      case TopKey::kTs:
        ok = !has_ts && scan_uint(p, end, ts);
        has_ts = true;
        break;
      case TopKey::kCts:  // read and checked by the slow path, not used for trades
        ok = !has_cts && scan_uint(p, end, cts);
        has_cts = true;
        break;
      case TopKey::kType: {  // "snapshot" (Bybit's) or "delta": checked, not used for trades
        std::string_view t;
        ok = !has_type && scan_string(p, end, t) && (t == "snapshot" || t == "delta");
        has_type = true;
        break;
      }
      case TopKey::kData:
        // Data before the topic is not mine (the slow path re-reads it after a rewind).
        ok = has_topic && !data_seen &&
             scan_trade_data(p, end, topic, c.registry_.get(topic.instrument), c.trades_.data(),
                             c.limits_.max_trades, count);
        data_seen = true;
        break;
      case TopKey::kTopic:
        // A topic without a known symbol (option trades per base coin) names its instrument per item: not
        // mine.
        ok = !has_topic &&
             memo_topic(c.parser_->trade_topics, c.registry_, p, end, public_category, Topic::kTrade, topic);
        has_topic = true;
        break;
      case TopKey::kOther:
        ok = !is_top_key(key) && skip_value(p, end, 1);
        break;
    }
    // A key the slow path reads (op, success, cs, ...), a duplicate, or a value not of the plain shape.
    if (!ok) return false;
    p = ws(p, end);
    if (at(p, end, '}')) break;
    if (!at(p, end, ',')) return false;
    p = ws(p + 1, end);
  }
  p = ws(p + 1, end);
  if (p != end || !has_ts || !data_seen) return false;
  for (uint32_t i = 0; i < count; ++i) c.trades_[i].ts_ms = ts;
  c.trade_count_ = count;
  return true;
}

}  // namespace mm::detail
