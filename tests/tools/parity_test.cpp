// mm parity (runtime/parity.h, issue 13) with every rate limit lifted: the live run through the simulator
// must not be held to limits the config does not set. Before session 8 the simulator's batch endpoints kept a
// fixed 10 items a second whatever [backtest] said, and their X-Bapi-Limit header lowered the live node's
// whole amend class to 10/s: the live node amended ~9/s while the backtest amended ~130/s. Real loopback
// sockets and a few seconds of real time (the simulator plays the market at speed 1); every wait is the run's
// own, bounded by the window.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "runtime/parity.h"
#include "sim/synthetic_capture.h"
#include "tools/mm/config.h"
#include "tools/mm/gen.h"

namespace mm::tools {
namespace {

class ParityLifted : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mm_parity_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

// examples/fixed.toml (which amends on nearly every book message) with every per-second limit at 1000 in
// [trader] (the Trader's buckets and the live node's limiter) and [backtest] (the backtest's venue and the
// simulator).
std::string lifted_fixed() {
  std::ifstream in(std::string(MM_SOURCE_DIR) + "/examples/fixed.toml");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str();
  // fixed.toml sets Bybit's 10/s in [trader]: each of those lines is replaced.
  for (const char* k : {"create_per_second", "create_burst", "amend_per_second", "amend_burst",
                        "cancel_per_second", "cancel_burst"}) {
    const size_t at = t.find(std::string("\n") + k + " = 10");
    if (at == std::string::npos) return {};
    const size_t end = t.find('\n', at + 1);
    t.replace(at + 1, end - at - 1, std::string(k) + " = 1000");
  }
  t += "\n[backtest]\ncreate_per_second = 1000\namend_per_second = 1000\ncancel_per_second = 1000\n"
       "cancel_all_per_second = 1000\n";
  return t;
}

TEST_F(ParityLifted, TheLiveRunIsNotHeldToLimitsTheConfigDoesNotSet) {
  GenParams g;
  g.seconds = 6;
  g.seed = 1;
  g.vol_ticks_per_sqrt_second = kGenDefaultVolTicks;  // `mm gen`'s market: the quotes move every message
  const std::string data = (dir_ / "gen.mmcap").string();
  const GenResult gr = write_synthetic_capture(g, data);
  ASSERT_EQ(gr.status, CaptureError::kOk) << gr.message;
  const std::string toml = lifted_fixed();
  ASSERT_FALSE(toml.empty());
  ParityOptions o;
  ASSERT_EQ(parse_config(toml, "lifted.toml", o.config), "");
  o.data = data;
  o.seconds = 4;
  o.work_dir = dir_.string();
  ParityResult r;
  ASSERT_EQ(run_parity(o, r), "");

  // Both runs decided on the market and amended at its pace (~130 amends a second).
  EXPECT_GT(r.backtest.trader.ticks, 0u);
  EXPECT_GT(r.live.trader.ticks, 0u);
  std::string why;
  for (const std::string& w : r.why) why += w + "\n";
  EXPECT_GT(r.backtest.trader.amends, 100u) << why;
  // The live node: no request refused over a venue limit, none held back by its own limiter, and an order
  // flow of the backtest's order of magnitude (before the fix: 10006 answers within the first second, the
  // limiter holding the amend class at 10/s, a tenth of the backtest's amends).
  EXPECT_EQ(r.live.rate_limit_rejects, 0u);
  EXPECT_EQ(r.live.venue_rate_limited, 0u);
  EXPECT_EQ(r.backtest.rate_limit_rejects, 0u);
  EXPECT_GT(r.live.trader.amends * 2, r.backtest.trader.amends)
      << "live " << r.live.trader.amends << ", backtest " << r.backtest.trader.amends;
  // The counters reach the explanation.
  bool named = false;
  for (const std::string& w : r.why) named = named || w.find("Trader counters") != std::string::npos;
  EXPECT_TRUE(named);
}

}  // namespace
}  // namespace mm::tools
