// The `mm` command end to end, as a user runs it: gen, convert and replay through the real executable.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/cli_run.h"

namespace {

const std::string kMm = std::string(MM_BINARY_DIR) + "/tools/mm";
const std::string kData = std::string(MM_SHARED_DATA) + "/bybit/";

using mm::test::CliRun;
using mm::test::slurp;

CliRun run(const std::string& args) { return mm::test::run_shell(kMm + " " + args); }

class MmCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mm_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(MmCli, HelpListsEverySubcommand) {
  const CliRun r = run("--help");
  EXPECT_EQ(r.code, 0);
  for (const char* s : {"replay", "convert", "gen"}) EXPECT_NE(r.out.find(s), std::string::npos) << s;
  const CliRun rr = run("replay --help");
  for (const char* s : {"--category", "--symbol", "--top", "--json", "--config", "--layout"}) {
    EXPECT_NE(rr.out.find(s), std::string::npos) << s;
  }
}

TEST_F(MmCli, GenIsDeterministicAndReplays) {
  ASSERT_EQ(run("gen --symbol BTCUSDT --seconds 5 --seed 3 --out " + path("a.mmcap")).code, 0);
  ASSERT_EQ(run("gen --symbol BTCUSDT --seconds 5 --seed 3 --out " + path("b.mmcap")).code, 0);
  ASSERT_EQ(run("gen --symbol BTCUSDT --seconds 5 --seed 4 --out " + path("c.mmcap")).code, 0);
  EXPECT_EQ(slurp(path("a.mmcap")), slurp(path("b.mmcap")));
  EXPECT_NE(slurp(path("a.mmcap")), slurp(path("c.mmcap")));
  const CliRun r = run("replay --json " + path("a.mmcap"));
  ASSERT_EQ(r.code, 0) << r.out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(r.out).value();
  EXPECT_GT(doc["frames"].get_uint64().value(), 100u);
  EXPECT_EQ(doc["errors"]["parse"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["errors"]["gap"].get_uint64().value(), 0u);
  // The generated file carries its own instruments-info: BTCUSDT prints with the 0.10 tick's two decimals.
  const std::string_view bid = doc["books"]["linear:BTCUSDT"]["bids"].at(0).at(0).get_string().value();
  EXPECT_EQ(bid.size() - bid.find('.'), 3u) << bid;
}

TEST_F(MmCli, ConvertThenReplayEqualsReplayOfTheSource) {
  const std::string src = kData + "2024-12-01_XRPUSDT_ob500.data.zip";
  const CliRun c = run("convert " + src + " " + path("xrp.mmcap"));
  ASSERT_EQ(c.code, 0) << c.out;
  EXPECT_NE(c.out.find("converted 50 frames"), std::string::npos) << c.out;
  const CliRun a = run("replay --json --top 5 " + src);
  const CliRun b = run("replay --json --top 5 " + path("xrp.mmcap"));
  ASSERT_EQ(a.code, 0) << a.out;
  ASSERT_EQ(b.code, 0) << b.out;
  simdjson::dom::parser pa, pb;
  simdjson::dom::element da = pa.parse(a.out.substr(a.out.find('{'))).value();
  simdjson::dom::element db = pb.parse(b.out.substr(b.out.find('{'))).value();
  EXPECT_EQ(da["frames"].get_uint64().value(), 50u);
  EXPECT_EQ(db["frames"].get_uint64().value(), 50u);
  EXPECT_EQ(simdjson::minify(da["books"]), simdjson::minify(db["books"]));
}

TEST_F(MmCli, ReplayWithEachExampleConfigQuotes) {
  const std::filesystem::path examples = std::filesystem::path(MM_SOURCE_DIR) / "examples";
  for (const char* name : {"fixed", "inventory", "avellaneda", "glft"}) {
    const CliRun r = run("replay --json " + kData + "cryptofeed-BYBIT-2026-08-09.jsonl.zst --config " +
                      (examples / (std::string(name) + ".toml")).string());
    ASSERT_EQ(r.code, 0) << name << ": " << r.out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(r.out).value();
    EXPECT_GT(doc["actions"]["create"].get_uint64().value(), 0u) << name;
    EXPECT_GT(doc["latency_ns"]["quote"]["count"].get_uint64().value(), 0u) << name;
    EXPECT_EQ(doc["errors"]["parse"].get_uint64().value(), 0u) << name;
  }
}

TEST_F(MmCli, BadInputsAreClearErrors) {
  CliRun r = run("replay " + path("missing.jsonl"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("missing.jsonl"), std::string::npos) << r.out;
  std::ofstream(path("bad.toml")) << "[market]\nsymbol = \"BTCUSDT\"\n[strategy]\nkind = \"fixed\"\nhalf_spred_bps = 1\n";
  r = run("replay " + kData + "2024-12-01_XRPUSDT_ob500.data.zip --config " + path("bad.toml"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("half_spred_bps"), std::string::npos) << r.out;
  r = run("gen --seconds 5 --seed 1 --tick 0.10 --start-price 65000.05 --out " + path("g.mmcap"));
  EXPECT_EQ(r.code, 2) << r.out;
  std::ofstream(path("garbage.jsonl")) << "this is not json\n";
  r = run("convert " + path("garbage.jsonl") + " " + path("out.mmcap"));
  EXPECT_NE(r.code, 0) << r.out;
}

}  // namespace
