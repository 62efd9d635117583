#include "tools/mm/config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "risk/risk_config.h"
#include "strategy/signals.h"
#include "tests/strategy/strategy_test_util.h"

namespace mm::tools {
namespace {

// The examples live in the source tree (MM_SOURCE_DIR, set by tests/CMakeLists.txt; __FILE__ is relative
// under ccache's base_dir).
std::string example(const char* name) {
  return (std::filesystem::path(MM_SOURCE_DIR) / "examples" / name).string();
}

// The smallest valid config: a kind, the two required risk quantities and the trader's position cap.
constexpr const char* kMinimal = R"(
[strategy]
kind = "fixed"
[trader]
max_position_lots = 10
[risk]
max_order_qty = "0.005"
max_position_qty = "0.010"
)";

std::string parse(const std::string& text, MmConfig& out) {
  return parse_config(text, "t.toml", out);
}

std::string parse_error(const std::string& text) {
  MmConfig c;
  return parse(text, c);
}

TEST(Config, MinimalConfigKeepsTheStructDefaults) {
  MmConfig c;
  ASSERT_EQ(parse(kMinimal, c), "");
  const MmConfig d;
  EXPECT_EQ(c.category, Category::kLinear);
  EXPECT_EQ(c.symbol, "BTCUSDT");
  EXPECT_EQ(c.strategy, StrategyKind::kFixed);
  EXPECT_EQ(c.fixed.half_spread_bps, d.fixed.half_spread_bps);
  EXPECT_EQ(c.fixed.levels, d.fixed.levels);
  EXPECT_EQ(c.trader.signals.volatility_interval_ms, d.trader.signals.volatility_interval_ms);
  EXPECT_EQ(c.trader.quoter.time_in_force, TimeInForce::kPostOnly);
  EXPECT_EQ(c.trader.order_capacity, d.trader.order_capacity);
  EXPECT_EQ(c.trader.rate_window_guard_ns, 10'000'000);  // trader.rate_window_guard_ms absent: 10 ms
  EXPECT_EQ(c.risk.max_order_notional, d.risk.max_order_notional);
  EXPECT_EQ(c.risk.breakers.stale_book.max_age_ms, d.risk.breakers.stale_book.max_age_ms);
  EXPECT_EQ(c.link_id_prefix, "mm");
  EXPECT_EQ(c.trader.quoter.link_id_prefix.data(), c.link_id_prefix.data());
}

TEST(Config, EveryExampleLoads) {
  for (const char* name : {"fixed.toml", "inventory.toml", "avellaneda.toml", "glft.toml"}) {
    SCOPED_TRACE(name);
    MmConfig c;
    ASSERT_EQ(load_config(example(name), c), "");
    EXPECT_EQ(c.category, Category::kLinear);
    EXPECT_EQ(c.symbol, "BTCUSDT");
    EXPECT_EQ(std::string(to_string(c.strategy)) + ".toml", name);
    // The quoter's prefix is a view of the config's own string.
    EXPECT_EQ(c.trader.quoter.link_id_prefix.data(), c.link_id_prefix.data());
    // The risk quantities fit the BTCUSDT grid and are consistent with each other.
    RiskLimits limits;
    EXPECT_EQ(resolve_limits(c.risk, test::btc_instrument(), limits), "");
    EXPECT_EQ(limits.max_position.lots, c.trader.max_position_lots);
  }
}

// Builds the example's strategy and quotes once on the recording's first BTCUSDT book (65114.2 / 65114.3,
// a one-tick spread), with no warm-up: the priors must be enough.
template <class S, class Cfg>
QuoteLadder quote_once(const Cfg& strategy_cfg, const MmConfig& c, const test::Market& m) {
  Signals signals(c.trader.signals);
  signals.on_book(m.book, test::kSec);
  S strategy(strategy_cfg);
  QuoteLadder out;
  EXPECT_TRUE(strategy.quote(m.ctx(test::kSec, 0, c.trader.max_position_lots, &signals), out));
  return out;
}

TEST(Config, EveryExampleQuotesSaneOrdersOnTheRecordedBook) {
  test::Market m;
  m.set_book(651142, 651143);
  const double mid = 651142.5;
  for (const char* name : {"fixed.toml", "inventory.toml", "avellaneda.toml", "glft.toml"}) {
    SCOPED_TRACE(name);
    MmConfig c;
    ASSERT_EQ(load_config(example(name), c), "");
    QuoteLadder l;
    switch (c.strategy) {
      case StrategyKind::kFixed:
        l = quote_once<FixedSpread>(c.fixed, c, m);
        break;
      case StrategyKind::kInventory:
        l = quote_once<InventoryMM>(c.inventory, c, m);
        break;
      case StrategyKind::kAvellaneda:
        l = quote_once<AvellanedaStoikov>(c.avellaneda, c, m);
        break;
      case StrategyKind::kGlft:
        l = quote_once<Glft>(c.glft, c, m);
        break;
    }
    ASSERT_GT(l.bid_count, 0u);
    ASSERT_GT(l.ask_count, 0u);
    RiskLimits limits;
    ASSERT_EQ(resolve_limits(c.risk, m.instrument, limits), "");
    const double band = mid * static_cast<double>(c.risk.price_band_bps) / 1e4;
    auto check = [&](const QuoteLevel& q, bool bid) {
      EXPECT_TRUE(bid ? q.price.ticks <= 651142 : q.price.ticks >= 651143) << q.price.ticks;
      EXPECT_LE(std::abs(static_cast<double>(q.price.ticks) - mid), band) << q.price.ticks;
      EXPECT_GE(q.qty.lots, 1);
      EXPECT_LE(q.qty.lots, limits.max_order_qty.lots);
      Money n;
      ASSERT_TRUE(notional(m.instrument, q.price, q.qty, n));
      EXPECT_GE(n.units, 5 * kMoneyOne);  // Bybit's 5 USDT minimum
    };
    for (uint32_t i = 0; i < l.bid_count; ++i) check(l.bids[i], true);
    for (uint32_t i = 0; i < l.ask_count; ++i) check(l.asks[i], false);
  }
}

TEST(Config, ValuesRoundTripIntoTheStructs) {
  MmConfig c;
  const std::string text = R"(
[market]
category = "spot"
symbol = "ETHUSDT"

[strategy]
kind = "avellaneda"
reference = "microprice"
gamma = 0.2
kappa = 3          # an integer is a number too
horizon = "finite"
session_length_s = 3600.0
session_offset_s = 60.0
order_size_lots = 4
levels = 3
level_spacing_ticks = 2.5
size_step_lots = -1
touch_policy = "drop_crossing"

[strategy.curves]
spread_by_volatility = [[0.0, 1.0], [5, 2.0]]

[signals]
volatility_interval_ms = 200
initial_volatility_bps = 1.5
volatility_min_samples = 7
markout_horizons_ms = [500, 2000, 9000]
calibration_refit_ms = 1000

[quoter]
link_id_prefix = "abc_1"
price_tolerance_ticks = 3
size_tolerance_fraction = 0.25
use_amend = false
max_order_age_ms = 1500
clip_to_max_qty = true
qty_step_lots = 2
time_in_force = "post_only"
position_idx_buy = 1
position_idx_sell = 2
max_batch_items = 10

[trader]
order_capacity = 64
first_link_sequence = 42
max_position_lots = 40
create_per_second = 5
cancel_burst = 20
rate_window_guard_ms = 25
book_window_ticks = 65536

[risk]
max_order_qty = "0.004"
max_order_notional = 300
max_position_qty = "0.04"
price_band_bps = 25
max_open_orders = 7
limit_policy = "clip"

[risk.breakers.daily_loss]
max_loss = "12.5"
action = "reduce_only"
cooldown_ms = 5

[risk.breakers.latency]
enabled = false
max_spikes = 9
max_tick_to_quote_us = 2000

[risk.protection]
enabled = true
unit = "ticks"
take_profit = 40
trailing_stop = 15
close_type = "market"
trigger_by = "LastPrice"
)";
  ASSERT_EQ(parse(text, c), "");
  EXPECT_EQ(c.category, Category::kSpot);
  EXPECT_EQ(c.symbol, "ETHUSDT");
  EXPECT_EQ(c.strategy, StrategyKind::kAvellaneda);
  const AvellanedaStoikovConfig& a = c.avellaneda;
  EXPECT_EQ(a.reference, Reference::kMicroprice);
  EXPECT_DOUBLE_EQ(a.gamma, 0.2);
  EXPECT_DOUBLE_EQ(a.kappa, 3.0);
  EXPECT_EQ(a.horizon, Horizon::kFinite);
  EXPECT_DOUBLE_EQ(a.session_length_s, 3600.0);
  EXPECT_DOUBLE_EQ(a.session_offset_s, 60.0);
  EXPECT_EQ(a.order_size_lots, 4);
  EXPECT_EQ(a.levels, 3u);
  EXPECT_DOUBLE_EQ(a.level_spacing_ticks, 2.5);
  EXPECT_EQ(a.size_step_lots, -1);
  EXPECT_EQ(a.touch_policy, TouchPolicy::kDropCrossing);
  ASSERT_EQ(a.curves.spread_by_volatility.count, 2u);
  EXPECT_DOUBLE_EQ(a.curves.spread_by_volatility.points[1].x, 5.0);
  EXPECT_DOUBLE_EQ(a.curves.spread_by_volatility.points[1].y, 2.0);
  EXPECT_EQ(a.curves.size_by_depth.count, 0u);

  const SignalsConfig& s = c.trader.signals;
  EXPECT_EQ(s.volatility_interval_ms, 200);
  EXPECT_DOUBLE_EQ(s.initial_volatility_bps, 1.5);
  EXPECT_EQ(s.volatility_min_samples, 7u);
  EXPECT_EQ(s.markout_horizons_ms[0], 500);
  EXPECT_EQ(s.markout_horizons_ms[2], 9000);
  EXPECT_EQ(s.calibration_refit_ms, 1000);

  const QuoterConfig& q = c.trader.quoter;
  EXPECT_EQ(c.link_id_prefix, "abc_1");
  EXPECT_EQ(q.link_id_prefix, "abc_1");
  EXPECT_EQ(q.price_tolerance_ticks, 3);
  EXPECT_DOUBLE_EQ(q.size_tolerance_fraction, 0.25);
  EXPECT_FALSE(q.use_amend);
  EXPECT_EQ(q.max_order_age_ns, 1'500'000'000);  // ms in the file, ns in the struct
  EXPECT_TRUE(q.clip_to_max_qty);
  EXPECT_EQ(q.qty_step_lots, 2);
  EXPECT_EQ(q.position_idx_buy, 1);
  EXPECT_EQ(q.position_idx_sell, 2);
  EXPECT_EQ(q.max_batch_items, 10u);

  EXPECT_EQ(c.trader.order_capacity, 64u);
  EXPECT_EQ(c.trader.first_link_sequence, 42u);
  EXPECT_EQ(c.trader.max_position_lots, 40);
  EXPECT_EQ(c.trader.create_per_second, 5);
  EXPECT_EQ(c.trader.cancel_burst, 20);
  EXPECT_EQ(c.trader.amend_burst, TraderConfig{}.amend_burst);
  EXPECT_EQ(c.trader.rate_window_guard_ns, 25'000'000);
  EXPECT_EQ(c.trader.book_window_ticks, 65536u);

  const RiskConfig& r = c.risk;
  EXPECT_EQ(r.max_order_qty, "0.004");
  EXPECT_EQ(r.max_order_notional, "300");  // integers are exact decimals too
  EXPECT_EQ(r.max_position_qty, "0.04");
  EXPECT_EQ(r.price_band_bps, 25);
  EXPECT_EQ(r.max_open_orders, 7u);
  EXPECT_EQ(r.limit_policy, LimitPolicy::kClip);
  EXPECT_EQ(r.breakers.daily_loss.max_loss, "12.5");
  EXPECT_EQ(r.breakers.daily_loss.action, TradingState::kReduceOnly);
  EXPECT_EQ(r.breakers.daily_loss.cooldown_ms, 5);
  EXPECT_FALSE(r.breakers.latency.enabled);
  EXPECT_EQ(r.breakers.latency.max_spikes, 9u);
  EXPECT_EQ(r.breakers.latency.max_tick_to_quote_us, 2000);
  EXPECT_TRUE(r.breakers.stale_book.enabled);
  EXPECT_TRUE(r.protection.enabled);
  EXPECT_EQ(r.protection.unit, DistanceUnit::kTicks);
  EXPECT_EQ(r.protection.take_profit, 40);
  EXPECT_EQ(r.protection.trailing_stop, 15);
  EXPECT_EQ(r.protection.close_type, CloseType::kMarket);
  EXPECT_EQ(r.protection.trigger_by, TriggerBy::kLastPrice);
}

TEST(Config, EachStrategyKindReadsItsOwnKeys) {
  MmConfig c;
  ASSERT_EQ(parse(R"(
[strategy]
kind = "glft"
xi = 0.3
initial_a = 2.0
initial_k = 0.7
use_calibration = false
align_to_grid = false
[trader]
max_position_lots = 10
[risk]
max_order_qty = "0.005"
max_position_qty = "0.010"
)",
                  c),
            "");
  EXPECT_EQ(c.strategy, StrategyKind::kGlft);
  EXPECT_DOUBLE_EQ(c.glft.xi, 0.3);
  EXPECT_DOUBLE_EQ(c.glft.initial_a, 2.0);
  EXPECT_DOUBLE_EQ(c.glft.initial_k, 0.7);
  EXPECT_FALSE(c.glft.use_calibration);
  EXPECT_FALSE(c.glft.align_to_grid);
  EXPECT_EQ(c.glft.touch_policy, TouchPolicy::kNoImprove);  // the struct's default for this kind

  MmConfig f;
  ASSERT_EQ(parse(R"(
[strategy]
kind = "fixed"
half_spread_bps = 0
half_spread_ticks = 3
skew_bps_at_max_position = 1.5
[trader]
max_position_lots = 10
[risk]
max_order_qty = "0.005"
max_position_qty = "0.010"
)",
                  f),
            "");
  EXPECT_DOUBLE_EQ(f.fixed.half_spread_ticks, 3.0);
  EXPECT_DOUBLE_EQ(f.fixed.half_spread_bps, 0.0);
  EXPECT_DOUBLE_EQ(f.fixed.skew_bps_at_max_position, 1.5);
}

TEST(Config, InventoryDrivesTheQuoterToleranceAndAge) {
  MmConfig c;
  ASSERT_EQ(parse(R"(
[strategy]
kind = "inventory"
order_refresh_tolerance_pct = 0.2
max_order_age = 15
inventory_skew_enabled = true
[trader]
max_position_lots = 10
[risk]
max_order_qty = "0.005"
max_position_qty = "0.010"
)",
                  c),
            "");
  EXPECT_DOUBLE_EQ(c.inventory.order_refresh_tolerance_pct, 0.2);
  EXPECT_TRUE(c.inventory.inventory_skew_enabled);
  EXPECT_DOUBLE_EQ(c.trader.quoter.price_tolerance_bps, 20.0);
  EXPECT_EQ(c.trader.quoter.max_order_age_ns, 15'000'000'000);

  const std::string e = parse_error(R"(
[strategy]
kind = "inventory"
[quoter]
max_order_age_ms = 1000
)");
  EXPECT_EQ(e,
            "t.toml:5: quoter.max_order_age_ms is set by strategy.order_refresh_tolerance_pct / "
            "strategy.max_order_age for kind = \"inventory\"");
}

TEST(Config, UnknownKeyIsNamedWithItsLine) {
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[signals]\nvolatility_intervall_ms = 100\n"),
            "t.toml:10: signals.volatility_intervall_ms is not a known key "
            "(did you mean signals.volatility_interval_ms?)");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n\n[riskk]\nmax_order_qty = \"1\"\n"),
            "t.toml:4: riskk is not a known key (did you mean risk?)");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[risk.breakers.stale_book]\nmax_age = 100\n"),
            "t.toml:10: risk.breakers.stale_book.max_age is not a known key "
            "(did you mean risk.breakers.stale_book.max_age_ms?)");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[risk.breakers.daily]\n"),
            "t.toml:9: risk.breakers.daily is not a known key (did you mean risk.breakers.daily_loss?)");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[risk.breakers.volume]\nenabled = true\n"),
            "t.toml:9: risk.breakers.volume is not a known key");
  // An unknown section is reported before the missing strategy.kind it causes.
  EXPECT_EQ(parse_error("[stratgy]\nkind = \"fixed\"\n"),
            "t.toml:1: stratgy is not a known key (did you mean strategy?)");
  EXPECT_EQ(parse_error("toplevel = 1\n"), "t.toml:1: toplevel is not a known key");
}

TEST(Config, AnotherStrategysKeyIsRejected) {
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\ngamma = 0.1\n"),
            "t.toml:3: strategy.gamma is not a known key for kind = \"fixed\" "
            "(it belongs to kind = \"avellaneda\", \"glft\")");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"glft\"\nbid_spread = 0.1\n"),
            "t.toml:3: strategy.bid_spread is not a known key for kind = \"glft\" "
            "(it belongs to kind = \"inventory\")");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"inventory\"\n[strategy.curves]\nspread_by_vol = []\n"),
            "t.toml:4: strategy.curves.spread_by_vol is not a known key");
}

TEST(Config, WrongTypeNamesKeyAndExpectedType) {
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\nlevels = \"3\"\n"),
            "t.toml:3: strategy.levels must be an integer, got a string");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\norder_size_lots = 2.0\n"),
            "t.toml:3: strategy.order_size_lots must be an integer, got a float");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\nhalf_spread_bps = \"2\"\n"),
            "t.toml:3: strategy.half_spread_bps must be a number, got a string");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\nhalf_spread_bps = nan\n"),
            "t.toml:3: strategy.half_spread_bps must be a finite number");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[quoter]\nuse_amend = 1\n"),
            "t.toml:4: quoter.use_amend must be a boolean (true or false), got an integer");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\nreference = \"last\"\n"),
            "t.toml:3: strategy.reference must be \"mid\" or \"microprice\", got \"last\"");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[risk]\nmax_order_qty = 0.01\n"),
            "t.toml:4: risk.max_order_qty must be a quoted decimal string such as \"0.01\" "
            "(a float is not exact)");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[signals]\nmarkout_horizons_ms = [1, 2]\n"),
            "t.toml:4: signals.markout_horizons_ms must be an array of 3 integers, got 2");
  EXPECT_EQ(parse_error("market = \"linear\"\n"), "t.toml:1: market must be a table, got a string");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[strategy.curves]\nsize_by_depth = [[1, 2, 3]]\n"),
            "t.toml:4: strategy.curves.size_by_depth must be an array of [x, y] number pairs");
}

TEST(Config, RangeChecksOfTheParser) {
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\nlevels = -1\n"),
            "t.toml:3: strategy.levels must be in [1, 16]");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[quoter]\nlink_id_prefix = \"a.b\"\n"),
            "t.toml:4: quoter.link_id_prefix must be 1..15 characters of [A-Za-z0-9-_]");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[quoter]\nmax_batch_items = 21\n"),
            "t.toml:4: quoter.max_batch_items must be in [0, 20]");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[quoter]\nprice_tolerance_bps = -1\n"),
            "t.toml:4: quoter.price_tolerance_bps must be in [0, 10000]");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[trader]\nbook_window_ticks = 5000\n"),
            "t.toml:4: trader.book_window_ticks must be a power of two");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[trader]\ncreate_per_second = 0\n"),
            "t.toml:4: trader.create_per_second must be in [1, 1000000000]");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[trader]\nrate_window_guard_ms = -1\n"),
            "t.toml:4: trader.rate_window_guard_ms must be in [0, 1000]");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[trader]\nrate_window_guard_ms = 1001\n"),
            "t.toml:4: trader.rate_window_guard_ms must be in [0, 1000]");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[trader]\nrate_window_guard_ms = 2.5\n"),
            "t.toml:4: trader.rate_window_guard_ms must be an integer, got a float");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[signals]\nvolatility_interval_ms = 1099511627777\n"),
            "t.toml:4: signals.volatility_interval_ms must be <= 1099511627776");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[strategy.curves]\n"
                        "size_by_depth = [[1,1],[2,1],[3,1],[4,1],[5,1],[6,1],[7,1],[8,1],[9,1]]\n"),
            "t.toml:4: strategy.curves.size_by_depth must have at most 8 points");
}

TEST(Config, ValidateMessagesCarryFileAndLine) {
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\nhalf_spread_bps = -1\n"),
            "t.toml:3: strategy.half_spread_bps must be >= 0");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[strategy.curves]\nspread_by_depth = [[2, 1], [1, 1]]\n"),
            "t.toml:10: strategy.curves.spread_by_depth x values must be strictly increasing");
  // A required key that is absent has no line.
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n[trader]\nmax_position_lots = 1\n"),
            "t.toml: risk.max_order_qty must be set (a decimal string such as \"0.01\")");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed\"\n"),
            "t.toml: trader.max_position_lots must be set (> 0): the position cap in lots the strategies "
            "normalise by");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "price_band_bps = 0\n"),
            "t.toml:9: risk.price_band_bps must be in [1, 10000]");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[signals]\ncalibration_buckets = 10\n"
                                                "calibration_min_points = 11\n"),
            "t.toml:11: signals.calibration_min_points must be in [2, signals.calibration_buckets]");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[quoter]\ntime_in_force = \"gtc\"\n"),
            "t.toml:10: quoter.time_in_force must be \"post_only\" while risk.require_post_only is true");
}

TEST(Config, CrossFieldChecksOfTheParser) {
  // The quoter takes the age in ns: seconds beyond int64 ns are refused, not wrapped.
  EXPECT_EQ(parse_error(
                "[strategy]\nkind = \"inventory\"\nmax_order_age = 1e10\n[trader]\nmax_position_lots = 1\n"),
            "t.toml:3: strategy.max_order_age must be <= 1099511627 seconds");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "[signals]\ncalibration_refit_ms = 250\n"),
            "t.toml:10: signals.calibration_refit_ms must be a multiple of signals.calibration_interval_ms");
  // Every order the risk limits allow needs a table slot (the default max_open_orders is 20).
  EXPECT_EQ(
      parse_error("[strategy]\nkind = \"fixed\"\n[trader]\nmax_position_lots = 10\norder_capacity = 16\n"
                  "[risk]\nmax_order_qty = \"0.005\"\nmax_position_qty = \"0.010\"\n"),
      "t.toml:5: trader.order_capacity must be >= risk.max_open_orders (20)");
  EXPECT_EQ(parse_error(std::string(kMinimal) + "max_open_orders = 300\n"),
            "t.toml: trader.order_capacity must be >= risk.max_open_orders (300)");
}

TEST(Config, StrategyKindIsRequiredAndChecked) {
  EXPECT_EQ(parse_error("[market]\nsymbol = \"BTCUSDT\"\n"),
            "t.toml: strategy.kind must be set: \"fixed\", \"inventory\", \"avellaneda\" or \"glft\"");
  EXPECT_EQ(parse_error("\n[strategy]\nhalf_spread_bps = 2\n"),
            "t.toml:2: strategy.kind must be set: \"fixed\", \"inventory\", \"avellaneda\" or \"glft\"");
  EXPECT_EQ(parse_error("[strategy]\nkind = \"fixed_spread\"\n"),
            "t.toml:2: strategy.kind must be \"fixed\", \"inventory\", \"avellaneda\" or \"glft\", "
            "got \"fixed_spread\"");
  EXPECT_EQ(parse_error("[strategy]\nkind = 1\n"),
            "t.toml:2: strategy.kind must be a string, got an integer");
}

TEST(Config, SyntaxAndFileErrors) {
  const std::string e = parse_error("[strategy]\nkind = \"fixed\nx = 1\n");
  EXPECT_EQ(e.rfind("t.toml:2:", 0), 0u) << e;
  EXPECT_NE(e.find("TOML syntax error"), std::string::npos) << e;
  // A section given twice is a TOML error too, reported at the second header.
  const std::string twice = parse_error(std::string(kMinimal) + "[strategy]\n");
  EXPECT_EQ(twice.rfind("t.toml:9:1: TOML syntax error", 0), 0u) << twice;
  MmConfig c;
  EXPECT_EQ(load_config("/nonexistent/mm.toml", c), "/nonexistent/mm.toml: cannot open the config file");
}

TEST(Config, ErrorLeavesTheOutputUntouched) {
  MmConfig c;
  c.symbol = "KEEP";
  EXPECT_NE(parse("[market]\nsymbol = \"ETHUSDT\"\n[strategy]\nkind = \"nope\"\n", c), "");
  EXPECT_EQ(c.symbol, "KEEP");
}

TEST(Config, ErrorNamesTheFileGivenToLoadConfig) {
  const std::string path = (std::filesystem::temp_directory_path() / "mm_config_test_bad.toml").string();
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("[strategy]\nkind = \"fixed\"\nlevels = 0\n", f);
    std::fclose(f);
  }
  MmConfig c;
  EXPECT_EQ(load_config(path, c), path + ":3: strategy.levels must be in [1, 16]");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace mm::tools
