#pragma once
// Vocabulary types of the hot path: prices and quantities are integers on the instrument's grid.
// Why strong types: a tick count and a lot count are both int64; mixing them is the classic bug.
#include <cstdint>
#include <string_view>

namespace mm {

// 128-bit intermediate for exact products (notional, rescaling); __extension__ keeps -Wpedantic quiet.
__extension__ typedef __int128 Int128;

// Price in integer ticks of one instrument (tickSize units). Meaningless without its Instrument.
struct Price {
  int64_t ticks = 0;
  friend constexpr bool operator==(Price, Price) = default;
  friend constexpr auto operator<=>(Price, Price) = default;
};

// Quantity in integer lots of one instrument (qtyStep units). Zero means "delete" in book deltas.
struct Qty {
  int64_t lots = 0;
  friend constexpr bool operator==(Qty, Qty) = default;
  friend constexpr auto operator<=>(Qty, Qty) = default;
};

enum class Side : uint8_t { kBuy = 0, kSell = 1 };

// Bybit V5 product families ("category" in the API).
enum class Category : uint8_t { kLinear = 0, kInverse = 1, kSpot = 2, kOption = 3 };
inline constexpr int kCategoryCount = 4;

// Returns the Bybit spelling ("linear", "inverse", "spot", "option").
constexpr std::string_view to_string(Category c) noexcept {
  switch (c) {
    case Category::kLinear: return "linear";
    case Category::kInverse: return "inverse";
    case Category::kSpot: return "spot";
    case Category::kOption: return "option";
  }
  return "?";
}

// Parses Bybit's spelling. Returns false (out untouched) for anything else.
constexpr bool parse_category(std::string_view s, Category& out) noexcept {
  if (s == "linear") { out = Category::kLinear; return true; }
  if (s == "inverse") { out = Category::kInverse; return true; }
  if (s == "spot") { out = Category::kSpot; return true; }
  if (s == "option") { out = Category::kOption; return true; }
  return false;
}

constexpr std::string_view to_string(Side s) noexcept { return s == Side::kBuy ? "Buy" : "Sell"; }

// Index of an instrument inside an InstrumentRegistry; dense, assigned at start-up.
using InstrumentId = uint16_t;
inline constexpr InstrumentId kNoInstrument = 0xFFFF;

}  // namespace mm
