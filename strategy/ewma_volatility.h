#pragma once
// EWMA volatility of mid log-returns sampled on a fixed time grid (e.g. every 100 ms).
//
// Why a time grid and not every book update: returns between updates are not on a common clock (a burst
// of 50 updates in a millisecond would dominate); sampling at fixed intervals makes the per-interval
// variance a rate that scales to "per sqrt(second)".
// The mid is piecewise constant between book updates, so an interval boundary crossed between two
// updates is sampled with the mid that held before the second one; several boundaries crossed at once
// give one return and then zero returns (the mid really did not move).
// The mean return is taken as zero (standard for high-frequency variance: the drift is noise at 100 ms).
// Debiasing: the EWMA keeps the total weight it has given to samples and divides by it, so the first few
// samples are not shrunk toward zero. A configured prior counts as a sample of full weight.
#include <cmath>
#include <cstdint>

namespace mm {

class EwmaVolatility {
 public:
  // interval_ns > 0, half_life_ns > 0 (in time; converted to a per-sample weight),
  // prior_sigma_per_sqrt_s >= 0 (relative, e.g. 2e-4 = 2 bps; 0: no prior). Resets the state.
  void configure(int64_t interval_ns, int64_t half_life_ns, double prior_sigma_per_sqrt_s) noexcept {
    interval_ns_ = interval_ns;
    interval_s_ = static_cast<double>(interval_ns) * 1e-9;
    decay_ = std::exp2(-static_cast<double>(interval_ns) / static_cast<double>(half_life_ns));
    const double prior_var = prior_sigma_per_sqrt_s * prior_sigma_per_sqrt_s * interval_s_;
    var_ = prior_var;
    weight_ = prior_sigma_per_sqrt_s > 0.0 ? 1.0 : 0.0;
    samples_ = 0;
    started_ = false;
  }

  // First mid: starts the sampling clock at now_ns. Precondition: mid > 0.
  void start(int64_t now_ns, double mid) noexcept {
    sample_mid_ = mid;
    next_ns_ = now_ns + interval_ns_;
    started_ = true;
  }
  [[nodiscard]] bool started() const noexcept { return started_; }

  // Closes every interval whose end is <= now_ns; `held_mid` is the mid that held up to now_ns.
  // Precondition: started(), held_mid > 0.
  void advance(int64_t now_ns, double held_mid) noexcept {
    if (now_ns < next_ns_) return;
    const int64_t k = (now_ns - next_ns_) / interval_ns_ + 1;
    const double r = std::log(held_mid / sample_mid_);
    add(r * r);
    if (k > 1) add_zeros(k - 1);
    sample_mid_ = held_mid;
    next_ns_ += k * interval_ns_;
    samples_ += static_cast<uint64_t>(k);
  }

  // Time of the next sample boundary (INT64_MAX-like far future before start()).
  [[nodiscard]] int64_t next_sample_ns() const noexcept { return started_ ? next_ns_ : INT64_MAX; }

  // Variance of the log-return over one interval (0 before any sample and without a prior).
  [[nodiscard]] double variance_per_interval() const noexcept { return weight_ > 0.0 ? var_ / weight_ : 0.0; }
  // sigma per sqrt(second), relative (multiply by 1e4 for bps, by the mid in ticks for ticks).
  [[nodiscard]] double sigma_per_sqrt_s() const noexcept {
    return std::sqrt(variance_per_interval() / interval_s_);
  }
  [[nodiscard]] uint64_t samples() const noexcept { return samples_; }

 private:
  void add(double x) noexcept {
    var_ = decay_ * var_ + (1.0 - decay_) * x;
    weight_ = decay_ * weight_ + (1.0 - decay_);
  }
  void add_zeros(int64_t n) noexcept {
    const double d = std::pow(decay_, static_cast<double>(n));
    var_ *= d;
    weight_ = d * weight_ + (1.0 - d);
  }

  int64_t interval_ns_ = 100'000'000;
  double interval_s_ = 0.1;
  double decay_ = 0.0;
  double var_ = 0.0;
  double weight_ = 0.0;
  double sample_mid_ = 0.0;
  int64_t next_ns_ = 0;
  uint64_t samples_ = 0;
  bool started_ = false;
};

}  // namespace mm
