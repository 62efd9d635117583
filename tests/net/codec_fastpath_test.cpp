// The codec's fast decimal path must agree with core's exact conversion whenever it answers.
#include <gtest/gtest.h>

#include <random>
#include <string>

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

}  // namespace
}  // namespace mm
