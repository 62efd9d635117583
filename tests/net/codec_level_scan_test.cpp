// The one-pass quoted decimal scan of the order-book fast path must accept exactly what fast_steps
// accepts, with the same value, and leave the cursor just past the closing quote.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>

#include "net/bybit_codec.h"
#include "net/detail/codec_impl.h"
#include "tests/net/codec_test_registry.h"

namespace mm {
namespace {

using detail::fast_steps;
using detail::FastGrid;
using detail::make_grid;
using detail::scan_quoted_steps;

// Runs both paths on `s`; the scan reads "\"" + s + "\"" + tail from a padded buffer.
void expect_same(const std::string& s, FastGrid g, const std::string& tail = ",") {
  int64_t plain = -1;
  const bool plain_ok = fast_steps(s, g, plain);
  std::string buf = "\"" + s + "\"" + tail;
  const size_t len = buf.size();
  buf.append(BybitCodec::kPadding, '7');  // padding of digits must not be read as part of the number
  const char* p = buf.data();
  int64_t scanned = -2;
  const bool scan_ok = scan_quoted_steps(p, buf.data() + len, g, scanned);
  ASSERT_EQ(scan_ok, plain_ok) << s;
  if (scan_ok) {
    EXPECT_EQ(scanned, plain) << s;
    EXPECT_EQ(p, buf.data() + s.size() + 2) << s;
  } else {
    EXPECT_EQ(p, buf.data()) << s;  // the cursor moves only on success
  }
}

TEST(CodecLevelScan, AgreesWithFastStepsOnFixedShapes) {
  const char* const fixed[] = {"0", "0.0", "65114.20", "65114.2", "65114.25", "65114.200000", "1.", ".5", "-1",
                               "00012.30", "999999999999999999", "9223372036854775807", "1e5", "", "0.00000",
                               "12345678901234567.0", "5", "7.5", "2.50", "0.000001", "1\\u0030", "1 ", " 1",
                               "1..2", "1.2.3", "0x10", "+1"};
  auto reg = test::small_registry();
  for (size_t id = 0; id < reg->size(); ++id) {
    const Instrument& in = reg->get(static_cast<InstrumentId>(id));
    for (const char* s : fixed) {
      expect_same(s, make_grid(in.price_scale, in.tick_units));
      expect_same(s, make_grid(in.qty_scale, in.lot_units));
    }
  }
}

TEST(CodecLevelScan, AgreesWithFastStepsOnRandomDecimals) {
  std::mt19937_64 rng(11);
  const FastGrid grids[] = {make_grid(2, 10), make_grid(2, 50), make_grid(3, 1), make_grid(0, 5), make_grid(8, 1)};
  for (int i = 0; i < 20000; ++i) {
    std::string s = std::to_string(rng() % 100000000);
    const int frac = static_cast<int>(rng() % 10);
    if (frac > 0) {
      s += '.';
      for (int k = 0; k < frac; ++k) s += static_cast<char>('0' + (rng() % 3 == 0 ? rng() % 10 : 0));
    }
    expect_same(s, grids[rng() % 5]);
  }
}

// The eight-bytes-at-a-time scan has block boundaries at every length; cover integer parts of 1..19
// digits and fractions of 0..10 digits (with and without the dot), on grids from scale 0 to 8.
TEST(CodecLevelScan, AgreesWithFastStepsOnEveryLength) {
  std::mt19937_64 rng(23);
  const FastGrid grids[] = {make_grid(0, 1), make_grid(0, 5), make_grid(1, 1), make_grid(2, 10), make_grid(2, 50),
                            make_grid(3, 1), make_grid(4, 25), make_grid(6, 1), make_grid(8, 1), make_grid(8, 100)};
  const auto digit = [&](bool mostly_zero) {
    return static_cast<char>('0' + (mostly_zero && rng() % 2 == 0 ? 0 : rng() % 10));
  };
  for (int int_len = 1; int_len <= 19; ++int_len) {
    for (int frac_len = -1; frac_len <= 10; ++frac_len) {  // -1: no dot
      for (int rep = 0; rep < 40; ++rep) {
        std::string s;
        for (int k = 0; k < int_len; ++k) s += digit(false);
        if (frac_len >= 0) {
          s += '.';
          for (int k = 0; k < frac_len; ++k) s += digit(true);
        }
        for (const FastGrid& g : grids) expect_same(s, g);
      }
    }
  }
}

// Every byte value other than the quote, at every position of numbers spanning one to three blocks
// (each accepted as it stands), must stop the digit run exactly where fast_steps stops.
TEST(CodecLevelScan, AgreesWithFastStepsOnEveryByte) {
  const char* const bases[] = {"123456789012.3000000", "1234567.12345678000", "12345678", "123456789.5", "7"};
  const FastGrid grids[] = {make_grid(2, 10), make_grid(8, 1), make_grid(0, 1), make_grid(3, 1)};
  int accepted = 0;
  for (const std::string base : bases) {
    for (const FastGrid& g : grids) {
      int64_t v = 0;
      accepted += fast_steps(base, g, v) ? 1 : 0;
    }
    for (size_t pos = 0; pos < base.size(); ++pos) {
      for (int c = 0; c < 256; ++c) {
        if (c == '"') continue;  // a raw quote ends the string: not a decimal's content
        std::string s = base;
        s[pos] = static_cast<char>(c);
        for (const FastGrid& g : grids) expect_same(s, g);
        s.insert(pos, 1, static_cast<char>(c));
        for (const FastGrid& g : grids) expect_same(s, g);
      }
    }
  }
  EXPECT_GE(accepted, 12);  // the bases themselves are on most grids, so a stray byte is what rejects
}

// A number cut at every byte (short ones take the one-load path, long ones the blocks): the digits
// that continue in the padding must not complete it.
TEST(CodecLevelScan, StopsAtTheEndOfInputInEveryBlock) {
  const FastGrid g = make_grid(5, 1);
  const std::pair<std::string, int64_t> numbers[] = {{"\"1234567890123.1234500000000\"", 123456789012312345},
                                                     {"\"1234567890123\"", 123456789012300000},
                                                     {"\"12345678\"", 1234567800000},
                                                     {"\"65119.3\"", 6511930000},
                                                     {"\"0.002\"", 200},
                                                     {"\"65119\"", 6511900000}};
  for (const auto& [number, want] : numbers) {
    const std::string buf = number + std::string(BybitCodec::kPadding, '"');
    const std::string digits_buf = number.substr(0, number.size() - 1) + std::string(BybitCodec::kPadding, '0');
    for (size_t len = 0; len < number.size(); ++len) {
      for (const std::string* b : {&buf, &digits_buf}) {
        const char* p = b->data();
        int64_t v = 0;
        EXPECT_FALSE(scan_quoted_steps(p, b->data() + len, g, v)) << number << " " << len;
        EXPECT_EQ(p, b->data());
      }
    }
    const char* p = buf.data();
    int64_t v = 0;
    ASSERT_TRUE(scan_quoted_steps(p, buf.data() + number.size(), g, v)) << number;
    EXPECT_EQ(v, want);
    EXPECT_EQ(p, buf.data() + number.size());
  }
}

TEST(CodecLevelScan, StopsAtTheEndOfInput) {
  // The closing quote lies past `end`: not a complete string, whatever the padding holds.
  const std::string buf = "\"65114.20\"" + std::string(BybitCodec::kPadding, '"');
  const FastGrid g = make_grid(2, 10);
  for (size_t len = 0; len < 10; ++len) {
    const char* p = buf.data();
    int64_t v = 0;
    EXPECT_FALSE(scan_quoted_steps(p, buf.data() + len, g, v)) << len;
  }
  const char* p = buf.data();
  int64_t v = 0;
  ASSERT_TRUE(scan_quoted_steps(p, buf.data() + 10, g, v));
  EXPECT_EQ(v, 651142);
}

// Sides the whole-array scan takes and sides it hands to the simdjson path (whitespace, a decimal with
// more zeros than the fast path reads) must decode to the same levels; the rejects keep their codes.
TEST(CodecLevelScan, FastAndFallbackSidesDecodeAlike) {
  auto reg = test::small_registry();
  BybitCodec codec(*reg);
  const auto levels = [&](const std::string& bids) {
    const std::string frame = R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":)" +
                              bids + R"(,"a":[],"u":5,"seq":7},"cts":1})";
    const ParseResult r = codec.parse(frame, Category::kLinear);
    EXPECT_EQ(r.error, CodecError::kOk) << bids;
    std::string out;
    for (uint32_t i = 0; i < codec.book().bid_count; ++i) {
      out += std::to_string(codec.book().bids[i].price.ticks) + "/" + std::to_string(codec.book().bids[i].qty.lots) + " ";
    }
    return out;
  };
  const std::string want = "651142/1 651150/1500 ";
  EXPECT_EQ(levels(R"([["65114.20","0.001"],["65115","1.5"]])"), want);
  EXPECT_EQ(levels(R"([ [ "65114.20" , "0.001" ] ,
    ["65115","1.5"] ])"), want);
  EXPECT_EQ(levels(R"([["65114.2000000000000000000","0.001"],["65115","1.50"]])"), want);
  EXPECT_EQ(levels("[]"), "");
  EXPECT_EQ(codec.parse(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"b":[["65114.20","0.001"],["1","2","3"]],"a":[],"u":5}})",
                        Category::kLinear).error,
            CodecError::kWrongType);
  EXPECT_EQ(codec.parse(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"b":[["65114.25","0.001"]],"a":[],"u":5}})",
                        Category::kLinear).error,
            CodecError::kBadNumber);
  // Decimals are read raw: an escape inside one is not a number (as before the whole-array scan).
  EXPECT_EQ(codec.parse(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"b":[["6511\u0035","1"]],"a":[],"u":5}})",
                        Category::kLinear).error,
            CodecError::kBadNumber);
}

}  // namespace
}  // namespace mm
