#pragma once
// SimConfig: every setting of the simulated venue and the backtest runner (sim/sim_venue.h,
// runtime/backtest_runner.h). The `mm` command parses it from the `[backtest]` TOML table (tools/); the field
// names below are the proposed keys (docs/backtest.md lists them with units).
#include <cstdint>
#include <string>

#include "core/market_events.h"
#include "core/order_book.h"
#include "sim/fill_engine.h"
#include "sim/latency_model.h"
#include "sim/queue_model.h"

namespace mm {

// A latency: constant, or sampled from a distribution file (sim/latency_model.h) when `file` is not empty.
struct LatencySpec {
  int64_t constant_ns = 0;  // >= 0, <= kMaxLatencyNs; ignored when file is set
  std::string file;
};

// Where our receive time of market data comes from.
enum class FeedTime : uint8_t {
  kData = 0,  // the recording's receive time where it has one (local_ts != exch_ts), else exch + feed latency
  kModel,     // always exchange time + the feed latency model (ignores recorded receive times)
};

enum class FundingMode : uint8_t {
  kNone = 0,  // no funding payments
  kConstant,  // `funding_rate` at every settlement of the `funding_interval_ns` grid
  kData,      // the latest kFunding event's rate, at the data's nextFundingTime (the grid until one is seen)
};

// Streams of SimConfig::seed (sim/sim_rng.h derive_stream_seed): one per latency model.
inline constexpr uint64_t kEntryLatencyStream = 1;
inline constexpr uint64_t kResponseLatencyStream = 2;
inline constexpr uint64_t kFeedLatencyStream = 3;

// Builds the latency model of a spec (reading its file when set). Throws std::invalid_argument with the file's
// error message (see sim/latency_model.h).
LatencyModel make_latency_model(const LatencySpec& spec);

struct SimConfig {
  QueueModelConfig queue;                   // fill engine queue-position model
  FillRule fill_rule = FillRule::kConservative;  // trade-through / move-through size (sim/fill_engine.h)
  uint32_t max_orders = 256;                // live orders at the exchange, in [1, 65534]
  uint32_t book_window_ticks = OrderBook::kDefaultWindowTicks;  // fill engine book window (power of two)

  LatencySpec entry_latency{5'000'000, {}};     // us -> matching engine, per request (batch)
  LatencySpec response_latency{5'000'000, {}};  // matching engine -> us, per answer
  // exchange time -> our receive time, for messages without a recorded receive time (Bybit history files)
  // or with FeedTime::kModel. 10 ms: a client near Bybit's servers (docs/backtest.md); 0 would show the
  // strategy the book at matching-engine time.
  LatencySpec feed_latency{10'000'000, {}};
  FeedTime feed_time = FeedTime::kData;

  // Fee rates at kRateScale (core/market_events.h), signed: negative = rebate. Bybit VIP0 linear.
  int64_t maker_fee_rate = 2'000'000;   // 0.0002
  int64_t taker_fee_rate = 5'500'000;   // 0.00055

  FundingMode funding = FundingMode::kData;
  int64_t funding_rate = 1'000'000;     // kConstant: at kRateScale (0.0001); > 0: longs pay shorts
  int64_t funding_interval_ns = 8LL * 3600 * 1'000'000'000;  // settlements on the UTC grid (00:00, 08:00, 16:00)

  // Bybit's per-UID limits, requests per one-second window (each item of a batch counts).
  int64_t create_per_second = 10;
  int64_t amend_per_second = 10;
  int64_t cancel_per_second = 10;
  int64_t cancel_all_per_second = 10;

  uint64_t seed = 1;                     // seeds every sampled latency model
  int64_t sample_ns = 1'000'000'000;     // series sampling period (simulated time)

  // Capacities (fixed at construction; the hot path never grows them).
  uint32_t action_capacity = 4096;       // order actions in flight to the exchange
  uint32_t response_capacity = 16384;    // answers in flight back to us
  uint32_t fill_reserve = 1u << 16;      // FillRecords reserved up front (more grow the vector: allocation)

  // "" when valid, else a message naming the first bad field, e.g.
  // "backtest.entry_latency_ns must be >= 0".
  [[nodiscard]] std::string validate() const;
};

}  // namespace mm
