#include "strategy/arrival_intensity.h"

#include <cmath>

namespace mm {

ArrivalIntensity::ArrivalIntensity(const ArrivalIntensityParams& p)
    : step_ns_(p.step_ns),
      window_(p.window_steps),
      refit_steps_(p.refit_steps),
      buckets_(p.buckets),
      min_points_(p.min_points),
      ring_(new uint8_t[2 * static_cast<size_t>(p.window_steps)]()) {}

void ArrivalIntensity::start(int64_t now_ns, int64_t mid2) noexcept {
  step_mid2_ = mid2;
  next_step_ns_ = now_ns + step_ns_;
  step_max_[0] = step_max_[1] = 0;
  started_ = true;
}

void ArrivalIntensity::push_step(uint8_t bid_filled, uint8_t ask_filled) noexcept {
  uint8_t* slot = &ring_[2 * static_cast<size_t>(head_)];
  if (count_ == window_) {
    --hist_[slot[0]];
    --hist_[slot[1]];
  } else {
    ++count_;
  }
  slot[0] = bid_filled;
  slot[1] = ask_filled;
  ++hist_[bid_filled];
  ++hist_[ask_filled];
  if (++head_ == window_) head_ = 0;
  ++since_refit_;
}

void ArrivalIntensity::close_steps(int64_t now_ns, int64_t held_mid2) noexcept {
  const int64_t k = (now_ns - next_step_ns_) / step_ns_ + 1;
  push_step(step_max_[0], step_max_[1]);
  step_max_[0] = step_max_[1] = 0;
  // Steps without any trade; beyond one window they change nothing more (the window is all empty).
  const int64_t empties = k - 1 < static_cast<int64_t>(window_) ? k - 1 : static_cast<int64_t>(window_);
  for (int64_t i = 0; i < empties; ++i) push_step(0, 0);
  step_mid2_ = held_mid2;
  next_step_ns_ += k * step_ns_;
  // The tutorial calibrates only on a full window; one refit covers any number of refit periods passed.
  if (since_refit_ >= refit_steps_) {
    since_refit_ %= refit_steps_;
    if (count_ == window_) refit();
  }
}

const ArrivalFit& ArrivalIntensity::refit() noexcept {
  // A failed fit (quiet window, degenerate data) keeps the last good one: a model that stops quoting
  // whenever a few quiet minutes pass would be worse than one using a slightly stale A and k.
  ++failed_fits_;
  if (count_ == 0) return fit_;
  const double n = 2.0 * static_cast<double>(count_);
  const double step_s = static_cast<double>(step_ns_) * 1e-9;
  double sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0;
  uint32_t w = 0;
  // S_j (samples that filled bucket j) = samples whose filled count exceeds j: a suffix sum of hist_.
  uint64_t survivors = 0;
  for (int64_t f = buckets_; f >= 1; --f) {
    survivors += hist_[f];
    const double s = static_cast<double>(survivors);
    if (survivors == 0 || s >= n) continue;
    const double lambda = -std::log1p(-s / n) / step_s;
    const double x = 0.5 * static_cast<double>(f);  // bucket j = f - 1 sits (j + 1) / 2 ticks from the mid
    const double y = std::log(lambda);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    ++w;
  }
  if (w < min_points_ || w < 2) return fit_;
  const double wd = static_cast<double>(w);
  const double den = wd * sxx - sx * sx;
  if (!(den > 0.0)) return fit_;
  const double slope = (wd * sxy - sx * sy) / den;
  const double intercept = (sy - slope * sx) / wd;
  const double a = std::exp(intercept);
  if (!(slope < 0.0) || !std::isfinite(a)) return fit_;
  fit_ = ArrivalFit{a, -slope, w, true};
  --failed_fits_;
  return fit_;
}

double ArrivalIntensity::lambda(uint32_t bucket) const noexcept {
  if (count_ == 0 || static_cast<int64_t>(bucket) >= buckets_) return 0.0;
  uint64_t survivors = 0;
  for (int64_t f = static_cast<int64_t>(bucket) + 1; f <= buckets_; ++f) survivors += hist_[f];
  const double n = 2.0 * static_cast<double>(count_);
  return -std::log1p(-static_cast<double>(survivors) / n) / (static_cast<double>(step_ns_) * 1e-9);
}

}  // namespace mm
