#include "sim/backtest_stats.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/instrument.h"

namespace mm {
namespace {

constexpr int64_t kS = 1'000'000'000;  // ns per second
constexpr int64_t kT0 = 1'700'000'000 * kS;
constexpr int64_t kCoin = 100'000'000;  // Money units per coin

// Ratios are compared to 1e-9 relative (money is compared exactly with EXPECT_EQ).
void expect_rel(double got, double want) {
  if (want == 0.0) {
    EXPECT_EQ(got, 0.0);
  } else {
    EXPECT_NEAR(got, want, std::abs(want) * 1e-9) << "want " << want;
  }
}

Instrument btcusdt() {
  InstrumentSpec spec;
  spec.category = Category::kLinear;
  spec.symbol = "BTCUSDT";
  spec.status = "Trading";
  spec.price_scale = "2";
  spec.tick_size = "0.10";  // 1 tick = 0.1 USDT
  spec.qty_step = "0.001";  // 1 lot = 0.001 BTC
  Instrument in;
  EXPECT_EQ(make_instrument(spec, in), InstrumentError::kOk);
  return in;
}

SeriesSample sample(int64_t t_s, int64_t equity_units, int64_t position_lots) {
  SeriesSample x;
  x.ts_ns = kT0 + t_s * kS;
  x.mid_half_ticks = 1'000'000;  // mid 500 000 ticks
  x.bid_quote_ticks = 499'990;
  x.ask_quote_ticks = 500'010;
  x.equity_units = equity_units;
  x.position_lots = position_lots;
  return x;
}

FillRecord fill(int64_t t_s, Side side, bool maker, int64_t price, int64_t qty, int64_t fee, int64_t mid,
                int64_t m1, int64_t m5, int64_t m30, int64_t pos_after) {
  FillRecord f;
  f.ts_ns = kT0 + t_s * kS;
  f.side = side;
  f.maker = maker;
  f.price_ticks = price;
  f.qty_lots = qty;
  f.fee_units = fee;
  // Mids given in ticks here; the series keeps them in half ticks.
  f.mid_half_ticks = 2 * mid;
  f.mid_after_half_ticks[0] = 2 * m1;
  f.mid_after_half_ticks[1] = 2 * m5;
  f.mid_after_half_ticks[2] = 2 * m30;
  f.position_after_lots = pos_after;
  return f;
}

// A 300 s run sampled every 60 s on BTCUSDT (tick 0.1, lot 0.001), capital 10 000 USDT.
//   t(s)   60   120  180  240  240  300
//   equity 10    4   16   16        12   coin
//   pos    10  -10   10    5         5   lots
// Fills (price in ticks, 500 000 = 50 000.0):
//   1 t=10  buy  maker 500000 x 10 (0.010 BTC = 500.00)  fee -0.05     mid 500005  after 500010 499990 -
//   2 t=70  sell maker 500020 x 20 (1000.04)              fee -0.100004 mid 500012  after 500000 500030
//   500020 3 t=130 buy  taker 500040 x 20 (1000.08)              fee +0.550044 mid 500035  after 500050
//   500060 500000 4 t=200 sell maker 500100 x 5  (250.05)               fee -0.025005 mid -       after
//   500090 -      -
// One funding settlement: -0.3 coin (paid).
BacktestSeries hand_series() {
  BacktestSeries s;
  s.instrument = btcusdt();
  s.start_ns = kT0;
  s.end_ns = kT0 + 300 * kS;
  s.sample_ns = 60 * kS;
  s.samples = {sample(60, 10 * kCoin, 10), sample(120, 4 * kCoin, -10), sample(180, 16 * kCoin, 10),
               sample(240, 16 * kCoin, 5), sample(300, 12 * kCoin, 5)};
  s.fills = {fill(10, Side::kBuy, true, 500'000, 10, -5'000'000, 500'005, 500'010, 499'990, 0, 10),
             fill(70, Side::kSell, true, 500'020, 20, -10'000'400, 500'012, 500'000, 500'030, 500'020, -10),
             fill(130, Side::kBuy, false, 500'040, 20, 55'004'400, 500'035, 500'050, 500'060, 500'000, 10),
             fill(200, Side::kSell, true, 500'100, 5, -2'500'500, 0, 500'090, 0, 0, 5)};
  // Each fill's equity is the last sample's before it: the fills add no point to the drawdown path here.
  for (FillRecord& f : s.fills) {
    for (const SeriesSample& x : s.samples) {
      if (x.ts_ns <= f.ts_ns) f.equity_after_units = x.equity_units;
    }
  }
  FundingRecord fr;
  fr.ts_ns = kT0 + 150 * kS;
  fr.rate = 100;
  fr.position_lots = 10;
  fr.mark_ticks = 500'000;
  fr.payment_units = -30'000'000;
  s.funding = {fr};
  s.orders_created = 10;
  s.orders_amended = 6;
  s.orders_cancelled = 4;
  s.orders_rejected = 2;
  s.orders_filled = 4;
  s.quoted_both_ns = 240 * kS;
  s.quoted_any_ns = 270 * kS;
  s.max_position_lots = 10;
  s.time_at_limit_ns = 90 * kS;
  return s;
}

StatsConfig hand_config() {
  StatsConfig c;
  c.bar_ns = 60 * kS;
  c.capital = Money{10'000 * kCoin};
  return c;
}

TEST(BacktestStats, PeriodsPerYearFollowTheBar) {
  StatsConfig c;
  c.bar_ns = 60 * kS;
  EXPECT_DOUBLE_EQ(c.periods_per_year(), 525'600.0);  // 365 * 24 * 60
  c.bar_ns = 86'400 * kS;
  EXPECT_DOUBLE_EQ(c.periods_per_year(), 365.0);
}

TEST(BacktestStats, PnlFeesFundingAreExact) {
  const BacktestStats st = compute_stats(hand_series(), hand_config());
  EXPECT_EQ(st.net_pnl.units, 12 * kCoin);                          // last sample's equity
  EXPECT_EQ(st.fees.units, 55'004'400);                             // the taker fee: 0.550044
  EXPECT_EQ(st.rebates.units, 5'000'000 + 10'000'400 + 2'500'500);  // 0.175009
  EXPECT_EQ(st.funding.units, -30'000'000);
  // gross = net + fees - rebates - funding = 12 + 0.550044 - 0.175009 + 0.3 = 12.675035
  EXPECT_EQ(st.gross_pnl.units, 1'267'503'500);
  // volume = 500 + 1000.04 + 1000.08 + 250.05 = 2750.17
  EXPECT_EQ(st.volume.units, 275'017'000'000);
  expect_rel(st.turnover, 2750.17 / 10'000.0);
  expect_rel(st.return_on_capital, 12.0 / 10'000.0);
  // 300 s is 1/105 120 of a year.
  expect_rel(st.annualized_return, 0.0012 * 105'120.0);
  EXPECT_EQ(st.duration_ns, 300 * kS);
  EXPECT_EQ(st.samples, 5u);
  EXPECT_EQ(st.undefined, 0u);
}

TEST(BacktestStats, SharpeAndSortinoOnMinuteBars) {
  const BacktestStats st = compute_stats(hand_series(), hand_config());
  // Bar equity 0,10,4,16,16,12 -> returns (coin) +10,-6,+12,0,-4, over capital 10 000.
  // mean 2.4; deviations 7.6,-8.4,9.6,-2.4,-6.4; squares sum 267.2; variance (n-1) 66.8.
  // Downside (rf 0): (-6)^2 + (-4)^2 = 52 over 5 bars = 10.4. Capital cancels in both ratios.
  EXPECT_EQ(st.bars, 5u);
  expect_rel(st.sharpe, 2.4 / std::sqrt(66.8) * std::sqrt(525'600.0));
  expect_rel(st.sortino, 2.4 / std::sqrt(10.4) * std::sqrt(525'600.0));
}

TEST(BacktestStats, RiskFreeRateIsSubtractedPerBarAndMakesAFlatBarDownside) {
  StatsConfig c = hand_config();
  c.risk_free = 0.05256;  // per bar: 0.05256 / 525 600 = 1e-7 of capital = 0.001 coin
  const BacktestStats st = compute_stats(hand_series(), c);
  expect_rel(st.sharpe, (2.4 - 0.001) / std::sqrt(66.8) * std::sqrt(525'600.0));
  // Downside vs rf: -6.001, -0.001 (the flat bar), -4.001 -> 36.012001 + 0.000001 + 16.008001 = 52.020003.
  expect_rel(st.sortino, (2.4 - 0.001) / std::sqrt(52.020003 / 5) * std::sqrt(525'600.0));
}

TEST(BacktestStats, LongerBarsDropThePartialLastBar) {
  StatsConfig c = hand_config();
  c.bar_ns = 120 * kS;  // bars end at 120 (E=4) and 240 (E=16); 240..300 is partial and dropped
  const BacktestStats st = compute_stats(hand_series(), c);
  EXPECT_EQ(st.bars, 2u);
  // returns +4, +12: mean 8, variance (n-1) 32; no downside.
  expect_rel(st.sharpe, 8.0 / std::sqrt(32.0) * std::sqrt(262'800.0));
  EXPECT_EQ(st.sortino, 0.0);
  EXPECT_TRUE(st.undefined & kSortinoUndefined);
  EXPECT_FALSE(st.undefined & kSharpeUndefined);
}

TEST(BacktestStats, DrawdownDurationAndCalmar) {
  const BacktestStats st = compute_stats(hand_series(), hand_config());
  // Peak 10 at 60 s, last reached by the fill at 70 s (its equity is 10 too), trough 4 at 120 s (drawdown
  // 6), recovered at 180 s: 110 s under water. Peak 16 last reached at 240 s, 12 at 300 s (drawdown 4, 60 s
  // until the end).
  EXPECT_EQ(st.max_drawdown.units, 6 * kCoin);
  expect_rel(st.max_drawdown_pct, 0.06);
  EXPECT_EQ(st.max_drawdown_duration_ns, 110 * kS);
  // Calmar = annualized return / drawdown fraction = 126.144 / 0.0006.
  expect_rel(st.calmar, 210'240.0);
}

TEST(BacktestStats, DrawdownFromTheStartCountsTheInitialZeroAsPeak) {
  BacktestSeries s = hand_series();
  s.samples = {sample(60, -3 * kCoin, 0), sample(120, -1 * kCoin, 0), sample(300, -2 * kCoin, 0)};
  s.fills.clear();
  const BacktestStats st = compute_stats(s, hand_config());
  EXPECT_EQ(st.max_drawdown.units, 3 * kCoin);
  EXPECT_EQ(st.max_drawdown_duration_ns, 300 * kS);  // never back to 0
  EXPECT_EQ(st.net_pnl.units, -2 * kCoin);
  expect_rel(st.calmar, (-2.0 / 10'000.0 * 105'120.0) / 0.0003);
}

TEST(BacktestStats, FillsOrdersAndInventory) {
  const BacktestStats st = compute_stats(hand_series(), hand_config());
  EXPECT_EQ(st.fills, 4u);
  EXPECT_EQ(st.maker_fills, 3u);
  EXPECT_EQ(st.taker_fills, 1u);
  expect_rel(st.maker_share, 0.75);
  expect_rel(st.fill_ratio, 0.4);      // 4 filled orders / 10 created
  expect_rel(st.order_to_trade, 5.0);  // (10 + 6 + 4) / 4
  EXPECT_EQ(st.orders_created, 10u);
  EXPECT_EQ(st.orders_amended, 6u);
  EXPECT_EQ(st.orders_cancelled, 4u);
  EXPECT_EQ(st.orders_rejected, 2u);
  EXPECT_EQ(st.orders_filled, 4u);
  // positions 10,-10,10,5,5 lots of 0.001: mean 4 lots, mean |.| 8 lots, max 10 lots.
  expect_rel(st.inventory_mean, 0.004);
  expect_rel(st.inventory_mean_abs, 0.008);
  expect_rel(st.inventory_max, 0.010);
  EXPECT_EQ(st.inventory_max_lots, 10);
  expect_rel(st.time_at_limit_pct, 30.0);     // 90 of 300 s
  expect_rel(st.quote_uptime_pct, 80.0);      // 240 of 300 s
  expect_rel(st.quote_uptime_any_pct, 90.0);  // 270 of 300 s
}

TEST(BacktestStats, SpreadCapturedAndMarkoutsPerSide) {
  const BacktestStats st = compute_stats(hand_series(), hand_config());
  // Spread captured (fills with a mid): buy +5 ticks, sell (500012-500020)*-1 = +8, buy -5; fill 4 has none.
  EXPECT_EQ(st.spread_captured_count, 3u);
  expect_rel(st.spread_captured_ticks, 8.0 / 3.0);
  expect_rel(st.spread_captured_bps, (5e4 / 500'000 + 8e4 / 500'020 - 5e4 / 500'040) / 3.0);

  const FillMarkouts& b = st.markouts[kMarkoutBuy];
  const FillMarkouts& s = st.markouts[kMarkoutSell];
  const FillMarkouts& a = st.markouts[kMarkoutAll];
  // 1 s: buy +10 (f1), +10 (f3); sell +20 (f2), +10 (f4).
  EXPECT_EQ(b.count[0], 2u);
  EXPECT_EQ(s.count[0], 2u);
  EXPECT_EQ(a.count[0], 4u);
  expect_rel(b.ticks[0], 10.0);
  expect_rel(s.ticks[0], 15.0);
  expect_rel(a.ticks[0], 12.5);
  expect_rel(b.bps[0], (1e5 / 500'000 + 1e5 / 500'040) / 2);
  expect_rel(s.bps[0], (2e5 / 500'020 + 1e5 / 500'100) / 2);
  expect_rel(a.bps[0], (1e5 / 500'000 + 2e5 / 500'020 + 1e5 / 500'040 + 1e5 / 500'100) / 4);
  // 5 s: buy -10 (f1), +20 (f3); sell -10 (f2); f4 has no mid after 5 s.
  EXPECT_EQ(b.count[1], 2u);
  EXPECT_EQ(s.count[1], 1u);
  EXPECT_EQ(a.count[1], 3u);
  expect_rel(b.ticks[1], 5.0);
  expect_rel(s.ticks[1], -10.0);
  EXPECT_NEAR(a.ticks[1], 0.0, 1e-12);
  expect_rel(b.bps[1], (-1e5 / 500'000 + 2e5 / 500'040) / 2);
  expect_rel(s.bps[1], -1e5 / 500'020);
  expect_rel(a.bps[1], (-1e5 / 500'000 - 1e5 / 500'020 + 2e5 / 500'040) / 3);
  // 30 s: buy -40 (f3); sell 0 (f2).
  EXPECT_EQ(b.count[2], 1u);
  EXPECT_EQ(s.count[2], 1u);
  EXPECT_EQ(a.count[2], 2u);
  expect_rel(b.ticks[2], -40.0);
  EXPECT_EQ(s.ticks[2], 0.0);
  expect_rel(a.ticks[2], -20.0);
  expect_rel(b.bps[2], -4e5 / 500'040);
  expect_rel(a.bps[2], -2e5 / 500'040);
}

// Issue 14: a run that halted says so in the table and the JSON (state changes with time, cause and
// position; breaker trips, pre-trade blocks and exchange rejects by name).
TEST(BacktestStats, RiskEventsAreInTheTableAndTheJson) {
  BacktestSeries s = hand_series();
  s.risk_events = {{s.start_ns + 2'000'000'000, "halted", "daily_loss", 3},
                   {s.start_ns + 5'000'000'000, "active", "none", 0},
                   {s.start_ns + 7'000'000'000, "halted", "daily_loss", -2}};
  s.breaker_trips = {{"daily_loss", 2}, {"drawdown", 0}};
  s.risk_blocked = {{"max_position", 12}, {"price_band", 0}};
  s.rejects = {{"post_only", 4}, {"rate_limit", 0}};
  s.final_state = "halted";
  s.final_cause = "daily_loss";
  const BacktestStats st = compute_stats(s, hand_config());
  EXPECT_EQ(st.halts, 2u);
  EXPECT_EQ(st.resumes, 1u);
  EXPECT_EQ(st.reduce_only_entries, 0u);
  const std::string j = stats_json(st);
  EXPECT_NE(j.find(R"("risk":{"final_state":"halted","final_cause":"daily_loss","position_left":)"),
            std::string::npos)
      << j;
  EXPECT_NE(
      j.find(R"("halts":2,"reduce_only":0,"resumes":1,"breaker_trips":{"daily_loss":2,"drawdown":0},)"
             R"("blocked":{"max_position":12,"price_band":0},"rejects":{"post_only":4,"rate_limit":0},)"),
      std::string::npos)
      << j;
  EXPECT_NE(j.find(R"({"t_s":2,"state":"halted","cause":"daily_loss","position":0.003})"), std::string::npos)
      << j;
  EXPECT_NE(j.find(R"("events_dropped":0})"), std::string::npos) << j;
  const std::string table = format_stats_table(st);
  EXPECT_NE(table.find("halted (daily_loss)"), std::string::npos) << table;
  EXPECT_NE(table.find("daily_loss 2"), std::string::npos) << table;
  EXPECT_NE(table.find("max_position 12"), std::string::npos) << table;
  EXPECT_NE(table.find("post_only 4"), std::string::npos) << table;
  EXPECT_NE(table.find("2 / 0 / 1"), std::string::npos) << table;
}

TEST(BacktestStats, NoFillsGiveZerosWithFlags) {
  BacktestSeries s = hand_series();
  s.fills.clear();
  s.orders_filled = 0;
  const BacktestStats st = compute_stats(s, hand_config());
  EXPECT_EQ(st.fills, 0u);
  EXPECT_EQ(st.maker_share, 0.0);
  EXPECT_EQ(st.order_to_trade, 0.0);
  EXPECT_EQ(st.spread_captured_bps, 0.0);
  EXPECT_EQ(st.volume.units, 0);
  EXPECT_EQ(st.fees.units, 0);
  EXPECT_EQ(st.rebates.units, 0);
  for (const FillMarkouts& m : st.markouts) {
    for (int h = 0; h < 3; ++h) {
      EXPECT_EQ(m.count[h], 0u);
      EXPECT_EQ(m.bps[h], 0.0);
    }
  }
  EXPECT_TRUE(st.undefined & kNoFills);
  EXPECT_TRUE(st.undefined & kOrderToTradeUndefined);
  EXPECT_TRUE(st.undefined & kNoSpreadCaptured);
  EXPECT_TRUE(st.undefined & kNoMarkout);
  // Equity statistics still come from the samples.
  EXPECT_EQ(st.net_pnl.units, 12 * kCoin);
  EXPECT_EQ(st.gross_pnl.units, 12 * kCoin + 30'000'000);  // only funding is backed out
}

TEST(BacktestStats, FlatEquityGivesZeroSharpeNotNaN) {
  BacktestSeries s = hand_series();
  for (SeriesSample& x : s.samples) x.equity_units = 0;
  for (FillRecord& f : s.fills) f.equity_after_units = 0;
  const BacktestStats st = compute_stats(s, hand_config());
  EXPECT_EQ(st.sharpe, 0.0);
  EXPECT_EQ(st.sortino, 0.0);
  EXPECT_EQ(st.calmar, 0.0);
  EXPECT_EQ(st.max_drawdown.units, 0);
  EXPECT_EQ(st.max_drawdown_duration_ns, 0);
  EXPECT_TRUE(st.undefined & kSharpeUndefined);
  EXPECT_TRUE(st.undefined & kSortinoUndefined);
  EXPECT_TRUE(st.undefined & kCalmarUndefined);
  const std::string j = stats_json(st);
  EXPECT_EQ(j.find("nan"), std::string::npos);
  EXPECT_EQ(j.find("inf"), std::string::npos);
}

TEST(BacktestStats, OneSample) {
  BacktestSeries s;
  s.instrument = btcusdt();
  s.start_ns = kT0;
  s.end_ns = kT0 + 30 * kS;  // shorter than one bar
  s.samples = {sample(30, -7 * kCoin, -3)};
  const BacktestStats st = compute_stats(s, hand_config());
  EXPECT_EQ(st.bars, 0u);
  EXPECT_EQ(st.sharpe, 0.0);
  EXPECT_TRUE(st.undefined & kSharpeUndefined);
  EXPECT_EQ(st.net_pnl.units, -7 * kCoin);
  EXPECT_EQ(st.max_drawdown.units, 7 * kCoin);
  EXPECT_EQ(st.max_drawdown_duration_ns, 30 * kS);
  expect_rel(st.inventory_mean, -0.003);
  expect_rel(st.inventory_mean_abs, 0.003);
  EXPECT_TRUE(st.undefined & kNoOrders);
  EXPECT_EQ(st.time_at_limit_pct, 0.0);  // no limit configured
}

TEST(BacktestStats, EmptySeriesIsAllZeroAndItsJsonIsExact) {
  BacktestSeries s;
  s.instrument = btcusdt();
  const BacktestStats st = compute_stats(s, hand_config());
  EXPECT_TRUE(st.undefined & kNoSamples);
  EXPECT_TRUE(st.undefined & kNoDuration);
  EXPECT_EQ(
      stats_json(st),
      "{\"net_pnl\":0,\"gross_pnl\":0,\"fees\":0,\"rebates\":0,\"funding\":0,\"return_on_capital_pct\":0,"
      "\"sharpe\":null,\"sortino\":null,\"max_drawdown\":0,\"max_drawdown_pct\":0,"
      "\"max_drawdown_duration_s\":0,\"calmar\":null,\"annualized_extrapolated\":true,\"fills\":0,\"maker_"
      "fills\":0,\"taker_fills\":0,"
      "\"fill_ratio_pct\":null,\"maker_share_pct\":null,\"volume\":0,\"turnover\":0,\"inventory_mean\":null,"
      "\"inventory_mean_abs\":null,\"inventory_max\":0,\"time_at_limit_pct\":null,\"quote_uptime_pct\":null,"
      "\"order_to_trade\":null,\"orders_created\":0,\"orders_amended\":0,\"orders_cancelled\":0,"
      "\"orders_rejected\":0,\"spread_captured_bps\":null,"
      "\"markouts\":{\"buy\":{\"1s\":null,\"5s\":null,\"30s\":null},"
      "\"sell\":{\"1s\":null,\"5s\":null,\"30s\":null},\"all\":{\"1s\":null,\"5s\":null,\"30s\":null}},"
      "\"risk\":{\"final_state\":\"active\",\"final_cause\":\"none\",\"position_left\":0,\"halts\":0,"
      "\"reduce_only\":0,\"resumes\":0,\"breaker_trips\":{},\"blocked\":{},\"rejects\":{},\"events\":[],"
      "\"events_dropped\":0},"
      "\"undefined\":[\"sharpe\",\"sortino\",\"calmar\",\"fill_ratio_pct\",\"maker_share_pct\",\"inventory_"
      "mean\","
      "\"inventory_mean_abs\",\"time_at_limit_pct\",\"quote_uptime_pct\",\"order_to_trade\","
      "\"spread_captured_bps\",\"markouts.buy.1s\",\"markouts.buy.5s\",\"markouts.buy.30s\","
      "\"markouts.sell.1s\",\"markouts.sell.5s\",\"markouts.sell.30s\",\"markouts.all.1s\","
      "\"markouts.all.5s\",\"markouts.all.30s\"]}");
}

// The exact path: a round trip between two samples (flat at both) still shows its inventory peak and the
// drawdown it went through.
TEST(BacktestStats, InventoryPeakAndDrawdownBetweenSamplesCount) {
  BacktestSeries s = hand_series();
  s.samples = {sample(60, 0, 0), sample(120, 1 * kCoin, 0), sample(180, 1 * kCoin, 0),
               sample(240, 1 * kCoin, 0), sample(300, 1 * kCoin, 0)};
  s.fills = {fill(61, Side::kBuy, true, 500'000, 4, 0, 500'000, 0, 0, 0, 4),
             fill(62, Side::kSell, true, 499'000, 4, 0, 499'500, 0, 0, 0, 0)};
  s.fills[0].equity_after_units = 0;
  s.fills[1].equity_after_units = -3 * kCoin;  // sold 1000 ticks lower: a loss, back before 120 s
  const BacktestStats st = compute_stats(s, hand_config());
  EXPECT_EQ(st.inventory_max_lots, 4);  // 0.004 BTC, though every sample is flat
  expect_rel(st.inventory_max, 0.004);
  EXPECT_EQ(st.max_drawdown.units, 3 * kCoin);
  EXPECT_EQ(st.max_drawdown_duration_ns,
            59 * kS);  // peak 0 last reached by the fill at 61 s, recovered at 120 s
}

// Bars are measured on the samples: a sample period longer than a bar is refused.
TEST(BacktestStats, SamplePeriodLongerThanTheBarIsRefused) {
  BacktestSeries s = hand_series();
  StatsConfig c = hand_config();
  c.bar_ns = 30 * kS;  // samples every 60 s
  try {
    (void)compute_stats(s, c);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("sample_ms must not exceed bar_s"), std::string::npos) << e.what();
  }
}

TEST(BacktestStats, JsonHasExactlyTheDocumentedKeysAndValues) {
  const BacktestStats st = compute_stats(hand_series(), hand_config());
  std::string j = "prefix:";
  write_stats_json(st, j);  // appends
  ASSERT_EQ(j.rfind("prefix:", 0), 0u);
  j.erase(0, 7);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(j).get(doc), simdjson::SUCCESS) << j;
  simdjson::dom::object obj;
  ASSERT_EQ(doc.get(obj), simdjson::SUCCESS);
  const std::vector<std::string> want = {"net_pnl",
                                         "gross_pnl",
                                         "fees",
                                         "rebates",
                                         "funding",
                                         "return_on_capital_pct",
                                         "sharpe",
                                         "sortino",
                                         "max_drawdown",
                                         "max_drawdown_pct",
                                         "max_drawdown_duration_s",
                                         "calmar",
                                         "annualized_extrapolated",
                                         "fills",
                                         "maker_fills",
                                         "taker_fills",
                                         "fill_ratio_pct",
                                         "maker_share_pct",
                                         "volume",
                                         "turnover",
                                         "inventory_mean",
                                         "inventory_mean_abs",
                                         "inventory_max",
                                         "time_at_limit_pct",
                                         "quote_uptime_pct",
                                         "order_to_trade",
                                         "orders_created",
                                         "orders_amended",
                                         "orders_cancelled",
                                         "orders_rejected",
                                         "spread_captured_bps",
                                         "markouts",
                                         "risk",
                                         "undefined"};
  std::vector<std::string> got;
  for (auto field : obj) got.emplace_back(field.key);
  EXPECT_EQ(got, want);
  // Money is printed exactly; the text is checked, not a parsed double.
  EXPECT_NE(j.find("\"net_pnl\":12,"), std::string::npos);
  EXPECT_NE(j.find("\"gross_pnl\":12.675035,"), std::string::npos);
  EXPECT_NE(j.find("\"fees\":0.550044,"), std::string::npos);
  EXPECT_NE(j.find("\"rebates\":0.175009,"), std::string::npos);
  EXPECT_NE(j.find("\"funding\":-0.3,"), std::string::npos);
  EXPECT_NE(j.find("\"volume\":2750.17,"), std::string::npos);
  EXPECT_NE(j.find("\"max_drawdown\":6,"), std::string::npos);
  EXPECT_NE(j.find("\"max_drawdown_duration_s\":110,"), std::string::npos);
  EXPECT_NE(j.find("\"undefined\":[]"), std::string::npos);  // every statistic is defined on this run
  EXPECT_NE(j.find("\"fills\":4,"), std::string::npos);
  // Shares are percentages (the struct keeps fractions): 12 / 10 000 of capital, 4 of 10 orders, 3 of 4
  // fills.
  EXPECT_NE(j.find("\"return_on_capital_pct\":0.12,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"fill_ratio_pct\":40,\"maker_share_pct\":75,"), std::string::npos) << j;
  // Doubles round-trip (shortest representation).
  double v = 0;
  ASSERT_EQ(obj["sharpe"].get(v), simdjson::SUCCESS);
  EXPECT_EQ(v, st.sharpe);
  ASSERT_EQ(obj["spread_captured_bps"].get(v), simdjson::SUCCESS);
  EXPECT_EQ(v, st.spread_captured_bps);
  ASSERT_EQ(obj["turnover"].get(v), simdjson::SUCCESS);
  EXPECT_EQ(v, st.turnover);
  const char* sides[3] = {"buy", "sell", "all"};
  const char* hz[3] = {"1s", "5s", "30s"};
  for (int g = 0; g < 3; ++g) {
    for (int h = 0; h < 3; ++h) {
      ASSERT_EQ(obj["markouts"][sides[g]][hz[h]].get(v), simdjson::SUCCESS) << sides[g] << hz[h];
      EXPECT_EQ(v, st.markouts[g].bps[h]) << sides[g] << hz[h];
    }
  }
}

TEST(BacktestStats, MoneyToStringIsExact) {
  EXPECT_EQ(money_to_string(Money{0}), "0");
  EXPECT_EQ(money_to_string(Money{1}), "0.00000001");
  EXPECT_EQ(money_to_string(Money{-150'000'000}), "-1.5");
  EXPECT_EQ(money_to_string(Money{123'456'789'000'000}), "1234567.89");
}

TEST(BacktestStats, TableNamesEveryStatistic) {
  const std::string t = format_stats_table(compute_stats(hand_series(), hand_config()));
  for (const char* s : {"net PnL",         "12",
                        "gross PnL",       "12.675035",
                        "Sharpe",          "Sortino",
                        "max drawdown",    "Calmar",
                        "maker share",     "75.00",
                        "fill ratio",      "40.00",
                        "turnover",        "inventory mean",
                        "time at limit",   "quote uptime",
                        "order-to-trade",  "5.00",
                        "spread captured", "markout buy",
                        "markout all"}) {
    EXPECT_NE(t.find(s), std::string::npos) << s << "\n" << t;
  }
}

// Units a trader reads: the settle coin and the base coin, not "coin" and "qty"; ratios from less than a day
// say they are extrapolated; an undefined markout horizon shows n/a.
TEST(BacktestStats, TableSpeaksUsdtAndBtc) {
  const std::string t = format_stats_table(compute_stats(hand_series(), hand_config()));
  for (const char* s : {"12  USDT", "USDT (before fees and funding)", "BTC (exact, fills included)",
                        "annualized (run < 1 day: extrapolated)", "% of orders created with >= 1 fill"}) {
    EXPECT_NE(t.find(s), std::string::npos) << s << "\n" << t;
  }
  EXPECT_EQ(t.find(" coin"), std::string::npos) << t;
  EXPECT_EQ(t.find(" qty"), std::string::npos) << t;
  BacktestSeries s = hand_series();
  for (FillRecord& f : s.fills) f.mid_after_half_ticks[2] = 0;  // no fill marked at 30 s
  EXPECT_NE(format_stats_table(compute_stats(s, hand_config())).find(" n/a  bps"), std::string::npos);
}

TEST(BacktestStats, CoinUnitsFromTheSymbol) {
  auto units = [](Category c, const char* sym) {
    Instrument in;
    in.category = c;
    const std::string_view v(sym);
    v.copy(in.symbol, v.size());
    in.symbol_len = static_cast<uint8_t>(v.size());
    const CoinUnits u = coin_units(in);
    return u.money + "/" + u.qty;
  };
  EXPECT_EQ(units(Category::kLinear, "BTCUSDT"), "USDT/BTC");
  EXPECT_EQ(units(Category::kLinear, "ETHPERP"), "USDC/ETH");
  EXPECT_EQ(units(Category::kSpot, "SOLUSDC"), "USDC/SOL");
  EXPECT_EQ(units(Category::kInverse, "BTCUSD"), "BTC/contracts");
  EXPECT_EQ(units(Category::kLinear, "XYZ"), "coin/qty");
}

void expect_config_error(const StatsConfig& c, const std::string& needle) {
  EXPECT_NE(c.validate().find(needle), std::string::npos) << c.validate();
  try {
    (void)compute_stats(hand_series(), c);
    ADD_FAILURE() << "no exception for " << needle;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(BacktestStats, BadConfigIsAClearError) {
  EXPECT_EQ(hand_config().validate(), "");
  StatsConfig c = hand_config();
  c.bar_ns = 0;
  expect_config_error(c, "stats.bar_ns");
  c = hand_config();
  c.capital = Money{0};
  expect_config_error(c, "stats.capital");
  c = StatsConfig{};  // the default has no capital: it is required
  expect_config_error(c, "stats.capital");
  c = hand_config();
  c.risk_free = -0.01;
  expect_config_error(c, "stats.risk_free");
  c.risk_free = std::numeric_limits<double>::quiet_NaN();
  expect_config_error(c, "stats.risk_free");
  c = hand_config();
  c.bar_ns = 1;  // 3e11 bars over 300 s
  try {
    (void)compute_stats(hand_series(), c);
    ADD_FAILURE() << "no exception for a 1 ns bar";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("stats.bar_ns"), std::string::npos) << e.what();
  }
}

void expect_series_error(const BacktestSeries& s, const std::string& needle) {
  EXPECT_NE(validate_series(s).find(needle), std::string::npos) << validate_series(s);
  try {
    (void)compute_stats(s, hand_config());
    ADD_FAILURE() << "no exception for " << needle;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(BacktestStats, InconsistentSeriesIsAClearError) {
  EXPECT_EQ(validate_series(hand_series()), "");
  BacktestSeries s = hand_series();
  s.end_ns = s.start_ns - 1;
  expect_series_error(s, "end_ns is before start_ns");
  s = hand_series();
  s.sample_ns = 0;
  expect_series_error(s, "sample_ns");
  s = hand_series();
  std::swap(s.samples[1], s.samples[2]);
  expect_series_error(s, "sample 2");
  s = hand_series();
  s.samples.back().ts_ns = s.end_ns + 1;
  expect_series_error(s, "sample 4");
  s = hand_series();
  s.fills[3].qty_lots = 0;
  expect_series_error(s, "fill 3");
  s = hand_series();
  s.fills[0].price_ticks = -1;
  expect_series_error(s, "fill 0");
  s = hand_series();
  s.time_at_limit_ns = 301 * kS;
  expect_series_error(s, "time_at_limit_ns");
  s = hand_series();
  s.quoted_both_ns = -1;
  expect_series_error(s, "quoted_both_ns");
  s = hand_series();
  s.orders_filled = 11;
  expect_series_error(s, "orders_filled");
  s = hand_series();
  s.max_position_lots = -1;
  expect_series_error(s, "max_position_lots");
}

TEST(BacktestStats, MoneyOverflowIsReported) {
  BacktestSeries s = hand_series();
  s.fills[0].fee_units = INT64_MAX;
  s.fills[2].fee_units = INT64_MAX;
  EXPECT_THROW((void)compute_stats(s, hand_config()), std::overflow_error);
}

}  // namespace
}  // namespace mm
