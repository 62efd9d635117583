// PublicMarket's public REST answers (/v5/market/*) and the tickers message, in Bybit's documented shapes.
#include <algorithm>
#include <cstdio>

#include "sim/server/json_out.h"
#include "sim/server/public_market.h"
#include "sim/server/public_market_state.h"

namespace mm::simx {

namespace {

int64_t to_ms(int64_t ns) noexcept {
  return ns / 1'000'000;
}

void begin_ok(std::string& b) {
  b.append("{\"retCode\":0,\"retMsg\":\"OK\",\"result\":");
}
void end_ok(std::string& b, int64_t now_ns) {
  b.append(",\"retExtInfo\":{},\"time\":");
  append_int(b, to_ms(now_ns));
  b.push_back('}');
}

void error(RestAnswer& out, int code, std::string_view msg, int64_t now_ns) {
  out.http_status = 200;  // Bybit answers parameter errors with HTTP 200 and a retCode
  out.body.clear();
  out.body.append("{\"retCode\":");
  append_int(out.body, code);
  out.body.append(",\"retMsg\":");
  append_json_string(out.body, msg);
  out.body.append(",\"result\":{},\"retExtInfo\":{},\"time\":");
  append_int(out.body, to_ms(now_ns));
  out.body.push_back('}');
}

bool parse_category_param(std::string_view query, Category& c) noexcept {
  return parse_category(query_param(query, "category"), c);
}

// A non-negative integer parameter; `fallback` when absent. False when present but not a number.
bool int_param(std::string_view query, std::string_view key, int64_t fallback, int64_t& out) noexcept {
  const std::string_view v = query_param(query, key);
  if (v.empty()) {
    out = fallback;
    return true;
  }
  if (v.size() > 18) return false;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  out = n;
  return true;
}

// Base and quote coin of a symbol ("BTCUSDT" -> BTC, USDT): the longest known quote suffix.
void split_coins(std::string_view symbol, std::string_view& base, std::string_view& quote) noexcept {
  static constexpr std::string_view kQuotes[] = {"USDT", "USDC", "USDE", "EUR", "BRL",
                                                 "USD",  "BTC",  "ETH",  "DAI"};
  for (std::string_view q : kQuotes) {
    if (symbol.size() > q.size() && symbol.substr(symbol.size() - q.size()) == q) {
      base = symbol.substr(0, symbol.size() - q.size());
      quote = q;
      return;
    }
  }
  base = symbol;
  quote = "USDT";
}

std::string_view status_text(InstrumentStatus s) noexcept {
  switch (s) {
    case InstrumentStatus::kTrading:
      return "Trading";
    case InstrumentStatus::kPreLaunch:
      return "PreLaunch";
    case InstrumentStatus::kDelivering:
      return "Delivering";
    case InstrumentStatus::kClosed:
      return "Closed";
    case InstrumentStatus::kOther:
      return "Trading";
  }
  return "Trading";
}

void append_step(std::string& b, int64_t units, int8_t scale) {
  append_fixed(b, units, scale, scale);
}

void append_instrument(std::string& b, const Instrument& in) {
  std::string_view base, quote;
  split_coins(in.name(), base, quote);
  b.append("{\"symbol\":\"");
  b.append(in.name());
  b.append("\",");
  if (in.category == Category::kLinear || in.category == Category::kInverse) {
    b.append(in.category == Category::kLinear ? "\"contractType\":\"LinearPerpetual\","
                                              : "\"contractType\":\"InversePerpetual\",");
  }
  b.append("\"status\":\"");
  b.append(status_text(in.status));
  b.append("\",\"baseCoin\":\"");
  b.append(base);
  b.append("\",\"quoteCoin\":\"");
  b.append(quote);
  b.append("\",");
  const int64_t max_lots =
      in.max_qty.lots > 0 ? in.max_qty.lots : int64_t{1'000'000'000} / std::max<int64_t>(1, in.lot_units);
  if (in.category == Category::kSpot) {
    b.append(
        "\"innovation\":\"0\",\"marginTrading\":\"both\",\"stTag\":\"0\",\"lotSizeFilter\":{"
        "\"basePrecision\":");
    append_step(b, in.lot_units, in.qty_scale);
    b.append(",\"quotePrecision\":\"0.00000001\",\"minOrderQty\":");
    append_qty(b, in, in.min_qty.lots > 0 ? in.min_qty : Qty{1});
    b.append(",\"maxOrderQty\":");
    append_qty(b, in, Qty{max_lots});
    b.append(",\"minOrderAmt\":");
    append_fixed(b, in.min_notional.units, kMoneyScale);
    b.append(",\"maxOrderAmt\":\"2000000\"},\"priceFilter\":{\"tickSize\":");
    append_step(b, in.tick_units, in.price_scale);
    b.append("},\"riskParameters\":{\"priceLimitRatioX\":\"0.05\",\"priceLimitRatioY\":\"0.05\"}}");
    return;
  }
  b.append(
      "\"launchTime\":\"1585526400000\",\"deliveryTime\":\"0\",\"deliveryFeeRate\":\"\",\"priceScale\":\"");
  append_int(b, in.price_scale);
  b.append(
      "\",\"leverageFilter\":{\"minLeverage\":\"1\",\"maxLeverage\":\"100.00\",\"leverageStep\":\"0.01\"},"
      "\"priceFilter\":{\"minPrice\":");
  append_step(b, in.tick_units, in.price_scale);
  b.append(",\"maxPrice\":");
  append_price(b, in, Price{int64_t{199'999'998} * 10});  // a wide band, on the grid
  b.append(",\"tickSize\":");
  append_step(b, in.tick_units, in.price_scale);
  b.append("},\"lotSizeFilter\":{\"maxOrderQty\":");
  append_qty(b, in, Qty{max_lots});
  b.append(",\"minOrderQty\":");
  append_qty(b, in, in.min_qty.lots > 0 ? in.min_qty : Qty{1});
  b.append(",\"qtyStep\":");
  append_step(b, in.lot_units, in.qty_scale);
  b.append(",\"postOnlyMaxOrderQty\":");
  append_qty(b, in, Qty{max_lots});
  b.append(",\"maxMktOrderQty\":");
  append_qty(b, in, Qty{max_lots});
  b.append(",\"minNotionalValue\":");
  append_fixed(b, in.min_notional.units, kMoneyScale);
  b.append("},\"unifiedMarginTrade\":true,\"fundingInterval\":480,\"settleCoin\":\"");
  b.append(in.category == Category::kInverse ? base : quote);
  b.append(
      "\",\"copyTrading\":\"both\",\"upperFundingRate\":\"0.005\",\"lowerFundingRate\":\"-0.005\","
      "\"isPreListing\":false,\"preListingInfo\":null}");
}

// Change of last vs first as a fraction with 6 decimals (Bybit's price24hPcnt), integers only.
void append_pcnt(std::string& b, Price first, Price last) {
  if (first.ticks <= 0) {
    b.append("\"0\"");
    return;
  }
  const Int128 scaled = Int128{last.ticks - first.ticks} * 1'000'000 / first.ticks;
  const auto v = static_cast<int64_t>(scaled);
  b.push_back('"');
  if (v < 0) b.push_back('-');
  char buf[32];
  b.append(buf, format_fixed(v < 0 ? -v : v, 6, 0, buf));
  b.push_back('"');
}

}  // namespace

bool PublicMarket::handles_rest(std::string_view path) noexcept {
  return path == "/v5/market/time" || path == "/v5/market/instruments-info" ||
         path == "/v5/market/orderbook" || path == "/v5/market/tickers" ||
         path == "/v5/market/recent-trade" || path == "/v5/market/kline";
}

void PublicMarket::on_rest(std::string_view path, std::string_view query, int64_t now_ns, RestAnswer& out) {
  out.http_status = 200;
  out.body.clear();
  if (path == "/v5/market/time") return rest_time(now_ns, out);
  if (path == "/v5/market/instruments-info") return rest_instruments(query, now_ns, out);
  if (path == "/v5/market/orderbook") return rest_orderbook(query, now_ns, out);
  if (path == "/v5/market/tickers") return rest_tickers(query, now_ns, out);
  if (path == "/v5/market/recent-trade") return rest_recent_trades(query, now_ns, out);
  if (path == "/v5/market/kline") return rest_kline(query, now_ns, out);
  out.http_status = 404;
  out.body = "{\"retCode\":404,\"retMsg\":\"Not Found\"}";
}

void PublicMarket::rest_time(int64_t now_ns, RestAnswer& out) {
  std::string& b = out.body;
  begin_ok(b);
  b.append("{\"timeSecond\":\"");
  append_int(b, now_ns / 1'000'000'000);
  b.append("\",\"timeNano\":\"");
  append_int(b, now_ns);
  b.append("\"}");
  end_ok(b, now_ns);
}

void PublicMarket::rest_instruments(std::string_view query, int64_t now_ns, RestAnswer& out) {
  Category c;
  if (!parse_category_param(query, c)) return error(out, 10001, "Illegal category", now_ns);
  const std::string_view symbol = query_param(query, "symbol");
  std::string& b = out.body;
  begin_ok(b);
  b.append("{\"category\":\"");
  b.append(to_string(c));
  b.append("\",\"list\":[");
  bool first = true;
  for (size_t i = 0; i < registry_.size(); ++i) {
    const Instrument& in = registry_.get(static_cast<InstrumentId>(i));
    if (in.category != c || (!symbol.empty() && in.name() != symbol)) continue;
    if (!first) b.push_back(',');
    first = false;
    append_instrument(b, in);
  }
  b.append("],\"nextPageCursor\":\"\"}");
  end_ok(b, now_ns);
}

void PublicMarket::rest_orderbook(std::string_view query, int64_t now_ns, RestAnswer& out) {
  Category c;
  if (!parse_category_param(query, c)) return error(out, 10001, "Illegal category", now_ns);
  const std::string_view symbol = query_param(query, "symbol");
  if (registry_.find(c, symbol) == kNoInstrument)
    return error(out, 10001, "params error: symbol invalid", now_ns);
  int64_t limit = 0;
  const int64_t fallback = c == Category::kSpot ? 1 : 25;
  const int64_t max = c == Category::kOption ? 25 : 1000;
  if (!int_param(query, "limit", fallback, limit) || limit < 1 || limit > max) {
    return error(out, 10001, "params error: limit invalid", now_ns);
  }
  SymbolState* s = find_symbol(c, symbol);
  std::vector<PriceLevel> levels[2];
  if (s != nullptr && s->has_book) {
    for (int k = 0; k < 2; ++k) {
      levels[k].resize(static_cast<size_t>(limit));
      levels[k].resize(s->book.top(k == 0 ? Side::kBuy : Side::kSell, levels[k].size(), levels[k].data()));
    }
  }
  const Instrument& in = registry_.get(registry_.find(c, symbol));
  std::string& b = out.body;
  begin_ok(b);
  b.append("{\"s\":\"");
  b.append(symbol);
  b.append("\",\"a\":");
  append_levels(b, in, levels[1]);
  b.append(",\"b\":");
  append_levels(b, in, levels[0]);
  b.append(",\"ts\":");
  append_int(b, to_ms(now_ns));
  b.append(",\"u\":");
  append_int(b, s != nullptr ? s->seq : 0);  // the book's version: one step per book message
  b.append(",\"seq\":");
  append_int(b, s != nullptr ? s->seq : 0);
  b.append(",\"cts\":");
  append_int(b, to_ms(now_ns));
  b.push_back('}');
  end_ok(b, now_ns);
}

namespace {

void append_ticker_fields(std::string& b, const Instrument& in, const OrderBook* book, bool have_last,
                          Price last, Price first, Price high, Price low, Qty volume, Money turnover,
                          Price prev_last, int64_t now_ms) {
  const auto bid = book != nullptr ? book->best_bid() : std::nullopt;
  const auto ask = book != nullptr ? book->best_ask() : std::nullopt;
  Price ref = have_last ? last : Price{0};
  if (!have_last && bid && ask) ref = Price{(bid->price.ticks + ask->price.ticks) / 2};
  const Price open = have_last ? first : ref;
  b.append("{\"symbol\":\"");
  b.append(in.name());
  b.append("\"");
  auto price_field = [&](std::string_view key, Price p) {
    b.append(",\"");
    b.append(key);
    b.append("\":");
    if (p.ticks > 0) {
      append_price(b, in, p);
    } else {
      b.append("\"\"");
    }
  };
  if (in.category != Category::kSpot) {
    b.append(",\"tickDirection\":\"");
    b.append(last > prev_last ? "PlusTick" : last < prev_last ? "MinusTick" : "ZeroPlusTick");
    b.append("\"");
  }
  b.append(",\"price24hPcnt\":");
  append_pcnt(b, open, ref);
  price_field("lastPrice", ref);
  price_field("prevPrice24h", open);
  price_field("highPrice24h", have_last ? high : ref);
  price_field("lowPrice24h", have_last ? low : ref);
  b.append(",\"turnover24h\":");
  append_fixed(b, turnover.units, kMoneyScale);
  b.append(",\"volume24h\":");
  append_qty(b, in, volume);
  if (in.category == Category::kSpot) {
    price_field("usdIndexPrice", ref);
  } else {
    price_field("prevPrice1h", open);
    price_field("markPrice", ref);
    price_field("indexPrice", ref);
    b.append(",\"openInterest\":\"0\",\"openInterestValue\":\"0\",\"nextFundingTime\":\"");
    const int64_t eight_h = 8 * 3'600'000;
    append_int(b, (now_ms / eight_h + 1) * eight_h);
    b.append("\",\"fundingRate\":\"0.0001\",\"fundingIntervalHour\":\"8\",\"fundingCap\":\"0.005\"");
  }
  price_field("bid1Price", bid ? bid->price : Price{0});
  b.append(",\"bid1Size\":");
  append_qty(b, in, bid ? bid->qty : Qty{0});
  price_field("ask1Price", ask ? ask->price : Price{0});
  b.append(",\"ask1Size\":");
  append_qty(b, in, ask ? ask->qty : Qty{0});
  b.push_back('}');
}

}  // namespace

void PublicMarket::write_ticker(const SymbolState& s, int64_t now_ns) {
  std::string& t = text_;
  t.clear();
  t.append("{\"topic\":\"tickers.");
  t.append(s.instrument.name());
  t.append("\",\"ts\":");
  append_int(t, to_ms(now_ns));
  t.append(",\"type\":\"snapshot\",\"cs\":");
  append_int(t, s.seq);
  t.append(",\"data\":");
  append_ticker_fields(t, s.instrument, s.has_book ? &s.book : nullptr, s.have_last, s.last, s.first, s.high,
                       s.low, s.volume, s.turnover, s.prev_last, to_ms(now_ns));
  t.push_back('}');
}

void PublicMarket::rest_tickers(std::string_view query, int64_t now_ns, RestAnswer& out) {
  Category c;
  if (!parse_category_param(query, c)) return error(out, 10001, "Illegal category", now_ns);
  const std::string_view symbol = query_param(query, "symbol");
  if (!symbol.empty() && registry_.find(c, symbol) == kNoInstrument) {
    return error(out, 10001, "params error: symbol invalid", now_ns);
  }
  std::string& b = out.body;
  begin_ok(b);
  b.append("{\"category\":\"");
  b.append(to_string(c));
  b.append("\",\"list\":[");
  bool first = true;
  for (size_t i = 0; i < registry_.size(); ++i) {
    const Instrument& in = registry_.get(static_cast<InstrumentId>(i));
    if (in.category != c || (!symbol.empty() && in.name() != symbol)) continue;
    if (!first) b.push_back(',');
    first = false;
    const SymbolState* s = symbols_[i].get();
    if (s != nullptr) {
      append_ticker_fields(b, in, s->has_book ? &s->book : nullptr, s->have_last, s->last, s->first, s->high,
                           s->low, s->volume, s->turnover, s->prev_last, to_ms(now_ns));
    } else {
      append_ticker_fields(b, in, nullptr, false, Price{0}, Price{0}, Price{0}, Price{0}, Qty{0}, Money{0},
                           Price{0}, to_ms(now_ns));
    }
  }
  b.append("]}");
  end_ok(b, now_ns);
}

void PublicMarket::rest_recent_trades(std::string_view query, int64_t now_ns, RestAnswer& out) {
  Category c;
  if (!parse_category_param(query, c)) return error(out, 10001, "Illegal category", now_ns);
  const std::string_view symbol = query_param(query, "symbol");
  if (registry_.find(c, symbol) == kNoInstrument)
    return error(out, 10001, "params error: symbol invalid", now_ns);
  int64_t limit = 0;
  if (!int_param(query, "limit", c == Category::kSpot ? 60 : 500, limit) || limit < 1 ||
      limit > static_cast<int64_t>(kRecentTrades)) {
    return error(out, 10001, "params error: limit invalid", now_ns);
  }
  const SymbolState* s = find_symbol(c, symbol);
  std::string& b = out.body;
  begin_ok(b);
  b.append("{\"category\":\"");
  b.append(to_string(c));
  b.append("\",\"list\":[");
  if (s != nullptr) {
    const size_t n = std::min(static_cast<size_t>(limit), s->trade_count);
    for (size_t k = 0; k < n; ++k) {
      const TradeRecord& r = s->trades[(s->trade_head + s->trades.size() - 1 - k) % s->trades.size()];
      if (k != 0) b.push_back(',');
      b.append("{\"execId\":\"");
      append_int(b, static_cast<int64_t>(r.id));
      b.append("\",\"symbol\":\"");
      b.append(symbol);
      b.append("\",\"price\":");
      append_price(b, s->instrument, r.price);
      b.append(",\"size\":");
      append_qty(b, s->instrument, r.qty);
      b.append(",\"side\":\"");
      b.append(to_string(r.side));
      b.append("\",\"time\":\"");
      append_int(b, r.time_ms);
      b.append("\",\"isBlockTrade\":false,\"isRPITrade\":false}");
    }
  }
  b.append("]}");
  end_ok(b, now_ns);
}

void PublicMarket::rest_kline(std::string_view query, int64_t now_ns, RestAnswer& out) {
  Category c;
  const std::string_view cat = query_param(query, "category");
  if (cat.empty()) {
    c = Category::kLinear;  // Bybit's default for kline
  } else if (!parse_category(cat, c)) {
    return error(out, 10001, "Illegal category", now_ns);
  }
  const std::string_view symbol = query_param(query, "symbol");
  if (registry_.find(c, symbol) == kNoInstrument)
    return error(out, 10001, "params error: symbol invalid", now_ns);
  const std::string_view interval = query_param(query, "interval");
  int64_t minutes = 0;
  if (interval == "D") {
    minutes = 1440;
  } else if (!int_param(query, "interval", 0, minutes) ||
             !(minutes == 1 || minutes == 3 || minutes == 5 || minutes == 15 || minutes == 30 ||
               minutes == 60 || minutes == 120 || minutes == 240 || minutes == 360 || minutes == 720)) {
    // W and M would need more than the day of candles kept: refused like an unknown interval.
    return error(out, 10001, "params error: interval invalid", now_ns);
  }
  int64_t limit = 0;
  int64_t start = 0;
  int64_t end = 0;
  if (!int_param(query, "limit", 200, limit) || limit < 1 || limit > 1000 ||
      !int_param(query, "start", 0, start) || !int_param(query, "end", INT64_MAX / 2, end)) {
    return error(out, 10001, "params error: limit, start or end invalid", now_ns);
  }
  const SymbolState* s = find_symbol(c, symbol);
  std::string& b = out.body;
  begin_ok(b);
  b.append("{\"symbol\":\"");
  b.append(symbol);
  b.append("\",\"category\":\"");
  b.append(to_string(c));
  b.append("\",\"list\":[");
  if (s != nullptr && s->last_minute >= 0) {
    const int64_t period_ms = minutes * 60'000;
    int64_t bucket = (s->last_minute * 60'000) / period_ms * period_ms;
    const int64_t oldest_minute = s->last_minute - static_cast<int64_t>(s->candles.size()) + 1;
    int64_t written = 0;
    bool first = true;
    for (; written < limit && bucket + period_ms > oldest_minute * 60'000; bucket -= period_ms) {
      if (bucket > end || bucket + period_ms <= start) continue;
      Candle agg;
      for (int64_t m = bucket / 60'000; m < (bucket + period_ms) / 60'000; ++m) {
        if (m < oldest_minute || m > s->last_minute) continue;
        const Candle& k = s->candles[static_cast<size_t>(m) % s->candles.size()];
        if (k.start_ms != m * 60'000) continue;
        if (agg.start_ms < 0) {
          agg = k;
          agg.start_ms = bucket;
          continue;
        }
        agg.high = std::max(agg.high, k.high);
        agg.low = std::min(agg.low, k.low);
        agg.close = k.close;
        agg.volume.lots += k.volume.lots;
        (void)checked_add(agg.turnover, k.turnover, agg.turnover);
      }
      if (agg.start_ms < 0) continue;
      if (!first) b.push_back(',');
      first = false;
      ++written;
      b.append("[\"");
      append_int(b, agg.start_ms);
      b.append("\",");
      append_price(b, s->instrument, agg.open);
      b.push_back(',');
      append_price(b, s->instrument, agg.high);
      b.push_back(',');
      append_price(b, s->instrument, agg.low);
      b.push_back(',');
      append_price(b, s->instrument, agg.close);
      b.push_back(',');
      append_qty(b, s->instrument, agg.volume);
      b.push_back(',');
      append_fixed(b, agg.turnover.units, kMoneyScale);
      b.push_back(']');
    }
  }
  b.append("]}");
  end_ok(b, now_ns);
}

}  // namespace mm::simx
