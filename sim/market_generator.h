#pragma once
// Seeded synthetic market in Bybit V5's exact public linear wire format, written as mm capture records:
// long, reproducible streams for throughput work and backtests where the real recordings are short.
//
// Output, in order: a connection-info record (wss://stream.bybit.com/v5/public/{category}), one
// `orderbook.{depth}.{symbol}` snapshot (u = 1), then every delta_interval_ms a delta and, between
// deltas, `publicTrade.{symbol}` prints. Every message is a kRecv frame whose recv_ns is the message ts
// plus a simulated network latency (strictly increasing).
//
// The model: a latent fair price follows a random walk whose per-step variance is GARCH(1,1)
// (volatility clustering); the target best bid is floor(fair) (re-centred only when fair leaves a band
// around the quotes) and the target best ask one tick above.
// A true book (deeper than the published depth) is maintained; a step
//   1. sweeps levels better than the new targets, usually as one aggressive trade print per level
//      (sometimes as silent cancels),
//   2. adds Poisson-many random taker trades that walk the book from the touch (reducing or removing
//      levels),
//   3. refills the touch at the targets, churns a few levels (size changes, cancels, new levels at a
//      stationary density of about 0.7 levels per tick) with a bias to the top, and extends or trims
//      the book beyond the published depth,
//   4. publishes the delta: exactly the differences of the top `depth` levels (size "0" for levels that
//      were removed or fell out of the top), bids best-first (descending), asks ascending.
// Trades only ever touch levels already published, with quantities they had, so every print is at a
// price that existed in the book. u is contiguous from 1, seq strictly increasing, ts/cts in ms.
//
// Determinism: the same params give byte-identical output on any IEEE-754 machine: own PRNG
// (xoshiro256** seeded by splitmix64), own normal/exp/log from + - * / and sqrt only, no FMA contraction
// in the model code, all prices and sizes as integers formatted with format_fixed.
#include <cstdint>
#include <functional>
#include <string>

#include "core/capture.h"
#include "core/types.h"

namespace mm {

// The accepted ranges (generate_market refuses anything outside with kInvalid). Why these bounds: beyond them
// a stream stops looking like a market (a 1e5-tick standard deviation per sqrt(second) already sweeps a
// 200-level book every step) or takes days to write; inside them every combination is generated correctly
// (tests/sim/market_generator_test.cpp sweeps them).
inline constexpr int64_t kMaxGenSeconds = 7 * 86400;
inline constexpr int64_t kMaxGenDeltaMs = 3'600'000;
inline constexpr double kMaxGenVol = 1e5;
inline constexpr double kMaxGenRate = 1e6;

struct GenParams {
  std::string symbol = "BTCUSDT";
  Category category = Category::kLinear;  // only changes the connection URL; the message layout is linear's
  int64_t seconds = 600;                  // stream length after the snapshot
  uint64_t seed = 1;
  std::string tick = "0.10";             // tickSize
  std::string qty_step = "0.001";        // qtyStep
  std::string start_price = "65000.00";  // first best bid; must be on the tick grid
  int64_t start_ms = 1'786'310'820'000;  // Unix ms of the snapshot (2026-08-09, like the real recording)
  int depth = 200;                       // published depth (topic orderbook.{depth})
  // Bybit pushes orderbook.200 every 100 ms on linear; the default is denser (50 deltas/s) for load work.
  int64_t delta_interval_ms = 20;
  double trades_per_second = 4.0;          // random taker trades (price-moving sweeps come on top)
  double vol_ticks_per_sqrt_second = 3.0;  // unconditional volatility of the fair price, in ticks
  double garch_alpha = 0.03;               // weight of the last squared shock
  double garch_beta = 0.969;               // alpha + beta = 0.999 per 20 ms step: bursts last seconds
  double level_qty_median = 0.05;          // median resting size per level, in base units (lognormal)
  double trade_qty_median = 0.008;         // median taker size, in base units (lognormal)
  double churn_per_step = 6.0;             // mean other level changes per delta
  double sweep_trade_probability = 0.8;    // a price move shows as trades (else as cancels)
  // The touch moves when the fair price is more than this many ticks from the middle of the quotes
  // (0.5: it follows floor(fair) exactly).
  double requote_band_ticks = 1.0;
  int64_t latency_us = 2000;  // recv_ns = ts + latency + uniform jitter in [0, latency/2)
  uint32_t conn_id = 0;
  // Called with (deltas written, deltas in all) every 1024 deltas and after the last (mm gen's progress bar).
  std::function<void(int64_t, int64_t)> progress;
};

struct GenResult {
  CaptureError status = CaptureError::kOk;  // kInvalid for bad params (see message), or the writer's error
  std::string message;
  uint64_t frames = 0;  // kRecv frames written (snapshot + deltas + trade messages)
  uint64_t deltas = 0;
  uint64_t trade_messages = 0;
  uint64_t trade_prints = 0;  // entries in all trade messages
  int64_t last_recv_ns = 0;
};

// Writes the stream into an open writer (the caller owns the file header and closing).
// Errors: kInvalid (symbol, tick, qty_step or start_price malformed or off grid, depth outside [1, 10000],
// seconds, delta_interval_ms, rates or volatility outside the ranges above (NaN included), a median <= 0,
// alpha/beta outside [0, 1) or alpha + beta >= 1, latency_us outside [0, 6e7]),
// and the writer's errors (kNotOpen, kIo, kTooLarge).
[[nodiscard]] GenResult generate_market(const GenParams& params, CaptureWriter& writer);

// Writes `path` (header created_ns = start_ms in ns, flag kCaptureFlagSynthetic) atomically: on any error it
// keeps its old content. Errors: as generate_market, plus kIo from open/close.
[[nodiscard]] GenResult generate_market_file(const GenParams& params, const std::string& path);

}  // namespace mm
