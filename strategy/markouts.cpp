#include "strategy/markouts.h"

#include <cmath>

namespace mm {

namespace {
constexpr uint64_t kRingMask = kMaxPendingFills - 1;
static_assert((kMaxPendingFills & kRingMask) == 0, "kMaxPendingFills must be a power of two");
}  // namespace

void MarkoutTracker::configure(const std::array<int64_t, kMarkoutHorizons>& horizons_ns,
                               double half_life_fills) noexcept {
  horizons_ns_ = horizons_ns;
  alpha_ = 1.0 - std::exp2(-1.0 / half_life_fills);
  stats_ = {};
  cursor_ = {};
  head_ = tail_ = dropped_ = expired_ = 0;
  next_due_ns_ = INT64_MAX;
  adverse_score_bps_ = 0.0;
}

void MarkoutTracker::on_fill(Side side, Price price, int64_t now_ns, double mid_ticks) noexcept {
  if (head_ - tail_ == kMaxPendingFills) {
    // Full: forget the oldest fill for every horizon that has not resolved it yet.
    for (uint64_t& c : cursor_) {
      if (c == tail_) ++c;
    }
    ++tail_;
    ++dropped_;
  }
  ring_[head_ & kRingMask] =
      Record{now_ns, mid_ticks, static_cast<double>(price.ticks), side == Side::kBuy ? 1.0 : -1.0};
  ++head_;
  recompute_tail_and_due();
}

void MarkoutTracker::advance(int64_t now_ns, double held_mid) noexcept {
  if (now_ns < next_due_ns_) return;
  for (uint32_t h = 0; h < kMarkoutHorizons; ++h) {
    uint64_t c = cursor_[h];
    while (c < head_) {
      const Record& r = ring_[c & kRingMask];
      if (r.t_ns + horizons_ns_[h] > now_ns) break;
      resolve(h, r, held_mid);
      ++c;
    }
    cursor_[h] = c;
  }
  recompute_tail_and_due();
}

void MarkoutTracker::expire(int64_t now_ns) noexcept {
  if (now_ns < next_due_ns_) return;
  for (uint32_t h = 0; h < kMarkoutHorizons; ++h) {
    uint64_t c = cursor_[h];
    while (c < head_ && ring_[c & kRingMask].t_ns + horizons_ns_[h] <= now_ns) ++c;
    expired_ += c - cursor_[h];
    cursor_[h] = c;
  }
  recompute_tail_and_due();
}

void MarkoutTracker::resolve(uint32_t h, const Record& r, double mid) noexcept {
  const double move_bps = r.sign * (mid - r.mid) / r.mid * 1e4;
  const double price_bps = r.sign * (mid - r.price) / r.price * 1e4;
  MarkoutStats& s = stats_[h];
  ++s.count;
  const double inv_n = 1.0 / static_cast<double>(s.count);
  s.mean_bps += (move_bps - s.mean_bps) * inv_n;
  s.price_mean_bps += (price_bps - s.price_mean_bps) * inv_n;
  if (s.count == 1) {
    s.ewma_bps = move_bps;
    s.price_ewma_bps = price_bps;
  } else {
    s.ewma_bps += alpha_ * (move_bps - s.ewma_bps);
    s.price_ewma_bps += alpha_ * (price_bps - s.price_ewma_bps);
  }
  double sum = 0.0;
  uint32_t n = 0;
  for (const MarkoutStats& st : stats_) {
    if (st.count == 0) continue;
    sum += st.ewma_bps;
    ++n;
  }
  const double avg = n != 0 ? sum / static_cast<double>(n) : 0.0;
  adverse_score_bps_ = avg < 0.0 ? -avg : 0.0;
}

void MarkoutTracker::recompute_tail_and_due() noexcept {
  uint64_t tail = head_;
  int64_t due = INT64_MAX;
  for (uint32_t h = 0; h < kMarkoutHorizons; ++h) {
    const uint64_t c = cursor_[h];
    if (c < tail) tail = c;
    if (c < head_) {
      const int64_t d = ring_[c & kRingMask].t_ns + horizons_ns_[h];
      if (d < due) due = d;
    }
  }
  tail_ = tail;
  next_due_ns_ = due;
}

}  // namespace mm
