// Exit codes of every `mm` subcommand, as documented in the README: 0 ok, 1 failed mid-way, 2 bad input.
// Usage errors (unknown flags, missing options, failed checks, missing input files) are 2, never CLI11's own
// codes (104, 105, 106, 109, 114).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/cli_run.h"

namespace {

const std::string kMm = std::string(MM_BINARY_DIR) + "/tools/mm";
const std::string kData = std::string(MM_SHARED_DATA) + "/bybit/";
const std::string kXrp = kData + "2024-12-01_XRPUSDT_ob500.data.zip";
const std::string kExamples = std::string(MM_SOURCE_DIR) + "/examples/";

using mm::test::CliRun;

class ExitCodes : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mm_exit_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static CliRun run(const std::string& args) { return mm::test::run_shell(kMm + " " + args); }
  void expect_code(const std::string& args, int code) const {
    const CliRun r = run(args);
    EXPECT_EQ(r.code, code) << "mm " << args << "\n" << r.out;
  }
  std::filesystem::path dir_;
};

TEST_F(ExitCodes, TopLevel) {
  expect_code("--help", 0);
  expect_code("--version", 0);
  expect_code("", 2);         // a subcommand is required (CLI11: 106)
  expect_code("--bogus", 2);  // 109
  expect_code("no-such-command", 2);
}

TEST_F(ExitCodes, Replay) {
  expect_code("replay --help", 0);
  expect_code("replay", 2);                            // missing files (106)
  expect_code("replay " + path("missing.mmcap"), 2);   // ExistingFile (105)
  expect_code("replay " + dir_.string(), 2);           // a directory (105)
  expect_code("replay --top 0 " + kXrp, 2);            // out of range (105)
  expect_code("replay --layout sideways " + kXrp, 2);  // not a member (105)
  expect_code("replay --top " + kXrp, 2);              // --top eats the file: no files left
  expect_code("replay --cpus 1,2 " + kXrp, 2);         // wrong count
  expect_code("replay --json " + kXrp + " extra-arg-that-is-no-file", 2);
  expect_code("replay " + kXrp, 0);
}

TEST_F(ExitCodes, Convert) {
  expect_code("convert", 2);
  expect_code("convert " + kXrp, 2);
  expect_code("convert " + path("missing.zip") + " " + path("o.mmcap"), 2);
  expect_code("convert --format parquet " + kXrp + " " + path("o.mmcap"), 2);
  expect_code("convert --max-bad-records -1 " + kXrp + " " + path("o.mmcap"), 2);
  expect_code("convert " + kXrp + " " + path("o.mmcap"), 0);
  expect_code("convert " + kXrp + " " + path("o.events"), 0);
}

TEST_F(ExitCodes, Gen) {
  expect_code("gen", 2);
  expect_code("gen --seconds 1", 2);  // --out missing
  expect_code("gen --seconds -1 --out " + path("g.mmcap"), 2);
  expect_code("gen --seconds 1 --seed nope --out " + path("g.mmcap"), 2);
  expect_code("gen --seconds 1 --category futures --out " + path("g.mmcap"), 2);
  expect_code("gen --seconds 1 --out " + path("g.mmcap"), 0);
}

TEST_F(ExitCodes, Backtest) {
  const std::string cfg = kExamples + "fixed.toml";
  expect_code("backtest", 2);
  expect_code("backtest --config " + cfg, 2);  // --data missing
  expect_code("backtest --config " + path("no.toml") + " --data " + kXrp, 2);
  expect_code("backtest --config " + cfg + " --data " + path("no.events"), 2);
  expect_code("backtest --config " + cfg + " --data " + kXrp + " --from yesterday", 2);
}

TEST_F(ExitCodes, Optimize) {
  expect_code("optimize", 2);
  expect_code("optimize --space " + path("no.toml") + " --data " + kXrp + " --trials 1 --out " + path("o"),
              2);
}

// Issue 14: bad flags, missing values and missing files exit 2 on every command (CLI11's 105/106/109 never
// leak out), and the help of the research and trading commands lists an example and the exit codes.
TEST_F(ExitCodes, EveryCommandRefusesBadFlagsMissingValuesAndMissingFiles) {
  const std::string cfg = kExamples + "fixed.toml";
  const std::string missing = path("missing.toml");
  for (const std::string& cmd :
       {std::string("replay"), std::string("convert"), std::string("gen"), std::string("backtest"),
        std::string("optimize"), std::string("sim"), std::string("run"), std::string("config check"),
        std::string("paper"), std::string("record")}) {
    expect_code(cmd + " --no-such-flag", 2);  // 109 in CLI11
    expect_code(cmd + " --help", 0);
  }
  for (const char* cmd : {"replay", "convert", "gen", "backtest", "run", "paper", "record"}) {
    const CliRun h = run(std::string(cmd) + " --help");
    EXPECT_NE(h.out.find("Example: mm "), std::string::npos) << cmd << "\n" << h.out;
    EXPECT_NE(h.out.find("Exit codes:"), std::string::npos) << cmd << "\n" << h.out;
  }
  // A flag given without its value (106 / 105 in CLI11).
  expect_code("backtest --config " + cfg + " --data " + kXrp + " --export", 2);
  expect_code("backtest --config " + cfg + " --data", 2);
  expect_code("convert " + kXrp + " " + path("o.events") + " --symbol", 2);
  expect_code("gen --seconds", 2);
  expect_code("replay " + kXrp + " --top", 2);
  expect_code("run --config", 2);
  expect_code("paper --config", 2);
  expect_code("record --config " + cfg + " --out", 2);
  expect_code("config check", 2);
  expect_code("sim --port", 2);
  // Missing files.
  expect_code("run --config " + missing, 2);
  expect_code("paper --config " + missing, 2);
  expect_code("record --config " + missing + " --out " + path("o.mmcap"), 2);
  expect_code("config check " + missing, 2);
  expect_code("sim --config " + missing, 2);
  expect_code("convert " + path("missing.zip") + " " + path("o.events"), 2);
  // A filter that selects nothing is an error, not an empty file.
  expect_code("convert " + kXrp + " " + path("nope.events") + " --symbol NOPE", 2);
  EXPECT_FALSE(std::filesystem::exists(path("nope.events")));
}

// Output lost on a full device is a failure, not a success.
TEST_F(ExitCodes, FullStdoutIsAFailure) {
  // Only stdout goes to /dev/full (run_shell folds stderr into the captured output after this redirection
  // would otherwise send it there too).
  const auto full = [](const std::string& args) {
    return mm::test::run_shell("sh -c '" + kMm + " " + args + " > /dev/full'");
  };
  for (const std::string& args : {"replay --json " + kXrp, "replay " + kXrp,
                                  "convert " + kXrp + " " + path("o.mmcap"), std::string("--help")}) {
    const CliRun r = full(args);
    EXPECT_EQ(r.code, 1) << args << "\n" << r.out;
    EXPECT_NE(r.out.find("writing standard output failed"), std::string::npos) << args << "\n" << r.out;
  }
}

}  // namespace
