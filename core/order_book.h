#pragma once
// L2 order book of one instrument in integer ticks and lots: the hot-path book the strategy reads.
//
// Layout (per side, bids and asks are independent):
//  - a ring of N quantity slots (N a power of two) indexed by `rank & (N-1)`, covering the ranks
//    [base, base + N). A level update near the top is one compare, one load and one store.
//  - a bitmap of non-empty slots (one bit per slot) plus a summary bitmap (one bit per non-empty word), so
//    finding the next level after the best is deleted costs a few ctz/clz, whatever the gap.
//  - a sorted overflow array (capacity fixed at construction) holding, exactly, every level below the
//    window (deep levels of a wide snapshot, levels left behind by a drifting price).
// Ranks: a bid's rank is its tick count, an ask's rank is minus its tick count, so "better" is "larger rank"
// on both sides and one implementation serves both.
//
// Why a ring and not a flat array: recentering only moves the levels that actually leave or enter the
// window; every level that stays keeps its slot (a flat array would have to shift them all).
// Why separate windows per side: each side keeps its best at 3/4 of its own window, so the hot slots of
// each side are contiguous and a wide spread never pushes one side's depth out of a shared window.
//
// Invariants (per side): the best level is always in the window; the window is empty only when the side
// is empty; every overflow level has a rank below the window's base. Recentering (placing the best at
// 3/4 of the window) happens when a new best lands above the window (forced) or when the best has sunk
// into the lowest quarter of the window; after a recenter the price must move N/4 up or N/2 down before
// the next one, so its cost (proportional to the levels that move) is amortized over many updates.
//
// All member functions are noexcept and allocation-free; only the constructor allocates.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>

#include "core/events.h"
#include "core/types.h"

namespace mm {

enum class BookError : uint8_t {
  kOk = 0,
  kOverflowFull,  // the level belongs in the overflow store of its side and that store is full: not stored
  kBadPrice,      // ticks outside [1, kMaxBookPriceTicks]
  kBadQty,        // negative lots
};

constexpr std::string_view to_string(BookError e) noexcept {
  switch (e) {
    case BookError::kOk:
      return "ok";
    case BookError::kOverflowFull:
      return "overflow_full";
    case BookError::kBadPrice:
      return "bad_price";
    case BookError::kBadQty:
      return "bad_qty";
  }
  return "?";
}

// Largest accepted price in ticks. Why a bound at all: base/rank arithmetic must never overflow int64.
inline constexpr int64_t kMaxBookPriceTicks = int64_t{1} << 60;

constexpr bool valid_book_price(Price p) noexcept {
  return p.ticks >= 1 && p.ticks <= kMaxBookPriceTicks;  // the compiler folds this into one unsigned compare
}

namespace detail {

struct RankLevel {
  int64_t rank;
  int64_t lots;
};

// One side of the book in rank space (best = largest rank). Not for direct use: see OrderBook.
class alignas(64) BookSide {
 public:
  static constexpr int64_t kNone = INT64_MIN;

  BookSide(uint32_t window_ticks, uint32_t overflow_capacity);

  // lots > 0 inserts or replaces, lots == 0 deletes (absent is fine). Precondition: rank is a valid
  // book price (or its negation) and lots >= 0. Returns kOk or kOverflowFull (nothing changed then).
  [[nodiscard]] BookError set(int64_t rank, int64_t lots) noexcept {
    const auto off = static_cast<uint64_t>(rank - base_);
    if (off <= mask_ && count_ != 0) [[likely]] {
      const uint64_t i = static_cast<uint64_t>(rank) & mask_;
      int64_t& slot = qty_[i];
      if (lots != 0) {
        if (slot == 0) {
          mark(i);
          ++count_;
          if (rank > best_) best_ = rank;
        }
        slot = lots;
        return BookError::kOk;
      }
      if (slot != 0) {
        slot = 0;
        unmark(i);
        --count_;
        if (rank == best_) best_deleted();
      }
      return BookError::kOk;
    }
    return set_slow(rank, lots);
  }

  void clear() noexcept;

  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] int64_t best_rank() const noexcept { return best_; }  // kNone when empty
  [[nodiscard]] int64_t best_lots() const noexcept {
    return count_ != 0 ? qty_[static_cast<uint64_t>(best_) & mask_] : 0;
  }
  [[nodiscard]] int64_t lots_at(int64_t rank) const noexcept;
  [[nodiscard]] size_t level_count() const noexcept { return size_t{count_} + ovf_size_; }
  [[nodiscard]] size_t overflow_count() const noexcept { return ovf_size_; }
  [[nodiscard]] uint32_t overflow_capacity() const noexcept { return ovf_cap_; }
  [[nodiscard]] uint64_t window_ticks() const noexcept { return mask_ + 1; }
  [[nodiscard]] int64_t base() const noexcept { return base_; }
  [[nodiscard]] uint64_t recenters() const noexcept { return recenters_; }

  // Calls f(rank, lots) best first (window, then overflow) until f returns false. Returns false if stopped.
  template <class F>
  bool walk(F&& f) const noexcept(std::is_nothrow_invocable_v<F&, int64_t, int64_t>) {
    if (!walk_window(f)) return false;
    for (uint32_t k = 0; k < ovf_size_; ++k) {
      if (!f(ovf_[k].rank, ovf_[k].lots)) return false;
    }
    return true;
  }

 private:
  // The window part of walk(): whole bitmap words at a time, highest slot first. Members are copied to
  // locals because f's stores (e.g. into a PriceLevel array) could alias them and force reloads.
  template <class F>
  bool walk_window(F&& f) const noexcept(std::is_nothrow_invocable_v<F&, int64_t, int64_t>) {
    if (count_ == 0) return true;
    const int64_t* const qty = qty_.get();
    const uint64_t* const bits_base = bits_.get();
    const uint64_t mask = mask_;
    const int64_t best = best_;
    const uint64_t p = static_cast<uint64_t>(best) & mask;
    const uint64_t w0 = p >> 6;
    const uint64_t at_or_below_p = ~(slot_bit(p) - 1);  // bit order is reversed: lower slots, higher bits
    uint64_t w = w0;
    uint64_t bits = bits_base[w0] & at_or_below_p;
    uint32_t left = count_;
    for (;;) {
      while (bits != 0) {
        // ctz + blsr: the loop-carried chain is one cycle (a clz-based descending walk would be ~5).
        const uint64_t slot = (w << 6) | static_cast<uint64_t>(63 - __builtin_ctzll(bits));
        bits &= bits - 1;
        if (!f(best - static_cast<int64_t>((p - slot) & mask), qty[slot])) return false;
        if (--left == 0) return true;
      }
      w = prev_word(w);
      bits = bits_base[w];
      // Back at the start word after wrapping: only its slots above p (the lowest ranks) remain.
      if (w == w0) bits &= ~at_or_below_p;
    }
  }

  // Slot i is bit 63 - (i & 63) of word i / 64: reversed so that walking slots downward (best first) is
  // walking bits upward, which ctz/blsr do cheaply. The summary keeps the natural order.
  static uint64_t slot_bit(uint64_t i) noexcept { return (uint64_t{1} << 63) >> (i & 63); }

  void mark(uint64_t i) noexcept {
    uint64_t& w = bits_[i >> 6];
    if (w == 0) summary_[i >> 12] |= uint64_t{1} << ((i >> 6) & 63);
    w |= slot_bit(i);
  }
  void unmark(uint64_t i) noexcept {
    uint64_t& w = bits_[i >> 6];
    w &= ~slot_bit(i);
    if (w == 0) summary_[i >> 12] &= ~(uint64_t{1} << ((i >> 6) & 63));
  }

  // Nearest non-empty bitmap word strictly below word w, going down circularly (w itself after a full
  // turn). Precondition: some word is non-empty.
  [[nodiscard]] uint64_t prev_word(uint64_t w) const noexcept {
    uint64_t sw = w >> 6;
    uint64_t s = summary_[sw] & ((uint64_t{1} << (w & 63)) - 1);
    // At most one full turn of the summary plus the start word.
    for (uint64_t n = 0; n <= summary_mask_ + 1; ++n) {
      if (s != 0) return (sw << 6) | static_cast<uint64_t>(63 - __builtin_clzll(s));
      sw = (sw - 1) & summary_mask_;
      s = summary_[sw];
    }
    return w;
  }

  // Nearest non-empty slot strictly below slot i, going down circularly.
  // Precondition: some slot other than i is non-empty.
  [[nodiscard]] uint64_t prev_set(uint64_t i) const noexcept {
    const uint64_t w = i >> 6;
    // Slots below i are the bits above slot_bit(i); -(bit << 1) masks them (0 when the bit is the top one).
    const uint64_t below = bits_[w] & (uint64_t{0} - (slot_bit(i) << 1));
    if (below != 0) return (w << 6) | static_cast<uint64_t>(63 - __builtin_ctzll(below));
    const uint64_t word = prev_word(w);
    return (word << 6) | static_cast<uint64_t>(63 - __builtin_ctzll(bits_[word]));
  }

  BookError set_slow(int64_t rank, int64_t lots) noexcept;
  void best_deleted() noexcept;
  void place(int64_t rank, int64_t lots) noexcept;
  bool recenter_up(int64_t new_best) noexcept;
  void recenter_down(int64_t new_best) noexcept;
  BookError overflow_set(int64_t rank, int64_t lots) noexcept;

  // Hot fields first: one cache line holds everything the fast path of set() reads.
  std::unique_ptr<int64_t[]> qty_;       // N slots, 0 = empty
  std::unique_ptr<uint64_t[]> bits_;     // N/64 words
  std::unique_ptr<uint64_t[]> summary_;  // N/4096 words
  int64_t base_ = 0;
  int64_t best_ = kNone;
  uint64_t mask_;
  uint32_t count_ = 0;     // levels in the window
  uint32_t ovf_size_ = 0;  // levels in the overflow store
  // Cold fields.
  std::unique_ptr<RankLevel[]> ovf_;  // sorted by rank, descending (best first)
  uint32_t ovf_cap_;
  uint64_t summary_mask_;
  uint64_t recenters_ = 0;
};

}  // namespace detail

class OrderBook {
 public:
  static constexpr uint32_t kDefaultWindowTicks = 1u << 15;
  static constexpr uint32_t kDefaultOverflowCapacity = 4096;
  static constexpr uint32_t kMinWindowTicks = 1u << 12;
  static constexpr uint32_t kMaxWindowTicks = 1u << 24;

  // window_ticks: power of two in [kMinWindowTicks, kMaxWindowTicks]; overflow_capacity: levels per side
  // that can live outside the window (>= 1). Throws std::invalid_argument otherwise (start-up only).
  // Memory: about 8.1 * window_ticks + 16 * overflow_capacity bytes per side.
  // Sizing: levels more than 3/4 * window_ticks below a side's best live in the overflow store, where an
  // update costs a binary search and a memmove; pick the window so the subscribed depth's usual price span
  // fits (e.g. 1000 levels of a sparse spot book at 20 ticks apart: 1 << 15 is right, 1 << 12 is not).
  explicit OrderBook(uint32_t window_ticks = kDefaultWindowTicks,
                     uint32_t overflow_capacity = kDefaultOverflowCapacity);

  void clear() noexcept;

  // Sets one level: qty 0 deletes (deleting an absent level is not an error).
  // Returns kOk; kBadPrice (ticks outside [1, kMaxBookPriceTicks]) or kBadQty (negative): nothing changed;
  // kOverflowFull: the level had to go to (or push others into) the full overflow store and was NOT stored;
  // every level stored before is kept.
  [[nodiscard]] BookError set_level(Side side, Price price, Qty qty) noexcept {
    if (!valid_book_price(price)) [[unlikely]]
      return BookError::kBadPrice;
    if (qty.lots < 0) [[unlikely]]
      return BookError::kBadQty;
    const BookError e = sides_[index(side)].set(to_rank(side, price.ticks), qty.lots);
    if (e != BookError::kOk) [[unlikely]]
      ++rejected_levels_;
    return e;
  }

  // Replaces the whole book. Every level is validated first: on kBadPrice/kBadQty nothing is changed.
  // Otherwise the book is cleared and the levels are applied in array order as set_level() would (a price
  // given twice keeps its last quantity; a quantity 0 deletes; crossed sides are kept as given and
  // crossed() reports them). Returns the first kOverflowFull met; the other levels are still applied.
  [[nodiscard]] BookError apply_snapshot(const PriceLevel* bids, uint32_t nb, const PriceLevel* asks,
                                         uint32_t na) noexcept;

  // Upserts/deletes levels in array order. Same validation and error rules as apply_snapshot().
  [[nodiscard]] BookError apply_delta(const PriceLevel* bids, uint32_t nb, const PriceLevel* asks,
                                      uint32_t na) noexcept;

  [[nodiscard]] std::optional<PriceLevel> best(Side side) const noexcept {
    const detail::BookSide& s = sides_[index(side)];
    if (s.empty()) return std::nullopt;
    return PriceLevel{Price{to_rank(side, s.best_rank())}, Qty{s.best_lots()}};
  }
  [[nodiscard]] std::optional<PriceLevel> best_bid() const noexcept { return best(Side::kBuy); }
  [[nodiscard]] std::optional<PriceLevel> best_ask() const noexcept { return best(Side::kSell); }

  // Best bid >= best ask (both sides non-empty).
  [[nodiscard]] bool crossed() const noexcept {
    const detail::BookSide& b = sides_[0];
    const detail::BookSide& a = sides_[1];
    return !b.empty() && !a.empty() && b.best_rank() >= -a.best_rank();
  }

  // Copies up to n levels of one side, best first, into out. Returns the number copied.
  [[nodiscard]] size_t top(Side side, size_t n, PriceLevel* out) const noexcept {
    size_t k = 0;
    if (n == 0) return 0;
    sides_[index(side)].walk([&](int64_t rank, int64_t lots) noexcept {
      out[k] = PriceLevel{Price{to_rank(side, rank)}, Qty{lots}};
      return ++k < n;
    });
    return k;
  }

  // Calls f(const PriceLevel&) for every level of one side, best first (window and overflow merged in
  // price order). If f returns bool, false stops the walk. f must not modify the book.
  template <class F>
  void for_each(Side side, F&& f) const {
    sides_[index(side)].walk([&](int64_t rank, int64_t lots) {
      const PriceLevel lvl{Price{to_rank(side, rank)}, Qty{lots}};
      if constexpr (std::is_same_v<std::invoke_result_t<F&, const PriceLevel&>, bool>) {
        return f(lvl);
      } else {
        f(lvl);
        return true;
      }
    });
  }

  [[nodiscard]] size_t level_count(Side side) const noexcept { return sides_[index(side)].level_count(); }
  // Quantity at a price, 0 if absent or if the price is invalid.
  [[nodiscard]] Qty qty_at(Side side, Price price) const noexcept {
    if (!valid_book_price(price)) return Qty{0};
    return Qty{sides_[index(side)].lots_at(to_rank(side, price.ticks))};
  }

  // Introspection (tests, metrics).
  [[nodiscard]] size_t overflow_count(Side side) const noexcept {
    return sides_[index(side)].overflow_count();
  }
  [[nodiscard]] uint32_t overflow_capacity() const noexcept { return sides_[0].overflow_capacity(); }
  [[nodiscard]] uint64_t window_ticks() const noexcept { return sides_[0].window_ticks(); }
  [[nodiscard]] uint64_t recenters() const noexcept { return sides_[0].recenters() + sides_[1].recenters(); }
  // Levels refused with kOverflowFull since construction.
  [[nodiscard]] uint64_t rejected_levels() const noexcept { return rejected_levels_; }

 private:
  static constexpr size_t index(Side s) noexcept { return static_cast<size_t>(s); }
  static constexpr int64_t to_rank(Side s, int64_t ticks) noexcept {
    return s == Side::kSell ? -ticks : ticks;
  }
  static BookError validate(const PriceLevel* levels, uint32_t n) noexcept;
  BookError apply_side(Side side, const PriceLevel* levels, uint32_t n) noexcept;

  detail::BookSide sides_[2];  // [kBuy] bids, [kSell] asks
  uint64_t rejected_levels_ = 0;
};

}  // namespace mm
