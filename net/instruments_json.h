#pragma once
// Loads a GET /v5/market/instruments-info response (the REST envelope, one page) into an
// InstrumentRegistry. Cold path: runs at start-up and on instrument refresh, may allocate.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/instrument_registry.h"

namespace mm {

enum class InstrumentsJsonError : uint8_t {
  kOk = 0,
  kJson,         // not JSON, or not an object at the top
  kRetCode,      // retCode missing or != 0 (the exchange refused the request)
  kNoResult,     // result missing or not an object
  kNoList,       // result.list missing or not an array
  kBadCategory,  // result.category missing or not linear/inverse/spot/option
  kRegistryFull, // the registry refused an add (capacity reached); counts hold what was loaded
};
std::string_view to_string(InstrumentsJsonError e) noexcept;

// One refused list entry: its symbol ("" when the entry has none) and why, e.g. `tickSize "1e-22":
// bad_tick_size` or `not an object`.
struct RejectedInstrument {
  std::string symbol;
  std::string reason;
};

struct InstrumentsLoad {
  InstrumentsJsonError error = InstrumentsJsonError::kOk;
  int ret_code = 0;       // the envelope's retCode when error == kRetCode (-1 when absent)
  size_t loaded = 0;      // entries added to (or replaced in) the registry
  size_t rejected = 0;    // entries make_instrument refused or whose shape was wrong
  // The first kMaxRejectedDetails of them, named (for a note that says which symbol was dropped and why).
  static constexpr size_t kMaxRejectedDetails = 16;
  std::vector<RejectedInstrument> rejected_entries;
  Category category = Category::kLinear;
};

// Field mapping (Bybit V5):
//   linear/inverse: priceScale, priceFilter.tickSize, lotSizeFilter.qtyStep / minOrderQty /
//                   maxOrderQty / minNotionalValue, status
//   spot:           priceFilter.tickSize, lotSizeFilter.basePrecision (the qty step), minOrderQty,
//                   maxOrderQty (else maxLimitOrderQty), minOrderAmt (the min notional), status
//   option:         priceFilter.tickSize, lotSizeFilter.qtyStep / minOrderQty / maxOrderQty, status
// Maximum quantities are floored to the lot grid (Bybit prints some with float noise, e.g.
// "1542.6000000000001"); every other decimal must be exact.
// Entries are independent: a bad entry is counted in `rejected` and the others still load.
// Errors: every InstrumentsJsonError; on an envelope error nothing is added.
[[nodiscard]] InstrumentsLoad load_instruments_json(std::string_view body, InstrumentRegistry& registry);

}  // namespace mm
