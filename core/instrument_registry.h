#pragma once
// Dense table of instruments keyed by (category, symbol), filled at start-up, read on the hot path.
// Why a flat open-addressing table: lookups happen per message, must not allocate, and the set is small.
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/instrument.h"

namespace mm {

class InstrumentRegistry {
 public:
  static constexpr size_t kCapacity = 4096;  // every listed Bybit linear+spot symbol fits (~1,400 today)

  // Adds or replaces (same category and symbol). Returns the id, or kNoInstrument when full.
  InstrumentId add(const Instrument& in);

  // Returns kNoInstrument when unknown. Never allocates.
  [[nodiscard]] InstrumentId find(Category c, std::string_view symbol) const noexcept;

  // Precondition: id < size().
  const Instrument& get(InstrumentId id) const noexcept { return items_[id]; }
  Instrument& get(InstrumentId id) noexcept { return items_[id]; }
  size_t size() const noexcept { return items_.size(); }

 private:
  static constexpr size_t kSlots = kCapacity * 2;  // load factor <= 0.5
  static size_t hash(Category c, std::string_view s) noexcept;
  std::vector<Instrument> items_;
  std::array<InstrumentId, kSlots> slots_ = make_empty();
  static constexpr std::array<InstrumentId, kSlots> make_empty() {
    std::array<InstrumentId, kSlots> a{};
    a.fill(kNoInstrument);
    return a;
  }
};

}  // namespace mm
