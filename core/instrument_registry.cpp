#include "core/instrument_registry.h"

namespace mm {

size_t InstrumentRegistry::hash(Category c, std::string_view s) noexcept {
  // FNV-1a: symbols are short; this is cheaper than std::hash's setup and needs no allocation.
  uint64_t h = 1469598103934665603ull ^ static_cast<uint64_t>(c);
  for (char ch : s) {
    h ^= static_cast<unsigned char>(ch);
    h *= 1099511628211ull;
  }
  return static_cast<size_t>(h);
}

InstrumentId InstrumentRegistry::find(Category c, std::string_view symbol) const noexcept {
  size_t i = hash(c, symbol) & (kSlots - 1);
  for (;;) {
    const InstrumentId id = slots_[i];
    if (id == kNoInstrument) return kNoInstrument;
    const Instrument& in = items_[id];
    if (in.category == c && in.name() == symbol) return id;
    i = (i + 1) & (kSlots - 1);
  }
}

InstrumentId InstrumentRegistry::add(const Instrument& in) {
  size_t i = hash(in.category, in.name()) & (kSlots - 1);
  for (;;) {
    const InstrumentId id = slots_[i];
    if (id == kNoInstrument) break;
    if (items_[id].category == in.category && items_[id].name() == in.name()) {
      items_[id] = in;
      return id;
    }
    i = (i + 1) & (kSlots - 1);
  }
  if (items_.size() >= kCapacity) return kNoInstrument;
  if (items_.capacity() == 0) items_.reserve(kCapacity);  // ids stay stable; get() references stay valid
  const auto id = static_cast<InstrumentId>(items_.size());
  items_.push_back(in);
  slots_[i] = id;
  return id;
}

}  // namespace mm
