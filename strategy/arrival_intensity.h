#pragma once
// Online calibration of the market-order arrival intensity lambda(delta) = A * exp(-k * delta), the input
// of the GLFT model, following hftbacktest's "GLFT market making model and grid trading" tutorial:
//
//  1. Time is cut into steps (100 ms by default). For each step and each side we record how deep the most
//     aggressive trade of that side went past the mid at the start of the step (buy-aggressor trades
//     measure the ask side: price - mid; sell-aggressor trades the bid side: mid - price).
//  2. Over a rolling window (10 minutes by default) a quote at depth delta counts as "filled" in a step if a
//     trade went strictly deeper than delta. Depths are measured in half ticks (the mid sits on a half tick
//     when the spread is odd), bucket j standing for a quote (j + 1) / 2 ticks from the mid (j = 0 is the
//     touch when the spread is one tick), as in the tutorial's `round(depth / 0.5) - 1`.
//  3. Every refit interval (5 s) log(lambda_j) is regressed on delta_j by least squares; k = -slope,
//     A = exp(intercept).
//
// Deliberate differences from the tutorial, each because the tutorial's shortcut biases A or k:
//  - The regressor is the quote depth in ticks, (j + 1) / 2, not the index j + 0.5: k is per tick and A is
//    the intensity at the mid, so c1/c2 come out in ticks.
//  - A bucket only counts in steps where a quote could rest at that depth: with a one-tick spread the mid is
//    on a half tick and only depths 0.5, 1.5, ... are prices; depths 1, 2, ... exist only with an even
//    spread. The tutorial counts every bucket in every step, which duplicates each real depth into the
//    next half tick and inflates A by about exp(k / 4). Steps are therefore kept per mid parity.
//  - Sides are recorded separately and pooled (two samples per step): the model's lambda is per side; the
//    tutorial's single max over both sides measures either-side arrivals, about twice as many.
//  - The fill frequency p_j of a bucket (steps filled / eligible steps) is turned into a rate with the
//    Poisson inversion lambda_j = -ln(1 - p_j) / step, exact for Poisson arrivals; the tutorial's p_j / step
//    equals it for small p_j and underestimates the intensity near the touch, where p_j is large.
//  - The regression is weighted by the inverse variance of ln(p_j) (weight S_j / (1 - p_j), S_j the filled
//    count), so the sparse deep buckets, whose logs are noisy, do not tilt the slope.
//  - Trades deeper than the last bucket fill every bucket (the tutorial skips them).
//
// Memory: four bytes per step of the window, allocated at construction (6000 steps: 24 KB). The hot
// calls (on_trade, advance without a boundary) are a few compares; a refit is O(buckets) and runs once per
// refit interval.
#include <cstdint>
#include <memory>

#include "core/types.h"

namespace mm {

struct ArrivalFit {
  double a = 0.0;       // arrivals per second at the mid (per side)
  double k = 0.0;       // decay per tick of depth
  uint32_t points = 0;  // buckets used in the regression
  bool valid = false;   // false until a fit with >= min_points points and k > 0 succeeded
};

struct ArrivalIntensityParams {
  int64_t step_ns = 100'000'000;  // sampling step
  uint32_t window_steps = 6000;   // rolling window length in steps (10 min at 100 ms)
  uint32_t refit_steps = 50;      // refit every this many steps (5 s at 100 ms)
  uint32_t buckets = 70;          // half-tick depth buckets used by the fit (<= kMaxArrivalBuckets)
  uint32_t min_points = 3;        // minimum buckets with 0 < p < 1 for a valid fit
};

inline constexpr uint32_t kMaxArrivalBuckets = 250;  // half ticks (buckets are stored in one byte)

class ArrivalIntensity {
 public:
  // Allocates the window. Preconditions: step_ns > 0, window_steps >= 1, refit_steps >= 1,
  // 2 <= buckets <= kMaxArrivalBuckets, min_points >= 2 (validated by SignalsConfig::validate()).
  explicit ArrivalIntensity(const ArrivalIntensityParams& p);

  // Starts the step clock; mid2 is the mid in half ticks (best bid + best ask, in ticks).
  void start(int64_t now_ns, int64_t mid2) noexcept;
  [[nodiscard]] bool started() const noexcept { return started_; }

  // One public trade. Precondition: started(); call advance(now) first so it lands in the right step.
  void on_trade(Side taker_side, Price price) noexcept {
    const int64_t d2 = taker_side == Side::kBuy ? 2 * price.ticks - step_mid2_ : step_mid2_ - 2 * price.ticks;
    // Buckets strictly shallower than the trade: j < d2 - 1.
    int64_t filled = d2 - 1;
    if (filled <= 0) return;
    if (filled > buckets_) filled = buckets_;
    uint8_t& m = step_max_[taker_side == Side::kBuy ? 1 : 0];
    if (filled > m) m = static_cast<uint8_t>(filled);
  }

  // Closes every step ending at or before now_ns; held_mid2 is the mid (half ticks) that held up to now.
  void advance(int64_t now_ns, int64_t held_mid2) noexcept {
    if (now_ns >= next_step_ns_) close_steps(now_ns, held_mid2);
  }

  [[nodiscard]] int64_t next_step_ns() const noexcept { return started_ ? next_step_ns_ : INT64_MAX; }
  [[nodiscard]] const ArrivalFit& fit() const noexcept { return fit_; }
  [[nodiscard]] uint32_t steps_in_window() const noexcept { return count_; }
  [[nodiscard]] uint64_t failed_fits() const noexcept { return failed_fits_; }

  // Refits now from the current window, whatever the refit timer (tests, tools). Returns fit(): a failed
  // fit (fewer than min_points usable buckets, k <= 0) keeps the previous fit and counts in failed_fits().
  const ArrivalFit& refit() noexcept;

  // Estimated intensity (per second, per side) of bucket j (a quote (j + 1) / 2 ticks from the mid) from the
  // current window: 0 when no step of the window had a mid at which that depth is a price; infinity when
  // every eligible sample filled it.
  [[nodiscard]] double lambda(uint32_t bucket) const noexcept;

 private:
  void close_steps(int64_t now_ns, int64_t held_mid2) noexcept;
  struct Step {
    uint8_t filled[2];  // per side: buckets filled (bid side, ask side)
    uint8_t parity;     // mid2 & 1 during the step
    uint8_t pad;
  };
  void push_step(Step s) noexcept;

  int64_t step_ns_;
  uint32_t window_;
  uint32_t refit_steps_;
  int64_t buckets_;
  uint32_t min_points_;
  std::unique_ptr<Step[]> ring_;
  uint32_t head_ = 0;   // next step slot
  uint32_t count_ = 0;  // steps in the window
  uint32_t since_refit_ = 0;
  uint32_t hist_[2][kMaxArrivalBuckets + 1] = {};  // per mid parity: side samples by filled-bucket count
  uint32_t parity_steps_[2] = {0, 0};              // steps in the window per mid parity
  uint8_t step_max_[2] = {0, 0};
  int64_t step_mid2_ = 0;
  int64_t next_step_ns_ = INT64_MAX;
  bool started_ = false;
  uint64_t failed_fits_ = 0;
  ArrivalFit fit_;
};

}  // namespace mm
