// The codec's fast decimal path must agree with core's exact conversion whenever it answers.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "net/bybit_codec.h"
#include "net/detail/codec_impl.h"
#include "tests/net/codec_test_registry.h"

namespace mm {
namespace {

using detail::fast_steps;
using detail::make_grid;

TEST(CodecFastPath, GridSplitsPowersOfTen) {
  EXPECT_EQ(make_grid(2, 10).eff_scale, 1);  // BTCUSDT: 0.10 at scale 2
  EXPECT_EQ(make_grid(2, 10).rem, 1);
  EXPECT_EQ(make_grid(2, 50).eff_scale, 1);  // BTCUSD: 0.50 -> 5 at scale 1
  EXPECT_EQ(make_grid(2, 50).rem, 5);
  EXPECT_EQ(make_grid(0, 5).eff_scale, 0);
  EXPECT_EQ(make_grid(0, 5).rem, 5);
  EXPECT_EQ(make_grid(4, 1).rem, 1);
}

TEST(CodecFastPath, AgreesWithCoreOnRandomDecimals) {
  auto reg = test::small_registry();
  std::mt19937_64 rng(7);
  const char* const fixed[] = {"0", "0.0", "65114.20", "65114.2", "65114.25", "65114.200000", "1.", ".5", "-1",
                               "00012.30", "999999999999999999", "9223372036854775807", "1e5", "", "0.00000",
                               "12345678901234567.0", "5", "7.5", "2.50", "0.000001"};
  int checked = 0, fast = 0;
  for (size_t id = 0; id < reg->size(); ++id) {
    const Instrument& in = reg->get(static_cast<InstrumentId>(id));
    auto check = [&](const std::string& s) {
      Price core{-1}, quick{-2};
      const DecimalError d = to_price(in, s, core);
      if (fast_steps(s, make_grid(in.price_scale, in.tick_units), quick.ticks)) {
        ++fast;
        ASSERT_EQ(d, DecimalError::kOk) << s << " on " << in.name();
        ASSERT_EQ(quick, core) << s << " on " << in.name();
      }
      Qty cq{-1}, fq{-2};
      const DecimalError dq = to_qty(in, s, cq);
      if (fast_steps(s, make_grid(in.qty_scale, in.lot_units), fq.lots)) {
        ASSERT_EQ(dq, DecimalError::kOk) << s;
        ASSERT_EQ(fq, cq) << s;
      }
      ++checked;
    };
    for (const char* s : fixed) check(s);
    for (int i = 0; i < 20000; ++i) {
      std::string s = std::to_string(rng() % 100000000);
      const int frac = static_cast<int>(rng() % 9);
      if (frac > 0) {
        s += '.';
        for (int k = 0; k < frac; ++k) s += static_cast<char>('0' + (rng() % 3 == 0 ? rng() % 10 : 0));
      }
      check(s);
    }
  }
  EXPECT_GT(fast, checked / 10);  // the fast path does answer for common shapes
}

// The strict orderbook scanner (CodecImpl::fast_book) converts levels with its own digit loops: wherever it
// takes a frame, every price and size must be core's exact value, and the simdjson path must agree. Each
// frame carries one level with the decimal as price and as size, on every instrument of the test registry.
TEST(CodecFastPath, BookScannerDecimalsAgreeWithCoreAndSimdjson) {
  auto reg = test::small_registry();
  BybitCodec fast(*reg), ref(*reg);
  std::mt19937_64 rng(11);
  std::vector<std::string> numbers = {"0", "0.0", "65114.20", "65114.2", "65114.25", "65114.200000", "1.", ".5", "-1",
                                      "00012.30", "999999999999999999", "9223372036854775807", "1e5", "", "0.00000",
                                      "12345678901234567.0", "5", "7.5", "2.50", "0.000001", "1.0000000000000000",
                                      "1.00000000000000000", "1.000000000000000000000", "123456789012345678",
                                      "12345678901234567", "1234567890123456", "96699226880471309", "9669922688047130", "0.1 ", " 1", "1,5", "1.5.5"};
  for (int i = 0; i < 4000; ++i) {
    std::string s = std::to_string(rng() % (rng() % 2 ? 100000000ull : 10000000000000000000ull));
    const int frac = static_cast<int>(rng() % 12);
    if (frac > 0) {
      s += '.';
      for (int k = 0; k < frac; ++k) s += static_cast<char>('0' + (rng() % 3 == 0 ? rng() % 10 : 0));
    }
    numbers.push_back(s);
  }
  uint64_t taken = 0, checked = 0;
  for (size_t id = 0; id < reg->size(); ++id) {
    const Instrument& in = reg->get(static_cast<InstrumentId>(id));
    for (const std::string& num : numbers) {
      const std::string frame = R"({"topic":"orderbook.50.)" + std::string(in.name()) +
                                R"(","type":"delta","ts":1,"data":{"b":[[")" + num + R"(",")" + num +
                                R"("]],"a":[],"u":5}})";
      for (const char pad : {' ', '0', '"'}) {
        std::string buf = frame + std::string(BybitCodec::kPadding, pad);
        ++checked;
        const bool took = detail::CodecImpl::fast_book(fast, buf.data(), frame.size(), in.category);
        const ParseResult r = detail::CodecImpl::run_reference(ref, buf.data(), frame.size(), in.category);
        if (!took) continue;
        ++taken;
        Price p;
        Qty q;
        ASSERT_EQ(to_price(in, num, p), DecimalError::kOk) << num << " on " << in.name();
        ASSERT_EQ(to_qty(in, num, q), DecimalError::kOk) << num << " on " << in.name();
        ASSERT_EQ(fast.book().bid_count, 1u);
        ASSERT_EQ(fast.book().bids[0].price, p) << num << " on " << in.name();
        ASSERT_EQ(fast.book().bids[0].qty, q) << num << " on " << in.name();
        ASSERT_EQ(r.error, CodecError::kOk) << num;
        ASSERT_EQ(ref.book().bids[0].price, p) << num;
        ASSERT_EQ(ref.book().bids[0].qty, q) << num;
      }
    }
  }
  EXPECT_GT(taken, checked / 20);  // the scanner does answer for common shapes
}

}  // namespace
}  // namespace mm
