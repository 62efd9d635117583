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
// Why the two monotonic queues: the price-jump breaker asks for the window's extremes on every tick;
// scanning up to 64 samples each time cost more than the rest of the breakers together. The queues hold
// the sequence numbers of the samples that can still be a window minimum (increasing mids) or maximum
// (decreasing mids), so a query is O(1) amortised and gives exactly what the scan gave.
class MidRing {
 public:
  void push(int64_t t, int64_t mid) noexcept {
    const uint64_t seq = head_;
    samples_[seq & kMask] = MidSample{t, mid};
    ++head_;
    // A sample that leaves the ring leaves the queues too (it is their oldest entry, if still there).
    const uint64_t oldest = head_ > kTimeRingCapacity ? head_ - kTimeRingCapacity : 0;
    if (min_.front_seq(oldest)) min_.pop_front();
    if (max_.front_seq(oldest)) max_.pop_front();
    while (!min_.empty() && at(min_.back()).mid >= mid) min_.pop_back();
    while (!max_.empty() && at(max_.back()).mid <= mid) max_.pop_back();
    min_.push_back(seq);
    max_.push_back(seq);
  }
  [[nodiscard]] bool empty() const noexcept { return head_ == 0; }
  [[nodiscard]] const MidSample& newest() const noexcept { return samples_[(head_ - 1) & kMask]; }
  // Lowest and highest mid among the samples with time >= from. Returns false (lo, hi untouched) when
  // there is none. Precondition: `from` does not decrease between calls (samples older than it are
  // forgotten by the queues).
  [[nodiscard]] bool min_max_since(int64_t from, int64_t& lo, int64_t& hi) noexcept {
    while (!min_.empty() && at(min_.front()).t < from) min_.pop_front();
    while (!max_.empty() && at(max_.front()).t < from) max_.pop_front();
    // Times are non-decreasing, so the newest sample is in the window iff any is; it is in both queues.
    if (min_.empty()) return false;
    lo = at(min_.front()).mid;
    hi = at(max_.front()).mid;
    return true;
  }

 private:
  static constexpr uint64_t kMask = kTimeRingCapacity - 1;

  // Sequence numbers of ring samples, oldest first; never more than the ring holds.
  class SeqQueue {
   public:
    [[nodiscard]] bool empty() const noexcept { return begin_ == end_; }
    [[nodiscard]] uint64_t front() const noexcept { return seqs_[begin_ & kMask]; }
    [[nodiscard]] uint64_t back() const noexcept { return seqs_[(end_ - 1) & kMask]; }
    // True when the oldest entry's sample is older than sequence `oldest` (gone from the ring).
    [[nodiscard]] bool front_seq(uint64_t oldest) const noexcept { return !empty() && front() < oldest; }
    void pop_front() noexcept { ++begin_; }
    void pop_back() noexcept { --end_; }
    void push_back(uint64_t seq) noexcept { seqs_[end_++ & kMask] = seq; }

   private:
    std::array<uint64_t, kTimeRingCapacity> seqs_{};
    uint64_t begin_ = 0;
    uint64_t end_ = 0;
  };

  [[nodiscard]] const MidSample& at(uint64_t seq) const noexcept { return samples_[seq & kMask]; }

  std::array<MidSample, kTimeRingCapacity> samples_{};
  uint64_t head_ = 0;
  SeqQueue min_;
  SeqQueue max_;
};

}  // namespace mm::detail
