#pragma once
// Position protection: take-profit, stop-loss and trailing stop relative to the average entry price,
// evaluated on every tick with the mark price (the mid when no mark is given). A trigger produces a
// reduce-only close intent for the whole position; the exchange-side equivalent is the TradingStop request
// (POST /v5/position/trading-stop) built by make_trading_stop(), a backstop for when the bot cannot act.
//
// Levels (all in ticks; `unit` and the rounding rules are documented on ProtectionConfig):
//   long:  TP = entry + tp     SL = entry - sl     trailing = best - trail (best = highest price seen)
//   short: TP = entry - tp     SL = entry + sl     trailing = best + trail (best = lowest price seen)
// A long triggers at price >= TP, <= SL, <= trailing; a short at price <= TP, >= SL, >= trailing. When
// several trigger on the same tick the stop loss is reported first, then the trailing stop, then the
// take-profit. A level that would be <= 0 ticks is treated as disabled (Price{0}).
#include <array>
#include <cstdint>
#include <string_view>

#include "core/order_request.h"
#include "core/types.h"
#include "risk/risk_config.h"
#include "risk/risk_context.h"

namespace mm {

enum class ProtectionTrigger : uint8_t { kNone = 0, kTakeProfit, kStopLoss, kTrailingStop, kCount };

// Metric label / log spelling: "none", "take_profit", "stop_loss", "trailing_stop".
std::string_view to_string(ProtectionTrigger t) noexcept;

// Trigger prices; Price{0} for a disabled leg (or any leg when flat).
struct ProtectionLevels {
  Price take_profit;
  Price stop_loss;
  Price trailing_stop;
};

// Levels for a position of `position_lots` (signed) entered at `entry`, with `best` the best price seen since
// the position opened (used by the trailing stop only). All legs 0 when flat or entry <= 0.
[[nodiscard]] ProtectionLevels protection_levels(const ProtectionConfig& cfg, int64_t position_lots,
                                                 Price entry, Price best) noexcept;

// The reduce-only order that closes the whole position: side opposite the position, qty = |position|.
// Market: type kMarket, tif kIoc, price 0. Limit: tif kIoc, a sell priced close_offset below the best bid
// (rounded down), a buy close_offset above the best ask (rounded up), so it takes liquidity; `fallback` (the
// trigger price) stands in for an empty side; never below 1 tick. link_id is left empty: the Trader assigns
// it. Returns false (out untouched) when flat, or when a limit close has no positive price to start from.
[[nodiscard]] bool make_close_order(const ProtectionConfig& cfg, InstrumentId instrument,
                                    uint8_t position_idx, int64_t position_lots, Price best_bid,
                                    Price best_ask, Price fallback, OrderCreate& out) noexcept;

// The exchange-side TP/SL for the position: take_profit and stop_loss are the levels from the entry,
// trailing_stop is the trailing distance in ticks (for bps, taken from the entry price); a disabled leg is
// sent as Price{0} (clear). Both trigger prices use cfg.trigger_by; mode Full. Returns false (out untouched)
// when protection is disabled, the position is flat or entry <= 0.
[[nodiscard]] bool make_trading_stop(const ProtectionConfig& cfg, InstrumentId instrument,
                                     uint8_t position_idx, int64_t position_lots, Price entry,
                                     TradingStop& out) noexcept;

class Protection {
 public:
  // Precondition: cfg passed RiskConfig::validate().
  Protection(const ProtectionConfig& cfg, InstrumentId instrument, uint8_t position_idx) noexcept;

  // Evaluates the position of ctx at ctx.mark (ctx.mid when the mark is 0). Returns kNone, or the trigger
  // that fired and fills `close` (see make_close_order). After a trigger the position stays marked for
  // closing: the intent is repeated every retry_ms (as kind of the first trigger) until the position is
  // flat or changes side, whatever the price does meanwhile. The best price for the trailing stop restarts
  // whenever the position opens or changes side. Nothing fires when disabled, flat or without a price.
  [[nodiscard]] ProtectionTrigger on_tick(const RiskContext& ctx, OrderCreate& close) noexcept;

  // As of the last on_tick.
  [[nodiscard]] ProtectionLevels levels() const noexcept { return levels_; }
  [[nodiscard]] Price best_price() const noexcept { return best_; }
  [[nodiscard]] bool closing() const noexcept { return fired_ != ProtectionTrigger::kNone; }

  // Triggers per kind (first firing only) and repeated close intents.
  [[nodiscard]] uint64_t triggers(ProtectionTrigger t) const noexcept {
    return triggers_[static_cast<size_t>(t)];
  }
  [[nodiscard]] uint64_t retries() const noexcept { return retries_; }

 private:
  ProtectionConfig cfg_;
  InstrumentId instrument_;
  uint8_t position_idx_;
  int64_t retry_ns_;
  int sign_ = 0;  // sign of the position at the last tick
  Price best_;
  ProtectionLevels levels_;
  ProtectionTrigger fired_ = ProtectionTrigger::kNone;
  int64_t fired_ns_ = 0;
  std::array<uint64_t, static_cast<size_t>(ProtectionTrigger::kCount)> triggers_{};
  uint64_t retries_ = 0;
};

}  // namespace mm
