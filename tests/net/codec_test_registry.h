#pragma once
// A small hand-made registry for codec tests (grids as Bybit lists them in instruments-info).
#include <memory>
#include <stdexcept>

#include "core/instrument_registry.h"

namespace mm::test {

inline void add_instrument(InstrumentRegistry& reg, Category c, std::string_view symbol, std::string_view price_scale,
                           std::string_view tick, std::string_view step) {
  InstrumentSpec spec;
  spec.category = c;
  spec.symbol = symbol;
  spec.status = "Trading";
  spec.price_scale = price_scale;
  spec.tick_size = tick;
  spec.qty_step = step;
  Instrument in;
  if (make_instrument(spec, in) != InstrumentError::kOk || reg.add(in) == kNoInstrument) {
    throw std::runtime_error("bad test instrument");
  }
}

inline std::unique_ptr<InstrumentRegistry> small_registry() {
  auto reg = std::make_unique<InstrumentRegistry>();
  add_instrument(*reg, Category::kLinear, "BTCUSDT", "2", "0.10", "0.001");
  add_instrument(*reg, Category::kLinear, "ETHUSDT", "2", "0.01", "0.01");
  add_instrument(*reg, Category::kLinear, "XRPUSDT", "4", "0.0001", "1");
  add_instrument(*reg, Category::kLinear, "ICPUSDT", "3", "0.001", "1");
  add_instrument(*reg, Category::kLinear, "GALAUSDT", "5", "0.00001", "1");
  add_instrument(*reg, Category::kLinear, "ROSEUSDT", "5", "0.00001", "1");
  add_instrument(*reg, Category::kSpot, "BTCUSDT", "", "0.1", "0.000001");
  add_instrument(*reg, Category::kOption, "ETH-30DEC22-1400-C", "", "0.1", "1");
  add_instrument(*reg, Category::kOption, "BTC-6JAN23-17500-C", "", "5", "0.01");
  add_instrument(*reg, Category::kInverse, "BTCUSD", "2", "0.50", "1");
  return reg;
}

}  // namespace mm::test
