// AlertSender against a local HTTPS stub of the Telegram Bot API on 127.0.0.1 (the simulator's test CA).
#include "runtime/ops/alerts.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/money.h"
#include "runtime/ops/http_server.h"
#include "runtime/ops/live_metrics.h"
#include "runtime/ops/log_drain.h"
#include "runtime/ops/node_ops.h"
#include "sim/server/tls_certs.h"
#include "tools/mm/config.h"

namespace mm {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kToken = "123456:AAHsecret-token_value";

struct Seen {
  std::string method;
  std::string target;
  std::string content_type;
  std::string body;
  Clock::time_point at;
};

// The Bot API stub: records every request and answers with the status `next_status` gives for it.
class BotStub {
 public:
  BotStub() {
    dir_ = fs::path(::testing::TempDir()) / ("bot_stub_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    simx::TlsFiles files;
    const std::string e = simx::prepare_tls_files(dir_.string(), files);
    EXPECT_EQ(e, "");
    ca_file_ = files.ca_file;
    HttpServerConfig cfg;
    cfg.listen = "127.0.0.1:0";
    cfg.tls_cert_file = files.cert_file;
    cfg.tls_key_file = files.key_file;
    server_ = std::make_unique<HttpServer>(cfg);
    server_->route("/tg/bot" + std::string(kToken) + "/sendMessage", [this](const HttpServerRequest& req,
                                                                            HttpServerResponse& res) {
      const std::lock_guard lock(mu_);
      seen_.push_back({std::string(req.method), std::string(req.target),
                       std::string(req.header("content-type")), std::string(req.body), Clock::now()});
      res.status = status_for_ ? status_for_(seen_.size()) : 200;
      res.content_type = "application/json";
      res.body = res.status == 200 ? R"({"ok":true,"result":{}})" : R"({"ok":false})";
    });
    EXPECT_EQ(server_->start(), "");
  }
  ~BotStub() {
    server_->stop();
    fs::remove_all(dir_);
  }

  // Status of the n-th request (1-based); set before alerts are sent.
  void answer_with(std::function<int(size_t)> f) { status_for_ = std::move(f); }

  std::vector<Seen> seen() const {
    const std::lock_guard lock(mu_);
    return seen_;
  }
  std::string base_url() const { return "https://127.0.0.1:" + std::to_string(server_->port()) + "/tg"; }
  const std::string& ca_file() const { return ca_file_; }

 private:
  fs::path dir_;
  std::string ca_file_;
  std::unique_ptr<HttpServer> server_;
  mutable std::mutex mu_;
  std::vector<Seen> seen_;
  std::function<int(size_t)> status_for_;
};

AlertConfig config_for(const BotStub& stub) {
  AlertConfig c;
  c.base_url = stub.base_url();
  c.token = kToken;
  c.chat_id = "-1001234";
  c.ca_file = stub.ca_file();
  c.prefix = "mm BTCUSDT: ";
  c.min_interval_ms = 0;
  c.backoff_initial_ms = 5;
  c.backoff_max_ms = 20;
  c.request_timeout_ms = 5000;
  return c;
}

// Waits (bounded) until `done` holds.
bool eventually(const std::function<bool()>& done) {
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

TEST(Alerts, PostsSendMessageWithTokenInPathAndJsonPayload) {
  BotStub stub;
  MetricsRegistry registry;
  LiveMetrics metrics(registry, 0.001, kMoneyOne);
  AlertSender sender(config_for(stub), &metrics);
  ASSERT_EQ(sender.start(), "");
  sender.alert(AlertKind::kRiskState, "active -> halted (drawdown \"5%\")");
  ASSERT_TRUE(eventually([&] { return sender.sent() == 1; }));
  const auto seen = stub.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/tg/bot" + std::string(kToken) + "/sendMessage");
  EXPECT_EQ(seen[0].content_type, "application/json");
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  ASSERT_EQ(parser.parse(seen[0].body).get(e), simdjson::SUCCESS) << seen[0].body;
  EXPECT_EQ(std::string_view(e["chat_id"]), "-1001234");
  EXPECT_EQ(std::string_view(e["text"]), "mm BTCUSDT: risk_state: active -> halted (drawdown \"5%\")");
  EXPECT_EQ(metrics.alerts_sent().value(), 1u);
}

TEST(Alerts, RepeatsWithinTheWindowAreSuppressed) {
  BotStub stub;
  AlertSender sender(config_for(stub));
  ASSERT_EQ(sender.start(), "");
  sender.alert(AlertKind::kReconnectStorm, "5 reconnects in 60 s");
  sender.alert(AlertKind::kReconnectStorm, "5 reconnects in 60 s");
  sender.alert(AlertKind::kBreakerTrip, "5 reconnects in 60 s");  // another kind: another alert
  sender.alert(AlertKind::kReconnectStorm, "6 reconnects in 60 s");
  ASSERT_TRUE(eventually([&] { return sender.sent() + sender.suppressed() == 4; }));
  EXPECT_EQ(sender.sent(), 3u);
  EXPECT_EQ(sender.suppressed(), 1u);
  EXPECT_EQ(stub.seen().size(), 3u);
}

TEST(Alerts, ServerErrorsAreRetriedWithBackoff) {
  BotStub stub;
  stub.answer_with([](size_t n) { return n <= 2 ? (n == 1 ? 500 : 429) : 200; });
  AlertSender sender(config_for(stub));
  ASSERT_EQ(sender.start(), "");
  sender.alert(AlertKind::kKillSwitch, "engaged by operator");
  ASSERT_TRUE(eventually([&] { return sender.sent() == 1; }));
  const auto seen = stub.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].body, seen[2].body);
  // Backoff: 5 ms after the first failure, 10 ms after the second (lower bounds only).
  EXPECT_GE(seen[1].at - seen[0].at, std::chrono::milliseconds(5));
  EXPECT_GE(seen[2].at - seen[1].at, std::chrono::milliseconds(10));
  EXPECT_EQ(sender.failed(), 0u);
}

TEST(Alerts, RefusedTokenIsNotRetriedAndIsLoggedWithoutTheToken) {
  BotStub stub;
  stub.answer_with([](size_t) { return 401; });
  const fs::path log_file =
      fs::path(::testing::TempDir()) / ("alerts_log_" + std::to_string(::getpid()) + ".log");
  LogDrainConfig lc;
  lc.file = log_file.string();
  LogDrain log(lc, {});
  ASSERT_EQ(log.open(), "");
  AlertSender sender(config_for(stub), nullptr, &log);
  ASSERT_EQ(sender.start(), "");
  sender.alert(AlertKind::kKeyRefused, "10003 invalid api key");
  ASSERT_TRUE(eventually([&] { return sender.failed() == 1; }));
  EXPECT_EQ(stub.seen().size(), 1u);
  sender.stop();
  log.stop();
  std::ifstream in(log_file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"event\":\"alert_not_sent\",\"kind\":\"key_refused\",\"status\":401"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("AAHsecret"), std::string::npos) << text;
  fs::remove(log_file);
}

TEST(Alerts, RateLimitSpacesMessages) {
  BotStub stub;
  AlertConfig c = config_for(stub);
  c.min_interval_ms = 100;
  AlertSender sender(c);
  ASSERT_EQ(sender.start(), "");
  for (int i = 0; i < 3; ++i) sender.alert(AlertKind::kOther, "n" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return sender.sent() == 3; }));
  const auto seen = stub.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_GE(seen[1].at - seen[0].at, std::chrono::milliseconds(100));
  EXPECT_GE(seen[2].at - seen[1].at, std::chrono::milliseconds(100));
}

TEST(Alerts, UnverifiedCertificateIsAFailureNotASend) {
  BotStub stub;
  AlertConfig c = config_for(stub);
  c.ca_file = "";  // the system store does not know the stub's CA
  c.max_retries = 1;
  AlertSender sender(c);
  ASSERT_EQ(sender.start(), "");
  sender.alert(AlertKind::kOther, "x");
  ASSERT_TRUE(eventually([&] { return sender.failed() == 1; }));
  EXPECT_TRUE(stub.seen().empty());
}

TEST(Alerts, ADeadChannelNeverBlocksTheCaller) {
  // A port nobody listens on: bind one, note it, close it.
  uint16_t dead_port = 0;
  {
    HttpServerConfig cfg;
    cfg.listen = "127.0.0.1:0";
    HttpServer probe(cfg);
    ASSERT_EQ(probe.start(), "");
    dead_port = probe.port();
  }
  BotStub stub;  // only for its CA file
  AlertConfig c = config_for(stub);
  c.base_url = "https://127.0.0.1:" + std::to_string(dead_port);
  c.max_retries = 100;
  c.backoff_initial_ms = 1000;
  c.max_queue = 8;
  AlertSender sender(c);
  ASSERT_EQ(sender.start(), "");
  for (int i = 0; i < 100; ++i) sender.alert(AlertKind::kOther, std::to_string(i));  // returns at once
  EXPECT_GE(sender.suppressed(), 100u - 8u - 1u);  // beyond the bounded queue (one may be in flight)
  sender.stop(0);  // gives up what is queued instead of waiting out the retries
  EXPECT_EQ(sender.sent(), 0u);
  EXPECT_EQ(sender.sent() + sender.failed() + sender.suppressed(), 100u);
  sender.alert(AlertKind::kOther, "after stop");
  EXPECT_EQ(sender.suppressed() + sender.failed(), 101u);
}

TEST(Alerts, StartRefusesBadSettings) {
  AlertConfig c;
  c.token = kToken;
  c.chat_id = "1";
  c.base_url = "http://api.telegram.org";
  EXPECT_NE(AlertSender(c).start().find("must be an https:// URL"), std::string::npos);
  c.base_url = "https://api.telegram.org";
  c.token = "";
  EXPECT_NE(AlertSender(c).start().find("MM_TELEGRAM_TOKEN"), std::string::npos);
  c.token = kToken;
  c.chat_id = "";
  EXPECT_NE(AlertSender(c).start().find("alert_telegram_chat_id"), std::string::npos);
  c.chat_id = "1";
  c.ca_file = "/nonexistent/ca.pem";
  const std::string e = AlertSender(c).start();
  EXPECT_NE(e.find("/nonexistent/ca.pem"), std::string::npos) << e;
  EXPECT_EQ(e.find(kToken), std::string::npos);
}

TEST(Alerts, TokenFromEnvironmentThenDotEnv) {
  const fs::path env = fs::path(::testing::TempDir()) / ("dotenv_" + std::to_string(::getpid()));
  std::ofstream(env) << "# comment\nOTHER=1\nexport MM_TELEGRAM_TOKEN = \"42:abc\"\n";
  fs::permissions(env, fs::perms::owner_read | fs::perms::owner_write);
  ::unsetenv("MM_TELEGRAM_TOKEN");
  std::string token;
  EXPECT_EQ(telegram_token(token, env.string()), "");
  EXPECT_EQ(token, "42:abc");
  EXPECT_EQ(telegram_token(token, "/nonexistent/.env"), "");
  EXPECT_EQ(token, "");
  ::setenv("MM_TELEGRAM_TOKEN", "7:env", 1);
  EXPECT_EQ(telegram_token(token, env.string()), "");
  EXPECT_EQ(token, "7:env");
  ::unsetenv("MM_TELEGRAM_TOKEN");
  fs::remove(env);
}

// The .env holds the bot token as it holds the API secret: readable (or writable) by every user, it is
// refused before a byte is read, with the chmod that fixes it; the token is not taken from it.
TEST(Alerts, AWorldReadableDotEnvIsRefusedForTheToken) {
  const fs::path env = fs::path(::testing::TempDir()) / ("dotenv_open_" + std::to_string(::getpid()));
  std::ofstream(env) << "MM_TELEGRAM_TOKEN=42:abc\n";
  ::unsetenv("MM_TELEGRAM_TOKEN");
  std::string token = "stale";
  fs::permissions(env, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  std::string e = telegram_token(token, env.string());
  EXPECT_NE(e.find(env.string() + ": holds secrets but is readable by every user"), std::string::npos) << e;
  EXPECT_NE(e.find("chmod 600"), std::string::npos) << e;
  EXPECT_EQ(e.find("42:abc"), std::string::npos) << "the token leaked into the error";
  EXPECT_EQ(token, "");
  fs::permissions(env, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_write);
  e = telegram_token(token, env.string());
  EXPECT_NE(e.find("writable by every user"), std::string::npos) << e;
  EXPECT_EQ(token, "");
  // The environment wins without looking at the file at all.
  ::setenv("MM_TELEGRAM_TOKEN", "7:env", 1);
  EXPECT_EQ(telegram_token(token, env.string()), "");
  EXPECT_EQ(token, "7:env");
  ::unsetenv("MM_TELEGRAM_TOKEN");
  fs::remove(env);
}

// The node's alerts through NodeOps (runtime/ops/node_ops.h): kill switch and the state change it causes,
// a reconnect storm, an unconfirmed shutdown, and a key refused before the node's operations could start.
TEST(Alerts, NodeOpsRaisesTheNodesAlerts) {
  BotStub stub;
  ::setenv("MM_TELEGRAM_TOKEN", kToken, 1);
  MmConfig cfg;
  ASSERT_EQ(tools::load_config(std::string(MM_SOURCE_DIR) + "/examples/live_sim.toml", cfg), "");
  cfg.ops.http_listen = "";
  cfg.ops.log_file =
      (fs::path(::testing::TempDir()) / ("node_alerts_" + std::to_string(::getpid()))).string();
  cfg.ops.alert_telegram_chat_id = "-1001234";
  cfg.ops.alert_telegram_base_url = stub.base_url();
  cfg.ops.alert_ca_file = stub.ca_file();
  cfg.ops.alert_min_interval_ms = 0;
  Instrument in;
  ASSERT_EQ(make_instrument(
                {Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "0"}, in),
            InstrumentError::kOk);
  std::unique_ptr<NodeOps> ops;
  ASSERT_EQ(NodeOps::start(cfg, in, {}, ops), "");
  RiskEngine risk(cfg.risk, in, 0);
  NodeState s;
  s.risk = &risk;
  int64_t now = 1'000'000'000;
  ops->on_timer(now, s);
  risk.kill();
  ops->on_timer(now += 100'000'000, s);
  for (int i = 1; i <= 5; ++i) {  // 5 reconnects within a minute: one storm alert, however long it lasts
    s.reconnects_public = static_cast<uint64_t>(i);
    ops->on_timer(now += 1'000'000'000, s);
  }
  s.reconnects_public = 6;
  ops->on_timer(now += 1'000'000'000, s);
  ops->shutdown_unconfirmed("shutdown: cancellation of 1 order(s) could not be confirmed: mm-1-7");
  ops->stop();  // flushes the queue (bounded)
  NodeOps::alert_once(cfg, AlertKind::kKeyRefused, "refusing to trade with this API key: can withdraw");
  ::unsetenv("MM_TELEGRAM_TOKEN");
  std::vector<std::string> texts;
  simdjson::dom::parser parser;
  for (const Seen& seen : stub.seen()) {
    simdjson::dom::element e;
    ASSERT_EQ(parser.parse(seen.body).get(e), simdjson::SUCCESS) << seen.body;
    texts.emplace_back(std::string_view(e["text"]));
  }
  const std::vector<std::string> want = {
      "mm BTCUSDT: kill_switch: kill switch engaged: trading halted, orders cancelled",
      "mm BTCUSDT: risk_state: trading state active -> halted",
      "mm BTCUSDT: reconnect_storm: 5 or more reconnects within 60 s",
      "mm BTCUSDT: shutdown_unconfirmed: shutdown: cancellation of 1 order(s) could not be confirmed: mm-1-7",
      "mm BTCUSDT: key_refused: refusing to trade with this API key: can withdraw"};
  EXPECT_EQ(texts, want);
  fs::remove(cfg.ops.log_file);
}

}  // namespace
}  // namespace mm
