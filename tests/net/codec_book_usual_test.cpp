// The order-book scanner's straight read of Bybit's usual spelling (usual_book in net/detail/book_scan.cpp)
// and its memo of classified topics (CodecParser::book_topics): wherever the scanner takes a frame, the
// simdjson path must give the same event, and parse_padded must give simdjson's result, including when
// the memo holds the same topic bytes for another category, a longer or shorter topic, or more topics
// than it has entries, and when the frame is cut anywhere with its own continuation in the padding.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/detail/codec_impl.h"
#include "tests/net/codec_test_registry.h"

namespace mm {
namespace {

using detail::CodecImpl;

bool same_book(const BookUpdate& a, const BookUpdate& b) {
  if (a.instrument != b.instrument || a.snapshot != b.snapshot || a.depth != b.depth || a.update_id != b.update_id ||
      a.seq != b.seq || a.ts_ms != b.ts_ms || a.cts_ms != b.cts_ms || a.bid_count != b.bid_count ||
      a.ask_count != b.ask_count) {
    return false;
  }
  for (uint32_t i = 0; i < a.bid_count; ++i) {
    if (a.bids[i].price != b.bids[i].price || a.bids[i].qty != b.bids[i].qty) return false;
  }
  for (uint32_t i = 0; i < a.ask_count; ++i) {
    if (a.asks[i].price != b.asks[i].price || a.asks[i].qty != b.asks[i].qty) return false;
  }
  return true;
}

class CodecBookUsual : public ::testing::Test {
 protected:
  CodecBookUsual() : reg_(test::small_registry()), fast_(*reg_), ref_(*reg_), full_(*reg_) {}

  // Runs the first `len` bytes of `buf` (the rest, at least kPadding bytes, is padding) through the three
  // paths. Returns whether the scanner took it.
  bool check(const std::string& buf, size_t len, Category cat) {
    EXPECT_GE(buf.size(), len + BybitCodec::kPadding);
    const bool taken = CodecImpl::fast_book(fast_, buf.data(), len, cat);
    const ParseResult ref = CodecImpl::run_reference(ref_, buf.data(), len, cat);
    const std::string frame = buf.substr(0, len);
    if (taken) {
      EXPECT_EQ(ref.error, CodecError::kOk) << "scanner took a frame simdjson rejects: " << frame;
      EXPECT_EQ(ref.kind, MsgKind::kBook) << frame;
      if (ref.error == CodecError::kOk) {
        EXPECT_TRUE(same_book(fast_.book(), ref_.book())) << frame;
      }
    }
    const ParseResult full = full_.parse_padded(buf.data(), len, cat);
    EXPECT_EQ(full.error, ref.error) << frame;
    EXPECT_EQ(full.kind, ref.kind) << frame;
    if (full.error == CodecError::kOk && ref.kind == MsgKind::kBook) {
      EXPECT_TRUE(same_book(full_.book(), ref_.book())) << frame;
    }
    return taken;
  }
  bool check(const std::string& frame, Category cat, char pad = ' ') {
    return check(frame + std::string(BybitCodec::kPadding, pad), frame.size(), cat);
  }

  std::unique_ptr<InstrumentRegistry> reg_;
  BybitCodec fast_, ref_, full_;
};

std::string delta(const std::string& topic, const std::string& symbol, const std::string& b, const std::string& a) {
  return R"({"topic":")" + topic + R"(","type":"delta","ts":1786310818130,"data":{"s":")" + symbol +
         R"(","b":)" + b + R"(,"a":)" + a + R"(,"u":15076952,"seq":753843907771},"cts":1786310818125})";
}

TEST_F(CodecBookUsual, UsualSpellingsAreTakenWithSimdjsonsEvent) {
  const std::string b = R"([["65114.20","0"],["65095.30","0.005"],["65094.60","0.076"]])";
  const std::string a = R"([["65114.30","10.486"],["65129.60","0.002"]])";
  const std::vector<std::string> frames = {
      delta("orderbook.200.BTCUSDT", "BTCUSDT", b, a),
      R"({"topic":"orderbook.200.BTCUSDT","ts":1786310818130,"type":"delta","data":{"s":"BTCUSDT","b":)" + b +
          R"(,"a":)" + a + R"(,"u":15076952,"seq":753843907771},"cts":1786310818125})",
      R"({"topic":"orderbook.200.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":)" + b + R"(,"a":)" +
          a + R"(,"u":1,"seq":2}})",
      R"({"topic":"orderbook.200.BTCUSDT","ts":7,"type":"snapshot","data":{"s":"BTCUSDT","b":[],"a":[],"u":3}})",
      R"({"topic":"orderbook.1.BTCUSDT","type":"delta","ts":9,"data":{"s":"BTCUSDT","b":)" + b + R"(,"a":)" + a +
          R"(,"u":4},"cts":8})",
  };
  for (int round = 0; round < 2; ++round) {  // the first round fills the memo, the second reads it
    for (const std::string& f : frames) EXPECT_TRUE(check(f, Category::kLinear)) << f;
  }
  // Spellings the straight read leaves to the general loop or to simdjson: the same answers either way.
  const std::vector<std::string> others = {
      delta("orderbook.200.BTCUSDT", "ETHUSDT", b, a),   // symbol mismatch
      delta("orderbook.200.BTCUSDT", "BTCUSDTX", b, a),  // longer symbol
      delta("orderbook.200.BTCUSDT", "BTCUSD", b, a),    // shorter symbol
      delta("orderbook.200.BTCUSDT", "BTCUSDT", b, a) + " ",
      " " + delta("orderbook.200.BTCUSDT", "BTCUSDT", b, a),
      R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"u":3},"x":1})",
      R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[]}})",
      R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"u":3,"seq":4,"seq":5}})",
      R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"u":3},"cts":1,"cts":2})",
      R"({"topic":"orderbook.200.BTCUSDT","type":"Delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"u":3}})",
      R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":01,"data":{"s":"BTCUSDT","b":[],"a":[],"u":3}})",
      R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"u":-3}})",
      R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1 ,"data":{"s":"BTCUSDT","b":[],"a":[],"u":3}})",
      R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"u":3}}})",
      R"({"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["1.05","1"]],"a":[],"u":3}})",
  };
  for (const std::string& f : others) {
    check(f, Category::kLinear);
    check(f, Category::kLinear, '}');
  }
}

TEST_F(CodecBookUsual, MemoKeepsTopicsApartByCategoryAndExactBytes) {
  const std::string lv = R"([["65114.20","1"]])";
  const struct {
    std::string topic, symbol;
    Category cat;
  } cases[] = {
      {"orderbook.50.BTCUSDT", "BTCUSDT", Category::kLinear},
      {"orderbook.50.BTCUSDT", "BTCUSDT", Category::kSpot},      // same bytes, another instrument
      {"orderbook.50.BTCUSDT", "BTCUSDT", Category::kInverse},   // same bytes, unknown instrument
      {"orderbook.50.BTCUSD", "BTCUSD", Category::kLinear},      // a prefix of a remembered topic
      {"orderbook.50.BTCUSD", "BTCUSD", Category::kInverse},
      {"orderbook.50.BTCUSDTT", "BTCUSDTT", Category::kLinear},  // a remembered topic is its prefix
      {"orderbook.500.BTCUSDT", "BTCUSDT", Category::kLinear},
      {"orderbook.0.BTCUSDT", "BTCUSDT", Category::kLinear},     // bad depth
      {"orderbook.50.ETHUSDT", "ETHUSDT", Category::kLinear},
  };
  for (int round = 0; round < 3; ++round) {
    for (const auto& c : cases) {
      for (const auto& d : cases) {  // every pair in sequence: one topic remembered, the next looked up
        check(delta(c.topic, c.symbol, lv, "[]"), c.cat);
        check(delta(d.topic, d.symbol, lv, "[]"), d.cat);
      }
    }
  }
  EXPECT_GT(full_.stats().errors[static_cast<size_t>(CodecError::kUnknownInstrument)], 0u);
  EXPECT_GT(full_.stats().errors[static_cast<size_t>(CodecError::kBadTopic)], 0u);
}

TEST_F(CodecBookUsual, MoreTopicsThanMemoEntries) {
  const char* const symbols[] = {"BTCUSDT", "ETHUSDT", "XRPUSDT", "ICPUSDT", "GALAUSDT", "ROSEUSDT"};
  const char* const depths[] = {"1", "50", "200", "1000"};
  for (int round = 0; round < 3; ++round) {
    for (const char* s : symbols) {
      for (const char* d : depths) {
        const std::string topic = std::string("orderbook.") + d + "." + s;
        EXPECT_TRUE(check(delta(topic, s, R"([["1","1"]])", R"([["2","3"]])"), Category::kLinear)) << topic;
        EXPECT_EQ(fast_.book().instrument, reg_->find(Category::kLinear, s));
        EXPECT_EQ(fast_.book().depth, std::stoi(d));
      }
    }
  }
  // A topic longer than a memo entry holds is classified each time, with the same answer.
  const std::string long_symbol(60, 'Z');
  check(delta("orderbook.50." + long_symbol, long_symbol, "[]", "[]"), Category::kLinear);
  check(delta("orderbook.50." + long_symbol, long_symbol, "[]", "[]"), Category::kLinear);
}

// A frame cut at every length, with the rest of the frame (or other bytes) right after the cut: no token
// may borrow from the padding.
TEST_F(CodecBookUsual, CutFramesWithTheirContinuationInThePadding) {
  const std::vector<std::string> frames = {
      delta("orderbook.200.BTCUSDT", "BTCUSDT", R"([["65114.20","0"],["65095.30","0.005"]])",
            R"([["65114.30","10.486"]])"),
      R"({"topic":"orderbook.200.BTCUSDT","ts":1786310818130,"type":"snapshot","data":{"s":"BTCUSDT","b":[["1","2"]],"a":[],"u":15}})",
  };
  for (const std::string& f : frames) {
    EXPECT_TRUE(check(f, Category::kLinear));  // remembered
    for (size_t len = 0; len <= f.size(); ++len) {
      const std::string rest = f + std::string(BybitCodec::kPadding, '}');
      EXPECT_EQ(check(rest, len, Category::kLinear), len == f.size()) << len;
      std::string digits = f.substr(0, len) + std::string(BybitCodec::kPadding, '7');
      check(digits, len, Category::kLinear);
      std::string quotes = f.substr(0, len) + std::string(BybitCodec::kPadding, '"');
      check(quotes, len, Category::kLinear);
    }
  }
}

}  // namespace
}  // namespace mm
