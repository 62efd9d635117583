#pragma once
// Risk configuration: the [risk] table of the TOML config (parsed in tools/, validated here).
//
// Units. Quantities and money amounts are decimal strings, as a human writes them: quantities in the base
// coin ("0.01" BTC), money in the settle coin ("1000" USDT). validate() checks their syntax and sign;
// resolve_limits() converts them with the instrument at start-up (a quantity off the lot grid is an error,
// never a rounding). Times are integers in ms (us for latency thresholds), price distances integers in bps
// (1 bp = 0.01%) or ticks, counts plain integers. Enumerations are lower-case strings.
//
// TOML keys (defaults in the struct definitions below):
//   [risk]                          max_order_qty, max_order_notional, max_position_qty,
//   max_exposure_notional,
//                                   price_band_bps, max_open_orders, require_post_only, limit_policy
//   [risk.breakers.daily_loss]      enabled, max_loss, action, cooldown_ms
//   [risk.breakers.drawdown]        enabled, max_drawdown, action, cooldown_ms
//   [risk.breakers.stale_book]      enabled, max_age_ms, action, cooldown_ms
//   [risk.breakers.book_untrusted]  enabled, action, cooldown_ms
//   [risk.breakers.book_crossed]    enabled, action, cooldown_ms
//   [risk.breakers.reject_rate]     enabled, window_ms, max_rejects, action, cooldown_ms
//   [risk.breakers.price_jump]      enabled, window_ms, max_move_bps, action, cooldown_ms
//   [risk.breakers.latency]         enabled, window_ms, max_spikes, max_tick_to_quote_us, max_ack_us, action,
//                                   cooldown_ms
//   [risk.protection]               enabled, unit, take_profit, stop_loss, trailing_stop, close_type,
//                                   close_offset, retry_ms, trigger_by
#include <cstdint>
#include <string>
#include <string_view>

#include "core/instrument.h"
#include "core/money.h"
#include "core/order_request.h"
#include "core/types.h"
#include "risk/trading_state.h"

namespace mm {

// What a pre-trade quantity limit does to an order above it: "block" refuses the order, "clip" lets it
// through with the largest quantity within every limit (still refused if that is below the instrument's
// minimum). Only the four size limits clip: max order qty/notional, max position, max exposure.
enum class LimitPolicy : uint8_t { kBlock = 0, kClip = 1 };
constexpr std::string_view to_string(LimitPolicy p) noexcept {
  return p == LimitPolicy::kBlock ? "block" : "clip";
}
[[nodiscard]] bool parse_limit_policy(std::string_view s, LimitPolicy& out) noexcept;

// Unit of the protection distances: "ticks" of the instrument or "bps" of the reference price.
enum class DistanceUnit : uint8_t { kTicks = 0, kBps = 1 };
constexpr std::string_view to_string(DistanceUnit u) noexcept {
  return u == DistanceUnit::kTicks ? "ticks" : "bps";
}
[[nodiscard]] bool parse_distance_unit(std::string_view s, DistanceUnit& out) noexcept;

// How a protection close is sent: "market", or "limit" (IOC) priced through the touch by close_offset.
enum class CloseType : uint8_t { kMarket = 0, kLimit = 1 };
constexpr std::string_view to_string(CloseType t) noexcept {
  return t == CloseType::kMarket ? "market" : "limit";
}
[[nodiscard]] bool parse_close_type(std::string_view s, CloseType& out) noexcept;

// Accepts Bybit's spellings "LastPrice", "MarkPrice", "IndexPrice".
[[nodiscard]] bool parse_trigger_by(std::string_view s, TriggerBy& out) noexcept;

// Every breaker: `enabled`, `action` (the state it forces: "reduce_only" or "halted") and `cooldown_ms`
// (how long its condition must stay clear before the state steps back one level, and again for the next).

// [risk.breakers.daily_loss] Net PnL (realized + unrealized - fees) since the start of the UTC day.
// Holds until the next UTC day whatever the PnL does; the cool-down steps start at the day boundary.
struct DailyLossConfig {
  bool enabled = true;
  std::string max_loss = "100";  // settle coin, > 0: trips when the day's net PnL <= -max_loss
  TradingState action = TradingState::kHalted;
  int64_t cooldown_ms = 60'000;
};

// [risk.breakers.drawdown] Net PnL below its highest value since start-up.
struct DrawdownConfig {
  bool enabled = true;
  std::string max_drawdown = "200";  // settle coin, > 0: trips when peak - net PnL >= max_drawdown
  TradingState action = TradingState::kHalted;
  int64_t cooldown_ms = 60'000;
};

// [risk.breakers.stale_book] No book update for longer than max_age_ms.
struct StaleBookConfig {
  bool enabled = true;
  int64_t max_age_ms = 5'000;  // > 0
  TradingState action = TradingState::kHalted;
  int64_t cooldown_ms = 1'000;
};

// [risk.breakers.book_untrusted] The book is resyncing (sequence gap, reconnect, waiting for a snapshot).
// [risk.breakers.book_crossed] Best bid >= best ask.
struct BookStateConfig {
  bool enabled = true;
  TradingState action = TradingState::kHalted;
  int64_t cooldown_ms = 1'000;
};

// [risk.breakers.reject_rate] More than max_rejects order rejects within window_ms.
struct RejectRateConfig {
  bool enabled = true;
  int64_t window_ms = 10'000;  // > 0
  uint32_t max_rejects = 10;   // 0..63: trips on reject number max_rejects + 1 within the window
  TradingState action = TradingState::kReduceOnly;
  int64_t cooldown_ms = 30'000;
};

// [risk.breakers.price_jump] The mid moves more than max_move_bps within window_ms.
struct PriceJumpConfig {
  bool enabled = true;
  int64_t window_ms = 1'000;   // > 0
  int64_t max_move_bps = 100;  // 1..10000, relative to the earlier mid
  TradingState action = TradingState::kReduceOnly;
  int64_t cooldown_ms = 30'000;
};

// [risk.breakers.latency] More than max_spikes latency samples above their threshold within window_ms.
struct LatencyConfig {
  bool enabled = true;
  int64_t window_ms = 10'000;            // > 0
  uint32_t max_spikes = 5;               // 0..63: trips on spike number max_spikes + 1 within the window
  int64_t max_tick_to_quote_us = 1'000;  // > 0: book update received -> order bytes handed to the venue
  int64_t max_ack_us = 500'000;          // > 0: order sent -> exchange ack received
  TradingState action = TradingState::kReduceOnly;
  int64_t cooldown_ms = 30'000;
};

// [risk.breakers]
struct BreakersConfig {
  DailyLossConfig daily_loss;
  DrawdownConfig drawdown;
  StaleBookConfig stale_book;
  BookStateConfig book_untrusted;
  BookStateConfig book_crossed;
  RejectRateConfig reject_rate;
  PriceJumpConfig price_jump;
  LatencyConfig latency;
};

// [risk.protection] Take-profit, stop-loss and trailing stop on the position, relative to its average entry.
// Distances are in `unit`; 0 disables a leg. With unit bps, a distance is taken from the entry price (the
// best price for the trailing stop) and rounded to the grid so that a take-profit never asks for less than
// the distance and a stop never risks more: TP levels round away from the entry, SL and trailing levels
// towards it (never closer than 1 tick).
struct ProtectionConfig {
  bool enabled = false;
  DistanceUnit unit = DistanceUnit::kBps;
  int64_t take_profit = 0;    // >= 0
  int64_t stop_loss = 0;      // >= 0
  int64_t trailing_stop = 0;  // >= 0: distance behind the best price seen since the position opened
  CloseType close_type = CloseType::kLimit;
  int64_t close_offset = 5;  // >= 0, limit closes only: a sell is priced this far below the bid, a buy above
                             // the ask
  int64_t retry_ms = 1'000;  // > 0: the close intent is repeated this often while the position stays open
  TriggerBy trigger_by = TriggerBy::kMarkPrice;  // for the exchange-side TradingStop request
};

// [risk]
struct RiskConfig {
  std::string max_order_qty;                // base coin, > 0, required: largest single order
  std::string max_order_notional = "1000";  // settle coin, > 0: largest price * qty of one order
  std::string max_position_qty;             // base coin, > 0, required: |position + open same-side + order|
  std::string max_exposure_notional = "5000";  // settle coin, > 0: the same, valued in notional
  int64_t price_band_bps = 50;                 // 1..10000: |limit price - mid| <= mid * price_band_bps / 1e4
  uint32_t max_open_orders = 20;               // > 0, our open orders including in-flight ones
  bool require_post_only = true;               // limit orders must be PostOnly (reduce-only orders exempt)
  LimitPolicy limit_policy = LimitPolicy::kBlock;
  BreakersConfig breakers;
  ProtectionConfig protection;

  // Checks every field that does not need the instrument. Returns "" or one message naming the first bad
  // field by its full TOML key, e.g. "risk.max_order_qty must be > 0". Start-up only (allocates).
  [[nodiscard]] std::string validate() const;
};

// The decimal fields of RiskConfig converted for one instrument.
struct RiskLimits {
  Qty max_order_qty;
  Money max_order_notional;
  Qty max_position;
  Money max_exposure;
  Money max_daily_loss;
  Money max_drawdown;
};

// validate(), then converts the decimal fields with the instrument's grid. Returns "" (out filled) or a
// message naming the TOML key (out untouched): a quantity off the lot grid, more decimals than the grid,
// max_order_qty below the instrument's min qty, max_order_qty > max_position_qty, max_order_notional >
// max_exposure_notional. Start-up only (allocates).
[[nodiscard]] std::string resolve_limits(const RiskConfig& cfg, const Instrument& instrument,
                                         RiskLimits& out);

}  // namespace mm
