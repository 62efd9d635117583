#pragma once
// Trading state of one instrument's trader, ordered by severity: the risk engine combines every breaker and
// the kill switch by taking the most severe state.
//   kActive      every order the pre-trade checks allow
//   kReduceOnly  only orders that shrink the position (entering it requests a cancel-all)
//   kHalted      cancels only (entering it requests a cancel-all)
#include <cstdint>
#include <string_view>

namespace mm {

enum class TradingState : uint8_t { kActive = 0, kReduceOnly = 1, kHalted = 2 };

// Spelling used in the TOML config, logs and metrics labels: "active", "reduce_only", "halted".
constexpr std::string_view to_string(TradingState s) noexcept {
  switch (s) {
    case TradingState::kActive:
      return "active";
    case TradingState::kReduceOnly:
      return "reduce_only";
    case TradingState::kHalted:
      return "halted";
  }
  return "?";
}

// Parses the spelling of to_string. Returns false (out untouched) for anything else.
[[nodiscard]] constexpr bool parse_trading_state(std::string_view s, TradingState& out) noexcept {
  if (s == "active") {
    out = TradingState::kActive;
  } else if (s == "reduce_only") {
    out = TradingState::kReduceOnly;
  } else if (s == "halted") {
    out = TradingState::kHalted;
  } else {
    return false;
  }
  return true;
}

constexpr TradingState most_severe(TradingState a, TradingState b) noexcept {
  return a > b ? a : b;
}

// One step back towards kActive after a cool-down: kHalted -> kReduceOnly -> kActive.
constexpr TradingState step_down(TradingState s) noexcept {
  return s == TradingState::kHalted ? TradingState::kReduceOnly : TradingState::kActive;
}

}  // namespace mm
