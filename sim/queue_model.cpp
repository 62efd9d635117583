#include "sim/queue_model.h"

#include <cmath>
#include <stdexcept>

namespace mm {

bool parse_queue_model_kind(std::string_view s, QueueModelKind& out) noexcept {
  for (QueueModelKind k :
       {QueueModelKind::kRiskAverse, QueueModelKind::kPowerProb, QueueModelKind::kLogProb}) {
    if (s == to_string(k)) {
      out = k;
      return true;
    }
  }
  return false;
}

std::string QueueModelConfig::validate() const {
  if (static_cast<uint8_t>(kind) > static_cast<uint8_t>(QueueModelKind::kLogProb)) {
    return "queue.kind must be one of risk_averse, power, log (got value " +
           std::to_string(static_cast<unsigned>(kind)) + ")";
  }
  // Only the power model reads `power`; checking it for the others would reject harmless leftovers.
  if (kind == QueueModelKind::kPowerProb &&
      !(std::isfinite(power) && power >= kMinPower && power <= kMaxPower)) {
    return "queue.power must be a finite number in [0.01, 100] for the power model (got " +
           std::to_string(power) + ")";
  }
  return {};
}

namespace {

const QueueModelConfig& checked(const QueueModelConfig& c) {
  if (std::string err = c.validate(); !err.empty()) throw std::invalid_argument(err);
  return c;
}

}  // namespace

QueueModel::QueueModel(const QueueModelConfig& config) : kind_(checked(config).kind), power_(config.power) {}

double QueueModel::prob_behind(double front, double back) const noexcept {
  double fb = 0.0;
  double ff = 0.0;
  switch (kind_) {
    case QueueModelKind::kRiskAverse:
      return 1.0;
    case QueueModelKind::kPowerProb:
      // x^2 is the common choice; a multiplication is both faster and exact where pow() need not be.
      if (power_ == 2.0) {
        fb = back * back;
        ff = front * front;
      } else {
        fb = std::pow(back, power_);
        ff = std::pow(front, power_);
      }
      break;
    case QueueModelKind::kLogProb:
      fb = std::log1p(back);
      ff = std::log1p(front);
      break;
  }
  const double den = fb + ff;
  // Empty level (0 / 0), or an overflow to infinity (hftbacktest maps an infinite ratio to 1 too).
  if (!(den > 0.0) || !std::isfinite(den)) return 1.0;
  return fb / den;
}

void QueueModel::on_level_change(QueuePosition& q, Qty prev, Qty now) const noexcept {
  const auto n = static_cast<double>(now.lots > 0 ? now.lots : 0);
  if (kind_ == QueueModelKind::kRiskAverse) {
    // Every cancel is assumed to be behind us: the only forced move is the cap (the queue ahead of us cannot
    // be longer than the whole level).
    if (q.ahead > n) q.ahead = n;
    q.traded = 0.0;  // unused by this model; kept bounded
    return;
  }
  const auto p = static_cast<double>(prev.lots > 0 ? prev.lots : 0);
  // Trades at our price since the last change already moved us; only the rest of the decrease is cancels.
  const double chg = p - n - q.traded;
  q.traded = 0.0;
  if (chg <= 0.0) {
    if (q.ahead > n) q.ahead = n;
    return;
  }
  const double front = q.ahead;
  double back = p - front;
  if (back < 0.0) back = 0.0;  // ahead can exceed the level only transiently (trades not yet in the book)
  const double prob = prob_behind(front, back);
  double est = front - (1.0 - prob) * chg;
  const double over = back - prob * chg;  // the share put behind us that does not fit there comes from ahead
  if (over < 0.0) est += over;
  if (est > n) est = n;
  if (est < 0.0) est = 0.0;
  q.ahead = est;
}

}  // namespace mm
