#pragma once
// Queue-position models of the fill engine (sim/fill_engine.h): where one of our resting orders stands in
// the market's queue at its price, estimated from L2 data only (the feed shows level sizes, not orders).
//
// The models are those of hftbacktest (nkaz001/hftbacktest, hftbacktest/src/backtest/models/queue.rs:
// RiskAdverseQueueModel, ProbQueueModel with PowerProbQueueFunc and LogProbQueueFunc), re-derived here:
//
//  - Joining: the queue ahead of a new order is the level's displayed size at its price (our own order is
//    not in the replayed book: the recording never saw it).
//  - A trade at our price of T lots consumes the queue ahead first: ahead -= T. What goes past the queue
//    ahead reaches us: floor(-ahead) lots (partially filling us if that is less than our leaves); then we
//    are at the front (ahead = 0).
//  - Risk-averse (kRiskAverse): a level decrease never advances us, except that the queue ahead cannot
//    exceed the level's new size: ahead = min(ahead, new). Why "risk-averse": every cancel is assumed to be
//    behind us.
//  - Probabilistic (kPowerProb, kLogProb): a level decrease not explained by the trades printed at that
//    price since the level last changed, chg = prev - new - traded, is a cancel of size chg somewhere in the
//    queue. With front = ahead and back = prev - front, the probability that it was behind us is
//        p = f(back) / (f(back) + f(front)),
//        f(x) = x^n (power, n = QueueModelConfig::power) or log(1 + x) (log);
//    the expected new position is ahead' = front - (1 - p) * chg + min(back - p * chg, 0) (the share
//    assigned behind us that does not fit behind us comes from the front), clamped to [0, new]. An increase
//    (chg < 0) only caps ahead at the new size. `traded` resets at every level change (hftbacktest's
//    cum_trade_qty: the decrease caused by trades must not be counted twice).
//    When f(back) + f(front) == 0 (empty level), p = 1: nothing ahead can be removed that is not there.
//  - A snapshot (book reset): ahead = min(ahead, size at our price in the snapshot), traded = 0.
//
// Positions are expectations in (fractional) lots; fills are whole lots. There is no randomness: the same
// inputs give the same positions and fills (what hftbacktest calls "probabilistic" is the expectation
// above). Floating point is confined to the queue estimate (DESIGN.md 3: allowed inside models); prices stay
// ticks.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/types.h"

namespace mm {

enum class QueueModelKind : uint8_t { kRiskAverse = 0, kPowerProb = 1, kLogProb = 2 };

// "risk_averse", "power", "log".
constexpr std::string_view to_string(QueueModelKind k) noexcept {
  switch (k) {
    case QueueModelKind::kRiskAverse:
      return "risk_averse";
    case QueueModelKind::kPowerProb:
      return "power";
    case QueueModelKind::kLogProb:
      return "log";
  }
  return "?";
}

// Parses the spellings of to_string(QueueModelKind). Returns false (out untouched) for anything else.
[[nodiscard]] bool parse_queue_model_kind(std::string_view s, QueueModelKind& out) noexcept;

struct QueueModelConfig {
  QueueModelKind kind = QueueModelKind::kPowerProb;
  double power = 2.0;  // n of f(x) = x^n (kPowerProb only); finite, in [kMinPower, kMaxPower]

  static constexpr double kMinPower = 0.01;
  static constexpr double kMaxPower = 100.0;

  // "" when valid, else a message naming the bad field ("queue.kind ...", "queue.power ...").
  [[nodiscard]] std::string validate() const;
};

// One order's estimated place in its level's queue.
struct QueuePosition {
  double ahead = 0.0;   // lots of other participants ahead of us (expected value)
  double traded = 0.0;  // lots traded at our price since the level last changed (probabilistic models)
};

class QueueModel {
 public:
  // Throws std::invalid_argument with config.validate()'s message when the config is invalid.
  explicit QueueModel(const QueueModelConfig& config);

  [[nodiscard]] QueueModelKind kind() const noexcept { return kind_; }
  [[nodiscard]] double power() const noexcept { return power_; }

  // A new order (or one that lost priority) joins the back of a level displaying `level` lots.
  void on_join(QueuePosition& q, Qty level) const noexcept {
    q.ahead = static_cast<double>(level.lots > 0 ? level.lots : 0);
    q.traded = 0.0;
  }

  // A trade of `trade` lots at our price, against our side. Returns the whole lots that reach us (>= 0; the
  // caller fills min(that, leaves)). When some reach us, the queue ahead is left at 0.
  [[nodiscard]] int64_t on_trade(QueuePosition& q, Qty trade) const noexcept {
    const auto t = static_cast<double>(trade.lots > 0 ? trade.lots : 0);
    q.ahead -= t;
    q.traded += t;
    if (q.ahead >= 0.0) return 0;
    // The tiny epsilon keeps 2.9999999 (sums of fractional positions) from losing a lot.
    const auto reach = static_cast<int64_t>(-q.ahead + 1e-9);
    q.ahead = 0.0;
    return reach;
  }

  // The level at our price changed from `prev` to `now` lots (a delta; both >= 0).
  void on_level_change(QueuePosition& q, Qty prev, Qty now) const noexcept;

  // A snapshot replaced the book; `now` is the size at our price in it (0 if absent).
  void on_snapshot(QueuePosition& q, Qty now) const noexcept {
    const auto n = static_cast<double>(now.lots > 0 ? now.lots : 0);
    if (q.ahead > n) q.ahead = n;
    q.traded = 0.0;
  }

  // p = f(back) / (f(back) + f(front)); 1 when the denominator is 0. Risk-averse: always 1.
  [[nodiscard]] double prob_behind(double front, double back) const noexcept;

 private:
  QueueModelKind kind_;
  double power_;
};

}  // namespace mm
