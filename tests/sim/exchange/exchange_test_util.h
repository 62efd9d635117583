#pragma once
// A SimExchange on a fake WsOutput with two instruments (linear and spot BTCUSDT), signing helpers and JSON
// accessors for the exchange's tests.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/instrument_registry.h"
#include "net/signer.h"
#include "sim/exchange/sim_exchange.h"

namespace mm::simx::test {

struct FakeOut final : WsOutput {
  std::vector<std::pair<ConnId, std::string>> sent;
  std::vector<std::pair<ConnId, uint16_t>> closed;
  void send_text(ConnId c, std::string_view t) override { sent.emplace_back(c, std::string(t)); }
  void close(ConnId c, uint16_t code, std::string_view) override { closed.emplace_back(c, code); }

  // Messages sent to `c` (in order), and clears them.
  std::vector<std::string> take(ConnId c) {
    std::vector<std::string> out, rest;
    for (auto& [id, t] : sent) (id == c ? out : rest).push_back(t);
    std::vector<std::pair<ConnId, std::string>> keep;
    for (auto& [id, t] : sent)
      if (id != c) keep.emplace_back(id, t);
    sent.swap(keep);
    return out;
  }
};

// The JSON value at a path of object keys and array indexes ("data/0/orderStatus"), as text (strings without
// quotes, others their JSON). "" when missing.
inline std::string at(const std::string& json, std::string_view path) {
  simdjson::dom::parser p;
  simdjson::dom::element e;
  if (p.parse(json).get(e) != simdjson::SUCCESS) return "<bad json>";
  size_t pos = 0;
  while (pos <= path.size() && !path.empty()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view part = path.substr(pos, slash - pos);
    if (e.is_array()) {
      const size_t idx = std::stoul(std::string(part));
      if (e.at(idx).get(e) != simdjson::SUCCESS) return "";
    } else if (e.at_key(part).get(e) != simdjson::SUCCESS) {
      return "";
    }
    pos = slash + 1;
    if (slash == path.size()) break;
  }
  if (e.is_string()) return std::string(std::string_view(e));
  return simdjson::minify(e);
}

inline int64_t code_of(const std::string& json) {
  return std::stoll(at(json, "retCode"));
}

inline constexpr int64_t kT0Ms = 1'700'000'000'000;
inline constexpr int64_t kT0 = kT0Ms * 1'000'000;

inline Instrument make(Category c, std::string_view sym, std::string_view tick, std::string_view step,
                       std::string_view min_qty, std::string_view max_qty, std::string_view min_notional) {
  InstrumentSpec s;
  s.category = c;
  s.symbol = sym;
  s.status = "Trading";
  s.tick_size = tick;
  s.qty_step = step;
  s.min_qty = min_qty;
  s.max_qty = max_qty;
  s.min_notional = min_notional;
  Instrument in;
  EXPECT_EQ(make_instrument(s, in), InstrumentError::kOk);
  return in;
}

struct Env {
  InstrumentRegistry reg;
  FakeOut out;
  std::unique_ptr<SimExchange> ex;
  InstrumentId linear = 0, spot = 0;
  std::vector<PriceLevel> bids, asks;
  Signer signer;

  explicit Env(ExchangeConfig cfg = {}) {
    linear = reg.add(make(Category::kLinear, "BTCUSDT", "0.10", "0.001", "0.001", "100", "5"));
    spot = reg.add(make(Category::kSpot, "BTCUSDT", "0.01", "0.000001", "0.000048", "71", "1"));
    ex = std::make_unique<SimExchange>(cfg, reg, out);
    EXPECT_EQ(signer.init(kTestApiKey, kTestApiSecret), SignerError::kOk);
  }

  Price px(InstrumentId id, std::string_view s) {
    Price p;
    EXPECT_EQ(to_price(reg.get(id), s, p), DecimalError::kOk) << s;
    return p;
  }
  Qty qty(InstrumentId id, std::string_view s) {
    Qty q;
    EXPECT_EQ(to_qty(reg.get(id), s, q), DecimalError::kOk) << s;
    return q;
  }

  // A snapshot of one level per side.
  void book(InstrumentId id, std::string_view bid, std::string_view bid_qty, std::string_view ask,
            std::string_view ask_qty, int64_t now = kT0) {
    bids = {PriceLevel{px(id, bid), qty(id, bid_qty)}};
    asks = {PriceLevel{px(id, ask), qty(id, ask_qty)}};
    BookUpdate u;
    u.instrument = id;
    u.snapshot = true;
    u.bids = bids.data();
    u.bid_count = 1;
    u.asks = asks.data();
    u.ask_count = 1;
    ex->on_book(u, now);
  }

  void trade(InstrumentId id, Side taker, std::string_view price, std::string_view q, int64_t now = kT0) {
    TradeEvent t;
    t.instrument = id;
    t.taker_side = taker;
    t.price = px(id, price);
    t.qty = qty(id, q);
    ex->on_trade(t, now);
  }

  // A REST request signed with the test key (or `sg`), timestamp = now.
  RestReply rest(std::string_view method, std::string_view path, std::string_view payload, int64_t now = kT0,
                 Signer* sg = nullptr, std::string_view ip = "127.0.0.1") {
    Signer& s = sg ? *sg : signer;
    const std::string ts = std::to_string(now / 1'000'000);
    char sig[kSignatureHexLen];
    EXPECT_EQ(s.sign_rest(now / 1'000'000, 5000, payload, sig), SignerError::kOk);
    sign_text.assign(sig, kSignatureHexLen);
    key_text.assign(s.api_key());
    ts_text = ts;
    RestRequest r;
    r.method = method;
    r.path = path;
    if (method == "GET")
      r.query = payload;
    else
      r.body = payload;
    r.api_key = key_text;
    r.sign = sign_text;
    r.timestamp = ts_text;
    r.recv_window = "5000";
    r.peer_ip = ip;
    return ex->on_rest(r, now);
  }
  std::string sign_text, key_text, ts_text;

  // Opens and authenticates a connection; returns its id.
  ConnId open(ConnId id, WsChannel ch, int64_t now = kT0) {
    ex->on_ws_open(id, ch, "127.0.0.1", now);
    const int64_t expires = now / 1'000'000 + 10'000;
    char sig[kSignatureHexLen];
    EXPECT_EQ(signer.sign_ws_auth(expires, sig), SignerError::kOk);
    ex->on_ws_text(id,
                   R"({"op":"auth","args":[")" + std::string(kTestApiKey) + "\"," + std::to_string(expires) +
                       ",\"" + std::string(sig, kSignatureHexLen) + "\"]}",
                   now);
    const auto msgs = out.take(id);
    EXPECT_EQ(msgs.size(), 1u);
    return id;
  }

  // One trade-WS request; returns the ack (the one message sent to `id`, after clearing).
  std::string trade_ws(ConnId id, std::string_view op, std::string_view args_json, int64_t now = kT0,
                       std::string_view req_id = "") {
    std::string m = "{";
    if (!req_id.empty()) m += "\"reqId\":\"" + std::string(req_id) + "\",";
    m += R"("header":{"X-BAPI-TIMESTAMP":")" + std::to_string(now / 1'000'000) +
         R"(","X-BAPI-RECV-WINDOW":"5000"},)";
    m += "\"op\":\"" + std::string(op) + "\",\"args\":[" + std::string(args_json) + "]}";
    ex->on_ws_text(id, m, now);
    const auto msgs = out.take(id);
    EXPECT_EQ(msgs.size(), 1u) << m;
    return msgs.empty() ? std::string() : msgs[0];
  }
};

// A linear limit order's JSON.
inline std::string order_json(std::string_view side, std::string_view qty, std::string_view price,
                              std::string_view extra = "", std::string_view symbol = "BTCUSDT",
                              std::string_view category = "linear") {
  std::string s = R"({"category":")" + std::string(category) + R"(","symbol":")" + std::string(symbol) +
                  R"(","side":")" + std::string(side) + R"(","orderType":"Limit","qty":")" +
                  std::string(qty) + R"(","price":")" + std::string(price) + "\"";
  if (!extra.empty()) s += "," + std::string(extra);
  return s + "}";
}

}  // namespace mm::simx::test
