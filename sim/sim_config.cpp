#include "sim/sim_config.h"

#include <stdexcept>

#include "sim/fill_engine.h"

namespace mm {

namespace {

std::string check_latency(const LatencySpec& s, const char* key) {
  if (!s.file.empty()) return "";
  if (s.constant_ns < 0) return std::string("backtest.") + key + "_ns must be >= 0";
  if (s.constant_ns > kMaxLatencyNs) {
    return std::string("backtest.") + key + "_ns must be <= " + std::to_string(kMaxLatencyNs);
  }
  return "";
}

std::string check_rate(int64_t v, const char* key) {
  if (v < 1 || v > 1'000'000) return std::string("backtest.") + key + " must be in [1, 1000000]";
  return "";
}

}  // namespace

LatencyModel make_latency_model(const LatencySpec& spec) {
  if (spec.file.empty()) return LatencyModel::constant(spec.constant_ns);
  LatencyModel m;
  if (std::string e = load_latency_file(spec.file, m); !e.empty()) throw std::invalid_argument(e);
  return m;
}

std::string SimConfig::validate() const {
  if (std::string e = queue.validate(); !e.empty()) return "backtest." + e;
  if (fill_rule != FillRule::kConservative && fill_rule != FillRule::kHftbacktest) {
    return "backtest.fill_rule must be \"conservative\" or \"hftbacktest\"";
  }
  if (max_orders < 1 || max_orders > FillEngineConfig::kMaxOrdersLimit) {
    return "backtest.max_orders must be in [1, " + std::to_string(FillEngineConfig::kMaxOrdersLimit) + "]";
  }
  if (book_window_ticks < OrderBook::kMinWindowTicks || book_window_ticks > OrderBook::kMaxWindowTicks ||
      (book_window_ticks & (book_window_ticks - 1)) != 0) {
    return "backtest.book_window_ticks must be a power of two in [" + std::to_string(OrderBook::kMinWindowTicks) +
           ", " + std::to_string(OrderBook::kMaxWindowTicks) + "]";
  }
  if (std::string e = check_latency(entry_latency, "entry_latency"); !e.empty()) return e;
  if (std::string e = check_latency(response_latency, "response_latency"); !e.empty()) return e;
  if (std::string e = check_latency(feed_latency, "feed_latency"); !e.empty()) return e;
  if (feed_time != FeedTime::kData && feed_time != FeedTime::kModel) return "backtest.feed_time: unknown value";
  // A fee rate of 100 % or more is a unit mistake (rates are fractions: 0.0002, not 2 bps).
  if (maker_fee_rate <= -kRateOne || maker_fee_rate >= kRateOne) return "backtest.maker_fee_rate must be in (-1, 1)";
  if (taker_fee_rate <= -kRateOne || taker_fee_rate >= kRateOne) return "backtest.taker_fee_rate must be in (-1, 1)";
  if (funding != FundingMode::kNone && funding != FundingMode::kConstant && funding != FundingMode::kData) {
    return "backtest.funding must be none, constant or data";
  }
  if (funding_rate <= -kRateOne || funding_rate >= kRateOne) return "backtest.funding_rate must be in (-1, 1)";
  if (funding_interval_ns < 60'000'000'000 || funding_interval_ns > 7LL * 24 * 3600 * 1'000'000'000) {
    return "backtest.funding_interval_ns must be between 1 minute and 7 days";
  }
  if (std::string e = check_rate(create_per_second, "create_per_second"); !e.empty()) return e;
  if (std::string e = check_rate(amend_per_second, "amend_per_second"); !e.empty()) return e;
  if (std::string e = check_rate(cancel_per_second, "cancel_per_second"); !e.empty()) return e;
  if (std::string e = check_rate(cancel_all_per_second, "cancel_all_per_second"); !e.empty()) return e;
  if (sample_ns < 1'000'000) return "backtest.sample_ns must be >= 1000000 (1 ms)";
  if (action_capacity < 1 || action_capacity > (1u << 24)) return "backtest.action_capacity must be in [1, 16777216]";
  if (response_capacity < 1 || response_capacity > (1u << 24)) {
    return "backtest.response_capacity must be in [1, 16777216]";
  }
  return "";
}

}  // namespace mm
