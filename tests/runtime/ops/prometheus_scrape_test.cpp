// A real Prometheus (Debian's `prometheus`, installed by tools/setup.sh) scrapes /metrics on loopback and the
// values come back through its HTTP query API: the exposition text is what Prometheus itself accepts.
// Also the live page in a real browser (headless Chromium) against a running `mm run`: both tests run the
// `mm` executable on the embedded simulator, so they share its launcher here.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
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
// `mm run --config <examples/live_sim.toml adapted> --duration 30` on the embedded simulator, its market at
// 20x, with [ops] http_listen = `listen` and its log in dir/mm.log. Stopped (SIGTERM, bounded wait) at the
// end.
class MmRun {
 public:
  MmRun(const fs::path& dir, const std::string& listen, std::vector<std::string> extra_env = {}) : dir_(dir) {
    std::stringstream example;
    example << std::ifstream(std::string(MM_SOURCE_DIR) + "/examples/live_sim.toml").rdbuf();
    std::string text = example.str();
    text = std::regex_replace(text, std::regex("gen_seconds = [0-9]+"), "gen_seconds = 300");
    text = std::regex_replace(text, std::regex("speed = [0-9.]+"), "speed = 20.0");
    text = std::regex_replace(text, std::regex("journal = \"[^\"]*\""),
                              "journal = \"" + (dir / "journal").string() + "\"");
    text =
        std::regex_replace(text, std::regex("http_listen = \"[^\"]*\""), "http_listen = \"" + listen + "\"");
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
    for (char** e = environ; *e != nullptr; ++e) env_.emplace_back(*e);
    for (std::string& e : extra_env) env_.push_back(std::move(e));
    std::vector<char*> envp;
    for (std::string& e : env_) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const std::string out = (dir / "mm.out").string();
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid_, mm.c_str(), &fa, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~MmRun() { EXPECT_TRUE(stop()) << "mm run did not stop within 20 s of SIGTERM"; }
  MmRun(const MmRun&) = delete;
  MmRun& operator=(const MmRun&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  [[nodiscard]] bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

  // The port the node bound (its ops_started log line), 0 if none within 30 s.
  uint16_t bound_port() const {
    const std::regex port_re("\"http_port\":([0-9]+)");
    for (const auto until = Clock::now() + std::chrono::seconds(30); Clock::now() < until && running();) {
      std::stringstream log;
      log << std::ifstream(dir_ / "mm.log").rdbuf();
      const std::string text = log.str();
      std::smatch m;
      if (std::regex_search(text, m, port_re)) return static_cast<uint16_t>(std::stoi(m[1].str()));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return 0;
  }

  // SIGTERM (a graceful stop: cancels, then exit 0) and a bounded wait; SIGKILL after 20 s. Idempotent.
  bool stop() {
    if (pid_ <= 0) return true;
    ::kill(pid_, SIGTERM);
    int status = 0;
    bool stopped = false;
    for (int i = 0; i < 400 && !stopped; ++i) {
      stopped = ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (!stopped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!stopped) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    return stopped;
  }

 private:
  fs::path dir_;
  std::vector<std::string> env_;
  pid_t pid_ = -1;
};

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(PrometheusScrape, RealPrometheusScrapesARunningMmRun) {
  if (!fs::exists(kPrometheus))
    GTEST_SKIP() << kPrometheus << " is not installed (tools/setup.sh installs it)";
  const fs::path dir = fresh_dir("prom_run");
  const uint16_t mm_port = free_port();
  const uint16_t web_port = free_port();
  ASSERT_NE(mm_port, 0);
  ASSERT_NE(web_port, 0);
  MmRun mm(dir, "127.0.0.1:" + std::to_string(mm_port));
  ASSERT_TRUE(mm.started());
  std::string creates, quotes;
  {
    PrometheusProcess prom(dir, mm_port, web_port);
    ASSERT_TRUE(prom.running());
    const auto until = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < until && prom.running() && mm.running()) {
      creates = query(web_port, "mm_order_actions_total%7Baction%3D%22create%22%7D");
      quotes = query(web_port, "mm_tick_to_quote_seconds_count");
      if (!creates.empty() && creates != "0" && !quotes.empty() && quotes != "0") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  }
  EXPECT_TRUE(mm.stop()) << "mm run did not stop within 20 s of SIGTERM";
  EXPECT_FALSE(creates.empty() || creates == "0") << "create actions: '" << creates << "'";
  EXPECT_FALSE(quotes.empty() || quotes == "0") << "tick-to-quote count: '" << quotes << "'";
  fs::remove_all(dir);
}

// --- the live page in a real browser
// ------------------------------------------------------------------------

HttpResponse http(uint16_t port, const std::string& request) {
  HttpClientConfig c;
  c.endpoint.host = "127.0.0.1";
  c.endpoint.port = port;
  c.timeout_ms = 5000;
  HttpClient client(c);
  HttpResponse r;
  if (client.exchange(request, true, r) != HttpError::kOk) r.status = 0;
  return r;
}

HttpResponse post_control(uint16_t port, const std::string& action, const std::string& auth) {
  return http(port, "POST /api/control?action=" + action + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                        (auth.empty() ? "" : "Authorization: " + auth + "\r\n") +
                        "Content-Length: 0\r\n\r\n");
}

// The DOM of http://127.0.0.1:port/ after its scripts ran (virtual time lets the WebSocket's first states
// arrive), from headless Chromium with a private profile; "" when Chromium failed.
std::string dump_page(const fs::path& dir, uint16_t port, const std::string& name) {
  const fs::path out = dir / (name + ".html");
  const std::string cmd =
      "timeout 60 chromium --headless --disable-gpu --no-sandbox --no-first-run "
      "--disable-extensions --virtual-time-budget=3000 --user-data-dir=" +
      (dir / ("profile-" + name)).string() + " --dump-dom http://127.0.0.1:" + std::to_string(port) + "/ > " +
      out.string() + " 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) return "";
  std::stringstream dom;
  dom << std::ifstream(out).rdbuf();
  return dom.str();
}

std::string attribute(const std::string& dom, const std::string& name) {
  const std::regex re(name + "=\"([^\"]*)\"");
  std::smatch m;
  return std::regex_search(dom, m, re) ? m[1].str() : std::string();
}

std::string element(const std::string& dom, const std::string& open, const std::string& close) {
  const size_t a = dom.find(open);
  const size_t b = a == std::string::npos ? a : dom.find(close, a);
  return b == std::string::npos ? std::string() : dom.substr(a, b - a);
}

TEST(LivePageChromium, RendersMmRunsStateUpdatesItAndRefusesControlWithoutTheToken) {
  ASSERT_EQ(std::system("command -v chromium >/dev/null 2>&1"), 0)
      << "chromium is missing: install it with `apt-get install -y chromium` (tools/setup.sh does)";
  const fs::path dir = fresh_dir("live_page");
  MmRun mm(dir, "127.0.0.1:0", {"MM_CONTROL_TOKEN=page-test-token"});  // port 0: the node picks a free port
  ASSERT_TRUE(mm.started());
  const uint16_t port = mm.bound_port();
  ASSERT_NE(port, 0) << "no http_port in " << (dir / "mm.log");
  // The node publishes its first state at its first timer after the sessions are up.
  HttpResponse state;
  for (const auto until = Clock::now() + std::chrono::seconds(30); Clock::now() < until && mm.running();
       std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
    state = http(port, "GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    if (state.status == 200 && state.body.find("\"quoting\":true") != std::string::npos) break;
  }
  ASSERT_EQ(state.status, 200) << state.body;

  // Control without the token, or with a wrong one: 403 and nothing happens (the node keeps quoting).
  for (const std::string auth : {"", "Bearer wrong-token"}) {
    for (const std::string action : {"kill", "pause", "cancel_all"}) {
      const HttpResponse r = post_control(port, action, auth);
      EXPECT_EQ(r.status, 403) << action << " " << auth << ": " << r.body;
      EXPECT_EQ(r.body.rfind("refused: ", 0), 0u) << r.body;
    }
  }

  // Two browsers, a second apart: each renders the page from the pushed state; the second sees a later
  // state and a book that moved with the simulator's market.
  auto first = std::async(std::launch::async, [&] { return dump_page(dir, port, "first"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto second = std::async(std::launch::async, [&] { return dump_page(dir, port, "second"); });
  const std::string a = first.get();
  const std::string b = second.get();
  ASSERT_FALSE(a.empty()) << "chromium failed";
  ASSERT_FALSE(b.empty()) << "chromium failed";
  for (const std::string* dom : {&a, &b}) {
    EXPECT_GE(std::atoi(attribute(*dom, "data-updates").c_str()), 1) << dom->substr(0, 3000);
    EXPECT_NE(dom->find("<h1 id=\"symbol\">mm BTCUSDT</h1>"), std::string::npos);
    EXPECT_TRUE(
        std::regex_search(*dom, std::regex(R"re(id="state" class="badge (active|reduce_only|halted)">)re")))
        << "risk state badge";
    EXPECT_NE(dom->find("class=\"bid"), std::string::npos) << "no bid rows";
    EXPECT_NE(dom->find("class=\"ask"), std::string::npos) << "no ask rows";
    EXPECT_NE(dom->find("<tr id=\"latency-tick-to-quote\">"), std::string::npos);
    EXPECT_NE(dom->find("id=\"control-off\" hidden"), std::string::npos) << "control shown as disabled";
    EXPECT_FALSE(attribute(*dom, "data-last-bid").empty());
  }
  // Our quotes marked in the book (at least one of the two moments: an amend in flight can take a quote off).
  EXPECT_TRUE(a.find(" ours\"") != std::string::npos || b.find(" ours\"") != std::string::npos)
      << "our quotes are not marked";
  EXPECT_LT(std::stoull(attribute(a, "data-last-seq")), std::stoull(attribute(b, "data-last-seq")));
  EXPECT_LT(std::stoll(attribute(a, "data-last-ts")), std::stoll(attribute(b, "data-last-ts")));
  EXPECT_NE(element(a, "<table id=\"book\">", "</table>"), element(b, "<table id=\"book\">", "</table>"))
      << "the book did not move between the two renders";

  // Nothing of the refused actions took effect: the node is still active and quoting.
  state = http(port, "GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_NE(state.body.find("\"state\":\"active\",\"killed\":false,\"paused\":false"), std::string::npos)
      << state.body.substr(0, 300);

  // With the token the node acts: a pause pulls every quote, the kill switch halts it.
  auto wait_state = [&](const std::string& want) {
    for (const auto until = Clock::now() + std::chrono::seconds(10); Clock::now() < until && mm.running();
         std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
      state = http(port, "GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      if (state.body.find(want) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_EQ(post_control(port, "pause", "Bearer page-test-token").status, 200);
  EXPECT_TRUE(wait_state("\"paused\":true,\"quoting\":false"));
  EXPECT_TRUE(wait_state("\"orders\":[]")) << "the quotes were not pulled: " << state.body.substr(0, 600);
  EXPECT_EQ(post_control(port, "kill", "Bearer page-test-token").status, 200);
  EXPECT_TRUE(wait_state("\"state\":\"halted\",\"killed\":true")) << state.body.substr(0, 300);
  EXPECT_TRUE(mm.stop());
  std::stringstream log;
  log << std::ifstream(dir / "mm.log").rdbuf();
  EXPECT_NE(log.str().find("\"event\":\"control\",\"action\":\"kill\",\"accepted\":false"),
            std::string::npos);
  EXPECT_NE(log.str().find("\"event\":\"control\",\"action\":\"kill\",\"accepted\":true"), std::string::npos);
  EXPECT_EQ(log.str().find("page-test-token"), std::string::npos) << "the token was logged";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mm
