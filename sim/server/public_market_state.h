#pragma once
// Private state of PublicMarket (sim/server/public_market.h), shared by its stream and REST files.
#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/instrument.h"
#include "core/order_book.h"
#include "sim/server/json_out.h"
#include "sim/server/public_market.h"

namespace mm::simx {

inline constexpr std::array<uint16_t, 4> kFutureDepths = {1, 50, 200, 1000};
inline constexpr std::array<uint16_t, 2> kOptionDepths = {25, 100};
inline constexpr size_t kRecentTrades = 1000;   // /v5/market/recent-trade answers at most 1000
inline constexpr size_t kMinuteCandles = 1440;  // one day of 1-minute candles for /v5/market/kline

using Subscribers = std::vector<PublicClient*>;

inline void remove_subscriber(Subscribers& subs, PublicClient* c) {
  auto it = std::find(subs.begin(), subs.end(), c);
  if (it != subs.end()) {
    *it = subs.back();
    subs.pop_back();
  }
}

struct PublicMarket::DepthStream {
  uint16_t depth = 0;
  Subscribers subs;
  int64_t u = 0;                       // last published update id of this topic
  std::vector<PriceLevel> pub[2];      // the top `depth` levels last published, best first
  std::vector<PriceLevel> next[2];     // scratch for the new top
  std::vector<PriceLevel> changes[2];  // scratch for the delta
  int64_t last_sent_ns = 0;
  bool live = false;       // pub[] is maintained (has had subscribers since the last reset)
  bool drop_next = false;  // fault: skip the next delta (u still advances)
};

struct TradeRecord {
  Price price;
  Qty qty;
  Side side = Side::kBuy;
  int64_t time_ms = 0;
  uint64_t id = 0;
};

struct Candle {
  int64_t start_ms = -1;
  Price open, high, low, close;
  Qty volume;
  Money turnover;
};

struct PublicMarket::SymbolState {
  SymbolState(const Instrument& in, InstrumentId i) : instrument(in), id(i) {
    const auto& depths = in.category == Category::kOption ? std::span<const uint16_t>(kOptionDepths)
                                                          : std::span<const uint16_t>(kFutureDepths);
    streams.resize(depths.size());
    for (size_t k = 0; k < depths.size(); ++k) {
      streams[k].depth = depths[k];
      for (auto* v : {&streams[k].pub[0], &streams[k].pub[1], &streams[k].next[0], &streams[k].next[1],
                      &streams[k].changes[0], &streams[k].changes[1]}) {
        v->reserve(depths[k] * 2u);
      }
    }
    trades.resize(kRecentTrades);
    candles.resize(kMinuteCandles);
  }
  const Instrument& instrument;
  InstrumentId id;
  OrderBook book;
  bool has_book = false;
  int64_t seq = 0;  // cross sequence: +1 per source book message
  std::vector<DepthStream> streams;
  Subscribers trade_subs, ticker_subs;
  // Trades: a ring of the last kRecentTrades, newest at trade_head - 1.
  std::vector<TradeRecord> trades;
  size_t trade_head = 0, trade_count = 0;
  // Ticker state.
  bool have_last = false;
  Price last, prev_last, first, high, low;
  Qty volume;
  Money turnover;
  bool ticker_dirty = false;
  int64_t ticker_sent_ns = 0;
  int64_t ticker_seq = 0;
  // 1-minute candles: a ring indexed by minute number modulo its size.
  std::vector<Candle> candles;
  int64_t last_minute = -1;
};

struct PublicMarket::ClientState {
  PublicClient* client = nullptr;
  Category category = Category::kLinear;
  struct Sub {
    SymbolState* symbol;
    int stream;  // index into symbol->streams, or -1 trades, -2 tickers
  };
  std::vector<Sub> subs;
};

// Appends the Bybit level arrays `"b":[["p","q"],...]` of a side.
inline void append_levels(std::string& s, const Instrument& in, const std::vector<PriceLevel>& levels) {
  s.push_back('[');
  bool first = true;
  for (const PriceLevel& l : levels) {
    if (!first) s.push_back(',');
    first = false;
    s.push_back('[');
    append_price(s, in, l.price);
    s.push_back(',');
    append_qty(s, in, l.qty);
    s.push_back(']');
  }
  s.push_back(']');
}

}  // namespace mm::simx
