// A real Prometheus (Debian's `prometheus`, installed by tools/setup.sh) scrapes /metrics on loopback and the
// values come back through its HTTP query API: the exposition text is what Prometheus itself accepts.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "core/money.h"
#include "net/http_client.h"
#include "runtime/ops/http_server.h"
#include "runtime/ops/live_metrics.h"
#include "runtime/ops/metrics_endpoint.h"

extern char** environ;

namespace mm {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kPrometheus = "/usr/bin/prometheus";

// A free loopback port: bound and released (Prometheus takes its listen address as a flag).
uint16_t free_port() {
  HttpServerConfig cfg;
  cfg.listen = "127.0.0.1:0";
  HttpServer probe(cfg);
  return probe.start().empty() ? probe.port() : 0;
}

class PrometheusProcess {
 public:
  PrometheusProcess(const fs::path& dir, uint16_t scrape_port, uint16_t web_port) {
    const fs::path config = dir / "prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                          << "scrape_configs:\n  - job_name: mm\n    static_configs:\n"
                          << "      - targets: ['127.0.0.1:" << scrape_port << "']\n";
    const std::vector<std::string> args = {
        kPrometheus, "--config.file=" + config.string(), "--storage.tsdb.path=" + (dir / "data").string(),
        "--web.listen-address=127.0.0.1:" + std::to_string(web_port), "--log.level=warn"};
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const std::string log = (dir / "prometheus.log").string();
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid_, kPrometheus, &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~PrometheusProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  [[nodiscard]] bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

// GET /api/v1/query?query=<q> on Prometheus; the first sample's value as text ("" when none yet).
std::string query(uint16_t web_port, const std::string& q) {
  HttpClientConfig c;
  c.endpoint.host = "127.0.0.1";
  c.endpoint.port = web_port;
  c.timeout_ms = 2000;
  HttpClient client(c);
  HttpResponse r;
  const std::string req = "GET /api/v1/query?query=" + q + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (client.exchange(req, true, r) != HttpError::kOk || r.status != 200) return "";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(r.body).get(doc) != simdjson::SUCCESS) return "";
  simdjson::dom::array result;
  if (doc["data"]["result"].get_array().get(result) != simdjson::SUCCESS || result.size() == 0) return "";
  std::string_view v;
  if (result.at(0)["value"].at(1).get_string().get(v) != simdjson::SUCCESS) return "";
  return std::string(v);
}

TEST(PrometheusScrape, RealPrometheusReadsOurMetricsBack) {
  if (!fs::exists(kPrometheus))
    GTEST_SKIP() << kPrometheus << " is not installed (tools/setup.sh installs it)";
  const fs::path dir = fs::path(::testing::TempDir()) / ("prom_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);

  MetricsRegistry registry;
  LiveMetrics metrics(registry, 0.001, kMoneyOne);
  metrics.position_lots(-1500);
  metrics.order_reject(10006);
  metrics.risk_state(TradingState::kReduceOnly);
  for (int i = 0; i < 100; ++i) metrics.tick_to_quote_ns(4'000 + i);
  HttpServerConfig cfg;
  cfg.listen = "127.0.0.1:0";
  HttpServer server(cfg);
  serve_metrics(server, registry);
  ASSERT_EQ(server.start(), "");

  const uint16_t web_port = free_port();
  ASSERT_NE(web_port, 0);
  {
    PrometheusProcess prom(dir, server.port(), web_port);
    ASSERT_TRUE(prom.running());
    std::string position;
    const auto until = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < until && prom.running()) {
      position = query(web_port, "mm_position");
      if (!position.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(position, "-1.5");
    EXPECT_EQ(query(web_port, "mm_order_rejects_total%7Bret_code%3D%2210006%22%7D"), "1");
    EXPECT_EQ(query(web_port, "mm_risk_state%7Bstate%3D%22reduce_only%22%7D"), "1");
    EXPECT_EQ(query(web_port, "mm_tick_to_quote_seconds_count"), "100");
    EXPECT_EQ(query(web_port, "up%7Bjob%3D%22mm%22%7D"), "1");  // the scrape itself succeeded
  }
  server.stop();
  fs::remove_all(dir);
}

// `mm run` itself (the real executable, embedded simulator) scraped by Prometheus: the node's metrics on its
// [ops] http_listen, read back through the query API while it quotes.
TEST(PrometheusScrape, RealPrometheusScrapesARunningMmRun) {
  if (!fs::exists(kPrometheus))
    GTEST_SKIP() << kPrometheus << " is not installed (tools/setup.sh installs it)";
  const fs::path dir = fs::path(::testing::TempDir()) / ("prom_run_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const uint16_t mm_port = free_port();
  const uint16_t web_port = free_port();
  ASSERT_NE(mm_port, 0);
  ASSERT_NE(web_port, 0);
  std::stringstream example;
  example << std::ifstream(std::string(MM_SOURCE_DIR) + "/examples/live_sim.toml").rdbuf();
  std::string text = example.str();
  text = std::regex_replace(text, std::regex("gen_seconds = [0-9]+"), "gen_seconds = 300");
  text = std::regex_replace(text, std::regex("speed = [0-9.]+"), "speed = 20.0");
  text = std::regex_replace(text, std::regex("journal = \"[^\"]*\""),
                            "journal = \"" + (dir / "journal").string() + "\"");
  text = std::regex_replace(text, std::regex("http_listen = \"[^\"]*\""),
                            "http_listen = \"127.0.0.1:" + std::to_string(mm_port) + "\"");
  text = std::regex_replace(text, std::regex("log_file = \"[^\"]*\""),
                            "log_file = \"" + (dir / "mm.log").string() + "\"");
  std::ofstream(dir / "live.toml") << text;

  const std::string mm = std::string(MM_BINARY_DIR) + "/tools/mm";
  const std::string cfg = (dir / "live.toml").string();
  std::vector<char*> argv = {const_cast<char*>(mm.c_str()),
                             const_cast<char*>("run"),
                             const_cast<char*>("--config"),
                             const_cast<char*>(cfg.c_str()),
                             const_cast<char*>("--duration"),
                             const_cast<char*>("30"),
                             nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  const std::string out = (dir / "mm.out").string();
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, mm.c_str(), &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  std::string creates, quotes;
  {
    PrometheusProcess prom(dir, mm_port, web_port);
    ASSERT_TRUE(prom.running());
    const auto until = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < until && prom.running() && ::waitpid(pid, nullptr, WNOHANG) == 0) {
      creates = query(web_port, "mm_order_actions_total%7Baction%3D%22create%22%7D");
      quotes = query(web_port, "mm_tick_to_quote_seconds_count");
      if (!creates.empty() && creates != "0" && !quotes.empty() && quotes != "0") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  }
  ::kill(pid, SIGTERM);  // a graceful stop: cancels, then exit 0
  int status = 0;
  for (int i = 0; i < 400 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ADD_FAILURE() << "mm run did not stop within 20 s of SIGTERM";
  }
  EXPECT_FALSE(creates.empty() || creates == "0") << "create actions: '" << creates << "'";
  EXPECT_FALSE(quotes.empty() || quotes == "0") << "tick-to-quote count: '" << quotes << "'";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mm
