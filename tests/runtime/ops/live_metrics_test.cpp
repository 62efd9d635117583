#include "runtime/ops/live_metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/money.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(LiveMetrics, RegistersEveryNamedMetric) {
  MetricsRegistry r;
  LiveMetrics m(r, 0.001, kMoneyOne);
  const auto names = r.names();
  ASSERT_EQ(names.size(), LiveMetrics::names().size());
  for (const std::string_view n : LiveMetrics::names()) {
    EXPECT_NE(std::find(names.begin(), names.end(), std::string(n)), names.end()) << n;
  }
}

TEST(LiveMetrics, UpdatesRenderInBaseUnits) {
  MetricsRegistry r;
  LiveMetrics m(r, 0.001, kMoneyOne);
  m.tick_to_quote_ns(3'000);
  m.order_ack_ns(2'000'000);
  m.message(MsgTopic::kOrderbook);
  m.message(MsgTopic::kOrderbook);
  m.message_error(MsgTopic::kOrder);
  m.order_action(OrderAction::kAmend);
  m.order_reject(10006);
  m.order_reject(123456);  // not in the table
  m.rate_limit_remaining(OrderAction::kCreate, 7);
  m.reconnect(Stream::kTrade);
  m.position_lots(-2500);
  m.realized_pnl(150 * kMoneyOne / 100);
  m.fees(-kMoneyOne / 4);
  m.risk_state(TradingState::kReduceOnly);
  m.log_dropped().add(3);
  const std::string t = r.render();
  EXPECT_TRUE(has_line(t, "mm_tick_to_quote_seconds_bucket{le=\"0.000005\"} 1")) << t;
  EXPECT_TRUE(has_line(t, "mm_tick_to_quote_seconds_sum 0.000003"));
  EXPECT_TRUE(has_line(t, "mm_order_ack_seconds_bucket{le=\"0.001\"} 0"));
  EXPECT_TRUE(has_line(t, "mm_order_ack_seconds_bucket{le=\"0.0025\"} 1"));
  EXPECT_TRUE(has_line(t, "mm_messages_total{topic=\"orderbook\"} 2"));
  EXPECT_TRUE(has_line(t, "mm_message_errors_total{topic=\"order\"} 1"));
  EXPECT_TRUE(has_line(t, "mm_order_actions_total{action=\"amend\"} 1"));
  EXPECT_TRUE(has_line(t, "mm_order_rejects_total{ret_code=\"10006\",reason=\"rate_limited\"} 1"));
  EXPECT_TRUE(has_line(t, "mm_order_rejects_total{ret_code=\"other\",reason=\"unknown\"} 1"));
  EXPECT_TRUE(has_line(t, "mm_rate_limit_remaining{action=\"create\"} 7"));
  EXPECT_TRUE(has_line(t, "mm_reconnects_total{stream=\"trade\"} 1"));
  EXPECT_TRUE(has_line(t, "mm_position -2.5"));
  EXPECT_TRUE(has_line(t, "mm_pnl_realized 1.5"));
  EXPECT_TRUE(has_line(t, "mm_fees -0.25"));
  EXPECT_TRUE(has_line(t, "mm_risk_state{state=\"active\"} 0"));
  EXPECT_TRUE(has_line(t, "mm_risk_state{state=\"reduce_only\"} 1"));
  EXPECT_TRUE(has_line(t, "mm_risk_state{state=\"halted\"} 0"));
  EXPECT_TRUE(has_line(t, "mm_log_dropped_total 3"));
}

TEST(LiveMetrics, QuoteUptimeIsTheFractionOfTimeWithBothSides) {
  MetricsRegistry r;
  LiveMetrics m(r, 1.0, kMoneyOne);
  EXPECT_TRUE(has_line(r.render(), "mm_quote_uptime_ratio 0"));
  m.quoting(true, 1'000);   // start: both sides
  m.quoting(false, 4'000);  // 3 us quoted
  m.quoting(true, 5'000);   // 1 us not quoted
  EXPECT_TRUE(has_line(r.render(), "mm_quote_uptime_ratio 0.75")) << r.render();
  m.quoting(true, 4'500);  // a clock step back adds nothing
  m.quoting(true, 9'000);  // 4 us more quoted: 7 of 8
  EXPECT_TRUE(has_line(r.render(), "mm_quote_uptime_ratio 0.875")) << r.render();
}

TEST(LiveMetrics, HotUpdatesDoNotAllocate) {
  MetricsRegistry r;
  LiveMetrics m(r, 0.001, kMoneyOne);
  test::AllocScope scope;
  for (int i = 0; i < 1000; ++i) {
    m.tick_to_quote_ns(i);
    m.message(MsgTopic::kPublicTrade);
    m.order_action(OrderAction::kCreate);
    m.order_reject(110001);
    m.position_lots(i);
    m.risk_state(TradingState::kHalted);
    m.quoting(i % 2 == 0, i * 10);
  }
  EXPECT_EQ(scope.allocations(), 0u);
}

TEST(LiveMetrics, TwoOnOneRegistryAreRefused) {
  MetricsRegistry r;
  LiveMetrics m(r, 0.001, kMoneyOne);
  EXPECT_THROW(LiveMetrics(r, 0.001, kMoneyOne), std::invalid_argument);
}

}  // namespace
}  // namespace mm
