// Queue-position models (sim/queue_model.h): hand-computed positions for each model, and config errors.
#include "sim/queue_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace mm {
namespace {

QueueModel make(QueueModelKind k, double n = 2.0) {
  QueueModelConfig c;
  c.kind = k;
  c.power = n;
  return QueueModel(c);
}

TEST(QueueModelConfig, DefaultIsPowerTwoAndValid) {
  QueueModelConfig c;
  EXPECT_EQ(c.kind, QueueModelKind::kPowerProb);
  EXPECT_EQ(c.power, 2.0);
  EXPECT_EQ(c.validate(), "");
}

TEST(QueueModelConfig, BadKindIsNamed) {
  QueueModelConfig c;
  c.kind = static_cast<QueueModelKind>(7);
  EXPECT_NE(c.validate().find("queue.kind"), std::string::npos) << c.validate();
  try {
    QueueModel m(c);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("queue.kind"), std::string::npos);
  }
}

TEST(QueueModelConfig, BadPowerIsNamed) {
  for (double bad : {0.0, -1.0, 0.001, 101.0, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity()}) {
    QueueModelConfig c;
    c.power = bad;
    EXPECT_NE(c.validate().find("queue.power"), std::string::npos) << bad;
    EXPECT_THROW(QueueModel{c}, std::invalid_argument) << bad;
  }
  // The power is only read by the power model: a leftover value elsewhere is harmless.
  QueueModelConfig log;
  log.kind = QueueModelKind::kLogProb;
  log.power = 0.0;
  EXPECT_EQ(log.validate(), "");
}

TEST(QueueModelKindNames, RoundTrip) {
  for (QueueModelKind k :
       {QueueModelKind::kRiskAverse, QueueModelKind::kPowerProb, QueueModelKind::kLogProb}) {
    QueueModelKind out = static_cast<QueueModelKind>(9);
    ASSERT_TRUE(parse_queue_model_kind(to_string(k), out));
    EXPECT_EQ(out, k);
  }
  QueueModelKind out = QueueModelKind::kLogProb;
  EXPECT_FALSE(parse_queue_model_kind("Power", out));
  EXPECT_FALSE(parse_queue_model_kind("", out));
  EXPECT_EQ(out, QueueModelKind::kLogProb);
  EXPECT_EQ(to_string(QueueModelKind::kRiskAverse), "risk_averse");
}

TEST(QueueModel, ProbabilityBehind) {
  const QueueModel p2 = make(QueueModelKind::kPowerProb, 2.0);
  EXPECT_DOUBLE_EQ(p2.prob_behind(3, 7), 49.0 / 58.0);
  EXPECT_DOUBLE_EQ(p2.prob_behind(0, 5), 1.0);
  EXPECT_DOUBLE_EQ(p2.prob_behind(5, 0), 0.0);
  EXPECT_DOUBLE_EQ(p2.prob_behind(0, 0), 1.0);  // empty level: 0/0 -> 1
  const QueueModel p3 = make(QueueModelKind::kPowerProb, 3.0);
  EXPECT_DOUBLE_EQ(p3.prob_behind(2, 8), 512.0 / 520.0);
  const QueueModel lg = make(QueueModelKind::kLogProb);
  // log(1+7) / (log(1+7) + log(1+3)) = 3 ln 2 / 5 ln 2.
  EXPECT_NEAR(lg.prob_behind(3, 7), 0.6, 1e-15);
  EXPECT_DOUBLE_EQ(lg.prob_behind(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(make(QueueModelKind::kRiskAverse).prob_behind(3, 7), 1.0);
}

// Join a level of 10, trades of 4 then 8 at our price: the second one goes 2 past the queue ahead.
TEST(QueueModel, TradesConsumeTheQueueAheadThenReachUs) {
  for (QueueModelKind k :
       {QueueModelKind::kRiskAverse, QueueModelKind::kPowerProb, QueueModelKind::kLogProb}) {
    const QueueModel m = make(k);
    QueuePosition q;
    m.on_join(q, Qty{10});
    EXPECT_EQ(q.ahead, 10.0);
    EXPECT_EQ(m.on_trade(q, Qty{4}), 0) << to_string(k);
    EXPECT_EQ(q.ahead, 6.0);
    EXPECT_EQ(m.on_trade(q, Qty{8}), 2) << to_string(k);
    EXPECT_EQ(q.ahead, 0.0);
    EXPECT_EQ(m.on_trade(q, Qty{3}), 3) << to_string(k);  // at the front: everything reaches us
  }
}

TEST(QueueModel, FractionalQueueLeavesOnlyWholeLots) {
  const QueueModel m = make(QueueModelKind::kPowerProb);
  QueuePosition q{2.5, 0.0};
  EXPECT_EQ(m.on_trade(q, Qty{3}), 0);  // 0.5 lot past the queue is not a lot
  EXPECT_EQ(q.ahead, 0.0);
  QueuePosition r{2.5, 0.0};
  EXPECT_EQ(m.on_trade(r, Qty{5}), 2);
}

TEST(QueueModel, RiskAverseOnlyCapsAtTheLevel) {
  const QueueModel m = make(QueueModelKind::kRiskAverse);
  QueuePosition q;
  m.on_join(q, Qty{10});
  m.on_level_change(q, Qty{10}, Qty{20});  // others join behind
  EXPECT_EQ(q.ahead, 10.0);
  m.on_level_change(q, Qty{20}, Qty{15});  // cancels: assumed behind us
  EXPECT_EQ(q.ahead, 10.0);
  m.on_level_change(q, Qty{15}, Qty{5});  // the level is now smaller than our queue: capped
  EXPECT_EQ(q.ahead, 5.0);
  m.on_level_change(q, Qty{5}, Qty{0});
  EXPECT_EQ(q.ahead, 0.0);
}

// Symmetric queue (front == back): p = 1/2 for both forms, so each cancel is split evenly.
TEST(QueueModel, PowerTwoSymmetricCancels) {
  const QueueModel m = make(QueueModelKind::kPowerProb);
  QueuePosition q;
  m.on_join(q, Qty{10});
  m.on_level_change(q, Qty{10}, Qty{20});
  EXPECT_EQ(q.ahead, 10.0);
  // front 10, back 10, chg 5: 10 - 0.5 * 5 = 7.5.
  m.on_level_change(q, Qty{20}, Qty{15});
  EXPECT_DOUBLE_EQ(q.ahead, 7.5);
  // front 7.5, back 7.5, chg 10: 7.5 - 5 = 2.5.
  m.on_level_change(q, Qty{15}, Qty{5});
  EXPECT_DOUBLE_EQ(q.ahead, 2.5);
}

// Near the front (2 ahead, 8 behind), a cancel of 5 is most likely behind us.
TEST(QueueModel, AsymmetricCancelsPerForm) {
  struct Case {
    QueueModelKind kind;
    double n;
    double expected;
  };
  // power 2: p = 64/68 = 16/17, ahead = 2 - (1/17) * 5 = 29/17.
  // power 3: p = 512/520 = 64/65, ahead = 2 - (1/65) * 5 = 125/65.
  // log:     p = ln 9 / (ln 9 + ln 3) = 2/3, ahead = 2 - (1/3) * 5 = 1/3.
  // risk-averse: 2 (never advanced by cancels).
  for (const Case& c :
       {Case{QueueModelKind::kPowerProb, 2.0, 29.0 / 17.0},
        Case{QueueModelKind::kPowerProb, 3.0, 125.0 / 65.0}, Case{QueueModelKind::kLogProb, 2.0, 1.0 / 3.0},
        Case{QueueModelKind::kRiskAverse, 2.0, 2.0}}) {
    const QueueModel m = make(c.kind, c.n);
    QueuePosition q;
    m.on_join(q, Qty{2});
    m.on_level_change(q, Qty{2}, Qty{10});
    m.on_level_change(q, Qty{10}, Qty{5});
    EXPECT_NEAR(q.ahead, c.expected, 1e-12) << to_string(c.kind) << " n=" << c.n;
  }
}

// A decrease already explained by trades at our price is not a cancel (hftbacktest's cum_trade_qty).
TEST(QueueModel, TradedLotsAreNotCountedTwice) {
  const QueueModel m = make(QueueModelKind::kPowerProb);
  QueuePosition q;
  m.on_join(q, Qty{2});
  m.on_level_change(q, Qty{2}, Qty{10});
  EXPECT_EQ(m.on_trade(q, Qty{1}), 0);
  EXPECT_EQ(q.ahead, 1.0);
  EXPECT_EQ(q.traded, 1.0);
  // 10 -> 6: 1 lot traded, 3 cancelled. front 1, back 9: p = 81/82, ahead = 1 - 3/82.
  m.on_level_change(q, Qty{10}, Qty{6});
  EXPECT_NEAR(q.ahead, 79.0 / 82.0, 1e-15);
  EXPECT_EQ(q.traded, 0.0);
  // A decrease that the trades fully explain moves nothing.
  EXPECT_EQ(m.on_trade(q, Qty{0}), 0);
  QueuePosition r{3.0, 4.0};
  m.on_level_change(r, Qty{10}, Qty{6});
  EXPECT_EQ(r.ahead, 3.0);
}

TEST(QueueModel, PositionNeverExceedsTheLevelNorGoesNegative) {
  for (QueueModelKind k : {QueueModelKind::kPowerProb, QueueModelKind::kLogProb}) {
    const QueueModel m = make(k);
    QueuePosition q;
    m.on_join(q, Qty{5});
    m.on_level_change(q, Qty{5}, Qty{6});
    m.on_level_change(q, Qty{6}, Qty{1});  // front 5, back 1, chg 5
    EXPECT_GE(q.ahead, 0.0);
    EXPECT_LE(q.ahead, 1.0);
    m.on_level_change(q, Qty{1}, Qty{0});
    EXPECT_EQ(q.ahead, 0.0);
  }
}

TEST(QueueModel, SnapshotRecapsAndForgetsTrades) {
  const QueueModel m = make(QueueModelKind::kLogProb);
  QueuePosition q{8.0, 3.0};
  m.on_snapshot(q, Qty{4});
  EXPECT_EQ(q.ahead, 4.0);
  EXPECT_EQ(q.traded, 0.0);
  m.on_snapshot(q, Qty{9});  // a bigger level does not push us back
  EXPECT_EQ(q.ahead, 4.0);
}

}  // namespace
}  // namespace mm
