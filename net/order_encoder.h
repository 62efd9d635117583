#pragma once
// Shared vocabulary of the Bybit order encoders (net/rest_encoder.h, net/ws_trade_encoder.h): error codes and
// the result type. Encoders write into caller buffers, never allocate, and put no float on the wire: every
// price and quantity is printed from integer ticks/lots by format_price/format_qty.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/types.h"

namespace mm {

enum class EncodeError : uint8_t {
  kOk = 0,
  kBufferTooSmall,          // the output does not fit; nothing was written past the end of the buffer
  kBadPrice,                // limit price <= 0, amend price <= 0, or a negative TP/SL/trailing value
  kBadQty,                  // quantity <= 0
  kBadLinkId,               // order id empty or not 1..36 chars of [A-Za-z0-9-_]
  kBadReqId,                // reqId longer than 36 chars or outside [A-Za-z0-9-_]
  kBadTimeInForce,          // PostOnly on a market order
  kBadPositionIdx,          // positionIdx other than 0, 1, 2
  kNothingToChange,         // amend without price or qty; trading stop without TP, SL or trailing stop
  kUnsupportedForCategory,  // reduceOnly on spot, trading stop on spot/option, settle coin on spot
  kEmptyBatch,              // batch with no item
  kBatchTooLarge,           // more than the category's batch limit (kMaxBatchItems / kMaxSpotBatchItems)
  kUnknownInstrument,       // an action's instrument id is not in the registry
  kMixedCategory,           // batch items from different categories (Bybit batches are per category)
  kBadTopic,                // subscribe topic empty or with '"', '\\' or a control character
  kBadCoin,                 // settle coin empty/too long/not [A-Z0-9] where one is required
  kBadTarget,               // HTTP host/path/query empty where required or containing CR, LF, space or '?'
  kSignerNotReady,          // Signer::init was not called successfully
};
std::string_view to_string(EncodeError e) noexcept;

// Bybit's batch limits per request (create/amend/cancel-batch): 20 on linear, inverse and option, 10 on spot.
inline constexpr size_t kMaxBatchItems = 20;
inline constexpr size_t kMaxSpotBatchItems = 10;
constexpr size_t max_batch_items(Category c) noexcept {
  return c == Category::kSpot ? kMaxSpotBatchItems : kMaxBatchItems;
}

// Bytes written at the start of the output (size), or an error (size 0, output contents unspecified).
struct [[nodiscard]] Encoded {
  EncodeError error = EncodeError::kOk;
  size_t size = 0;
  bool ok() const noexcept { return error == EncodeError::kOk; }
};

}  // namespace mm
