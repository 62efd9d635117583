// The strict single-pass scanner for orderbook frames (CodecImpl::fast_book): see codec_impl.h for its
// contract. Every function here answers "accepted, with the value" or "not mine" (false); it never decides
// an error. The simdjson path (CodecImpl::run_reference) stays the parser of record: whatever is refused
// here is parsed there, and tests/net/codec_differential_test.cpp checks that what is accepted here gets
// the same event there. The primitives, and what they may read past the frame, are in json_scan.h.
#include <cstring>

#include "net/detail/json_scan.h"

namespace mm::detail {

namespace {

using namespace scan;  // NOLINT(google-build-using-namespace): the scanner primitives

// Works on a local copy of the position (stored back on success): through the reference, every step
// would be a store the compiler cannot drop.
bool scan_levels(const char*& pos, const char* end, FastGrid pg, FastGrid qg, PriceLevel* out, uint32_t cap,
                 uint32_t& count) noexcept {
  const char* p = pos;
  if (!at(p, end, '[')) return false;
  p = ws(p + 1, end);
  uint32_t n = 0;
  if (at(p, end, ']')) {
    pos = p + 1;
    count = 0;
    return true;
  }
  if (!at(p, end, '[')) return false;
  p = ws(p + 1, end);
  if (!at(p, end, '"')) return false;
  for (;;) {
    // p at the opening quote of level n's price, inside the frame.
    if (n == cap || !quoted_steps(p, end, pg, out[n].price.ticks)) return false;
    if (starts_with(p, end, ",\"")) {
      ++p;
    } else {
      p = ws(p, end);
      if (!at(p, end, ',')) return false;
      p = ws(p + 1, end);
      if (!at(p, end, '"')) return false;
    }
    if (!quoted_steps(p, end, qg, out[n].qty.lots)) return false;
    ++n;
    if (starts_with(p, end, "],[\"")) {  // the next level
      p += 3;
      continue;
    }
    if (starts_with(p, end, "]]")) {  // the last level
      p += 2;
      break;
    }
    p = ws(p, end);
    if (!at(p, end, ']')) return false;
    p = ws(p + 1, end);
    if (at(p, end, ']')) {
      ++p;
      break;
    }
    if (!at(p, end, ',')) return false;
    p = ws(p + 1, end);
    if (!at(p, end, '[')) return false;
    p = ws(p + 1, end);
    if (!at(p, end, '"')) return false;
  }
  pos = p;
  count = n;
  return true;
}

// What the data object gives (book_data's fields).
struct BookScan {
  int64_t update_id = 0;
  int64_t seq = 0;
  uint32_t bid_count = 0;
  uint32_t ask_count = 0;
};

enum class DataKey : uint8_t { kBids, kAsks, kUpdateId, kSeq, kSymbol, kOther };

inline bool data_key(const char*& p, const char* end, DataKey& k) noexcept {
  const char* q = p;
  if (starts_with(q, end, "\"b\":")) {
    k = DataKey::kBids;
    q += 4;
  } else if (starts_with(q, end, "\"a\":")) {
    k = DataKey::kAsks;
    q += 4;
  } else if (starts_with(q, end, "\"u\":")) {
    k = DataKey::kUpdateId;
    q += 4;
  } else if (starts_with(q, end, "\"s\":")) {
    k = DataKey::kSymbol;
    q += 4;
  } else if (starts_with(q, end, "\"seq\":")) {
    k = DataKey::kSeq;
    q += 6;
  } else {
    std::string_view key;
    if (!member_key(p, end, key)) return false;
    if (key.size() == 1 && key[0] == 'b') {
      k = DataKey::kBids;
    } else if (key.size() == 1 && key[0] == 'a') {
      k = DataKey::kAsks;
    } else if (key.size() == 1 && key[0] == 'u') {
      k = DataKey::kUpdateId;
    } else if (key.size() == 1 && key[0] == 's') {
      k = DataKey::kSymbol;
    } else if (key_is(key, "seq", 3)) {
      k = DataKey::kSeq;
    } else {
      k = DataKey::kOther;
    }
    return true;
  }
  p = ws(q, end);
  return true;
}

// The data object {"s":..,"b":[..],"a":[..],"u":..,"seq":..} in any order; unknown keys skipped (as
// book_data does). A duplicate known key, a symbol other than the topic's, or a missing b / a / u is left
// to the slow path (which reports kSymbolMismatch / kMissingField, or lets the last duplicate win).
bool scan_book_data(const char*& p, const char* end, std::string_view symbol, const Instrument& in,
                    PriceLevel* bids, PriceLevel* asks, uint32_t cap, BookScan& out) noexcept {
  if (!at(p, end, '{')) return false;
  p = ws(p + 1, end);
  const FastGrid pg = make_grid(in.price_scale, in.tick_units);
  const FastGrid qg = make_grid(in.qty_scale, in.lot_units);
  uint32_t seen = 0;  // 1 b, 2 a, 4 u, 8 seq, 16 s
  for (;;) {
    DataKey k;
    if (!data_key(p, end, k)) return false;
    uint32_t bit = 0;
    bool ok = false;
    switch (k) {
      case DataKey::kBids: bit = 1; ok = !(seen & bit) && scan_levels(p, end, pg, qg, bids, cap, out.bid_count); break;
      case DataKey::kAsks: bit = 2; ok = !(seen & bit) && scan_levels(p, end, pg, qg, asks, cap, out.ask_count); break;
      case DataKey::kUpdateId: bit = 4; ok = !(seen & bit) && scan_uint(p, end, out.update_id); break;
      case DataKey::kSeq: bit = 8; ok = !(seen & bit) && scan_uint(p, end, out.seq); break;
      case DataKey::kSymbol: {
        bit = 16;
        std::string_view s;
        ok = !(seen & bit) && scan_string(p, end, s) && s == symbol;
        break;
      }
      case DataKey::kOther: ok = skip_value(p, end, 2); break;
    }
    if (!ok) return false;
    seen |= bit;
    p = ws(p, end);
    if (at(p, end, '}')) break;
    if (!at(p, end, ',')) return false;
    p = ws(p + 1, end);
  }
  ++p;
  return (seen & 7) == 7;
}

// The frame as Bybit spells it, read straight through:
//   {"topic":"orderbook.D.S","type":"delta"|"snapshot","ts":N,"data":{"s":"S","b":[..],"a":[..],"u":N
//   [,"seq":N]}[,"cts":N]}     ("ts" may come before "type"; no whitespace anywhere).
// Every step is the one fast_book's general loop takes on this spelling, with the same value scanners, so
// what is taken here is what the loop would take; anything else (and a topic not yet in the memo) returns
// false and the general loop decides. Why: on the usual frame the loop's key dispatch, duplicate checks
// and whitespace tests cost about as much as the values.
// The codec's parts the scanners use (BybitCodec's members are CodecImpl's to read).
struct BookSink {
  TopicCache& topics;
  const InstrumentRegistry& registry;
  PriceLevel* bids;
  PriceLevel* asks;
  uint32_t cap;
  BookUpdate& book;
};

bool usual_book(const BookSink& c, const char* p, const char* end, Category cat) noexcept {
  if (!eat<"{\"topic\":">(p, end)) return false;
  TopicHit t;
  if (!at(p, end, '"') || !cached_topic(c.topics, p, end, cat, t)) return false;
  bool snapshot = false;
  int64_t ts = 0;
  if (eat<",\"type\":\"delta\",\"ts\":">(p, end)) {
    if (!scan_uint(p, end, ts)) return false;
  } else if (eat<",\"type\":\"snapshot\",\"ts\":">(p, end)) {
    snapshot = true;
    if (!scan_uint(p, end, ts)) return false;
  } else if (eat<",\"ts\":">(p, end)) {
    if (!scan_uint(p, end, ts)) return false;
    if (eat<",\"type\":\"snapshot\"">(p, end)) {
      snapshot = true;
    } else if (!eat<",\"type\":\"delta\"">(p, end)) {
      return false;
    }
  } else {
    return false;
  }
  if (!eat<",\"data\":{\"s\":\"">(p, end)) return false;
  // The symbol's bytes and the closing quote, inside the frame (the topic's symbol is plain, so this is
  // scan_string's s == symbol). Word reads past either side stay inside the frame or its padding.
  const size_t sn = t.symbol.size();
  if (static_cast<size_t>(end - p) <= sn) return false;
  uint64_t diff = 0;
  size_t i = 0;
  for (; i + 8 <= sn; i += 8) diff |= load8(p + i) ^ load8(t.symbol.data() + i);
  if (i < sn) diff |= (load8(p + i) ^ load8(t.symbol.data() + i)) & low_bytes(sn - i);
  if (diff != 0 || p[sn] != '"') return false;
  p += sn + 1;
  const Instrument& in = c.registry.get(t.instrument);
  const FastGrid pg = make_grid(in.price_scale, in.tick_units);
  const FastGrid qg = make_grid(in.qty_scale, in.lot_units);
  BookScan bs;
  if (!eat<",\"b\":">(p, end) || !scan_levels(p, end, pg, qg, c.bids, c.cap, bs.bid_count)) return false;
  if (!eat<",\"a\":">(p, end) || !scan_levels(p, end, pg, qg, c.asks, c.cap, bs.ask_count)) return false;
  if (!eat<",\"u\":">(p, end) || !scan_uint(p, end, bs.update_id)) return false;
  if (eat<",\"seq\":">(p, end) && !scan_uint(p, end, bs.seq)) return false;
  if (!eat<"}">(p, end)) return false;
  int64_t cts = 0;
  if (eat<",\"cts\":">(p, end) && !scan_uint(p, end, cts)) return false;
  if (!eat<"}">(p, end) || p != end) return false;
  BookUpdate& b = c.book;
  b.instrument = t.instrument;
  b.snapshot = snapshot;
  b.depth = t.depth;
  b.update_id = bs.update_id;
  b.seq = bs.seq;
  b.ts_ms = ts;
  b.cts_ms = cts;
  b.bids = c.bids;
  b.bid_count = bs.bid_count;
  b.asks = c.asks;
  b.ask_count = bs.ask_count;
  return true;
}

}  // namespace

bool CodecImpl::fast_book(BybitCodec& c, const char* p, size_t len, Category public_category) noexcept {
  const char* const end = p + len;
  const BookSink sink{c.parser_->book_topics, c.registry_, c.bids_.data(), c.asks_.data(),
                      c.limits_.max_levels_per_side, c.book_};
  if (usual_book(sink, p, end, public_category)) [[likely]] return true;
  p = ws(p, end);
  if (!at(p, end, '{')) return false;
  p = ws(p + 1, end);
  TopicHit topic;
  bool has_topic = false, has_type = false, snapshot = false, has_ts = false, data_seen = false, has_cts = false;
  int64_t ts = 0, cts = 0;
  const char* data_at = nullptr;  // "data" met before "topic": scanned for validity, converted at the end
  BookScan bs;
  const uint32_t cap = c.limits_.max_levels_per_side;
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
      case TopKey::kCts:
        ok = !has_cts && scan_uint(p, end, cts);
        has_cts = true;
        break;
      case TopKey::kType: {
        std::string_view t;
        ok = !has_type && scan_string(p, end, t);
        if (t == "delta") {
          snapshot = false;
        } else if (t == "snapshot") {
          snapshot = true;
        } else {
          ok = false;
        }
        has_type = true;
        break;
      }
      case TopKey::kData:
        if (data_seen) return false;
        data_seen = true;
        if (has_topic) {
          ok = scan_book_data(p, end, topic.symbol, c.registry_.get(topic.instrument), c.bids_.data(),
                              c.asks_.data(), cap, bs);
        } else {
          data_at = p;
          ok = skip_value(p, end, 1);
        }
        break;
      case TopKey::kTopic:
        ok = !has_topic &&
             memo_topic(c.parser_->book_topics, c.registry_, p, end, public_category, Topic::kBook, topic);
        has_topic = true;
        break;
      case TopKey::kOther: ok = !is_top_key(key) && skip_value(p, end, 1); break;
    }
    // A key the slow path reads (op, success, cs, ...), a duplicate, or a value not of the plain shape.
    if (!ok) return false;
    p = ws(p, end);
    if (at(p, end, '}')) break;
    if (!at(p, end, ',')) return false;
    p = ws(p + 1, end);
  }
  p = ws(p + 1, end);
  if (p != end || !has_topic || !has_type || !has_ts || !data_seen) return false;
  if (data_at != nullptr && !scan_book_data(data_at, end, topic.symbol, c.registry_.get(topic.instrument),
                                            c.bids_.data(), c.asks_.data(), cap, bs)) {
    return false;
  }
  BookUpdate& b = c.book_;
  b.instrument = topic.instrument;
  b.snapshot = snapshot;
  b.depth = topic.depth;
  b.update_id = bs.update_id;
  b.seq = bs.seq;
  b.ts_ms = ts;
  b.cts_ms = cts;
  b.bids = c.bids_.data();
  b.bid_count = bs.bid_count;
  b.asks = c.asks_.data();
  b.ask_count = bs.ask_count;
  return true;
}

}  // namespace mm::detail
