#include "strategy/signals.h"

#include <cmath>

namespace mm {

namespace {

constexpr int64_t kNsPerMs = 1'000'000;

ArrivalIntensityParams arrival_params(const SignalsConfig& c) {
  ArrivalIntensityParams p;
  p.step_ns = c.calibration_interval_ms * kNsPerMs;
  p.window_steps = static_cast<uint32_t>(c.calibration_window_s * 1000 / c.calibration_interval_ms);
  p.refit_steps = static_cast<uint32_t>(c.calibration_refit_ms / c.calibration_interval_ms);
  p.buckets = c.calibration_buckets;
  p.min_points = c.calibration_min_points;
  return p;
}

}  // namespace

std::string SignalsConfig::validate() const {
  if (volatility_interval_ms <= 0) return "signals.volatility_interval_ms must be > 0";
  if (volatility_half_life_ms <= 0) return "signals.volatility_half_life_ms must be > 0";
  if (!(initial_volatility_bps >= 0.0) || !std::isfinite(initial_volatility_bps))
    return "signals.initial_volatility_bps must be >= 0 and finite";
  if (imbalance_levels < 1 || imbalance_levels > kMaxImbalanceLevels)
    return "signals.imbalance_levels must be in [1, 32]";
  if (trade_intensity_half_life_ms <= 0) return "signals.trade_intensity_half_life_ms must be > 0";
  for (int64_t h : markout_horizons_ms) {
    if (h <= 0) return "signals.markout_horizons_ms must be > 0 (three horizons)";
  }
  if (!(markout_half_life_fills > 0.0) || !std::isfinite(markout_half_life_fills))
    return "signals.markout_half_life_fills must be > 0";
  if (calibration_interval_ms <= 0) return "signals.calibration_interval_ms must be > 0";
  if (calibration_window_s <= 0) return "signals.calibration_window_s must be > 0";
  if (calibration_window_s * 1000 < calibration_interval_ms)
    return "signals.calibration_window_s must cover at least one signals.calibration_interval_ms";
  if (calibration_window_s * 1000 / calibration_interval_ms > 10'000'000)
    return "signals.calibration_window_s must be <= 10^7 calibration intervals";
  if (calibration_refit_ms < calibration_interval_ms)
    return "signals.calibration_refit_ms must be >= signals.calibration_interval_ms";
  if (calibration_buckets < 2 || calibration_buckets > kMaxArrivalBuckets)
    return "signals.calibration_buckets must be in [2, 250]";
  if (calibration_min_points < 2 || calibration_min_points > calibration_buckets)
    return "signals.calibration_min_points must be in [2, signals.calibration_buckets]";
  return "";
}

Signals::Signals(const SignalsConfig& cfg)
    : arrival_(arrival_params(cfg)),
      imbalance_levels_(cfg.imbalance_levels),
      vol_min_samples_(cfg.volatility_min_samples) {
  vol_.configure(cfg.volatility_interval_ms * kNsPerMs, cfg.volatility_half_life_ms * kNsPerMs,
                 cfg.initial_volatility_bps * 1e-4);
  std::array<int64_t, kMarkoutHorizons> h{};
  for (uint32_t i = 0; i < kMarkoutHorizons; ++i) h[i] = cfg.markout_horizons_ms[i] * kNsPerMs;
  markouts_.configure(h, cfg.markout_half_life_fills);
  for (int s = 0; s < 2; ++s) {
    trade_count_[s].configure(cfg.trade_intensity_half_life_ms * kNsPerMs);
    trade_volume_[s].configure(cfg.trade_intensity_half_life_ms * kNsPerMs);
  }
}

void Signals::refresh_next_event() noexcept {
  int64_t t = vol_.next_sample_ns();
  const int64_t a = arrival_.next_step_ns();
  const int64_t m = markouts_.next_due_ns();
  if (a < t) t = a;
  if (m < t) t = m;
  next_event_ns_ = t;
}

void Signals::advance(int64_t now_ns) noexcept {
  if (now_ns < next_event_ns_ || mid2_ == 0 || lost_) return;
  const double mid = 0.5 * static_cast<double>(mid2_);
  vol_.advance(now_ns, mid);
  arrival_.advance(now_ns, mid2_);
  markouts_.advance(now_ns, mid);
  refresh_next_event();
}

void Signals::on_book(const OrderBook& book, int64_t now_ns) noexcept {
  advance(now_ns);
  // Walks the top levels in place: copying them out (OrderBook::top into PriceLevel arrays, which value-
  // initialise) cost more than the sums themselves.
  const uint32_t n = imbalance_levels_;
  // Returns the number of levels walked (0: empty side).
  const auto side_top = [&book, n](Side side, PriceLevel& best, int64_t& depth) noexcept {
    uint32_t k = 0;
    book.for_each(side, [&](const PriceLevel& l) noexcept {
      if (k == 0) best = l;
      depth += l.qty.lots;
      return ++k < n;
    });
    return k;
  };
  PriceLevel b0;
  PriceLevel a0;
  int64_t bd = 0;
  int64_t ad = 0;
  if (side_top(Side::kBuy, b0, bd) == 0 || side_top(Side::kSell, a0, ad) == 0) return;
  bid_depth_ = bd;
  ask_depth_ = ad;
  imbalance_ = static_cast<double>(bd - ad) / static_cast<double>(bd + ad);

  const auto bp = static_cast<double>(b0.price.ticks);
  const auto ap = static_cast<double>(a0.price.ticks);
  const auto bq = static_cast<double>(b0.qty.lots);
  const auto aq = static_cast<double>(a0.qty.lots);
  microprice_ = (bp * aq + ap * bq) / (bq + aq);

  const int64_t mid2 = b0.price.ticks + a0.price.ticks;
  if (mid2_ == 0 || lost_) {
    // First book, or the first trusted one after a loss: the sampling clocks start here, so no return or
    // calibration step spans the time without a trusted mid.
    vol_.start(now_ns, 0.5 * static_cast<double>(mid2));
    arrival_.start(now_ns, mid2);
    markouts_.expire(now_ns);
    lost_ = false;
  }
  mid2_ = mid2;
  refresh_next_event();
}

void Signals::on_book_lost(int64_t now_ns) noexcept {
  if (mid2_ == 0 || lost_) return;
  advance(now_ns);  // the last trusted mid held up to now
  lost_ = true;
}

void Signals::on_trade(const TradeEvent& trade, int64_t now_ns) noexcept {
  // Block trades are negotiated off the book: they say nothing about orders hitting resting quotes.
  if (trade.block_trade) return;
  advance(now_ns);
  const size_t s = index(trade.taker_side);
  trade_count_[s].add(now_ns, 1.0);
  trade_volume_[s].add(now_ns, static_cast<double>(trade.qty.lots));
  if (arrival_.started() && !lost_) arrival_.on_trade(trade.taker_side, trade.price);
}

void Signals::on_own_fill(Side side, Price price, Qty /*qty: markouts weigh fills equally*/,
                          int64_t now_ns) noexcept {
  advance(now_ns);
  if (mid2_ == 0 || lost_) return;
  markouts_.on_fill(side, price, now_ns, 0.5 * static_cast<double>(mid2_));
  refresh_next_event();
}

}  // namespace mm
