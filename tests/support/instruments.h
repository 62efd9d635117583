#pragma once
// The instrument most tests quote: Bybit's BTCUSDT linear perpetual grid (tick 0.10, lot 0.001, min 0.001,
// max market 1500 BTC, price scale 2). One definition, so that a test suite's hand-computed figures all
// assume the same grid. Suites that need another grid (risk's limits, position's unit grid) define their own.
#include <gtest/gtest.h>

#include "core/instrument.h"

namespace mm::test {

inline Instrument btcusdt() {
  Instrument in;
  EXPECT_EQ(make_instrument(
                {Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "0"}, in),
            InstrumentError::kOk);
  return in;
}

}  // namespace mm::test
