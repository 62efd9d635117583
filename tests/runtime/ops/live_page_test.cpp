// The live page's server side without a browser: the control token check (nothing happens without the right
// token), the actions the node takes, the JSON it pushes, and the token's source. The browser test (headless
// Chromium against `mm run`) is in prometheus_scrape_test.cpp, next to the other test that runs `mm run`.
#include "runtime/ops/live_page.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/metrics.h"
#include "runtime/ops/dotenv.h"
#include "tests/support/instruments.h"

namespace mm {
namespace {

namespace fs = std::filesystem;

using test::btcusdt;

struct PageFixture {
  explicit PageFixture(std::string token, LogDrain* log = nullptr)
      : metrics(registry, 0.001, 100'000'000), page(config(std::move(token)), metrics, log) {}
  static LivePageConfig config(std::string token) {
    LivePageConfig c;
    c.instrument = btcusdt();
    c.money_scale = 100'000'000;
    c.control_token = std::move(token);
    return c;
  }
  HttpServerResponse post(std::string target, std::string auth = "", std::string body = "") {
    target_ = std::move(target);
    body_ = std::move(body);
    auth_ = std::move(auth);
    HttpServerRequest req;
    req.method = "POST";
    req.target = target_;
    req.path = req.target.substr(0, req.target.find('?'));
    req.body = body_;
    if (!auth_.empty()) req.headers.emplace_back("authorization", auth_);
    HttpServerResponse res;
    page.handle_control(req, res);
    return res;
  }
  MetricsRegistry registry;
  LiveMetrics metrics;
  LivePage page;
  std::string target_, body_, auth_;
};

void expect_nothing_pending(LivePage& page) {
  const PageControl c = page.take_control();
  EXPECT_FALSE(c.paused);
  EXPECT_FALSE(c.cancel_all);
  EXPECT_FALSE(c.kill);
}

TEST(LivePageControl, WithoutAConfiguredTokenEveryActionIsRefused) {
  PageFixture f("");
  EXPECT_FALSE(f.page.control_enabled());
  for (const char* action : {"pause", "cancel_all", "kill"}) {
    const HttpServerResponse r = f.post(std::string("/api/control?action=") + action, "Bearer anything");
    EXPECT_EQ(r.status, 403) << action;
    EXPECT_NE(r.body.find("control is disabled"), std::string::npos) << r.body;
  }
  expect_nothing_pending(f.page);
}

TEST(LivePageControl, AMissingOrWrongTokenIsRefusedAndChangesNothing) {
  PageFixture f("s3cret-token");
  EXPECT_TRUE(f.page.control_enabled());
  for (const auto& auth : {std::string(), std::string("Bearer "), std::string("Bearer wrong"),
                           std::string("Bearer s3cret-tokeN"), std::string("Bearer s3cret-token-longer"),
                           std::string("Basic s3cret-token"), std::string("s3cret-token")}) {
    for (const char* action : {"pause", "cancel_all", "kill"}) {
      const HttpServerResponse r = f.post("/api/control", auth, std::string("action=") + action);
      EXPECT_EQ(r.status, 403) << auth << " " << action;
      EXPECT_EQ(r.body.rfind("refused: ", 0), 0u) << r.body;
      EXPECT_EQ(r.body.find("s3cret-token"), std::string::npos) << "the token leaked into the answer";
    }
  }
  expect_nothing_pending(f.page);
  PageSnapshot& s = f.page.write_slot();
  s.now_ns = 1;
  f.page.publish();
  EXPECT_NE(f.page.render_latest().find("\"paused\":false,"), std::string::npos);
  EXPECT_NE(f.page.render_latest().find("\"killed\":false,"), std::string::npos);
}

TEST(LivePageControl, TheRightTokenPausesResumesCancelsAndKills) {
  PageFixture f("s3cret-token");
  const std::string auth = "Bearer s3cret-token";
  HttpServerResponse r = f.post("/api/control?action=pause", auth);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "accepted: pause\n");
  for (int i = 0; i < 2; ++i) {  // a pause holds until resumed
    const PageControl c = f.page.take_control();
    EXPECT_TRUE(c.paused);
    EXPECT_FALSE(c.cancel_all);
    EXPECT_FALSE(c.kill);
  }
  EXPECT_EQ(f.post("/api/control", auth, "action=resume").status, 200);
  expect_nothing_pending(f.page);
  EXPECT_EQ(f.post("/api/control?action=cancel_all", auth).status, 200);
  PageControl c = f.page.take_control();
  EXPECT_TRUE(c.cancel_all);
  EXPECT_FALSE(c.kill);
  expect_nothing_pending(f.page);  // one cancel-all per request
  EXPECT_EQ(f.post("/api/control?action=kill", auth).status, 200);
  c = f.page.take_control();
  EXPECT_TRUE(c.kill);
  PageSnapshot& s = f.page.write_slot();
  s = PageSnapshot{};
  f.page.publish();
  EXPECT_NE(f.page.render_latest().find("\"killed\":true,"), std::string::npos);
  r = f.post("/api/control?action=explode", auth);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("pause, resume, cancel_all or kill"), std::string::npos);
  HttpServerRequest get;
  get.method = "GET";
  get.target = "/api/control?action=kill";
  HttpServerResponse g;
  f.page.handle_control(get, g);
  EXPECT_EQ(g.status, 405);
  expect_nothing_pending(f.page);
}

TEST(LivePageControl, EveryRequestIsLoggedWithoutTheToken) {
  const fs::path file = fs::path(::testing::TempDir()) / ("page_log_" + std::to_string(::getpid()) + ".log");
  fs::remove(file);
  LogDrainConfig lc;
  lc.file = file.string();
  LogDrain drain(lc, {});
  drain.add_secret("s3cret-token");
  ASSERT_EQ(drain.open(), "");
  {
    PageFixture f("s3cret-token", &drain);
    EXPECT_EQ(f.post("/api/control?action=kill", "Bearer nope").status, 403);
    EXPECT_EQ(f.post("/api/control?action=pause", "Bearer s3cret-token").status, 200);
  }
  drain.drain_once();
  drain.stop();
  std::ifstream in(file);
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(
      log.find(
          R"("component":"page","event":"control","action":"kill","accepted":false,"status":403,"reason":"wrong token")"),
      std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("action":"pause","accepted":true,"status":200)"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cret-token"), std::string::npos);
  fs::remove(file);
}

TEST(LivePageState, RendersTheBookWithOurQuotesFillsPnlAndLatency) {
  PageFixture f("");
  EXPECT_EQ(f.page.render_latest(), "");                           // nothing published yet
  for (int i = 0; i < 98; ++i) f.metrics.tick_to_quote_ns(4'000);  // <= 5 us bucket
  f.metrics.tick_to_quote_ns(40'000);
  f.metrics.tick_to_quote_ns(40'000);
  PageSnapshot& s = f.page.write_slot();
  s.now_ns = 1'765'000'000'000'000'000;
  s.bids[0] = {651140, 1500};
  s.bids[1] = {651130, 3};
  s.bid_count = 2;
  s.asks[0] = {651150, 2};
  s.ask_count = 1;
  s.orders[0] = {Side::kBuy, 651130, 2};
  s.orders[1] = {Side::kSell, 651990, 1};  // deeper than the levels shown
  s.order_count = 2;
  s.fills[0] = {s.now_ns - 5, Side::kSell, true, 651150, 1, -2'000};
  s.fill_count = 1;
  s.fills_total = 7;
  s.position_lots = -3;
  s.realized = 150'000'000;
  s.unrealized = -50'000'000;
  s.fees = 25'000'000;
  s.state = TradingState::kReduceOnly;
  s.quoting = true;
  f.page.publish();
  const std::string json = f.page.render_latest();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["symbol"]), "BTCUSDT");
  EXPECT_EQ(uint64_t(doc["seq"]), 1u);
  EXPECT_EQ(std::string_view(doc["state"]), "reduce_only");
  EXPECT_TRUE(bool(doc["quoting"]));
  EXPECT_FALSE(bool(doc["control"]));
  EXPECT_EQ(std::string_view(doc["bids"].at(0)["px"]), "65114.00");
  EXPECT_EQ(std::string_view(doc["bids"].at(0)["qty"]), "1.500");
  EXPECT_TRUE(doc["bids"].at(0)["ours"].is_null());
  EXPECT_EQ(std::string_view(doc["bids"].at(1)["ours"]), "0.002");  // our bid joins this level
  EXPECT_EQ(std::string_view(doc["asks"].at(0)["px"]), "65115.00");
  EXPECT_EQ(std::string_view(doc["orders"].at(1)["px"]), "65199.00");
  EXPECT_EQ(std::string_view(doc["orders"].at(1)["side"]), "Sell");
  EXPECT_EQ(std::string_view(doc["fills"].at(0)["side"]), "Sell");
  EXPECT_TRUE(bool(doc["fills"].at(0)["maker"]));
  EXPECT_DOUBLE_EQ(double(doc["fills"].at(0)["fee"]), -0.00002);
  EXPECT_EQ(uint64_t(doc["fills_total"]), 7u);
  EXPECT_EQ(std::string_view(doc["position"]), "-0.003");
  EXPECT_DOUBLE_EQ(double(doc["realized"]), 1.5);
  EXPECT_DOUBLE_EQ(double(doc["unrealized"]), -0.5);
  EXPECT_DOUBLE_EQ(double(doc["fees"]), 0.25);
  EXPECT_DOUBLE_EQ(double(doc["net"]), 0.75);
  EXPECT_EQ(uint64_t(doc["latency"]["tick_to_quote"]["count"]), 100u);
  EXPECT_DOUBLE_EQ(double(doc["latency"]["tick_to_quote"]["p50_us"]), 5.0);
  EXPECT_DOUBLE_EQ(double(doc["latency"]["tick_to_quote"]["p99_us"]), 50.0);
  EXPECT_EQ(uint64_t(doc["latency"]["order_ack"]["count"]), 0u);
  // Nothing new published: the same state again (the page's seq tells it apart).
  EXPECT_EQ(f.page.render_latest(), json);
}

TEST(LivePageHtml, IsOneSelfContainedDocument) {
  const std::string_view html = live_page_html();
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("new WebSocket("), std::string_view::npos);
  EXPECT_NE(html.find("/api/control"), std::string_view::npos);
  // No reference to anything outside this server: no CDN, no font, no absolute URL.
  EXPECT_EQ(html.find("http://"), std::string_view::npos);
  EXPECT_EQ(html.find("https://"), std::string_view::npos);
  EXPECT_EQ(html.find("<script src"), std::string_view::npos);
  EXPECT_EQ(html.find("<link"), std::string_view::npos);
}

TEST(LivePageToken, FromTheEnvironmentThenAPrivateDotEnv) {
  const fs::path env = fs::path(::testing::TempDir()) / ("page_dotenv_" + std::to_string(::getpid()));
  std::ofstream(env) << "BYBIT_API_KEY=k\nexport MM_CONTROL_TOKEN='tok-1'\n";
  fs::permissions(env, fs::perms::owner_read | fs::perms::owner_write);
  ::unsetenv("MM_CONTROL_TOKEN");
  std::string token;
  EXPECT_EQ(control_token(token, env.string()), "");
  EXPECT_EQ(token, "tok-1");
  EXPECT_EQ(control_token(token, "/nonexistent/.env"), "");
  EXPECT_EQ(token, "");
  fs::permissions(env, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  const std::string e = control_token(token, env.string());
  EXPECT_NE(e.find("readable by every user"), std::string::npos) << e;
  EXPECT_EQ(token, "");
  ::setenv("MM_CONTROL_TOKEN", "tok-env", 1);
  EXPECT_EQ(control_token(token, env.string()), "");
  EXPECT_EQ(token, "tok-env");
  ::unsetenv("MM_CONTROL_TOKEN");
  fs::remove(env);
}

}  // namespace
}  // namespace mm
