// SimExchange: DCP, batches (items succeed or fail one by one), faults on command, malformed input.
#include <gtest/gtest.h>

#include "sim/exchange/sim_exchange.h"
#include "tests/sim/exchange/exchange_test_util.h"

namespace mm::simx::test {
namespace {

std::vector<std::string> topic(const std::vector<std::string>& msgs, std::string_view t) {
  std::vector<std::string> r;
  for (const auto& m : msgs)
    if (at(m, "topic") == t) r.push_back(m);
  return r;
}

void subscribe(Env& e, ConnId c, std::string_view topics) {
  e.ex->on_ws_text(c, std::string(R"({"op":"subscribe","args":[)") + std::string(topics) + "]}", kT0);
  const auto acks = e.out.take(c);
  ASSERT_EQ(acks.size(), 1u);
  ASSERT_EQ(at(acks[0], "success"), "true") << acks[0];
}

// ---- DCP

TEST(SimExchangeDcp, OrdersCancelledOnceEveryDcpConnectionIsGoneLongerThanTheWindow) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  ASSERT_EQ(code_of(e.rest("POST", "/v5/order/disconnected-cancel-all",
                           R"({"product":"DERIVATIVES","timeWindow":5})")
                        .body),
            0);
  EXPECT_EQ(code_of(e.rest("POST", "/v5/order/disconnected-cancel-all",
                           R"({"product":"DERIVATIVES","timeWindow":2})")
                        .body),
            10001);
  e.open(1, WsChannel::kPrivate);
  subscribe(e, 1, R"("dcp.future")");
  e.open(2, WsChannel::kPrivate);
  subscribe(e, 2, R"("dcp.future")");
  e.open(3, WsChannel::kPrivate);  // watches the order stream, without dcp
  subscribe(e, 3, R"("order")");
  ASSERT_EQ(
      code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.01", "49000", R"("orderLinkId":"d1")"))
                  .body),
      0);
  (void)e.out.take(3);
  // One dcp connection gone: the other is alive, nothing happens however long.
  e.ex->on_ws_close(1, kT0 + 1'000'000'000);
  EXPECT_EQ(e.ex->next_deadline_ns(), INT64_MAX);
  e.ex->on_timer(kT0 + 60'000'000'000);
  EXPECT_TRUE(e.out.take(3).empty());
  // The last one gone at t: the orders go at t + 5 s, not before.
  const int64_t t = kT0 + 61'000'000'000;
  e.ex->on_ws_close(2, t);
  EXPECT_EQ(e.ex->next_deadline_ns(), t + 5'000'000'000);
  e.ex->on_timer(t + 4'999'000'000);
  EXPECT_TRUE(e.out.take(3).empty());
  e.ex->on_timer(t + 5'000'000'000);
  const auto o = topic(e.out.take(3), "order");
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(at(o[0], "data/0/orderStatus"), "Cancelled");
  EXPECT_EQ(at(o[0], "data/0/cancelType"), "CancelByDCP");
  EXPECT_EQ(e.ex->next_deadline_ns(), INT64_MAX);  // fires once
}

TEST(SimExchangeDcp, ReconnectingInTimeKeepsTheOrders) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kPrivate);
  subscribe(e, 1, R"("dcp.future","order")");
  ASSERT_EQ(code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.01", "49000")).body), 0);
  e.ex->on_ws_close(1, kT0);
  e.open(2, WsChannel::kPrivate, kT0 + 9'000'000'000);  // the default window is 10 s
  subscribe(e, 2, R"("dcp.future","order")");
  e.ex->on_timer(kT0 + 30'000'000'000);
  EXPECT_TRUE(e.out.take(2).empty());
  const RestReply r = e.rest("GET", "/v5/order/realtime", "category=linear", kT0 + 30'000'000'000);
  EXPECT_EQ(at(r.body, "result/list/0/orderStatus"), "New");
}

// ---- batches

TEST(SimExchangeBatch, ItemsSucceedOrFailOneByOne) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  const std::string body = R"({"category":"linear","request":[)" +
                           order_json("Buy", "0.01", "49000", R"("orderLinkId":"b1")") + "," +
                           order_json("Buy", "0.0105", "49000", R"("orderLinkId":"b2")") + "," +
                           order_json("Buy", "0.01", "49000", R"("orderLinkId":"b1")") + "," +
                           order_json("Sell", "0.01", "51000", R"("orderLinkId":"b4")") + "]}";
  const RestReply r = e.rest("POST", "/v5/order/create-batch", body);
  ASSERT_EQ(code_of(r.body), 0) << r.body;
  EXPECT_EQ(at(r.body, "retExtInfo/list/0/code"), "0");
  EXPECT_EQ(at(r.body, "retExtInfo/list/0/msg"), "OK");
  EXPECT_EQ(at(r.body, "retExtInfo/list/1/code"), "10001");
  EXPECT_EQ(at(r.body, "retExtInfo/list/2/code"), "110072");
  EXPECT_EQ(at(r.body, "retExtInfo/list/3/code"), "0");
  EXPECT_EQ(at(r.body, "result/list/0/orderLinkId"), "b1");
  EXPECT_EQ(at(r.body, "result/list/0/orderId").size(), 36u);
  EXPECT_EQ(at(r.body, "result/list/0/createAt"), std::to_string(kT0Ms));
  EXPECT_EQ(at(r.body, "result/list/1/orderId"), "");
  EXPECT_EQ(at(r.body, "result/list/3/category"), "linear");
  EXPECT_EQ(at(r.body, "result/list/3/symbol"), "BTCUSDT");
  // Batch limit: each item counts; 4 used, 6 left, so of 8 cancels... use amend-batch's own class instead:
  // the create-batch class has 6 left: 8 creates -> 6 succeed, 2 fail with 10006.
  std::string big = R"({"category":"linear","request":[)";
  for (int i = 0; i < 8; ++i) big += (i ? "," : "") + order_json("Buy", "0.01", "48000");
  big += "]}";
  const RestReply r2 = e.rest("POST", "/v5/order/create-batch", big);
  ASSERT_EQ(code_of(r2.body), 0) << r2.body;
  EXPECT_EQ(at(r2.body, "retExtInfo/list/5/code"), "0");
  EXPECT_EQ(at(r2.body, "retExtInfo/list/6/code"), "10006");
  EXPECT_EQ(at(r2.body, "retExtInfo/list/7/code"), "10006");
  // Over the batch size: the whole request is refused.
  std::string huge = R"({"category":"linear","request":[)";
  for (int i = 0; i < 21; ++i) huge += (i ? "," : "") + order_json("Buy", "0.01", "48000");
  huge += "]}";
  EXPECT_EQ(code_of(e.rest("POST", "/v5/order/create-batch", huge, kT0 + 2'000'000'000).body), 10001);
}

// A batch endpoint's window has its single endpoint's limit: a config that raises create_per_second (mm's
// [backtest], `mm parity`'s lifted limits) raises create-batch's too. Before, the batch endpoints kept a
// fixed 10 items a second whatever the config, and the live node's limiter adopted that 10 from their
// X-Bapi-Limit header for the whole class.
TEST(SimExchangeBatch, TheBatchWindowHasTheSingleEndpointsLimit) {
  ExchangeConfig cfg;
  cfg.create_per_second = 30;
  Env e(cfg);
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kTrade);
  std::string body = R"({"category":"linear","request":[)";
  for (int i = 0; i < 20; ++i) body += (i ? "," : "") + order_json("Buy", "0.01", std::to_string(48000 + i));
  body += "]}";
  const std::string ack = e.trade_ws(1, "order.create-batch", body);
  ASSERT_EQ(code_of(ack), 0) << ack;
  EXPECT_EQ(at(ack, "retExtInfo/list/19/code"), "0");
  EXPECT_EQ(at(ack, "header/X-Bapi-Limit"), "30");
  EXPECT_EQ(at(ack, "header/X-Bapi-Limit-Status"), "10");
  // The single create endpoint's window is its own: untouched by the batch.
  const std::string one = e.trade_ws(1, "order.create", order_json("Buy", "0.01", "47000"));
  ASSERT_EQ(code_of(one), 0) << one;
  EXPECT_EQ(at(one, "header/X-Bapi-Limit-Status"), "29");
}

TEST(SimExchangeBatch, TradeWsBatchAmendAndCancel) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kTrade);
  std::string ack = e.trade_ws(1, "order.create-batch",
                               R"({"category":"linear","request":[)" +
                                   order_json("Buy", "0.01", "49000", R"("orderLinkId":"w1")") + "," +
                                   order_json("Buy", "0.01", "49001", R"("orderLinkId":"w2")") + "]}");
  ASSERT_EQ(code_of(ack), 0) << ack;
  EXPECT_EQ(at(ack, "data/list/1/orderLinkId"), "w2");
  EXPECT_EQ(at(ack, "retExtInfo/list/1/code"), "0");
  EXPECT_EQ(at(ack, "header/X-Bapi-Limit-Status"), "8");
  ack = e.trade_ws(1, "order.amend-batch",
                   R"({"category":"linear","request":[{"symbol":"BTCUSDT","orderLinkId":"w1","qty":"0.02"},)"
                   R"({"symbol":"BTCUSDT","orderLinkId":"nope","qty":"0.02"}]})");
  ASSERT_EQ(code_of(ack), 0) << ack;
  EXPECT_EQ(at(ack, "retExtInfo/list/0/code"), "0");
  EXPECT_EQ(at(ack, "retExtInfo/list/1/code"), "110001");
  ack = e.trade_ws(
      1, "order.cancel-batch",
      R"({"category":"linear","request":[{"symbol":"BTCUSDT","orderLinkId":"w1"},{"symbol":"BTCUSDT","orderLinkId":"w2"}]})");
  ASSERT_EQ(code_of(ack), 0) << ack;
  EXPECT_EQ(at(ack, "retExtInfo/list/0/code"), "0");
  EXPECT_EQ(at(ack, "retExtInfo/list/1/code"), "0");
  const RestReply r = e.rest("GET", "/v5/order/realtime", "category=linear");
  EXPECT_EQ(at(r.body, "result/list/0"), "");
}

// ---- faults

TEST(SimExchangeFaults, FailNextAnswersTheCodeThenRecovers) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kTrade);
  e.ex->fail_next(10016, 2);
  std::string ack = e.trade_ws(1, "order.create", order_json("Buy", "0.01", "49000"));
  EXPECT_EQ(code_of(ack), 10016);
  EXPECT_EQ(at(ack, "retMsg"), "System error. Please try again later.");
  EXPECT_EQ(code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.01", "49000")).body), 10016);
  EXPECT_EQ(code_of(e.trade_ws(1, "order.create", order_json("Buy", "0.01", "49000"))), 0);
  e.ex->fail_next(10002, 1);
  ack = e.trade_ws(1, "order.create", order_json("Buy", "0.01", "49000"));
  EXPECT_EQ(code_of(ack), 10002);
  EXPECT_NE(at(ack, "retMsg").find("req_timestamp["), std::string::npos);
  e.ex->fail_next(110079, 1);
  EXPECT_EQ(code_of(e.trade_ws(1, "order.create", order_json("Buy", "0.01", "49000"))), 110079);
  e.ex->fail_next(10006, 1);
  EXPECT_EQ(code_of(e.rest("GET", "/v5/position/list", "category=linear&symbol=BTCUSDT").body), 10006);
  EXPECT_EQ(e.ex->stats().orders_created, 1u);
  // ping and auth are not counted against an injection.
  e.ex->fail_next(10016, 1);
  e.ex->on_ws_text(1, R"({"op":"ping"})", kT0);
  EXPECT_EQ(code_of(e.out.take(1).at(0)), 0);
  EXPECT_EQ(code_of(e.trade_ws(1, "order.create", order_json("Buy", "0.01", "49000"))), 10016);
}

TEST(SimExchangeFaults, FillPartially) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kPrivate);
  subscribe(e, 1, R"("order","execution")");
  ASSERT_EQ(
      code_of(
          e.rest("POST", "/v5/order/create", order_json("Buy", "1", "49000", R"("orderLinkId":"p1")")).body),
      0);
  (void)e.out.take(1);
  EXPECT_EQ(e.ex->fill_partially("p1", "0.25", kT0), "");
  auto msgs = e.out.take(1);
  ASSERT_EQ(topic(msgs, "execution").size(), 1u);
  EXPECT_EQ(at(topic(msgs, "execution")[0], "data/0/execQty"), "0.250");
  EXPECT_EQ(at(topic(msgs, "execution")[0], "data/0/isMaker"), "true");
  EXPECT_EQ(at(topic(msgs, "order")[0], "data/0/orderStatus"), "PartiallyFilled");
  EXPECT_EQ(at(topic(msgs, "order")[0], "data/0/leavesQty"), "0.750");
  // Default: half the leaves; then the rest with an explicit qty: Filled.
  EXPECT_EQ(e.ex->fill_partially("p1", "", kT0), "");
  msgs = e.out.take(1);
  EXPECT_EQ(at(topic(msgs, "execution")[0], "data/0/execQty"), "0.375");
  EXPECT_NE(e.ex->fill_partially("p1", "1", kT0), "");  // more than the leaves
  EXPECT_EQ(e.ex->fill_partially("p1", "0.375", kT0), "");
  msgs = e.out.take(1);
  EXPECT_EQ(at(topic(msgs, "order")[0], "data/0/orderStatus"), "Filled");
  EXPECT_NE(e.ex->fill_partially("p1", "", kT0), "");
  EXPECT_NE(e.ex->fill_partially("no-such", "", kT0), "");
  EXPECT_EQ(e.ex->fill_partially("", "", kT0), "fill_partially: no order is resting");
  // The client amends a partially filled order's total qty: the engine keeps the forced part out.
  ASSERT_EQ(
      code_of(
          e.rest("POST", "/v5/order/create", order_json("Buy", "1", "49000", R"("orderLinkId":"p2")")).body),
      0);
  ASSERT_EQ(e.ex->fill_partially("", "0.4", kT0), "");  // the oldest resting order: p2
  (void)e.out.take(1);
  ASSERT_EQ(code_of(e.rest("POST", "/v5/order/amend",
                           R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"p2","qty":"0.5"})")
                        .body),
            0);
  msgs = e.out.take(1);
  EXPECT_EQ(at(topic(msgs, "order")[0], "data/0/leavesQty"), "0.100");
  e.trade(e.linear, Side::kSell, "48000", "5", kT0 + 1'000'000);  // through: fills the 0.1 left
  msgs = e.out.take(1);
  EXPECT_EQ(at(topic(msgs, "execution")[0], "data/0/execQty"), "0.100");
  EXPECT_EQ(at(topic(msgs, "order")[0], "data/0/orderStatus"), "Filled");
  EXPECT_EQ(at(topic(msgs, "order")[0], "data/0/cumExecQty"), "0.500");
}

// post_only_cross: the next N post-only creates are acked (retCode 0), then cancelled with
// EC_PostOnlyWillTakeLiquidity although they would rest; a GTC create and the (N+1)th post-only rest.
TEST(SimExchangeFaults, CrossPostOnlyCancelsTheNextPostOnlyCreates) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kPrivate);
  subscribe(e, 1, R"("order")");
  e.ex->cross_post_only(1);
  const std::string po = R"("timeInForce":"PostOnly","orderLinkId":")";
  ASSERT_EQ(
      code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.01", "49000", R"("orderLinkId":"g1")"))
                  .body),
      0);
  ASSERT_EQ(code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.01", "49000", po + "x1\"")).body),
            0);
  ASSERT_EQ(code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.01", "49000", po + "x2\"")).body),
            0);
  const auto orders = topic(e.out.take(1), "order");
  ASSERT_EQ(orders.size(), 3u);
  EXPECT_EQ(at(orders[0], "data/0/orderStatus"), "New");
  EXPECT_EQ(at(orders[1], "data/0/orderLinkId"), "x1");
  EXPECT_EQ(at(orders[1], "data/0/orderStatus"), "Cancelled");
  EXPECT_EQ(at(orders[1], "data/0/rejectReason"), "EC_PostOnlyWillTakeLiquidity");
  EXPECT_EQ(at(orders[2], "data/0/orderLinkId"), "x2");
  EXPECT_EQ(at(orders[2], "data/0/orderStatus"), "New");
}

// duplicate_execution: the next N execution messages go out twice, same execId; reorder_order: an order's
// next order message goes out after its following one (Filled before PartiallyFilled), or alone after
// kReorderHoldNs when none follows.
TEST(SimExchangeFaults, DuplicateExecutionsAndReorderedOrderMessages) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kPrivate);
  subscribe(e, 1, R"("order","execution")");
  ASSERT_EQ(
      code_of(
          e.rest("POST", "/v5/order/create", order_json("Buy", "1", "49000", R"("orderLinkId":"r1")")).body),
      0);
  ASSERT_EQ(
      code_of(
          e.rest("POST", "/v5/order/create", order_json("Buy", "1", "49000", R"("orderLinkId":"r2")")).body),
      0);
  (void)e.out.take(1);
  EXPECT_NE(e.ex->reorder_order("no-such", kT0), "");
  e.ex->duplicate_executions(1);
  ASSERT_EQ(e.ex->reorder_order("r1", kT0), "");
  ASSERT_EQ(e.ex->fill_partially("r1", "0.5", kT0), "");
  auto msgs = e.out.take(1);
  auto execs = topic(msgs, "execution");
  ASSERT_EQ(execs.size(), 2u);
  EXPECT_EQ(at(execs[0], "data/0/execId"), at(execs[1], "data/0/execId"));
  EXPECT_TRUE(topic(msgs, "order").empty());  // PartiallyFilled held back
  ASSERT_EQ(e.ex->fill_partially("r1", "0.5", kT0), "");
  msgs = e.out.take(1);
  EXPECT_EQ(topic(msgs, "execution").size(), 1u);  // the duplicate was for one message only
  auto orders = topic(msgs, "order");
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(at(orders[0], "data/0/orderStatus"), "Filled");
  EXPECT_EQ(at(orders[1], "data/0/orderStatus"), "PartiallyFilled");
  EXPECT_EQ(e.ex->reorder_order("r1", kT0), "reorder_order: order 'r1' is Filled");
  // A held message with no follower goes out by itself after the hold.
  ASSERT_EQ(e.ex->reorder_order("r2", kT0), "");
  ASSERT_EQ(e.ex->fill_partially("r2", "0.5", kT0), "");
  EXPECT_TRUE(topic(e.out.take(1), "order").empty());
  EXPECT_EQ(e.ex->next_deadline_ns(), kT0 + SimExchange::kReorderHoldNs);
  e.ex->on_timer(kT0 + SimExchange::kReorderHoldNs);
  orders = topic(e.out.take(1), "order");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(at(orders[0], "data/0/orderStatus"), "PartiallyFilled");
  // Filled before PartiallyFilled: one message after its order's final one.
  EXPECT_EQ(e.ex->stats().late_order_messages, 1u);
  EXPECT_EQ(e.ex->stats().late_new_messages, 0u);
}

// reorder_order without an order: every message of the next order created is held until its final one, then
// sent after it: New and the amend's New after Cancelled. Other orders' messages are not held; without a
// final message the held ones go out in order after kReorderFinalHoldNs.
TEST(SimExchangeFaults, ReorderTheNextOrderCreatedSendsItsNewAfterItsCancelled) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kPrivate);
  subscribe(e, 1, R"("order")");
  ASSERT_EQ(e.ex->reorder_order("", kT0), "");
  auto create = [&](const char* link) {
    return code_of(e.rest("POST", "/v5/order/create",
                          order_json("Buy", "1", "49000", std::string(R"("orderLinkId":")") + link + "\""))
                       .body);
  };
  ASSERT_EQ(create("n1"), 0);
  ASSERT_EQ(create("n2"), 0);
  auto orders = topic(e.out.take(1), "order");
  ASSERT_EQ(orders.size(), 1u);  // n1's New held, n2's sent
  EXPECT_EQ(at(orders[0], "data/0/orderLinkId"), "n2");
  ASSERT_EQ(code_of(e.rest("POST", "/v5/order/amend",
                           R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"n1","price":"48999"})")
                        .body),
            0);
  EXPECT_TRUE(topic(e.out.take(1), "order").empty());  // the amend's New held too
  ASSERT_EQ(code_of(e.rest("POST", "/v5/order/cancel",
                           R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"n1"})")
                        .body),
            0);
  orders = topic(e.out.take(1), "order");
  ASSERT_EQ(orders.size(), 3u);
  EXPECT_EQ(at(orders[0], "data/0/orderStatus"), "Cancelled");
  EXPECT_EQ(at(orders[1], "data/0/orderStatus"), "New");
  EXPECT_EQ(at(orders[1], "data/0/price"), "49000.00");
  EXPECT_EQ(at(orders[2], "data/0/orderStatus"), "New");
  EXPECT_EQ(at(orders[2], "data/0/price"), "48999.00");
  EXPECT_EQ(e.ex->stats().late_order_messages, 2u);
  EXPECT_EQ(e.ex->stats().late_new_messages, 2u);
  EXPECT_EQ(e.ex->next_deadline_ns(), INT64_MAX);
  // Armed again, the order never ends: its messages go out in order after the longer hold.
  ASSERT_EQ(e.ex->reorder_order("", kT0), "");
  ASSERT_EQ(create("n3"), 0);
  EXPECT_TRUE(topic(e.out.take(1), "order").empty());
  EXPECT_EQ(e.ex->next_deadline_ns(), kT0 + SimExchange::kReorderFinalHoldNs);
  e.ex->on_timer(kT0 + SimExchange::kReorderFinalHoldNs);
  orders = topic(e.out.take(1), "order");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(at(orders[0], "data/0/orderLinkId"), "n3");
  EXPECT_EQ(e.ex->stats().late_order_messages, 2u);  // not after a final message
}

TEST(SimExchangeFaults, StopFillingHoldsTheEngineUntilResumed) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kPrivate);
  subscribe(e, 1, R"("order","execution")");
  ASSERT_EQ(
      code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.5", "50000", R"("orderLinkId":"s1")"))
                  .body),
      0);
  (void)e.out.take(1);
  e.ex->set_filling(false, kT0);
  e.trade(e.linear, Side::kSell, "49990", "5", kT0 + 1'000'000);  // would fill s1: stopped
  EXPECT_TRUE(e.out.take(1).empty());
  ASSERT_EQ(code_of(e.rest("POST", "/v5/order/create",
                           order_json("Buy", "0.5", "49000", R"("orderLinkId":"s2")"), kT0 + 2'000'000)
                        .body),
            0);
  EXPECT_TRUE(e.out.take(1).empty());  // acked; its New waits for the engine
  // The market moves through s1's price while stopped: on resume it fills (move-through), then s2 rests.
  e.book(e.linear, "49990", "1", "49995", "1", kT0 + 3'000'000);
  e.ex->set_filling(true, kT0 + 4'000'000);
  const auto msgs = e.out.take(1);
  const auto orders = topic(msgs, "order");
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(at(orders[0], "data/0/orderLinkId"), "s1");
  EXPECT_EQ(at(orders[0], "data/0/orderStatus"), "Filled");
  EXPECT_EQ(at(orders[1], "data/0/orderLinkId"), "s2");
  EXPECT_EQ(at(orders[1], "data/0/orderStatus"), "New");
}

TEST(SimExchangeFaults, RestartMatchingDropsSessionsKeepsOrders) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kPrivate);
  e.open(2, WsChannel::kTrade);
  ASSERT_EQ(
      code_of(e.trade_ws(2, "order.create", order_json("Buy", "0.01", "49000", R"("orderLinkId":"k1")"))), 0);
  e.ex->restart_matching(3'000'000'000, kT0);
  ASSERT_EQ(e.out.closed.size(), 2u);
  EXPECT_EQ(e.out.closed[0].second, 1012);
  e.ex->on_ws_close(1, kT0);
  e.ex->on_ws_close(2, kT0);
  EXPECT_EQ(e.ex->next_deadline_ns(), kT0 + 3'000'000'000);
  e.open(3, WsChannel::kTrade, kT0 + 1'000'000'000);
  EXPECT_EQ(code_of(e.trade_ws(3, "order.create", order_json("Buy", "0.01", "49000"), kT0 + 1'000'000'000)),
            10019);
  EXPECT_EQ(
      code_of(
          e.rest("POST", "/v5/order/create", order_json("Buy", "0.01", "49000"), kT0 + 1'000'000'000).body),
      10016);
  e.ex->on_timer(kT0 + 3'000'000'000);
  EXPECT_EQ(code_of(e.trade_ws(3, "order.create", order_json("Buy", "0.01", "49000"), kT0 + 3'000'000'000)),
            0);
  const RestReply r =
      e.rest("GET", "/v5/order/realtime", "category=linear&orderLinkId=k1", kT0 + 3'000'000'000);
  EXPECT_EQ(at(r.body, "result/list/0/orderStatus"), "New");
}

// ---- malformed input

TEST(SimExchangeMalformed, BadJsonUnknownOpAndDuplicateReqIdAnswerClearlyAndHarmNoOne) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kTrade);
  e.open(2, WsChannel::kTrade);
  e.open(3, WsChannel::kPrivate);
  const std::vector<std::string> bad = {
      "",
      "{",
      "not json",
      "[1,2]",
      "{\"op\":5}",
      "{\"op\":\"order.create\",\"args\":7}",
      std::string("{\"op\":\"order.create\",\"header\":{\"X-BAPI-TIMESTAMP\":\"") + std::to_string(kT0Ms) +
          "\"},\"args\":[{\"category\":{}}]}",
      "{\"op\":\"order.create\",\"args\":[{\"qty\":\"1\"}]}",
      std::string("\xff\xfe{\"op\":\"x\"}"),
      std::string(100000, '[')};
  for (const std::string& m : bad) {
    e.ex->on_ws_text(1, m, kT0);
    const auto replies = e.out.take(1);
    ASSERT_EQ(replies.size(), 1u) << m;
    EXPECT_NE(code_of(replies[0]), 0) << m;
    e.ex->on_ws_text(3, m, kT0);
    const auto priv = e.out.take(3);
    ASSERT_EQ(priv.size(), 1u) << m;
    EXPECT_EQ(at(priv[0], "success"), "false") << m;
  }
  e.ex->on_ws_text(1, R"({"op":"order.teleport","args":[{}]})", kT0);
  const std::string unknown = e.out.take(1).at(0);
  EXPECT_EQ(code_of(unknown), 10404);
  EXPECT_EQ(at(unknown, "op"), "order.teleport");
  // Duplicate reqId: 20006.
  EXPECT_EQ(code_of(e.trade_ws(1, "order.create", order_json("Buy", "0.01", "49000"), kT0, "same")), 0);
  EXPECT_EQ(code_of(e.trade_ws(1, "order.create", order_json("Buy", "0.01", "49000"), kT0, "same")), 20006);
  // The other client is unaffected.
  EXPECT_EQ(code_of(e.trade_ws(2, "order.create", order_json("Buy", "0.01", "49000"), kT0, "same")), 0);
  // REST bodies.
  EXPECT_EQ(code_of(e.rest("POST", "/v5/order/create", "{broken").body), 10001);
  EXPECT_EQ(code_of(e.rest("POST", "/v5/order/create", "").body), 10001);
  EXPECT_EQ(code_of(e.rest("POST", "/v5/order/create", R"({"category":"linear","symbol":["x"]})").body),
            10001);
  EXPECT_EQ(code_of(e.rest("GET", "/v5/order/realtime", "category=linear&symbol=%ZZ").body), 10001);
  EXPECT_EQ(code_of(e.rest("POST", "/v5/order/create-batch", R"({"category":"linear","request":"x"})").body),
            10001);
  // Messages for unknown connections are ignored.
  e.ex->on_ws_text(99, "{}", kT0);
  e.ex->on_ws_close(99, kT0);
  EXPECT_TRUE(e.out.sent.empty());
  EXPECT_EQ(e.ex->stats().orders_created, 2u);
}

}  // namespace
}  // namespace mm::simx::test
