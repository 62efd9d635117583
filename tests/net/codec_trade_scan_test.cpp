// The strict publicTrade scanner (CodecImpl::fast_trade, net/detail/trade_scan.cpp) against the simdjson
// path (CodecImpl::run_reference), the parser of record. For every input:
//   - when fast_trade takes the frame, run_reference must answer {kOk, kTrade} with the same trades, field
//     for field;
//   - parse_padded (the production dispatch) must give run_reference's result: same error code, or same
//     kind and, for trades, the same events;
//   - parse_trade_frame (the scanner alone, which the replay pipeline's feed thread runs ahead of
//     parse_padded) must take exactly the frames parse_padded gives fast_trade and fast_trade takes, with
//     parse_padded's events and stats, and count nothing for the others.
// Inputs: every frame of the real recording (the scanner takes every publicTrade frame and nothing else),
// the shapes Bybit documents (T, s, S, v, p, L, i, BT, RPI, seq; several items), spellings the scanner must
// refuse, and random mutations of real trade frames, each with adversarial bytes in the padding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "net/detail/codec_impl.h"
#include "tests/net/codec_test_data.h"
#include "tests/net/codec_test_registry.h"

namespace mm {
namespace {

using detail::CodecImpl;

bool same_trade(const TradeEvent& a, const TradeEvent& b) {
  return a.instrument == b.instrument && a.taker_side == b.taker_side && a.block_trade == b.block_trade &&
         a.price == b.price && a.qty == b.qty && a.trade_ts_ms == b.trade_ts_ms && a.ts_ms == b.ts_ms &&
         a.seq == b.seq;
}

bool same_trades(std::span<const TradeEvent> a, std::span<const TradeEvent> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!same_trade(a[i], b[i])) return false;
  }
  return true;
}

std::string describe(std::span<const TradeEvent> t) {
  std::string s = std::to_string(t.size()) + " trades";
  for (const TradeEvent& e : t) {
    s += " [inst " + std::to_string(e.instrument) + " side " +
         std::to_string(static_cast<int>(e.taker_side)) + " bt " + std::to_string(e.block_trade) + " px " +
         std::to_string(e.price.ticks) + " qty " + std::to_string(e.qty.lots) + " T " +
         std::to_string(e.trade_ts_ms) + " ts " + std::to_string(e.ts_ms) + " seq " + std::to_string(e.seq) +
         "]";
  }
  return s;
}

// Paddings that would change a token if the scanner read past the frame.
std::vector<std::string> paddings(const std::string& frame) {
  return mm::test::paddings(frame, "\"}],\"ts\":1}");
}

// Four codecs: one runs only the scanner, one only simdjson, one the production dispatch, one
// parse_trade_frame.
class TradeScan : public ::testing::Test {
 public:
  explicit TradeScan(const InstrumentRegistry& reg, CodecLimits limits = {})
      : fast_(reg, limits), ref_(reg, limits), full_(reg, limits), pre_(reg, limits) {}
  TradeScan() : TradeScan(test::recording_registry()) {}

  // Checks one input whose bytes are followed by `padding`. Returns whether the scanner took it.
  bool check(const std::string& frame, Category cat, const std::string& padding = "") {
    std::string buf = frame;
    buf += padding;
    buf.resize(frame.size() + BybitCodec::kPadding, padding.empty() ? ' ' : padding.back());
    const size_t len = frame.size();
    const bool taken = CodecImpl::fast_trade(fast_, buf.data(), len, cat);
    const ParseResult ref = CodecImpl::run_reference(ref_, buf.data(), len, cat);
    if (ref.error != CodecError::kOk) ++ref_errors_;
    if (ref.error == CodecError::kOk && ref.kind == MsgKind::kTrade) ++ref_trades_;
    if (taken) {
      EXPECT_EQ(ref.error, CodecError::kOk) << "scanner took a frame simdjson rejects: " << frame;
      EXPECT_EQ(ref.kind, MsgKind::kTrade) << frame;
      if (ref.error == CodecError::kOk && ref.kind == MsgKind::kTrade) {
        EXPECT_TRUE(same_trades(fast_.trades(), ref_.trades()))
            << "fast " << describe(fast_.trades()) << "\nref  " << describe(ref_.trades()) << "\n"
            << frame;
      }
    }
    const ParseResult full = full_.parse_padded(buf.data(), len, cat);
    EXPECT_EQ(full.error, ref.error) << frame;
    EXPECT_EQ(full.kind, ref.kind) << frame;
    if (full.error == CodecError::kOk && ref.error == CodecError::kOk && full.kind == MsgKind::kTrade) {
      EXPECT_TRUE(same_trades(full_.trades(), ref_.trades()))
          << "full " << describe(full_.trades()) << "\nref  " << describe(ref_.trades()) << "\n"
          << frame;
    }
    const CodecStats before = pre_.stats();
    const bool pre = pre_.parse_trade_frame(buf.data(), len, cat);
    EXPECT_EQ(pre, taken && detail::trade_spelling(buf.data(), len)) << frame;
    if (pre) {
      ++pre_taken_;
      EXPECT_EQ(full.error, CodecError::kOk) << frame;
      EXPECT_EQ(full.kind, MsgKind::kTrade) << frame;
      EXPECT_TRUE(same_trades(pre_.trades(), full_.trades()))
          << "pre  " << describe(pre_.trades()) << "\nfull " << describe(full_.trades()) << "\n"
          << frame;
      EXPECT_EQ(pre_.stats().frames, before.frames + 1);
      EXPECT_EQ(pre_.stats().kinds[static_cast<size_t>(MsgKind::kTrade)],
                before.kinds[static_cast<size_t>(MsgKind::kTrade)] + 1);
    } else {
      EXPECT_EQ(pre_.stats().frames, before.frames) << "a frame left to parse_padded is not counted";
    }
    return taken;
  }

  BybitCodec fast_, ref_, full_, pre_;
  uint64_t pre_taken_ = 0;
  uint64_t ref_errors_ = 0, ref_trades_ = 0;
};

struct Input {
  std::string frame;
  Category category = Category::kLinear;
};

const std::vector<Input>& recorded_frames() {
  static const std::vector<Input> all = [] {
    std::vector<Input> out;
    std::map<std::string, Category> cats;
    for (const test::Record& r : test::recording()) {
      if (r.t != "recv") continue;
      auto it = cats.find(r.conn);
      if (it == cats.end()) it = cats.emplace(r.conn, test::conn_category(r.conn)).first;
      out.push_back({r.data, it->second});
    }
    return out;
  }();
  return all;
}

bool is_trade(const std::string& frame) {
  return frame.find("\"publicTrade.") != std::string::npos;
}

TEST_F(TradeScan, EveryRealTradeFrameIsTakenAndNothingElse) {
  uint64_t trades = 0, taken_trades = 0, taken_other = 0;
  for (const Input& in : recorded_frames()) {
    for (const std::string& pad : paddings(in.frame)) {
      const bool taken = check(in.frame, in.category, pad);
      if (is_trade(in.frame)) {
        ++trades;
        taken_trades += taken;
      } else {
        taken_other += taken;
      }
    }
  }
  EXPECT_EQ(trades, 6u * 120);  // the recording's 120 publicTrade frames (linear and spot), 6 paddings
  EXPECT_EQ(taken_trades, trades);
  EXPECT_EQ(taken_other, 0u);
  EXPECT_EQ(pre_taken_, trades) << "parse_trade_frame takes every real trade frame too";
  EXPECT_EQ(ref_errors_, 0u);
}

// The documented shapes on a hand-made registry: one item, several, optional fields absent, block trades,
// RPI, other key orders and whitespace, type delta or absent, cts, an empty list.
class TradeShapes : public TradeScan {
 protected:
  TradeShapes() : TradeScan(*registry()) {}
  static const InstrumentRegistry* registry() {
    static const auto reg = test::small_registry();
    return reg.get();
  }
};

constexpr const char* kItem =
    R"({"T":1786310819680,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","L":"MinusTick",)"
    R"("i":"a9188a0a-82bc-50de-be60-03eedbe3cdd7","BT":false,"RPI":false,"seq":753843954913})";

std::string frame_of(const std::string& items, const std::string& topic = "publicTrade.BTCUSDT") {
  return R"({"topic":")" + topic + R"(","type":"snapshot","ts":1786310819681,"data":[)" + items + "]}";
}

TEST_F(TradeShapes, BybitsSpellingIsTakenWithTheValues) {
  ASSERT_TRUE(check(frame_of(kItem), Category::kLinear));
  const auto t = fast_.trades();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].instrument, registry()->find(Category::kLinear, "BTCUSDT"));
  EXPECT_EQ(t[0].taker_side, Side::kSell);
  EXPECT_FALSE(t[0].block_trade);
  EXPECT_EQ(t[0].price.ticks, 651142);  // tick 0.10
  EXPECT_EQ(t[0].qty.lots, 4);          // step 0.001
  EXPECT_EQ(t[0].trade_ts_ms, 1786310819680);
  EXPECT_EQ(t[0].ts_ms, 1786310819681);
  EXPECT_EQ(t[0].seq, 753843954913);
}

TEST_F(TradeShapes, SeveralItemsAndOptionalFields) {
  const std::string items =
      std::string(kItem) +
      R"(,{"T":1786310819681,"s":"BTCUSDT","S":"Buy","v":"1.250","p":"65114.30","BT":true})" +
      R"(,{"S":"Buy","p":"65114.4","v":"2","T":1})" +
      R"(,{"T":2,"S":"Sell","v":"0.001","p":"1","RPI":true,"x":[{"y":null},1.5e3,-2]})";
  ASSERT_TRUE(check(frame_of(items), Category::kLinear));
  const auto t = fast_.trades();
  ASSERT_EQ(t.size(), 4u);
  EXPECT_TRUE(t[1].block_trade);
  EXPECT_EQ(t[1].taker_side, Side::kBuy);
  EXPECT_EQ(t[1].seq, 0);  // absent
  EXPECT_EQ(t[2].price.ticks, 651144);
  EXPECT_EQ(t[2].qty.lots, 2000);
  EXPECT_EQ(t[3].price.ticks, 10);
}

TEST_F(TradeShapes, OtherKeyOrdersWhitespaceTypesAndEmptyLists) {
  const std::vector<std::string> frames = {
      R"({"ts":5,"topic":"publicTrade.BTCUSDT","data":[)" + std::string(kItem) + "]}",  // ts first, no type
      R"({"topic":"publicTrade.BTCUSDT","data":[)" + std::string(kItem) +
          R"(],"type":"delta","ts":5,"cts":4})",
      " { \"topic\" : \"publicTrade.ETHUSDT\" ,\n\"type\":\"snapshot\",\t\"ts\" : 7 , \"data\" : [ { \"T\" : "
      "1 , "
      "\"S\" : \"Buy\" , \"v\" : \"0.01\" , \"p\" : \"1922.50\" } , "
      "{\"p\":\"1.00\",\"v\":\"3\",\"S\":\"Sell\",\"T\":2} ] } \r\n",
      frame_of(""),
      R"({"topic":"publicTrade.BTCUSDT","ts":1,"data":[],"id":"x","z":{"a":[true,false,null]}})",
      frame_of(kItem, "publicTrade.BTCUSD"),  // inverse symbol: the item's "s" differs, so not mine
  };
  EXPECT_TRUE(check(frames[0], Category::kLinear));
  EXPECT_TRUE(check(frames[1], Category::kLinear));
  EXPECT_TRUE(check(frames[2], Category::kLinear));
  EXPECT_EQ(fast_.trades().size(), 2u);
  EXPECT_TRUE(check(frames[3], Category::kLinear));
  EXPECT_EQ(fast_.trades().size(), 0u);
  EXPECT_TRUE(check(frames[4], Category::kLinear));
  EXPECT_FALSE(check(frames[5], Category::kInverse));
}

// parse_trade_frame takes what the production dispatch gives the scanner (Bybit's spelling, topic first), not
// a trade frame the scanner would take in another order (the dispatch tries fast_book on it, then simdjson),
// nor any other topic; check() compares its events and stats with parse_padded's.
TEST_F(TradeShapes, ParseTradeFrameTakesOnlyWhatTheDispatchGivesTheScanner) {
  EXPECT_TRUE(check(frame_of(kItem), Category::kLinear));
  EXPECT_EQ(pre_taken_, 1u);
  EXPECT_TRUE(check(R"({"ts":5,"topic":"publicTrade.BTCUSDT","data":[)" + std::string(kItem) + "]}",
                    Category::kLinear));
  EXPECT_EQ(pre_taken_, 1u);
  EXPECT_FALSE(check(R"({"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT",)"
                     R"("b":[["65114.20","0.004"]],"a":[],"u":1,"seq":2}})",
                     Category::kLinear));
  EXPECT_FALSE(check(R"({"topic":"publicTrade.BTCUSDT","data":[)" + std::string(kItem) + "]}",
                     Category::kLinear));  // no ts: simdjson reports the missing field
  EXPECT_EQ(pre_taken_, 1u);
}

// Spellings the scanner leaves to simdjson (which may accept them or report an error): each must be refused,
// and the production dispatch must still give simdjson's answer (check() verifies that part).
TEST_F(TradeShapes, RefusedSpellingsFallBackToSimdjson) {
  const std::string item = kItem;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = frame_of(item);
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const std::vector<std::string> refused = {
      with(R"("s":"BTCUSDT")", R"("symbol":"BTCUSDT")"),           // the long alias: slow path merges
      with(R"("S":"Sell")", R"("S":"Sell","side":"Buy")"),         // alias duplicates a field
      with(R"("T":1786310819680)", R"("T":1786310819680,"T":1)"),  // duplicate key
      with(R"("s":"BTCUSDT")", R"("s":"ETHUSDT")"),                // kSymbolMismatch
      with(R"("S":"Sell",)", ""),                                  // kMissingField
      with(R"("S":"Sell")", R"("S":"sell")"),                      // kBadValue
      with(R"("T":1786310819680)", R"("T":"1786310819680")"),      // a string timestamp: not mine
      with(R"("T":1786310819680)", R"("T":01786310819680)"),       // leading zero
      with(R"("p":"65114.20")", R"("p":"65114.25")"),              // off the grid: kBadNumber
      with(R"("p":"65114.20")", R"("p":"6.511420e4")"),            // not the plain decimal shape
      with(R"("v":"0.004")", R"("v":0.004)"),                      // a number: kWrongType
      with(R"("BT":false)", R"("BT":"false")"),                    // kWrongType
      with(R"("L":"MinusTick")", R"("L":"Minus\u0054ick")"),       // escapes go to simdjson
      with(R"("i":"a9188a0a)", "\"i\":\"\xc3\xa9"),                // UTF-8 goes to simdjson
      with(R"("RPI":false)", R"("RPI":fals)"),                     // invalid JSON: kJson
      with(R"("type":"snapshot")", R"("type":"COMMAND_RESP")"),
      with(R"("ts":1786310819681,)", R"("ts":1786310819681,"cs":5,)"),  // a top key the slow path reads
      with(R"("ts":1786310819681,)", ""),                               // no ts: kMissingField
      with(R"("topic":"publicTrade.BTCUSDT")", R"("topic":"publicTrade.NOPE")"),
      with(R"("topic":"publicTrade.BTCUSDT")", R"("topic":"publicTrade.BTC")"),  // option base coin topic
      R"({"data":[)" + item + R"(],"topic":"publicTrade.BTCUSDT","ts":1})",      // data before topic
      frame_of(item) + "x",                                                      // trailing bytes
      frame_of(item).substr(0, 120),                                             // cut short
      R"({"topic":"publicTrade.BTCUSDT","ts":1,"data":{"T":1,"S":"Buy","v":"1","p":"1"}})",  // not a list
  };
  for (const std::string& f : refused) {
    EXPECT_FALSE(check(f, Category::kLinear)) << f;
  }
  // The escape in a key, and the unknown key with an escaped name, too.
  EXPECT_FALSE(check(with(R"("BT":false)", R"("B\u0054":false)"), Category::kLinear));
}

TEST_F(TradeShapes, MoreItemsThanTheLimitAreRefused) {
  // A fresh codec trio with room for 2 trades: the third item is kTooManyItems on the slow path.
  struct Small : TradeScan {
    Small() : TradeScan(*TradeShapes::registry(), CodecLimits{.max_trades = 2}) {}
    void TestBody() override {}
  } small;
  const std::string two = std::string(kItem) + "," + kItem;
  EXPECT_TRUE(small.check(frame_of(two), Category::kLinear));
  EXPECT_FALSE(small.check(frame_of(two + "," + kItem), Category::kLinear));
}

// The topic memo: eight entries, round robin. More topics than entries, the same topic bytes in another
// category, and a topic that is a prefix of another all keep simdjson's answer.
TEST_F(TradeShapes, TopicMemoAcrossCategoriesAndEvictions) {
  const std::vector<std::pair<std::string, Category>> topics = {
      {"BTCUSDT", Category::kLinear}, {"ETHUSDT", Category::kLinear},  {"XRPUSDT", Category::kLinear},
      {"ICPUSDT", Category::kLinear}, {"GALAUSDT", Category::kLinear}, {"ROSEUSDT", Category::kLinear},
      {"BTCUSDT", Category::kSpot},   {"BTCUSD", Category::kInverse},  {"BTCUSDT", Category::kInverse},
      {"BTCUSDT", Category::kLinear}, {"BTCUS", Category::kLinear},    {"BTCUSDTX", Category::kLinear}};
  for (int round = 0; round < 3; ++round) {
    for (const auto& [sym, cat] : topics) {
      const std::string f =
          R"({"topic":"publicTrade.)" + sym + R"(","ts":3,"data":[{"T":1,"S":"Buy","v":"1","p":"1"}]})";
      const bool known = registry()->find(cat, sym) != kNoInstrument;
      EXPECT_EQ(check(f, cat), known) << sym << " " << static_cast<int>(cat);
    }
  }
}

// ---- Mutations of real trade frames ----------------------------------------------------------------------

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}
  size_t pick(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }

  std::string mutate(std::string s) {
    const int rounds = 1 + (pick(3) == 0 ? static_cast<int>(pick(3)) : 0);
    for (int r = 0; r < rounds; ++r) s = one(std::move(s));
    return s;
  }

 private:
  std::string one(std::string s) {
    if (s.empty()) return s;
    switch (pick(9)) {
      case 0:
        return s.substr(0, pick(s.size() + 1));
      case 1: {
        static const char kBytes[] = "0123456789\"\\{}[],:. -+eE\t\n\rSTsvpabnt\x01\x7f\x80\xff";
        s[pick(s.size())] = kBytes[pick(sizeof kBytes - 1)];
        return s;
      }
      case 2: {
        static const char* const kWs[] = {" ", "\t", "\n", "\r", "\f", "\xc2\xa0"};
        s.insert(pick(s.size() + 1), kWs[pick(6)]);
        return s;
      }
      case 3:
        return replace_token(std::move(s), {"\"Buy\"", "\"Sell\"", "\"buy\"", "\"\"", "1", "true", "null"},
                             "\"S\":");
      case 4:
        return replace_token(std::move(s), {"true", "false", "\"true\"", "1", "null", "tru"}, "\"BT\":");
      case 5:
        return replace_token(std::move(s),
                             {"\"1\"", "1", "01", "-1", "1.5", "123456789012345678901", "\"\"", "1e3"},
                             pick(2) == 0 ? "\"T\":" : "\"seq\":");
      case 6:
        return replace_token(std::move(s),
                             {"\"1.0\"", "\"0\"", "\"1.\"", "\".5\"", "\"1e3\"", "1", "\"00.1\"",
                              "\"99999999999999999999\"", "\"0.0000000001\"", "\"-1\""},
                             pick(2) == 0 ? "\"p\":" : "\"v\":");
      case 7: {  // a key duplicated, dropped or renamed
        static const char* const kKeys[] = {
            "\"T\":", "\"s\":", "\"S\":", "\"v\":", "\"p\":", "\"BT\":", "\"seq\":", "\"i\":"};
        static const char* const kTo[] = {
            "\"symbol\":", "\"side\":", "\"size\":", "\"price\":", "\"updatedTime\":", "\"x\":", "\"t\":"};
        const std::string key = kKeys[pick(8)];
        const size_t at = s.find(key, pick(s.size()));
        if (at == std::string::npos) return s;
        if (pick(2) == 0) return s.replace(at, key.size(), kTo[pick(7)]);
        const size_t vend = s.find_first_of(",}", at);
        if (vend == std::string::npos) return s;
        const std::string member = s.substr(at, vend - at);
        return pick(2) == 0 ? s.insert(vend, "," + member)
                            : s.erase(at, vend - at + (s[vend] == ',' ? 1 : 0));
      }
      default: {  // an item duplicated or an unknown member inserted
        const size_t at = s.find("{\"T\"", pick(s.size()));
        if (at == std::string::npos) return s;
        if (pick(2) == 0) {
          const size_t close = s.find('}', at);
          if (close == std::string::npos) return s;
          return s.insert(close + 1, "," + s.substr(at, close + 1 - at));
        }
        static const char* const kUnknown[] = {"\"z\":[1,{\"a\":null}],", "\"z\":01,", "\"z\":\"\t\",",
                                               "\"cs\":1,", "\"z\":{},"};
        return s.insert(at + 1, kUnknown[pick(5)]);
      }
    }
  }

  std::string replace_token(std::string s, std::vector<std::string> values, const std::string& key) {
    const size_t at = s.find(key, pick(s.size()));
    if (at == std::string::npos) return s;
    const size_t v0 = at + key.size();
    const size_t v1 = s.find_first_of(",}", v0);
    if (v1 == std::string::npos) return s;
    return s.replace(v0, v1 - v0, values[pick(values.size())]);
  }

  std::mt19937_64 rng_;
};

TEST_F(TradeScan, RandomMutationsOfRealTradeFrames) {
  std::vector<Input> trades;
  for (const Input& in : recorded_frames()) {
    if (is_trade(in.frame)) trades.push_back(in);
  }
  ASSERT_FALSE(trades.empty());
  Mutator mut(20261207);
  constexpr int kMutations = 30000;
  uint64_t taken = 0, changed = 0;
  for (int i = 0; i < kMutations; ++i) {
    const Input& in = trades[mut.pick(trades.size())];
    const std::string m = mut.mutate(in.frame);
    changed += m != in.frame;
    const auto pads = paddings(m);
    taken += check(m, in.category, pads[mut.pick(pads.size())]);
    if (HasFailure()) {
      ADD_FAILURE() << "mutation " << i;
      return;
    }
  }
  std::printf(
      "[   INFO   ] %d mutations: %llu changed the frame, simdjson: %llu trades / %llu errors, scanner took "
      "%llu\n",
      kMutations, static_cast<unsigned long long>(changed), static_cast<unsigned long long>(ref_trades_),
      static_cast<unsigned long long>(ref_errors_), static_cast<unsigned long long>(taken));
  EXPECT_GT(changed, kMutations * 7 / 10);
  EXPECT_GT(ref_errors_, static_cast<uint64_t>(kMutations / 5));
  EXPECT_GT(taken, static_cast<uint64_t>(kMutations / 10));
  EXPECT_LT(taken, ref_trades_);
}

}  // namespace
}  // namespace mm
