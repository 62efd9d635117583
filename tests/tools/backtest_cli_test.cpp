// `mm backtest` end to end through the real executable, on the real recording: statistics JSON, report,
// determinism, raw vs .events input, and every bad input with its clear error (nothing written).
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
const std::string kRec = std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";
const std::string kExamples = std::string(MM_SOURCE_DIR) + "/examples/";

using mm::test::CliRun;
using mm::test::slurp;

CliRun run(const std::string& args) { return mm::test::run_shell(kMm + " " + args); }

// The "stats" object's text (run timings differ between runs; statistics must not).
std::string stats_text(const std::string& json) {
  const size_t a = json.find("\"stats\":");
  const size_t b = json.find(",\"run\":");
  if (a == std::string::npos || b == std::string::npos || b < a) return "";
  return json.substr(a, b - a);
}

class BacktestCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mm_bt_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // A copy of examples/fixed.toml with `extra` appended (a [backtest] table, usually).
  std::string config_with(const std::string& extra, const std::string& name = "cfg.toml") const {
    std::ofstream(path(name)) << slurp(kExamples + "fixed.toml") << "\n" << extra << "\n";
    return path(name);
  }
  std::filesystem::path dir_;
};

TEST_F(BacktestCli, RealRecordingWritesStatsJsonAndReport) {
  const CliRun r = run("backtest --config " + kExamples + "fixed.toml --data " + kRec + " --json " +
                       path("out.json") + " --report " + path("report.html"));
  ASSERT_EQ(r.code, 0) << r.out;
  // The summary table on stdout.
  EXPECT_NE(r.out.find("net PnL"), std::string::npos) << r.out;
  const std::string json = slurp(path("out.json"));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  for (const char* k : {"net_pnl",        "gross_pnl",
                        "fees",           "rebates",
                        "funding",        "return_on_capital_pct",
                        "sharpe",         "sortino",
                        "max_drawdown",   "max_drawdown_duration_s",
                        "calmar",         "fills",
                        "fill_ratio_pct", "maker_share_pct",
                        "inventory_mean", "inventory_mean_abs",
                        "inventory_max",  "time_at_limit_pct",
                        "turnover",       "quote_uptime_pct",
                        "order_to_trade", "markouts"}) {
    EXPECT_EQ(doc["stats"][k].error(), simdjson::SUCCESS) << k;
  }
  for (const char* side : {"buy", "sell", "all"}) {
    for (const char* h : {"1s", "5s", "30s"}) EXPECT_EQ(doc["stats"]["markouts"][side][h].error(), simdjson::SUCCESS);
  }
  const uint64_t events = doc["run"]["events"].get_uint64().value();
  EXPECT_GT(events, 5'000u);  // BTCUSDT records of the recording (9,037)
  EXPECT_GT(doc["run"]["events_per_s"].get_double().value(), 0.0);
  EXPECT_GE(doc["run"]["wall_s"].get_double().value(), 0.0);
  // The strategy quoted the real book: orders reached the simulated exchange.
  EXPECT_GT(doc["stats"]["orders_created"].get_uint64().value(), 0u);
  const std::string html = slurp(path("report.html"));
  EXPECT_NE(html.find("<html"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);  // self-contained
}

TEST_F(BacktestCli, SameInputsGiveIdenticalStatsAndEventsFileMatchesRaw) {
  const std::string cfg = config_with("[backtest]\nseed = 7\nqueue_model = \"log\"\n");
  ASSERT_EQ(run("backtest --quiet --config " + cfg + " --data " + kRec + " --json " + path("a.json")).code, 0);
  ASSERT_EQ(run("backtest --quiet --config " + cfg + " --data " + kRec + " --json " + path("b.json")).code, 0);
  const std::string a = stats_text(slurp(path("a.json")));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, stats_text(slurp(path("b.json"))));
  // The normalized event file gives the same simulation as the raw recording.
  const CliRun c = run("convert " + kRec + " " + path("rec.events"));
  ASSERT_EQ(c.code, 0) << c.out;
  ASSERT_EQ(run("backtest --quiet --config " + cfg + " --data " + path("rec.events") + " --json " + path("c.json")).code,
            0);
  EXPECT_EQ(a, stats_text(slurp(path("c.json"))));
}

TEST_F(BacktestCli, JsonToStdoutIsTheOnlyThingOnStdout) {
  const std::string cmd = kMm + " backtest --config " + kExamples + "fixed.toml --data " + kRec + " --json - 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ASSERT_EQ(pclose(p), 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;  // the table went to stderr
  EXPECT_EQ(doc["stats"]["fills"].error(), simdjson::SUCCESS);
}

TEST_F(BacktestCli, LatencyChangesTheOutcome) {
  const std::string fast = config_with("[backtest]\nentry_latency_ns = 0\nresponse_latency_ns = 0\n", "fast.toml");
  const std::string slow =
      config_with("[backtest]\nentry_latency_ns = 200000000\nresponse_latency_ns = 200000000\n", "slow.toml");
  ASSERT_EQ(run("backtest --quiet --config " + fast + " --data " + kRec + " --json " + path("f.json")).code, 0);
  ASSERT_EQ(run("backtest --quiet --config " + slow + " --data " + kRec + " --json " + path("s.json")).code, 0);
  EXPECT_NE(stats_text(slurp(path("f.json"))), stats_text(slurp(path("s.json"))));
}

TEST_F(BacktestCli, WindowRestrictsTheEvents) {
  ASSERT_EQ(run("backtest --quiet --config " + kExamples + "fixed.toml --data " + kRec + " --json " + path("all.json")).code,
            0);
  simdjson::dom::parser p1;
  const uint64_t all = p1.parse(slurp(path("all.json")))["run"]["events"].get_uint64().value();
  // The recording's BTCUSDT records span 21:26:59.5 .. 21:27:42.0 UTC: a 20-second window inside holds some of them.
  const CliRun r = run("backtest --quiet --config " + kExamples + "fixed.toml --data " + kRec +
                       " --from 2026-08-09T21:27:20Z --to 2026-08-09T21:27:40Z --json " + path("w.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  simdjson::dom::parser p2;
  const simdjson::dom::element wj = p2.parse(slurp(path("w.json")));
  const uint64_t w = wj["run"]["events"].get_uint64().value();
  EXPECT_GT(w, 0u);
  EXPECT_LT(w, all);
  // The window drops the recording's only snapshot: the book is rebuilt from the records before it, and the
  // strategy quotes (it used to see no trusted book, quote nothing and exit 0 with all-zero statistics).
  EXPECT_GT(wj["run"]["initial_book_levels"].get_uint64().value(), 0u);
  EXPECT_GT(wj["stats"]["orders_created"].get_uint64().value(), 0u);
  // The rebuilt book carries the u of the last message before the window, so the window's first delta is in
  // sequence: it used to carry u = 0, the first delta was a gap, and the run halted on stale_book with the
  // book untrusted for the whole window.
  EXPECT_EQ(wj["run"]["sequence_gaps"].get_uint64().value(), 0u);
  EXPECT_EQ(std::string(wj["stats"]["risk"]["final_state"].get_string().value()), "active");
  // Milliseconds since the epoch select the same window.
  ASSERT_EQ(run("backtest --quiet --config " + kExamples + "fixed.toml --data " + kRec +
                " --from 1786310840000 --to 1786310860000 --json " + path("ms.json"))
                .code,
            0);
  simdjson::dom::parser p3;
  EXPECT_EQ(p3.parse(slurp(path("ms.json")))["run"]["events"].get_uint64().value(), w);
  // A window outside the data is an error, not an empty success.
  const CliRun e = run("backtest --quiet --config " + kExamples + "fixed.toml --data " + kRec +
                       " --from 2026-08-10 --json " + path("e.json"));
  EXPECT_EQ(e.code, 2) << e.out;
  EXPECT_NE(e.out.find("no data in the window"), std::string::npos) << e.out;
  EXPECT_FALSE(std::filesystem::exists(path("e.json")));
}

TEST_F(BacktestCli, BadInputsFailClearlyAndWriteNothing) {
  struct Case {
    std::string args;
    int code;
    std::string message;
  };
  const std::string typo = config_with("[backtest]\nqueue_modle = \"log\"\n", "typo.toml");
  const std::string bad_model = config_with("[backtest]\nqueue_model = \"fifo\"\n", "model.toml");
  const std::string bad_fee = config_with("[backtest]\nmaker_fee_rate = 0.0002\n", "fee.toml");
  const std::string bad_lat = config_with("[backtest]\nentry_latency_file = \"missing.txt\"\n", "lat.toml");
  std::ofstream(path("other.toml")) << [] {
    std::string s = slurp(kExamples + "fixed.toml");
    const size_t p = s.find("symbol = \"BTCUSDT\"");
    return s.replace(p, 18, "symbol = \"NOPEUSDT\"");
  }();
  std::ofstream(path("garbage.jsonl")) << "this is not a recording\n";
  const std::vector<Case> cases = {
      {"--config " + typo + " --data " + kRec, 2, "backtest.queue_modle is not a known key"},
      {"--config " + bad_model + " --data " + kRec, 2, "backtest.queue_model must be"},
      {"--config " + bad_fee + " --data " + kRec, 2, "backtest.maker_fee_rate"},
      {"--config " + bad_lat + " --data " + kRec, 2, "missing.txt"},
      {"--config " + path("other.toml") + " --data " + kRec, 2, "NOPEUSDT"},
      {"--config " + kExamples + "fixed.toml --data " + kRec + " --from 2026-08-10 --to 2026-08-09", 2, "--from"},
      {"--config " + kExamples + "fixed.toml --data " + kRec + " --from tomorrow", 2, "\"tomorrow\""},
      {"--config " + kExamples + "fixed.toml --data " + path("garbage.jsonl"), 1, "garbage.jsonl"},
  };
  for (const Case& c : cases) {
    const CliRun r = run("backtest --quiet " + c.args + " --json " + path("x.json") + " --report " + path("x.html"));
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_FALSE(std::filesystem::exists(path("x.json"))) << c.args;
    EXPECT_FALSE(std::filesystem::exists(path("x.html"))) << c.args;
  }
}

// Issue 14: every example strategy fills on an hour of `mm gen`'s default market (its default volatility
// is BTC's, tools/mm/gen.h; at the old 20x calmer default most optimizer trials never traded).
TEST_F(BacktestCli, EveryExampleFillsOnAnHourOfTheDefaultGeneratedMarket) {
  ASSERT_EQ(run("gen --seconds 3600 --out " + path("hour.mmcap")).code, 0);
  ASSERT_EQ(run("convert " + path("hour.mmcap") + " " + path("hour.events")).code, 0);
  std::filesystem::remove(path("hour.mmcap"));
  for (const char* example :
       {"fixed.toml", "avellaneda.toml", "glft.toml", "inventory.toml", "live_sim.toml"}) {
    const std::string json = path(std::string(example) + ".json");
    const CliRun r = run("backtest --quiet --config " + kExamples + example + " --data " +
                         path("hour.events") + " --json " + json);
    ASSERT_EQ(r.code, 0) << example << "\n" << r.out;
    simdjson::dom::parser p;
    const simdjson::dom::element st = p.parse(slurp(json))["stats"];
    EXPECT_GT(st["fills"].get_uint64().value(), 10u) << example;
    EXPECT_GT(st["maker_fills"].get_uint64().value(), 0u) << example;
  }
}

// The shared 45 s of real BTCUSDT is a calm one-tick market: every linear print is within 11 ticks of the bid
// (one sell sweep), so only a quote a few ticks from the touch can fill. Every strategy example must (issue
// 14); before they were tuned for BTCUSDT's one-tick book, only glft did (the others quoted 2-3 bps away and
// held their orders within 20-33 ticks of stale targets).
TEST_F(BacktestCli, EveryExampleFillsOnTheSharedBybitRecording) {
  for (const char* example : {"fixed.toml", "avellaneda.toml", "glft.toml", "inventory.toml"}) {
    const std::string json = path(std::string(example) + ".json");
    const CliRun r =
        run("backtest --quiet --config " + kExamples + example + " --data " + kRec + " --json " + json);
    ASSERT_EQ(r.code, 0) << example << "\n" << r.out;
    simdjson::dom::parser p;
    const simdjson::dom::element st = p.parse(slurp(json))["stats"];
    EXPECT_GT(st["fills"].get_uint64().value(), 0u) << example;
    EXPECT_GT(st["maker_fills"].get_uint64().value(), 0u) << example;
  }
}

// Line count of a file minus its header.
size_t csv_rows(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n == 0 ? 0 : n - 1;
}

TEST_F(BacktestCli, ExportWritesTheSeriesAsCsv) {
  // Ten minutes of the generated market (the golden digests' seed) at the library's calm default: glft fills.
  ASSERT_EQ(run("gen --seconds 600 --seed 42 --vol 3 --out " + path("g.mmcap")).code, 0);
  const CliRun r = run("backtest --quiet --config " + kExamples + "glft.toml --data " + path("g.mmcap") +
                       " --json " + path("out.json") + " --export " + path("csv"));
  ASSERT_EQ(r.code, 0) << r.out;
  simdjson::dom::parser p;
  const simdjson::dom::element st = p.parse(slurp(path("out.json")))["stats"];
  const std::string fills = slurp(path("csv/fills.csv"));
  const std::string orders = slurp(path("csv/orders.csv"));
  const std::string equity = slurp(path("csv/equity.csv"));
  const std::string position = slurp(path("csv/position.csv"));
  EXPECT_EQ(fills.substr(0, fills.find('\n')),
            "ts_ns,side,liquidity,price_USDT,qty_BTC,fee_USDT,mid_before_USDT,position_after_BTC,"
            "equity_after_USDT");
  EXPECT_EQ(orders.substr(0, orders.find('\n')), "ts_ns,action,result,order_link_id,side,price_USDT,qty_BTC");
  EXPECT_EQ(equity.substr(0, equity.find('\n')), "ts_ns,equity_USDT,fees_USDT,funding_USDT");
  EXPECT_EQ(position.substr(0, position.find('\n')), "ts_ns,position_BTC,mid_USDT,our_bid_USDT,our_ask_USDT");
  // One row per fill, per order action that reached the exchange, per sample.
  EXPECT_GT(csv_rows(fills), 0u);
  EXPECT_EQ(csv_rows(fills), st["fills"].get_uint64().value());
  // Every create that reached the exchange (orders_created counts the refused ones too).
  size_t creates = 0;
  for (size_t at = orders.find(",create,"); at != std::string::npos; at = orders.find(",create,", at + 1))
    ++creates;
  EXPECT_EQ(creates, st["orders_created"].get_uint64().value());
  EXPECT_GT(csv_rows(equity), 600u) << "ten minutes sampled every second";
  EXPECT_EQ(csv_rows(position), csv_rows(equity));
  // The last equity row is the run's net PnL, to the last unit.
  const std::string json = slurp(path("out.json"));
  const size_t k = json.find("\"net_pnl\":") + 10;
  const std::string net = json.substr(k, json.find(',', k) - k);
  const std::string last = equity.substr(equity.rfind('\n', equity.size() - 2) + 1);
  const size_t c1 = last.find(',');
  EXPECT_EQ(last.substr(c1 + 1, last.find(',', c1 + 1) - c1 - 1), net) << last;
}

TEST_F(BacktestCli, ExportToABadDirectoryFailsBeforeTheRunAndWritesNothing) {
  std::ofstream(path("file")) << "not a directory\n";
  struct Case {
    std::string dir, message;
  };
  for (const Case& c :
       {Case{path("file"), "--export " + path("file") + ": not a directory"},
        Case{path("no/such/dir"), "--export " + path("no/such/dir") + ": its parent directory"}}) {
    const CliRun r = run("backtest --quiet --config " + kExamples + "fixed.toml --data " + kRec + " --json " +
                         path("x.json") + " --export " + c.dir);
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << r.out;
    EXPECT_FALSE(std::filesystem::exists(path("x.json")));
  }
  EXPECT_EQ(slurp(path("file")), "not a directory\n");
  EXPECT_FALSE(std::filesystem::exists(path("no")));
}

}  // namespace
