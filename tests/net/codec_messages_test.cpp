// Hand-written frames in the shapes of Bybit's V5 documentation: private topics, trade-WebSocket
// answers, acks, pongs, liquidations, option shapes, ticker merging, key order, REST envelope.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "net/bybit_codec.h"
#include "tests/net/codec_test_registry.h"

namespace mm {
namespace {

class CodecMessages : public ::testing::Test {
 protected:
  std::unique_ptr<InstrumentRegistry> reg_ = test::small_registry();
  BybitCodec codec_{*reg_};

  ParseResult parse(std::string_view frame, Category c = Category::kLinear) { return codec_.parse(frame, c); }
  InstrumentId id(Category c, std::string_view s) const { return reg_->find(c, s); }
  void expect_ok(std::string_view frame, MsgKind kind, Category c = Category::kLinear) {
    const ParseResult r = parse(frame, c);
    EXPECT_EQ(r.error, CodecError::kOk) << to_string(r.error) << " decimal "
                                        << to_string(codec_.stats().last_decimal_error);
    EXPECT_EQ(r.kind, kind) << to_string(r.kind);
  }
};

// --- acks and pongs --------------------------------------------------------------------------------

TEST_F(CodecMessages, SubscribeAckShapes) {
  expect_ok(R"({"success":true,"ret_msg":"","conn_id":"d8bu1olkndm7crnfs1e0-j6akw","req_id":"","op":"subscribe"})",
            MsgKind::kSubscribeAck);
  EXPECT_TRUE(codec_.control().success);
  EXPECT_EQ(codec_.control().conn_id.view(), "d8bu1olkndm7crnfs1e0-j6akw");
  EXPECT_FALSE(codec_.control().unsubscribe);

  expect_ok(R"({"success":true,"ret_msg":"subscribe","conn_id":"d9avt8shteepr00gfc1g-4zd1x","op":"subscribe"})",
            MsgKind::kSubscribeAck, Category::kSpot);
  EXPECT_TRUE(codec_.control().success);
  EXPECT_TRUE(codec_.control().req_id.empty());

  // Option shape: data before type, no op.
  expect_ok(R"({"success":true,"conn_id":"f6f3ca28-35b5-4f1c-8e10-bd4aa9a4e2bd","data":{"failTopics":[],)"
            R"("successTopics":["orderbook.100.BTC-6JAN23-18000-C","tickers.BTC-6JAN23-17500-C"]},"type":"COMMAND_RESP"})",
            MsgKind::kSubscribeAck, Category::kOption);
  EXPECT_TRUE(codec_.control().success);
  EXPECT_EQ(codec_.control().success_topics, 2u);
  EXPECT_EQ(codec_.control().fail_topics, 0u);

  expect_ok(R"({"success":false,"ret_msg":"error:handler not found,topic:orderbook.7.BTCUSDT","conn_id":"x","req_id":"7","op":"subscribe"})",
            MsgKind::kSubscribeAck);
  EXPECT_FALSE(codec_.control().success);
  EXPECT_EQ(codec_.control().req_id.view(), "7");
  EXPECT_EQ(codec_.control().ret_msg.view().substr(0, 24), "error:handler not found,");

  expect_ok(R"({"success":true,"ret_msg":"","conn_id":"c","req_id":"","op":"unsubscribe"})", MsgKind::kSubscribeAck);
  EXPECT_TRUE(codec_.control().unsubscribe);
}

TEST_F(CodecMessages, PongShapes) {
  expect_ok(R"({"success":true,"ret_msg":"pong","conn_id":"0970e817-426e-429a-a679-ff7f55e0b16a","op":"ping"})",
            MsgKind::kPong);
  EXPECT_TRUE(codec_.control().success);
  expect_ok(R"({"req_id":"100001","op":"pong","args":["1672916271846"],"conn_id":"cfcb4ocsvfriu23r3er0-1b"})",
            MsgKind::kPong);
  EXPECT_EQ(codec_.control().pong_ts_ms, 1672916271846);
  EXPECT_EQ(codec_.control().req_id.view(), "100001");
  expect_ok(R"({"args":["1672916271846"],"op":"pong"})", MsgKind::kPong, Category::kOption);
  EXPECT_EQ(codec_.control().pong_ts_ms, 1672916271846);
}

TEST_F(CodecMessages, AuthAckShapes) {
  expect_ok(R"({"success":true,"ret_msg":"","op":"auth","conn_id":"cejreaspqfh3sjdnldmg-p"})", MsgKind::kAuthAck);
  EXPECT_TRUE(codec_.control().success);
  expect_ok(R"({"retCode":0,"retMsg":"OK","op":"auth","connId":"cnt5leec0hvan15eukcg-2t"})", MsgKind::kAuthAck);
  EXPECT_TRUE(codec_.control().success);
  EXPECT_EQ(codec_.control().conn_id.view(), "cnt5leec0hvan15eukcg-2t");
  expect_ok(R"({"retCode":10004,"retMsg":"Invalid sign","op":"auth","connId":"x"})", MsgKind::kAuthAck);
  EXPECT_FALSE(codec_.control().success);
  EXPECT_EQ(codec_.control().ret_code, 10004);
  EXPECT_EQ(codec_.control().ret_msg.view(), "Invalid sign");
}

TEST_F(CodecMessages, TradeAckSingle) {
  expect_ok(R"({"reqId":"test-005","retCode":0,"retMsg":"OK","op":"order.create","data":{"orderId":)"
            R"("a4c1718e-fe53-4659-a6a7-e1b43b6a3f5d","orderLinkId":"1744072052193428479"},"retExtInfo":{},)"
            R"("header":{"X-Bapi-Limit":"10","X-Bapi-Limit-Status":"9","X-Bapi-Limit-Reset-Timestamp":"1711001595207",)"
            R"("Traceid":"38a9ea1e3cab4ab6c2f7d7f1e3e6cf0d","Timenow":"1711001595209"},"connId":"cpv85t788smd5eps8ncg-2tv"})",
            MsgKind::kTradeAck);
  const TradeAck& a = codec_.trade_ack();
  EXPECT_EQ(a.op, TradeOp::kCreate);
  EXPECT_EQ(a.ret_code, 0);
  EXPECT_EQ(a.req_id.view(), "test-005");
  EXPECT_EQ(a.order_id.view(), "a4c1718e-fe53-4659-a6a7-e1b43b6a3f5d");
  EXPECT_EQ(a.order_link_id.view(), "1744072052193428479");
  EXPECT_EQ(a.limit, 10);
  EXPECT_EQ(a.limit_status, 9);
  EXPECT_EQ(a.limit_reset_ms, 1711001595207);
  EXPECT_EQ(a.time_now_ms, 1711001595209);
  EXPECT_EQ(a.item_count, 0u);

  // A refusal: no data, a retCode.
  expect_ok(R"({"reqId":"r2","retCode":10006,"retMsg":"Too many visits!","op":"order.amend","data":{},)"
            R"("header":{"X-Bapi-Limit":"10","X-Bapi-Limit-Status":"0","X-Bapi-Limit-Reset-Timestamp":"1711001595999"}})",
            MsgKind::kTradeAck);
  EXPECT_EQ(codec_.trade_ack().op, TradeOp::kAmend);
  EXPECT_EQ(codec_.trade_ack().ret_code, 10006);
  EXPECT_EQ(codec_.trade_ack().limit_status, 0);
  EXPECT_TRUE(codec_.trade_ack().order_id.empty());
}

TEST_F(CodecMessages, TradeAckBatchInEitherOrder) {
  const std::string data = R"("data":{"list":[{"category":"linear","symbol":"BTCUSDT","orderId":"id-1",)"
                           R"("orderLinkId":"link-1","createAt":"1711001595207"},{"category":"linear","symbol":"BTCUSDT",)"
                           R"("orderId":"","orderLinkId":"link-2","createAt":""}]})";
  const std::string ext = R"("retExtInfo":{"list":[{"code":0,"msg":"OK"},{"code":10001,"msg":"params error"}]})";
  for (const std::string& frame :
       {R"({"reqId":"b1","retCode":0,"retMsg":"OK","op":"order.create-batch",)" + data + "," + ext + R"(,"connId":"c"})",
        R"({"op":"order.create-batch",)" + ext + "," + data + R"(,"retCode":0,"retMsg":"OK","reqId":"b1"})"}) {
    expect_ok(frame, MsgKind::kTradeAck);
    const TradeAck& a = codec_.trade_ack();
    EXPECT_EQ(a.op, TradeOp::kCreateBatch);
    ASSERT_EQ(a.item_count, 2u);
    EXPECT_EQ(a.items[0].code, 0);
    EXPECT_EQ(a.items[0].order_id.view(), "id-1");
    EXPECT_EQ(a.items[0].order_link_id.view(), "link-1");
    EXPECT_EQ(a.items[0].instrument, id(Category::kLinear, "BTCUSDT"));
    EXPECT_EQ(a.items[1].code, 10001);
    EXPECT_EQ(a.items[1].msg.view(), "params error");
    EXPECT_TRUE(a.items[1].order_id.empty());
    EXPECT_EQ(a.items[1].order_link_id.view(), "link-2");
  }
}

TEST_F(CodecMessages, TradeAckWithoutRetCodeIsMissingField) {
  const ParseResult r = parse(R"({"op":"order.create","data":{"orderId":"x"}})");
  EXPECT_EQ(r.error, CodecError::kMissingField);
}

// --- private topics ----------------------------------------------------------------------------------

TEST_F(CodecMessages, OrderLinear) {
  expect_ok(R"({"id":"5923240c6880ab-c59f-420b-9adb-3639adc9dd90","topic":"order","creationTime":1672364262474,)"
            R"("data":[{"symbol":"BTCUSDT","orderId":"5cf98598-39a7-459e-97bf-76ca765ee020","side":"Sell",)"
            R"("orderType":"Limit","cancelType":"UNKNOWN","price":"72000.50","qty":"0.010","orderIv":"",)"
            R"("timeInForce":"PostOnly","orderStatus":"PartiallyFilled","orderLinkId":"mm-000001",)"
            R"("lastPriceOnCreated":"","reduceOnly":false,"leavesQty":"0.004","leavesValue":"","cumExecQty":"0.006",)"
            R"("cumExecValue":"432.003","avgPrice":"72000.5","blockTradeId":"","positionIdx":0,)"
            R"("cumExecFee":"-0.0432003","createdTime":"1672364262444","updatedTime":"1672364262457",)"
            R"("rejectReason":"EC_NoError","stopOrderType":"","tpslMode":"","triggerPrice":"","takeProfit":"",)"
            R"("stopLoss":"","tpTriggerBy":"","slTriggerBy":"","tpLimitPrice":"","slLimitPrice":"",)"
            R"("triggerDirection":0,"triggerBy":"","closeOnTrigger":false,"category":"linear","placeType":"",)"
            R"("smpType":"None","smpGroup":0,"smpOrderId":"","feeCurrency":""}]})",
            MsgKind::kOrder);
  ASSERT_EQ(codec_.orders().size(), 1u);
  const OrderUpdate& o = codec_.orders()[0];
  EXPECT_EQ(o.instrument, id(Category::kLinear, "BTCUSDT"));
  EXPECT_EQ(o.category, Category::kLinear);
  EXPECT_EQ(o.side, Side::kSell);
  EXPECT_EQ(o.order_type, ReportedOrderType::kLimit);
  EXPECT_EQ(o.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(o.time_in_force, ReportedTimeInForce::kPostOnly);
  EXPECT_EQ(o.cancel_type, CancelType::kNone);
  EXPECT_EQ(o.reject_reason, RejectReason::kNone);
  EXPECT_EQ(o.order_id.view(), "5cf98598-39a7-459e-97bf-76ca765ee020");
  EXPECT_EQ(o.order_link_id.view(), "mm-000001");
  EXPECT_EQ(o.price.ticks, 720005);
  EXPECT_EQ(o.qty.lots, 10);
  EXPECT_EQ(o.leaves_qty.lots, 4);
  EXPECT_EQ(o.cum_exec_qty.lots, 6);
  EXPECT_EQ(o.cum_exec_value.units, 43200300000);
  EXPECT_EQ(o.cum_exec_fee.units, -4320030);  // a rebate
  EXPECT_EQ(o.ref_scale, 8);
  EXPECT_EQ(o.avg_price, 7200050000000);
  EXPECT_EQ(o.take_profit.ticks, 0);
  EXPECT_EQ(o.created_time_ms, 1672364262444);
  EXPECT_EQ(o.updated_time_ms, 1672364262457);
  EXPECT_EQ(o.creation_time_ms, 1672364262474);
  EXPECT_FALSE(o.reduce_only);
}

TEST_F(CodecMessages, OrderOptionDocsExampleAndPostOnlyReject) {
  // Bybit's documented option example: leavesQty "" on a filled order.
  expect_ok(R"({"id":"5923240c6880ab-c59f-420b-9adb-3639adc9dd90","topic":"order","creationTime":1672364262474,)"
            R"("data":[{"symbol":"ETH-30DEC22-1400-C","orderId":"5cf98598-39a7-459e-97bf-76ca765ee020","side":"Sell",)"
            R"("orderType":"Market","cancelType":"UNKNOWN","price":"72.5","qty":"1","orderIv":"","timeInForce":"IOC",)"
            R"("orderStatus":"Filled","orderLinkId":"","lastPriceOnCreated":"","reduceOnly":false,"leavesQty":"",)"
            R"("leavesValue":"","cumExecQty":"1","cumExecValue":"75","avgPrice":"75","blockTradeId":"","positionIdx":0,)"
            R"("cumExecFee":"0.358635","createdTime":"1672364262444","updatedTime":"1672364262457",)"
            R"("rejectReason":"EC_NoError","stopOrderType":"","tpslMode":"","triggerPrice":"","takeProfit":"",)"
            R"("stopLoss":"","tpTriggerBy":"","slTriggerBy":"","tpLimitPrice":"","slLimitPrice":"","triggerDirection":0,)"
            R"("triggerBy":"","closeOnTrigger":false,"category":"option","placeType":"price","smpType":"None",)"
            R"("smpGroup":0,"smpOrderId":"","feeCurrency":""}]})",
            MsgKind::kOrder);
  const OrderUpdate& o = codec_.orders()[0];
  EXPECT_EQ(o.category, Category::kOption);
  EXPECT_EQ(o.status, OrderStatus::kFilled);
  EXPECT_EQ(o.order_type, ReportedOrderType::kMarket);
  EXPECT_EQ(o.leaves_qty.lots, 0);
  EXPECT_EQ(o.price.ticks, 725);
  EXPECT_EQ(o.cum_exec_fee.units, 35863500);

  expect_ok(R"({"topic":"order","creationTime":1,"data":[{"category":"linear","symbol":"BTCUSDT","orderId":"o-2",)"
            R"("orderLinkId":"mm-2","side":"Buy","orderType":"Limit","price":"65000.00","qty":"0.001","leavesQty":"0",)"
            R"("cumExecQty":"0","orderStatus":"Cancelled","timeInForce":"PostOnly","cancelType":"CancelByUser",)"
            R"("rejectReason":"EC_PostOnlyWillTakeLiquidity","avgPrice":"","reduceOnly":true}]})",
            MsgKind::kOrder);
  const OrderUpdate& r = codec_.orders()[0];
  EXPECT_EQ(r.status, OrderStatus::kCancelled);
  EXPECT_EQ(r.reject_reason, RejectReason::kPostOnlyWillTakeLiquidity);
  EXPECT_EQ(r.reject_text.view(), "EC_PostOnlyWillTakeLiquidity");
  EXPECT_EQ(r.cancel_type, CancelType::kByUser);
  EXPECT_TRUE(r.reduce_only);
  EXPECT_EQ(r.avg_price, 0);
}

TEST_F(CodecMessages, ExecutionAndFastExecution) {
  expect_ok(R"({"id":"592324803b2785-26fa-4214-9963-bdd4727f07be","topic":"execution","creationTime":1672364174455,)"
            R"("data":[{"category":"linear","symbol":"XRPUSDT","execFee":"0.005061",)"
            R"("execId":"7e2ae69c-4edf-5800-a352-893d52b446aa","execPrice":"0.3374","execQty":"25","execType":"Trade",)"
            R"("execValue":"8.435","isMaker":false,"feeRate":"0.0006","tradeIv":"","markIv":"","blockTradeId":"",)"
            R"("markPrice":"0.3391","indexPrice":"","underlyingPrice":"","leavesQty":"0",)"
            R"("orderId":"f6e324ff-99c2-4e89-9739-3086e47f9381","orderLinkId":"","orderPrice":"0.3207","orderQty":"25",)"
            R"("orderType":"Market","stopOrderType":"UNKNOWN","side":"Sell","execTime":"1672364174443","isLeverage":"0",)"
            R"("closedSize":"","seq":4688002127}]})",
            MsgKind::kExecution);
  ASSERT_EQ(codec_.executions().size(), 1u);
  const Execution& x = codec_.executions()[0];
  EXPECT_EQ(x.instrument, id(Category::kLinear, "XRPUSDT"));
  EXPECT_FALSE(x.fast);
  EXPECT_EQ(x.side, Side::kSell);
  EXPECT_EQ(x.exec_type, ExecType::kTrade);
  EXPECT_FALSE(x.is_maker);
  EXPECT_EQ(x.exec_price.ticks, 3374);
  EXPECT_EQ(x.exec_qty.lots, 25);
  EXPECT_EQ(x.exec_value.units, 843500000);
  EXPECT_EQ(x.exec_fee.units, 506100);
  EXPECT_EQ(x.fee_rate, 6'000'000);  // 0.0006 at 1e-10
  EXPECT_EQ(x.order_price.ticks, 3207);
  EXPECT_EQ(x.mark_price, 3391000000);  // scale 4 + 6
  EXPECT_EQ(x.exec_time_ms, 1672364174443);
  EXPECT_EQ(x.seq, 4688002127);
  EXPECT_EQ(x.exec_id.view(), "7e2ae69c-4edf-5800-a352-893d52b446aa");

  // A maker fill with a rebate: negative fee and fee rate.
  expect_ok(R"({"topic":"execution","creationTime":2,"data":[{"category":"linear","symbol":"BTCUSDT","execId":"e2",)"
            R"("orderId":"o","orderLinkId":"mm-7","side":"Buy","execPrice":"65000.10","execQty":"0.002",)"
            R"("execValue":"130.0002","execFee":"-0.00650001","feeRate":"-0.00005","isMaker":true,"execType":"Trade",)"
            R"("execTime":"1786310817000","seq":1}]})",
            MsgKind::kExecution);
  EXPECT_TRUE(codec_.executions()[0].is_maker);
  EXPECT_EQ(codec_.executions()[0].exec_fee.units, -650001);
  EXPECT_EQ(codec_.executions()[0].fee_rate, -500'000);

  expect_ok(R"({"topic":"execution.fast","creationTime":1716800399338,"data":[{"category":"linear","symbol":"ICPUSDT",)"
            R"("execId":"3510f361-0add-5c7b-a2e7-9679810944fc","execPrice":"12.015","execQty":"3000",)"
            R"("orderId":"443d63fa-b4c3-4297-b7b1-23bca88b04dc","isMaker":false,"orderLinkId":"test-00001","side":"Sell",)"
            R"("execTime":"1716800399334","seq":34771365464}]})",
            MsgKind::kExecution);
  const Execution& f = codec_.executions()[0];
  EXPECT_TRUE(f.fast);
  EXPECT_EQ(f.exec_price.ticks, 12015);
  EXPECT_EQ(f.exec_qty.lots, 3000);
  EXPECT_EQ(f.order_link_id.view(), "test-00001");
  EXPECT_EQ(f.creation_time_ms, 1716800399338);
}

TEST_F(CodecMessages, Position) {
  expect_ok(R"({"id":"1003076014fb7eedb-c7e6-45d6-a8c1-270f0169171a","topic":"position","creationTime":1697682317044,)"
            R"("data":[{"positionIdx":2,"tradeMode":0,"riskId":1,"riskLimitValue":"2000000","symbol":"BTCUSDT","side":"",)"
            R"("size":"0","entryPrice":"0","sessionAvgPrice":"","leverage":"10","positionValue":"0","positionBalance":"0",)"
            R"("markPrice":"28184.5","positionIM":"0","positionMM":"0","takeProfit":"0","stopLoss":"0",)"
            R"("trailingStop":"0","unrealisedPnl":"0","cumRealisedPnl":"-25.06579337","curRealisedPnl":"0",)"
            R"("createdTime":"1694402496913","updatedTime":"1697682317038","tpslMode":"Full","liqPrice":"0",)"
            R"("bustPrice":"","category":"linear","positionStatus":"Normal","adlRankIndicator":0,"autoAddMargin":0,)"
            R"("leverageSysUpdatedTime":"","mmrSysUpdatedTime":"","seq":8327597863,"isReduceOnly":false}]})",
            MsgKind::kPosition);
  const PositionUpdate& p = codec_.positions()[0];
  EXPECT_EQ(p.side, PositionSide::kNone);
  EXPECT_EQ(p.size.lots, 0);
  EXPECT_EQ(p.position_idx, 2);
  EXPECT_EQ(p.status, PositionStatus::kNormal);
  EXPECT_EQ(p.mark_price, 2818450000000);
  EXPECT_EQ(p.cum_realised_pnl.units, -2506579337);
  EXPECT_EQ(p.leverage, 10 * kRateOne);
  EXPECT_EQ(p.seq, 8327597863);

  // An open long whose average entry is off the tick grid: kept exactly at the reference scale.
  expect_ok(R"({"topic":"position","creationTime":3,"data":[{"category":"linear","symbol":"BTCUSDT","side":"Buy",)"
            R"("size":"0.003","entryPrice":"65114.23333333","markPrice":"65117.44","positionValue":"195.3427",)"
            R"("unrealisedPnl":"0.00963","takeProfit":"66000.00","stopLoss":"64000.00","trailingStop":"0",)"
            R"("liqPrice":"","positionIdx":0,"positionStatus":"Normal","seq":9}]})",
            MsgKind::kPosition);
  const PositionUpdate& q = codec_.positions()[0];
  EXPECT_EQ(q.side, PositionSide::kBuy);
  EXPECT_EQ(q.size.lots, 3);
  EXPECT_EQ(q.entry_price, 6511423333333);
  EXPECT_EQ(q.take_profit.ticks, 660000);
  EXPECT_EQ(q.liq_price, 0);
  EXPECT_EQ(q.unrealised_pnl.units, 963000);
}

TEST_F(CodecMessages, Wallet) {
  expect_ok(R"({"id":"592324d2bce751-ad38-48eb-8f42-4671d1fb4d4e","topic":"wallet","creationTime":1700034722104,)"
            R"("data":[{"accountIMRate":"0","accountMMRate":"0","totalEquity":"10262.91335023",)"
            R"("totalWalletBalance":"9684.46297164","totalMarginBalance":"9684.46297164",)"
            R"("totalAvailableBalance":"9556.6056555","totalPerpUPL":"0","totalInitialMargin":"0",)"
            R"("totalMaintenanceMargin":"0","coin":[{"coin":"BTC","equity":"0.00102964","usdValue":"36.70759517",)"
            R"("walletBalance":"0.00102964","availableToWithdraw":"0.00102964","availableToBorrow":"",)"
            R"("borrowAmount":"0","accruedInterest":"0","totalOrderIM":"","totalPositionIM":"","totalPositionMM":"",)"
            R"("unrealisedPnl":"0","cumRealisedPnl":"-0.00000973","bonus":"0","collateralSwitch":true,)"
            R"("marginCollateral":true,"locked":"0","spotHedgingQty":"0.01592413"},{"coin":"USDT","equity":"100.5",)"
            R"("walletBalance":"100.5","usdValue":"100.49"}],"accountLTV":"0","accountType":"UNIFIED"}]})",
            MsgKind::kWallet);
  ASSERT_EQ(codec_.wallets().size(), 1u);
  const WalletUpdate& w = codec_.wallets()[0];
  EXPECT_EQ(w.account_type, AccountType::kUnified);
  EXPECT_EQ(w.total_equity.units, 1026291335023);
  EXPECT_EQ(w.total_available_balance.units, 955660565550);
  ASSERT_EQ(w.coin_count, 2u);
  EXPECT_EQ(w.coins[0].coin.view(), "BTC");
  EXPECT_EQ(w.coins[0].equity.units, 102964);
  EXPECT_EQ(w.coins[0].cum_realised_pnl.units, -973);
  EXPECT_TRUE(w.coins[0].collateral_switch);
  EXPECT_EQ(w.coins[1].coin.view(), "USDT");
  EXPECT_EQ(w.coins[1].wallet_balance.units, 10050000000);
  EXPECT_EQ(w.creation_time_ms, 1700034722104);
}

TEST_F(CodecMessages, PrivateItemsOfUnknownSymbolsAreSkippedAndCounted) {
  expect_ok(R"({"topic":"order","data":[{"category":"linear","symbol":"NOTTRACKEDUSDT","orderId":"a","side":"Buy",)"
            R"("orderStatus":"New","price":"1","qty":"1"},{"category":"linear","symbol":"ETHUSDT","orderId":"b",)"
            R"("side":"Buy","orderStatus":"New","price":"1900.01","qty":"0.01"}]})",
            MsgKind::kOrder);
  ASSERT_EQ(codec_.orders().size(), 1u);
  EXPECT_EQ(codec_.orders()[0].order_id.view(), "b");
  EXPECT_EQ(codec_.stats().skipped_private_items, 1u);
}

TEST_F(CodecMessages, PrivateErrors) {
  EXPECT_EQ(parse(R"({"topic":"order","data":[{"symbol":"BTCUSDT","orderId":"a","side":"Buy","orderStatus":"New"}]})").error,
            CodecError::kMissingField);  // no category
  EXPECT_EQ(parse(R"({"topic":"order","data":[{"category":"futures","symbol":"BTCUSDT","orderId":"a","side":"Buy",)"
                  R"("orderStatus":"New"}]})").error,
            CodecError::kBadValue);
  EXPECT_EQ(parse(R"({"topic":"order","data":[{"category":"linear","symbol":"BTCUSDT","orderId":"a","side":"Long",)"
                  R"("orderStatus":"New"}]})").error,
            CodecError::kBadValue);
  EXPECT_EQ(parse(R"({"topic":"order","data":[{"category":"linear","symbol":"BTCUSDT","orderId":"a","side":"Buy",)"
                  R"("orderStatus":"New","orderLinkId":"0123456789012345678901234567890123456789x"}]})").error,
            CodecError::kBadValue);  // longer than any orderLinkId Bybit accepts
  EXPECT_EQ(parse(R"({"topic":"order","data":[{"category":"linear","symbol":"BTCUSDT","orderId":"a","side":"Buy",)"
                  R"("orderStatus":"New","price":"65000.05"}]})").error,
            CodecError::kBadNumber);  // off the 0.10 grid
  EXPECT_EQ(codec_.stats().last_decimal_error, DecimalError::kOffGrid);
  EXPECT_EQ(parse(R"({"topic":"order","data":{"category":"linear"}})").error, CodecError::kWrongType);
}

// --- public shapes beyond the recording ---------------------------------------------------------------

TEST_F(CodecMessages, LiquidationShapes) {
  // Legacy liquidation: data first, one object.
  expect_ok(R"({"data":{"price":"0.03803","side":"Buy","size":"1637","symbol":"GALAUSDT","updatedTime":1673251091822},)"
            R"("topic":"liquidation.GALAUSDT","ts":1673251091822,"type":"snapshot"})",
            MsgKind::kLiquidation);
  ASSERT_EQ(codec_.liquidations().size(), 1u);
  const Liquidation& l = codec_.liquidations()[0];
  EXPECT_EQ(l.instrument, id(Category::kLinear, "GALAUSDT"));
  EXPECT_EQ(l.side, Side::kBuy);
  EXPECT_EQ(l.price.ticks, 3803);
  EXPECT_EQ(l.qty.lots, 1637);
  EXPECT_EQ(l.time_ms, 1673251091822);
  EXPECT_EQ(l.ts_ms, 1673251091822);

  expect_ok(R"({"topic":"allLiquidation.ROSEUSDT","type":"snapshot","ts":1739502303204,"data":[{"T":1739502302929,)"
            R"("s":"ROSEUSDT","S":"Sell","v":"20000","p":"0.04499"},{"T":1739502302930,"s":"ROSEUSDT","S":"Buy",)"
            R"("v":"1","p":"0.04500"}]})",
            MsgKind::kLiquidation);
  ASSERT_EQ(codec_.liquidations().size(), 2u);
  EXPECT_EQ(codec_.liquidations()[0].side, Side::kSell);
  EXPECT_EQ(codec_.liquidations()[1].price.ticks, 4500);
}

TEST_F(CodecMessages, KlineIntervals) {
  expect_ok(R"({"topic":"kline.D.BTCUSDT","data":[{"start":1672272000000,"end":1672358399999,"interval":"D",)"
            R"("open":"16649.50","close":"16677.00","high":"16677.00","low":"16608.00","volume":"2.081",)"
            R"("turnover":"34666.4005","confirm":false,"timestamp":1672324988882}],"ts":1672324988882,"type":"snapshot"})",
            MsgKind::kKline);
  const Kline& k = codec_.klines()[0];
  EXPECT_EQ(k.interval_minutes, 1440u);
  EXPECT_EQ(k.open.ticks, 166495);
  EXPECT_EQ(k.volume.lots, 2081);
  EXPECT_EQ(k.turnover.units, 3466640050000);
  EXPECT_EQ(parse(R"({"topic":"kline.X.BTCUSDT","data":[],"ts":1})").error, CodecError::kBadTopic);
  EXPECT_EQ(parse(R"({"topic":"kline.1.BTCUSDT","data":[{"start":1}],"ts":1})").error, CodecError::kMissingField);
}

TEST_F(CodecMessages, OptionTickerAndPerCoinTrades) {
  expect_ok(R"({"id":"tickers.BTC-6JAN23-17500-C-2480334983-1672917511074","topic":"tickers.BTC-6JAN23-17500-C",)"
            R"("ts":1672917511074,"data":{"symbol":"BTC-6JAN23-17500-C","bidPrice":"0","bidSize":"0","bidIv":"0",)"
            R"("askPrice":"10","askSize":"5.1","askIv":"0.514","lastPrice":"10","highPrice24h":"25","lowPrice24h":"5",)"
            R"("markPrice":"7.86976724","indexPrice":"16823.73","markPriceIv":"0.4896","underlyingPrice":"16815.1",)"
            R"("openInterest":"49.85","turnover24h":"446802.8473","volume24h":"26.55","totalVolume":"86",)"
            R"("totalTurnover":"1437431","delta":"0.047831","gamma":"0.00021453","vega":"0.81351067",)"
            R"("theta":"-19.9115368","predictedDeliveryPrice":"0","change24h":"-0.33333334"},"type":"snapshot"})",
            MsgKind::kTicker, Category::kOption);
  const Ticker& t = codec_.ticker();
  EXPECT_EQ(t.ask1_price.ticks, 2);  // "10" on a tick of 5
  EXPECT_EQ(t.ask1_size.lots, 510);
  EXPECT_EQ(t.ref_scale, 6);
  EXPECT_EQ(t.mark_price, 7869767);  // truncated beyond 1e-6
  EXPECT_EQ(t.underlying_price, 16815100000);
  EXPECT_EQ(t.open_interest.lots, 4985);

  expect_ok(R"({"id":"publicTrade.BTC-2480334983","topic":"publicTrade.BTC","ts":1672917511074,"data":[{"p":"10",)"
            R"("v":"0.01","i":"00000000-0000-0000-0000-000000000000","T":1672917511074,"BT":false,"s":"BTC-6JAN23-17500-C",)"
            R"("S":"Buy","L":"PlusTick","iv":"0.5","mP":"7.9","iP":"16823.73"}]})",
            MsgKind::kTrade, Category::kOption);
  ASSERT_EQ(codec_.trades().size(), 1u);
  EXPECT_EQ(codec_.trades()[0].instrument, id(Category::kOption, "BTC-6JAN23-17500-C"));
  EXPECT_EQ(codec_.trades()[0].qty.lots, 1);
}

TEST_F(CodecMessages, TickerDeltasMergeIntoTheLastFullTicker) {
  const InstrumentId btc = id(Category::kLinear, "BTCUSDT");
  // A delta before any snapshot merges into an empty ticker.
  expect_ok(R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"65000.00"},"cs":1,"ts":10})",
            MsgKind::kTicker);
  EXPECT_FALSE(codec_.ticker().has_snapshot);
  EXPECT_EQ(codec_.ticker().present, static_cast<uint32_t>(kTickerBid1));

  expect_ok(R"({"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"ZeroPlusTick",)"
            R"("price24hPcnt":"0.001624","lastPrice":"65114.30","prevPrice24h":"65008.70","highPrice24h":"65282.30",)"
            R"("lowPrice24h":"64694.40","prevPrice1h":"65083.80","markPrice":"65117.44","indexPrice":"65137.76",)"
            R"("openInterest":"59891.732","openInterestValue":"3899996265.01","turnover24h":"1142118412.9021",)"
            R"("volume24h":"17573.9120","fundingRate":"-0.00012345","nextFundingTime":"1786320000000",)"
            R"("bid1Price":"65114.20","bid1Size":"5.954","ask1Price":"65114.30","ask1Size":"10.470","preOpenPrice":"",)"
            R"("preQty":"","curPreListingPhase":""},"cs":753843900397,"ts":1786310817583})",
            MsgKind::kTicker);
  const Ticker& t = codec_.ticker_of(btc);
  EXPECT_EQ(&codec_.ticker(), &t);
  EXPECT_TRUE(t.has_snapshot);
  EXPECT_EQ(t.last_price.ticks, 651143);
  EXPECT_EQ(t.mark_price, 6511744000000);
  EXPECT_EQ(t.funding_rate, -1'234'500);
  EXPECT_EQ(t.price_24h_pcnt, 16'240'000);
  EXPECT_EQ(t.volume_24h.lots, 17573912);
  EXPECT_EQ(t.open_interest_value.units, 389999626501000000);
  EXPECT_EQ(t.bid1_size.lots, 5954);
  EXPECT_EQ(t.cross_seq, 753843900397);
  const uint32_t full = t.present;

  // Delta in another key order: only the fields it carries change.
  expect_ok(R"({"ts":1786310817883,"data":{"ask1Size":"10.486","bid1Size":"6.054","symbol":"BTCUSDT"},"cs":753843907770,)"
            R"("type":"delta","topic":"tickers.BTCUSDT"})",
            MsgKind::kTicker);
  EXPECT_EQ(t.bid1_size.lots, 6054);
  EXPECT_EQ(t.ask1_size.lots, 10486);
  EXPECT_EQ(t.bid1_price.ticks, 651142);  // kept from the snapshot
  EXPECT_EQ(t.mark_price, 6511744000000);
  EXPECT_EQ(t.changed, static_cast<uint32_t>(kTickerBid1Size | kTickerAsk1Size));
  EXPECT_EQ(t.present, full);
  EXPECT_EQ(t.ts_ms, 1786310817883);

  // A new snapshot replaces everything (fields it lacks are cleared).
  expect_ok(R"({"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","lastPrice":"1.00"},"ts":2})",
            MsgKind::kTicker);
  EXPECT_EQ(t.mark_price, 0);
  EXPECT_EQ(t.present, static_cast<uint32_t>(kTickerLastPrice));
}

// --- key order, unknown topics, envelope -------------------------------------------------------------

TEST_F(CodecMessages, BookKeyOrderDoesNotMatter) {
  const std::string canonical =
      R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1786310818130,"data":{"s":"BTCUSDT",)"
      R"("b":[["65095.30","0.005"],["65093.10","0"]],"a":[["65116.60","0"]],"u":15076953,"seq":753843913870},"cts":1786310818129})";
  const std::string swapped =
      R"({"data":{"seq":753843913870,"u":15076953,"a":[["65116.60","0"]],"b":[["65095.30","0.005"],["65093.10","0"]],)"
      R"("s":"BTCUSDT"},"cts":1786310818129,"ts":1786310818130,"type":"delta","topic":"orderbook.50.BTCUSDT"})";
  for (const std::string& f : {canonical, swapped}) {
    expect_ok(f, MsgKind::kBook);
    const BookUpdate& b = codec_.book();
    EXPECT_EQ(b.depth, 50);
    EXPECT_FALSE(b.snapshot);
    EXPECT_EQ(b.update_id, 15076953);
    EXPECT_EQ(b.seq, 753843913870);
    EXPECT_EQ(b.ts_ms, 1786310818130);
    EXPECT_EQ(b.cts_ms, 1786310818129);
    ASSERT_EQ(b.bid_count, 2u);
    ASSERT_EQ(b.ask_count, 1u);
    EXPECT_EQ(b.bids[0].price.ticks, 650953);
    EXPECT_EQ(b.bids[0].qty.lots, 5);
    EXPECT_EQ(b.bids[1].qty.lots, 0);
    EXPECT_EQ(b.asks[0].price.ticks, 651166);
  }
  // Whitespace between tokens and levels in unusual spelling take the exact path.
  expect_ok(R"({ "topic" : "orderbook.1.BTCUSDT" , "type" : "snapshot" , "ts" : 5 , "data" : { "s" : "BTCUSDT" ,)"
            R"( "b" : [ [ "65095.3" , "0.0050" ] ] , "a" : [ [ "65100" , "1" ] ] , "u" : 1 } } )",
            MsgKind::kBook);
  EXPECT_EQ(codec_.book().bids[0].price.ticks, 650953);
  EXPECT_EQ(codec_.book().bids[0].qty.lots, 5);
  EXPECT_EQ(codec_.book().asks[0].price.ticks, 651000);
  EXPECT_EQ(codec_.book().asks[0].qty.lots, 1000);
}

TEST_F(CodecMessages, SymbolAndInstrumentChecks) {
  EXPECT_EQ(parse(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"ETHUSDT","b":[],"a":[],"u":2}})").error,
            CodecError::kSymbolMismatch);
  EXPECT_EQ(parse(R"({"topic":"orderbook.50.DOGEUSDT","type":"delta","ts":1,"data":{"b":[],"a":[],"u":2}})").error,
            CodecError::kUnknownInstrument);
  // The connection's category decides: BTCUSDT spot has a 0.1 tick and 6-decimal sizes.
  expect_ok(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"b":[["65140.4","0.875077"]],"a":[],"u":2}})",
            MsgKind::kBook, Category::kSpot);
  EXPECT_EQ(codec_.book().instrument, id(Category::kSpot, "BTCUSDT"));
  EXPECT_EQ(codec_.book().bids[0].qty.lots, 875077);
  EXPECT_EQ(parse(R"({"topic":"orderbook.abc.BTCUSDT","type":"delta","ts":1,"data":{}})").error, CodecError::kBadTopic);
  EXPECT_EQ(parse(R"({"topic":"orderbook.50.","type":"delta","ts":1,"data":{}})").error, CodecError::kBadTopic);
}

TEST_F(CodecMessages, UnknownTopicsAndOpsAreCountedNotErrors) {
  expect_ok(R"({"topic":"greeks","id":"x","creationTime":1,"data":[{"baseCoin":"ETH","totalDelta":"0.06999986"}]})",
            MsgKind::kUnknownTopic);
  expect_ok(R"({"topic":"tickers_lt.EOS3LUSDT","ts":1,"type":"snapshot","data":{"symbol":"EOS3LUSDT"}})",
            MsgKind::kUnknownTopic, Category::kSpot);
  expect_ok(R"({"success":true,"ret_msg":"","op":"login","conn_id":"c"})", MsgKind::kUnknownTopic);
  EXPECT_EQ(codec_.stats().kinds[static_cast<size_t>(MsgKind::kUnknownTopic)], 3u);
  EXPECT_EQ(parse(R"({"hello":"world"})").error, CodecError::kMissingField);
  EXPECT_EQ(parse("{}").error, CodecError::kMissingField);
}

TEST_F(CodecMessages, ParseAndParsePaddedAgree) {
  const std::string frame =
      R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1786310819681,"data":[{"T":1786310819680,"s":"BTCUSDT",)"
      R"("S":"Sell","v":"0.004","p":"65114.20","L":"MinusTick","i":"a9188a0a-82bc-50de-be60-03eedbe3cdd7","BT":false,)"
      R"("RPI":false,"seq":753843954913}]})";
  expect_ok(frame, MsgKind::kTrade);
  const TradeEvent a = codec_.trades()[0];
  std::string padded = frame + std::string(BybitCodec::kPadding, 'x');
  const ParseResult r = codec_.parse_padded(padded.data(), frame.size(), Category::kLinear);
  ASSERT_EQ(r.error, CodecError::kOk);
  const TradeEvent& b = codec_.trades()[0];
  EXPECT_EQ(a.price, b.price);
  EXPECT_EQ(a.qty, b.qty);
  EXPECT_EQ(b.taker_side, Side::kSell);
  EXPECT_EQ(b.trade_ts_ms, 1786310819680);
  EXPECT_EQ(b.ts_ms, 1786310819681);
  EXPECT_EQ(b.seq, 753843954913);
  EXPECT_EQ(codec_.stats().frames, 2u);
  EXPECT_EQ(codec_.stats().kinds[static_cast<size_t>(MsgKind::kTrade)], 2u);
}

TEST(RestEnvelope, Fields) {
  const std::string body = R"({"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[{"symbol":"BTCUSDT"}]},)"
                           R"("retExtInfo":{},"time":1786310817197})";
  RestEnvelope env;
  ASSERT_EQ(parse_rest_envelope(body, env), CodecError::kOk);
  EXPECT_EQ(env.ret_code, 0);
  EXPECT_EQ(env.ret_msg.view(), "OK");
  EXPECT_EQ(env.time_ms, 1786310817197);
  EXPECT_EQ(env.result, R"({"category":"linear","list":[{"symbol":"BTCUSDT"}]})");
  EXPECT_EQ(env.result.data(), body.data() + body.find("{\"category"));  // a view into the body
  EXPECT_EQ(env.ret_ext_info, "{}");

  ASSERT_EQ(parse_rest_envelope(R"({"retCode":10001,"retMsg":"params error: symbol invalid","result":{},"time":1})", env),
            CodecError::kOk);
  EXPECT_EQ(env.ret_code, 10001);
  EXPECT_EQ(env.ret_msg.view(), "params error: symbol invalid");
  ASSERT_EQ(parse_rest_envelope(R"({"retCode":0,"result":null,"retExtInfo":[{"code":0}]})", env), CodecError::kOk);
  EXPECT_EQ(env.result, "");
  EXPECT_EQ(env.ret_ext_info, R"([{"code":0}])");

  EXPECT_EQ(parse_rest_envelope("<html>", env), CodecError::kJson);
  EXPECT_EQ(parse_rest_envelope("[]", env), CodecError::kJson);
  EXPECT_EQ(parse_rest_envelope(R"({"retMsg":"OK"})", env), CodecError::kMissingField);
  EXPECT_EQ(parse_rest_envelope(R"({"retCode":"0"})", env), CodecError::kWrongType);
  EXPECT_EQ(parse_rest_envelope(R"({"retCode":99999999999})", env), CodecError::kBadNumber);
  EXPECT_EQ(parse_rest_envelope(R"({"retCode":0,"result":5})", env), CodecError::kWrongType);
  EXPECT_EQ(parse_rest_envelope(R"({"retCode":0,"result":{)", env), CodecError::kJson);
}

}  // namespace
}  // namespace mm
