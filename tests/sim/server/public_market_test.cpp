// PublicMarket without sockets: a recording client sees exactly what a WebSocket subscriber would.
#include "sim/server/public_market.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "net/instruments_json.h"

namespace mm::simx {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000'000'000;

class Recorder final : public PublicClient {
 public:
  void send_public(std::string_view text, PublicFrameKind kind) override {
    messages.emplace_back(text);
    kinds.push_back(kind);
  }
  std::string_view conn_id_text() const override { return "test-conn"; }
  std::vector<std::string> messages;
  std::vector<PublicFrameKind> kinds;
};

struct Parsed {
  std::string type;
  int64_t u = 0;
  std::map<int64_t, std::string> bids, asks;  // ticks-free: keyed by the price string's value in cents
};

Parsed parse_book(const std::string& text) {
  simdjson::dom::parser p;
  simdjson::dom::element e = p.parse(text);
  Parsed out;
  out.type = std::string(std::string_view(e["type"]));
  out.u = int64_t(e["data"]["u"]);
  for (auto side : {"b", "a"}) {
    for (simdjson::dom::element lvl : e["data"][side].get_array()) {
      const std::string px(std::string_view(lvl.at(0)));
      const std::string qty(std::string_view(lvl.at(1)));
      const auto key = static_cast<int64_t>(std::stod(px) * 100 + 0.5);
      (std::string_view(side) == "b" ? out.bids : out.asks)[key] = qty;
    }
  }
  return out;
}

class PublicMarketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Instrument in;
    ASSERT_EQ(make_instrument(
                  {Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"}, in),
              InstrumentError::kOk);
    id_ = registry_.add(in);
    Instrument spot;
    ASSERT_EQ(
        make_instrument({Category::kSpot, "BTCUSDT", "Trading", "", "0.01", "0.000001", "", "", ""}, spot),
        InstrumentError::kOk);
    spot_id_ = registry_.add(spot);
    const InstrumentId ids[] = {id_, spot_id_};
    market_ = std::make_unique<PublicMarket>(registry_, ids);
  }
  BookUpdate book(bool snapshot, std::vector<PriceLevel> bids, std::vector<PriceLevel> asks) {
    bids_ = std::move(bids);
    asks_ = std::move(asks);
    BookUpdate u;
    u.instrument = id_;
    u.snapshot = snapshot;
    u.depth = 200;
    u.bids = bids_.data();
    u.bid_count = static_cast<uint32_t>(bids_.size());
    u.asks = asks_.data();
    u.ask_count = static_cast<uint32_t>(asks_.size());
    return u;
  }
  void subscribe(Recorder& r, std::string_view topic, Category c = Category::kLinear) {
    market_->on_open(r, c);
    market_->on_text(r, std::string("{\"op\":\"subscribe\",\"args\":[\"") + std::string(topic) + "\"]}", kT0);
  }
  static PriceLevel lvl(int64_t ticks, int64_t lots) { return PriceLevel{Price{ticks}, Qty{lots}}; }

  InstrumentRegistry registry_;
  InstrumentId id_ = 0, spot_id_ = 0;
  std::unique_ptr<PublicMarket> market_;
  std::vector<PriceLevel> bids_, asks_;
};

TEST_F(PublicMarketTest, SnapshotThenDeltasWithContiguousUAndZeroDeletes) {
  Recorder r;
  subscribe(r, "orderbook.50.BTCUSDT");
  ASSERT_EQ(r.messages.size(), 1u);  // the ack; no data yet, so no snapshot
  EXPECT_NE(r.messages[0].find("\"success\":true"), std::string::npos);
  market_->on_book(book(true, {lvl(1000, 5), lvl(999, 3)}, {lvl(1001, 2), lvl(1002, 4)}), kT0);
  market_->on_book(book(false, {lvl(999, 0), lvl(998, 7)}, {lvl(1001, 9)}), kT0 + 1'000'000);
  market_->on_book(book(false, {lvl(500, 1)}, {}), kT0 + 2'000'000);  // far from the top: still in the top 50
  ASSERT_EQ(r.messages.size(), 4u);
  const Parsed s = parse_book(r.messages[1]);
  EXPECT_EQ(s.type, "snapshot");
  EXPECT_EQ(s.bids.size(), 2u);
  const Parsed d = parse_book(r.messages[2]);
  EXPECT_EQ(d.type, "delta");
  EXPECT_EQ(d.u, s.u + 1);
  EXPECT_EQ(d.bids.at(9990), "0.000");  // 999 ticks of 0.10 deleted
  EXPECT_EQ(d.bids.at(9980), "0.007");
  EXPECT_EQ(d.asks.at(10010), "0.009");
  EXPECT_EQ(parse_book(r.messages[3]).u, s.u + 2);
  // Futures deeper than level 1: type before ts.
  EXPECT_LT(r.messages[2].find("\"type\""), r.messages[2].find("\"ts\""));
}

TEST_F(PublicMarketTest, DepthOneSendsSnapshotsOnlyAndResendsAfterThreeSecondsWithTheSameU) {
  Recorder r;
  subscribe(r, "orderbook.1.BTCUSDT");
  market_->on_book(book(true, {lvl(1000, 5)}, {lvl(1001, 2)}), kT0);
  market_->on_book(book(false, {lvl(990, 1)}, {}), kT0 + 1'000'000);  // below the top: nothing for level 1
  market_->on_book(book(false, {lvl(1000, 6)}, {}), kT0 + 2'000'000);
  ASSERT_EQ(r.messages.size(), 3u);
  const Parsed a = parse_book(r.messages[1]);
  const Parsed b = parse_book(r.messages[2]);
  EXPECT_EQ(b.type, "snapshot");
  EXPECT_EQ(b.u, a.u + 1);
  EXPECT_LT(r.messages[2].find("\"ts\""), r.messages[2].find("\"type\""));  // level 1: ts before type
  market_->on_timer(kT0 + 2'000'000 + 2'900'000'000);
  EXPECT_EQ(r.messages.size(), 3u);
  market_->on_timer(kT0 + 2'000'000 + 3'000'000'000);
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(parse_book(r.messages[3]).u, b.u);
  EXPECT_EQ(parse_book(r.messages[3]).bids, b.bids);
}

TEST_F(PublicMarketTest, DropNextDeltaLeavesAGapAndRestartSnapshotStartsAtOne) {
  Recorder r;
  subscribe(r, "orderbook.50.BTCUSDT");
  market_->on_book(book(true, {lvl(1000, 5)}, {lvl(1001, 2)}), kT0);
  EXPECT_EQ(market_->drop_next_delta("BTCUSDT"), 1u);
  market_->on_book(book(false, {lvl(1000, 6)}, {}), kT0 + 1);
  market_->on_book(book(false, {lvl(1000, 7)}, {}), kT0 + 2);
  ASSERT_EQ(r.messages.size(), 3u);  // ack, snapshot, the delta after the dropped one
  EXPECT_EQ(parse_book(r.messages[2]).u, parse_book(r.messages[1]).u + 2);
  EXPECT_EQ(market_->restart_snapshot("", kT0 + 3), 1u);
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(parse_book(r.messages[3]).type, "snapshot");
  EXPECT_EQ(parse_book(r.messages[3]).u, 1);
  market_->on_book(book(false, {lvl(1000, 8)}, {}), kT0 + 4);
  EXPECT_EQ(parse_book(r.messages[4]).u, 2);
}

TEST_F(PublicMarketTest, AcksAndPongsAreShapedPerCategory) {
  Recorder lin, spot, opt;
  market_->on_open(lin, Category::kLinear);
  market_->on_open(spot, Category::kSpot);
  market_->on_text(lin, R"({"op":"subscribe","args":["orderbook.50.BTCUSDT"]})", kT0);
  market_->on_text(spot, R"({"op":"subscribe","args":["orderbook.50.BTCUSDT"]})", kT0);
  market_->on_text(spot, R"({"req_id":"r1","op":"subscribe","args":["publicTrade.BTCUSDT"]})", kT0);
  market_->on_text(lin, R"({"req_id":"p1","op":"ping"})", kT0);
  market_->on_text(spot, R"({"op":"ping"})", kT0);
  EXPECT_EQ(lin.messages[0],
            R"({"success":true,"ret_msg":"","conn_id":"test-conn","req_id":"","op":"subscribe"})");
  EXPECT_EQ(spot.messages[0],
            R"({"success":true,"ret_msg":"subscribe","conn_id":"test-conn","op":"subscribe"})");
  EXPECT_EQ(spot.messages[1],
            R"({"success":true,"ret_msg":"subscribe","conn_id":"test-conn","req_id":"r1","op":"subscribe"})");
  EXPECT_EQ(lin.messages[1],
            R"({"success":true,"ret_msg":"pong","conn_id":"test-conn","req_id":"p1","op":"ping"})");
  EXPECT_EQ(spot.messages[2], R"({"success":true,"ret_msg":"pong","conn_id":"test-conn","op":"ping"})");
  market_->on_open(opt, Category::kOption);
  market_->on_text(opt, R"({"op":"ping"})", kT0);
  EXPECT_EQ(opt.messages[0], R"({"args":["1800000000000"],"op":"pong"})");
}

TEST_F(PublicMarketTest, BadRequestsAreRefusedAndTheClientKeepsWorking) {
  Recorder r;
  market_->on_open(r, Category::kLinear);
  market_->on_text(r, "not json", kT0);
  market_->on_text(r, R"({"op":"frobnicate","req_id":"x\"y"})", kT0);
  market_->on_text(r, R"({"op":"subscribe","args":["orderbook.500.BTCUSDT"]})", kT0);
  market_->on_text(r, R"({"op":"subscribe","args":["orderbook.50.NOSUCH"]})", kT0);
  market_->on_text(r, R"({"op":"subscribe","args":[7]})", kT0);
  market_->on_text(r, R"({"op":"subscribe","args":["tickers.BTCUSDT","tickers.BTCUSDT"]})", kT0);
  market_->on_text(r, R"({"op":"unsubscribe","args":["publicTrade.BTCUSDT"]})", kT0);
  market_->on_text(r, R"({"op":"ping"})", kT0);
  ASSERT_EQ(r.messages.size(), 8u);
  for (size_t i = 0; i < 7; ++i)
    EXPECT_NE(r.messages[i].find("\"success\":false"), std::string::npos) << r.messages[i];
  EXPECT_NE(r.messages[1].find(R"("req_id":"x\"y")"), std::string::npos);  // echoed, escaped
  EXPECT_NE(r.messages[2].find("error:handler not found,topic:orderbook.500.BTCUSDT"), std::string::npos);
  EXPECT_NE(r.messages[5].find("already subscribed"), std::string::npos);
  EXPECT_NE(r.messages[7].find("\"ret_msg\":\"pong\""), std::string::npos);
  for (const std::string& m : r.messages) {
    simdjson::dom::parser p;
    EXPECT_FALSE(p.parse(m).error()) << m;
  }
}

TEST_F(PublicMarketTest, ClosedClientGetsNothingMore) {
  Recorder a, b;
  subscribe(a, "orderbook.50.BTCUSDT");
  subscribe(b, "orderbook.50.BTCUSDT");
  market_->on_close(a);
  market_->on_book(book(true, {lvl(1000, 5)}, {lvl(1001, 2)}), kT0);
  EXPECT_EQ(a.messages.size(), 1u);
  EXPECT_EQ(b.messages.size(), 2u);
}

TEST_F(PublicMarketTest, InstrumentsInfoReadsBackToTheSameGrid) {
  for (Category c : {Category::kLinear, Category::kSpot}) {
    RestAnswer out;
    market_->on_rest("/v5/market/instruments-info", std::string("category=") + std::string(to_string(c)), kT0,
                     out);
    InstrumentRegistry back;
    const InstrumentsLoad load = load_instruments_json(out.body, back);
    ASSERT_EQ(load.error, InstrumentsJsonError::kOk) << out.body;
    ASSERT_EQ(load.loaded, 1u);
    const Instrument& orig = registry_.get(c == Category::kLinear ? id_ : spot_id_);
    const Instrument& got = back.get(back.find(c, "BTCUSDT"));
    EXPECT_EQ(got.tick_units, orig.tick_units);
    EXPECT_EQ(got.price_scale, orig.price_scale);
    EXPECT_EQ(got.lot_units, orig.lot_units);
    EXPECT_EQ(got.qty_scale, orig.qty_scale);
    EXPECT_EQ(got.min_qty.lots,
              std::max<int64_t>(orig.min_qty.lots, 1));  // an unknown minimum is served as one lot
  }
}

TEST_F(PublicMarketTest, RestErrorsAreRetCodeEnvelopes) {
  RestAnswer out;
  market_->on_rest("/v5/market/orderbook", "category=linear&symbol=NOSUCH", kT0, out);
  EXPECT_NE(out.body.find("\"retCode\":10001"), std::string::npos);
  market_->on_rest("/v5/market/orderbook", "category=bogus&symbol=BTCUSDT", kT0, out);
  EXPECT_NE(out.body.find("\"retCode\":10001"), std::string::npos);
  market_->on_rest("/v5/market/orderbook", "category=linear&symbol=BTCUSDT&limit=5000", kT0, out);
  EXPECT_NE(out.body.find("\"retCode\":10001"), std::string::npos);
  market_->on_rest("/v5/market/kline", "category=linear&symbol=BTCUSDT&interval=7", kT0, out);
  EXPECT_NE(out.body.find("\"retCode\":10001"), std::string::npos);
  market_->on_rest("/v5/market/time", "", kT0, out);
  EXPECT_EQ(
      out.body,
      R"({"retCode":0,"retMsg":"OK","result":{"timeSecond":"1800000000","timeNano":"1800000000000000000"},"retExtInfo":{},"time":1800000000000})");
}

TEST_F(PublicMarketTest, TradesFeedRecentTradesAndKlines) {
  Recorder r;
  subscribe(r, "publicTrade.BTCUSDT");
  TradeEvent t;
  t.instrument = id_;
  t.price = Price{1000};
  t.qty = Qty{3};
  t.taker_side = Side::kSell;
  const TradeEvent prints[] = {t};
  market_->on_trades(prints, kT0);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_NE(r.messages[1].find(R"("S":"Sell","v":"0.003","p":"100.00")"), std::string::npos) << r.messages[1];
  RestAnswer out;
  market_->on_rest("/v5/market/recent-trade", "category=linear&symbol=BTCUSDT&limit=1", kT0, out);
  EXPECT_NE(out.body.find(R"("price":"100.00","size":"0.003","side":"Sell")"), std::string::npos) << out.body;
  market_->on_rest("/v5/market/kline", "category=linear&symbol=BTCUSDT&interval=1", kT0, out);
  EXPECT_NE(out.body.find(R"(["1800000000000","100.00","100.00","100.00","100.00","0.003","0.3"])"),
            std::string::npos)
      << out.body;
}

}  // namespace
}  // namespace mm::simx
