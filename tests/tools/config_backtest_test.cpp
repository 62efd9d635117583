// The [backtest] table of the config: every key lands in SimConfig / StatsConfig, and each bad value is an
// error naming its key and line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tools/mm/config.h"

namespace mm::tools {
namespace {

constexpr const char* kMinimal = R"(
[strategy]
kind = "fixed"
[trader]
max_position_lots = 10
[risk]
max_order_qty = "0.005"
max_position_qty = "0.010"
)";

std::string parse_with(const std::string& backtest, MmConfig& out) {
  return parse_config(std::string(kMinimal) + "[backtest]\n" + backtest, "t.toml", out);
}

std::string error_of(const std::string& backtest) {
  MmConfig c;
  return parse_with(backtest, c);
}

TEST(ConfigBacktest, DefaultsWhenAbsent) {
  MmConfig c;
  ASSERT_EQ(parse_config(kMinimal, "t.toml", c), "");
  const SimConfig d;
  EXPECT_EQ(c.backtest.sim.entry_latency.constant_ns, d.entry_latency.constant_ns);
  EXPECT_EQ(c.backtest.sim.maker_fee_rate, 2'000'000);  // 0.0002
  EXPECT_EQ(c.backtest.sim.queue.kind, QueueModelKind::kPowerProb);
  EXPECT_EQ(c.backtest.sim.fill_rule, FillRule::kConservative);
  EXPECT_EQ(c.backtest.sim.feed_latency.constant_ns, 10'000'000);
  EXPECT_EQ(c.backtest.stats.capital.units, 10'000 * kMoneyOne);
  EXPECT_EQ(c.backtest.stats.bar_ns, 60'000'000'000);
}

TEST(ConfigBacktest, EveryKeyRoundTrips) {
  MmConfig c;
  ASSERT_EQ(parse_with(R"(
queue_model = "log"
queue_power = 3.5
fill_rule = "hftbacktest"
entry_latency_ns = 1500000
response_latency_ns = 2500000
feed_latency_ns = 700000
feed_time = "model"
maker_fee_rate = "-0.00005"
taker_fee_rate = "0.0004"
funding = "constant"
funding_rate = "-0.000125"
funding_interval_ms = 14400000
create_per_second = 20
amend_per_second = 21
cancel_per_second = 22
cancel_all_per_second = 5
seed = 99
sample_ms = 250
max_orders = 64
capital = "2500.5"
bar_s = 300
risk_free = 0.04
)",
                       c),
            "");
  const SimConfig& s = c.backtest.sim;
  EXPECT_EQ(s.queue.kind, QueueModelKind::kLogProb);
  EXPECT_DOUBLE_EQ(s.queue.power, 3.5);
  EXPECT_EQ(s.fill_rule, FillRule::kHftbacktest);
  EXPECT_EQ(s.entry_latency.constant_ns, 1'500'000);
  EXPECT_EQ(s.response_latency.constant_ns, 2'500'000);
  EXPECT_EQ(s.feed_latency.constant_ns, 700'000);
  EXPECT_EQ(s.feed_time, FeedTime::kModel);
  EXPECT_EQ(s.maker_fee_rate, -500'000);  // -0.00005 at 1e-10
  EXPECT_EQ(s.taker_fee_rate, 4'000'000);
  EXPECT_EQ(s.funding, FundingMode::kConstant);
  EXPECT_EQ(s.funding_rate, -1'250'000);
  EXPECT_EQ(s.funding_interval_ns, 14'400'000'000'000);
  EXPECT_EQ(s.create_per_second, 20);
  EXPECT_EQ(s.amend_per_second, 21);
  EXPECT_EQ(s.cancel_per_second, 22);
  EXPECT_EQ(s.cancel_all_per_second, 5);
  EXPECT_EQ(s.seed, 99u);
  EXPECT_EQ(s.sample_ns, 250'000'000);
  EXPECT_EQ(s.max_orders, 64u);
  EXPECT_EQ(c.backtest.stats.capital.units, 250'050'000'000);
  EXPECT_EQ(c.backtest.stats.bar_ns, 300'000'000'000);
  EXPECT_DOUBLE_EQ(c.backtest.stats.risk_free, 0.04);
}

TEST(ConfigBacktest, LatencyFileIsRelativeToTheConfigFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("mm_cfg_bt_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "cfg.toml") << kMinimal << "[backtest]\nentry_latency_file = \"lat.txt\"\n";
  MmConfig c;
  EXPECT_EQ(load_config((dir / "cfg.toml").string(), c), "");
  EXPECT_EQ(c.backtest.sim.entry_latency.file, (dir / "lat.txt").string());
  std::filesystem::remove_all(dir);
}

TEST(ConfigBacktest, BadValuesNameTheirKey) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& k : {
           Case{"queue_modle = \"log\"",
                "backtest.queue_modle is not a known key (did you mean backtest.queue_model?)"},
           Case{"queue_model = \"fifo\"",
                "backtest.queue_model must be \"risk_averse\", \"power\" or \"log\""},
           Case{"queue_power = 0.0", "queue"},
           Case{"entry_latency_ns = -1", "backtest.entry_latency_ns must be in [0, 3600000000000]"},
           Case{"maker_fee_rate = 0.0002", "backtest.maker_fee_rate must be a quoted decimal string"},
           Case{"maker_fee_rate = \"2bps\"", "backtest.maker_fee_rate must be a decimal rate"},
           Case{"taker_fee_rate = \"0.000000000001\"", "backtest.taker_fee_rate must be a decimal rate"},
           Case{"funding = \"sometimes\"", "backtest.funding must be \"none\", \"constant\" or \"data\""},
           Case{"feed_time = \"exchange\"", "backtest.feed_time must be \"data\" or \"model\""},
           Case{"create_per_second = 0", "backtest.create_per_second must be"},
           Case{"capital = \"0\"", "backtest.capital must be a positive decimal amount"},
           Case{"capital = 1000.5", "backtest.capital must be a quoted decimal string"},
           Case{"bar_s = 0", "backtest.bar_s must be"},
           Case{"risk_free = -0.01", "backtest.risk_free"},
           Case{"max_orders = 0", "backtest.max_orders must be"},
           Case{"sample_ms = \"1s\"", "backtest.sample_ms must be an integer"},
           Case{"fill_rule = \"optimistic\"",
                "backtest.fill_rule must be \"conservative\" or \"hftbacktest\""},
           Case{"sample_ms = 120000", "backtest.sample_ms must not exceed bar_s (60 s)"},
           Case{"bar_s = 1\nsample_ms = 2000", "backtest.sample_ms must not exceed bar_s (1 s)"},
       }) {
    const std::string e = error_of(std::string(k.text) + "\n");
    EXPECT_NE(e.find(k.message), std::string::npos) << k.text << " -> " << e;
    EXPECT_EQ(e.rfind("t.toml:", 0), 0u) << e;  // names the file (and the line)
  }
}

}  // namespace
}  // namespace mm::tools
