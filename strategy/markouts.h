#pragma once
// Markouts of our own fills: how far the mid moved, in our favour, a fixed time after each fill.
// A maker whose fills are followed by the mid moving against it (negative markouts) is being picked off;
// the adverse-selection score turns that into a number the strategies widen their spreads by.
//
// Two measures per horizon h (in bps, positive = good for us; sign +1 for a buy fill, -1 for a sell):
//   mid-move markout  = sign * (mid(t+h) - mid(t)) / mid(t)        what the market did after the fill
//   price markout     = sign * (mid(t+h) - fill_price) / fill_price the same plus the spread we captured
// The score uses the mid-move markout: it isolates adverse selection from the spread earned.
//
// Pending fills live in a fixed ring (kMaxPendingFills, no allocation). Horizons resolve in fill order, so
// each horizon keeps its own cursor into the ring; a slot is free once every horizon has passed it. When
// the ring is full the oldest pending fill is dropped (counted in dropped()).
#include <array>
#include <cstdint>

#include "core/types.h"

namespace mm {

inline constexpr uint32_t kMarkoutHorizons = 3;
inline constexpr uint32_t kMaxPendingFills = 1024;  // power of two

struct MarkoutStats {
  uint64_t count = 0;           // fills resolved at this horizon
  double mean_bps = 0.0;        // running mean of the mid-move markout over all resolved fills
  double ewma_bps = 0.0;        // exponentially weighted (per fill) mid-move markout
  double price_mean_bps = 0.0;  // running mean of the price markout
  double price_ewma_bps = 0.0;
};

class MarkoutTracker {
 public:
  // horizons_ns: each > 0; half_life_fills > 0: weight of the per-fill EWMA (a fill half_life_fills fills
  // ago counts half as much as the latest). Resets the state.
  void configure(const std::array<int64_t, kMarkoutHorizons>& horizons_ns, double half_life_fills) noexcept;

  // Records one of our fills. mid_ticks: the mid when the fill happened (> 0); price in ticks.
  void on_fill(Side side, Price price, int64_t now_ns, double mid_ticks) noexcept;

  // Resolves every (fill, horizon) pair due at or before now_ns with `held_mid` (the mid that held up to
  // now_ns, > 0).
  void advance(int64_t now_ns, double held_mid) noexcept;

  // Forgets, unresolved, every (fill, horizon) pair due at or before now_ns: their horizon ended while no
  // mid could be trusted (the book was lost), so there is nothing true to measure them with. Counted in
  // expired().
  void expire(int64_t now_ns) noexcept;

  // Earliest time a pending (fill, horizon) pair becomes due; INT64_MAX when none is pending.
  [[nodiscard]] int64_t next_due_ns() const noexcept { return next_due_ns_; }

  [[nodiscard]] const MarkoutStats& stats(uint32_t horizon) const noexcept { return stats_[horizon]; }
  [[nodiscard]] int64_t horizon_ns(uint32_t horizon) const noexcept { return horizons_ns_[horizon]; }

  // max(0, -average of the per-horizon mid-move EWMAs over horizons with at least one resolved fill), bps.
  // 0 when nothing is resolved yet.
  [[nodiscard]] double adverse_score_bps() const noexcept { return adverse_score_bps_; }

  [[nodiscard]] uint32_t pending() const noexcept { return static_cast<uint32_t>(head_ - tail_); }
  [[nodiscard]] uint64_t dropped() const noexcept { return dropped_; }
  [[nodiscard]] uint64_t expired() const noexcept { return expired_; }

 private:
  struct Record {
    int64_t t_ns;
    double mid;
    double price;
    double sign;
  };

  void resolve(uint32_t h, const Record& r, double mid) noexcept;
  void recompute_tail_and_due() noexcept;

  std::array<Record, kMaxPendingFills> ring_{};
  std::array<MarkoutStats, kMarkoutHorizons> stats_{};
  std::array<int64_t, kMarkoutHorizons> horizons_ns_{1'000'000'000, 5'000'000'000, 30'000'000'000};
  std::array<uint64_t, kMarkoutHorizons> cursor_{};  // next fill sequence to resolve per horizon
  uint64_t head_ = 0;                                // next sequence to write
  uint64_t tail_ = 0;                                // oldest sequence still pending at some horizon
  uint64_t dropped_ = 0;
  uint64_t expired_ = 0;  // (fill, horizon) pairs forgotten by expire()
  int64_t next_due_ns_ = INT64_MAX;
  double alpha_ = 0.05;
  double adverse_score_bps_ = 0.0;
};

}  // namespace mm
