// `mm paper` and `mm record` end to end through the real executable against the embedded simulator
// (endpoint = "sim", loopback only): the paper summary, a recording that `mm replay` and `mm backtest` read,
// and bad flags/config refused with exit 2 and a message.
// Every run is bounded by --duration (and `timeout` around it).
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/cli_run.h"

namespace {

const std::string kMm = std::string(MM_BINARY_DIR) + "/tools/mm";

using mm::test::CliRun;

CliRun run(const std::string& args) {
  return mm::test::run_shell("timeout 60 " + kMm + " " + args);
}

class PaperRecordCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mm_paper_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    // examples/live_sim.toml with a shorter generated market (quicker start-up).
    std::ifstream in(std::string(MM_SOURCE_DIR) + "/examples/live_sim.toml");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    const std::string from = "gen_seconds = 3600", to = "gen_seconds = 300 ";
    const size_t at = t.find(from);
    ASSERT_NE(at, std::string::npos);
    t.replace(at, from.size(), to);
    // No server on the default port (concurrent test runs), and the logs in a file (stdout is parsed).
    const std::string ops = "http_listen = \"127.0.0.1:9464\"\nlog_format = \"json\"\nlog_file = \"\"";
    const size_t ops_at = t.find(ops);
    ASSERT_NE(ops_at, std::string::npos);
    t.replace(ops_at, ops.size(), "http_listen = \"\"\nlog_file = \"" + path("ops.log") + "\"");
    std::ofstream(path("sim.toml")) << t;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(PaperRecordCli, PaperPrintsTheRunSummaryWithVenuePaper) {
  const CliRun r = run("paper --config " + path("sim.toml") + " --duration 3 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  std::string_view venue;
  ASSERT_EQ(doc["venue"].get(venue), simdjson::SUCCESS);
  EXPECT_EQ(venue.rfind("paper sim ws://127.0.0.1:", 0), 0u) << venue;
  uint64_t n = 0;
  EXPECT_EQ(doc["orders"]["created"].get(n), simdjson::SUCCESS);
  EXPECT_GT(n, 0u) << r.out;
  EXPECT_EQ(doc["fills"].get(n), simdjson::SUCCESS);
  EXPECT_EQ(doc["latency_ns"]["tick_to_quote"]["count"].get(n), simdjson::SUCCESS);
  EXPECT_EQ(doc["reconnects"].get(n), simdjson::SUCCESS);
  bool cancel_all = false;
  EXPECT_EQ(doc["shutdown"]["cancel_all"].get(cancel_all), simdjson::SUCCESS);
  EXPECT_TRUE(cancel_all) << r.out;
  std::string_view realized;
  EXPECT_EQ(doc["pnl"]["realized"].get(realized), simdjson::SUCCESS);
}

TEST_F(PaperRecordCli, ARecordingReplaysAndBacktests) {
  const CliRun r =
      run("record --config " + path("sim.toml") + " --out " + path("rec.mmcap") + " --duration 3");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("1 connection(s) (0 reconnect(s)), 1 file(s)"), std::string::npos) << r.out;
  ASSERT_TRUE(std::filesystem::exists(path("rec.mmcap")));
  const CliRun rp = run("replay --json " + path("rec.mmcap"));
  ASSERT_EQ(rp.code, 0) << rp.out;
  EXPECT_NE(rp.out.find("BTCUSDT"), std::string::npos) << rp.out;
  const CliRun bt = run("backtest --quiet --config " + path("sim.toml") + " --data " + path("rec.mmcap") +
                        " --json " + path("bt.json"));
  ASSERT_EQ(bt.code, 0) << bt.out;
  EXPECT_TRUE(std::filesystem::exists(path("bt.json")));
}

TEST_F(PaperRecordCli, BadFlagsAndConfigExitTwoWithAMessage) {
  const CliRun no_out = run("record --config " + path("sim.toml"));
  EXPECT_EQ(no_out.code, 2);
  EXPECT_NE(no_out.out.find("--out"), std::string::npos) << no_out.out;

  const CliRun small =
      run("record --config " + path("sim.toml") + " --out " + path("x.mmcap") + " --rotate-mb 0.01");
  EXPECT_EQ(small.code, 2);
  EXPECT_NE(small.out.find("--rotate-mb: at least"), std::string::npos) << small.out;

  const CliRun topic =
      run("record --config " + path("sim.toml") + " --out " + path("x.mmcap") + " --topics 'a b'");
  EXPECT_EQ(topic.code, 2);
  EXPECT_NE(topic.out.find("--topics: not a topic"), std::string::npos) << topic.out;

  const CliRun missing = run("paper --config " + path("missing.toml") + " --duration 1");
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.out.find("missing.toml"), std::string::npos) << missing.out;

  {
    std::ifstream in(path("sim.toml"));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    const size_t at = t.find("\nendpoint = \"sim\"");
    ASSERT_NE(at, std::string::npos);
    t.replace(at, 17, "\nendpoint = \"moon\"");
    std::ofstream(path("bad.toml")) << t;
  }
  const CliRun bad =
      run("record --config " + path("bad.toml") + " --out " + path("x.mmcap") + " --duration 1");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("venue.endpoint"), std::string::npos) << bad.out;
  EXPECT_FALSE(std::filesystem::exists(path("x.mmcap")));

  const CliRun dur = run("paper --config " + path("sim.toml") + " --duration -1");
  EXPECT_EQ(dur.code, 2) << dur.out;
}

}  // namespace
