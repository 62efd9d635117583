// `mm config check FILE [--instruments FILE]`: the real binary on configs and instruments files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/cli_run.h"

namespace {

namespace fs = std::filesystem;
using mm::test::CliRun;

const std::string kMm = std::string(MM_BINARY_DIR) + "/tools/mm";
const std::string kExamples = std::string(MM_SOURCE_DIR) + "/examples/";

constexpr const char* kMinimal = R"(
[strategy]
kind = "fixed"
half_spread_bps = 2.5
[trader]
max_position_lots = 10
[risk]
max_order_qty = "0.005"
max_position_qty = "0.010"
)";

std::string instruments_json(const char* qty_step) {
  return std::string(R"({"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[
    {"symbol":"BTCUSDT","contractType":"LinearPerpetual","status":"Trading","priceScale":"2",
     "priceFilter":{"minPrice":"0.10","maxPrice":"1999999.80","tickSize":"0.10"},
     "lotSizeFilter":{"maxOrderQty":"1190.000","minOrderQty":")") +
         qty_step + R"(","qtyStep":")" + qty_step + R"(","minNotionalValue":"5"}}]},"time":1})";
}

class ConfigCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mm_config_check_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  static CliRun run(const std::string& args) { return mm::test::run_shell(kMm + " config check " + args); }
  fs::path dir_;
};

TEST_F(ConfigCheck, ValidConfigPrintsResolvedValuesWithDefaultsMarked) {
  const std::string cfg = write("c.toml", kMinimal);
  const CliRun r = run(cfg);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("# " + cfg + ": valid"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("instrument grid not checked"), std::string::npos);
  // Set in the file: no marker. Not set: the default, marked.
  EXPECT_NE(r.out.find("\nstrategy.kind = \"fixed\"\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nstrategy.half_spread_bps = 2.5\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nrisk.max_order_qty = \"0.005\"\n"), std::string::npos) << r.out;
  for (const char* line : {"market.symbol = \"BTCUSDT\"", "market.category = \"linear\"",
                           "quoter.time_in_force = \"post_only\"", "ops.http_listen = \"127.0.0.1:9464\"",
                           "backtest.maker_fee_rate = \"0.0002\"", "backtest.capital = \"10000\""}) {
    const size_t at = r.out.find("\n" + std::string(line) + " ");
    ASSERT_NE(at, std::string::npos) << line << "\n" << r.out;
    const size_t eol = r.out.find('\n', at + 1);
    EXPECT_NE(r.out.substr(at, eol - at).find("# default"), std::string::npos) << line;
  }
}

TEST_F(ConfigCheck, ErrorExits2NamingTheKey) {
  const std::string cfg = write("bad.toml", std::string(kMinimal) + "[ops]\nlog_format = \"xml\"\n");
  const CliRun r = run(cfg);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(cfg + ":11: ops.log_format must be \"json\" or \"text\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("valid"), std::string::npos);
}

TEST_F(ConfigCheck, GridIsCheckedAgainstTheInstrument) {
  const std::string cfg = write("c.toml", kMinimal);
  const CliRun ok = run(cfg + " --instruments " + write("i.json", instruments_json("0.001")));
  ASSERT_EQ(ok.code, 0) << ok.out;
  EXPECT_NE(ok.out.find("# instrument linear BTCUSDT: tick 0.1, lot 0.001: the config fits its grid"),
            std::string::npos)
      << ok.out;
  // A lot of 0.01 puts risk.max_order_qty = 0.005 off the grid.
  const CliRun off = run(cfg + " --instruments " + write("coarse.json", instruments_json("0.01")));
  EXPECT_EQ(off.code, 2) << off.out;
  EXPECT_NE(off.out.find("risk.max_order_qty"), std::string::npos) << off.out;
}

TEST_F(ConfigCheck, UnknownInstrumentIsNamed) {
  const std::string cfg = write("c.toml", std::string(kMinimal) + "[market]\nsymbol = \"ETHUSDT\"\n");
  const CliRun r = run(cfg + " --instruments " + write("i.json", instruments_json("0.001")));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("market.symbol linear:ETHUSDT is not an instrument"), std::string::npos) << r.out;
}

TEST_F(ConfigCheck, EveryExampleIsValid) {
  for (const auto& e : fs::directory_iterator(kExamples)) {
    // *_space.toml files are optimizer search spaces, not configs.
    if (e.path().extension() != ".toml" || e.path().stem().string().ends_with("_space")) continue;
    const CliRun r = run(e.path().string());
    EXPECT_EQ(r.code, 0) << e.path() << "\n" << r.out;
  }  // One example per use (issue 12): replay and backtest (the strategy configs), the simulator, paper on
  // mainnet data, live on testnet and on mainnet.
  for (const char* name :
       {"fixed.toml", "live_sim.toml", "paper_mainnet.toml", "live_testnet.toml", "live_mainnet.toml"}) {
    EXPECT_TRUE(fs::exists(kExamples + name)) << name;
  }
}

TEST_F(ConfigCheck, UsageErrorsExit2) {
  EXPECT_EQ(run("").code, 2);
  EXPECT_EQ(run((dir_ / "missing.toml").string()).code, 2);
  EXPECT_EQ(mm::test::run_shell(kMm + " config").code, 2);
}

// Issue 14: the help shows every option's default, one example and the exit codes.
TEST_F(ConfigCheck, HelpShowsDefaultsAnExampleAndTheExitCodes) {
  const CliRun h = mm::test::run_shell(kMm + " config check --help");
  EXPECT_EQ(h.code, 0) << h.out;
  EXPECT_NE(h.out.find("--instruments"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("default: none"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("Example: mm config check examples/"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("Exit codes: 0 valid"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("2 invalid"), std::string::npos) << h.out;
}

}  // namespace
