// `mm optimize` end to end through the real mm executable: bad inputs are refused before anything is written;
// on tiny generated data a seeded study beats the base config on its training window and writes a best.toml
// that `mm backtest` accepts and reproduces; two workers share one study through a PostgreSQL server that the
// test starts on loopback.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/cli_run.h"

namespace {

namespace fs = std::filesystem;

const std::string kMm = std::string(MM_BINARY_DIR) + "/tools/mm";
const fs::path kSourceDir = fs::path(MM_SOURCE_DIR);
const std::string kFixedToml = (kSourceDir / "examples" / "fixed.toml").string();
const std::string kPgBin = "/usr/lib/postgresql/15/bin";

using mm::test::CliRun;
using mm::test::run_shell;
using mm::test::slurp;

CliRun run(const std::string& args) {
  return run_shell(mm::test::python_env() + kMm + " " + args);
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

// trials.csv without its duration_s column (wall time is the one field that differs between identical runs).
std::string trials_without_durations(const fs::path& p) {
  std::istringstream in(slurp(p));
  std::string line, out;
  long dur_col = -1;
  for (bool header = true; std::getline(in, line); header = false) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');) cells.push_back(c);
    if (header) {
      for (size_t i = 0; i < cells.size(); ++i) {
        if (cells[i] == "duration_s") dur_col = static_cast<long>(i);
      }
    }
    for (size_t i = 0; i < cells.size(); ++i) {
      if (static_cast<long>(i) != dur_col) out += cells[i] + ",";
    }
    out += "\n";
  }
  return out;
}

class MmOptimize : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mm_optimize_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A short seeded synthetic BTCUSDT market (the instruments-info is in the file).
  std::string gen_data(int seconds) {
    const std::string p = path("gen.mmcap");
    const CliRun r = run("gen --symbol BTCUSDT --seconds " + std::to_string(seconds) + " --seed 7 --out " + p);
    EXPECT_EQ(r.code, 0) << r.out;
    return p;
  }

  // A space over examples/fixed.toml (with a rebate, see below): the half-spread (log scale) and the number of levels; objective pnl (the
  // default) unless `top` names one.
  std::string write_space(const std::string& extra_params = "", const std::string& top = "") {
    // The base is examples/fixed.toml quoting 5 bp wide, with a maker rebate (as on Bybit's market-maker
    // programme): on the generated market a 5 bp half-spread hardly fills, and with the standard positive
    // maker fee every tighter quote loses, so the study would have nothing to find. (The example itself
    // quotes a few ticks from the touch, which the rebate already pays for: no base for a study to beat.)
    std::string base = slurp(kFixedToml);
    const std::string half = "half_spread_bps = ";
    const size_t h = base.find("\n" + half);
    EXPECT_NE(h, std::string::npos) << kFixedToml;
    if (h != std::string::npos) base.replace(h + 1, base.find('\n', h + 1) - h - 1, half + "5.0");
    const std::string rebate = "maker_fee_rate = \"-0.00005\"\n";
    if (const size_t at = base.find("\n[backtest]\n"); at != std::string::npos) {
      base.insert(at + 12, rebate);
    } else {
      base += "\n[backtest]\n" + rebate;
    }
    spit(path("base.toml"), base);
    const std::string p = path("space.toml");
    spit(p, "base = \"" + path("base.toml") + "\"\nstudy = \"t\"\n" + top + "\n[params]\n" +
                "\"strategy.half_spread_bps\" = { type = \"float\", low = 0.2, high = 12.0, log = true }\n"
                "\"strategy.levels\" = { type = \"int\", low = 1, high = 3 }\n" +
                extra_params);
    return p;
  }

  fs::path dir_;
};

// ---- bad inputs: exit 2, the message names the problem, and no output directory appears -------------------

struct BadCase {
  const char* name;
  std::string extra_params;  // appended to [params]
  std::string top;           // top-level keys of the space file
  std::string flags;         // extra mm optimize flags
  std::vector<std::string> expect_in_message;
};

TEST_F(MmOptimize, BadInputsAreRefusedWithTheKeyNamedAndNothingWritten) {
  const std::string data = path("dummy.mmcap");
  spit(data, "");  // never read: every case below fails validation before the data is loaded
  const std::vector<BadCase> cases = {
      {"unknown key", "\"strategy.half_sprd_bps\" = { type = \"float\", low = 1.0, high = 2.0 }\n", "", "",
       {"strategy.half_sprd_bps", "unknown parameter key"}},
      {"low > high", "\"strategy.adverse_widening\" = { type = \"float\", low = 3.0, high = 1.0 }\n", "", "",
       {"strategy.adverse_widening", "bad range", "low 3.0 > high 1.0"}},
      {"int range reversed", "\"strategy.min_spread_ticks\" = { type = \"int\", low = 9, high = 2 }\n", "", "",
       {"strategy.min_spread_ticks", "bad range"}},
      {"unknown objective flag", "", "", "--objective profit", {"--objective", "unknown objective 'profit'"}},
      {"unknown objective in file", "", "objective = \"winrate\"", "", {"objective", "'winrate'"}},
      {"unknown sampler flag", "", "", "--sampler annealing", {"--sampler", "unknown sampler 'annealing'"}},
      {"unknown sampler in file", "", "sampler = \"bayes\"", "", {"sampler", "'bayes'"}},
      {"log range through zero", "\"strategy.skew_bps_at_max_position\" = { type = \"float\", low = 0.0, "
       "high = 1.0, log = true }\n", "", "", {"strategy.skew_bps_at_max_position", "log-scale"}},
      {"unknown param field", "\"strategy.adverse_widening\" = { type = \"float\", low = 0.0, high = 1.0, "
       "stepp = 0.1 }\n", "", "", {"strategy.adverse_widening", "stepp", "unknown key"}},
      {"float on an integer key", "\"strategy.min_spread_ticks\" = { type = \"float\", low = 1.0, high = 3.0 }\n",
       "", "", {"strategy.min_spread_ticks", "use type = \"int\""}},
      {"grid without step", "", "sampler = \"grid\"", "", {"strategy.half_spread_bps", "step"}},
      {"walk-forward duration", "", "[walk_forward]\ntrain = \"ten minutes\"\ntest = \"1m\"", "",
       {"walk_forward.train", "ten minutes"}},
      {"unknown top-level key", "", "samplr = \"tpe\"", "", {"samplr", "unknown key"}},
      {"unsupported storage", "", "", "--storage mysql://u@127.0.0.1/db", {"--storage", "unsupported URL"}},
      {"constraint name", "", "[constraints]\nmax_loss = 3", "", {"constraints.max_loss", "unknown key"}},
      {"cmaes multi-objective", "", "", "--sampler cmaes --objective pnl,drawdown", {"cmaes", "single-objective"}},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string space = write_space(c.extra_params, c.top);
    const std::string out = path("out");
    const CliRun r =
        run("optimize --space " + space + " --data " + data + " --trials 2 --seed 1 --out " + out + " " + c.flags);
    EXPECT_EQ(r.code, 2) << r.out;
    for (const std::string& s : c.expect_in_message) EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
    EXPECT_FALSE(fs::exists(out)) << "nothing may be written for a bad input";
  }
}

TEST_F(MmOptimize, MissingFilesAreBadInputs) {
  const std::string space = write_space();
  CliRun r = run("optimize --space " + path("nope.toml") + " --data " + space + " --trials 2 --out " + path("o"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--space: no such file"), std::string::npos) << r.out;
  r = run("optimize --space " + space + " --data " + path("missing.mmcap") + " --trials 2 --out " + path("o"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("--data: no such file"), std::string::npos) << r.out;
  spit(path("space2.toml"), "base = \"no_such_base.toml\"\n[params]\n");
  r = run("optimize --space " + path("space2.toml") + " --data " + space + " --trials 2 --out " + path("o"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("base: no such file"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("o")));
}

TEST_F(MmOptimize, HelpNamesEveryFlagAndAMissingInterpreterIsAClearError) {
  const CliRun h = run("optimize --help");
  EXPECT_EQ(h.code, 0);
  for (const char* f : {"--space", "--data", "--trials", "--seed", "--out", "--objective", "--jobs", "--storage",
                        "--sampler", "--study"}) {
    EXPECT_NE(h.out.find(f), std::string::npos) << f;
  }
  // Issue 14: every default shown, one example, the exit codes.
  for (const char* d : {"100000000]=50", "--seed INT=0", "1024]=1", "(itself default pnl)",
                        "(itself default tpe)", "(default: sqlite:///OUT/study.db)", "without .toml",
                        "(default: written)", "Example: mm optimize --space examples/",
                        "Exit codes: 0 done; 1 ", "2 bad input", "130 interrupted"}) {
    EXPECT_NE(h.out.find(d), std::string::npos) << d << "\n" << h.out;
  }
  const std::string space = write_space();
  const CliRun r = run_shell("MM_PYTHON=" + path("no_python") + " " + kMm + " optimize --space " + space +
                             " --data " + space + " --trials 2 --out " + path("o"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("not found"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("python3-optuna"), std::string::npos) << r.out;
}

// ---- real runs over the backtester (mmpy) ---------------------------------------------------------------

simdjson::dom::element parse_file(simdjson::dom::parser& parser, const fs::path& p) {
  return parser.load(p.string()).value();
}

double num(simdjson::dom::element e) {
  double d = 0;
  if (e.get_double().get(d) == simdjson::SUCCESS) return d;
  int64_t i = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  uint64_t u = 0;
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  ADD_FAILURE() << "not a number: " << simdjson::to_string(e);
  return 0;
}

size_t csv_rows(const fs::path& p) {
  std::istringstream in(slurp(p));
  size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n == 0 ? 0 : n - 1;
}

TEST_F(MmOptimize, SeededStudyBeatsTheBaseConfigAndWritesABestTomlThatBacktestReproduces) {
  const std::string data = gen_data(180);
  const std::string space = write_space("", "[constraints]\nmin_fills = 1\n");
  const std::string out = path("out");
  const std::string args = "optimize --space " + space + " --data " + data + " --trials 16 --seed 3 --jobs 1 --out ";
  const CliRun r = run(args + out);
  ASSERT_EQ(r.code, 0) << r.out;

  simdjson::dom::parser parser;
  const simdjson::dom::element sum = parse_file(parser, fs::path(out) / "summary.json");
  const double best = num(sum["best"]["values"].at(0));
  const double base = num(sum["baseline"]["train"]["pnl"]);
  EXPECT_GT(best, base) << "the best of 16 seeded trials must beat the base config on the training window";
  EXPECT_EQ(num(sum["windows"].at(0)["trials"]["complete"]), 16.0);
  EXPECT_EQ(csv_rows(fs::path(out) / "trials.csv"), 16u);

  // best.toml is a complete config: mm backtest runs it over the same data and gets the best trial's PnL.
  const CliRun bt = run("backtest --config " + out + "/best.toml --data " + data + " --json " + path("bt.json"));
  ASSERT_EQ(bt.code, 0) << bt.out;
  simdjson::dom::parser p2;
  const double replayed = num(parse_file(p2, path("bt.json"))["stats"]["net_pnl"]);
  EXPECT_NEAR(replayed, best, 1.5e-8);  // mm backtest's JSON prints Money to its 1e-8 unit

  // The plots are one offline HTML file: plotly.js inlined, no script fetched from anywhere.
  const std::string html = slurp(fs::path(out) / "plots.html");
  EXPECT_NE(html.find("Optimization history"), std::string::npos);
  EXPECT_NE(html.find("Parameter importances"), std::string::npos);
  EXPECT_NE(html.find("Plotly.newPlot"), std::string::npos);
  EXPECT_EQ(html.find("<script src="), std::string::npos);

  // Same seed, one job: the same trials in the same order and the same best.toml.
  const CliRun again = run(args + path("out2"));
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_EQ(trials_without_durations(fs::path(out) / "trials.csv"),
            trials_without_durations(path("out2") + "/trials.csv"));
  EXPECT_EQ(slurp(fs::path(out) / "best.toml"), slurp(path("out2") + "/best.toml"));
}

TEST_F(MmOptimize, MultiObjectiveWritesTheParetoFrontAndParallelTrialsAllRun) {
  const std::string data = gen_data(120);
  const std::string space = write_space();
  const std::string out = path("out");
  const CliRun r = run("optimize --space " + space + " --data " + data + " --trials 10 --seed 5 --jobs 2 " +
                       "--objective pnl,drawdown --sampler random --no-plots --out " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  simdjson::dom::parser parser;
  const simdjson::dom::element w = parse_file(parser, fs::path(out) / "summary.json")["windows"].at(0);
  EXPECT_EQ(num(w["trials"]["complete"]), 10.0);
  const simdjson::dom::array front = w["pareto_front"].get_array().value();
  ASSERT_GE(front.size(), 1u);
  // No front member is dominated by another (pnl maximized, drawdown minimized), and each has its config.
  std::vector<std::pair<double, double>> pts;
  for (simdjson::dom::element t : front) {
    pts.emplace_back(num(t["values"].at(0)), num(t["values"].at(1)));
    const uint64_t n = t["number"].get_uint64().value();
    EXPECT_TRUE(fs::exists(fs::path(out) / "pareto" / ("trial_" + std::to_string(n) + ".toml"))) << n;
  }
  for (const auto& a : pts) {
    for (const auto& b : pts) {
      const bool dominates = b.first >= a.first && b.second <= a.second && (b.first > a.first || b.second < a.second);
      EXPECT_FALSE(dominates);
    }
  }
  EXPECT_TRUE(fs::exists(fs::path(out) / "best.toml"));
}

TEST_F(MmOptimize, WalkForwardReportsTrainAndOutOfSampleWindowsSeparately) {
  const std::string data = gen_data(120);
  const std::string space = write_space("", "[walk_forward]\ntrain = \"40s\"\ntest = \"20s\"\nstep = \"20s\"\n");
  const std::string out = path("out");
  const CliRun r = run("optimize --space " + space + " --data " + data + " --trials 4 --seed 2 --no-plots --out " +
                       out);
  ASSERT_EQ(r.code, 0) << r.out;
  simdjson::dom::parser parser;
  const simdjson::dom::element sum = parse_file(parser, fs::path(out) / "summary.json");
  const double first = num(sum["data"]["first_ns"]), last = num(sum["data"]["last_ns"]);
  const auto expected = static_cast<size_t>((last + 1 - first - 60e9) / 20e9) + 1;
  const simdjson::dom::array wins = sum["windows"].get_array().value();
  ASSERT_EQ(wins.size(), expected);
  size_t i = 0;
  for (simdjson::dom::element w : wins) {
    SCOPED_TRACE(i);
    EXPECT_EQ(num(w["train"]["from_ns"]), first + static_cast<double>(i) * 20e9);
    EXPECT_EQ(num(w["test"]["from_ns"]), num(w["train"]["to_ns"]));
    EXPECT_EQ(num(w["test"]["to_ns"]) - num(w["test"]["from_ns"]), 20e9);
    // In-sample and out-of-sample figures are separate records.
    (void)num(w["best"]["train"]["pnl"]);
    (void)num(w["best"]["test"]["pnl"]);
    (void)num(w["baseline"]["test"]["pnl"]);
    EXPECT_TRUE(fs::exists(fs::path(out) / "windows" / std::to_string(i) / "best.toml"));
    ++i;
  }
  EXPECT_EQ(slurp(fs::path(out) / "best.toml"),
            slurp(fs::path(out) / "windows" / std::to_string(expected - 1) / "best.toml"));
  EXPECT_NE(r.out.find("test from"), std::string::npos) << r.out;  // the table shows both windows
}

// ---- PostgreSQL: two workers, one study --------------------------------------------------------------------

// A throwaway PostgreSQL server on 127.0.0.1 in a temp dir, owned by the `postgres` user when we are root
// (initdb and postgres refuse to run as root). Stopped and removed by the destructor, also when a test fails.
class PgServer {
 public:
  explicit PgServer(const fs::path& dir) : dir_(dir) {
    fs::create_directories(dir_);
    if (::geteuid() == 0) {
      as_ = "runuser -u postgres -- ";
      if (const passwd* pw = ::getpwnam("postgres"); pw != nullptr) {
        for (const auto& e : fs::recursive_directory_iterator(dir_)) (void)::chown(e.path().c_str(), pw->pw_uid, pw->pw_gid);
        (void)::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid);
      }
    }
    port_ = free_port();
    const CliRun init = run_shell(as_ + kPgBin + "/initdb -D " + (dir_ / "data").string() +
                                  " -A trust -U postgres --no-sync");
    if (init.code != 0) {
      error_ = "initdb: " + init.out;
      return;
    }
    const CliRun start = run_shell(as_ + kPgBin + "/pg_ctl -D " + (dir_ / "data").string() + " -l " +
                                   (dir_ / "log").string() + " -w -t 60 -o \"-c listen_addresses=127.0.0.1 -p " +
                                   std::to_string(port_) + " -k " + dir_.string() + " -c fsync=off\" start");
    if (start.code != 0) {
      error_ = "pg_ctl start: " + start.out + slurp(dir_ / "log");
      return;
    }
    started_ = true;
    const CliRun db = run_shell(as_ + kPgBin + "/createdb -h 127.0.0.1 -p " + std::to_string(port_) +
                                " -U postgres optuna");
    if (db.code != 0) error_ = "createdb: " + db.out;
  }
  ~PgServer() {
    if (started_) run_shell(as_ + kPgBin + "/pg_ctl -D " + (dir_ / "data").string() + " -m immediate -w stop");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  const std::string& error() const { return error_; }
  std::string url() const { return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/optuna"; }
  CliRun sql(const std::string& query) const {
    return run_shell(kPgBin + "/psql -h 127.0.0.1 -p " + std::to_string(port_) + " -U postgres -d optuna -tA -c \"" +
                     query + "\"");
  }

 private:
  static int free_port() {
    const CliRun r = run_shell(
        "/usr/bin/python3 -c \"import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
        "print(s.getsockname()[1])\"");
    return std::atoi(r.out.c_str());
  }
  fs::path dir_;
  std::string as_;
  std::string error_;
  int port_ = 0;
  bool started_ = false;
};

TEST_F(MmOptimize, TwoWorkersShareOneStudyThroughPostgres) {
  // tools/setup.sh installs postgresql: a missing server is a broken set-up, not a reason to skip.
  ASSERT_TRUE(fs::exists(kPgBin + "/initdb")) << "PostgreSQL 15 is not installed (" << kPgBin << "): run tools/setup.sh";
  const std::string data = gen_data(60);
  const std::string space = write_space();
  PgServer pg(dir_ / "pg");
  ASSERT_EQ(pg.error(), "");

  constexpr int kTrials = 6;
  CliRun w1{}, w2{};
  const auto worker = [&](const std::string& out) {
    return run("optimize --space " + space + " --data " + data + " --trials " + std::to_string(kTrials) +
               " --seed 1 --no-plots --study shared --storage " + pg.url() + " --out " + out);
  };
  std::thread t1([&] { w1 = worker(path("w1")); });
  std::thread t2([&] { w2 = worker(path("w2")); });
  t1.join();
  t2.join();
  ASSERT_EQ(w1.code, 0) << w1.out;
  ASSERT_EQ(w2.code, 0) << w2.out;

  // The server holds one study with both workers' trials, each worker's share tagged by its process.
  const CliRun studies = pg.sql("SELECT count(*) FROM studies WHERE study_name = 'shared'");
  EXPECT_EQ(studies.out, "1\n") << studies.out;
  const CliRun trials = pg.sql(
      "SELECT count(*) FROM trials t JOIN studies s ON s.study_id = t.study_id "
      "WHERE s.study_name = 'shared' AND t.state = 'COMPLETE'");
  EXPECT_EQ(trials.out, std::to_string(2 * kTrials) + "\n") << trials.out;
  const CliRun workers = pg.sql(
      "SELECT count(DISTINCT a.value_json) FROM trial_user_attributes a JOIN trials t ON t.trial_id = a.trial_id "
      "JOIN studies s ON s.study_id = t.study_id WHERE s.study_name = 'shared' AND a.key = 'worker'");
  EXPECT_EQ(workers.out, "2\n") << workers.out;
  // No SQLite file: the storage was the server.
  EXPECT_FALSE(fs::exists(path("w1") + "/study.db"));
  EXPECT_TRUE(fs::exists(path("w1") + "/best.toml"));
}

}  // namespace
