#include "strategy/arrival_intensity.h"

#include <cmath>

namespace mm {

ArrivalIntensity::ArrivalIntensity(const ArrivalIntensityParams& p)
    : step_ns_(p.step_ns),
      window_(p.window_steps),
      refit_steps_(p.refit_steps),
      buckets_(p.buckets),
      min_points_(p.min_points),
      ring_(new Step[p.window_steps]()) {}

void ArrivalIntensity::start(int64_t now_ns, int64_t mid2) noexcept {
  step_mid2_ = mid2;
  next_step_ns_ = now_ns + step_ns_;
  step_max_[0] = step_max_[1] = 0;
  started_ = true;
}

void ArrivalIntensity::push_step(Step s) noexcept {
  Step& slot = ring_[head_];
  if (count_ == window_) {
    --hist_[slot.parity][slot.filled[0]];
    --hist_[slot.parity][slot.filled[1]];
    --parity_steps_[slot.parity];
  } else {
    ++count_;
  }
  slot = s;
  ++hist_[s.parity][s.filled[0]];
  ++hist_[s.parity][s.filled[1]];
  ++parity_steps_[s.parity];
  if (++head_ == window_) head_ = 0;
  ++since_refit_;
}

void ArrivalIntensity::close_steps(int64_t now_ns, int64_t held_mid2) noexcept {
  const int64_t k = (now_ns - next_step_ns_) / step_ns_ + 1;
  const auto parity = static_cast<uint8_t>(step_mid2_ & 1);
  push_step(Step{{step_max_[0], step_max_[1]}, parity, 0});
  step_max_[0] = step_max_[1] = 0;
  // Steps without any trade (the mid did not change either: it is piecewise constant); beyond one window
  // they change nothing more.
  const int64_t empties = k - 1 < static_cast<int64_t>(window_) ? k - 1 : static_cast<int64_t>(window_);
  for (int64_t i = 0; i < empties; ++i) push_step(Step{{0, 0}, parity, 0});
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
  const double step_s = static_cast<double>(step_ns_) * 1e-9;
  double sw = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0;
  uint32_t points = 0;
  for (int parity = 0; parity < 2; ++parity) {
    const double n = 2.0 * static_cast<double>(parity_steps_[parity]);  // side samples
    if (n == 0.0) continue;
    // S_j (samples that filled bucket j) = samples whose filled count is >= j + 1: a suffix sum. Bucket j
    // is eligible in steps whose mid parity equals (j + 1) & 1, i.e. f = j + 1 has the step's parity.
    uint64_t survivors = 0;
    for (int64_t f = buckets_; f >= 1; --f) {
      survivors += hist_[parity][f];
      if ((f & 1) != parity || survivors == 0) continue;
      const auto s = static_cast<double>(survivors);
      if (s >= n) continue;
      const double p = s / n;
      const double x = 0.5 * static_cast<double>(f);
      const double y = std::log(-std::log1p(-p) / step_s);
      const double w = s / (1.0 - p);
      sw += w;
      sx += w * x;
      sy += w * y;
      sxx += w * x * x;
      sxy += w * x * y;
      ++points;
    }
  }
  if (points < min_points_ || points < 2) return fit_;
  const double den = sw * sxx - sx * sx;
  if (!(den > 0.0)) return fit_;
  const double slope = (sw * sxy - sx * sy) / den;
  const double intercept = (sy - slope * sx) / sw;
  const double a = std::exp(intercept);
  if (!(slope < 0.0) || !std::isfinite(a)) return fit_;
  fit_ = ArrivalFit{a, -slope, points, true};
  --failed_fits_;
  return fit_;
}

double ArrivalIntensity::lambda(uint32_t bucket) const noexcept {
  if (static_cast<int64_t>(bucket) >= buckets_) return 0.0;
  const int64_t f0 = static_cast<int64_t>(bucket) + 1;
  const int parity = static_cast<int>(f0 & 1);
  const double n = 2.0 * static_cast<double>(parity_steps_[parity]);
  if (n == 0.0) return 0.0;
  uint64_t survivors = 0;
  for (int64_t f = f0; f <= buckets_; ++f) survivors += hist_[parity][f];
  return -std::log1p(-static_cast<double>(survivors) / n) / (static_cast<double>(step_ns_) * 1e-9);
}

}  // namespace mm
