// SimExchange driven directly (no sockets): signatures, recv window, keys and permissions, rate limits and
// their headers, order validation codes, post-only, fills, the fill-vs-cancel race, private streams, REST
// queries. DCP, faults, batches and malformed input: sim_exchange_faults_test.cpp.
#include "sim/exchange/sim_exchange.h"

#include <gtest/gtest.h>

#include "net/bybit_codec.h"
#include "tests/sim/exchange/exchange_test_util.h"
#include "tests/support/alloc_counter.h"

namespace mm::simx::test {
namespace {

std::string header(const RestReply& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<missing>";
}

// ---- signatures, recv window, keys, permissions

TEST(SimExchangeAuth, SignedRestRequestSucceedsAndEveryAnswerCarriesLimitHeaders) {
  Env e;
  const RestReply r = e.rest("GET", "/v5/account/wallet-balance", "accountType=UNIFIED");
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(code_of(r.body), 0) << r.body;
  EXPECT_EQ(at(r.body, "result/list/0/coin/0/coin"), "USDT");
  EXPECT_EQ(at(r.body, "result/list/0/coin/0/walletBalance"), "100000");
  EXPECT_EQ(header(r, "X-Bapi-Limit"), "50");
  EXPECT_EQ(header(r, "X-Bapi-Limit-Status"), "49");
  EXPECT_EQ(header(r, "X-Bapi-Limit-Reset-Timestamp"), std::to_string(kT0Ms));
  EXPECT_EQ(header(r, "Timenow"), std::to_string(kT0Ms));
  EXPECT_EQ(header(r, "Traceid").size(), 32u);
}

TEST(SimExchangeAuth, PublishedSignatureVectorsVerify) {
  // nautilus_trader's vectors (bybit-spec.md section 1): key test_api_key, secret test_secret, ts
  // 1700000000000.
  ExchangeConfig cfg;
  KeyConfig k;
  k.api_key = "test_api_key";
  k.secret = "test_secret";
  k.balances.push_back({"USDT", Money{kMoneyOne}});
  cfg.keys = {k};
  Env e(cfg);
  RestRequest r;
  r.method = "GET";
  r.path = "/v5/position/list";
  r.query = "category=linear&symbol=BTCUSDT";
  r.api_key = "test_api_key";
  r.timestamp = "1700000000000";
  r.recv_window = "5000";
  r.sign = "fd4f31228a46109dc6673062328693696df9a96c7ff04e6491a45e7f63a0fdd7";
  RestReply rep = e.ex->on_rest(r, kT0);
  EXPECT_EQ(code_of(rep.body), 0) << rep.body;
  // The same signature on other bytes fails: the signed bytes are the bytes sent.
  r.query = "symbol=BTCUSDT&category=linear";
  rep = e.ex->on_rest(r, kT0);
  EXPECT_EQ(code_of(rep.body), 10004);
  EXPECT_EQ(at(rep.body, "retMsg"),
            "error sign! origin_string[1700000000000test_api_key5000symbol=BTCUSDT&category=linear]");
  // WS auth vector: expires 1700000000000 -> bacffe75...
  e.ex->on_ws_open(7, WsChannel::kTrade, "127.0.0.1", kT0 - 1'000'000'000);
  e.ex->on_ws_text(
      7,
      R"({"op":"auth","args":["test_api_key",1700000000000,"bacffe7500499eb829bb58c45d36d1b3e5ac67c14eaeba91df5e99ccee013925"]})",
      kT0 - 1'000'000'000);
  const auto msgs = e.out.take(7);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(code_of(msgs[0]), 0) << msgs[0];
  EXPECT_EQ(at(msgs[0], "op"), "auth");
}

TEST(SimExchangeAuth, UnknownKeyBadSignRecvWindowPermissionAndIp) {
  ExchangeConfig cfg;
  cfg.keys = default_keys();
  KeyConfig ro;
  ro.api_key = "ro-key";
  ro.secret = "ro-secret";
  ro.read_only = true;
  ro.uid = 2000;
  KeyConfig spotless;
  spotless.api_key = "linear-only";
  spotless.secret = "s2";
  spotless.permissions = kPermContractTrade;
  spotless.ip_whitelist = {"10.0.0.1"};
  spotless.uid = 3000;
  cfg.keys.push_back(ro);
  cfg.keys.push_back(spotless);
  Env e(cfg);
  const std::string body = order_json("Buy", "0.001", "50000");

  // Unknown key.
  Signer other;
  ASSERT_EQ(other.init("nobody", "x"), SignerError::kOk);
  RestReply r = e.rest("POST", "/v5/order/create", body, kT0, &other);
  EXPECT_EQ(code_of(r.body), 10003);
  EXPECT_EQ(at(r.body, "retMsg"), "API key is invalid.");
  EXPECT_EQ(header(r, "X-Bapi-Limit"), "10");  // limit headers even on refusals

  // Bad sign: a key that exists, signed with another secret.
  Signer wrong;
  ASSERT_EQ(wrong.init(kTestApiKey, "not-the-secret"), SignerError::kOk);
  r = e.rest("POST", "/v5/order/create", body, kT0, &wrong);
  EXPECT_EQ(code_of(r.body), 10004);

  // Recv window: the request's timestamp 6 s behind the server; and 1 s ahead.
  RestRequest q;
  q.method = "POST";
  q.path = "/v5/order/create";
  q.body = body;
  q.api_key = kTestApiKey;
  q.recv_window = "5000";
  const std::string old_ts = std::to_string(kT0Ms - 5001);
  q.timestamp = old_ts;
  char sig[64];
  ASSERT_EQ(e.signer.sign_rest(kT0Ms - 5001, 5000, body, sig), SignerError::kOk);
  q.sign = std::string_view(sig, 64);
  r = e.ex->on_rest(q, kT0);
  EXPECT_EQ(code_of(r.body), 10002);
  EXPECT_EQ(at(r.body, "retMsg"),
            "invalid request, please check your server timestamp or recv_window param. req_timestamp[" +
                old_ts + "],server_timestamp[" + std::to_string(kT0Ms) + "],recv_window[5000]");
  const std::string edge_ts = std::to_string(kT0Ms - 5000);  // server - window <= ts: accepted
  ASSERT_EQ(e.signer.sign_rest(kT0Ms - 5000, 5000, body, sig), SignerError::kOk);
  q.timestamp = edge_ts;
  q.sign = std::string_view(sig, 64);
  EXPECT_EQ(code_of(e.ex->on_rest(q, kT0).body), 0);
  const std::string ahead_ts = std::to_string(kT0Ms + 1000);  // ts < server + 1000 fails at +1000
  ASSERT_EQ(e.signer.sign_rest(kT0Ms + 1000, 5000, body, sig), SignerError::kOk);
  q.timestamp = ahead_ts;
  q.sign = std::string_view(sig, 64);
  EXPECT_EQ(code_of(e.ex->on_rest(q, kT0).body), 10002);

  // Permissions: a read-only key cannot trade but can query; a linear-only key cannot trade spot.
  Signer ro_signer, lin_signer;
  ASSERT_EQ(ro_signer.init("ro-key", "ro-secret"), SignerError::kOk);
  ASSERT_EQ(lin_signer.init("linear-only", "s2"), SignerError::kOk);
  EXPECT_EQ(code_of(e.rest("POST", "/v5/order/create", body, kT0, &ro_signer).body), 10005);
  EXPECT_EQ(code_of(e.rest("GET", "/v5/order/realtime", "category=linear", kT0, &ro_signer).body), 0);
  EXPECT_EQ(
      code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.001", "50000", "", "BTCUSDT", "spot"),
                     kT0, &lin_signer, "10.0.0.1")
                  .body),
      10005);
  // IP whitelist.
  EXPECT_EQ(
      code_of(e.rest("GET", "/v5/order/realtime", "category=linear", kT0, &lin_signer, "127.0.0.1").body),
      10010);

  const ExchangeStats s = e.ex->stats();
  bool saw_10004 = false;
  for (const auto& [code, n] : s.rejects_by_code) saw_10004 |= code == 10004 && n == 1;
  EXPECT_TRUE(saw_10004);
}

TEST(SimExchangeAuth, WebSocketAuthErrors) {
  Env e;
  e.ex->on_ws_open(1, WsChannel::kTrade, "127.0.0.1", kT0);
  e.ex->on_ws_text(1, R"({"op":"auth","args":["mmsim-test-key",1700000010000,"00"]})", kT0);
  EXPECT_EQ(code_of(e.out.take(1).at(0)), 10004);
  e.ex->on_ws_text(1, R"({"op":"auth","args":["nobody",1700000010000,"00"]})", kT0);
  EXPECT_EQ(code_of(e.out.take(1).at(0)), 10003);
  e.ex->on_ws_text(1, R"({"op":"auth","args":["mmsim-test-key"]})", kT0);
  EXPECT_EQ(code_of(e.out.take(1).at(0)), 10001);
  // Order before auth: refused, nothing created.
  const std::string ack = e.trade_ws(1, "order.create", order_json("Buy", "0.001", "50000"));
  EXPECT_EQ(code_of(ack), 10003);
  EXPECT_EQ(e.ex->stats().orders_created, 0u);
  // Private: a bad signature answers success false; subscribing before auth is refused.
  e.ex->on_ws_open(2, WsChannel::kPrivate, "127.0.0.1", kT0);
  e.ex->on_ws_text(2, R"({"req_id":"a1","op":"auth","args":["mmsim-test-key",1700000010000,"00"]})", kT0);
  std::string m = e.out.take(2).at(0);
  EXPECT_EQ(at(m, "success"), "false");
  EXPECT_EQ(at(m, "req_id"), "a1");
  e.ex->on_ws_text(2, R"({"op":"subscribe","args":["order"]})", kT0);
  m = e.out.take(2).at(0);
  EXPECT_EQ(at(m, "success"), "false");
  // Expired `expires`.
  char sig[64];
  ASSERT_EQ(e.signer.sign_ws_auth(kT0Ms - 1, sig), SignerError::kOk);
  e.ex->on_ws_text(2,
                   R"({"op":"auth","args":["mmsim-test-key",)" + std::to_string(kT0Ms - 1) + ",\"" +
                       std::string(sig, 64) + "\"]}",
                   kT0);
  EXPECT_EQ(at(e.out.take(2).at(0), "success"), "false");
  // Repeat auth on the trade WS: 20001.
  e.open(3, WsChannel::kTrade);
  ASSERT_EQ(e.signer.sign_ws_auth(kT0Ms + 5000, sig), SignerError::kOk);
  e.ex->on_ws_text(3,
                   R"({"op":"auth","args":["mmsim-test-key",)" + std::to_string(kT0Ms + 5000) + ",\"" +
                       std::string(sig, 64) + "\"]}",
                   kT0);
  EXPECT_EQ(code_of(e.out.take(3).at(0)), 20001);
}

// ---- rate limits

TEST(SimExchangeRateLimit, TenCreatesPerSecondSharedByRestAndTradeWs) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.open(1, WsChannel::kTrade);
  for (int i = 0; i < 5; ++i) {
    const RestReply r = e.rest("POST", "/v5/order/create", order_json("Buy", "0.001", "49000"));
    EXPECT_EQ(code_of(r.body), 0) << r.body;
    EXPECT_EQ(header(r, "X-Bapi-Limit-Status"), std::to_string(9 - i));
  }
  for (int i = 5; i < 10; ++i) {
    const std::string ack = e.trade_ws(1, "order.create", order_json("Buy", "0.001", "49000"));
    EXPECT_EQ(code_of(ack), 0) << ack;
    EXPECT_EQ(at(ack, "header/X-Bapi-Limit"), "10");
    EXPECT_EQ(at(ack, "header/X-Bapi-Limit-Status"), std::to_string(9 - i));
    EXPECT_EQ(at(ack, "header/X-Bapi-Limit-Reset-Timestamp"), std::to_string(kT0Ms));
  }
  const std::string over =
      e.trade_ws(1, "order.create", order_json("Buy", "0.001", "49000"), kT0 + 500'000'000);
  EXPECT_EQ(code_of(over), 10006);
  EXPECT_EQ(at(over, "retMsg"), "Too many visits!");
  EXPECT_EQ(at(over, "header/X-Bapi-Limit-Status"), "0");
  EXPECT_EQ(at(over, "header/X-Bapi-Limit-Reset-Timestamp"), std::to_string(kT0Ms + 1000));
  const RestReply over_rest =
      e.rest("POST", "/v5/order/create", order_json("Buy", "0.001", "49000"), kT0 + 999'000'000);
  EXPECT_EQ(code_of(over_rest.body), 10006);
  // Query endpoints each have their own window: 50 wallet reads do not use up position reads.
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(
        code_of(e.rest("GET", "/v5/account/wallet-balance", "accountType=UNIFIED", kT0 + 999'000'000).body),
        0);
  EXPECT_EQ(
      code_of(e.rest("GET", "/v5/account/wallet-balance", "accountType=UNIFIED", kT0 + 999'000'000).body),
      10006);
  const RestReply pos =
      e.rest("GET", "/v5/position/list", "category=linear&symbol=BTCUSDT", kT0 + 999'000'000);
  EXPECT_EQ(code_of(pos.body), 0);
  EXPECT_EQ(header(pos, "X-Bapi-Limit-Status"), "49");
  // Amend and cancel have their own classes.
  EXPECT_EQ(
      code_of(e.rest("POST", "/v5/order/cancel-all", R"({"category":"linear"})", kT0 + 999'000'000).body), 0);
  // The next second opens a new window.
  EXPECT_EQ(code_of(e.trade_ws(1, "order.create", order_json("Buy", "0.001", "49000"), kT0 + 1'000'000'000)),
            0);
  EXPECT_EQ(e.ex->stats().orders_created, 11u);
}

// ---- orders: validation codes

struct RejectCase {
  const char* name;
  std::string body;
  int64_t code;
  const char* msg;  // "" = not checked
};

TEST(SimExchangeOrders, EachValidationCode) {
  ExchangeConfig cfg;
  cfg.max_orders_per_symbol = 3;
  Env e(cfg);
  e.book(e.linear, "50000", "1", "50000.1", "1");
  e.book(e.spot, "50000", "1", "50000.01", "1");
  ASSERT_EQ(code_of(e.rest("POST", "/v5/order/create",
                           order_json("Buy", "0.001", "49000", R"("orderLinkId":"dup-1")"))
                        .body),
            0);
  ASSERT_EQ(code_of(e.rest("POST", "/v5/order/create",
                           order_json("Buy", "0.0001", "49000", R"("orderLinkId":"sdup")", "BTCUSDT", "spot"))
                        .body),
            0);
  const std::vector<RejectCase> cases = {
      {"duplicate link id", order_json("Buy", "0.001", "49000", R"("orderLinkId":"dup-1")"), 110072,
       "OrderLinkedID is duplicate"},
      {"qty off the lot grid", order_json("Buy", "0.0015", "49000"), 10001, ""},
      {"qty below min", order_json("Buy", "0", "49000"), 10001, ""},
      {"qty above max", order_json("Buy", "101", "49000"), 10001,
       "The number of contracts exceeds maximum limit allowed"},
      {"price off tick", order_json("Buy", "0.001", "49000.05"), 10001, ""},
      {"price band buy", order_json("Buy", "0.001", "60000"), 110003,
       "Buy order price cannot be higher than 55000.00."},
      {"price band sell", order_json("Sell", "0.001", "40000"), 110003,
       "Sell order price cannot be lower than 45000.00."},
      {"reduce-only without position", order_json("Sell", "0.001", "50100", R"("reduceOnly":true)"), 110017,
       ""},
      {"hedge position index", order_json("Buy", "0.001", "49000", R"("positionIdx":1)"), 10001,
       "position idx not match position mode"},
      {"unknown symbol", order_json("Buy", "0.001", "49000", "", "NOPEUSDT"), 10001,
       "params error: symbol invalid"},
      {"bad category", order_json("Buy", "0.001", "49000", "", "BTCUSDT", "futures"), 10001,
       "Illegal category"},
      {"bad side", order_json("Up", "0.001", "49000"), 10001, ""},
      {"bad tif", order_json("Buy", "0.001", "49000", R"("timeInForce":"GTX")"), 10001, ""},
      {"bad link", order_json("Buy", "0.001", "49000", R"("orderLinkId":"has space")"), 10001, ""},
      {"spot qty decimals", order_json("Buy", "0.0000001", "49000", "", "BTCUSDT", "spot"), 170137, ""},
      {"spot qty below min", order_json("Buy", "0.000001", "49000", "", "BTCUSDT", "spot"), 170136, ""},
      {"spot price decimals", order_json("Buy", "0.001", "49000.001", "", "BTCUSDT", "spot"), 170134, ""},
      {"spot market buy in quote units",
       R"({"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"100"})", 10001, ""},
      {"spot duplicate link",
       order_json("Buy", "0.0001", "49000", R"("orderLinkId":"sdup")", "BTCUSDT", "spot"), 170141, ""},
  };
  int64_t t = kT0;
  for (const RejectCase& c : cases) {
    t += 1'000'000'000;  // a fresh rate window each
    const RestReply r = e.rest("POST", "/v5/order/create", c.body, t);
    EXPECT_EQ(code_of(r.body), c.code) << c.name << ": " << r.body;
    if (*c.msg != 0) {
      EXPECT_EQ(at(r.body, "retMsg"), c.msg) << c.name;
    }
    EXPECT_EQ(at(r.body, "result"), "{}") << c.name;
  }
  // Too many live orders per symbol (3 here): the 4th is 110020.
  t += 1'000'000'000;
  EXPECT_EQ(code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.001", "49001"), t).body), 0);
  EXPECT_EQ(code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.001", "49002"), t).body), 0);
  EXPECT_EQ(code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.001", "49003"), t).body), 110020);
  EXPECT_EQ(e.ex->stats().orders_rejected, cases.size() + 1);
}

TEST(SimExchangeOrders, MinNotionalMessageNamesTheValue) {
  Env e;
  e.book(e.linear, "4000", "1", "4000.1", "1");
  const RestReply r = e.rest("POST", "/v5/order/create", order_json("Buy", "0.001", "4000"));
  EXPECT_EQ(code_of(r.body), 110094);
  EXPECT_EQ(at(r.body, "retMsg"), "Order does not meet minimum order value 5USDT");
}

// ---- orders: lifecycle on the streams

struct Streams {
  Env& e;
  ConnId priv = 10, trade = 11;
  explicit Streams(Env& env, std::string_view topics = R"("order","execution","position","wallet")")
      : e(env) {
    e.open(priv, WsChannel::kPrivate);
    e.ex->on_ws_text(
        priv, std::string(R"({"req_id":"s1","op":"subscribe","args":[)") + std::string(topics) + "]}", kT0);
    const auto acks = e.out.take(priv);
    EXPECT_EQ(acks.size(), 1u);
    EXPECT_EQ(at(acks.at(0), "success"), "true") << acks.at(0);
    e.open(trade, WsChannel::kTrade);
  }
  std::vector<std::string> pushes() { return e.out.take(priv); }
  static std::vector<std::string> of(const std::vector<std::string>& msgs, std::string_view topic) {
    std::vector<std::string> r;
    for (const auto& m : msgs)
      if (at(m, "topic") == topic) r.push_back(m);
    return r;
  }
};

TEST(SimExchangeOrders, CreateRestsThenCancelOverTradeWs) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  Streams s(e);
  const std::string ack = e.trade_ws(
      s.trade, "order.create", order_json("Buy", "0.010", "49999.9", R"("orderLinkId":"q-1")"), kT0, "r-1");
  EXPECT_EQ(code_of(ack), 0) << ack;
  EXPECT_EQ(at(ack, "reqId"), "r-1");
  EXPECT_EQ(at(ack, "op"), "order.create");
  EXPECT_EQ(at(ack, "retMsg"), "OK");
  EXPECT_EQ(at(ack, "data/orderLinkId"), "q-1");
  const std::string order_id = at(ack, "data/orderId");
  EXPECT_EQ(order_id.size(), 36u);
  EXPECT_EQ(at(ack, "connId"), "mmsim-11");
  auto msgs = Streams::of(s.pushes(), "order");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(at(msgs[0], "data/0/orderStatus"), "New");
  EXPECT_EQ(at(msgs[0], "data/0/orderId"), order_id);
  EXPECT_EQ(at(msgs[0], "data/0/price"), "49999.90");
  EXPECT_EQ(at(msgs[0], "data/0/qty"), "0.010");
  EXPECT_EQ(at(msgs[0], "data/0/leavesQty"), "0.010");
  EXPECT_EQ(at(msgs[0], "creationTime"), std::to_string(kT0Ms));

  // Amend the price (by orderLinkId), then cancel (by orderId).
  std::string a =
      e.trade_ws(s.trade, "order.amend",
                 R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"q-1","price":"49999.5"})");
  EXPECT_EQ(code_of(a), 0) << a;
  msgs = Streams::of(s.pushes(), "order");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(at(msgs[0], "data/0/price"), "49999.50");
  a = e.trade_ws(s.trade, "order.cancel",
                 R"({"category":"linear","symbol":"BTCUSDT","orderId":")" + order_id + "\"}");
  EXPECT_EQ(code_of(a), 0) << a;
  EXPECT_EQ(at(a, "data/orderId"), order_id);
  msgs = Streams::of(s.pushes(), "order");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(at(msgs[0], "data/0/orderStatus"), "Cancelled");
  EXPECT_EQ(at(msgs[0], "data/0/cancelType"), "CancelByUser");
  EXPECT_EQ(at(msgs[0], "data/0/leavesQty"), "0.000");
  // Cancel again: gone (110001); amend a cancelled order: 110008; amend unknown: 110001.
  a = e.trade_ws(s.trade, "order.cancel",
                 R"({"category":"linear","symbol":"BTCUSDT","orderId":")" + order_id + "\"}");
  EXPECT_EQ(code_of(a), 110001);
  a = e.trade_ws(s.trade, "order.amend",
                 R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"q-1","qty":"0.02"})");
  EXPECT_EQ(code_of(a), 110008);
  a = e.trade_ws(s.trade, "order.amend",
                 R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"zz","qty":"0.02"})");
  EXPECT_EQ(code_of(a), 110001);
  const ExchangeStats st = e.ex->stats();
  EXPECT_EQ(st.orders_created, 1u);
  EXPECT_EQ(st.orders_amended, 1u);
  EXPECT_EQ(st.orders_cancelled, 1u);
  EXPECT_EQ(st.orders_rejected, 3u);
}

TEST(SimExchangeOrders, AmendWithNothingChangedIsRefused) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  Streams s(e);
  const std::string ack =
      e.trade_ws(s.trade, "order.create", order_json("Buy", "0.010", "49999.9", R"("orderLinkId":"q-1")"));
  ASSERT_EQ(code_of(ack), 0);
  const std::string a =
      e.trade_ws(s.trade, "order.amend",
                 R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"q-1","price":"49999.9"})");
  EXPECT_EQ(code_of(a), 10001);
  EXPECT_EQ(at(a, "retMsg"),
            "The order remains unchanged as the parameters entered match the existing ones.");
}

TEST(SimExchangeOrders, PostOnlyThatWouldCrossIsAckedThenCancelled) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  Streams s(e);
  const std::string ack = e.trade_ws(s.trade, "order.create",
                                     order_json("Buy", "0.010", "50000.1", R"("timeInForce":"PostOnly")"));
  EXPECT_EQ(code_of(ack), 0) << ack;
  const auto msgs = Streams::of(s.pushes(), "order");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(at(msgs[0], "data/0/orderStatus"), "Cancelled");
  EXPECT_EQ(at(msgs[0], "data/0/rejectReason"), "EC_PostOnlyWillTakeLiquidity");
  EXPECT_EQ(at(msgs[0], "data/0/timeInForce"), "PostOnly");
  EXPECT_EQ(e.ex->stats().fills, 0u);
}

TEST(SimExchangeOrders, TakerPartialFillThenRestWithFeesPositionAndWallet) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  Streams s(e);
  // Buy 2 at the ask: 1 available -> one taker execution of 1, the rest (1) rests at 50000.1.
  const std::string ack = e.trade_ws(s.trade, "order.create", order_json("Buy", "2", "50000.1"));
  ASSERT_EQ(code_of(ack), 0) << ack;
  const auto all = s.pushes();
  const auto execs = Streams::of(all, "execution");
  ASSERT_EQ(execs.size(), 1u);
  EXPECT_EQ(at(execs[0], "data/0/execQty"), "1.000");
  EXPECT_EQ(at(execs[0], "data/0/execPrice"), "50000.10");
  EXPECT_EQ(at(execs[0], "data/0/isMaker"), "false");
  EXPECT_EQ(at(execs[0], "data/0/feeRate"), "0.00055");
  EXPECT_EQ(at(execs[0], "data/0/execFee"), "27.500055");  // 50000.1 * 1 * 0.00055
  EXPECT_EQ(at(execs[0], "data/0/execValue"), "50000.1");
  EXPECT_EQ(at(execs[0], "data/0/execTime"), std::to_string(kT0Ms));
  EXPECT_EQ(at(execs[0], "data/0/leavesQty"), "1.000");
  EXPECT_EQ(at(execs[0], "data/0/execId").size(), 36u);
  const auto orders = Streams::of(all, "order");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(at(orders[0], "data/0/orderStatus"), "PartiallyFilled");
  EXPECT_EQ(at(orders[0], "data/0/cumExecQty"), "1.000");
  EXPECT_EQ(at(orders[0], "data/0/cumExecFee"), "27.500055");
  EXPECT_EQ(at(orders[0], "data/0/avgPrice"), "50000.10");
  const auto pos = Streams::of(all, "position");
  ASSERT_EQ(pos.size(), 1u);
  EXPECT_EQ(at(pos[0], "data/0/side"), "Buy");
  EXPECT_EQ(at(pos[0], "data/0/size"), "1.000");
  const auto wallet = Streams::of(all, "wallet");
  ASSERT_EQ(wallet.size(), 1u);
  EXPECT_EQ(at(wallet[0], "data/0/coin/0/walletBalance"), "99972.499945");
  // Every push parses with the project's own Bybit codec.
  BybitCodec codec(e.reg);
  for (const auto& m : all) {
    const ParseResult pr = codec.parse(m, Category::kLinear);
    EXPECT_EQ(pr.error, CodecError::kOk) << m;
  }
  // The remaining 1 rests at 50000.1 (the book's ask level is consumed); a print that trades through it fills
  // it as maker.
  e.trade(e.linear, Side::kSell, "50000", "5", kT0 + 1'000'000);
  const auto more = s.pushes();
  const auto ex2 = Streams::of(more, "execution");
  ASSERT_EQ(ex2.size(), 1u);
  EXPECT_EQ(at(ex2[0], "data/0/isMaker"), "true");
  EXPECT_EQ(at(ex2[0], "data/0/feeRate"), "0.0002");
  EXPECT_EQ(at(Streams::of(more, "order").at(0), "data/0/orderStatus"), "Filled");
  const ExchangeStats st = e.ex->stats();
  EXPECT_EQ(st.fills, 2u);
  EXPECT_EQ(st.orders_filled, 1u);
}

TEST(SimExchangeOrders, CancelAfterTheFillFails) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  Streams s(e);
  const std::string ack =
      e.trade_ws(s.trade, "order.create", order_json("Buy", "0.5", "50000", R"("orderLinkId":"race")"));
  ASSERT_EQ(code_of(ack), 0);
  (void)s.pushes();
  e.trade(e.linear, Side::kSell, "49999", "3", kT0 + 1'000'000);  // trades through our bid: filled
  EXPECT_EQ(at(Streams::of(s.pushes(), "order").at(0), "data/0/orderStatus"), "Filled");
  const std::string c =
      e.trade_ws(s.trade, "order.cancel", R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"race"})",
                 kT0 + 2'000'000);
  EXPECT_EQ(code_of(c), 110001);
  EXPECT_EQ(at(c, "retMsg"), "order not exists or too late to cancel");
  EXPECT_TRUE(Streams::of(s.pushes(), "order").empty());
  // Amend of the filled order: 110008.
  EXPECT_EQ(code_of(e.trade_ws(s.trade, "order.amend",
                               R"({"category":"linear","symbol":"BTCUSDT","orderLinkId":"race","qty":"1"})",
                               kT0 + 3'000'000)),
            110008);
}

TEST(SimExchangeOrders, ReduceOnlyIsCutToThePosition) {
  Env e;
  e.book(e.linear, "50000", "5", "50000.1", "5");
  Streams s(e);
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create", order_json("Buy", "1", "50000.1"))), 0);  // long 1
  (void)s.pushes();
  // Reduce-only buy while long: 110017; reduce-only sell of 3: cut to 1.
  EXPECT_EQ(
      code_of(e.trade_ws(s.trade, "order.create", order_json("Buy", "1", "49000", R"("reduceOnly":true)"))),
      110017);
  ASSERT_EQ(
      code_of(e.trade_ws(s.trade, "order.create", order_json("Sell", "3", "50100", R"("reduceOnly":true)"))),
      0);
  const auto o = Streams::of(s.pushes(), "order");
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(at(o[0], "data/0/qty"), "1.000");
  EXPECT_EQ(at(o[0], "data/0/reduceOnly"), "true");
}

TEST(SimExchangeOrders, ReduceOnlyOrdersFollowThePosition) {
  Env e;
  e.book(e.linear, "50000", "5", "50000.1", "5");
  Streams s(e);
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create", order_json("Buy", "1", "50000.1"))), 0);  // long 1
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create",
                               order_json("Sell", "1", "50100", R"("reduceOnly":true,"orderLinkId":"ro")"))),
            0);
  (void)s.pushes();
  // Sell 0.4 at the bid: long 0.6; the reduce-only order is cut to 0.6.
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create", order_json("Sell", "0.4", "50000"))), 0);
  auto orders = Streams::of(s.pushes(), "order");
  bool cut = false;
  for (const auto& m : orders)
    cut |= at(m, "data/0/orderLinkId") == "ro" && at(m, "data/0/qty") == "0.600" &&
           at(m, "data/0/orderStatus") == "New";
  EXPECT_TRUE(cut);
  // Sell the rest: flat; the reduce-only order is cancelled.
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create", order_json("Sell", "0.6", "50000"))), 0);
  orders = Streams::of(s.pushes(), "order");
  bool cancelled = false;
  for (const auto& m : orders)
    cancelled |= at(m, "data/0/orderLinkId") == "ro" && at(m, "data/0/orderStatus") == "Cancelled" &&
                 at(m, "data/0/cancelType") == "CancelByReduceOnly";
  EXPECT_TRUE(cancelled);
}

TEST(SimExchangeOrders, SpotFillsMoveBaseAndQuoteCoins) {
  Env e;
  e.book(e.spot, "50000", "1", "50000.01", "1");
  Streams s(e, R"("order.spot","execution","wallet")");
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create",
                               order_json("Buy", "0.1", "50000.01", "", "BTCUSDT", "spot"))),
            0);
  const auto all = s.pushes();
  const auto ex = Streams::of(all, "execution");
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(at(ex[0], "data/0/category"), "spot");
  EXPECT_EQ(at(ex[0], "data/0/feeRate"), "0.001");
  EXPECT_EQ(at(ex[0], "data/0/execFee"), "5.000001");
  EXPECT_EQ(at(Streams::of(all, "order.spot").at(0), "data/0/orderStatus"), "Filled");
  const RestReply r = e.rest("GET", "/v5/account/wallet-balance", "accountType=UNIFIED");
  // USDT: 100000 - 5000.001 - 5.000001 fee; BTC: +0.1.
  EXPECT_EQ(at(r.body, "result/list/0/coin/0/coin"), "USDT");
  EXPECT_EQ(at(r.body, "result/list/0/coin/0/walletBalance"), "94994.998999");
  EXPECT_EQ(at(r.body, "result/list/0/coin/1/coin"), "BTC");
  EXPECT_EQ(at(r.body, "result/list/0/coin/1/walletBalance"), "0.1");
}

TEST(SimExchangeOrders, CategorisedTopicsAndUnsubscribe) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  Streams s(e, R"("order.linear")");
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create", order_json("Buy", "0.01", "49000"))), 0);
  auto msgs = s.pushes();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(at(msgs[0], "topic"), "order.linear");
  e.ex->on_ws_text(s.priv, R"({"op":"unsubscribe","args":["order.linear"]})", kT0);
  EXPECT_EQ(at(e.out.take(s.priv).at(0), "success"), "true");
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create", order_json("Buy", "0.01", "49000"))), 0);
  EXPECT_TRUE(s.pushes().empty());
  // execution.fast: its own topic name.
  e.ex->on_ws_text(s.priv, R"({"op":"subscribe","args":["execution.fast"]})", kT0);
  EXPECT_EQ(at(e.out.take(s.priv).at(0), "success"), "true");
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create", order_json("Buy", "0.01", "50000.1"))), 0);
  msgs = s.pushes();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(at(msgs[0], "topic"), "execution.fast");
  EXPECT_EQ(at(msgs[0], "data/0/execQty"), "0.010");
  e.ex->on_ws_text(s.priv, R"({"op":"unsubscribe","args":["execution.fast"]})", kT0);
  EXPECT_EQ(at(e.out.take(s.priv).at(0), "success"), "true");
  // Unknown topic: refused, nothing changes.
  e.ex->on_ws_text(s.priv, R"({"op":"subscribe","args":["order","greeks.nope"]})", kT0);
  EXPECT_EQ(at(e.out.take(s.priv).at(0), "success"), "false");
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create", order_json("Buy", "0.01", "49000"))), 0);
  EXPECT_TRUE(s.pushes().empty());
}

TEST(SimExchangeOrders, PingPongShapes) {
  Env e;
  e.ex->on_ws_open(1, WsChannel::kPrivate, "127.0.0.1", kT0);
  e.ex->on_ws_text(1, R"({"req_id":"p1","op":"ping"})", kT0);
  std::string m = e.out.take(1).at(0);
  EXPECT_EQ(at(m, "op"), "pong");
  EXPECT_EQ(at(m, "req_id"), "p1");
  EXPECT_EQ(at(m, "args/0"), std::to_string(kT0Ms));
  EXPECT_EQ(at(m, "conn_id"), "mmsim-1");
  e.ex->on_ws_open(2, WsChannel::kTrade, "127.0.0.1", kT0);
  e.ex->on_ws_text(2, R"({"op":"ping"})", kT0);
  m = e.out.take(2).at(0);
  EXPECT_EQ(code_of(m), 0);
  EXPECT_EQ(at(m, "op"), "pong");
  EXPECT_EQ(at(m, "data/0"), std::to_string(kT0Ms));
  EXPECT_EQ(at(m, "connId"), "mmsim-2");
}

TEST(SimExchangeOrders, MatchingLatencyDelaysTheEngineNotTheAck) {
  ExchangeConfig cfg;
  cfg.matching_latency_ns = 5'000'000;
  Env e(cfg);
  e.book(e.linear, "50000", "1", "50000.1", "1");
  Streams s(e);
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create", order_json("Buy", "0.01", "49000"))), 0);
  EXPECT_TRUE(s.pushes().empty());
  EXPECT_EQ(e.ex->next_deadline_ns(), kT0 + 5'000'000);
  e.ex->on_timer(kT0 + 4'999'999);
  EXPECT_TRUE(s.pushes().empty());
  e.ex->on_timer(kT0 + 5'000'000);
  const auto o = Streams::of(s.pushes(), "order");
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(at(o[0], "data/0/orderStatus"), "New");
  EXPECT_EQ(e.ex->next_deadline_ns(), INT64_MAX);
}

// A market event after an action's due time meets the action's result, as in the backtest's venue: the
// engine performs the actions due by the event's time first (before, an action waited for the next
// exchange timer or request, and a print in between met the order's old terms).
TEST(SimExchangeOrders, AMarketEventMeetsTheActionsDueBeforeIt) {
  ExchangeConfig cfg;
  cfg.matching_latency_ns = 5'000'000;
  Env e(cfg);
  e.book(e.linear, "50000", "1", "50000.1", "1");
  Streams s(e);
  ASSERT_EQ(code_of(e.trade_ws(s.trade, "order.create", order_json("Buy", "0.01", "49999.9"))), 0);
  // 6 ms later, with no timer in between: a sell print through our price fills the order, which reached the
  // engine at 5 ms.
  e.trade(e.linear, Side::kSell, "49999.9", "0.05", kT0 + 6'000'000);
  const auto x = Streams::of(s.pushes(), "execution");
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(at(x[0], "data/0/execPrice"), "49999.90");
  EXPECT_EQ(e.ex->next_deadline_ns(), INT64_MAX);
}

// ---- REST queries

TEST(SimExchangeRest, QueriesReportOrdersExecutionsPositionsAndKeys) {
  Env e;
  e.book(e.linear, "50000", "1", "50000.1", "1");
  ASSERT_EQ(
      code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.5", "50000.1", R"("orderLinkId":"t1")"))
                  .body),
      0);
  ASSERT_EQ(
      code_of(e.rest("POST", "/v5/order/create", order_json("Buy", "0.2", "49000", R"("orderLinkId":"m1")"))
                  .body),
      0);
  RestReply r = e.rest("GET", "/v5/order/realtime", "category=linear&symbol=BTCUSDT");
  ASSERT_EQ(code_of(r.body), 0) << r.body;
  EXPECT_EQ(at(r.body, "result/list/0/orderLinkId"), "m1");
  EXPECT_EQ(at(r.body, "result/list/1"), "");  // t1 filled: not open
  EXPECT_EQ(at(r.body, "result/category"), "linear");
  // openOnly=1: the recent closed orders instead (how an order whose outcome was not seen is settled).
  r = e.rest("GET", "/v5/order/realtime", "category=linear&orderLinkId=t1&openOnly=1");
  EXPECT_EQ(at(r.body, "result/list/0/orderLinkId"), "t1") << r.body;
  EXPECT_EQ(at(r.body, "result/list/0/orderStatus"), "Filled");
  r = e.rest("GET", "/v5/order/realtime", "category=linear&symbol=BTCUSDT&openOnly=1");
  EXPECT_EQ(at(r.body, "result/list/0/orderLinkId"), "t1");
  EXPECT_EQ(at(r.body, "result/list/1"), "");  // m1 is open: not closed
  EXPECT_EQ(at(e.rest("GET", "/v5/order/realtime", "category=linear&orderLinkId=t1").body, "result/list/0"),
            "");
  EXPECT_EQ(code_of(e.rest("GET", "/v5/order/realtime", "category=linear&openOnly=3").body), 10001);
  EXPECT_EQ(code_of(e.rest("GET", "/v5/order/realtime", "category=linear&openOnly=x").body), 10001);
  r = e.rest("GET", "/v5/order/history", "category=linear&limit=1");
  EXPECT_EQ(at(r.body, "result/list/0/orderLinkId"), "m1");
  EXPECT_EQ(at(r.body, "result/nextPageCursor"), "1");
  r = e.rest("GET", "/v5/order/history", "category=linear&limit=1&cursor=1");
  EXPECT_EQ(at(r.body, "result/list/0/orderLinkId"), "t1");
  EXPECT_EQ(at(r.body, "result/list/0/orderStatus"), "Filled");
  r = e.rest("GET", "/v5/execution/list", "category=linear");
  EXPECT_EQ(at(r.body, "result/list/0/orderLinkId"), "t1");
  EXPECT_EQ(at(r.body, "result/list/0/execQty"), "0.500");
  r = e.rest("GET", "/v5/position/list", "category=linear&symbol=BTCUSDT");
  EXPECT_EQ(at(r.body, "result/list/0/size"), "0.500");
  EXPECT_EQ(at(r.body, "result/list/0/side"), "Buy");
  EXPECT_EQ(code_of(e.rest("GET", "/v5/position/list", "category=linear").body), 10001);
  r = e.rest("GET", "/v5/account/fee-rate", "category=linear&symbol=BTCUSDT");
  EXPECT_EQ(at(r.body, "result/list/0/makerFeeRate"), "0.0002");
  EXPECT_EQ(at(r.body, "result/list/0/takerFeeRate"), "0.00055");
  r = e.rest("GET", "/v5/user/query-api", "");
  EXPECT_EQ(at(r.body, "result/apiKey"), "mmsim-test-key");
  EXPECT_EQ(at(r.body, "result/permissions/ContractTrade/0"), "Order");
  EXPECT_EQ(at(r.body, "result/readOnly"), "0");
  // Leverage: set, then the same again is 110043.
  EXPECT_EQ(code_of(e.rest("POST", "/v5/position/set-leverage",
                           R"({"category":"linear","symbol":"BTCUSDT","buyLeverage":"5","sellLeverage":"5"})")
                        .body),
            0);
  EXPECT_EQ(code_of(e.rest("POST", "/v5/position/set-leverage",
                           R"({"category":"linear","symbol":"BTCUSDT","buyLeverage":"5","sellLeverage":"5"})")
                        .body),
            110043);
  EXPECT_EQ(code_of(e.rest("POST", "/v5/position/trading-stop",
                           R"({"category":"linear","symbol":"BTCUSDT","takeProfit":"60000","positionIdx":0})")
                        .body),
            0);
  r = e.rest("GET", "/v5/position/list", "category=linear&symbol=BTCUSDT");
  EXPECT_EQ(at(r.body, "result/list/0/takeProfit"), "60000");
  EXPECT_EQ(at(r.body, "result/list/0/leverage"), "5");
  // Cancel-all lists what it cancelled.
  r = e.rest("POST", "/v5/order/cancel-all", R"({"category":"linear","symbol":"BTCUSDT"})");
  EXPECT_EQ(at(r.body, "result/list/0/orderLinkId"), "m1");
  EXPECT_EQ(at(r.body, "result/success"), "1");
  // A wrong method and an unknown path.
  r = e.rest("GET", "/v5/order/create", "");
  EXPECT_EQ(r.http_status, 404);
  EXPECT_FALSE(e.ex->handles_rest("/v5/market/time"));
  EXPECT_TRUE(e.ex->handles_rest("/v5/order/create"));
}

}  // namespace
}  // namespace mm::simx::test

namespace mm::simx::test {
namespace {

// A WsOutput that keeps nothing (so the test itself allocates nothing per message).
struct CountingOut final : WsOutput {
  uint64_t messages = 0, bytes = 0;
  void send_text(ConnId, std::string_view t) override {
    ++messages;
    bytes += t.size();
  }
  void close(ConnId, uint16_t, std::string_view) override {}
};

TEST(SimExchangeHotPath, TradeWsOrdersFillsAndPushesAllocateNothingOnceWarm) {
  InstrumentRegistry reg;
  const InstrumentId id = reg.add(make(Category::kLinear, "BTCUSDT", "0.10", "0.001", "0.001", "100", "5"));
  ExchangeConfig cfg;
  cfg.create_per_second = cfg.cancel_per_second = cfg.amend_per_second = 1'000'000;
  CountingOut out;
  SimExchange ex(cfg, reg, out);
  Signer signer;
  ASSERT_EQ(signer.init(kTestApiKey, kTestApiSecret), SignerError::kOk);
  const int64_t expires = kT0Ms + 3'600'000;
  char sig[kSignatureHexLen];
  ASSERT_EQ(signer.sign_ws_auth(expires, sig), SignerError::kOk);
  const std::string auth = R"({"op":"auth","args":["mmsim-test-key",)" + std::to_string(expires) + ",\"" +
                           std::string(sig, kSignatureHexLen) + "\"]}";
  ex.on_ws_open(1, WsChannel::kPrivate, "127.0.0.1", kT0);
  ex.on_ws_text(1, auth, kT0);
  ex.on_ws_text(1, R"({"op":"subscribe","args":["order","execution","position","wallet"]})", kT0);
  ex.on_ws_open(2, WsChannel::kTrade, "127.0.0.1", kT0);
  ex.on_ws_text(2, auth, kT0);
  Price bid, ask;
  Qty one;
  ASSERT_EQ(to_price(reg.get(id), "50000", bid), DecimalError::kOk);
  ASSERT_EQ(to_price(reg.get(id), "50000.1", ask), DecimalError::kOk);
  ASSERT_EQ(to_qty(reg.get(id), "1", one), DecimalError::kOk);
  const PriceLevel b{bid, one}, a{ask, one};
  BookUpdate snap;
  snap.instrument = id;
  snap.snapshot = true;
  snap.bids = &b;
  snap.bid_count = 1;
  snap.asks = &a;
  snap.ask_count = 1;
  const std::string header = R"({"header":{"X-BAPI-TIMESTAMP":")" + std::to_string(kT0Ms) + R"("},"op":")";
  // Per cycle: a buy rests at the bid and is filled by a print through it; a sell rests at the ask, is
  // amended, then cancelled; a post-only crosses.
  constexpr int kCycles = 600;
  std::vector<std::string> msgs;
  for (int i = 0; i < kCycles; ++i) {
    const std::string n = std::to_string(i);
    msgs.push_back(header + "order.create\",\"args\":[" +
                   order_json("Buy", "0.01", "50000", "\"orderLinkId\":\"b" + n + "\"") + "]}");
    msgs.push_back(header + "order.create\",\"args\":[" +
                   order_json("Sell", "0.01", "50000.1", "\"orderLinkId\":\"s" + n + "\"") + "]}");
    msgs.push_back(header +
                   R"(order.amend","args":[{"category":"linear","symbol":"BTCUSDT","orderLinkId":"s)" + n +
                   R"(","price":"50000.2"}]})");
    msgs.push_back(header +
                   R"(order.cancel","args":[{"category":"linear","symbol":"BTCUSDT","orderLinkId":"s)" + n +
                   R"("}]})");
    msgs.push_back(header + "order.create\",\"args\":[" +
                   order_json("Buy", "0.01", "50000.1", R"("timeInForce":"PostOnly")") + "]}");
  }
  TradeEvent through;
  through.instrument = id;
  through.taker_side = Side::kSell;
  ASSERT_EQ(to_price(reg.get(id), "49999", through.price), DecimalError::kOk);
  through.qty = one;
  auto cycle = [&](int i) {
    ex.on_book(snap, kT0);
    for (int k = 0; k < 5; ++k) ex.on_ws_text(2, msgs[static_cast<size_t>(i * 5 + k)], kT0);
    ex.on_trade(through, kT0);
  };
  for (int i = 0; i < 100; ++i) cycle(i);  // warm-up: buffers reach their sizes
  const uint64_t before = out.messages;
  const ExchangeStats warm = ex.stats();
  mm::test::AllocScope scope;
  for (int i = 100; i < kCycles; ++i) cycle(i);
  const uint64_t allocations = scope.allocations();
  EXPECT_EQ(allocations, 0u);
  const ExchangeStats s = ex.stats();
  EXPECT_EQ(s.fills - warm.fills, static_cast<uint64_t>(kCycles - 100));
  EXPECT_EQ(s.orders_rejected, 0u);
  EXPECT_GT(out.messages - before, static_cast<uint64_t>((kCycles - 100) * 9));
}

}  // namespace
}  // namespace mm::simx::test
