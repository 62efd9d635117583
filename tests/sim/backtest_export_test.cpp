#include "sim/backtest_export.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/instrument.h"

namespace mm {
namespace {

Instrument instrument(Category c, const char* symbol) {
  InstrumentSpec spec;
  spec.category = c;
  spec.symbol = symbol;
  spec.status = "Trading";
  spec.price_scale = "2";
  spec.tick_size = "0.10";  // 1 tick = 0.1
  spec.qty_step = "0.001";  // 1 lot = 0.001
  Instrument in;
  EXPECT_EQ(make_instrument(spec, in), InstrumentError::kOk);
  return in;
}

OrderLinkId link(const char* s) {
  OrderLinkId id;
  id.len = static_cast<uint8_t>(std::strlen(s));
  std::memcpy(id.data, s, id.len);
  return id;
}

// Every value of a hand-built series, exactly, in the documented columns and units.
TEST(BacktestExport, EveryFileHasItsColumnsUnitsAndExactValues) {
  BacktestSeries s;
  s.instrument = instrument(Category::kLinear, "BTCUSDT");
  FillRecord f;
  f.ts_ns = 1'000;
  f.side = Side::kBuy;
  f.maker = true;
  f.price_ticks = 500'000;       // 50000.0
  f.qty_lots = 10;               // 0.010 BTC
  f.fee_units = -5'000'000;      // -0.05 USDT: a rebate
  f.mid_half_ticks = 1'000'001;  // 50000.05: between two ticks
  f.position_after_lots = 10;
  f.equity_after_units = 4'500'000;
  s.fills.push_back(f);
  f.ts_ns = 2'000;
  f.side = Side::kSell;
  f.maker = false;
  f.mid_half_ticks = 0;  // one-sided book: no mid
  f.position_after_lots = -3;
  f.equity_after_units = -12;
  s.fills.push_back(f);
  s.orders.push_back({1'500, "create", "accepted", link("mm-1"), "Buy", 499'990, 10});
  s.orders.push_back({1'600, "cancel", "not_found", link("mm-9"), "", 0, 0});
  SeriesSample x;
  x.ts_ns = 3'000;
  x.mid_half_ticks = 1'000'000;
  x.bid_quote_ticks = 499'990;
  x.ask_quote_ticks = 0;  // no resting ask
  x.position_lots = -3;
  x.equity_units = 123'456'789;
  x.fees_units = 1;
  x.funding_units = -100'000'000;
  s.samples.push_back(x);

  const std::vector<ExportFile> files = export_csv(s);
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].name, "fills.csv");
  EXPECT_EQ(files[0].text,
            "ts_ns,side,liquidity,price_USDT,qty_BTC,fee_USDT,mid_before_USDT,position_after_BTC,"
            "equity_after_USDT\n"
            "1000,Buy,maker,50000,0.01,-0.05,50000.05,0.01,0.045\n"
            "2000,Sell,taker,50000,0.01,-0.05,,-0.003,-0.00000012\n");
  EXPECT_EQ(files[1].name, "orders.csv");
  EXPECT_EQ(files[1].text,
            "ts_ns,action,result,order_link_id,side,price_USDT,qty_BTC\n"
            "1500,create,accepted,mm-1,Buy,49999,0.01\n"
            "1600,cancel,not_found,mm-9,,,\n");
  EXPECT_EQ(files[2].name, "equity.csv");
  EXPECT_EQ(files[2].text, "ts_ns,equity_USDT,fees_USDT,funding_USDT\n3000,1.23456789,0.00000001,-1\n");
  EXPECT_EQ(files[3].name, "position.csv");
  EXPECT_EQ(files[3].text,
            "ts_ns,position_BTC,mid_USDT,our_bid_USDT,our_ask_USDT\n3000,-0.003,50000,49999,\n");
}

TEST(BacktestExport, InverseContractsArePricedInUsdAndSettledInTheBaseCoin) {
  BacktestSeries s;
  s.instrument = instrument(Category::kInverse, "BTCUSD");
  const std::vector<ExportFile> files = export_csv(s);
  EXPECT_EQ(files[0].text.substr(0, files[0].text.find('\n')),
            "ts_ns,side,liquidity,price_USD,qty_contracts,fee_BTC,mid_before_USD,position_after_contracts,"
            "equity_after_BTC");
  EXPECT_EQ(files[1].text, "ts_ns,action,result,order_link_id,side,price_USD,qty_contracts\n")
      << "no orders recorded: the header alone";
}

}  // namespace
}  // namespace mm
