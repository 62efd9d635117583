// Public topics: orderbook, publicTrade, tickers, kline, liquidation / allLiquidation.
// The instrument comes from the topic (public data does not always repeat the symbol before the prices).
#include "net/detail/codec_impl.h"

namespace mm::detail {

namespace {

const char* skip_ws(const char* p, const char* end) noexcept {
  while (p < end && is_ws(*p)) ++p;
  return p;
}

// Fast path for a whole side: reads [["price","size"], ...] straight from the input bytes (bounded by
// `end`) into out[0..count) and converts every level on the common decimal shape. Returns false for
// anything else (escapes, other types, unusual decimals, more than `cap` levels, a truncated array), and
// the caller then takes the simdjson path from the start, which gives the exact verdict. On success the
// array is valid JSON ending where simdjson's structural index says, so leaving it unconsumed for the
// enclosing iteration to skip is safe. Why: walking each level through On-Demand costs more than the
// conversions.
bool fast_levels(const char* p, const char* end, FastGrid price_grid, FastGrid qty_grid, PriceLevel* out,
                 uint32_t cap, uint32_t& count) noexcept {
  if (p >= end || *p != '[') return false;
  p = skip_ws(p + 1, end);
  uint32_t n = 0;
  if (p < end && *p == ']') {
    count = 0;
    return true;
  }
  for (;;) {
    if (n == cap || p >= end || *p != '[') return false;
    p = skip_ws(p + 1, end);
    if (!scan_quoted_steps(p, end, price_grid, out[n].price.ticks)) return false;
    p = skip_ws(p, end);
    if (p >= end || *p != ',') return false;
    p = skip_ws(p + 1, end);
    if (!scan_quoted_steps(p, end, qty_grid, out[n].qty.lots)) return false;
    p = skip_ws(p, end);
    if (p >= end || *p != ']') return false;
    ++n;
    p = skip_ws(p + 1, end);
    if (p >= end) return false;
    if (*p == ']') break;
    if (*p != ',') return false;
    p = skip_ws(p + 1, end);
  }
  count = n;
  return true;
}

// [["price","size"], ...] into out[0..count).
CodecError parse_levels(od::value v, const Instrument& in, PriceLevel* out, uint32_t cap, uint32_t& count,
                        CodecStats& st, const char* input_end) noexcept {
  const FastGrid price_grid = make_grid(in.price_scale, in.tick_units);
  const FastGrid qty_grid = make_grid(in.qty_scale, in.lot_units);
  if (fast_levels(v.raw_json_token().data(), input_end, price_grid, qty_grid, out, cap, count)) [[likely]] {
    return CodecError::kOk;
  }
  od::array arr;
  if (auto e = v.get_array().get(arr)) return from_json(e);
  uint32_t n = 0;
  for (auto level_r : arr) {
    od::value level;
    if (auto e = std::move(level_r).get(level)) return from_json(e);
    if (n == cap) return CodecError::kTooManyLevels;
    od::array pair;
    if (auto e = level.get_array().get(pair)) return from_json(e);
    PriceLevel& pl = out[n];
    int idx = 0;
    for (auto x_r : pair) {
      od::value x;
      if (auto e = std::move(x_r).get(x)) return from_json(e);
      std::string_view s;
      if (auto e = raw_string(x, input_end, s); e != CodecError::kOk) return e;
      DecimalError d;
      if (idx == 0) {
        d = fast_price(in, s, pl.price);
      } else if (idx == 1) {
        d = fast_qty(in, s, pl.qty);
      } else {
        return CodecError::kWrongType;  // a level is exactly [price, size]
      }
      if (d != DecimalError::kOk) return bad_decimal(st, d);
      ++idx;
    }
    if (idx != 2) return CodecError::kMissingField;
    ++n;
  }
  count = n;
  return CodecError::kOk;
}

// data.s / data.symbol must name the topic's instrument.
CodecError check_symbol(const Frame& f, od::value v) noexcept {
  std::string_view s;
  if (auto e = raw_string(v, f.input_end, s); e != CodecError::kOk) return e;
  return s == f.symbol ? CodecError::kOk : CodecError::kSymbolMismatch;
}

constexpr std::array<std::string_view, 25> kTickerKeyNames = {
    "symbol", "lastPrice", "markPrice", "indexPrice", "bid1Price", "bid1Size", "ask1Price", "ask1Size",
    "bidPrice", "bidSize", "askPrice", "askSize", "fundingRate", "nextFundingTime", "openInterest",
    "openInterestValue", "volume24h", "turnover24h", "highPrice24h", "lowPrice24h", "prevPrice24h",
    "price24hPcnt", "usdIndexPrice", "prevPrice1h", "underlyingPrice"};
constexpr KeyTable<25> kTickerKeys{kTickerKeyNames};

CodecError ticker_field(const Instrument& in, const Frame& f, int k, od::value v, Ticker& t, CodecStats& st) noexcept {
  if (k == 0) return check_symbol(f, v);
  std::string_view tok;
  if (auto e = raw_token(v, f.input_end, tok); e != CodecError::kOk) return e;
  const int ref = t.ref_scale;
  // Bybit sends "" for fields without a value (preOpenPrice, options' bid when none): they read as 0.
  switch (k) {
    case 1: t.present |= kTickerLastPrice; return token_price(in, tok, t.last_price, st, true);
    case 2: t.present |= kTickerMarkPrice; return token_fixed(tok, ref, t.mark_price, st);
    case 3: t.present |= kTickerIndexPrice; return token_fixed(tok, ref, t.index_price, st);
    case 4: case 8: t.present |= kTickerBid1; return token_price(in, tok, t.bid1_price, st, true);
    case 5: case 9: t.present |= kTickerBid1Size; return token_qty(in, tok, t.bid1_size, st, true);
    case 6: case 10: t.present |= kTickerAsk1; return token_price(in, tok, t.ask1_price, st, true);
    case 7: case 11: t.present |= kTickerAsk1Size; return token_qty(in, tok, t.ask1_size, st, true);
    case 12: t.present |= kTickerFundingRate; return token_fixed(tok, kRateScale, t.funding_rate, st);
    case 13: t.present |= kTickerNextFunding; return token_i64(tok, t.next_funding_time_ms);
    case 14: t.present |= kTickerOpenInterest; return token_qty(in, tok, t.open_interest, st, true);
    case 15: t.present |= kTickerOpenInterestValue; return token_money(tok, t.open_interest_value, st);
    case 16: t.present |= kTickerVolume24h; return token_qty(in, tok, t.volume_24h, st, true);
    case 17: t.present |= kTickerTurnover24h; return token_money(tok, t.turnover_24h, st);
    case 18: t.present |= kTickerHigh24h; return token_price(in, tok, t.high_24h, st, true);
    case 19: t.present |= kTickerLow24h; return token_price(in, tok, t.low_24h, st, true);
    case 20: t.present |= kTickerPrev24h; return token_price(in, tok, t.prev_price_24h, st, true);
    case 21: t.present |= kTickerPrice24hPcnt; return token_fixed(tok, kRateScale, t.price_24h_pcnt, st);
    case 22: t.present |= kTickerUsdIndexPrice; return token_fixed(tok, ref, t.usd_index_price, st);
    case 23: t.present |= kTickerPrev1h; return token_price(in, tok, t.prev_price_1h, st, true);
    case 24: t.present |= kTickerUnderlyingPrice; return token_fixed(tok, ref, t.underlying_price, st);
    default: return CodecError::kOk;
  }
}

// Copies the fields named in `mask` from src into dst.
void merge_ticker(Ticker& d, const Ticker& s, uint32_t m) noexcept {
  if (m & kTickerLastPrice) d.last_price = s.last_price;
  if (m & kTickerMarkPrice) d.mark_price = s.mark_price;
  if (m & kTickerIndexPrice) d.index_price = s.index_price;
  if (m & kTickerBid1) d.bid1_price = s.bid1_price;
  if (m & kTickerBid1Size) d.bid1_size = s.bid1_size;
  if (m & kTickerAsk1) d.ask1_price = s.ask1_price;
  if (m & kTickerAsk1Size) d.ask1_size = s.ask1_size;
  if (m & kTickerFundingRate) d.funding_rate = s.funding_rate;
  if (m & kTickerNextFunding) d.next_funding_time_ms = s.next_funding_time_ms;
  if (m & kTickerOpenInterest) d.open_interest = s.open_interest;
  if (m & kTickerOpenInterestValue) d.open_interest_value = s.open_interest_value;
  if (m & kTickerVolume24h) d.volume_24h = s.volume_24h;
  if (m & kTickerTurnover24h) d.turnover_24h = s.turnover_24h;
  if (m & kTickerHigh24h) d.high_24h = s.high_24h;
  if (m & kTickerLow24h) d.low_24h = s.low_24h;
  if (m & kTickerPrev24h) d.prev_price_24h = s.prev_price_24h;
  if (m & kTickerPrice24hPcnt) d.price_24h_pcnt = s.price_24h_pcnt;
  if (m & kTickerUsdIndexPrice) d.usd_index_price = s.usd_index_price;
  if (m & kTickerPrev1h) d.prev_price_1h = s.prev_price_1h;
  if (m & kTickerUnderlyingPrice) d.underlying_price = s.underlying_price;
}

constexpr std::array<std::string_view, 11> kKlineKeyNames = {
    "start", "end", "open", "close", "high", "low", "volume", "turnover", "confirm", "timestamp", "interval"};
constexpr KeyTable<11> kKlineKeys{kKlineKeyNames};
constexpr uint32_t kKlineRequired = (1u << 10) - 1;  // every key but "interval"

// Trade items and both liquidation shapes share the short keys (T, s, S, v, p); the legacy
// liquidation object spells them out.
constexpr std::array<std::string_view, 12> kPrintKeyNames = {
    "T", "s", "S", "v", "p", "BT", "seq", "updatedTime", "symbol", "side", "size", "price"};
constexpr KeyTable<12> kPrintKeys{kPrintKeyNames};

// Raw tokens of one trade / liquidation item (views into the input).
struct PrintTokens {
  std::string_view time, symbol, side, qty, price, block, seq;
};

CodecError read_print(od::value item, const char* input_end, PrintTokens& t) noexcept {
  return for_fields(item, [&](std::string_view key, od::value v) noexcept {
    const int k = kPrintKeys.find(key);
    if (k < 0) return CodecError::kOk;
    std::string_view tok;
    if (auto e = raw_token(v, input_end, tok); e != CodecError::kOk) return e;
    switch (k) {
      case 0: case 7: t.time = tok; break;
      case 1: case 8: t.symbol = tok; break;
      case 2: case 9: t.side = tok; break;
      case 3: case 10: t.qty = tok; break;
      case 4: case 11: t.price = tok; break;
      case 5: t.block = tok; break;
      case 6: t.seq = tok; break;
      default: break;
    }
    return CodecError::kOk;
  });
}

// The instrument of one item: the topic's, unless the item names another symbol (option trades are
// published per base coin, so the topic has none).
CodecError print_instrument(const InstrumentRegistry& reg, const Frame& f, std::string_view symbol_tok,
                            InstrumentId& id) noexcept {
  if (symbol_tok.empty()) {
    if (f.instrument == kNoInstrument) return CodecError::kMissingField;
    id = f.instrument;
    return CodecError::kOk;
  }
  std::string_view s;
  if (auto e = token_string(symbol_tok, s); e != CodecError::kOk) return e;
  if (f.instrument != kNoInstrument) {
    if (s != f.symbol) return CodecError::kSymbolMismatch;
    id = f.instrument;
    return CodecError::kOk;
  }
  id = reg.find(f.public_category, s);
  return id == kNoInstrument ? CodecError::kUnknownInstrument : CodecError::kOk;
}

}  // namespace

CodecError CodecImpl::book_data(BybitCodec& c, Frame& f, od::value data) noexcept {
  const Instrument& in = c.registry_.get(f.instrument);
  BookUpdate& b = c.book_;
  b.seq = 0;
  uint32_t seen = 0;  // 1: b, 2: a, 4: u
  const CodecError e = for_fields(data, [&](std::string_view key, od::value v) noexcept {
    if (key.size() == 1) {
      switch (key[0]) {
        case 's': return check_symbol(f, v);
        case 'b':
          seen |= 1;
          return parse_levels(v, in, c.bids_.data(), c.limits_.max_levels_per_side, b.bid_count, c.stats_, f.input_end);
        case 'a':
          seen |= 2;
          return parse_levels(v, in, c.asks_.data(), c.limits_.max_levels_per_side, b.ask_count, c.stats_, f.input_end);
        case 'u': {
          seen |= 4;
          std::string_view tok;
          if (auto err = raw_token(v, f.input_end, tok); err != CodecError::kOk) return err;
          return token_i64(tok, b.update_id);
        }
        default: return CodecError::kOk;
      }
    }
    if (key == "seq") {
      std::string_view tok;
      if (auto err = raw_token(v, f.input_end, tok); err != CodecError::kOk) return err;
      return token_i64(tok, b.seq);
    }
    return CodecError::kOk;
  });
  if (e != CodecError::kOk) return e;
  return seen == 7 ? CodecError::kOk : CodecError::kMissingField;
}

CodecError CodecImpl::trade_data(BybitCodec& c, Frame& f, od::value data) noexcept {
  uint32_t n = 0;
  c.trade_count_ = 0;
  const CodecError e = for_items(data, [&](od::value item) noexcept {
    if (n == c.limits_.max_trades) return CodecError::kTooManyItems;
    PrintTokens t;
    if (auto err = read_print(item, f.input_end, t); err != CodecError::kOk) return err;
    if (t.time.empty() || t.side.empty() || t.qty.empty() || t.price.empty()) return CodecError::kMissingField;
    TradeEvent& ev = c.trades_[n];
    if (auto err = print_instrument(c.registry_, f, t.symbol, ev.instrument); err != CodecError::kOk) return err;
    const Instrument& in = c.registry_.get(ev.instrument);
    std::string_view side;
    if (auto err = token_string(t.side, side); err != CodecError::kOk) return err;
    if (auto err = parse_side(side, ev.taker_side); err != CodecError::kOk) return err;
    if (auto err = token_price(in, t.price, ev.price, c.stats_); err != CodecError::kOk) return err;
    if (auto err = token_qty(in, t.qty, ev.qty, c.stats_); err != CodecError::kOk) return err;
    if (auto err = token_i64(t.time, ev.trade_ts_ms); err != CodecError::kOk) return err;
    ev.seq = 0;
    if (!t.seq.empty()) {
      if (auto err = token_i64(t.seq, ev.seq); err != CodecError::kOk) return err;
    }
    ev.block_trade = false;
    if (!t.block.empty()) {
      if (auto err = token_bool(t.block, ev.block_trade); err != CodecError::kOk) return err;
    }
    ++n;
    return CodecError::kOk;
  });
  if (e != CodecError::kOk) return e;
  c.trade_count_ = n;
  return CodecError::kOk;
}

CodecError CodecImpl::ticker_data(BybitCodec& c, Frame& f, od::value data) noexcept {
  if (f.instrument >= c.tickers_.size()) return CodecError::kUnknownInstrument;  // added after construction
  const Instrument& in = c.registry_.get(f.instrument);
  Ticker& t = c.scratch_ticker_;
  t = Ticker{};
  t.instrument = f.instrument;
  t.category = in.category;
  t.ref_scale = static_cast<int8_t>(ref_price_scale(in.price_scale));
  return for_fields(data, [&](std::string_view key, od::value v) noexcept {
    const int k = kTickerKeys.find(key);
    if (k < 0) return CodecError::kOk;
    return ticker_field(in, f, k, v, t, c.stats_);
  });
}

CodecError CodecImpl::kline_data(BybitCodec& c, Frame& f, od::value data) noexcept {
  const Instrument& in = c.registry_.get(f.instrument);
  uint32_t n = 0;
  c.item_count_ = 0;
  const CodecError e = for_items(data, [&](od::value item) noexcept {
    if (n == c.limits_.max_items) return CodecError::kTooManyItems;
    Kline& k = c.klines_[n];
    k = Kline{};
    k.instrument = f.instrument;
    k.interval_minutes = f.interval_minutes;
    uint32_t seen = 0;
    const CodecError err = for_fields(item, [&](std::string_view key, od::value v) noexcept {
      const int idx = kKlineKeys.find(key);
      if (idx < 0 || idx == 10) return CodecError::kOk;
      seen |= 1u << idx;
      std::string_view tok;
      if (auto e2 = raw_token(v, f.input_end, tok); e2 != CodecError::kOk) return e2;
      switch (idx) {
        case 0: return token_i64(tok, k.start_ms);
        case 1: return token_i64(tok, k.end_ms);
        case 2: return token_price(in, tok, k.open, c.stats_);
        case 3: return token_price(in, tok, k.close, c.stats_);
        case 4: return token_price(in, tok, k.high, c.stats_);
        case 5: return token_price(in, tok, k.low, c.stats_);
        case 6: return token_qty(in, tok, k.volume, c.stats_);
        case 7: return token_money(tok, k.turnover, c.stats_);
        case 8: return token_bool(tok, k.confirm);
        case 9: return token_i64(tok, k.timestamp_ms);
        default: return CodecError::kOk;
      }
    });
    if (err != CodecError::kOk) return err;
    if (seen != kKlineRequired) return CodecError::kMissingField;
    ++n;
    return CodecError::kOk;
  });
  if (e != CodecError::kOk) return e;
  c.item_count_ = n;
  return CodecError::kOk;
}

CodecError CodecImpl::liquidation_data(BybitCodec& c, Frame& f, od::value data) noexcept {
  uint32_t n = 0;
  c.item_count_ = 0;
  auto one = [&](od::value item) noexcept {
    if (n == c.limits_.max_items) return CodecError::kTooManyItems;
    PrintTokens t;
    if (auto err = read_print(item, f.input_end, t); err != CodecError::kOk) return err;
    if (t.time.empty() || t.side.empty() || t.qty.empty() || t.price.empty()) return CodecError::kMissingField;
    Liquidation& l = c.liquidations_[n];
    if (auto err = print_instrument(c.registry_, f, t.symbol, l.instrument); err != CodecError::kOk) return err;
    const Instrument& in = c.registry_.get(l.instrument);
    std::string_view side;
    if (auto err = token_string(t.side, side); err != CodecError::kOk) return err;
    if (auto err = parse_side(side, l.side); err != CodecError::kOk) return err;
    if (auto err = token_price(in, t.price, l.price, c.stats_); err != CodecError::kOk) return err;
    if (auto err = token_qty(in, t.qty, l.qty, c.stats_); err != CodecError::kOk) return err;
    if (auto err = token_i64(t.time, l.time_ms); err != CodecError::kOk) return err;
    ++n;
    return CodecError::kOk;
  };
  // liquidation.{symbol} sends one object; allLiquidation.{symbol} an array.
  std::string_view tok;
  if (auto e = raw_token(data, f.input_end, tok); e != CodecError::kOk) return e;
  const CodecError e = tok[0] == '[' ? for_items(data, one) : one(data);
  if (e != CodecError::kOk) return e;
  c.item_count_ = n;
  return CodecError::kOk;
}

CodecError CodecImpl::finish_public(BybitCodec& c, Frame& f) noexcept {
  if (!f.has_ts) return CodecError::kMissingField;
  switch (f.topic) {
    case Topic::kBook: {
      if (!f.has_type) return CodecError::kMissingField;
      BookUpdate& b = c.book_;
      b.instrument = f.instrument;
      b.snapshot = f.snapshot;
      b.depth = f.depth;
      b.ts_ms = f.ts;
      b.cts_ms = f.cts;
      b.bids = c.bids_.data();
      b.asks = c.asks_.data();
      return CodecError::kOk;
    }
    case Topic::kTrade:
      for (uint32_t i = 0; i < c.trade_count_; ++i) c.trades_[i].ts_ms = f.ts;
      return CodecError::kOk;
    case Topic::kTicker: {
      if (!f.has_type) return CodecError::kMissingField;
      const Ticker& s = c.scratch_ticker_;
      Ticker& t = c.tickers_[f.instrument];
      const uint32_t mask = s.present;
      if (f.snapshot) {
        t = s;
        t.has_snapshot = true;
      } else {
        merge_ticker(t, s, mask);
        t.present |= mask;
      }
      t.changed = mask;
      t.ts_ms = f.ts;
      t.cross_seq = f.cs;
      c.last_ticker_ = f.instrument;
      return CodecError::kOk;
    }
    case Topic::kKline:
      for (uint32_t i = 0; i < c.item_count_; ++i) c.klines_[i].ts_ms = f.ts;
      return CodecError::kOk;
    case Topic::kLiquidation:
    case Topic::kAllLiquidation:
      for (uint32_t i = 0; i < c.item_count_; ++i) c.liquidations_[i].ts_ms = f.ts;
      return CodecError::kOk;
    default: return CodecError::kOk;
  }
}

}  // namespace mm::detail

namespace mm {

bool BybitCodec::parse_trade_frame(const char* p, size_t len, Category public_category) noexcept {
  // The frames CodecImpl::run gives fast_trade, and fast_trade's verdict: the same result as parse_padded.
  if (len > limits_.max_frame_bytes || !detail::trade_spelling(p, len) ||
      !detail::CodecImpl::fast_trade(*this, p, len, public_category)) {
    return false;
  }
  ++stats_.frames;
  ++stats_.kinds[static_cast<size_t>(MsgKind::kTrade)];
  return true;
}

}  // namespace mm
