// Malformed input: every case returns an error code and is counted; none may crash, hang or trip
// ASan/UBSan (CI runs this suite under both).
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "net/bybit_codec.h"
#include "tests/net/codec_test_data.h"
#include "tests/net/codec_test_registry.h"

namespace mm {
namespace {

// A real linear BTCUSDT order-book delta from the recording (the first one).
const std::string& real_delta() {
  static const std::string frame = [] {
    for (const test::Record& r : test::recording()) {
      if (r.t == "recv" && r.data.find(R"("topic":"orderbook.200.BTCUSDT","type":"delta")") != std::string::npos) {
        return r.data;
      }
    }
    throw std::runtime_error("no delta");
  }();
  return frame;
}

const std::string& real_snapshot() {
  static const std::string frame = [] {
    for (const test::Record& r : test::recording()) {
      if (r.t == "recv" && r.data.find(R"("topic":"orderbook.200.ETHUSDT","type":"snapshot")") != std::string::npos) {
        return r.data;
      }
    }
    throw std::runtime_error("no snapshot");
  }();
  return frame;
}

std::string replace(std::string s, std::string_view from, std::string_view to) {
  const size_t pos = s.find(from);
  if (pos == std::string::npos) throw std::runtime_error("pattern not found: " + std::string(from));
  s.replace(pos, from.size(), to);
  return s;
}

class CodecMalformed : public ::testing::Test {
 protected:
  const InstrumentRegistry& reg_ = test::recording_registry();
  BybitCodec codec_{reg_};

  CodecError parse(const std::string& frame) {
    const ParseResult r = codec_.parse(frame, Category::kLinear);
    if (r.error != CodecError::kOk) {
      EXPECT_EQ(r.kind, MsgKind::kNone);
    }
    return r.error;
  }
  uint64_t error_total() const {
    uint64_t n = 0;
    for (uint64_t e : codec_.stats().errors) n += e;
    return n;
  }
};

TEST_F(CodecMalformed, TheUnmodifiedFramesParse) {
  ASSERT_EQ(parse(real_delta()), CodecError::kOk);
  ASSERT_EQ(parse(real_snapshot()), CodecError::kOk);
}

TEST_F(CodecMalformed, TruncationAtEveryByteOffsetIsAnError) {
  for (const std::string* frame : {&real_delta(), &real_snapshot()}) {
    const uint64_t before = error_total();
    for (size_t len = 0; len < frame->size(); ++len) {
      // parse_padded over a copy whose padding holds the rest of the frame: the codec must stop at len.
      std::string buf = *frame;
      buf.append(BybitCodec::kPadding, '9');
      const ParseResult r = codec_.parse_padded(buf.data(), len, Category::kLinear);
      ASSERT_NE(r.error, CodecError::kOk) << "accepted a frame cut at " << len;
      // And through parse(), which copies into the codec's own buffer.
      ASSERT_NE(codec_.parse(std::string_view(*frame).substr(0, len), Category::kLinear).error, CodecError::kOk);
    }
    EXPECT_EQ(error_total() - before, 2 * frame->size());
  }
}

TEST_F(CodecMalformed, TypeSwaps) {
  const std::string& d = real_delta();
  EXPECT_EQ(parse(replace(d, R"("u":15076953)", R"("u":"abc")")), CodecError::kBadNumber);
  EXPECT_EQ(parse(replace(d, R"("u":15076953)", R"("u":[15076953])")), CodecError::kWrongType);
  EXPECT_EQ(parse(replace(d, R"("u":15076953)", R"("u":{"x":1})")), CodecError::kWrongType);
  EXPECT_EQ(parse(replace(d, R"("u":15076953)", R"("u":true)")), CodecError::kWrongType);
  EXPECT_EQ(parse(replace(d, R"(["65095.30","0.005"])", R"([65095.30,"0.005"])")), CodecError::kWrongType);
  EXPECT_EQ(parse(replace(d, R"(["65095.30","0.005"])", R"(["65095.30",["0.005"]])")), CodecError::kWrongType);
  EXPECT_EQ(parse(replace(d, R"(["65095.30","0.005"])", R"("65095.30")")), CodecError::kWrongType);
  EXPECT_EQ(parse(replace(d, R"(["65095.30","0.005"])", R"(["65095.30"])")), CodecError::kMissingField);
  EXPECT_EQ(parse(replace(d, R"(["65095.30","0.005"])", R"(["65095.30","0.005","1"])")), CodecError::kWrongType);
  EXPECT_EQ(parse(replace(d, R"("b":[)", R"("b":{"x":[)")), CodecError::kWrongType);  // seen before the imbalance
  EXPECT_EQ(parse(replace(d, R"("type":"delta")", R"("type":7)")), CodecError::kWrongType);
  EXPECT_EQ(parse(replace(d, R"("type":"delta")", R"("type":"partial")")), CodecError::kBadValue);
  EXPECT_EQ(parse(replace(d, R"("topic":"orderbook.200.BTCUSDT")", R"("topic":42)")), CodecError::kWrongType);
  EXPECT_EQ(parse(replace(d, R"("ts":1786310818130)", R"("ts":"x1")")), CodecError::kBadNumber);
  EXPECT_EQ(parse(replace(d, R"("ts":1786310818130)", R"("ts":null)")), CodecError::kWrongType);
  EXPECT_EQ(parse(replace(d, R"("data":{)", R"("data":[{)")), CodecError::kJson);  // unbalanced
  EXPECT_EQ(parse(R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":[]})"), CodecError::kWrongType);
  EXPECT_EQ(parse(R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":"x"})"), CodecError::kWrongType);
  EXPECT_EQ(parse(R"({"topic":"publicTrade.BTCUSDT","ts":1,"data":{}})"), CodecError::kWrongType);
  EXPECT_EQ(parse(R"({"topic":"publicTrade.BTCUSDT","ts":1,"data":[1]})"), CodecError::kWrongType);
  EXPECT_EQ(parse(R"({"topic":"tickers.BTCUSDT","type":"delta","ts":1,"data":{"bid1Price":65000}})"),
            CodecError::kWrongType);
  EXPECT_EQ(parse(R"({"success":"yes","op":"subscribe"})"), CodecError::kWrongType);
}

TEST_F(CodecMalformed, MissingFields) {
  const std::string& d = real_delta();
  EXPECT_EQ(parse(replace(d, R"(,"u":15076953)", "")), CodecError::kMissingField);
  EXPECT_EQ(parse(replace(d, R"("type":"delta",)", "")), CodecError::kMissingField);
  EXPECT_EQ(parse(replace(d, R"("ts":1786310818130,)", "")), CodecError::kMissingField);
  EXPECT_EQ(parse(replace(d, R"("topic":"orderbook.200.BTCUSDT",)", "")), CodecError::kMissingField);
  const size_t data_at = d.find(R"(,"data":)");
  const size_t data_end = d.find(R"(,"cts")");
  EXPECT_EQ(parse(d.substr(0, data_at) + d.substr(data_end)), CodecError::kMissingField);
  EXPECT_EQ(parse(R"({"topic":"publicTrade.BTCUSDT","ts":1,"data":[{"T":1,"S":"Buy","v":"0.001"}]})"),
            CodecError::kMissingField);
  EXPECT_EQ(parse(R"({"topic":"publicTrade.BTCUSDT","data":[]})"), CodecError::kMissingField);
  EXPECT_EQ(parse(R"({"topic":"tickers.BTCUSDT","ts":1,"data":{}})"), CodecError::kMissingField);
  EXPECT_EQ(parse(R"({"success":true,"op":"subscribe"})"), CodecError::kOk);
  EXPECT_EQ(parse(R"({"op":"subscribe"})"), CodecError::kMissingField);
}

TEST_F(CodecMalformed, HugeAndOffGridNumbers) {
  const std::string& d = real_delta();
  EXPECT_EQ(parse(replace(d, R"("65095.30")", R"("65095.31")")), CodecError::kBadNumber);
  EXPECT_EQ(codec_.stats().last_decimal_error, DecimalError::kOffGrid);
  EXPECT_EQ(parse(replace(d, R"("0.005")", R"("0.0055")")), CodecError::kBadNumber);
  EXPECT_EQ(codec_.stats().last_decimal_error, DecimalError::kTooManyDecimals);
  EXPECT_EQ(parse(replace(d, R"("65095.30")", R"("123456789012345678901234567890")")), CodecError::kBadNumber);
  EXPECT_EQ(codec_.stats().last_decimal_error, DecimalError::kOverflow);
  EXPECT_EQ(parse(replace(d, R"("65095.30")", R"("92233720368547758.08")")), CodecError::kBadNumber);
  EXPECT_EQ(parse(replace(d, R"("65095.30")", R"("-65095.30")")), CodecError::kBadNumber);
  EXPECT_EQ(codec_.stats().last_decimal_error, DecimalError::kNegative);
  EXPECT_EQ(parse(replace(d, R"("65095.30")", R"("6.50953e4")")), CodecError::kBadNumber);
  EXPECT_EQ(parse(replace(d, R"("65095.30")", R"("")")), CodecError::kBadNumber);
  EXPECT_EQ(parse(replace(d, R"("65095.30")", R"("65095.")")), CodecError::kBadNumber);
  EXPECT_EQ(parse(replace(d, R"("65095.30")", R"("65\u0030.30")")), CodecError::kBadNumber);
  EXPECT_EQ(parse(replace(d, R"("65095.30")", R"("65095.30000000000000000000000")")), CodecError::kOk);  // exact
  EXPECT_EQ(parse(replace(d, R"("u":15076953)", R"("u":123456789012345678901234567890)")), CodecError::kBadNumber);
  EXPECT_EQ(parse(replace(d, R"("u":15076953)", R"("u":1.5)")), CodecError::kBadNumber);
  EXPECT_EQ(parse(replace(d, R"("u":15076953)", R"("u":1e30)")), CodecError::kBadNumber);
  // Money and rates: exact to their scale, truncated beyond it, errors on overflow and garbage.
  EXPECT_EQ(parse(R"({"topic":"tickers.BTCUSDT","type":"delta","ts":1,"data":{"turnover24h":"123456789012345678901"}})"),
            CodecError::kBadNumber);
  EXPECT_EQ(parse(R"({"topic":"tickers.BTCUSDT","type":"delta","ts":1,"data":{"fundingRate":"0.0001x"}})"),
            CodecError::kBadNumber);
  EXPECT_EQ(parse(R"({"topic":"tickers.BTCUSDT","type":"delta","ts":1,"data":{"fundingRate":"0.000000000019"}})"),
            CodecError::kOk);
  EXPECT_EQ(codec_.ticker().funding_rate, 0);
}

TEST_F(CodecMalformed, FramesBeyondTheLimitAreRefused) {
  std::string big = R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[)";
  while (big.size() < 10 * 1024 * 1024) big += R"(["65095.30","0.005"],)";
  big += R"(["65095.30","0.005"]],"a":[],"u":1}})";
  EXPECT_EQ(parse(big), CodecError::kTooLarge);
  std::string padded = big + std::string(BybitCodec::kPadding, ' ');
  EXPECT_EQ(codec_.parse_padded(padded.data(), big.size(), Category::kLinear).error, CodecError::kTooLarge);
  EXPECT_EQ(codec_.stats().errors[static_cast<size_t>(CodecError::kTooLarge)], 2u);

  // With room for it, the same frame hits the level capacity instead.
  CodecLimits limits;
  limits.max_frame_bytes = 16u << 20;
  BybitCodec roomy(reg_, limits);
  EXPECT_EQ(roomy.parse(big, Category::kLinear).error, CodecError::kTooManyLevels);
}

TEST_F(CodecMalformed, TooManyItems) {
  CodecLimits limits;
  limits.max_trades = 2;
  limits.max_levels_per_side = 2;
  BybitCodec small(reg_, limits);
  const std::string trade = R"({"T":1,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"65000.00"})";
  EXPECT_EQ(small.parse(R"({"topic":"publicTrade.BTCUSDT","ts":1,"data":[)" + trade + "," + trade + "]}",
                        Category::kLinear).error,
            CodecError::kOk);
  EXPECT_EQ(small.parse(R"({"topic":"publicTrade.BTCUSDT","ts":1,"data":[)" + trade + "," + trade + "," + trade + "]}",
                        Category::kLinear).error,
            CodecError::kTooManyItems);
  EXPECT_EQ(small.parse(real_delta(), Category::kLinear).error, CodecError::kTooManyLevels);
}

TEST_F(CodecMalformed, DeepNesting) {
  const std::string open(10000, '['), close(10000, ']');
  EXPECT_EQ(parse(open + close), CodecError::kWrongType);  // not an object
  EXPECT_EQ(parse(R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"b":)" + open + close +
                  R"(,"a":[],"u":1}})"),
            CodecError::kWrongType);
  // Under a key the codec does not read, the nesting is skipped.
  EXPECT_EQ(parse(R"({"op":"pong","args":["1"],"extra":)" + open + close + "}"), CodecError::kOk);
  std::string objects;
  for (int i = 0; i < 10000; ++i) objects += R"({"a":)";
  objects += "1";
  for (int i = 0; i < 10000; ++i) objects += "}";
  EXPECT_NE(parse(objects), CodecError::kOk);
  EXPECT_EQ(parse(R"({"topic":"greeks","data":)" + open + close + "}"), CodecError::kOk);  // unknown topic: skipped
  EXPECT_NE(parse(open), CodecError::kOk);  // unbalanced
}

TEST_F(CodecMalformed, GarbageInputs) {
  EXPECT_EQ(parse(""), CodecError::kJson);
  EXPECT_EQ(parse("   "), CodecError::kJson);
  EXPECT_NE(parse("null"), CodecError::kOk);
  EXPECT_NE(parse("42"), CodecError::kOk);
  EXPECT_NE(parse(R"("topic")"), CodecError::kOk);
  EXPECT_EQ(parse("{\"op\":\"pong\",\"x\":\"\xff\xfe\"}"), CodecError::kJson);  // invalid UTF-8
  EXPECT_NE(parse(R"({"op":"pong",})"), CodecError::kOk);
  EXPECT_NE(parse(R"({"op" "pong"})"), CodecError::kOk);
  EXPECT_NE(parse(R"({"topic":"orderbook.200.BTCUSDT","topic":"orderbook.200.BTCUSDT"})"), CodecError::kOk);
}

// Regression (book_sync_fuzz, docs/reliability.md "Findings"): one codec parses a long frame and then a
// short unbalanced one with a ':' inside a level array. simdjson's On-Demand walk of the unbalanced frame
// runs past its last structural index into the sentinel entries and the stale indexes of the longer frame,
// and raw_json_token() then returned a token starting at or after the frame's end, of a length up to 4 GiB.
TEST_F(CodecMalformed, AnUnbalancedFrameAfterALongerOneIsRefusedWithoutReadingPastIt) {
  const std::string bad =
      R"({"topic":"orderbook.200.ETHUSDT","type":"delta","ts":1786310819030,"data":{"s":"ETHUSDT","b":[["1922.17","8":1786310820826})";
  const uint64_t before = error_total();
  EXPECT_NE(parse(bad), CodecError::kOk);  // alone: refused
  for (const std::string* longer : {&real_snapshot(), &real_delta()}) {
    ASSERT_EQ(parse(*longer), CodecError::kOk);
    EXPECT_NE(parse(bad), CodecError::kOk);
    // The same frame through parse_padded with a padding of ']' and '"' bytes, which the walk would read
    // as structure if it went past the frame's end.
    for (const char pad : {']', '"', '}', ','}) {
      ASSERT_EQ(parse(*longer), CodecError::kOk);
      std::string buf = bad;
      buf.append(BybitCodec::kPadding, pad);
      const ParseResult r = codec_.parse_padded(buf.data(), bad.size(), Category::kLinear);
      EXPECT_NE(r.error, CodecError::kOk) << "padding '" << pad << "'";
      EXPECT_EQ(r.kind, MsgKind::kNone);
    }
  }
  EXPECT_EQ(error_total() - before, 11u);           // each refusal counted once
  EXPECT_EQ(parse(real_delta()), CodecError::kOk);  // and the codec still parses the next good frame
}

TEST_F(CodecMalformed, RandomByteMutationsNeverCrash) {
  // Deterministic fuzz over real frames of every public kind: any verdict is fine, crashes are not.
  std::vector<std::string> seeds;
  for (const test::Record& r : test::recording()) {
    if (r.t == "recv" && seeds.size() < 40 && r.data.size() < 4000) seeds.push_back(r.data);
  }
  std::mt19937 rng(12345);
  const char alphabet[] = "{}[]\":,.-0123456789eE \\tfnu";
  uint64_t frames = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string f = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % f.size();
      switch (rng() % 3) {
        case 0: f[pos] = alphabet[rng() % (sizeof alphabet - 1)]; break;
        case 1: f.erase(pos, 1 + rng() % 8); break;
        default: f.insert(pos, 1, alphabet[rng() % (sizeof alphabet - 1)]); break;
      }
      if (f.empty()) f = "{";
    }
    const Category c = (round & 1) != 0 ? Category::kLinear : Category::kSpot;
    (void)codec_.parse(f, c);
    ++frames;
  }
  uint64_t ok = 0;
  for (uint64_t k : codec_.stats().kinds) ok += k;
  EXPECT_EQ(codec_.stats().frames, frames);
  EXPECT_EQ(ok + error_total(), frames);  // every frame is accounted for exactly once
  EXPECT_GT(error_total(), frames / 2);
}

}  // namespace
}  // namespace mm
