#include "core/order_book.h"

#include <cstring>
#include <stdexcept>

namespace mm {
namespace detail {

namespace {

bool is_pow2(uint32_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

// First index j of a descending array with a[j].rank <= rank (size if none).
uint32_t lower_desc(const RankLevel* a, uint32_t size, int64_t rank) noexcept {
  uint32_t lo = 0;
  uint32_t hi = size;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (a[mid].rank > rank) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

}  // namespace

BookSide::BookSide(uint32_t window_ticks, uint32_t overflow_capacity)
    : mask_(uint64_t{window_ticks} - 1), ovf_cap_(overflow_capacity) {
  if (!is_pow2(window_ticks) || window_ticks < OrderBook::kMinWindowTicks ||
      window_ticks > OrderBook::kMaxWindowTicks) {
    throw std::invalid_argument("OrderBook: window_ticks must be a power of two in [4096, 16777216]");
  }
  if (overflow_capacity == 0) throw std::invalid_argument("OrderBook: overflow_capacity must be >= 1");
  qty_ = std::make_unique<int64_t[]>(window_ticks);
  bits_ = std::make_unique<uint64_t[]>(window_ticks / 64);
  summary_ = std::make_unique<uint64_t[]>(window_ticks / 4096);
  summary_mask_ = window_ticks / 4096 - 1;
  ovf_ = std::make_unique<RankLevel[]>(overflow_capacity);
}

void BookSide::clear() noexcept {
  // Touch only non-empty words: clearing a 200-level book must not sweep the whole window.
  for (uint64_t sw = 0; sw <= summary_mask_; ++sw) {
    uint64_t s = summary_[sw];
    while (s != 0) {
      const uint64_t word = (sw << 6) | static_cast<uint64_t>(__builtin_ctzll(s));
      s &= s - 1;
      uint64_t b = bits_[word];
      while (b != 0) {
        qty_[(word << 6) | static_cast<uint64_t>(63 - __builtin_ctzll(b))] = 0;
        b &= b - 1;
      }
      bits_[word] = 0;
    }
    summary_[sw] = 0;
  }
  count_ = 0;
  ovf_size_ = 0;
  best_ = kNone;
}

int64_t BookSide::lots_at(int64_t rank) const noexcept {
  if (static_cast<uint64_t>(rank - base_) <= mask_) return qty_[static_cast<uint64_t>(rank) & mask_];
  if (rank > base_) return 0;  // above the window: nothing lives there (the best is in the window)
  const uint32_t j = lower_desc(ovf_.get(), ovf_size_, rank);
  return (j < ovf_size_ && ovf_[j].rank == rank) ? ovf_[j].lots : 0;
}

void BookSide::place(int64_t rank, int64_t lots) noexcept {
  const uint64_t i = static_cast<uint64_t>(rank) & mask_;
  qty_[i] = lots;
  mark(i);
  ++count_;
}

BookError BookSide::set_slow(int64_t rank, int64_t lots) noexcept {
  if (lots == 0) {
    // Outside the window (or empty side): only the overflow can hold it.
    if (count_ != 0 && rank < base_) return overflow_set(rank, 0);
    return BookError::kOk;
  }
  if (count_ == 0) {
    // Empty side (so the overflow is empty too): place the window around the new level for free.
    base_ = rank - static_cast<int64_t>((mask_ + 1) / 4 * 3);
    place(rank, lots);
    best_ = rank;
    return BookError::kOk;
  }
  if (rank < base_) return overflow_set(rank, lots);
  // Above the window: a new best out of reach. The window must follow it.
  if (!recenter_up(rank)) return BookError::kOverflowFull;
  place(rank, lots);
  best_ = rank;
  return BookError::kOk;
}

BookError BookSide::overflow_set(int64_t rank, int64_t lots) noexcept {
  RankLevel* a = ovf_.get();
  const uint32_t j = lower_desc(a, ovf_size_, rank);
  const bool found = j < ovf_size_ && a[j].rank == rank;
  if (lots == 0) {
    if (found) {
      std::memmove(a + j, a + j + 1, sizeof(RankLevel) * (ovf_size_ - j - 1));
      --ovf_size_;
    }
    return BookError::kOk;
  }
  if (found) {
    a[j].lots = lots;
    return BookError::kOk;
  }
  if (ovf_size_ == ovf_cap_) return BookError::kOverflowFull;
  std::memmove(a + j + 1, a + j, sizeof(RankLevel) * (ovf_size_ - j));
  a[j] = RankLevel{rank, lots};
  ++ovf_size_;
  return BookError::kOk;
}

bool BookSide::recenter_up(int64_t new_best) noexcept {
  const auto n = static_cast<int64_t>(mask_ + 1);
  // Preferred base puts the best at 3/4 of the window; the minimal one only just fits it and pushes the
  // fewest levels into the overflow (used when the preferred one would not fit there).
  const int64_t preferred = new_best - n / 4 * 3;
  const int64_t minimal = new_best - n + 1;
  uint32_t out_preferred = 0;
  uint32_t out_minimal = 0;
  walk_window([&](int64_t r, int64_t) noexcept {
    out_preferred += r < preferred ? 1u : 0u;
    out_minimal += r < minimal ? 1u : 0u;
    return true;
  });
  int64_t base = preferred;
  uint32_t k = out_preferred;
  if (uint64_t{ovf_size_} + k > ovf_cap_) {
    base = minimal;
    k = out_minimal;
    if (uint64_t{ovf_size_} + k > ovf_cap_) return false;
  }
  if (k != 0) {
    // The levels leaving are the lowest of the window and above every overflow level: they go in front,
    // best first, in one move.
    RankLevel* a = ovf_.get();
    std::memmove(a + k, a, sizeof(RankLevel) * ovf_size_);
    uint32_t j = 0;
    walk_window([&](int64_t r, int64_t lots) noexcept {
      if (r < base) a[j++] = RankLevel{r, lots};
      return true;
    });
    for (uint32_t m = 0; m < k; ++m) {
      const uint64_t i = static_cast<uint64_t>(a[m].rank) & mask_;
      qty_[i] = 0;
      unmark(i);
      --count_;
    }
    ovf_size_ += k;
  }
  base_ = base;
  ++recenters_;
  return true;
}

void BookSide::recenter_down(int64_t new_best) noexcept {
  // Precondition: new_best is the side's best and lies below base_ + N/4 (so the new base is below base_
  // and every window level stays in the new window); the levels entering come from the overflow front.
  const int64_t base = new_best - static_cast<int64_t>((mask_ + 1) / 4 * 3);
  RankLevel* a = ovf_.get();
  uint32_t k = 0;
  while (k < ovf_size_ && a[k].rank >= base) {
    place(a[k].rank, a[k].lots);
    ++k;
  }
  if (k != 0) {
    std::memmove(a, a + k, sizeof(RankLevel) * (ovf_size_ - k));
    ovf_size_ -= k;
  }
  base_ = base;
  best_ = new_best;
  ++recenters_;
}

void BookSide::best_deleted() noexcept {
  if (count_ == 0) {
    if (ovf_size_ != 0) {
      recenter_down(ovf_[0].rank);
    } else {
      best_ = kNone;
    }
    return;
  }
  const uint64_t p = static_cast<uint64_t>(best_) & mask_;
  const uint64_t q = prev_set(p);
  best_ -= static_cast<int64_t>((p - q) & mask_);
  // The best sank into the lowest quarter: depth below it is falling out of the window. Recentering now
  // pulls the overflow back in while it is cheap (and keeps future deep updates on the fast path).
  if (static_cast<uint64_t>(best_ - base_) < (mask_ + 1) / 4) recenter_down(best_);
}

}  // namespace detail

OrderBook::OrderBook(uint32_t window_ticks, uint32_t overflow_capacity)
    : sides_{detail::BookSide(window_ticks, overflow_capacity),
             detail::BookSide(window_ticks, overflow_capacity)} {}

void OrderBook::clear() noexcept {
  sides_[0].clear();
  sides_[1].clear();
}

BookError OrderBook::validate(const PriceLevel* levels, uint32_t n) noexcept {
  for (uint32_t k = 0; k < n; ++k) {
    if (!valid_book_price(levels[k].price)) return BookError::kBadPrice;
    if (levels[k].qty.lots < 0) return BookError::kBadQty;
  }
  return BookError::kOk;
}

BookError OrderBook::apply_side(Side side, const PriceLevel* levels, uint32_t n) noexcept {
  detail::BookSide& s = sides_[index(side)];
  BookError first = BookError::kOk;
  for (uint32_t k = 0; k < n; ++k) {
    const BookError e = s.set(to_rank(side, levels[k].price.ticks), levels[k].qty.lots);
    if (e != BookError::kOk) [[unlikely]] {
      ++rejected_levels_;
      if (first == BookError::kOk) first = e;
    }
  }
  return first;
}

BookError OrderBook::apply_snapshot(const PriceLevel* bids, uint32_t nb, const PriceLevel* asks,
                                    uint32_t na) noexcept {
  BookError e = validate(bids, nb);
  if (e == BookError::kOk) e = validate(asks, na);
  if (e != BookError::kOk) return e;
  clear();
  // Seed each side with its best level so the window is placed once, whatever the order of the array
  // (a snapshot listed worst-first would otherwise recenter on every level). The later pass re-applies
  // every level in order, so the result is exactly the in-order application.
  const PriceLevel* lists[2] = {bids, asks};
  const uint32_t counts[2] = {nb, na};
  for (size_t si = 0; si < 2; ++si) {
    const Side side = si == 0 ? Side::kBuy : Side::kSell;
    int64_t best = detail::BookSide::kNone;
    int64_t lots = 0;
    for (uint32_t k = 0; k < counts[si]; ++k) {
      const int64_t r = to_rank(side, lists[si][k].price.ticks);
      if (lists[si][k].qty.lots != 0 && r > best) {
        best = r;
        lots = lists[si][k].qty.lots;
      }
    }
    // An empty side cannot refuse its first level.
    if (best != detail::BookSide::kNone) (void)sides_[si].set(best, lots);
  }
  const BookError eb = apply_side(Side::kBuy, bids, nb);
  const BookError ea = apply_side(Side::kSell, asks, na);
  return eb != BookError::kOk ? eb : ea;
}

BookError OrderBook::apply_delta(const PriceLevel* bids, uint32_t nb, const PriceLevel* asks,
                                 uint32_t na) noexcept {
  BookError e = validate(bids, nb);
  if (e == BookError::kOk) e = validate(asks, na);
  if (e != BookError::kOk) return e;
  const BookError eb = apply_side(Side::kBuy, bids, nb);
  const BookError ea = apply_side(Side::kSell, asks, na);
  return eb != BookError::kOk ? eb : ea;
}

}  // namespace mm
