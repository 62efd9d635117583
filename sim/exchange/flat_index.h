#pragma once
// FlatIndex: a fixed-capacity open-addressing map from a non-zero 64-bit key to a 32-bit value (linear
// probing, backward-shift erase, so no tombstones pile up). Why not std::unordered_map: the exchange indexes
// every order by id and by link id; a node per insert would allocate per order. Sized once: capacity is a
// power of two at least twice the most keys ever held, so probes stay short.
#include <cstddef>
#include <cstdint>
#include <memory>

namespace mm::simx {

class FlatIndex {
 public:
  static constexpr uint32_t kMissing = 0xFFFFFFFFu;

  // Room for at least max_keys keys (cold: allocates).
  explicit FlatIndex(size_t max_keys) {
    size_t cap = 16;
    while (cap < max_keys * 2) cap <<= 1;
    mask_ = cap - 1;
    keys_ = std::make_unique<uint64_t[]>(cap);
    vals_ = std::make_unique<uint32_t[]>(cap);
  }

  // Precondition: key != 0, and fewer than capacity/2 keys are held. Replaces the value of a present key.
  void put(uint64_t key, uint32_t value) noexcept {
    size_t i = slot(key);
    while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & mask_;
    if (keys_[i] == 0) ++size_;
    keys_[i] = key;
    vals_[i] = value;
  }

  [[nodiscard]] uint32_t get(uint64_t key) const noexcept {
    if (key == 0) return kMissing;
    for (size_t i = slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == key) return vals_[i];
      if (keys_[i] == 0) return kMissing;
    }
  }

  void erase(uint64_t key) noexcept {
    if (key == 0) return;
    size_t i = slot(key);
    while (keys_[i] != key) {
      if (keys_[i] == 0) return;
      i = (i + 1) & mask_;
    }
    // Backward shift: move later members of the probe run into the hole when their home allows it.
    size_t hole = i;
    for (size_t j = (hole + 1) & mask_; keys_[j] != 0; j = (j + 1) & mask_) {
      const size_t home = slot(keys_[j]);
      const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        keys_[hole] = keys_[j];
        vals_[hole] = vals_[j];
        hole = j;
      }
    }
    keys_[hole] = 0;
    --size_;
  }

  [[nodiscard]] size_t size() const noexcept { return size_; }

  // 64-bit mix (splitmix64's finalizer): ids are sequential, so the raw bits would cluster.
  static uint64_t mix(uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
  }

 private:
  [[nodiscard]] size_t slot(uint64_t key) const noexcept { return static_cast<size_t>(mix(key)) & mask_; }

  std::unique_ptr<uint64_t[]> keys_;
  std::unique_ptr<uint32_t[]> vals_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace mm::simx
