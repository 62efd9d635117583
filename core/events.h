#pragma once
// Market-data events: what the codec (net/) produces and the book, strategies and backtester consume.
// Events point into buffers owned by their producer (the codec's preallocated level arrays): they are
// valid until the producer's next call, and never allocate.
#include <cstdint>

#include "core/types.h"

namespace mm {

struct PriceLevel {
  Price price;
  Qty qty;  // 0 deletes the level (deltas only)
};

// orderbook.{depth}.{symbol}: a snapshot replaces the side lists; a delta upserts/deletes levels.
struct BookUpdate {
  InstrumentId instrument = kNoInstrument;
  bool snapshot = false;
  uint16_t depth = 0;        // 1, 50, 200, 500 or 1000 (from the topic)
  int64_t update_id = 0;     // "u"
  int64_t seq = 0;           // "seq" (cross sequence), 0 when absent
  int64_t ts_ms = 0;         // message "ts" (system time of the matching engine push)
  int64_t cts_ms = 0;        // "cts" (matching engine time), 0 when absent
  const PriceLevel* bids = nullptr;
  uint32_t bid_count = 0;
  const PriceLevel* asks = nullptr;
  uint32_t ask_count = 0;
};

// One publicTrade print. `taker_side` is Bybit's "S": the side of the aggressor.
struct TradeEvent {
  InstrumentId instrument = kNoInstrument;
  Side taker_side = Side::kBuy;
  bool block_trade = false;
  Price price;
  Qty qty;
  int64_t trade_ts_ms = 0;  // "T"
  int64_t ts_ms = 0;        // message "ts"
  int64_t seq = 0;          // "seq" when present
};

}  // namespace mm
