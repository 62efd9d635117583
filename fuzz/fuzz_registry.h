#pragma once
// The instruments of the shared recordings (grids as their instruments-info answers list them), so that frames
// seeded from the real recordings reach the book and trade code instead of stopping at kUnknownInstrument.
#include <cstdlib>
#include <memory>
#include <string_view>

#include "core/instrument_registry.h"

namespace mm::fuzz {

inline void add(InstrumentRegistry& reg, Category c, std::string_view symbol, std::string_view scale,
                std::string_view tick, std::string_view step) {
  InstrumentSpec spec;
  spec.category = c;
  spec.symbol = symbol;
  spec.status = "Trading";
  spec.price_scale = scale;
  spec.tick_size = tick;
  spec.qty_step = step;
  Instrument in;
  // A harness with a broken registry would fuzz nothing useful: stop at once.
  if (make_instrument(spec, in) != InstrumentError::kOk || reg.add(in) == kNoInstrument) std::abort();
}

inline const InstrumentRegistry& recorded_registry() {
  static const std::unique_ptr<InstrumentRegistry> reg = [] {
    auto r = std::make_unique<InstrumentRegistry>();
    add(*r, Category::kLinear, "BTCUSDT", "2", "0.10", "0.001");
    add(*r, Category::kLinear, "ETHUSDT", "2", "0.01", "0.01");
    add(*r, Category::kLinear, "SOLUSDT", "3", "0.010", "0.1");
    add(*r, Category::kLinear, "DOGEUSDT", "5", "0.00001", "1");
    add(*r, Category::kLinear, "XRPUSDT", "4", "0.0001", "1");
    add(*r, Category::kSpot, "BTCUSDT", "", "0.1", "0.000001");
    add(*r, Category::kSpot, "ETHUSDT", "", "0.01", "0.00001");
    add(*r, Category::kSpot, "SOLUSDT", "", "0.01", "0.0001");
    add(*r, Category::kSpot, "DOGEUSDT", "", "0.00001", "0.1");
    return r;
  }();
  return *reg;
}

}  // namespace mm::fuzz
