// End-to-end: the real recordings through Replayer (reader -> codec -> BookSync) must parse without error and
// end with books equal, level for level, to an independent std::map reconstruction built here from the raw
// JSON with simdjson's DOM API; and steady-state replay must not allocate.
#include "tools/mm/replay.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tests/support/alloc_counter.h"

namespace mm::tools {
namespace {

const std::string kData = std::string(MM_SHARED_DATA) + "/bybit/";
const std::string kCryptofeed = kData + "cryptofeed-BYBIT-2026-08-09.jsonl.zst";
const std::string kXrp = kData + "2024-12-01_XRPUSDT_ob500.data.zip";

// Reference book: exact decimal value at scale 10 -> size string. Independent of codec and OrderBook.
struct RefBook {
  std::map<int64_t, std::string, std::greater<>> bids;
  std::map<int64_t, std::string> asks;
  int64_t u = 0;
};
using RefBooks = std::map<std::string, RefBook>;  // "linear:BTCUSDT"

int64_t scaled(std::string_view s) {
  int64_t v = 0;
  EXPECT_EQ(parse_fixed(s, 10, v), DecimalError::kOk) << s;
  return v;
}

template <class M>
void apply_side(M& side, simdjson::dom::array levels) {
  for (simdjson::dom::element lvl : levels) {
    const std::string_view p = lvl.at(0).get_string().value();
    const std::string_view q = lvl.at(1).get_string().value();
    if (scaled(q) == 0) {
      side.erase(scaled(p));
    } else {
      side[scaled(p)] = std::string(q);
    }
  }
}

void reference_apply(RefBooks& books, Category category, std::string_view frame) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(frame.data(), frame.size()).value();
  std::string_view topic;
  if (doc["topic"].get(topic) != simdjson::SUCCESS || topic.rfind("orderbook.", 0) != 0) return;
  const std::string key =
      std::string(to_string(category)) + ":" + std::string(topic.substr(topic.rfind('.') + 1));
  RefBook& b = books[key];
  const std::string_view type = doc["type"].get_string().value();
  const int64_t u = doc["data"]["u"].get_int64().value();
  if (type == "snapshot" || u == 1) {
    b = RefBook{};
  } else {
    ASSERT_EQ(u, b.u + 1) << key << ": the real recordings have contiguous u";
  }
  apply_side(b.bids, doc["data"]["b"].get_array().value());
  apply_side(b.asks, doc["data"]["a"].get_array().value());
  b.u = u;
}

RefBooks reference_books(const Replayer& r) {
  RefBooks books;
  for (const std::string& path : r.options().files) {
    std::unique_ptr<FrameSource> src;
    EXPECT_EQ(r.open(path, src), "");
    Frame f;
    for (ReadResult rr; (rr = src->next(f)) != ReadResult::kEnd;) {
      EXPECT_EQ(rr, ReadResult::kOk) << src->error();
      if (rr != ReadResult::kOk) break;
      if (f.kind != FrameKind::kRecv) continue;
      reference_apply(books, f.has_category ? f.category : Category::kLinear, f.data);
    }
  }
  return books;
}

template <class M>
void expect_side_equal(const std::string& key, const Instrument& in, const OrderBook& book, Side side,
                       const M& ref) {
  std::vector<std::pair<int64_t, std::string>> got;
  book.for_each(side, [&](const PriceLevel& l) {
    char p[32], q[32];
    const size_t pn = format_price(in, l.price, p), qn = format_qty(in, l.qty, q);
    got.emplace_back(scaled(std::string_view(p, pn)), std::string(q, qn));
  });
  ASSERT_EQ(got.size(), ref.size()) << key << (side == Side::kBuy ? " bids" : " asks");
  size_t i = 0;
  for (const auto& [price, size] : ref) {
    EXPECT_EQ(got[i].first, price) << key << " level " << i;
    EXPECT_EQ(scaled(got[i].second), scaled(size)) << key << " level " << i;
    ++i;
  }
}

void expect_books_match(const std::vector<std::string>& files, size_t expected_books) {
  ReplayOptions o;
  o.files = files;
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  ASSERT_EQ(r.run(), "");
  EXPECT_EQ(r.counters().parse_errors, 0u) << "codec errors: see CodecStats";
  EXPECT_EQ(r.counters().gaps, 0u);
  EXPECT_EQ(r.counters().book_errors, 0u);
  EXPECT_EQ(r.counters().read_errors, 0u);
  const RefBooks ref = reference_books(r);
  ASSERT_EQ(ref.size(), expected_books);
  size_t compared = 0;
  for (size_t i = 0; i < r.registry().size(); ++i) {
    const BookSync* b = r.book(static_cast<InstrumentId>(i));
    if (b == nullptr) continue;
    const Instrument& in = r.registry().get(static_cast<InstrumentId>(i));
    const std::string key = std::string(to_string(in.category)) + ":" + std::string(in.name());
    ASSERT_TRUE(ref.count(key)) << key;
    const RefBook& rb = ref.at(key);
    EXPECT_TRUE(b->trusted()) << key;
    EXPECT_EQ(b->last_update_id(), rb.u) << key;
    expect_side_equal(key, in, b->book(), Side::kBuy, rb.bids);
    expect_side_equal(key, in, b->book(), Side::kSell, rb.asks);
    ++compared;
  }
  EXPECT_EQ(compared, expected_books);
}

TEST(Replay, CryptofeedBooksEqualIndependentReconstruction) {
  // linear BTC/ETH/SOL/DOGE + spot BTC/ETH
  expect_books_match({kCryptofeed}, 6);
}

TEST(Replay, XrpHistoryBookEqualsIndependentReconstruction) {
  // The cryptofeed file first supplies the real linear XRPUSDT instrument.
  expect_books_match({kCryptofeed, kXrp}, 7);
}

TEST(Replay, XrpHistoryAloneInfersGrid) {
  ReplayOptions o;
  o.files = {kXrp};
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  ASSERT_EQ(r.run(), "");
  EXPECT_EQ(r.counters().frames, 50u);
  EXPECT_EQ(r.counters().parse_errors, 0u);
  const InstrumentId id = r.registry().find(Category::kLinear, "XRPUSDT");
  ASSERT_NE(id, kNoInstrument);
  EXPECT_TRUE(r.registry().get(id).inferred);
  ASSERT_NE(r.book(id), nullptr);
  EXPECT_EQ(r.book(id)->last_update_id(), 20254918);
}

TEST(Replay, JsonReportHasDocumentedKeys) {
  ReplayOptions o;
  o.files = {kCryptofeed};
  o.top = 3;
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  ASSERT_EQ(r.run(), "");
  const std::string json = replay_json_report(r);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json).value();
  EXPECT_EQ(doc["frames"].get_uint64().value(), 3227u);
  EXPECT_GT(doc["messages"].get_uint64().value(), 3000u);
  EXPECT_EQ(doc["errors"]["parse"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["errors"]["gap"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["errors"]["resync"].get_uint64().value(), 0u);
  EXPECT_GT(doc["throughput"]["msgs_per_s"].get_double().value(), 0.0);
  EXPECT_GT(doc["throughput"]["mb_per_s"].get_double().value(), 0.0);
  for (const char* stage : {"parse", "book", "total"}) {
    for (const char* k : {"p50", "p90", "p99", "p999", "max"}) {
      EXPECT_TRUE(doc["latency_ns"][stage][k].is_int64()) << stage << "." << k;
    }
  }
  simdjson::dom::element btc = doc["books"]["linear:BTCUSDT"].value();
  EXPECT_GT(btc["u"].get_int64().value(), 0);
  simdjson::dom::array bids = btc["bids"].get_array().value();
  ASSERT_EQ(bids.size(), 3u);
  // Decimal strings as Bybit prints linear BTCUSDT: price with 2 decimals, size with 3.
  const std::string_view p = bids.at(0).at(0).get_string().value();
  const std::string_view q = bids.at(0).at(1).get_string().value();
  EXPECT_EQ(p.size() - p.find('.'), 3u) << p;
  EXPECT_EQ(q.size() - q.find('.'), 4u) << q;
  EXPECT_TRUE(doc["books"]["spot:ETHUSDT"].is_object());
}

// A cryptofeed capture of `frames` ({connection, JSON}), one connection per category.
std::string write_capture(const std::string& name,
                          const std::vector<std::pair<std::string, std::string>>& frames) {
  const std::string path = ::testing::TempDir() + name;
  std::string out = R"({"t":"header","format":2,"exchange":"BYBIT"})"
                    "\n";
  for (const char* cat : {"spot", "linear", "option"}) {
    out += std::string(R"({"t":"connect","conn":")") + cat +
           R"(","ts":1786310818.0,"addr":"wss://stream.bybit.com/v5/public/)" + cat + "\"}\n";
  }
  double ts = 1786310819.0;
  for (const auto& [conn, json] : frames) {
    std::string esc;
    for (char c : json) {
      if (c == '"') esc += '\\';
      esc += c;
    }
    char t[32];
    std::snprintf(t, sizeof t, "%.3f", ts += 0.001);
    if (conn == "http") {  // an instruments-info response
      out += R"({"t":"http","conn":"http","ts":)" + std::string(t) +
             R"(,"url":"https://api.bybit.com/v5/market/instruments-info?category=spot","data":")" + esc +
             "\"}\n";
      continue;
    }
    out += R"({"t":"recv","conn":")" + conn + R"(","ts":)" + t + R"(,"data":")" + esc + "\"}\n";
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  std::fwrite(out.data(), 1, out.size(), f);
  std::fclose(f);
  return path;
}

// Issue 14: real Bybit traffic the project had not met. A spot orderbook.1 stream whose sizes gain a decimal
// after the first snapshot keeps its book (the inferred grid is refined, not every later message a parse
// error); well-formed messages that cannot be decoded here are counted by reason, not as parse errors.
TEST(Replay, UnseenTrafficRefinesTheGridAndCountsSkipsByReason) {
  const std::string cap = write_capture(
      "unseen.jsonl",
      {{"spot",
        R"({"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["65000.1","1.5"]],"a":[["65000.2","0.7"]],"u":1,"seq":1},"cts":1})"},
       {"spot",
        R"({"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":2,"data":{"s":"BTCUSDT","b":[["65000.1","1.25"]],"a":[["65000.25","0.7"]],"u":2,"seq":2},"cts":2})"},
       {"spot",
        R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":3,"data":[{"T":3,"s":"BTCUSDT","S":"Buy","v":"0.125","p":"65000.2","L":"PlusTick","i":"t1","BT":false}]})"},
       {"linear",
        R"({"topic":"liquidation.ETHUSDT","type":"snapshot","ts":4,"data":{"updatedTime":4,"symbol":"ETHUSDT","side":"Buy","size":"0.1","price":"2000.00"}})"},
       {"linear",
        R"({"topic":"allLiquidation.ETHUSDT","type":"snapshot","ts":5,"data":[{"T":5,"s":"ETHUSDT","S":"Sell","v":"0.1","p":"2000.00"}]})"},
       {"linear", R"({"topic":"insurance.USDT","type":"delta","ts":6,"data":[]})"},
       {"linear",
        R"({"topic":"orderbook.x.ETHUSDT","type":"delta","ts":7,"data":{"s":"ETHUSDT","b":[],"a":[],"u":3,"seq":3}})"},
       {"option",
        R"({"topic":"publicTrade.BTC","type":"snapshot","id":"x","ts":8,"data":[{"T":8,"s":"BTC-27DEC26-60000-C","S":"Buy","v":"0.1","p":"1000","L":"PlusTick","i":"t2","BT":false}]})"},
       {"option",
        R"({"topic":"tickers.BTC-27DEC26-60000-C","type":"snapshot","id":"y","ts":9,"data":{"symbol":"BTC-27DEC26-60000-C","bidPrice":"100","bidSize":"1","askPrice":"110","askSize":"1","lastPrice":"105","markPrice":"104"}})"}});
  ReplayOptions o;
  o.files = {cap};
  o.top = 1;
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  ASSERT_EQ(r.run(), "");
  const InstrumentId id = r.registry().find(Category::kSpot, "BTCUSDT");
  ASSERT_NE(id, kNoInstrument);
  const Instrument& in = r.registry().get(id);
  EXPECT_TRUE(in.inferred);
  char buf[32];
  EXPECT_EQ(std::string(buf, format_price(in, Price{1}, buf)), "0.01") << "65000.25 refined the price grid";
  EXPECT_EQ(std::string(buf, format_qty(in, Qty{1}, buf)), "0.001") << "the trade's 0.125 refined the sizes";
  ASSERT_NE(r.book(id), nullptr);
  EXPECT_EQ(r.book(id)->last_update_id(), 2) << "the second snapshot was applied, not refused";
  const ReplayCounters& c = r.counters();
  EXPECT_EQ(c.parse_errors, 1u) << "orderbook.x.ETHUSDT is malformed: the only parse error";
  EXPECT_EQ(c.unknown_instrument, 4u) << "liquidation, allLiquidation, option trade, option ticker";
  EXPECT_EQ(c.unsupported_topic, 1u) << "insurance.USDT";
  simdjson::dom::parser parser;
  const simdjson::dom::element doc = parser.parse(replay_json_report(r)).value();
  EXPECT_EQ(doc["errors"]["parse"].get_uint64().value(), 1u);
  EXPECT_EQ(doc["skipped"]["unknown_instrument"].get_uint64().value(), 4u);
  EXPECT_EQ(doc["skipped"]["unsupported_topic"].get_uint64().value(), 1u);
}

TEST(Replay, AnInstrumentsInfoGridStaysStrict) {
  const std::string cap = write_capture(
      "strict.jsonl",
      {{"http",
        R"({"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"symbol":"BTCUSDT","status":"Trading","lotSizeFilter":{"basePrecision":"0.1","minOrderQty":"0.1"},"priceFilter":{"tickSize":"0.1"}}]}})"},
       {"spot",
        R"({"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["65000.1","1.5"]],"a":[["65000.2","0.7"]],"u":1,"seq":1},"cts":1})"},
       {"spot",
        R"({"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":2,"data":{"s":"BTCUSDT","b":[["65000.1","1.25"]],"a":[["65000.2","0.7"]],"u":2,"seq":2},"cts":2})"}});
  ReplayOptions o;
  o.files = {cap};
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  ASSERT_EQ(r.run(), "");
  const InstrumentId id = r.registry().find(Category::kSpot, "BTCUSDT");
  ASSERT_NE(id, kNoInstrument);
  const Instrument& in = r.registry().get(id);
  EXPECT_FALSE(in.inferred);
  char buf[32];
  EXPECT_EQ(std::string(buf, format_qty(in, Qty{1}, buf)), "0.1") << "the exchange's own step is not widened";
  EXPECT_EQ(r.counters().parse_errors, 1u) << "1.25 is off the 0.1 step: malformed for this instrument";
  EXPECT_EQ(r.counters().unknown_instrument, 0u);
}

TEST(Replay, FiltersByCategoryAndSymbol) {
  ReplayOptions o;
  o.files = {kCryptofeed};
  o.category = Category::kSpot;
  o.symbol = "ETHUSDT";
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  ASSERT_EQ(r.run(), "");
  size_t books = 0;
  for (size_t i = 0; i < r.registry().size(); ++i) books += r.book(static_cast<InstrumentId>(i)) != nullptr;
  EXPECT_EQ(books, 1u);
  EXPECT_NE(r.book(r.registry().find(Category::kSpot, "ETHUSDT")), nullptr);
  EXPECT_GT(r.counters().filtered, 0u);
}

TEST(Replay, MissingFileIsAClearError) {
  ReplayOptions o;
  o.files = {kData + "no-such-file.jsonl"};
  Replayer r(o);
  const std::string err = r.prepare();
  EXPECT_NE(err.find("no-such-file.jsonl"), std::string::npos) << err;
}

// Copies of the recording's received frames with the padding the codec needs.
struct OwnedFrame {
  std::string bytes;  // data + kFramePadding spare bytes
  size_t size;
  Category category;
  bool has_category;
  int64_t recv_ns;
  Frame view() const {
    Frame f;
    f.data = std::string_view(bytes.data(), size);
    f.category = category;
    f.has_category = has_category;
    f.recv_ns = recv_ns;
    return f;
  }
};

TEST(Replay, SteadyStateDoesNotAllocate) {
  ReplayOptions o;
  o.files = {kCryptofeed};
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  std::vector<OwnedFrame> frames;
  std::unique_ptr<FrameSource> src;
  ASSERT_EQ(r.open(kCryptofeed, src), "");
  Frame f;
  while (src->next(f) == ReadResult::kOk) {
    if (f.kind != FrameKind::kRecv) continue;
    std::string b(f.data);
    b.resize(b.size() + kFramePadding, ' ');
    frames.push_back({std::move(b), f.data.size(), f.category, f.has_category, f.recv_ns});
  }
  ASSERT_GT(frames.size(), 3000u);
  // Warm-up pass: the first snapshot of each book creates it (its one allocation, at first sight). The
  // measured second pass replays the same frames: each book's first message there is again its snapshot.
  for (const OwnedFrame& of : frames) r.process(of.view());
  const uint64_t before = r.counters().messages;
  uint64_t allocations = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    test::AllocScope scope;
    r.process(frames[i].view());
    EXPECT_EQ(scope.allocations(), 0u) << "frame " << i << ": " << frames[i].bytes.substr(0, 120);
    allocations += scope.allocations();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(r.counters().messages - before, frames.size());
  EXPECT_EQ(r.counters().gaps, 0u);
  EXPECT_EQ(r.counters().parse_errors, 0u);
}

}  // namespace
}  // namespace mm::tools
