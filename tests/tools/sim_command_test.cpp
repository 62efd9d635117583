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
  // stderr dropped inside the subshell: stdout alone must be exactly the ready line.
  const CliRun r = mm::test::run_shell("(" + kMm + " sim --gen 5 --speed max --duration 0.6 --faults " +
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
  r = run("sim --data " + path("missing.jsonl"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("missing.jsonl"), std::string::npos) << r.out;
}

TEST_F(SimCommand, AnAddressThatCannotBeBoundIsARuntimeError) {
  const CliRun r = run("sim --gen 1 --host 256.1.1.1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("is not an IP address"), std::string::npos) << r.out;
}

}  // namespace
