// `mm run` end to end through the real executable against its embedded simulator (issue 11): the JSON
// summary's contract keys, keys from a .env file and the secret absent from every output, SIGTERM with
// orders in flight, and bad input refused with exit 2 before anything is sent.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "tests/support/cli_run.h"

namespace {

const std::string kMm = std::string(MM_BINARY_DIR) + "/tools/mm";
const std::string kExample = std::string(MM_SOURCE_DIR) + "/examples/live_sim.toml";
// The simulator's test key (docs/sim.md); given through .env here, so it must never be printed.
constexpr const char* kSecret = "mmsim-test-secret";

using mm::test::CliRun;

class RunCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mm_run_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // examples/live_sim.toml with a short generated market, a fast clock and the journal in the test folder.
  std::string config(const std::string& venue_override = "") const {
    std::string text = mm::test::slurp(kExample);
    text = std::regex_replace(text, std::regex("gen_seconds = [0-9]+"), "gen_seconds = 300");
    text = std::regex_replace(text, std::regex("speed = [0-9.]+"), "speed = 20.0");
    text =
        std::regex_replace(text, std::regex("journal = \"[^\"]*\""), "journal = \"" + path("journal") + "\"");
    if (!venue_override.empty()) {
      text = std::regex_replace(text, std::regex("endpoint = \"sim\""), venue_override);
    }
    std::ofstream(path("live.toml")) << text;
    return path("live.toml");
  }
  CliRun run(const std::string& args) const {
    return mm::test::run_shell("env -u BYBIT_API_KEY -u BYBIT_API_SECRET " + kMm + " " + args);
  }
  std::filesystem::path dir_;
};

TEST_F(RunCommand, JsonSummaryHasTheContractKeysAndTheSecretAppearsNowhere) {
  const std::string cfg = config();
  std::ofstream(path(".env")) << "# test keys\nBYBIT_API_KEY=mmsim-test-key\nBYBIT_API_SECRET=\"" << kSecret
                              << "\"\n";
  // stdout (the JSON) to a file; stderr (warnings) comes back in r.out.
  const CliRun r = mm::test::run_shell("(env -u BYBIT_API_KEY -u BYBIT_API_SECRET " + kMm + " run --config " +
                                       cfg + " --duration 3 --json >" + path("out.json") + ")");
  const std::string out = mm::test::slurp(path("out.json"));
  ASSERT_EQ(r.code, 0) << out << r.out;
  for (const std::string& text : {out, mm::test::slurp(path("journal")), r.out}) {
    EXPECT_EQ(text.find(kSecret), std::string::npos) << "the secret leaked: " << text;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  std::string_view venue;
  ASSERT_EQ(doc["venue"].get(venue), simdjson::SUCCESS);
  EXPECT_EQ(venue.rfind("sim http://127.0.0.1:", 0), 0u);
  double duration = 0;
  ASSERT_EQ(doc["duration_s"].get(duration), simdjson::SUCCESS);
  EXPECT_GE(duration, 3.0);
  uint64_t created = 0;
  ASSERT_EQ(doc["orders"]["created"].get(created), simdjson::SUCCESS);
  EXPECT_GT(created, 0u);
  for (const char* k : {"amended", "cancelled", "rejected", "filled"}) {
    uint64_t v = 0;
    EXPECT_EQ(doc["orders"][k].get(v), simdjson::SUCCESS) << k;
  }
  uint64_t fills = 0;
  EXPECT_EQ(doc["fills"].get(fills), simdjson::SUCCESS);
  std::string_view position;
  EXPECT_EQ(doc["position"].get(position), simdjson::SUCCESS);
  for (const char* k : {"realized", "unrealized", "fees", "net"}) {
    std::string_view v;
    EXPECT_EQ(doc["pnl"][k].get(v), simdjson::SUCCESS) << k;
  }
  for (const char* h : {"tick_to_quote", "order_ack"}) {
    for (const char* k : {"count", "p50", "p90", "p99", "p999", "max"}) {
      int64_t v = 0;
      EXPECT_EQ(doc["latency_ns"][h][k].get(v), simdjson::SUCCESS) << h << "." << k;
    }
  }
  uint64_t quotes = 0;
  ASSERT_EQ(doc["latency_ns"]["tick_to_quote"]["count"].get(quotes), simdjson::SUCCESS);
  EXPECT_GT(quotes, 0u);
  uint64_t reconnects = 99;
  EXPECT_EQ(doc["reconnects"].get(reconnects), simdjson::SUCCESS);
  bool cancel_all = false;
  ASSERT_EQ(doc["shutdown"]["cancel_all"].get(cancel_all), simdjson::SUCCESS);
  EXPECT_TRUE(cancel_all);
  uint64_t left = 99;
  ASSERT_EQ(doc["shutdown"]["open_orders_after"].get(left), simdjson::SUCCESS);
  EXPECT_EQ(left, 0u);
  int64_t reaction = 0;
  EXPECT_EQ(doc["sim_reaction_ns"]["count"].get(reaction), simdjson::SUCCESS);
}

TEST_F(RunCommand, SigtermWhileQuotingCancelsEveryOrderAndExitsZero) {
  const std::string cfg = config();
  // Quote for up to 60 s; SIGTERM 3 s after the start-up reserved its journal block (bounded wait), while
  // orders rest and requests are in flight.
  const CliRun r = mm::test::run_shell(
      "env -u BYBIT_API_KEY -u BYBIT_API_SECRET " + kMm + " run --config " + cfg + " --duration 60 --json >" +
      path("out.json") + " & pid=$!; for i in $(seq 300); do [ -s " + path("journal") +
      " ] && break; sleep 0.1; done; sleep 3; kill -TERM $pid; wait $pid; echo rc=$?");
  EXPECT_NE(r.out.find("rc=0"), std::string::npos) << r.out;
  const std::string out = mm::test::slurp(path("out.json"));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out << r.out;
  double duration = 0;
  ASSERT_EQ(doc["duration_s"].get(duration), simdjson::SUCCESS);
  EXPECT_LT(duration, 30.0) << "SIGTERM did not stop the run";
  uint64_t created = 0, left = 99;
  ASSERT_EQ(doc["orders"]["created"].get(created), simdjson::SUCCESS);
  EXPECT_GT(created, 0u);
  ASSERT_EQ(doc["shutdown"]["open_orders_after"].get(left), simdjson::SUCCESS);
  EXPECT_EQ(left, 0u);
}

TEST_F(RunCommand, BadInputIsRefusedWithExitCode2BeforeAnythingIsSent) {
  struct Case {
    std::string venue, args, text;
  };
  const std::vector<Case> cases = {
      {"endpoint = \"bogus\"", "", "venue.endpoint"},
      // No key anywhere: refused before any connection (testnet is never contacted by this test).
      {"endpoint = \"testnet\"", "", "no API key"},
      {"endpoint = \"custom\"", "", "venue.rest_url"},
      {"", "--layout sideways", "--layout"},
      {"", "--layout pipeline", "--layout pipeline is not available"},
      {"", "--cpus 1,x", "--cpus"},
  };
  for (const Case& c : cases) {
    const std::string cfg = config(c.venue);
    const CliRun r = run("run --config " + cfg + " --duration 1 " + c.args);
    EXPECT_EQ(r.code, 2) << c.venue << c.args << ": " << r.out;
    EXPECT_NE(r.out.find(c.text), std::string::npos) << r.out;
    EXPECT_FALSE(std::filesystem::exists(path("journal"))) << "nothing may be reserved on a refused start";
  }
  const CliRun missing = run("run --config " + path("absent.toml"));
  EXPECT_EQ(missing.code, 2) << missing.out;
}

}  // namespace
