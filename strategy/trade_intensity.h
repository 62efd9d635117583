#pragma once
// Exponentially decaying event rate in continuous time: each event adds its weight (1 for a count, the
// size for a volume), the sum decays with time constant tau, and sum / tau is the rate per second.
// Why continuous time and not buckets: trades are irregular; the estimate is exact for any spacing and
// needs one exp() per event or query.
#include <cmath>
#include <cstdint>

namespace mm {

class DecayingRate {
 public:
  // half_life_ns > 0. Resets the state.
  void configure(int64_t half_life_ns) noexcept {
    tau_s_ = static_cast<double>(half_life_ns) * 1e-9 / std::log(2.0);
    inv_tau_ns_ = 1.0 / (tau_s_ * 1e9);
    sum_ = 0.0;
    last_ns_ = 0;
  }

  // Adds an event of `weight` at now_ns. Times going backwards are treated as now == last (no growth).
  void add(int64_t now_ns, double weight) noexcept {
    sum_ = sum_at(now_ns) + weight;
    if (now_ns > last_ns_) last_ns_ = now_ns;
  }

  // Events (or weight) per second as of now_ns.
  [[nodiscard]] double rate(int64_t now_ns) const noexcept { return sum_at(now_ns) / tau_s_; }

 private:
  [[nodiscard]] double sum_at(int64_t now_ns) const noexcept {
    if (sum_ == 0.0 || now_ns <= last_ns_) return sum_;
    return sum_ * std::exp(-static_cast<double>(now_ns - last_ns_) * inv_tau_ns_);
  }

  double tau_s_ = 1.0;
  double inv_tau_ns_ = 1e-9;
  double sum_ = 0.0;
  int64_t last_ns_ = 0;
};

}  // namespace mm
