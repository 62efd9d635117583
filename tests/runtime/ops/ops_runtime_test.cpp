#include "runtime/ops/ops_runtime.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/money.h"
#include "net/http_client.h"
#include "runtime/ops/live_events.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

namespace fs = std::filesystem;

class OpsRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("ops_runtime_" + std::to_string(::getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  OpsOptions options() const {
    OpsOptions o;
    o.settings.http_listen = "127.0.0.1:0";
    o.settings.log_file = (dir_ / "mm.log").string();
    o.qty_step = 0.001;
    o.money_scale = kMoneyOne;
    o.secrets = {"my-api-secret-value"};
    o.events = kLiveEvents;
    return o;
  }
  std::string log_text() const {
    std::ifstream in(dir_ / "mm.log");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  fs::path dir_;
};

std::string scrape(uint16_t port) {
  HttpClientConfig c;
  c.endpoint.host = "127.0.0.1";
  c.endpoint.port = port;
  c.timeout_ms = 5000;
  HttpClient client(c);
  HttpResponse r;
  if (client.exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", true, r) != HttpError::kOk) return "";
  return r.body;
}

TEST_F(OpsRuntimeTest, MetricsServedAndHotEventsLogged) {
  OpsRuntime ops(options());
  ASSERT_EQ(ops.start(), "");
  ASSERT_NE(ops.http_port(), 0);
  EXPECT_FALSE(ops.alerts_on());
  ops.metrics().position_lots(2000);
  ops.metrics().order_action(OrderAction::kCreate);
  ASSERT_TRUE(
      log_event(ops.hot_log(), LiveEvent::kOrderCreate, 1'796'579'000'000'000'000, "mm-7-1", 651234, 2, 1));
  ASSERT_TRUE(
      log_event(ops.hot_log(), LiveEvent::kFill, 1'796'579'000'000'000'001, "mm-7-1", 651234, 2, 1, -13, 2));
  ops.log().log(LogLevel::kWarn, "rest", "auth", {{"detail", "signed with my-api-secret-value"}});
  const std::string metrics = scrape(ops.http_port());
  EXPECT_NE(metrics.find("\nmm_position 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nmm_order_actions_total{action=\"create\"} 1\n"), std::string::npos);
  ops.stop();
  ops.stop();
  const std::string log = log_text();
  EXPECT_NE(log.find("\"event\":\"ops_started\""), std::string::npos) << log;
  EXPECT_NE(
      log.find(
          "\"component\":\"quoter\",\"event\":\"order_create\",\"orderLinkId\":\"mm-7-1\",\"price_ticks\":"
          "651234,\"qty_lots\":2,\"side\":1}"),
      std::string::npos)
      << log;
  EXPECT_NE(
      log.find(
          "\"event\":\"fill\",\"orderLinkId\":\"mm-7-1\",\"price_ticks\":651234,\"qty_lots\":2,\"side\":1,"
          "\"fee\":-13,\"position_lots\":2}"),
      std::string::npos)
      << log;
  EXPECT_EQ(log.find("my-api-secret-value"), std::string::npos) << log;
  EXPECT_EQ(scrape(ops.http_port()), "");  // the server is gone
}

TEST_F(OpsRuntimeTest, EmptyListenTurnsTheServerOff) {
  OpsOptions o = options();
  o.settings.http_listen = "";
  OpsRuntime ops(o);
  ASSERT_EQ(ops.start(), "");
  EXPECT_EQ(ops.http(), nullptr);
  EXPECT_EQ(ops.http_port(), 0);
}

TEST_F(OpsRuntimeTest, ErrorsNameTheOpsKey) {
  OpsRuntime first(options());
  ASSERT_EQ(first.start(), "");
  OpsOptions busy = options();
  busy.settings.http_listen = "127.0.0.1:" + std::to_string(first.http_port());
  busy.settings.log_file = (dir_ / "second.log").string();
  OpsRuntime second(busy);
  EXPECT_EQ(second.start().rfind("ops.http_listen: ", 0), 0u);

  OpsOptions alerts = options();
  alerts.settings.log_file = (dir_ / "third.log").string();
  alerts.settings.alert_telegram_chat_id = "-100";
  OpsRuntime third(alerts);  // no token
  const std::string e = third.start();
  EXPECT_NE(e.find("ops.alert_telegram_chat_id"), std::string::npos) << e;
  EXPECT_NE(e.find("MM_TELEGRAM_TOKEN"), std::string::npos) << e;

  OpsOptions bad_log = options();
  bad_log.settings.log_file = (dir_ / "no" / "such" / "dir" / "x.log").string();
  std::ofstream(dir_ / "no") << "a file, not a folder";
  OpsRuntime fourth(bad_log);
  EXPECT_EQ(fourth.start().rfind("ops.log_file: ", 0), 0u);
}

TEST_F(OpsRuntimeTest, PublishSetsGaugesTotalsDrawdownAndLogsStateChanges) {
  OpsRuntime ops(options());
  ASSERT_EQ(ops.start(), "");
  OpsSnapshot s;
  s.now_ns = 1'000'000'000;
  s.creates = 5;
  s.amends = 7;
  s.reconnects_trade = 2;
  s.position_lots = -3000;
  s.realized = 10 * kMoneyOne;
  s.fees = kMoneyOne;
  s.both_sides_quoted = true;
  ops.publish(s);  // equity 9: the peak
  s.now_ns += 1'000'000'000;
  s.realized = 6 * kMoneyOne;  // equity 5: 4 below the peak
  s.state = TradingState::kHalted;
  s.creates = 4;  // a total that went down is ignored
  test::AllocScope scope;
  ops.publish(s);
  EXPECT_EQ(scope.allocations(), 0u);  // alerts are off: no text is built
  const std::string m = scrape(ops.http_port());
  EXPECT_NE(m.find("\nmm_order_actions_total{action=\"create\"} 5\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\nmm_order_actions_total{action=\"amend\"} 7\n"), std::string::npos);
  EXPECT_NE(m.find("\nmm_reconnects_total{stream=\"trade\"} 2\n"), std::string::npos);
  EXPECT_NE(m.find("\nmm_position -3\n"), std::string::npos);
  EXPECT_NE(m.find("\nmm_drawdown 4\n"), std::string::npos);
  EXPECT_NE(m.find("\nmm_risk_state{state=\"halted\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("\nmm_quote_uptime_ratio 1\n"), std::string::npos);
  ops.stop();
  EXPECT_NE(log_text().find("\"event\":\"risk_state\",\"from\":0,\"to\":2"), std::string::npos) << log_text();
}

TEST(LiveEvents, CatalogNamesEveryEventOnce) {
  for (size_t i = 0; i < kLiveEvents.size(); ++i) {
    EXPECT_FALSE(kLiveEvents[i].name.empty());
    EXPECT_FALSE(kLiveEvents[i].component.empty());
    for (size_t j = 0; j < i; ++j) EXPECT_NE(kLiveEvents[i].name, kLiveEvents[j].name);
  }
}

}  // namespace
}  // namespace mm
