#pragma once
// Fixed rings of recent event times for the windowed breakers. Capacity 64 so the config can ask for up to
// 63 tolerated events: "more than N in the window" needs the last N + 1 times.
#include <array>
#include <cstdint>

namespace mm::detail {

inline constexpr uint32_t kTimeRingCapacity = 64;

// Times of the last kTimeRingCapacity events. Precondition: pushed in non-decreasing time order.
class TimeRing {
 public:
  void push(int64_t t) noexcept {
    times_[head_ & (kTimeRingCapacity - 1)] = t;
    ++head_;
  }
  // Events with time >= from (up to kTimeRingCapacity).
  [[nodiscard]] uint32_t count_since(int64_t from) const noexcept {
    const uint64_t n = head_ < kTimeRingCapacity ? head_ : kTimeRingCapacity;
    uint32_t k = 0;
    while (k < n && times_[(head_ - 1 - k) & (kTimeRingCapacity - 1)] >= from) ++k;
    return k;
  }

 private:
  std::array<int64_t, kTimeRingCapacity> times_{};
  uint64_t head_ = 0;
};

struct MidSample {
  int64_t t;
  int64_t mid;  // ticks
};

// Recent (time, mid) samples, at most one per sampling interval, newest last.
class MidRing {
 public:
  void push(int64_t t, int64_t mid) noexcept {
    samples_[head_ & (kTimeRingCapacity - 1)] = MidSample{t, mid};
    ++head_;
  }
  [[nodiscard]] bool empty() const noexcept { return head_ == 0; }
  [[nodiscard]] const MidSample& newest() const noexcept {
    return samples_[(head_ - 1) & (kTimeRingCapacity - 1)];
  }
  // Lowest and highest mid among the samples with time >= from. Returns false (lo, hi untouched) when
  // there is none.
  [[nodiscard]] bool min_max_since(int64_t from, int64_t& lo, int64_t& hi) const noexcept {
    const uint64_t n = head_ < kTimeRingCapacity ? head_ : kTimeRingCapacity;
    int64_t mn = INT64_MAX;
    int64_t mx = INT64_MIN;
    uint64_t k = 0;
    for (; k < n; ++k) {
      const MidSample& s = samples_[(head_ - 1 - k) & (kTimeRingCapacity - 1)];
      if (s.t < from) break;
      mn = s.mid < mn ? s.mid : mn;
      mx = s.mid > mx ? s.mid : mx;
    }
    if (k == 0) return false;
    lo = mn;
    hi = mx;
    return true;
  }

 private:
  std::array<MidSample, kTimeRingCapacity> samples_{};
  uint64_t head_ = 0;
};

}  // namespace mm::detail
