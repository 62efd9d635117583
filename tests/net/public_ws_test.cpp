// The public stream client against a loopback peer that speaks Bybit's public WebSocket: batched subscribe,
// frames to the book builder, gap -> resubscribe -> snapshot, ping, reconnect with resubscribe, silence.
#include "net/public_ws.h"

#include <gtest/gtest.h>

#include <map>

#include "core/book_sync.h"
#include "core/instrument.h"
#include "tests/net/loopback_server.h"

namespace mm::test {
namespace {

std::string book_frame(std::string_view type, int u, std::string_view bid) {
  return std::string(R"({"topic":"orderbook.50.BTCUSDT","type":")") + std::string(type) +
         R"(","ts":1700000000000,"data":{"s":"BTCUSDT","b":[[")" + std::string(bid) +
         R"(","1.000"]],"a":[["30001.00","2.000"]],"u":)" + std::to_string(u) + R"(,"seq":)" +
         std::to_string(100 + u) + R"(},"cts":1700000000000})";
}

// Answers subscribe with Bybit's linear ack followed by a snapshot of every orderbook topic, and ping with
// pong.
void play_bybit_public(LoopbackServer& s) {
  s.on_ws([](uint64_t, std::string_view, std::string_view msg, std::vector<std::string>& out) {
    const std::string op = json_string_field(msg, "op");
    if (op == "ping") {
      out.emplace_back(R"({"success":true,"ret_msg":"pong","conn_id":"c1","req_id":"","op":"ping"})");
    } else if (op == "subscribe") {
      out.emplace_back(R"({"success":true,"ret_msg":"","conn_id":"c1","req_id":"","op":"subscribe"})");
      if (msg.find("orderbook.50.BTCUSDT") != std::string_view::npos)
        out.push_back(book_frame("snapshot", 1000, "30000.00"));
    }
  });
}

struct BookSink : PublicWsSink {
  BookSync sync;
  PublicWs* ws = nullptr;
  std::map<MsgKind, int> kinds;
  std::vector<SyncResult> results;
  int connected = 0;
  int disconnected = 0;
  void on_public(const BybitCodec& codec, MsgKind kind, int64_t recv_ns) noexcept override {
    ++kinds[kind];
    if (kind != MsgKind::kBook) return;
    const SyncResult r = sync.on_update(codec.book(), recv_ns);
    results.push_back(r);
    // What the live node does on a gap: ask for a fresh snapshot.
    if (sync.take_resubscribe()) ws->resubscribe("orderbook.50.BTCUSDT");
  }
  void on_connected() noexcept override {
    ++connected;
    sync.reset();  // a new connection restarts u
  }
  void on_disconnected(WsError) noexcept override { ++disconnected; }
};

class PublicWsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Instrument in;
    ASSERT_EQ(make_instrument(
                  {Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"}, in),
              InstrumentError::kOk);
    reg_.add(in);
    codec_ = std::make_unique<BybitCodec>(reg_);
    play_bybit_public(server_);
  }
  PublicWsConfig config() {
    PublicWsConfig cfg;
    cfg.session.ws.endpoint.host = "127.0.0.1";
    cfg.session.ws.endpoint.port = server_.port();
    cfg.session.ws.endpoint.target = "/v5/public/linear";
    cfg.session.backoff_base_ms = 5;
    cfg.session.backoff_cap_ms = 20;
    cfg.topics = {"orderbook.50.BTCUSDT", "publicTrade.BTCUSDT", "tickers.BTCUSDT"};
    cfg.topics_per_request = 2;
    return cfg;
  }
  InstrumentRegistry reg_;
  std::unique_ptr<BybitCodec> codec_;
  LoopbackServer server_;
};

TEST_F(PublicWsTest, SubscribesInBatchesAndFeedsTheBook) {
  PublicWs ws(config(), *codec_);
  BookSink sink;
  sink.ws = &ws;
  ws.start(now_ns());
  ASSERT_TRUE(
      poll_until([&] { ws.do_work(now_ns(), sink); }, [&] { return ws.counters().subscribe_acks == 2; }));
  ASSERT_TRUE(
      poll_until([&] { ws.do_work(now_ns(), sink); }, [&] { return sink.kinds[MsgKind::kBook] == 1; }));
  EXPECT_EQ(sink.connected, 1);
  EXPECT_EQ(ws.counters().subscribe_requests, 2u);  // 3 topics, 2 per request
  const auto msgs = server_.ws_messages();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0], R"({"op":"subscribe","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT"]})");
  EXPECT_EQ(msgs[1], R"({"op":"subscribe","args":["tickers.BTCUSDT"]})");
  EXPECT_TRUE(sink.sync.trusted());
  ASSERT_TRUE(sink.sync.book().best_bid().has_value());
  EXPECT_EQ(sink.sync.book().best_bid()->price.ticks, 300000);
}

TEST_F(PublicWsTest, GapResubscribesAndTheSnapshotRestoresTheBook) {
  PublicWs ws(config(), *codec_);
  BookSink sink;
  sink.ws = &ws;
  ws.start(now_ns());
  ASSERT_TRUE(poll_until([&] { ws.do_work(now_ns(), sink); }, [&] { return sink.sync.trusted(); }));
  server_.ws_broadcast(book_frame("delta", 1001, "30000.10"));
  server_.ws_broadcast(book_frame("delta", 1005, "30000.20"));  // u jumped: a gap
  ASSERT_TRUE(
      poll_until([&] { ws.do_work(now_ns(), sink); }, [&] { return ws.counters().resubscribes == 1; }));
  // The resubscribe's snapshot (sent by the peer on subscribe) makes the book trusted again.
  ASSERT_TRUE(poll_until([&] { ws.do_work(now_ns(), sink); }, [&] { return sink.sync.trusted(); }));
  const auto msgs = server_.ws_messages();
  EXPECT_NE(std::find(msgs.begin(), msgs.end(), R"({"op":"unsubscribe","args":["orderbook.50.BTCUSDT"]})"),
            msgs.end());
  EXPECT_EQ(msgs.back(), R"({"op":"subscribe","args":["orderbook.50.BTCUSDT"]})");
  EXPECT_NE(std::find(sink.results.begin(), sink.results.end(), SyncResult::kGap), sink.results.end());
}

TEST_F(PublicWsTest, ReconnectsWithBackoffAndResubscribes) {
  PublicWs ws(config(), *codec_);
  BookSink sink;
  sink.ws = &ws;
  ws.start(now_ns());
  ASSERT_TRUE(
      poll_until([&] { ws.do_work(now_ns(), sink); }, [&] { return ws.counters().subscribe_acks == 2; }));
  server_.drop_all();
  ASSERT_TRUE(poll_until([&] { ws.do_work(now_ns(), sink); }, [&] { return sink.connected == 2; }));
  EXPECT_EQ(sink.disconnected, 1);
  EXPECT_EQ(ws.session().reconnects(), 1u);
  ASSERT_TRUE(
      poll_until([&] { ws.do_work(now_ns(), sink); }, [&] { return ws.counters().subscribe_acks == 4; }));
  EXPECT_EQ(server_.ws_accepts(), 2u);
  ASSERT_TRUE(poll_until([&] { ws.do_work(now_ns(), sink); }, [&] { return sink.sync.trusted(); }));
}

TEST_F(PublicWsTest, PingsOnScheduleAndSilenceIsMeasured) {
  PublicWsConfig cfg = config();
  cfg.session.ping_interval_ms = 20;
  PublicWs ws(cfg, *codec_);
  BookSink sink;
  sink.ws = &ws;
  EXPECT_EQ(ws.silence_ns(now_ns()), INT64_MAX);  // not connected: as stale as it gets
  ws.start(now_ns());
  ASSERT_TRUE(poll_until([&] { ws.do_work(now_ns(), sink); }, [&] { return ws.counters().pongs >= 2; }));
  EXPECT_GE(ws.session().pings_sent(), 2u);
  const auto msgs = server_.ws_messages();
  EXPECT_NE(std::find(msgs.begin(), msgs.end(), R"({"op":"ping"})"), msgs.end());
  // Measured from the owner's clock: a time far ahead reads as a long silence.
  EXPECT_GT(ws.silence_ns(now_ns() + 10'000'000'000), 9'000'000'000);
}

TEST_F(PublicWsTest, DeadConnectionIsReplaced) {
  server_.on_ws([](uint64_t, std::string_view, std::string_view, std::vector<std::string>&) {});  // mute peer
  PublicWsConfig cfg = config();
  cfg.session.ping_interval_ms = 10;
  cfg.session.dead_after_ms = 50;
  PublicWs ws(cfg, *codec_);
  BookSink sink;
  sink.ws = &ws;
  ws.start(now_ns());
  ASSERT_TRUE(poll_until([&] { ws.do_work(now_ns(), sink); }, [&] { return sink.connected >= 2; }));
  EXPECT_GE(sink.disconnected, 1);
  EXPECT_EQ(ws.session().last_error(), WsError::kTimeout);
}

}  // namespace
}  // namespace mm::test
