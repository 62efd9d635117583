// `mm sim` end to end through the real executable: the one ready line, the fault file, the summary, bad
// input.
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

using mm::test::CliRun;

CliRun run(const std::string& args) {
  return mm::test::run_shell(kMm + " " + args);
}

class SimCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mm_sim_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }
  std::filesystem::path dir_;
};

TEST_F(SimCommand, PrintsOneReadyLineRunsScheduledFaultsAndWritesTheSummary) {
  const std::string faults = write("faults.toml",
                                   "[[fault]]\nat = 0.1\nkind = \"skew\"\nms = 5000\n\n"
                                   "[[fault]]\nat = 0.2\nkind = \"ret_code\"\nret_code = 10016\n");
  // stderr dropped inside the subshell: stdout alone must be exactly the ready line. --busy-poll: the event
  // loop spins instead of sleeping in epoll (bench/live/reaction_bench.py --sim-busy-poll); the same run.
  const CliRun r =
      mm::test::run_shell("(" + kMm + " sim --gen 5 --speed max --busy-poll --duration 0.6 --faults " +
                          faults + " --summary-json " + path("s.json") + " 2>/dev/null)");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(std::regex_match(r.out, std::regex("mm sim listening on http://127\\.0\\.0\\.1:[0-9]+\n")))
      << r.out;
  simdjson::dom::parser p;
  simdjson::dom::element s = p.load(path("s.json"));
  EXPECT_EQ(uint64_t(s["faults_applied"]), 2u);
  for (const char* key : {"connections", "requests", "orders", "fills", "rejects_by_code", "reaction_ns"}) {
    EXPECT_FALSE(s[key].error()) << key;
  }
  EXPECT_FALSE(s["reaction_ns"]["p99"].error());
  EXPECT_FALSE(s["orders"]["filled"].error());
}

TEST_F(SimCommand, BadInputIsRefusedWithExitCode2) {
  CliRun r = run("sim");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("give --data FILE... or --gen SECONDS"), std::string::npos) << r.out;
  r = run("sim --gen 1 --speed fast");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--speed must be a positive number or max"), std::string::npos) << r.out;
  r = run("sim --gen 1 --tls");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("--tls and --cert-dir DIR go together"), std::string::npos) << r.out;
  const std::string bad = write("bad.toml", "[[fault]]\nat = 1\nkind = \"close\"\ncolour = \"red\"\n");
  r = run("sim --gen 1 --faults " + bad);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("fault #1: fault: unknown key 'colour'"), std::string::npos) << r.out;
  const std::string broken = write("broken.toml", "[[fault]\n");
  r = run("sim --gen 1 --faults " + broken);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("broken.toml:1"), std::string::npos) << r.out;
  // A missing recording, and one that exists but is not a recording: bad input (2), naming the file.
  r = run("sim --data " + path("missing.jsonl"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("missing.jsonl"), std::string::npos) << r.out;
  const std::string junk = write("junk.events", "not an event file\n");
  r = run("sim --duration 2 --data " + junk);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("junk.events"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
}

TEST_F(SimCommand, HelpShowsTheDefaultsAnExampleAndTheExitCodes) {
  const CliRun r = run("sim --help");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* s : {"Example: mm sim --data", "Exit codes: 0", "1 the port", "2 bad input",
                        "--host TEXT=127.0.0.1", "--speed TEXT=1", "65535]=0", "--seed UINT=1", "1e+09]=0",
                        "1023]=-1", "mmsim-test-key", "default: none", "--busy-poll"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
}

// SIGTERM (as SIGINT): the process stops by itself, writes the summary and exits 0.
TEST_F(SimCommand, SigtermWritesTheSummaryAndExitsZero) {
  const std::string out = path("out.txt"), summary = path("s.json");
  // The ready line is awaited (at most 10 s) before the signal; `wait` gives the simulator's own exit code.
  const CliRun r =
      mm::test::run_shell(kMm + " sim --gen 5 --speed max --loop --summary-json " + summary + " > " + out +
                          " 2>/dev/null & pid=$!; for i in $(seq 100); do grep -q listening " + out +
                          " && break; sleep 0.1; done; kill -TERM $pid; wait $pid; echo rc=$?");
  EXPECT_NE(r.out.find("rc=0"), std::string::npos) << r.out;
  EXPECT_EQ(mm::test::slurp(out).rfind("mm sim listening on http://127.0.0.1:", 0), 0u);
  simdjson::dom::parser p;
  simdjson::dom::element s;
  ASSERT_EQ(p.load(summary).get(s), simdjson::SUCCESS) << mm::test::slurp(summary);
  EXPECT_FALSE(s["connections"].error());
}

TEST_F(SimCommand, AnAddressThatCannotBeBoundIsARuntimeError) {
  const CliRun r = run("sim --gen 1 --host 256.1.1.1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("is not an IP address"), std::string::npos) << r.out;
}

}  // namespace
