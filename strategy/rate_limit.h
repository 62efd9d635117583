#pragma once
// SendWindow: at most `limit` sends in any interval of `window_ns` (a sliding window over the last `limit`
// send times), the Trader's own image of the venue's per-second window.
//
// Why, beside the token bucket: Bybit counts "10 per second" in a window opened by the first request
// (sim/rate_window.h), and a token bucket at the same rate does not keep to it: a bucket at 10/s that holds
// 1.9 tokens when a window opens can spend 11 in that window (the carried fraction plus a second of refill),
// and a full bucket 20. The venue answers the 11th with 10006, and the live node then holds the whole
// endpoint until the window's reset, so the live run's sends turn into bursts the backtest does not have
// (docs/reliability.md, parity, cause 1: 102 against 61 10006s in 120 s for examples/fixed.toml). With the
// window on the sender's side no venue window can see more than `limit` of ours, as long as the one-way
// latency of two requests a window apart differs by less than the window's excess over the venue's second
// (the guard, TraderConfig::rate_window_guard_ns); the bucket still paces the sends inside the window.
//
// Hot path: free() reads at most `cap` entries (the caller passes the bucket's tokens), take() writes n;
// the ring is allocated once by configure().
#include <cstdint>
#include <limits>
#include <memory>

namespace mm {

class SendWindow {
 public:
  // The largest limit kept (one int64 per send): a larger limit turns the window off (no real venue limit
  // is near it; the "every limit lifted" parity runs use 1000).
  static constexpr int64_t kMaxLimit = 4096;

  // Sets `limit` sends per `window_ns` and forgets every send. A limit <= 0 or above kMaxLimit, or a window
  // <= 0, turns the window off (free() returns cap).
  void configure(int64_t limit, int64_t window_ns) {
    window_ns_ = window_ns;
    if (limit <= 0 || limit > kMaxLimit || window_ns <= 0) {
      n_ = 0;
      times_.reset();
      return;
    }
    n_ = static_cast<uint32_t>(limit);
    times_ = std::make_unique<int64_t[]>(n_);
    for (uint32_t i = 0; i < n_; ++i) times_[i] = kNever;
    head_ = 0;
  }

  // How many sends may go at `now` (at most `cap`): the sends of the last `limit` that left at least
  // window_ns before now.
  [[nodiscard]] uint32_t free(int64_t now, uint32_t cap) const noexcept {
    if (n_ == 0) return cap;
    const int64_t cutoff = now - window_ns_;
    uint32_t k = 0;
    uint32_t i = head_;
    while (k < cap && k < n_ && times_[i] <= cutoff) {
      ++k;
      i = i + 1 == n_ ? 0 : i + 1;
    }
    return k;
  }

  // Records n sends at `now`. Precondition: n <= free(now, n) (else the window is over its limit: the
  // oldest sends are forgotten).
  void take(uint32_t n, int64_t now) noexcept {
    if (n_ == 0) return;
    for (uint32_t j = 0; j < n; ++j) {
      times_[head_] = now;
      head_ = head_ + 1 == n_ ? 0 : head_ + 1;
    }
  }

  bool on() const noexcept { return n_ != 0; }
  int64_t window_ns() const noexcept { return window_ns_; }

 private:
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::min() / 2;  // a send long ago
  std::unique_ptr<int64_t[]> times_;  // the last n_ send times, oldest at head_
  uint32_t n_ = 0;
  uint32_t head_ = 0;
  int64_t window_ns_ = 0;
};

}  // namespace mm
