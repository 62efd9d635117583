#pragma once
// Market signals the quoting models read: volatility, top-N imbalance, microprice, trade intensity,
// markouts of our fills with an adverse-selection score, and the GLFT arrival-intensity calibration.
//
// Who calls what: the Trader calls on_book() after every book update that leaves the book trusted and
// uncrossed, on_book_lost() after one that does not (a gap, a refused message, a crossed book), on_trade()
// for every public trade and on_own_fill() for every execution of ours, each with the injected clock's time
// (frame time in replay/backtest, wall time live). Times must not go backwards. Strategies only read.
// While the book is lost, nothing learns from the last mid: it is only the last trusted one, not the market's
// (a book left stale by a gap would otherwise feed volatility, markouts and the calibration a frozen mid).
// The time-driven state waits; volatility and calibration restart their sampling clocks at the next trusted
// book, and markouts whose horizon ended meanwhile are forgotten (markouts_expired()).
// Time-driven state (volatility samples, calibration steps, markout horizons) advances at the start of each
// call, using the mid that held up to that time (the book is piecewise constant between updates).
//
// Units: prices in ticks (double where a mid or model value can fall between ticks), sizes in lots, rates
// per second, volatility per sqrt(second).
// Allocation: only the constructor allocates (the calibration window); every member function is noexcept
// and allocation-free.
#include <array>
#include <cstdint>
#include <string>

#include "core/events.h"
#include "core/order_book.h"
#include "core/types.h"
#include "strategy/arrival_intensity.h"
#include "strategy/ewma_volatility.h"
#include "strategy/markouts.h"
#include "strategy/trade_intensity.h"

namespace mm {

inline constexpr uint32_t kMaxImbalanceLevels = 32;

// TOML table [signals]; keys are the field names.
//   volatility_interval_ms, volatility_half_life_ms, initial_volatility_bps, volatility_min_samples,
//   imbalance_levels, trade_intensity_half_life_ms, markout_horizons_ms, markout_half_life_fills,
//   calibration_interval_ms, calibration_window_s, calibration_refit_ms, calibration_buckets,
//   calibration_min_points
struct SignalsConfig {
  int64_t volatility_interval_ms = 100;      // sampling step of mid log-returns
  int64_t volatility_half_life_ms = 60'000;  // EWMA half-life, in time
  double initial_volatility_bps = 0.0;       // prior sigma, bps per sqrt(second); 0 = no prior
  uint32_t volatility_min_samples = 100;     // volatility_ready() after this many samples (10 s at 100 ms)
  uint32_t imbalance_levels = 5;             // N of the top-N imbalance and depth, 1..32
  int64_t trade_intensity_half_life_ms = 10'000;
  std::array<int64_t, kMarkoutHorizons> markout_horizons_ms{1000, 5000, 30000};
  double markout_half_life_fills = 20.0;  // EWMA weight of the markout averages, in fills
  int64_t calibration_interval_ms = 100;  // GLFT calibration step
  int64_t calibration_window_s = 600;     // rolling window (the tutorial's 10 minutes)
  int64_t calibration_refit_ms = 5000;    // refit period (rounded down to whole calibration intervals)
  uint32_t calibration_buckets = 70;      // half-tick depth buckets in the fit (2..250)
  uint32_t calibration_min_points = 3;    // minimum usable buckets for a valid fit (>= 2)

  // "" or "signals.<key> must be ..." for the first bad field.
  [[nodiscard]] std::string validate() const;
};

class Signals {
 public:
  // Precondition: cfg.validate() == "". Allocates the calibration window.
  explicit Signals(const SignalsConfig& cfg);

  // After the book changed. Precondition: the book is trusted and not crossed (else on_book_lost). A book
  // with an empty side is ignored (the previous top is kept).
  void on_book(const OrderBook& book, int64_t now_ns) noexcept;
  // The book can no longer be trusted (gap, refused message) or is crossed: the time-driven state advances
  // to now_ns with the mid that held until then, then waits for the next on_book(). A no-op before the first
  // book and while already lost.
  void on_book_lost(int64_t now_ns) noexcept;
  // Every public trade of the instrument (while the book is lost it counts for the trade intensity only: its
  // depth past the mid cannot be measured).
  void on_trade(const TradeEvent& trade, int64_t now_ns) noexcept;
  // Every execution of ours (partial fills included). Ignored before the first book and while it is lost.
  void on_own_fill(Side side, Price price, Qty qty, int64_t now_ns) noexcept;

  // Advances the time-driven state to now_ns without new data (timers). Safe to call any time.
  void on_time(int64_t now_ns) noexcept { advance(now_ns); }

  // --- book ---
  [[nodiscard]] bool has_book() const noexcept { return mid2_ > 0; }
  // on_book_lost() was the last book call: mid, microprice, imbalance and depth are the last trusted ones.
  [[nodiscard]] bool book_lost() const noexcept { return lost_; }
  [[nodiscard]] double mid_ticks() const noexcept { return 0.5 * static_cast<double>(mid2_); }
  // Size-weighted mid: (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty), in ticks.
  [[nodiscard]] double microprice_ticks() const noexcept { return microprice_; }
  // (bid_qty - ask_qty) / (bid_qty + ask_qty) over the top imbalance_levels levels of each side, in [-1, 1].
  [[nodiscard]] double imbalance() const noexcept { return imbalance_; }
  [[nodiscard]] int64_t bid_depth_lots() const noexcept { return bid_depth_; }
  [[nodiscard]] int64_t ask_depth_lots() const noexcept { return ask_depth_; }
  [[nodiscard]] double depth_lots() const noexcept { return static_cast<double>(bid_depth_ + ask_depth_); }

  // --- volatility (EWMA of mid log-returns) ---
  [[nodiscard]] double sigma_rel() const noexcept { return vol_.sigma_per_sqrt_s(); }  // per sqrt(s)
  [[nodiscard]] double sigma_bps() const noexcept { return vol_.sigma_per_sqrt_s() * 1e4; }
  // sigma in ticks per sqrt(second) at the current mid (the unit of the A-S and GLFT formulas).
  [[nodiscard]] double sigma_ticks() const noexcept { return vol_.sigma_per_sqrt_s() * mid_ticks(); }
  [[nodiscard]] uint64_t volatility_samples() const noexcept { return vol_.samples(); }
  [[nodiscard]] bool volatility_ready() const noexcept { return vol_.samples() >= vol_min_samples_; }

  // --- trade intensity (EWMA in time), by aggressor side ---
  [[nodiscard]] double trade_rate(Side taker, int64_t now_ns) const noexcept {
    return trade_count_[index(taker)].rate(now_ns);
  }
  [[nodiscard]] double volume_rate_lots(Side taker, int64_t now_ns) const noexcept {
    return trade_volume_[index(taker)].rate(now_ns);
  }

  // --- markouts of our fills ---
  [[nodiscard]] const MarkoutStats& markout(uint32_t horizon) const noexcept {
    return markouts_.stats(horizon);
  }
  [[nodiscard]] int64_t markout_horizon_ns(uint32_t horizon) const noexcept {
    return markouts_.horizon_ns(horizon);
  }
  [[nodiscard]] double adverse_score_bps() const noexcept { return markouts_.adverse_score_bps(); }
  [[nodiscard]] uint32_t markouts_pending() const noexcept { return markouts_.pending(); }
  [[nodiscard]] uint64_t markouts_dropped() const noexcept { return markouts_.dropped(); }
  // (fill, horizon) pairs whose horizon ended while the book was lost: never measured.
  [[nodiscard]] uint64_t markouts_expired() const noexcept { return markouts_.expired(); }

  // --- GLFT arrival intensity lambda(delta) = A exp(-k delta), delta in ticks ---
  [[nodiscard]] const ArrivalFit& arrival_fit() const noexcept { return arrival_.fit(); }
  [[nodiscard]] const ArrivalIntensity& arrival() const noexcept { return arrival_; }
  ArrivalIntensity& arrival() noexcept { return arrival_; }

 private:
  static constexpr size_t index(Side s) noexcept { return static_cast<size_t>(s); }
  void advance(int64_t now_ns) noexcept;
  void refresh_next_event() noexcept;

  EwmaVolatility vol_;
  MarkoutTracker markouts_;
  ArrivalIntensity arrival_;
  DecayingRate trade_count_[2];
  DecayingRate trade_volume_[2];
  int64_t mid2_ = 0;  // best bid + best ask, ticks (the mid in half ticks); 0 before the first book
  double microprice_ = 0.0;
  double imbalance_ = 0.0;
  int64_t bid_depth_ = 0;
  int64_t ask_depth_ = 0;
  int64_t next_event_ns_ = INT64_MAX;
  uint32_t imbalance_levels_;
  uint64_t vol_min_samples_;
  bool lost_ = false;  // see on_book_lost
};

}  // namespace mm
