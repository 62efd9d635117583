#include "net/instruments_json.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/net/codec_test_data.h"

namespace mm {
namespace {

using test::recording;
using test::Record;

const Record& http_record(std::string_view category) {
  for (const Record& r : recording()) {
    if (r.t == "http" && r.url.find("category=" + std::string(category)) != std::string::npos) return r;
  }
  throw std::runtime_error("no http record");
}

TEST(InstrumentsJson, RealLinearResponseLoadsEverySymbol) {
  auto reg = std::make_unique<InstrumentRegistry>();
  const InstrumentsLoad r = load_instruments_json(http_record("linear").data, *reg);
  EXPECT_EQ(r.error, InstrumentsJsonError::kOk);
  EXPECT_EQ(r.category, Category::kLinear);
  EXPECT_EQ(r.loaded, 800u);
  EXPECT_EQ(r.rejected, 0u);
  EXPECT_EQ(reg->size(), 800u);

  const InstrumentId id = reg->find(Category::kLinear, "BTCUSDT");
  ASSERT_NE(id, kNoInstrument);
  const Instrument& btc = reg->get(id);
  EXPECT_EQ(btc.price_scale, 2);   // priceScale "2", tickSize "0.10"
  EXPECT_EQ(btc.tick_units, 10);
  EXPECT_EQ(btc.qty_scale, 3);     // qtyStep "0.001"
  EXPECT_EQ(btc.lot_units, 1);
  EXPECT_EQ(btc.min_qty.lots, 1);
  EXPECT_EQ(btc.max_qty.lots, 1'500'000);  // maxOrderQty "1500.000"
  EXPECT_EQ(btc.min_notional.units, 5 * kMoneyOne);
  EXPECT_EQ(btc.status, InstrumentStatus::kTrading);
  EXPECT_FALSE(btc.trim_zeros);

  const Instrument& doge = reg->get(reg->find(Category::kLinear, "DOGEUSDT"));
  EXPECT_EQ(doge.price_scale, 5);
  EXPECT_EQ(doge.tick_units, 1);
  EXPECT_EQ(doge.qty_scale, 0);
  EXPECT_EQ(doge.lot_units, 1);
}

TEST(InstrumentsJson, RealSpotResponseLoadsEverySymbol) {
  auto reg = std::make_unique<InstrumentRegistry>();
  const InstrumentsLoad r = load_instruments_json(http_record("spot").data, *reg);
  EXPECT_EQ(r.error, InstrumentsJsonError::kOk);
  EXPECT_EQ(r.category, Category::kSpot);
  EXPECT_EQ(r.loaded, 557u);
  EXPECT_EQ(r.rejected, 0u);

  const InstrumentId id = reg->find(Category::kSpot, "BTCUSDT");
  ASSERT_NE(id, kNoInstrument);
  EXPECT_EQ(reg->find(Category::kLinear, "BTCUSDT"), kNoInstrument);
  const Instrument& btc = reg->get(id);
  EXPECT_EQ(btc.category, Category::kSpot);
  EXPECT_EQ(btc.price_scale, 1);  // tickSize "0.1"
  EXPECT_EQ(btc.tick_units, 1);
  EXPECT_EQ(btc.qty_scale, 6);    // basePrecision "0.000001"
  EXPECT_EQ(btc.lot_units, 1);
  EXPECT_EQ(btc.min_qty.lots, 1);             // minOrderQty "0.000001"
  EXPECT_EQ(btc.max_qty.lots, 230'000'000);   // maxOrderQty "230"
  EXPECT_EQ(btc.min_notional.units, 5 * kMoneyOne);  // minOrderAmt "5"
  EXPECT_TRUE(btc.trim_zeros);
}

TEST(InstrumentsJson, BothResponsesShareOneRegistry) {
  const InstrumentRegistry& reg = test::recording_registry();
  EXPECT_EQ(reg.size(), 800u + 557u);
  EXPECT_NE(reg.find(Category::kLinear, "XRPUSDT"), kNoInstrument);
  EXPECT_NE(reg.find(Category::kSpot, "ETHUSDT"), kNoInstrument);
}

TEST(InstrumentsJson, SpotFallsBackToMaxLimitOrderQty) {
  auto reg = std::make_unique<InstrumentRegistry>();
  const std::string body = R"({"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[
    {"symbol":"ABCUSDT","status":"Trading","lotSizeFilter":{"basePrecision":"0.01","minOrderQty":"0.1",
     "maxLimitOrderQty":"500","minOrderAmt":"1"},"priceFilter":{"tickSize":"0.0001"}}]},"time":1})";
  const InstrumentsLoad r = load_instruments_json(body, *reg);
  ASSERT_EQ(r.error, InstrumentsJsonError::kOk);
  ASSERT_EQ(r.loaded, 1u);
  const Instrument& in = reg->get(reg->find(Category::kSpot, "ABCUSDT"));
  EXPECT_EQ(in.max_qty.lots, 50'000);
  EXPECT_EQ(in.min_qty.lots, 10);
  EXPECT_EQ(in.min_notional.units, kMoneyOne);
}

TEST(InstrumentsJson, OptionAndInverseShapes) {
  auto reg = std::make_unique<InstrumentRegistry>();
  // Option shape (Bybit docs): qtyStep/minOrderQty/maxOrderQty and tickSize, no priceScale.
  const std::string option = R"({"retCode":0,"retMsg":"success","result":{"category":"option","nextPageCursor":"",
    "list":[{"symbol":"BTC-29DEC23-80000-C","status":"Trading","baseCoin":"BTC","quoteCoin":"USD","settleCoin":"USDC",
    "optionsType":"Call","launchTime":"1688630400000","deliveryTime":"1703836800000","deliveryFeeRate":"0.00015",
    "priceFilter":{"minPrice":"5","maxPrice":"10000000","tickSize":"5"},
    "lotSizeFilter":{"maxOrderQty":"500","minOrderQty":"0.01","qtyStep":"0.01"}}]},"retExtInfo":{},"time":1688873094448})";
  InstrumentsLoad r = load_instruments_json(option, *reg);
  ASSERT_EQ(r.error, InstrumentsJsonError::kOk);
  EXPECT_EQ(r.category, Category::kOption);
  ASSERT_EQ(r.loaded, 1u);
  const Instrument& opt = reg->get(reg->find(Category::kOption, "BTC-29DEC23-80000-C"));
  EXPECT_EQ(opt.price_scale, 0);
  EXPECT_EQ(opt.tick_units, 5);
  EXPECT_EQ(opt.qty_scale, 2);
  EXPECT_EQ(opt.max_qty.lots, 50'000);

  const std::string inverse = R"({"retCode":0,"retMsg":"OK","result":{"category":"inverse","list":[
    {"symbol":"BTCUSD","contractType":"InversePerpetual","status":"Trading","priceScale":"2",
     "priceFilter":{"minPrice":"0.50","maxPrice":"999999.00","tickSize":"0.50"},
     "lotSizeFilter":{"maxOrderQty":"1000000","minOrderQty":"1","qtyStep":"1"}}]},"time":1})";
  r = load_instruments_json(inverse, *reg);
  ASSERT_EQ(r.error, InstrumentsJsonError::kOk);
  const Instrument& inv = reg->get(reg->find(Category::kInverse, "BTCUSD"));
  EXPECT_EQ(inv.price_scale, 2);
  EXPECT_EQ(inv.tick_units, 50);
  EXPECT_EQ(inv.min_notional.units, 0);
}

TEST(InstrumentsJson, BadEntriesAreCountedOthersLoad) {
  auto reg = std::make_unique<InstrumentRegistry>();
  const std::string body = R"({"retCode":0,"result":{"list":[
    {"symbol":"GOODUSDT","priceScale":"2","priceFilter":{"tickSize":"0.01"},"lotSizeFilter":{"qtyStep":"0.1"}},
    {"symbol":"NOTICKUSDT","priceFilter":{},"lotSizeFilter":{"qtyStep":"0.1"}},
    {"symbol":"OFFGRID","priceFilter":{"tickSize":"0.01"},"lotSizeFilter":{"qtyStep":"0.1","minOrderQty":"0.15"}},
    {"symbol":"bad symbol!","priceFilter":{"tickSize":"0.01"},"lotSizeFilter":{"qtyStep":"0.1"}},
    {"symbol":"TYPEUSDT","priceFilter":"0.01","lotSizeFilter":{"qtyStep":"0.1"}},
    7],"category":"linear"}})";
  const InstrumentsLoad r = load_instruments_json(body, *reg);
  EXPECT_EQ(r.error, InstrumentsJsonError::kOk);  // category after list: key order does not matter
  EXPECT_EQ(r.loaded, 1u);
  EXPECT_EQ(r.rejected, 5u);
  EXPECT_NE(reg->find(Category::kLinear, "GOODUSDT"), kNoInstrument);
}

TEST(InstrumentsJson, EnvelopeErrors) {
  auto reg = std::make_unique<InstrumentRegistry>();
  InstrumentsLoad r = load_instruments_json(R"({"retCode":10001,"retMsg":"params error","result":{}})", *reg);
  EXPECT_EQ(r.error, InstrumentsJsonError::kRetCode);
  EXPECT_EQ(r.ret_code, 10001);
  EXPECT_EQ(load_instruments_json(R"({"retMsg":"OK"})", *reg).error, InstrumentsJsonError::kRetCode);
  EXPECT_EQ(load_instruments_json(R"({"retCode":0})", *reg).error, InstrumentsJsonError::kNoResult);
  EXPECT_EQ(load_instruments_json(R"({"retCode":0,"result":[]})", *reg).error, InstrumentsJsonError::kNoResult);
  EXPECT_EQ(load_instruments_json(R"({"retCode":0,"result":{"category":"linear"}})", *reg).error,
            InstrumentsJsonError::kNoList);
  EXPECT_EQ(load_instruments_json(R"({"retCode":0,"result":{"category":"linear","list":{}}})", *reg).error,
            InstrumentsJsonError::kNoList);
  EXPECT_EQ(load_instruments_json(R"({"retCode":0,"result":{"category":"futures","list":[]}})", *reg).error,
            InstrumentsJsonError::kBadCategory);
  EXPECT_EQ(load_instruments_json("not json", *reg).error, InstrumentsJsonError::kJson);
  EXPECT_EQ(load_instruments_json("[1,2]", *reg).error, InstrumentsJsonError::kJson);
  EXPECT_EQ(reg->size(), 0u);
}

}  // namespace
}  // namespace mm
