#pragma once
// The normalized event record of the backtester (issue 4): one fixed-size, trivially copyable record per book
// level change, trade print or funding update, so that a backtest streams a memory-mapped array instead of
// re-parsing JSON. The file format around it (header, instrument table) is sim/event_file.h.
//
// Why 48 bytes: two timestamps, price, quantity and one auxiliary 64-bit field cover every kind, and 48 keeps
// four records in three cache lines; a day of BTCUSDT orderbook.200 (~60 M level changes) is ~3 GB mapped.
//
// A book message becomes a run of kBookLevel records (one per level) whose last record carries kEvEndOfMessage;
// a message with no level at all (a snapshot of an empty book, a heartbeat delta) is one kBookLevel record with
// kEvEmpty. Readers rebuild a core BookUpdate from each run (update_id in aux, snapshot flag on every record).
#include <cstdint>
#include <type_traits>

namespace mm {

enum class EventKind : uint8_t {
  kBookLevel = 1,  // price = level price (ticks), qty = level size (lots, 0 deletes), aux = update id "u"
  kTrade = 2,      // price, qty = the print; flags kEvBuy = taker bought; aux = trade seq (0 when absent)
  kFunding = 3,    // price = funding rate at kRateScale (core/market_events.h), aux = next funding time (ms)
  kMarkPrice = 4,  // price = mark price at the instrument's ref_price_scale; qty unused
};

enum EventFlags : uint8_t {
  kEvBuy = 1u << 0,           // book: bid side; trade: taker side is Buy
  kEvSnapshot = 1u << 1,      // book: the record belongs to a snapshot (the first record of a run resets)
  kEvEndOfMessage = 1u << 2,  // book: last record of one Bybit message
  kEvEmpty = 1u << 3,         // book: a message without levels (price and qty are 0)
};

struct Event {
  int64_t exch_ts_ns = 0;   // exchange time: "cts" when present, else "ts" (book); "T" (trade); "ts" (ticker)
  int64_t local_ts_ns = 0;  // our receive time; == exch_ts_ns when the recording has none (see file header)
  int64_t price = 0;
  int64_t qty = 0;
  int64_t aux = 0;
  uint16_t instrument = 0;  // index into the file's instrument table
  EventKind kind = EventKind::kBookLevel;
  uint8_t flags = 0;
  uint32_t depth = 0;       // book: the topic depth (1, 50, 200, 500, 1000); 0 otherwise
};

static_assert(sizeof(Event) == 48 && std::is_trivially_copyable_v<Event> && std::is_standard_layout_v<Event>);

}  // namespace mm
