// Bybit V5 order-entry encoders: every body is parsed back with simdjson and checked field by field.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/instrument.h"
#include "core/instrument_registry.h"
#include "core/order_request.h"
#include "net/order_encoder.h"
#include "net/rest_encoder.h"
#include "net/signer.h"
#include "net/ws_frame.h"
#include "net/ws_trade_encoder.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Instrument instrument(Category c, std::string_view symbol, std::string_view price_scale,
                      std::string_view tick, std::string_view step) {
  InstrumentSpec spec;
  spec.category = c;
  spec.symbol = symbol;
  spec.price_scale = price_scale;
  spec.tick_size = tick;
  spec.qty_step = step;
  Instrument in;
  EXPECT_EQ(make_instrument(spec, in), InstrumentError::kOk);
  return in;
}

struct OrderEncoderTest : ::testing::Test {
  Instrument btc = instrument(Category::kLinear, "BTCUSDT", "2", "0.10", "0.001");
  Instrument eth = instrument(Category::kLinear, "ETHUSDT", "2", "0.01", "0.01");
  Instrument spot = instrument(Category::kSpot, "BTCUSDT", "2", "0.01", "0.000001");
  InstrumentRegistry reg;
  InstrumentId btc_id = reg.add(btc);
  InstrumentId eth_id = reg.add(eth);
  InstrumentId spot_id = reg.add(spot);
  simdjson::dom::parser parser;
  std::vector<char> buf = std::vector<char>(1 << 16);

  Price px(const Instrument& in, std::string_view s) {
    Price p;
    EXPECT_EQ(to_price(in, s, p), DecimalError::kOk) << s;
    return p;
  }
  Qty qty(const Instrument& in, std::string_view s) {
    Qty q;
    EXPECT_EQ(to_qty(in, s, q), DecimalError::kOk) << s;
    return q;
  }
  static OrderLinkId link(uint64_t seq) {
    OrderLinkId id;
    EXPECT_EQ(make_link_id("mm", seq, id), LinkIdError::kOk);
    return id;
  }
  OrderCreate limit_buy() {
    OrderCreate a;
    a.instrument = btc_id;
    a.side = Side::kBuy;
    a.type = OrderType::kLimit;
    a.tif = TimeInForce::kPostOnly;
    a.price = px(btc, "65114.2");
    a.qty = qty(btc, "0.001");
    a.link_id = link(1);
    return a;
  }

  std::string_view text(const Encoded& e) const {
    EXPECT_TRUE(e.ok()) << to_string(e.error);
    return {buf.data(), e.size};
  }
  element parse(std::string_view s) {
    element root;
    EXPECT_EQ(parser.parse(s.data(), s.size()).get(root), simdjson::SUCCESS) << s;
    return root;
  }
};

std::vector<std::string> keys(element e) {
  std::vector<std::string> k;
  object o;
  EXPECT_EQ(e.get(o), simdjson::SUCCESS);
  for (auto field : o) k.emplace_back(field.key);
  return k;
}
std::string str(element e, const char* key) {
  std::string_view v;
  if (e[key].get(v) != simdjson::SUCCESS) return "<missing or not a string>";
  return std::string(v);
}
int64_t num(element e, const char* key) {
  int64_t v = -999;
  EXPECT_EQ(e[key].get(v), simdjson::SUCCESS) << key;
  return v;
}
using Keys = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------------------------
// Link ids.

TEST(LinkId, MakeIsDeterministicValidAndUniqueOverAMillionSequences) {
  std::unordered_set<std::string> seen;
  seen.reserve(1'100'000);
  for (uint64_t s = 0; s < 1'000'000; ++s) {
    OrderLinkId id;
    ASSERT_EQ(make_link_id("mmA_1", s, id), LinkIdError::kOk);
    ASSERT_EQ(validate_link_id(id.view()), LinkIdError::kOk);
    ASSERT_EQ(id.data[id.len], '\0');
    ASSERT_TRUE(seen.insert(std::string(id.view())).second) << id.view();
  }
  OrderLinkId a;
  OrderLinkId b;
  ASSERT_EQ(make_link_id("mm", 123456, a), LinkIdError::kOk);
  ASSERT_EQ(make_link_id("mm", 123456, b), LinkIdError::kOk);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.view(), "mm-123456");
}

TEST(LinkId, DistinctPrefixSequencePairsNeverCollide) {
  OrderLinkId a;
  OrderLinkId b;
  ASSERT_EQ(make_link_id("a1", 23, a), LinkIdError::kOk);
  ASSERT_EQ(make_link_id("a", 123, b), LinkIdError::kOk);
  EXPECT_NE(a.view(), b.view());
  ASSERT_EQ(make_link_id("a-1", 2, a), LinkIdError::kOk);
  ASSERT_EQ(make_link_id("a", 12, b), LinkIdError::kOk);
  EXPECT_NE(a.view(), b.view());
}

TEST(LinkId, LongestFitsBybitLimitAndParsesBack) {
  OrderLinkId id;
  const std::string prefix(kMaxLinkIdPrefixLen, 'Z');
  ASSERT_EQ(make_link_id(prefix, UINT64_MAX, id), LinkIdError::kOk);
  EXPECT_EQ(id.len, kMaxLinkIdLen);
  EXPECT_EQ(validate_link_id(id.view()), LinkIdError::kOk);
  uint64_t seq = 0;
  ASSERT_EQ(parse_link_id(id.view(), prefix, seq), LinkIdError::kOk);
  EXPECT_EQ(seq, UINT64_MAX);
  ASSERT_EQ(make_link_id("mm", 0, id), LinkIdError::kOk);
  ASSERT_EQ(parse_link_id(id.view(), "mm", seq), LinkIdError::kOk);
  EXPECT_EQ(seq, 0u);
}

TEST(LinkId, Errors) {
  OrderLinkId id;
  ASSERT_EQ(make_link_id("keep", 7, id), LinkIdError::kOk);
  EXPECT_EQ(make_link_id("", 1, id), LinkIdError::kEmpty);
  EXPECT_EQ(make_link_id(std::string(kMaxLinkIdPrefixLen + 1, 'a'), 1, id), LinkIdError::kTooLong);
  EXPECT_EQ(make_link_id("a b", 1, id), LinkIdError::kBadChar);
  EXPECT_EQ(make_link_id("a\"", 1, id), LinkIdError::kBadChar);
  EXPECT_EQ(id.view(), "keep-7") << "untouched on error";
  EXPECT_EQ(validate_link_id(""), LinkIdError::kEmpty);
  EXPECT_EQ(validate_link_id(std::string(37, 'a')), LinkIdError::kTooLong);
  EXPECT_EQ(validate_link_id("x.y"), LinkIdError::kBadChar);
  EXPECT_EQ(validate_link_id("550e8400-e29b-41d4-a716-446655440000"), LinkIdError::kOk);
  EXPECT_EQ(make_link_id(std::string_view("ext_ID-9"), id), LinkIdError::kOk);
  EXPECT_EQ(id.view(), "ext_ID-9");
  uint64_t seq = 99;
  EXPECT_EQ(parse_link_id("mm-12", "m", seq), LinkIdError::kNotOurs);
  EXPECT_EQ(parse_link_id("mm-", "mm", seq), LinkIdError::kNotOurs);
  EXPECT_EQ(parse_link_id("mm-012", "mm", seq), LinkIdError::kNotOurs);
  EXPECT_EQ(parse_link_id("mm-1x", "mm", seq), LinkIdError::kNotOurs);
  EXPECT_EQ(parse_link_id("mm-18446744073709551616", "mm", seq), LinkIdError::kNotOurs);
  EXPECT_EQ(seq, 99u);
}

// ---------------------------------------------------------------------------------------------------------------
// REST bodies.

TEST_F(OrderEncoderTest, CreateLimitBody) {
  const element b = parse(text(encode_rest_create(btc, limit_buy(), buf)));
  EXPECT_EQ(keys(b), (Keys{"category", "symbol", "side", "orderType", "qty", "price", "timeInForce",
                           "orderLinkId", "positionIdx"}));
  EXPECT_EQ(str(b, "category"), "linear");
  EXPECT_EQ(str(b, "symbol"), "BTCUSDT");
  EXPECT_EQ(str(b, "side"), "Buy");
  EXPECT_EQ(str(b, "orderType"), "Limit");
  EXPECT_EQ(str(b, "qty"), "0.001");
  EXPECT_EQ(str(b, "price"), "65114.20");
  EXPECT_EQ(str(b, "timeInForce"), "PostOnly");
  EXPECT_EQ(str(b, "orderLinkId"), "mm-1");
  EXPECT_EQ(num(b, "positionIdx"), 0);
}

TEST_F(OrderEncoderTest, CreateExactBytes) {
  EXPECT_EQ(text(encode_rest_create(btc, limit_buy(), buf)),
            R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001",)"
            R"("price":"65114.20","timeInForce":"PostOnly","orderLinkId":"mm-1","positionIdx":0})");
}

TEST_F(OrderEncoderTest, CreateSellReduceOnlyHedgeAndEveryTimeInForce) {
  OrderCreate a = limit_buy();
  a.side = Side::kSell;
  a.reduce_only = true;
  a.position_idx = 2;
  const struct {
    TimeInForce tif;
    const char* name;
  } cases[] = {{TimeInForce::kGtc, "GTC"},
               {TimeInForce::kIoc, "IOC"},
               {TimeInForce::kFok, "FOK"},
               {TimeInForce::kPostOnly, "PostOnly"}};
  for (const auto& c : cases) {
    a.tif = c.tif;
    const element b = parse(text(encode_rest_create(btc, a, buf)));
    EXPECT_EQ(str(b, "side"), "Sell");
    EXPECT_EQ(str(b, "timeInForce"), c.name);
    EXPECT_EQ(num(b, "positionIdx"), 2);
    bool reduce = false;
    EXPECT_EQ(b["reduceOnly"].get(reduce), simdjson::SUCCESS);
    EXPECT_TRUE(reduce);
  }
}

TEST_F(OrderEncoderTest, CreateMarketOrders) {
  OrderCreate a = limit_buy();
  a.type = OrderType::kMarket;
  a.tif = TimeInForce::kIoc;
  element b = parse(text(encode_rest_create(btc, a, buf)));
  EXPECT_EQ(keys(b), (Keys{"category", "symbol", "side", "orderType", "qty", "orderLinkId", "positionIdx"}));
  EXPECT_EQ(str(b, "orderType"), "Market");

  a.instrument = spot_id;
  a.qty = qty(spot, "0.000123");
  b = parse(text(encode_rest_create(spot, a, buf)));
  EXPECT_EQ(keys(b), (Keys{"category", "symbol", "side", "orderType", "qty", "marketUnit", "orderLinkId"}));
  EXPECT_EQ(str(b, "category"), "spot");
  EXPECT_EQ(str(b, "qty"), "0.000123");
  EXPECT_EQ(str(b, "marketUnit"), "baseCoin");
}

TEST_F(OrderEncoderTest, SpotLimitPricesAreTrimmed) {
  OrderCreate a = limit_buy();
  a.instrument = spot_id;
  a.price = px(spot, "65140");
  a.qty = qty(spot, "0.5");
  const element b = parse(text(encode_rest_create(spot, a, buf)));
  EXPECT_EQ(keys(b),
            (Keys{"category", "symbol", "side", "orderType", "qty", "price", "timeInForce", "orderLinkId"}));
  EXPECT_EQ(str(b, "price"), "65140");
  EXPECT_EQ(str(b, "qty"), "0.5");
}

TEST_F(OrderEncoderTest, CreateValidation) {
  OrderCreate a = limit_buy();
  a.qty = Qty{0};
  EXPECT_EQ(encode_rest_create(btc, a, buf).error, EncodeError::kBadQty);
  a = limit_buy();
  a.price = Price{0};
  EXPECT_EQ(encode_rest_create(btc, a, buf).error, EncodeError::kBadPrice);
  a = limit_buy();
  a.type = OrderType::kMarket;
  EXPECT_EQ(encode_rest_create(btc, a, buf).error, EncodeError::kBadTimeInForce);
  a = limit_buy();
  a.link_id = OrderLinkId{};
  EXPECT_EQ(encode_rest_create(btc, a, buf).error, EncodeError::kBadLinkId);
  a.link_id.len = 3;
  std::memcpy(a.link_id.data, "a\"b", 3);
  EXPECT_EQ(encode_rest_create(btc, a, buf).error, EncodeError::kBadLinkId);
  a = limit_buy();
  a.position_idx = 3;
  EXPECT_EQ(encode_rest_create(btc, a, buf).error, EncodeError::kBadPositionIdx);
  a = limit_buy();
  a.reduce_only = true;
  EXPECT_EQ(encode_rest_create(spot, a, buf).error, EncodeError::kUnsupportedForCategory);
}

TEST_F(OrderEncoderTest, AmendBodies) {
  OrderAmend a;
  a.instrument = btc_id;
  a.link_id = link(5);
  EXPECT_EQ(encode_rest_amend(btc, a, buf).error, EncodeError::kNothingToChange);
  a.price = px(btc, "65000.1");
  element b = parse(text(encode_rest_amend(btc, a, buf)));
  EXPECT_EQ(keys(b), (Keys{"category", "symbol", "orderLinkId", "price"}));
  EXPECT_EQ(str(b, "price"), "65000.10");
  a.qty = qty(btc, "1.5");
  b = parse(text(encode_rest_amend(btc, a, buf)));
  EXPECT_EQ(keys(b), (Keys{"category", "symbol", "orderLinkId", "qty", "price"}));
  EXPECT_EQ(str(b, "qty"), "1.500");
  a.price.reset();
  a.id_kind = OrderIdKind::kOrderId;
  ASSERT_EQ(make_link_id(std::string_view("1321003749386327552"), a.link_id), LinkIdError::kOk);
  b = parse(text(encode_rest_amend(btc, a, buf)));
  EXPECT_EQ(keys(b), (Keys{"category", "symbol", "orderId", "qty"}));
  EXPECT_EQ(str(b, "orderId"), "1321003749386327552");
  a.qty = Qty{0};
  EXPECT_EQ(encode_rest_amend(btc, a, buf).error, EncodeError::kBadQty);
  a.qty.reset();
  a.price = Price{-1};
  EXPECT_EQ(encode_rest_amend(btc, a, buf).error, EncodeError::kBadPrice);
}

TEST_F(OrderEncoderTest, CancelBodies) {
  OrderCancel c;
  c.instrument = btc_id;
  c.link_id = link(77);
  EXPECT_EQ(text(encode_rest_cancel(btc, c, buf)),
            R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"mm-77"})");
  c.id_kind = OrderIdKind::kOrderId;
  element b = parse(text(encode_rest_cancel(btc, c, buf)));
  EXPECT_EQ(keys(b), (Keys{"category", "symbol", "orderId"}));
  c.link_id = OrderLinkId{};
  EXPECT_EQ(encode_rest_cancel(btc, c, buf).error, EncodeError::kBadLinkId);
}

std::vector<OrderCreate> ladder(OrderEncoderTest& f, size_t n) {
  std::vector<OrderCreate> v;
  for (size_t i = 0; i < n; ++i) {
    OrderCreate a = f.limit_buy();
    const bool use_eth = i % 3 == 2;
    a.instrument = use_eth ? f.eth_id : f.btc_id;
    a.side = i % 2 == 0 ? Side::kBuy : Side::kSell;
    a.price = Price{a.price.ticks + static_cast<int64_t>(i)};
    if (use_eth) a.price = f.px(f.eth, "3000.01");
    a.qty = Qty{static_cast<int64_t>(i + 1)};
    a.link_id = OrderEncoderTest::link(1000 + i);
    v.push_back(a);
  }
  return v;
}

TEST_F(OrderEncoderTest, CreateBatchOneAndTenItems) {
  for (size_t n : {size_t{1}, size_t{10}}) {
    SCOPED_TRACE(n);
    const std::vector<OrderCreate> items = ladder(*this, n);
    const element b = parse(text(encode_rest_create_batch(reg, items, buf)));
    EXPECT_EQ(keys(b), (Keys{"category", "request"}));
    EXPECT_EQ(str(b, "category"), "linear");
    simdjson::dom::array req;
    ASSERT_EQ(b["request"].get(req), simdjson::SUCCESS);
    ASSERT_EQ(req.size(), n);
    size_t i = 0;
    for (element item : req) {
      EXPECT_EQ(keys(item), (Keys{"symbol", "side", "orderType", "qty", "price", "timeInForce", "orderLinkId",
                                  "positionIdx"}));
      const bool is_eth = i % 3 == 2;
      EXPECT_EQ(str(item, "symbol"), is_eth ? "ETHUSDT" : "BTCUSDT");
      EXPECT_EQ(str(item, "side"), i % 2 == 0 ? "Buy" : "Sell");
      char want_price[32];
      const Instrument& in = is_eth ? eth : btc;
      want_price[format_price(in, items[i].price, want_price)] = 0;
      EXPECT_EQ(str(item, "price"), want_price);
      char want_qty[32];
      want_qty[format_qty(in, items[i].qty, want_qty)] = 0;
      EXPECT_EQ(str(item, "qty"), want_qty);
      EXPECT_EQ(str(item, "orderLinkId"), "mm-" + std::to_string(1000 + i));
      ++i;
    }
  }
}

TEST_F(OrderEncoderTest, AmendAndCancelBatches) {
  std::vector<OrderAmend> amends(10);
  std::vector<OrderCancel> cancels(10);
  for (size_t i = 0; i < 10; ++i) {
    amends[i].instrument = btc_id;
    amends[i].link_id = link(i);
    amends[i].price = Price{651142 + static_cast<int64_t>(i)};
    cancels[i].instrument = btc_id;
    cancels[i].link_id = link(i);
  }
  element b = parse(text(encode_rest_amend_batch(reg, amends, buf)));
  simdjson::dom::array req;
  ASSERT_EQ(b["request"].get(req), simdjson::SUCCESS);
  EXPECT_EQ(req.size(), 10u);
  EXPECT_EQ(str(req.at(3).value(), "price"), "65114.50");
  EXPECT_EQ(keys(req.at(0).value()), (Keys{"symbol", "orderLinkId", "price"}));
  b = parse(text(encode_rest_cancel_batch(reg, std::span(cancels).first(1), buf)));
  ASSERT_EQ(b["request"].get(req), simdjson::SUCCESS);
  EXPECT_EQ(req.size(), 1u);
  EXPECT_EQ(keys(req.at(0).value()), (Keys{"symbol", "orderLinkId"}));
}

TEST_F(OrderEncoderTest, BatchErrors) {
  std::vector<OrderCreate> items = ladder(*this, kMaxBatchItems + 1);
  EXPECT_EQ(encode_rest_create_batch(reg, items, buf).error, EncodeError::kBatchTooLarge);
  EXPECT_TRUE(encode_rest_create_batch(reg, std::span(items).first(kMaxBatchItems), buf).ok());
  EXPECT_EQ(encode_rest_create_batch(reg, std::span<const OrderCreate>(), buf).error,
            EncodeError::kEmptyBatch);
  std::vector<OrderCreate> spot_items(kMaxSpotBatchItems + 1, limit_buy());
  for (auto& a : spot_items) a.instrument = spot_id;
  EXPECT_EQ(encode_rest_create_batch(reg, spot_items, buf).error, EncodeError::kBatchTooLarge);
  std::vector<OrderCreate> mixed = ladder(*this, 2);
  mixed[1].instrument = spot_id;
  EXPECT_EQ(encode_rest_create_batch(reg, mixed, buf).error, EncodeError::kMixedCategory);
  mixed[1].instrument = 999;
  EXPECT_EQ(encode_rest_create_batch(reg, mixed, buf).error, EncodeError::kUnknownInstrument);
  mixed[1] = limit_buy();
  mixed[1].qty = Qty{0};
  EXPECT_EQ(encode_rest_create_batch(reg, mixed, buf).error, EncodeError::kBadQty);
}

TEST_F(OrderEncoderTest, CancelAllBodies) {
  EXPECT_EQ(text(encode_rest_cancel_all(btc, buf)), R"({"category":"linear","symbol":"BTCUSDT"})");
  EXPECT_EQ(text(encode_rest_cancel_all(Category::kLinear, "USDT", buf)),
            R"({"category":"linear","settleCoin":"USDT"})");
  EXPECT_EQ(text(encode_rest_cancel_all(Category::kSpot, "", buf)), R"({"category":"spot"})");
  EXPECT_EQ(encode_rest_cancel_all(Category::kLinear, "", buf).error, EncodeError::kBadCoin);
  EXPECT_EQ(encode_rest_cancel_all(Category::kLinear, "us\"dt", buf).error, EncodeError::kBadCoin);
  EXPECT_EQ(encode_rest_cancel_all(Category::kSpot, "USDT", buf).error, EncodeError::kUnsupportedForCategory);
  CancelAll all;
  all.instrument = eth_id;
  EXPECT_EQ(text(encode_rest_cancel_all(reg, all, buf)), R"({"category":"linear","symbol":"ETHUSDT"})");
  all.instrument = kNoInstrument;
  all.category = Category::kLinear;
  std::memcpy(all.settle_coin, "USDC", 4);
  all.settle_coin_len = 4;
  EXPECT_EQ(text(encode_rest_cancel_all(reg, all, buf)), R"({"category":"linear","settleCoin":"USDC"})");
  all.instrument = 500;
  EXPECT_EQ(encode_rest_cancel_all(reg, all, buf).error, EncodeError::kUnknownInstrument);
}

TEST_F(OrderEncoderTest, TradingStopBodies) {
  TradingStop t;
  t.instrument = btc_id;
  EXPECT_EQ(encode_rest_trading_stop(btc, t, buf).error, EncodeError::kNothingToChange);
  t.take_profit = px(btc, "70000");
  t.stop_loss = px(btc, "60000.5");
  t.trailing_stop = px(btc, "150");
  t.tp_trigger_by = TriggerBy::kLastPrice;
  t.sl_trigger_by = TriggerBy::kIndexPrice;
  t.position_idx = 1;
  element b = parse(text(encode_rest_trading_stop(btc, t, buf)));
  EXPECT_EQ(keys(b), (Keys{"category", "symbol", "tpslMode", "positionIdx", "takeProfit", "tpTriggerBy",
                           "stopLoss", "slTriggerBy", "trailingStop"}));
  EXPECT_EQ(str(b, "tpslMode"), "Full");
  EXPECT_EQ(num(b, "positionIdx"), 1);
  EXPECT_EQ(str(b, "takeProfit"), "70000.00");
  EXPECT_EQ(str(b, "stopLoss"), "60000.50");
  EXPECT_EQ(str(b, "trailingStop"), "150.00");
  EXPECT_EQ(str(b, "tpTriggerBy"), "LastPrice");
  EXPECT_EQ(str(b, "slTriggerBy"), "IndexPrice");
  // Clearing: zero goes out as "0"; absent fields are not sent at all.
  t.take_profit = Price{0};
  t.stop_loss.reset();
  t.trailing_stop.reset();
  t.tp_trigger_by = TriggerBy::kMarkPrice;
  b = parse(text(encode_rest_trading_stop(btc, t, buf)));
  EXPECT_EQ(keys(b), (Keys{"category", "symbol", "tpslMode", "positionIdx", "takeProfit", "tpTriggerBy"}));
  EXPECT_EQ(str(b, "takeProfit"), "0");
  EXPECT_EQ(str(b, "tpTriggerBy"), "MarkPrice");
  t.take_profit = Price{-1};
  EXPECT_EQ(encode_rest_trading_stop(btc, t, buf).error, EncodeError::kBadPrice);
  t.take_profit = Price{1};
  t.position_idx = 3;
  EXPECT_EQ(encode_rest_trading_stop(btc, t, buf).error, EncodeError::kBadPositionIdx);
  t.position_idx = 0;
  EXPECT_EQ(encode_rest_trading_stop(spot, t, buf).error, EncodeError::kUnsupportedForCategory);
}

// Runs `encode` into every buffer size below the needed one: each must fail with kBufferTooSmall and leave
// the guard bytes after the span untouched; the exact size must succeed with the same bytes.
template <class Fn>
void check_every_short_buffer(Fn&& encode) {
  std::vector<char> big(1 << 14);
  const Encoded full = encode(std::span<char>(big));
  ASSERT_TRUE(full.ok()) << to_string(full.error);
  const std::string want(big.data(), full.size);
  for (size_t n = 0; n <= full.size; ++n) {
    std::vector<char> b(n + 64, '#');
    const Encoded e = encode(std::span<char>(b.data(), n));
    if (n < full.size) {
      ASSERT_EQ(e.error, EncodeError::kBufferTooSmall) << n;
    } else {
      ASSERT_TRUE(e.ok());
      ASSERT_EQ(std::string(b.data(), e.size), want);
    }
    for (size_t i = n; i < b.size(); ++i)
      ASSERT_EQ(b[i], '#') << "wrote past the buffer at " << i << " of " << n;
  }
}

TEST_F(OrderEncoderTest, EveryEncoderFailsCleanlyOnEveryShortBuffer) {
  const OrderCreate c = limit_buy();
  OrderAmend am;
  am.instrument = btc_id;
  am.link_id = link(3);
  am.price = Price{651000};
  am.qty = Qty{7};
  OrderCancel cn;
  cn.instrument = btc_id;
  cn.link_id = link(3);
  TradingStop ts;
  ts.take_profit = Price{700000};
  ts.stop_loss = Price{600000};
  ts.trailing_stop = Price{10};
  const std::vector<OrderCreate> batch = ladder(*this, 10);
  const WsRequestMeta m{"req-1", 1700000000000, 5000};
  Signer signer;
  ASSERT_EQ(signer.init("test_api_key", "test_secret"), SignerError::kOk);
  const std::string_view topics[] = {"orderbook.50.BTCUSDT", "publicTrade.BTCUSDT"};

  check_every_short_buffer([&](std::span<char> o) { return encode_rest_create(btc, c, o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_rest_amend(btc, am, o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_rest_cancel(btc, cn, o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_rest_create_batch(reg, batch, o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_rest_cancel_all(btc, o); });
  check_every_short_buffer(
      [&](std::span<char> o) { return encode_rest_cancel_all(Category::kLinear, "USDT", o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_rest_trading_stop(btc, ts, o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_ws_create(m, btc, c, o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_ws_amend(m, btc, am, o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_ws_cancel(m, btc, cn, o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_ws_create_batch(m, reg, batch, o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_ws_auth(signer, 1700000000000, o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_ws_ping(o); });
  check_every_short_buffer([&](std::span<char> o) { return encode_ws_subscribe(topics, "sub-1", o); });
  check_every_short_buffer([&](std::span<char> o) {
    return encode_http_post(signer, "api.bybit.com", kPathOrderCreate, 1700000000000, 5000, "{\"a\":1}", o);
  });
  check_every_short_buffer([&](std::span<char> o) {
    return encode_http_get(signer, "api.bybit.com", "/v5/order/realtime", "category=linear", 1700000000000,
                           5000, o);
  });
}

TEST_F(OrderEncoderTest, WorstCaseBodiesFitTheDocumentedBounds) {
  const Instrument big =
      instrument(Category::kInverse, "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "10", "0.0000000001", "0.00000001");
  InstrumentRegistry r;
  const InstrumentId id = r.add(big);
  OrderCreate a;
  a.instrument = id;
  a.side = Side::kSell;
  a.tif = TimeInForce::kPostOnly;
  a.reduce_only = true;
  a.position_idx = 2;
  a.price = Price{INT64_MAX};
  a.qty = Qty{INT64_MAX};
  ASSERT_EQ(make_link_id(std::string(kMaxLinkIdPrefixLen, 'p'), UINT64_MAX, a.link_id), LinkIdError::kOk);
  std::vector<char> small(kMaxSingleBodyLen);
  const Encoded e = encode_rest_create(big, a, small);
  ASSERT_TRUE(e.ok());
  EXPECT_GT(e.size, 250u) << "the worst case should be near the bound, else the test is not worst";
  TradingStop t;
  t.take_profit = t.stop_loss = t.trailing_stop = Price{INT64_MAX};
  t.tp_trigger_by = t.sl_trigger_by = TriggerBy::kIndexPrice;
  EXPECT_TRUE(encode_rest_trading_stop(big, t, small).ok());
  OrderAmend am;
  am.instrument = id;
  am.link_id = a.link_id;
  am.price = Price{INT64_MAX};
  am.qty = Qty{INT64_MAX};
  EXPECT_TRUE(encode_rest_amend(big, am, small).ok());
  const std::vector<OrderCreate> items(kMaxBatchItems, a);
  std::vector<char> batch(kMaxBatchBodyLen);
  EXPECT_TRUE(encode_rest_create_batch(r, items, batch).ok());
}

// ---------------------------------------------------------------------------------------------------------------
// Trade WebSocket.

TEST_F(OrderEncoderTest, WsCreateEnvelope) {
  const WsRequestMeta m{"q-42", 1700000000000, 5000};
  const std::string_view json = text(encode_ws_create(m, btc, limit_buy(), buf));
  const element b = parse(json);
  EXPECT_EQ(keys(b), (Keys{"reqId", "header", "op", "args"}));
  EXPECT_EQ(str(b, "reqId"), "q-42");
  EXPECT_EQ(str(b, "op"), "order.create");
  EXPECT_EQ(str(b["header"].value(), "X-BAPI-TIMESTAMP"), "1700000000000");
  EXPECT_EQ(str(b["header"].value(), "X-BAPI-RECV-WINDOW"), "5000");
  simdjson::dom::array args;
  ASSERT_EQ(b["args"].get(args), simdjson::SUCCESS);
  ASSERT_EQ(args.size(), 1u);
  // The args object is byte-identical to the REST body.
  std::vector<char> rest(512);
  const Encoded r = encode_rest_create(btc, limit_buy(), rest);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(json.find(std::string_view(rest.data(), r.size)), std::string_view::npos);
  EXPECT_EQ(str(args.at(0).value(), "price"), "65114.20");
}

TEST_F(OrderEncoderTest, WsAmendCancelAndBatchOps) {
  const WsRequestMeta m{"", 1700000000123, 3000};
  OrderAmend am;
  am.instrument = btc_id;
  am.link_id = link(9);
  am.qty = qty(btc, "0.002");
  element b = parse(text(encode_ws_amend(m, btc, am, buf)));
  EXPECT_EQ(keys(b), (Keys{"header", "op", "args"})) << "empty reqId is omitted";
  EXPECT_EQ(str(b, "op"), "order.amend");
  EXPECT_EQ(str(b["header"].value(), "X-BAPI-RECV-WINDOW"), "3000");
  EXPECT_EQ(str(b["args"].at(0).value(), "qty"), "0.002");
  OrderCancel cn;
  cn.instrument = btc_id;
  cn.link_id = link(9);
  b = parse(text(encode_ws_cancel(m, btc, cn, buf)));
  EXPECT_EQ(str(b, "op"), "order.cancel");
  EXPECT_EQ(str(b["args"].at(0).value(), "orderLinkId"), "mm-9");

  for (size_t n : {size_t{1}, size_t{10}}) {
    const std::vector<OrderCreate> items = ladder(*this, n);
    b = parse(text(encode_ws_create_batch(m, reg, items, buf)));
    EXPECT_EQ(str(b, "op"), "order.create-batch");
    simdjson::dom::array args;
    ASSERT_EQ(b["args"].get(args), simdjson::SUCCESS);
    ASSERT_EQ(args.size(), 1u);
    EXPECT_EQ(keys(args.at(0).value()), (Keys{"category", "request"}));
    EXPECT_EQ(str(args.at(0).value(), "category"), "linear");
    simdjson::dom::array req;
    ASSERT_EQ(args.at(0)["request"].get(req), simdjson::SUCCESS);
    EXPECT_EQ(req.size(), n);
  }
  const std::vector<OrderAmend> amends(3, am);
  b = parse(text(encode_ws_amend_batch(m, reg, amends, buf)));
  EXPECT_EQ(str(b, "op"), "order.amend-batch");
  const std::vector<OrderCancel> cancels(2, cn);
  b = parse(text(encode_ws_cancel_batch(m, reg, cancels, buf)));
  EXPECT_EQ(str(b, "op"), "order.cancel-batch");
  EXPECT_EQ(keys(b["args"].at(0)["request"].at(1).value()), (Keys{"symbol", "orderLinkId"}));
}

TEST_F(OrderEncoderTest, WsReqIdValidation) {
  WsRequestMeta m{"has space", 1, 1};
  EXPECT_EQ(encode_ws_create(m, btc, limit_buy(), buf).error, EncodeError::kBadReqId);
  m.req_id = "q\"";
  EXPECT_EQ(encode_ws_cancel(m, btc, OrderCancel{btc_id, OrderIdKind::kLinkId, link(1)}, buf).error,
            EncodeError::kBadReqId);
  const std::string long_id(37, 'a');
  m.req_id = long_id;
  EXPECT_EQ(encode_ws_create(m, btc, limit_buy(), buf).error, EncodeError::kBadReqId);
}

TEST_F(OrderEncoderTest, WsAuthPingSubscribe) {
  Signer s;
  ASSERT_EQ(s.init("test_api_key", "test_secret"), SignerError::kOk);
  EXPECT_EQ(text(encode_ws_auth(s, 1700000000000, buf)),
            R"({"op":"auth","args":["test_api_key",1700000000000,)"
            R"("bacffe7500499eb829bb58c45d36d1b3e5ac67c14eaeba91df5e99ccee013925"]})");
  Signer not_ready;
  EXPECT_EQ(encode_ws_auth(not_ready, 1, buf).error, EncodeError::kSignerNotReady);
  EXPECT_EQ(text(encode_ws_ping(buf)), R"({"op":"ping"})");
  const std::string_view topics[] = {"orderbook.50.BTCUSDT", "publicTrade.BTCUSDT", "order"};
  EXPECT_EQ(text(encode_ws_subscribe(topics, "", buf)),
            R"({"op":"subscribe","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT","order"]})");
  const element b = parse(text(encode_ws_unsubscribe(std::span(topics).first(1), "u1", buf)));
  EXPECT_EQ(keys(b), (Keys{"req_id", "op", "args"}));
  EXPECT_EQ(str(b, "op"), "unsubscribe");
  const std::string_view bad[] = {"ok", "quo\"te"};
  EXPECT_EQ(encode_ws_subscribe(bad, "", buf).error, EncodeError::kBadTopic);
  const std::string_view empty_topic[] = {""};
  EXPECT_EQ(encode_ws_subscribe(empty_topic, "", buf).error, EncodeError::kBadTopic);
  EXPECT_EQ(encode_ws_subscribe(std::span<const std::string_view>(), "", buf).error,
            EncodeError::kEmptyBatch);
}

TEST_F(OrderEncoderTest, WsFramedCreateUnmasksToTheSameJson) {
  const WsRequestMeta m{"q-1", 1700000000000, 5000};
  std::vector<char> plain(512);
  const Encoded p = encode_ws_create(m, btc, limit_buy(), plain);
  ASSERT_TRUE(p.ok());
  const uint32_t key = 0x11223344;
  const EncodedFrame f = encode_ws_create_frame(m, btc, limit_buy(), key, buf);
  ASSERT_TRUE(f.ok());
  const char* frame = buf.data() + f.offset;
  EXPECT_EQ(static_cast<uint8_t>(frame[0]), 0x81);
  const size_t h = client_header_len(p.size);
  EXPECT_EQ(f.size, h + p.size);
  EXPECT_EQ(f.offset + h, kMaxClientHeaderLen);
  EXPECT_EQ(std::memcmp(frame + h - 4, &key, 4), 0);
  std::string payload(frame + h, p.size);
  mask_payload(payload.data(), payload.size(), key);
  EXPECT_EQ(payload, std::string_view(plain.data(), p.size));

  OrderCancel cn{btc_id, OrderIdKind::kLinkId, link(5)};
  EXPECT_TRUE(encode_ws_cancel_frame(m, btc, cn, key, buf).ok());
  OrderAmend am;
  am.instrument = btc_id;
  am.link_id = link(5);
  EXPECT_EQ(encode_ws_amend_frame(m, btc, am, key, buf).error, EncodeError::kNothingToChange);
  EXPECT_EQ(encode_ws_create_frame(m, btc, limit_buy(), key, std::span<char>(buf.data(), 60)).error,
            EncodeError::kBufferTooSmall);
  EXPECT_EQ(encode_ws_create_frame(m, btc, limit_buy(), key, std::span<char>(buf.data(), 5)).error,
            EncodeError::kBufferTooSmall);
}

// ---------------------------------------------------------------------------------------------------------------
// Signed HTTP requests.

TEST_F(OrderEncoderTest, SignedPostSendsTheSignedBytes) {
  Signer s;
  ASSERT_EQ(s.init("test_api_key", "test_secret"), SignerError::kOk);
  const std::string_view body =
      R"({"category": "linear", "symbol": "BTCUSDT", "orderLinkId": "test-order-1"})";
  const std::string_view req =
      text(encode_http_post(s, "api.bybit.com", kPathOrderCreate, 1700000000000, 5000, body, buf));
  const std::string expected =
      std::string("POST /v5/order/create HTTP/1.1\r\n") +
      "Host: api.bybit.com\r\n"
      "Content-Type: application/json\r\n"
      "X-BAPI-API-KEY: test_api_key\r\n"
      "X-BAPI-TIMESTAMP: 1700000000000\r\n"
      "X-BAPI-RECV-WINDOW: 5000\r\n"
      "X-BAPI-SIGN: 2df4a0603d69c08d5dea29ba85b46eb7db64ce9e9ebd34a7802a3d69700cb2a1\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  EXPECT_EQ(req, expected);
}

TEST_F(OrderEncoderTest, SignedGetAndHeaderFields) {
  Signer s;
  ASSERT_EQ(s.init("test_api_key", "test_secret"), SignerError::kOk);
  const std::string_view req = text(encode_http_get(
      s, "api.bybit.com", "/v5/order/realtime", "category=linear&symbol=BTCUSDT", 1700000000000, 5000, buf));
  EXPECT_EQ(req,
            "GET /v5/order/realtime?category=linear&symbol=BTCUSDT HTTP/1.1\r\n"
            "Host: api.bybit.com\r\n"
            "X-BAPI-API-KEY: test_api_key\r\n"
            "X-BAPI-TIMESTAMP: 1700000000000\r\n"
            "X-BAPI-RECV-WINDOW: 5000\r\n"
            "X-BAPI-SIGN: fd4f31228a46109dc6673062328693696df9a96c7ff04e6491a45e7f63a0fdd7\r\n\r\n");
  RestAuthHeaders h;
  ASSERT_EQ(sign_rest_headers(s, 1700000000000, 5000, "category=linear&symbol=BTCUSDT", h), EncodeError::kOk);
  EXPECT_EQ(h.api_key, "test_api_key");
  EXPECT_EQ(h.timestamp_view(), "1700000000000");
  EXPECT_EQ(h.recv_window_view(), "5000");
  EXPECT_EQ(h.sign_view(), "fd4f31228a46109dc6673062328693696df9a96c7ff04e6491a45e7f63a0fdd7");
}

TEST_F(OrderEncoderTest, HttpTargetsAreGuarded) {
  Signer s;
  ASSERT_EQ(s.init("k", "s"), SignerError::kOk);
  EXPECT_EQ(encode_http_post(s, "evil\r\nX: 1", "/p", 1, 1, "{}", buf).error, EncodeError::kBadTarget);
  EXPECT_EQ(encode_http_post(s, "h", "p", 1, 1, "{}", buf).error, EncodeError::kBadTarget);
  EXPECT_EQ(encode_http_post(s, "", "/p", 1, 1, "{}", buf).error, EncodeError::kBadTarget);
  EXPECT_EQ(encode_http_post(s, "h", "/p q", 1, 1, "{}", buf).error, EncodeError::kBadTarget);
  EXPECT_EQ(encode_http_get(s, "h", "/p", "a=1\nb", 1, 1, buf).error, EncodeError::kBadTarget);
  Signer not_ready;
  EXPECT_EQ(encode_http_post(not_ready, "h", "/p", 1, 1, "{}", buf).error, EncodeError::kSignerNotReady);
}

// ---------------------------------------------------------------------------------------------------------------

TEST_F(OrderEncoderTest, EncodingAllocatesNothing) {
  Signer s;
  ASSERT_EQ(s.init("test_api_key", "test_secret"), SignerError::kOk);
  const std::vector<OrderCreate> batch = ladder(*this, 10);
  const OrderCreate c = limit_buy();
  OrderAmend am;
  am.instrument = btc_id;
  am.link_id = link(2);
  am.price = Price{650000};
  const OrderCancel cn{btc_id, OrderIdKind::kLinkId, link(2)};
  TradingStop ts;
  ts.stop_loss = Price{600000};
  MaskKeySource keys_src(7);
  std::vector<char> body(1024);
  test::AllocScope scope;
  for (int64_t i = 0; i < 100; ++i) {
    const WsRequestMeta m{"r-1", 1700000000000 + i, 5000};
    ASSERT_TRUE(encode_ws_create_frame(m, btc, c, keys_src.next(), buf).ok());
    ASSERT_TRUE(encode_ws_amend_frame(m, btc, am, keys_src.next(), buf).ok());
    ASSERT_TRUE(encode_ws_cancel_frame(m, btc, cn, keys_src.next(), buf).ok());
    ASSERT_TRUE(encode_ws_create_batch(m, reg, batch, buf).ok());
    ASSERT_TRUE(encode_ws_auth(s, 1700000000000 + i, buf).ok());
    const Encoded b = encode_rest_create(btc, c, body);
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE(encode_http_post(s, "api.bybit.com", kPathOrderCreate, 1700000000000 + i, 5000,
                                 std::string_view(body.data(), b.size), buf)
                    .ok());
    ASSERT_TRUE(encode_rest_trading_stop(btc, ts, buf).ok());
    ASSERT_TRUE(encode_rest_cancel_all(btc, buf).ok());
  }
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace
}  // namespace mm
