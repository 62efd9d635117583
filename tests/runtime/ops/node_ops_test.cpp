#include "runtime/ops/node_ops.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/money.h"
#include "net/http_client.h"
#include "tests/support/alloc_counter.h"
#include "tests/support/instruments.h"

namespace mm {
namespace {

namespace fs = std::filesystem;

using test::btcusdt;

std::string get(uint16_t port, const std::string& path) {
  HttpClientConfig c;
  c.endpoint.host = "127.0.0.1";
  c.endpoint.port = port;
  c.timeout_ms = 5000;
  HttpClient client(c);
  HttpResponse r;
  if (client.exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n", true, r) != HttpError::kOk) return "";
  return r.body;
}

std::string scrape(uint16_t port) {
  return get(port, "/metrics");
}

class NodeOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("node_ops_" + std::to_string(::getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    cfg_.symbol = "BTCUSDT";
    cfg_.ops.http_listen = "127.0.0.1:0";
    cfg_.ops.log_file = (dir_ / "mm.log").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  MmConfig cfg_;
};

TEST_F(NodeOpsTest, HotHooksAndTimerAllocateNothingAndReachTheMetrics) {
  const Instrument in = btcusdt();
  std::unique_ptr<NodeOps> ops;
  ASSERT_EQ(NodeOps::start(cfg_, in, {"key-abc", "secret-xyz-123"}, ops), "");
  ASSERT_NE(ops, nullptr);
  Position pos(in);
  ASSERT_EQ(pos.on_fill(Side::kBuy, Price{651140}, Qty{3}, Money{100}), PositionError::kOk);
  TraderCounters tc;
  tc.creates = 4;
  tc.amends = 2;
  OrderBook book;
  for (int i = 0; i < 15; ++i) {
    ASSERT_EQ(book.set_level(Side::kBuy, Price{651140 - 10 * i}, Qty{100 + i}), BookError::kOk);
    ASSERT_EQ(book.set_level(Side::kSell, Price{651150 + 10 * i}, Qty{200 + i}), BookError::kOk);
  }
  Execution fill;
  fill.side = Side::kBuy;
  fill.is_maker = true;
  fill.exec_price = Price{651140};
  fill.exec_qty = Qty{1};
  NodeState s;
  s.book = &book;
  s.position = &pos;
  s.counters = &tc;
  s.mid_ticks = 651150;
  s.reconnects_trade = 1;
  ops->on_timer(1'000'000'000, s);  // the first publish starts the uptime clock
  test::AllocScope scope;
  for (int i = 0; i < 1000; ++i) {
    const int64_t t = 1'000'000'000 + i;
    ops->on_fill(fill, t);
    (void)ops->take_control();
    ops->on_message(MsgTopic::kOrderbook);
    ops->on_message(private_topic(MsgKind::kExecution));
    ops->on_quoted(5'000 + i);
    ops->on_ack("mm-1-1", 0, 200'000, t);
    ops->on_reject("mm-1-2", 10006, t);
    ops->on_book_gap(t);
  }
  ops->on_timer(2'000'000'000, s);
  EXPECT_EQ(scope.allocations(), 0u);
  const std::string m = scrape(ops->runtime().http_port());
  for (const char* line :
       {"mm_position 0.003", "mm_order_actions_total{action=\"create\"} 4",
        "mm_order_actions_total{action=\"amend\"} 2", "mm_reconnects_total{stream=\"trade\"} 1",
        "mm_messages_total{topic=\"orderbook\"} 1000", "mm_messages_total{topic=\"execution\"} 1000",
        "mm_messages_total{topic=\"trade\"} 1000", "mm_message_errors_total{topic=\"orderbook\"} 1000",
        "mm_tick_to_quote_seconds_count 1000", "mm_order_ack_seconds_count 1000",
        "mm_risk_state{state=\"active\"} 1", "mm_quote_uptime_ratio 0"}) {
    EXPECT_NE(m.find("\n" + std::string(line) + "\n"), std::string::npos) << line << "\n" << m;
  }
  EXPECT_NE(m.find("mm_order_rejects_total{ret_code=\"10006\""), std::string::npos) << m;
  // 0.003 BTC at the mid 65115.00: 195.345 USDT; unrealized (65115.0 - 65114.0) x 0.003 = 0.003.
  EXPECT_NE(m.find("\nmm_inventory_value 195.345\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\nmm_pnl_unrealized 0.003\n"), std::string::npos) << m;
  // The live page got the same timer's state: ten levels a side, the fills (the latest 20 of 1000).
  const std::string page = get(ops->runtime().http_port(), "/api/state");
  EXPECT_NE(page.find(R"("bids":[{"px":"65114.00","qty":"0.100","ours":null})"), std::string::npos) << page;
  EXPECT_NE(page.find(R"({"px":"65105.00","qty":"0.109","ours":null}],"asks")"), std::string::npos) << page;
  EXPECT_NE(page.find(R"("fills_total":1000,"position":"0.003")"), std::string::npos) << page;
  EXPECT_NE(page.find(R"("side":"Buy","maker":true,"px":"65114.00","qty":"0.001")"), std::string::npos);
  ops->stop();
  std::string log;
  {
    std::ifstream f(dir_ / "mm.log");
    log.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  EXPECT_NE(log.find("\"event\":\"order_reject\""), std::string::npos) << log.substr(0, 2000);
  EXPECT_NE(log.find("\"orderLinkId\":\"mm-1-2\""), std::string::npos);
  EXPECT_NE(log.find("\"event\":\"book_gap\""), std::string::npos);
  EXPECT_EQ(log.find("secret-xyz-123"), std::string::npos);
}

// mm_rate_limit_remaining comes from the node's limiter at each timer: our own budget, tightened by what the
// venue's X-Bapi-Limit-Status said remains. Parse errors count in mm_message_errors_total by topic.
TEST_F(NodeOpsTest, RateLimitHeadroomAndParseErrorsReachTheMetrics) {
  const Instrument in = btcusdt();
  std::unique_ptr<NodeOps> ops;
  ASSERT_EQ(NodeOps::start(cfg_, in, {}, ops), "");
  constexpr int64_t kNow = 1'000'000'000'000;
  RateLimiter limiter;
  ASSERT_EQ(limiter.configure(RateClass::kCreate, 10, 10, kNow), RateError::kOk);
  ASSERT_EQ(limiter.configure(RateClass::kAmend, 10, 8, kNow), RateError::kOk);
  ASSERT_EQ(limiter.configure(RateClass::kCancel, 10, 10, kNow), RateError::kOk);
  // The venue's answer to a create: limit 10/s, 3 left in the window that resets in a second.
  limiter.update_from_exchange(RateClass::kCreate, 10, 3, kNow / 1'000'000 + 1000, kNow);
  ASSERT_EQ(limiter.try_acquire(RateClass::kCancel, 4, kNow), RateError::kOk);
  NodeState s;
  s.limiter = &limiter;
  std::vector<std::string> frames = {R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":)",
                                     R"({"topic":"publicTrade.BTCUSDT","data":[{"p":"x"}]})", "not json"};
  test::AllocScope scope;
  ops->on_timer(kNow, s);
  for (std::string& frame : frames) {
    ops->on_public_frame(frame);
    std::fill(frame.begin(), frame.end(),
              'x');  // the transport reuses the memory before the error is reported
    ops->on_public_error();
  }
  ops->on_private_error();
  EXPECT_EQ(scope.allocations(), 0u);
  const std::string m = scrape(ops->runtime().http_port());
  for (const char* line :
       {"mm_rate_limit_remaining{action=\"create\"} 3", "mm_rate_limit_remaining{action=\"amend\"} 8",
        "mm_rate_limit_remaining{action=\"cancel\"} 6", "mm_message_errors_total{topic=\"orderbook\"} 1",
        "mm_message_errors_total{topic=\"publicTrade\"} 1", "mm_message_errors_total{topic=\"other\"} 2"}) {
    EXPECT_NE(m.find("\n" + std::string(line) + "\n"), std::string::npos) << line << "\n" << m;
  }
  ops->stop();
}

TEST(NodeOpsHelpers, PublicTopicOfARefusedFrame) {
  EXPECT_EQ(public_topic_of(R"({"topic":"orderbook.1.BTCUSDT","ts":)"), MsgTopic::kOrderbook);
  EXPECT_EQ(public_topic_of(R"({"topic":"publicTrade.ETHUSDT")"), MsgTopic::kPublicTrade);
  EXPECT_EQ(public_topic_of(R"({"topic":"tickers.BTCUSDT"})"), MsgTopic::kOther);
  EXPECT_EQ(public_topic_of(R"({"success":true,"op":"subscribe"})"), MsgTopic::kOther);
  EXPECT_EQ(public_topic_of(""), MsgTopic::kOther);
  // A "topic" key deep inside a large frame is not searched for (the label must cost nothing per frame).
  EXPECT_EQ(public_topic_of(std::string(100, ' ') + R"("topic":"orderbook.1.X")"), MsgTopic::kOther);
}

TEST_F(NodeOpsTest, AStartErrorNamesTheOpsKeyAndLeavesNothingRunning) {
  const Instrument in = btcusdt();
  std::unique_ptr<NodeOps> ops;
  cfg_.ops.http_listen = "192.0.2.1:0";  // TEST-NET-1: not an address of this host, cannot bind
  EXPECT_EQ(NodeOps::start(cfg_, in, {}, ops).rfind("ops.http_listen: ", 0), 0u);
  EXPECT_EQ(ops, nullptr);
  cfg_.ops.http_listen = "";
  std::ofstream(dir_ / "missing") << "a file, not a folder";
  cfg_.ops.log_file = (dir_ / "missing" / "mm.log").string();
  EXPECT_EQ(NodeOps::start(cfg_, in, {}, ops).rfind("ops.log_file: ", 0), 0u);
  EXPECT_EQ(ops, nullptr);
}

TEST(NodeOpsHelpers, PrivateTopic) {
  EXPECT_EQ(private_topic(MsgKind::kOrder), MsgTopic::kOrder);
  EXPECT_EQ(private_topic(MsgKind::kWallet), MsgTopic::kWallet);
  EXPECT_EQ(private_topic(MsgKind::kPong), MsgTopic::kOther);
}

}  // namespace
}  // namespace mm
