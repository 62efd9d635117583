#include "sim/server/public_market.h"

#include <simdjson.h>

#include <algorithm>

#include "sim/server/json_out.h"
#include "sim/server/public_market_state.h"

namespace mm::simx {

namespace {

int64_t to_ms(int64_t ns) noexcept {
  return ns / 1'000'000;
}

// Rank: larger is better on both sides (bids by price, asks by minus price), as in the core book.
int64_t rank(Side side, Price p) noexcept {
  return side == Side::kBuy ? p.ticks : -p.ticks;
}

// Differences between two best-first level lists: removed levels as size 0, new or changed levels as they
// are. The output is best first (bids descending, asks ascending), as Bybit orders delta levels.
void diff_levels(Side side, const std::vector<PriceLevel>& before, const std::vector<PriceLevel>& after,
                 std::vector<PriceLevel>& out) {
  out.clear();
  size_t i = 0, j = 0;
  while (i < before.size() || j < after.size()) {
    if (j == after.size() ||
        (i < before.size() && rank(side, before[i].price) > rank(side, after[j].price))) {
      out.push_back(PriceLevel{before[i].price, Qty{0}});
      ++i;
    } else if (i == before.size() || rank(side, after[j].price) > rank(side, before[i].price)) {
      out.push_back(after[j]);
      ++j;
    } else {
      if (after[j].qty != before[i].qty) out.push_back(after[j]);
      ++i;
      ++j;
    }
  }
}

// True when no level of `changed` can alter the published top (every change is strictly worse than a full
// published top's last level).
bool beyond_top(Side side, const std::vector<PriceLevel>& pub, size_t depth, const PriceLevel* changed,
                uint32_t n) noexcept {
  if (pub.size() < depth || pub.empty()) return n == 0;
  const int64_t last = rank(side, pub.back().price);
  for (uint32_t k = 0; k < n; ++k) {
    if (rank(side, changed[k].price) >= last) return false;
  }
  return true;
}

void fill_top(const OrderBook& book, Side side, size_t depth, std::vector<PriceLevel>& out) {
  out.resize(depth);
  out.resize(book.top(side, depth, out.data()));
}

}  // namespace

std::string_view query_param(std::string_view query, std::string_view key) noexcept {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view kv = query.substr(0, amp);
    const size_t eq = kv.find('=');
    if (kv.substr(0, eq) == key) return eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

PublicMarket::PublicMarket(const InstrumentRegistry& registry, std::span<const InstrumentId> with_data,
                           PublicMarketOptions options)
    : registry_(registry), options_(options) {
  symbols_.resize(registry.size());
  for (InstrumentId id : with_data) {
    if (id < symbols_.size() && !symbols_[id]) {
      symbols_[id] = std::make_unique<SymbolState>(registry.get(id), id);
      live_.push_back(symbols_[id].get());
    }
  }
  text_.reserve(size_t{1} << 16);
  scratch_.reserve(size_t{1} << 12);
}

PublicMarket::~PublicMarket() = default;

const OrderBook* PublicMarket::book(InstrumentId id) const noexcept {
  return id < symbols_.size() && symbols_[id] && symbols_[id]->has_book ? &symbols_[id]->book : nullptr;
}

size_t PublicMarket::subscriber_count() const noexcept {
  size_t n = 0;
  for (const auto& c : clients_) n += c->subs.size();
  return n;
}

PublicMarket::SymbolState* PublicMarket::find_symbol(Category c, std::string_view symbol) noexcept {
  const InstrumentId id = registry_.find(c, symbol);
  if (id == kNoInstrument || id >= symbols_.size()) return nullptr;
  return symbols_[id].get();
}

// ---------------------------------------------------------------------------------------------------------
// Book streams.

void PublicMarket::on_book(const BookUpdate& update, int64_t now_ns) {
  if (update.instrument >= symbols_.size() || !symbols_[update.instrument]) return;
  SymbolState& s = *symbols_[update.instrument];
  ++s.seq;
  const bool reset = update.snapshot || !s.has_book;
  const BookError e =
      reset ? s.book.apply_snapshot(update.bids, update.bid_count, update.asks, update.ask_count)
            : s.book.apply_delta(update.bids, update.bid_count, update.asks, update.ask_count);
  (void)e;  // levels the book refused (off its range) are counted by the book; the rest are applied
  s.has_book = true;
  s.ticker_dirty = true;
  for (DepthStream& d : s.streams) {
    if (d.subs.empty()) {
      d.live = false;
      continue;
    }
    publish_depth(s, d, reset || !d.live, reset, &update, now_ns);
  }
}

void PublicMarket::publish_depth(SymbolState& s, DepthStream& d, bool snapshot, bool /*source_snapshot*/,
                                 const BookUpdate* update, int64_t now_ns) {
  const Side sides[2] = {Side::kBuy, Side::kSell};
  // A side whose changes all lie below its published top cannot change it: that side is neither walked nor
  // diffed (the common case for a deep source feeding a shallow topic).
  bool changed[2] = {true, true};
  if (!snapshot && update != nullptr) {
    changed[0] = !beyond_top(Side::kBuy, d.pub[0], d.depth, update->bids, update->bid_count);
    changed[1] = !beyond_top(Side::kSell, d.pub[1], d.depth, update->asks, update->ask_count);
    if (!changed[0] && !changed[1]) return;
  }
  for (int k = 0; k < 2; ++k) {
    if (changed[k]) fill_top(s.book, sides[k], d.depth, d.next[k]);
  }
  if (!snapshot) {
    for (int k = 0; k < 2; ++k) {
      if (changed[k]) {
        diff_levels(sides[k], d.pub[k], d.next[k], d.changes[k]);
      } else {
        d.changes[k].clear();
      }
    }
    if (d.changes[0].empty() && d.changes[1].empty()) return;
  }
  for (int k = 0; k < 2; ++k) {
    if (changed[k]) d.pub[k].swap(d.next[k]);
  }
  d.live = true;
  ++d.u;
  // Level 1 is snapshots only (Bybit); deeper topics send deltas after the first snapshot.
  const bool as_snapshot = snapshot || d.depth == 1;
  if (!as_snapshot && d.drop_next) {
    d.drop_next = false;  // the fault: u advanced, the message is never sent
    return;
  }
  write_book(s, d, as_snapshot, now_ns);
  d.last_sent_ns = now_ns;
  const PublicFrameKind kind = as_snapshot ? PublicFrameKind::kBookSnapshot : PublicFrameKind::kBookDelta;
  for (PublicClient* c : d.subs) c->send_public(text_, kind);
  ++messages_;
}

void PublicMarket::write_book(const SymbolState& s, const DepthStream& d, bool snapshot, int64_t now_ns) {
  const Instrument& in = s.instrument;
  const int64_t ms = to_ms(now_ns);
  std::string& t = text_;
  t.clear();
  t.append("{\"topic\":\"orderbook.");
  append_int(t, d.depth);
  t.push_back('.');
  t.append(in.name());
  // Bybit's key order: spot (every depth) and futures level 1 put ts before type; the rest type before ts.
  const char* type = snapshot ? "snapshot" : "delta";
  if (in.category == Category::kSpot || d.depth == 1) {
    t.append("\",\"ts\":");
    append_int(t, ms);
    t.append(",\"type\":\"");
    t.append(type);
    t.append("\"");
  } else {
    t.append("\",\"type\":\"");
    t.append(type);
    t.append("\",\"ts\":");
    append_int(t, ms);
  }
  t.append(",\"data\":{\"s\":\"");
  t.append(in.name());
  t.append("\",\"b\":");
  append_levels(t, in, snapshot ? d.pub[0] : d.changes[0]);
  t.append(",\"a\":");
  append_levels(t, in, snapshot ? d.pub[1] : d.changes[1]);
  t.append(",\"u\":");
  append_int(t, d.u);
  t.append(",\"seq\":");
  append_int(t, s.seq);
  t.append("},\"cts\":");
  append_int(t, ms);
  t.push_back('}');
}

void PublicMarket::send_snapshot_to(PublicClient& client, SymbolState& s, DepthStream& d, int64_t now_ns) {
  if (!s.has_book) return;  // no data yet: the first book message will publish a snapshot
  const Side sides[2] = {Side::kBuy, Side::kSell};
  if (!d.live) {
    // First subscriber since the stream was idle: the topic restarts from the current book.
    for (int k = 0; k < 2; ++k) fill_top(s.book, sides[k], d.depth, d.pub[k]);
    d.live = true;
    ++d.u;
  }
  write_book(s, d, true, now_ns);
  client.send_public(text_, PublicFrameKind::kBookSnapshot);
  ++messages_;
}

// ---------------------------------------------------------------------------------------------------------
// Trades and tickers.

void PublicMarket::on_trades(std::span<const TradeEvent> prints, int64_t now_ns) {
  if (prints.empty()) return;
  const InstrumentId id = prints.front().instrument;
  if (id >= symbols_.size() || !symbols_[id]) return;
  SymbolState& s = *symbols_[id];
  const Instrument& in = s.instrument;
  const int64_t ms = to_ms(now_ns);
  std::string& t = text_;
  t.clear();
  t.append("{\"topic\":\"publicTrade.");
  t.append(in.name());
  t.append("\",\"type\":\"snapshot\",\"ts\":");
  append_int(t, ms);
  t.append(",\"data\":[");
  bool first = true;
  for (const TradeEvent& p : prints) {
    const uint64_t trade_id = ++trade_ids_;
    // Ticker and candle state.
    const Price prev = s.have_last ? s.last : p.price;
    if (!s.have_last) {
      s.first = s.high = s.low = p.price;
      s.have_last = true;
    }
    s.prev_last = prev;
    s.last = p.price;
    s.high = std::max(s.high, p.price);
    s.low = std::min(s.low, p.price);
    s.volume.lots += p.qty.lots;
    Money n{0};
    if (notional(in, p.price, p.qty, n)) (void)checked_add(s.turnover, n, s.turnover);
    s.ticker_dirty = true;
    s.trades[s.trade_head] = TradeRecord{p.price, p.qty, p.taker_side, ms, trade_id};
    s.trade_head = (s.trade_head + 1) % s.trades.size();
    s.trade_count = std::min(s.trade_count + 1, s.trades.size());
    const int64_t minute = ms / 60'000;
    Candle& c = s.candles[static_cast<size_t>(minute) % s.candles.size()];
    if (c.start_ms != minute * 60'000) {
      c = Candle{minute * 60'000, p.price, p.price, p.price, p.price, Qty{0}, Money{0}};
    }
    c.high = std::max(c.high, p.price);
    c.low = std::min(c.low, p.price);
    c.close = p.price;
    c.volume.lots += p.qty.lots;
    (void)checked_add(c.turnover, n, c.turnover);
    s.last_minute = minute;
    if (s.trade_subs.empty()) continue;
    if (!first) t.push_back(',');
    first = false;
    t.append("{\"T\":");
    append_int(t, ms);
    t.append(",\"s\":\"");
    t.append(in.name());
    t.append("\",\"S\":\"");
    t.append(to_string(p.taker_side));
    t.append("\",\"v\":");
    append_qty(t, in, p.qty);
    t.append(",\"p\":");
    append_price(t, in, p.price);
    if (in.category != Category::kSpot) {
      t.append(",\"L\":\"");
      t.append(p.price > prev ? "PlusTick" : p.price < prev ? "MinusTick" : "ZeroPlusTick");
      t.append("\"");
    }
    t.append(",\"i\":\"");
    char idbuf[40];
    const int n_id = std::snprintf(
        idbuf, sizeof idbuf, "%08x-%04x-5%03x-9%03x-%012llx", static_cast<unsigned>(trade_id >> 32),
        static_cast<unsigned>(id), static_cast<unsigned>(trade_id & 0xFFF),
        static_cast<unsigned>((trade_id >> 12) & 0xFFF), static_cast<unsigned long long>(trade_id));
    t.append(idbuf, static_cast<size_t>(n_id));
    t.append("\",\"BT\":");
    t.append(p.block_trade ? "true" : "false");
    t.append(",\"RPI\":false,\"seq\":");
    append_int(t, static_cast<int64_t>(trade_id));
    t.push_back('}');
  }
  t.append("]}");
  if (s.trade_subs.empty()) return;
  for (PublicClient* c : s.trade_subs) c->send_public(text_, PublicFrameKind::kOther);
  ++messages_;
}

void PublicMarket::on_timer(int64_t now_ns) {
  for (SymbolState* sp : live_) {
    SymbolState& s = *sp;
    for (DepthStream& d : s.streams) {
      if (d.depth == 1 && !d.subs.empty() && d.live && now_ns - d.last_sent_ns >= options_.level1_resend_ns) {
        write_book(s, d, true, now_ns);  // same u: Bybit's "no change for 3 s" re-send
        d.last_sent_ns = now_ns;
        for (PublicClient* c : d.subs) c->send_public(text_, PublicFrameKind::kBookSnapshot);
        ++messages_;
      }
    }
    if (s.ticker_dirty && !s.ticker_subs.empty() &&
        now_ns - s.ticker_sent_ns >= options_.ticker_interval_ns) {
      write_ticker(s, now_ns);
      s.ticker_dirty = false;
      s.ticker_sent_ns = now_ns;
      for (PublicClient* c : s.ticker_subs) c->send_public(text_, PublicFrameKind::kOther);
      ++messages_;
    }
  }
}

int64_t PublicMarket::next_deadline_ns() const noexcept {
  int64_t next = INT64_MAX;
  for (const SymbolState* sp : live_) {
    for (const DepthStream& d : sp->streams) {
      if (d.depth == 1 && !d.subs.empty() && d.live)
        next = std::min(next, d.last_sent_ns + options_.level1_resend_ns);
    }
    if (sp->ticker_dirty && !sp->ticker_subs.empty()) {
      next = std::min(next, sp->ticker_sent_ns + options_.ticker_interval_ns);
    }
  }
  return next;
}

// ---------------------------------------------------------------------------------------------------------
// Faults.

size_t PublicMarket::restart_snapshot(std::string_view symbol, int64_t now_ns) {
  size_t n = 0;
  for (SymbolState* sp : live_) {
    if ((!symbol.empty() && sp->instrument.name() != symbol) || !sp->has_book) continue;
    for (DepthStream& d : sp->streams) {
      if (d.subs.empty()) continue;
      d.u = 0;  // publish_depth makes it 1
      publish_depth(*sp, d, true, true, nullptr, now_ns);
      ++n;
    }
  }
  return n;
}

size_t PublicMarket::drop_next_delta(std::string_view symbol) {
  size_t n = 0;
  for (SymbolState* sp : live_) {
    if (!symbol.empty() && sp->instrument.name() != symbol) continue;
    for (DepthStream& d : sp->streams) {
      if (d.subs.empty() || d.depth == 1) continue;  // level 1 is snapshots only: nothing to drop
      d.drop_next = true;
      ++n;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// Public WebSocket requests.

PublicMarket::ClientState* PublicMarket::state_of(PublicClient& client) noexcept {
  for (auto& c : clients_) {
    if (c->client == &client) return c.get();
  }
  return nullptr;
}

void PublicMarket::on_open(PublicClient& client, Category category) {
  auto cs = std::make_unique<ClientState>();
  cs->client = &client;
  cs->category = category;
  clients_.push_back(std::move(cs));
}

void PublicMarket::on_close(PublicClient& client) {
  for (size_t i = 0; i < clients_.size(); ++i) {
    ClientState& cs = *clients_[i];
    if (cs.client != &client) continue;
    for (const ClientState::Sub& sub : cs.subs) {
      if (sub.stream >= 0)
        remove_subscriber(sub.symbol->streams[static_cast<size_t>(sub.stream)].subs, &client);
      if (sub.stream == -1) remove_subscriber(sub.symbol->trade_subs, &client);
      if (sub.stream == -2) remove_subscriber(sub.symbol->ticker_subs, &client);
    }
    clients_[i] = std::move(clients_.back());
    clients_.pop_back();
    return;
  }
}

void PublicMarket::ack(PublicClient& client, Category category, std::string_view op, std::string_view req_id,
                       bool have_req_id, bool success, std::string_view ret_msg) {
  std::string& t = scratch_;
  t.clear();
  if (category == Category::kOption && op == "ping") {
    // option (and spread) answer pings with {"args":["<ms>"],"op":"pong"}; the time is filled by the caller.
    t.append(ret_msg);
    client.send_public(t, PublicFrameKind::kOther);
    return;
  }
  t.append("{\"success\":");
  t.append(success ? "true" : "false");
  t.append(",\"ret_msg\":");
  append_json_string(t, ret_msg);
  t.append(",\"conn_id\":");
  append_json_string(t, client.conn_id_text());
  // linear/inverse always carry req_id ("" when none was sent); spot only echoes one that was sent.
  if (category != Category::kSpot || have_req_id) {
    t.append(",\"req_id\":");
    append_json_string(t, req_id);
  }
  t.append(",\"op\":");
  append_json_string(t, op);
  t.push_back('}');
  client.send_public(t, PublicFrameKind::kOther);
}

void PublicMarket::on_text(PublicClient& client, std::string_view text, int64_t now_ns) {
  ClientState* cs = state_of(client);
  if (cs == nullptr) return;
  // simdjson needs padding past the input: parse a padded copy (scratch keeps its capacity).
  std::string& buf = scratch_;
  buf.assign(text);
  buf.append(simdjson::SIMDJSON_PADDING, ' ');
  simdjson::ondemand::parser& parser = *[] {
    static thread_local simdjson::ondemand::parser p;
    return &p;
  }();
  simdjson::ondemand::document doc;
  std::string_view op, req_id;
  bool have_req_id = false;
  std::vector<std::string_view> args;  // small; cold path (subscribe requests)
  std::string op_copy, req_copy;
  std::vector<std::string> arg_copies;
  bool ok = !parser.iterate(buf.data(), text.size(), buf.size()).get(doc);
  simdjson::ondemand::object obj;
  if (ok) ok = !doc.get_object().get(obj);
  if (ok) {
    for (auto field : obj) {
      std::string_view key;
      if (field.unescaped_key().get(key)) {
        ok = false;
        break;
      }
      if (key == "op") {
        if (field.value().get_string().get(op)) ok = false;
        op_copy.assign(op);
      } else if (key == "req_id") {
        std::string_view r;
        if (!field.value().get_string().get(r)) {
          req_copy.assign(r);
          have_req_id = true;
        }
      } else if (key == "args") {
        simdjson::ondemand::array arr;
        if (field.value().get_array().get(arr)) {
          ok = false;
          break;
        }
        for (auto v : arr) {
          std::string_view a;
          if (v.get_string().get(a)) {
            ok = false;
            break;
          }
          arg_copies.emplace_back(a);
        }
      }
    }
  }
  if (!ok) {
    ack(client, cs->category, "", "", false, false, "error:request is not valid json");
    return;
  }
  op = op_copy;
  req_id = req_copy;
  if (op == "ping") {
    if (cs->category == Category::kOption) {
      std::string p = "{\"args\":[\"";
      append_int(p, to_ms(now_ns));
      p.append("\"],\"op\":\"pong\"}");
      ack(client, cs->category, op, req_id, have_req_id, true, p);
    } else {
      ack(client, cs->category, op, req_id, have_req_id, true, "pong");
    }
    return;
  }
  if (op != "subscribe" && op != "unsubscribe") {
    std::string msg = "error:unknown op ";
    msg.append(op);
    ack(client, cs->category, op, req_id, have_req_id, false, msg);
    return;
  }
  if (cs->category == Category::kSpot && arg_copies.size() > 10) {
    ack(client, cs->category, op, req_id, have_req_id, false, "error:args count exceeds 10 for spot");
    return;
  }
  std::string failed;
  if (op == "subscribe") {
    for (const std::string& a : arg_copies) {
      const size_t before = failed.size();
      subscribe(client, *cs, a, failed);
      (void)before;
    }
  } else {
    for (const std::string& a : arg_copies) {
      if (!unsubscribe(client, *cs, a) && failed.empty()) failed = "error:topic not subscribed,topic:" + a;
    }
  }
  const bool success = failed.empty();
  // Bybit: spot acks carry the op in ret_msg; linear/inverse an empty ret_msg.
  std::string_view ret = success ? (cs->category == Category::kSpot ? op : std::string_view{}) : failed;
  ack(client, cs->category, op, req_id, have_req_id, success, std::string(ret));
  // Snapshots follow the ack.
  if (op == "subscribe") {
    for (const std::string& a : arg_copies) {
      // orderbook.D.SYM snapshot for a fresh subscription (tickers snapshot likewise).
      const size_t dot1 = a.find('.');
      const std::string_view kind = std::string_view(a).substr(0, dot1);
      const size_t dot2 = a.rfind('.');
      const std::string_view sym = std::string_view(a).substr(dot2 + 1);
      SymbolState* s = find_symbol(cs->category, sym);
      if (s == nullptr) continue;
      if (kind == "orderbook") {
        const std::string_view dstr = std::string_view(a).substr(dot1 + 1, dot2 - dot1 - 1);
        for (DepthStream& d : s->streams) {
          if (std::to_string(d.depth) == dstr) send_snapshot_to(client, *s, d, now_ns);
        }
      } else if (kind == "tickers" && s->has_book) {
        write_ticker(*s, now_ns);
        client.send_public(text_, PublicFrameKind::kOther);
      }
    }
  }
}

void PublicMarket::subscribe(PublicClient& client, ClientState& cs, std::string_view topic,
                             std::string& failed) {
  auto fail = [&](std::string_view why) {
    if (!failed.empty()) return;
    failed = "error:";
    failed.append(why);
    failed.append(",topic:");
    failed.append(topic);
  };
  if (cs.subs.size() >= options_.max_topics_per_connection) return fail("too many topics");
  const size_t dot1 = topic.find('.');
  const size_t dot2 = topic.rfind('.');
  if (dot1 == std::string_view::npos) return fail("handler not found");
  const std::string_view kind = topic.substr(0, dot1);
  const std::string_view sym = topic.substr(dot2 + 1);
  const InstrumentId id = registry_.find(cs.category, sym);
  if (id == kNoInstrument) return fail("handler not found");
  SymbolState* s = id < symbols_.size() ? symbols_[id].get() : nullptr;
  int stream = -3;
  if (kind == "orderbook" && dot2 > dot1) {
    const std::string_view dstr = topic.substr(dot1 + 1, dot2 - dot1 - 1);
    if (s == nullptr) {
      // A listed instrument without data: accept valid depths, nothing will come.
      const bool option = cs.category == Category::kOption;
      const bool valid = option ? (dstr == "25" || dstr == "100")
                                : (dstr == "1" || dstr == "50" || dstr == "200" || dstr == "1000");
      return valid ? void() : fail("handler not found");
    }
    for (size_t k = 0; k < s->streams.size(); ++k) {
      if (std::to_string(s->streams[k].depth) == dstr) stream = static_cast<int>(k);
    }
  } else if (kind == "publicTrade" && dot1 == dot2) {
    stream = -1;
  } else if (kind == "tickers" && dot1 == dot2) {
    stream = -2;
  }
  if (stream == -3) return fail("handler not found");
  if (s == nullptr) return;  // listed, no data: accepted, silent
  for (const ClientState::Sub& sub : cs.subs) {
    if (sub.symbol == s && sub.stream == stream) return fail("already subscribed");
  }
  cs.subs.push_back(ClientState::Sub{s, stream});
  Subscribers& subs = stream >= 0 ? s->streams[static_cast<size_t>(stream)].subs
                                  : (stream == -1 ? s->trade_subs : s->ticker_subs);
  subs.push_back(&client);
}

bool PublicMarket::unsubscribe(PublicClient& client, ClientState& cs, std::string_view topic) {
  for (size_t i = 0; i < cs.subs.size(); ++i) {
    const ClientState::Sub sub = cs.subs[i];
    const Instrument& in = sub.symbol->instrument;
    std::string name =
        sub.stream >= 0
            ? "orderbook." + std::to_string(sub.symbol->streams[static_cast<size_t>(sub.stream)].depth) + "."
            : (sub.stream == -1 ? "publicTrade." : "tickers.");
    name.append(in.name());
    if (name != topic) continue;
    Subscribers& subs = sub.stream >= 0
                            ? sub.symbol->streams[static_cast<size_t>(sub.stream)].subs
                            : (sub.stream == -1 ? sub.symbol->trade_subs : sub.symbol->ticker_subs);
    remove_subscriber(subs, &client);
    cs.subs[i] = cs.subs.back();
    cs.subs.pop_back();
    return true;
  }
  return false;
}

}  // namespace mm::simx
