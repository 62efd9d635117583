// The trade stream client against a loopback peer that answers like Bybit's /v5/trade: reqId correlation,
// the ack's rate-limit header block into the limiter, batches, timeouts and disconnects as Unknown.
#include "net/trade_ws.h"

#include <gtest/gtest.h>

#include <set>

#include "core/instrument.h"
#include "tests/net/loopback_server.h"
#include "tests/support/alloc_counter.h"

namespace mm::test {
namespace {

int64_t wall_ms_now() {
  return wall_ns() / 1'000'000;
}

struct Sink : TradeWsSink {
  std::vector<std::pair<InFlightRequest, TradeAck>> acks;
  std::vector<TradeAckItem> items;
  std::vector<InFlightRequest> timeouts;
  int ready = 0;
  void on_trade_ack(const InFlightRequest& req, const TradeAck& ack, int64_t) noexcept override {
    acks.emplace_back(req, ack);
    items.assign(ack.items, ack.items + ack.item_count);
  }
  void on_trade_timeout(const InFlightRequest& req) noexcept override { timeouts.push_back(req); }
  void on_ready() noexcept override { ++ready; }
};

class TradeWsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(signer_.init("TRADEKEY01", "trade-secret"), SignerError::kOk);
    Instrument in;
    ASSERT_EQ(make_instrument(
                  {Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"}, in),
              InstrumentError::kOk);
    btc_ = reg_.add(in);
    codec_ = std::make_unique<BybitCodec>(reg_);
    server_.on_ws([this](uint64_t, std::string_view, std::string_view msg, std::vector<std::string>& out) {
      const std::string op = json_string_field(msg, "op");
      if (op == "auth") {
        out.emplace_back(R"({"retCode":0,"retMsg":"OK","op":"auth","connId":"t1"})");
        return;
      }
      const std::string req = json_string_field(msg, "reqId");
      if (silent_.count(req) != 0) return;  // this one is never answered
      const std::string head = R"(,"header":{"X-Bapi-Limit":"10","X-Bapi-Limit-Status":")" +
                               std::to_string(limit_status_) + R"(","X-Bapi-Limit-Reset-Timestamp":")" +
                               std::to_string(wall_ms_now() + 1000) + R"(","Traceid":"x","Timenow":")" +
                               std::to_string(wall_ms_now()) + R"("},"connId":"t1"})";
      if (op == "order.create-batch") {
        out.push_back(
            R"({"reqId":")" + req +
            R"(","retCode":0,"retMsg":"OK","op":"order.create-batch","data":{"list":[)"
            R"({"category":"linear","symbol":"BTCUSDT","orderId":"o1","orderLinkId":"mm-1","createAt":"1"},)"
            R"({"category":"linear","symbol":"BTCUSDT","orderId":"","orderLinkId":"mm-2","createAt":""}]},)"
            R"("retExtInfo":{"list":[{"code":0,"msg":"OK"},{"code":10001,"msg":"bad qty"}]})" +
            head);
        return;
      }
      const std::string link = json_string_field(msg, "orderLinkId");
      const int code = link == "mm-bad" ? 110007 : 0;
      out.push_back(R"({"reqId":")" + req + R"(","retCode":)" + std::to_string(code) +
                    R"(,"retMsg":"OK","op":")" + op + R"(","data":{"orderId":"oid-)" + link +
                    R"(","orderLinkId":")" + link + R"("},"retExtInfo":{})" + head);
    });
  }
  TradeWsConfig config() {
    TradeWsConfig cfg;
    cfg.session.ws.endpoint.host = "127.0.0.1";
    cfg.session.ws.endpoint.port = server_.port();
    cfg.session.ws.endpoint.target = "/v5/trade";
    cfg.session.backoff_base_ms = 5;
    cfg.session.backoff_cap_ms = 20;
    cfg.request_timeout_ms = 150;
    return cfg;
  }
  OrderCreate create(uint64_t seq) {
    OrderCreate c;
    c.instrument = btc_;
    c.price = Price{300000};
    c.qty = Qty{1};
    EXPECT_EQ(make_link_id("mm", seq, c.link_id), LinkIdError::kOk);
    return c;
  }
  void connect(TradeWs& ws, Sink& sink) {
    ws.start(wall_ns());
    ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return ws.ready(); }));
  }
  Signer signer_;
  InstrumentRegistry reg_;
  InstrumentId btc_ = kNoInstrument;
  std::unique_ptr<BybitCodec> codec_;
  RateLimiter limiter_;
  std::set<std::string> silent_;
  int limit_status_ = 9;
  LoopbackServer server_;
};

TEST_F(TradeWsTest, NotReadyBeforeAuth) {
  TradeWs ws(config(), reg_, *codec_, signer_, &limiter_);
  EXPECT_EQ(ws.create(create(1), 1, wall_ns()), TradeError::kNotReady);
  EXPECT_EQ(ws.in_flight(), 0u);
}

TEST_F(TradeWsTest, AcksAreMatchedByReqIdAndFeedTheLimiter) {
  TradeWs ws(config(), reg_, *codec_, signer_, &limiter_);
  Sink sink;
  connect(ws, sink);
  ASSERT_EQ(limiter_.configure(RateClass::kCreate, 10, 10, wall_ns()), RateError::kOk);
  limit_status_ = 0;
  ASSERT_EQ(ws.create(create(1), 11, wall_ns()), TradeError::kOk);
  ASSERT_EQ(ws.create(create(2), 12, wall_ns()), TradeError::kOk);
  EXPECT_EQ(ws.in_flight(), 2u);
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.acks.size() == 2; }));
  EXPECT_EQ(sink.acks[0].first.tag, 11u);
  EXPECT_EQ(sink.acks[0].second.req_id.view(), "r1");
  EXPECT_EQ(sink.acks[0].second.order_link_id.view(), "mm-1");
  EXPECT_EQ(sink.acks[1].first.tag, 12u);
  EXPECT_EQ(sink.acks[1].first.link_id.view(), "mm-2");
  EXPECT_EQ(sink.acks[1].second.limit, 10);
  EXPECT_EQ(ws.in_flight(), 0u);
  // The ack said 0 left until the reset: the limiter holds creates.
  EXPECT_EQ(limiter_.try_acquire(RateClass::kCreate, 1, wall_ns()), RateError::kLimited);
  // Requests carried the signed-in envelope: reqId, timestamp, recv window.
  const auto msgs = server_.ws_messages();
  EXPECT_EQ(json_string_field(msgs[1], "reqId"), "r1");
  EXPECT_EQ(json_string_field(msgs[1], "X-BAPI-RECV-WINDOW"), "5000");
  EXPECT_EQ(json_string_field(msgs[1], "op"), "order.create");
}

TEST_F(TradeWsTest, RejectionIsAnAckWithItsCode) {
  TradeWs ws(config(), reg_, *codec_, signer_, &limiter_);
  Sink sink;
  connect(ws, sink);
  OrderCreate c = create(3);
  ASSERT_EQ(make_link_id("mm-bad", c.link_id), LinkIdError::kOk);
  ASSERT_EQ(ws.create(c, 5, wall_ns()), TradeError::kOk);
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.acks.size() == 1; }));
  EXPECT_EQ(sink.acks[0].second.ret_code, 110007);
  EXPECT_EQ(ws.counters().rejects, 1u);
}

TEST_F(TradeWsTest, BatchAckCarriesPerItemCodes) {
  TradeWs ws(config(), reg_, *codec_, signer_, &limiter_);
  Sink sink;
  connect(ws, sink);
  const OrderCreate items[] = {create(1), create(2)};
  ASSERT_EQ(ws.create_batch(items, 77, wall_ns()), TradeError::kOk);
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.acks.size() == 1; }));
  EXPECT_EQ(sink.acks[0].first.items, 2);
  ASSERT_EQ(sink.items.size(), 2u);
  EXPECT_EQ(sink.items[0].code, 0);
  EXPECT_EQ(sink.items[1].code, 10001);
  EXPECT_EQ(sink.items[1].order_link_id.view(), "mm-2");
}

TEST_F(TradeWsTest, UnansweredRequestTimesOutAsUnknownAndLateAckIsIgnored) {
  TradeWs ws(config(), reg_, *codec_, signer_, &limiter_);
  Sink sink;
  connect(ws, sink);
  silent_.insert("r1");
  ASSERT_EQ(ws.cancel(OrderCancel{btc_, OrderIdKind::kLinkId, create(9).link_id}, 9, wall_ns()),
            TradeError::kOk);
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.timeouts.size() == 1; }));
  EXPECT_EQ(sink.timeouts[0].tag, 9u);
  EXPECT_EQ(sink.timeouts[0].kind, RequestKind::kCancel);
  EXPECT_EQ(sink.timeouts[0].link_id.view(), "mm-9");
  EXPECT_TRUE(sink.acks.empty());
  EXPECT_EQ(ws.counters().timeouts, 1u);
  // An answer that arrives after the timeout is not matched to anything.
  server_.ws_broadcast(
      R"({"reqId":"r1","retCode":0,"retMsg":"OK","op":"order.cancel","data":{"orderId":"x","orderLinkId":"mm-9"},"retExtInfo":{},"header":{},"connId":"t1"})");
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return ws.counters().unmatched == 1; }));
  EXPECT_TRUE(sink.acks.empty());
}

TEST_F(TradeWsTest, DisconnectMakesEveryInFlightRequestUnknown) {
  TradeWs ws(config(), reg_, *codec_, signer_, &limiter_);
  Sink sink;
  connect(ws, sink);
  silent_ = {"r1", "r2"};
  ASSERT_EQ(ws.create(create(1), 1, wall_ns()), TradeError::kOk);
  ASSERT_EQ(ws.create(create(2), 2, wall_ns()), TradeError::kOk);
  ASSERT_TRUE(
      poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return server_.ws_messages().size() == 3; }));
  server_.drop_all();
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.timeouts.size() == 2; }));
  EXPECT_EQ(ws.counters().abandoned, 2u);
  EXPECT_EQ(ws.in_flight(), 0u);
  // After the reconnect and a new auth, requests continue with fresh reqIds (never reused).
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return ws.ready(); }));
  ASSERT_EQ(ws.create(create(3), 3, wall_ns()), TradeError::kOk);
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.acks.size() == 1; }));
  EXPECT_EQ(sink.acks[0].second.req_id.view(), "r3");
}

TEST_F(TradeWsTest, EncodeErrorsSendNothing) {
  TradeWs ws(config(), reg_, *codec_, signer_, &limiter_);
  Sink sink;
  connect(ws, sink);
  OrderCreate bad = create(1);
  bad.qty = Qty{0};
  EXPECT_EQ(ws.create(bad, 1, wall_ns()), TradeError::kEncode);
  EXPECT_EQ(ws.encode_error(), EncodeError::kBadQty);
  OrderCreate unknown = create(2);
  unknown.instrument = 999;
  EXPECT_EQ(ws.create(unknown, 2, wall_ns()), TradeError::kEncode);
  EXPECT_EQ(ws.encode_error(), EncodeError::kUnknownInstrument);
  EXPECT_EQ(ws.in_flight(), 0u);
  EXPECT_EQ(server_.ws_messages().size(), 1u);  // the auth only
}

// A rehearsal encodes what the real request would carry, and spends nothing: the next real request still
// gets the next reqId, nothing is in flight or counted, and the peer receives nothing (both transports).
TEST_F(TradeWsTest, RehearsalEncodesTheRequestAndSendsNothing) {
  for (const WsTransport transport : {WsTransport::kBeast, WsTransport::kUring}) {
    SCOPED_TRACE(to_string(transport));
    const size_t base = server_.ws_messages().size();
    TradeWsConfig cfg = config();
    cfg.session.ws.transport = transport;
    TradeWs ws(cfg, reg_, *codec_, signer_, &limiter_);
    Sink sink;
    const OrderCreate c = create(1);
    EXPECT_FALSE(ws.rehearse(c, wall_ns())) << "not ready: nothing to rehearse";
    connect(ws, sink);
    OrderAmend a;
    a.instrument = btc_;
    a.link_id = c.link_id;
    a.price = Price{300010};
    OrderCancel x;
    x.instrument = btc_;
    x.link_id = c.link_id;
    const int64_t now = wall_ns();
    ASSERT_TRUE(ws.rehearse(a, now));
    ASSERT_TRUE(ws.rehearse(x, now));
    ASSERT_TRUE(ws.rehearse(c, now));
    EXPECT_EQ(ws.rehearsals(), 3u);
    const std::string rehearsed(ws.last_rehearsal());
    OrderCreate bad = c;
    bad.qty = Qty{0};
    EXPECT_FALSE(ws.rehearse(bad, now)) << "an action that cannot be encoded";
    EXPECT_EQ(ws.rehearsals(), 3u);
    EXPECT_EQ(ws.in_flight(), 0u);
    EXPECT_EQ(ws.counters().sent, 0u);
    // The real request: reqId r1 (the rehearsals spent none), the same text as the create's rehearsal.
    ASSERT_EQ(ws.create(c, 7, now), TradeError::kOk);
    ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.acks.size() == 1; }));
    EXPECT_EQ(sink.acks[0].second.req_id.view(), "r1");
    const auto msgs = server_.ws_messages();
    ASSERT_EQ(msgs.size(), base + 2) << "the auth and the one real request: no rehearsal reached the peer";
    EXPECT_EQ(msgs[base + 1], rehearsed);
    ws.stop();
  }
}

TEST_F(TradeWsTest, NoAllocationPerRequestOnceWarm) {
  TradeWs ws(config(), reg_, *codec_, signer_, &limiter_);
  Sink sink;
  sink.acks.reserve(512);
  sink.items.reserve(64);
  connect(ws, sink);
  uint64_t seq = 1;
  for (int i = 0; i < 20; ++i) {  // warm-up (asio's per-thread operation memory)
    ASSERT_EQ(ws.create(create(seq++), 0, wall_ns()), TradeError::kOk);
    const size_t want = sink.acks.size() + 1;
    ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.acks.size() == want; }));
  }
  std::vector<OrderCreate> orders;
  for (int i = 0; i < 100; ++i) orders.push_back(create(seq++));
  AllocScope scope;
  for (const OrderCreate& c : orders) {
    ASSERT_EQ(ws.create(c, 0, wall_ns()), TradeError::kOk);
    const size_t want = sink.acks.size() + 1;
    const int64_t end = wall_ns() + 5'000'000'000;
    while (sink.acks.size() < want && wall_ns() < end) ws.do_work(wall_ns(), sink);
    ASSERT_EQ(sink.acks.size(), want);
  }
  // Nothing per request and answer: TradeWs (encoding, reqIds, the in-flight table) nor the Beast transport
  // under it (WsClient.NoAllocationPerRoundTripOnceWarm).
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace
}  // namespace mm::test
