// The Trader's send windows (strategy/rate_limit.h) keep the examples, which set Bybit's 10/s exactly, out of
// 10006: before them a token bucket at 10/s could put 11 requests (its carried fraction plus a second of
// refill) into one venue window, and the backtest's venue, like the simulator and Bybit, refused the 11th.
// Live, each such 10006 held the node's endpoint until the window's reset (docs/reliability.md, parity,
// cause 1). examples/fixed.toml amends on nearly every message of `mm gen`'s market: rate-bound.
#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <filesystem>
#include <memory>
#include <string>

#include "runtime/backtest.h"
#include "sim/event_data.h"
#include "tools/mm/config.h"
#include "tools/mm/gen.h"

namespace mm::tools {
namespace {

uint64_t rate_limit_rejects(const BacktestRun& r) {
  uint64_t n = 0;
  for (const NamedCount& c : r.series.rejects) {
    if (c.name == "rate_limit") n += c.count;
  }
  return n;
}

TEST(BacktestRateWindow, TheFixedExampleAtTheVenuesLimitGetsNo10006) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("mm_ratewin_" + std::to_string(::getpid()) + ".mmcap");
  GenParams g;
  g.seconds = 30;
  g.seed = 7;
  g.vol_ticks_per_sqrt_second = kGenDefaultVolTicks;  // `mm gen`'s market: the quotes move every message
  const GenResult gr = write_synthetic_capture(g, file.string());
  ASSERT_EQ(gr.status, CaptureError::kOk) << gr.message;
  EventData data;
  std::string error;
  const EventDataError le = load_event_data({file.string()}, {}, data, error);
  std::filesystem::remove(file);
  ASSERT_EQ(le, EventDataError::kOk) << error;

  MmConfig cfg;
  ASSERT_EQ(load_config(std::string(MM_SOURCE_DIR) + "/examples/fixed.toml", cfg), "");
  ASSERT_EQ(cfg.trader.amend_per_second, 10);
  ASSERT_EQ(cfg.backtest.sim.amend_per_second, 10);
  auto with = std::make_unique<BacktestRun>();
  ASSERT_EQ(run_backtest_job(cfg, data, INT64_MIN, INT64_MAX, *with), "");
  cfg.trader.rate_window_guard_ns = -1;  // the token buckets alone, as before
  auto without = std::make_unique<BacktestRun>();
  ASSERT_EQ(run_backtest_job(cfg, data, INT64_MIN, INT64_MAX, *without), "");

  // Both runs amend at the limit (~10 a second) ...
  EXPECT_GT(with->trader.amends, 250u);
  EXPECT_GT(without->trader.amends, 250u);
  // ... the buckets alone overrun the venue's window, the windows never do.
  EXPECT_GT(rate_limit_rejects(*without), 0u);
  EXPECT_EQ(rate_limit_rejects(*with), 0u);
}

}  // namespace
}  // namespace mm::tools
