// The server over real sockets on 127.0.0.1 (port 0): HTTP/REST, public WebSocket streams, limits, malformed
// input, --loop and the connection faults. Every wait is bounded by the client's socket timeouts.
#include "sim/server/sim_server.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <pthread.h>
#include <sched.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "net/instruments_json.h"
#include "sim/event_data.h"
#include "sim/server/market_feed.h"
#include "tests/sim/server/sim_test_client.h"
#include "tests/support/alloc_counter.h"

namespace mm::simx {
namespace {

using test::ServerThread;
using test::TestClient;

const std::string kRecording = std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";

const EventData& recording() {
  static const EventData* data = [] {
    auto* d = new EventData;
    EventLoadOptions o;
    o.strict = false;
    std::string err;
    if (load_event_data({kRecording}, o, *d, err) != EventDataError::kOk) ADD_FAILURE() << err;
    return d;
  }();
  return *data;
}

SimServerOptions options(bool max_speed = true, bool loop = false) {
  SimServerOptions o;
  o.max_speed = max_speed;
  o.loop = loop;
  return o;
}

struct Book {
  std::map<std::string, std::string> bid, ask;  // price text -> size text (price texts of one symbol sort by
                                                // value only within a length, so comparisons use whole maps)
  int64_t u = 0;
  int64_t seq = 0;
};

// Applies one orderbook message; returns its type ("" when it is not a book message).
std::string apply_book(Book& book, const std::string& text) {
  simdjson::dom::parser p;
  simdjson::dom::element e;
  if (p.parse(text).get(e)) return "";
  std::string_view topic;
  if (e["topic"].get(topic) || topic.substr(0, 10) != "orderbook.") return "";
  const std::string type{std::string_view(e["type"])};
  if (type == "snapshot") {
    book.bid.clear();
    book.ask.clear();
  }
  for (int k = 0; k < 2; ++k) {
    const char* side = k == 0 ? "b" : "a";
    std::map<std::string, std::string>* m = k == 0 ? &book.bid : &book.ask;
    for (simdjson::dom::element lvl : e["data"][side].get_array()) {
      const std::string px(std::string_view(lvl.at(0)));
      const std::string qty(std::string_view(lvl.at(1)));
      if (std::stod(qty) == 0) {
        m->erase(px);
      } else {
        (*m)[px] = qty;
      }
    }
  }
  book.u = int64_t(e["data"]["u"]);
  book.seq = int64_t(e["data"]["seq"]);
  return type;
}

TEST(SimServer, RestTimeInstrumentsAndKeepAlive) {
  ServerThread s(options(), recording());
  ASSERT_EQ(s.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(s.port()));
  const std::string t = c.get("/v5/market/time");
  ASSERT_EQ(t.rfind("HTTP/1.1 200", 0), 0u) << t;
  EXPECT_NE(t.find("Content-Type: application/json"), std::string::npos);
  // Same connection (keep-alive): the linear instruments-info loads back into the recording's grids.
  const std::string r = c.get("/v5/market/instruments-info?category=linear");
  InstrumentRegistry reg;
  const InstrumentsLoad load = load_instruments_json(TestClient::body_of(r), reg);
  ASSERT_EQ(load.error, InstrumentsJsonError::kOk);
  const Instrument& want = recording().instruments().get(recording().find(Category::kLinear, "BTCUSDT"));
  const Instrument& got = reg.get(reg.find(Category::kLinear, "BTCUSDT"));
  EXPECT_EQ(got.tick_units, want.tick_units);
  EXPECT_EQ(got.price_scale, want.price_scale);
  EXPECT_EQ(got.lot_units, want.lot_units);
  EXPECT_EQ(c.get("/v5/nothing/here").rfind("HTTP/1.1 404", 0), 0u);
}

TEST(SimServer, PublicBookStreamRebuildsTheRestBook) {
  ServerThread s(options(), recording());
  ASSERT_EQ(s.start(), "");
  TestClient ws;
  ASSERT_TRUE(ws.connect(s.port(), 1500));
  ASSERT_TRUE(ws.ws_upgrade("/v5/public/linear"));
  ASSERT_TRUE(ws.send_text(R"({"req_id":"s1","op":"subscribe","args":["orderbook.50.BTCUSDT"]})"));
  ASSERT_TRUE(ws.recv_text_with(R"("op":"subscribe")"));
  Book book;
  int snapshots = 0, deltas = 0;
  int64_t last_u = 0, last_seq = 0;
  // At max speed the whole recording plays once a subscriber exists; the stream is over after 1.5 s of
  // silence.
  for (;;) {
    auto m = ws.recv_frame();
    if (!m) break;
    ASSERT_EQ(m->opcode, WsOpcode::kText);
    const std::string type = apply_book(book, m->payload);
    ASSERT_FALSE(type.empty()) << m->payload;
    if (type == "snapshot") {
      ++snapshots;
    } else {
      ++deltas;
      ASSERT_EQ(book.u, last_u + 1) << "u must be contiguous";
      ASSERT_GT(book.seq, last_seq);
    }
    last_u = book.u;
    last_seq = book.seq;
    ASSERT_LE(book.bid.size(), 50u);
    ASSERT_LE(book.ask.size(), 50u);
  }
  EXPECT_EQ(snapshots, 1);
  EXPECT_GT(deltas, 100);
  TestClient rest;
  ASSERT_TRUE(rest.connect(s.port()));
  simdjson::dom::parser p;
  const std::string body =
      TestClient::body_of(rest.get("/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=50"));
  simdjson::dom::element e = p.parse(body);
  Book want;
  for (int k = 0; k < 2; ++k) {
    const char* side = k == 0 ? "b" : "a";
    std::map<std::string, std::string>* m = k == 0 ? &want.bid : &want.ask;
    for (simdjson::dom::element lvl : e["result"][side].get_array()) {
      (*m)[std::string(std::string_view(lvl.at(0)))] = std::string(std::string_view(lvl.at(1)));
    }
  }
  EXPECT_FALSE(want.bid.empty());
  EXPECT_EQ(book.bid, want.bid);
  EXPECT_EQ(book.ask, want.ask);
}

TEST(SimServer, LoopStartsOverWithASnapshotAndUContinuing) {
  ServerThread s(options(true, true), recording());
  ASSERT_EQ(s.start(), "");
  TestClient ws;
  ASSERT_TRUE(ws.connect(s.port()));
  ASSERT_TRUE(ws.ws_upgrade("/v5/public/spot"));
  ASSERT_TRUE(ws.send_text(R"({"op":"subscribe","args":["orderbook.200.ETHUSDT"]})"));
  ASSERT_TRUE(ws.recv_text_with(R"("op":"subscribe")"));
  Book book;
  int snapshots = 0;
  int64_t last_u = 0;
  while (snapshots < 3) {
    auto m = ws.recv_text_with("orderbook.200.ETHUSDT");
    ASSERT_TRUE(m);
    const std::string type = apply_book(book, *m);
    if (type == "snapshot") ++snapshots;
    if (last_u != 0) {
      ASSERT_EQ(book.u, last_u + 1);  // the loop's snapshot continues u too
    }
    last_u = book.u;
  }
  // Spot puts ts before type.
  auto m = ws.recv_text_with("orderbook.200.ETHUSDT");
  ASSERT_TRUE(m);
  EXPECT_LT(m->find("\"ts\""), m->find("\"type\""));
}

TEST(SimServer, OversizedMessageIsClosedWith1009AndOthersGoOn) {
  SimServerOptions o = options();
  o.max_message_bytes = 4096;
  ServerThread s(o, recording());
  ASSERT_EQ(s.start(), "");
  TestClient bad, good;
  ASSERT_TRUE(bad.connect(s.port()));
  ASSERT_TRUE(good.connect(s.port()));
  ASSERT_TRUE(bad.ws_upgrade("/v5/public/linear"));
  ASSERT_TRUE(good.ws_upgrade("/v5/public/linear"));
  ASSERT_TRUE(bad.send_text(std::string(5000, 'x')));
  EXPECT_FALSE(bad.recv_text_with("never"));
  EXPECT_EQ(bad.last_close(), 1009);
  EXPECT_EQ(bad.close_reason(), "frame too large");
  ASSERT_TRUE(good.send_text(R"({"op":"ping"})"));
  EXPECT_TRUE(good.recv_text_with("pong"));
  // Fragments adding up past the cap are refused too.
  TestClient frag;
  ASSERT_TRUE(frag.connect(s.port()));
  ASSERT_TRUE(frag.ws_upgrade("/v5/public/linear"));
  ASSERT_TRUE(frag.send_frame(WsOpcode::kText, std::string(3000, 'a'), false));
  ASSERT_TRUE(frag.send_frame(WsOpcode::kContinuation, std::string(3000, 'a'), true));
  EXPECT_FALSE(frag.recv_text_with("never"));
  EXPECT_EQ(frag.last_close(), 1009);
}

TEST(SimServer, MalformedFramesAndHttpAreRefusedCleanly) {
  ServerThread s(options(), recording());
  ASSERT_EQ(s.start(), "");
  {
    TestClient c;  // an unmasked client frame is a protocol error (1002)
    ASSERT_TRUE(c.connect(s.port()));
    ASSERT_TRUE(c.ws_upgrade("/v5/public/linear"));
    ASSERT_TRUE(c.send_raw(std::string("\x81\x02hi", 4)));
    EXPECT_FALSE(c.recv_text_with("never"));
    EXPECT_EQ(c.last_close(), 1002);
  }
  {
    TestClient c;
    ASSERT_TRUE(c.connect(s.port()));
    ASSERT_TRUE(c.send_raw("GARBAGE\r\n\r\n"));
    EXPECT_EQ(c.read_http_response().rfind("HTTP/1.1 400", 0), 0u);
  }
  {
    TestClient c;
    ASSERT_TRUE(c.connect(s.port()));
    ASSERT_TRUE(c.send_raw("POST /v5/order/create HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"));
    EXPECT_EQ(c.read_http_response().rfind("HTTP/1.1 501", 0), 0u);
  }
  {
    TestClient c;  // broken chunk framing
    ASSERT_TRUE(c.connect(s.port()));
    ASSERT_TRUE(c.send_raw("POST /v5/order/create HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
    const std::string r = c.read_http_response();
    EXPECT_EQ(r.rfind("HTTP/1.1 400", 0), 0u) << r;
    EXPECT_NE(r.find("malformed chunk size line"), std::string::npos) << r;
  }
  {
    TestClient c;
    ASSERT_TRUE(c.connect(s.port()));
    ASSERT_TRUE(c.send_raw("GET /v5/market/time HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
    EXPECT_EQ(c.read_http_response().rfind("HTTP/1.1 431", 0), 0u);
  }
  {
    TestClient c;  // an unknown WebSocket path
    ASSERT_TRUE(c.connect(s.port()));
    EXPECT_FALSE(c.ws_upgrade("/v5/public/bogus"));
  }
  {
    TestClient c;  // bad JSON and an unknown op on a public stream: refused, the connection stays usable
    ASSERT_TRUE(c.connect(s.port()));
    ASSERT_TRUE(c.ws_upgrade("/v5/public/linear"));
    ASSERT_TRUE(c.send_text("{not json"));
    EXPECT_TRUE(c.recv_text_with("\"success\":false"));
    ASSERT_TRUE(c.send_text(R"({"op":"dance"})"));
    EXPECT_TRUE(c.recv_text_with("error:unknown op"));
    ASSERT_TRUE(c.send_text(R"({"op":"ping"})"));
    EXPECT_TRUE(c.recv_text_with("pong"));
  }
  TestClient after;
  ASSERT_TRUE(after.connect(s.port()));
  EXPECT_EQ(after.get("/v5/market/time").rfind("HTTP/1.1 200", 0), 0u);
  s.stop();
  EXPECT_GE(s.server().stats().closed_protocol, 4u);
}

// The event-loop thread (the simulator's only thread) runs on the CPU it was given, and a CPU that cannot be
// had is an error from run(), not a silently unpinned loop.
TEST(SimServer, EventLoopThreadIsPinnedToTheGivenCpu) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  int cpu = 0;
  while (!CPU_ISSET(cpu, &allowed)) ++cpu;
  SimServerOptions o = options();
  o.cpu = cpu;
  ServerThread s(o, recording());
  ASSERT_EQ(s.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(s.port()));
  ASSERT_EQ(c.get("/v5/market/time").rfind("HTTP/1.1 200", 0), 0u);  // the loop runs: pinned before it
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(pthread_getaffinity_np(s.thread().native_handle(), sizeof set, &set), 0);
  EXPECT_EQ(CPU_COUNT(&set), 1);
  EXPECT_TRUE(CPU_ISSET(cpu, &set));
  s.stop();
  EXPECT_EQ(s.result(), "");

  SimServerOptions bad = options();
  bad.cpu = 1023;
  ServerThread refused(bad, recording());
  ASSERT_EQ(refused.start(), "");
  refused.thread().join();  // run() returns at once
  EXPECT_NE(refused.result().find("cannot pin the event loop to CPU 1023"), std::string::npos)
      << refused.result();
}

// --speed X: the recording's time runs X times faster than the wall clock. Whatever 1x has played after 10 s,
// 10x has played after 1 s; nothing is played before it is due.
TEST(MarketFeed, SpeedPlaysTheRecordingXTimesRealTime) {
  struct Count final : MarketSink {
    void on_market_book(BookUpdate&) override { ++n; }
    void on_market_trades(std::span<const TradeEvent>) override { ++n; }
    size_t n = 0;
  };
  constexpr int64_t kStart = 5'000'000'000, kSecond = 1'000'000'000;
  MarketFeed one(recording(), MarketFeedOptions{1.0, false, false});
  MarketFeed ten(recording(), MarketFeedOptions{10.0, false, false});
  Count a, b;
  (void)one.pump(kStart, SIZE_MAX, a);
  (void)ten.pump(kStart, SIZE_MAX, b);
  const int64_t due = one.next_due_ns();
  ASSERT_GT(due, kStart);
  const size_t first = a.n;
  EXPECT_EQ(one.pump(due - 1, SIZE_MAX, a), 0u);  // not before it is due
  EXPECT_EQ(one.next_due_ns(), due);
  (void)one.pump(due, SIZE_MAX, a);  // then it is played (a message of a shallower topic is not sent)
  EXPECT_GT(one.next_due_ns(), due);
  (void)one.pump(kStart + 10 * kSecond, SIZE_MAX, a);
  (void)ten.pump(kStart + kSecond, SIZE_MAX, b);
  EXPECT_GT(a.n, first + 100);  // the recording is busy: ten seconds are many messages
  EXPECT_EQ(b.n, a.n);
  EXPECT_EQ(ten.next_due_ns() - kStart, (one.next_due_ns() - kStart) / 10);
}

TEST(SimServer, ClientThatDoesNotReadIsDisconnected) {
  SimServerOptions o = options(true, true);
  o.max_write_queue_bytes = 256 << 10;
  ServerThread s(o, recording());
  ASSERT_EQ(s.start(), "");
  TestClient slow, reader;
  ASSERT_TRUE(slow.connect(s.port()));
  slow.set_recv_buffer(4096);
  ASSERT_TRUE(slow.ws_upgrade("/v5/public/linear"));
  ASSERT_TRUE(
      slow.send_text(R"({"op":"subscribe","args":["orderbook.1000.BTCUSDT","orderbook.200.ETHUSDT"]})"));
  ASSERT_TRUE(reader.connect(s.port()));
  ASSERT_TRUE(reader.ws_upgrade("/v5/public/linear"));
  ASSERT_TRUE(reader.send_text(R"({"op":"subscribe","args":["orderbook.1.BTCUSDT"]})"));
  // The reader keeps receiving while the slow one is cut off once its queue passes the cap.
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(reader.recv_text_with("orderbook.1.BTCUSDT")) << i;
  s.stop();
  EXPECT_GE(s.server().stats().closed_slow_reader, 1u);
}

TEST(SimServer, ConnectionsPastTheCapAreRefused) {
  SimServerOptions o = options();
  o.max_connections = 20;
  ServerThread s(o, recording());
  ASSERT_EQ(s.start(), "");
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<TestClient>());
    ASSERT_TRUE(clients.back()->connect(s.port()));
    ASSERT_EQ(clients.back()->get("/v5/market/time").rfind("HTTP/1.1 200", 0), 0u);
  }
  TestClient extra;
  ASSERT_TRUE(extra.connect(s.port()));  // the kernel accepts; the server closes it at once
  EXPECT_EQ(extra.get("/v5/market/time"), "");
  for (auto& c : clients) EXPECT_EQ(c->get("/v5/market/time").rfind("HTTP/1.1 200", 0), 0u);
  s.stop();
  EXPECT_EQ(s.server().stats().refused_connections, 1u);
}

TEST(SimServer, StopSendsCloseFramesToEveryWebSocket) {
  ServerThread s(options(), recording());
  ASSERT_EQ(s.start(), "");
  TestClient a, b;
  ASSERT_TRUE(a.connect(s.port()));
  ASSERT_TRUE(b.connect(s.port()));
  ASSERT_TRUE(a.ws_upgrade("/v5/public/linear"));
  ASSERT_TRUE(b.ws_upgrade("/v5/public/spot"));
  ASSERT_TRUE(a.send_text(R"({"op":"ping"})"));
  ASSERT_TRUE(a.recv_text_with("pong"));
  s.stop();
  EXPECT_FALSE(a.recv_text_with("never"));
  EXPECT_EQ(a.last_close(), 1001);
  EXPECT_FALSE(b.recv_text_with("never"));
  EXPECT_EQ(b.last_close(), 1001);
}

TEST(SimServer, PrivateAndTradeWithoutAnExchangeAreClosed) {
  ServerThread s(options(), recording());
  ASSERT_EQ(s.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(s.port()));
  ASSERT_TRUE(c.ws_upgrade("/v5/trade"));
  EXPECT_FALSE(c.recv_text_with("never"));
  EXPECT_EQ(c.last_close(), 1011);
}

}  // namespace
}  // namespace mm::simx

namespace mm::simx {
namespace {

// Once the connections are up and every buffer has seen its largest message (many --loop passes), streaming
// allocates nothing: the client below only calls recv() into a fixed buffer, so every allocation counted
// process-wide would be the server's.
TEST(SimServerAlloc, SteadyStateStreamingDoesNotAllocate) {
  ServerThread s(options(true, true), recording());
  ASSERT_EQ(s.start(), "");
  TestClient c;
  ASSERT_TRUE(c.connect(s.port()));
  ASSERT_TRUE(c.ws_upgrade("/v5/public/linear"));
  ASSERT_TRUE(c.send_text(R"({"op":"subscribe","args":["orderbook.200.BTCUSDT","orderbook.1.ETHUSDT",)"
                          R"("orderbook.50.SOLUSDT","publicTrade.BTCUSDT","tickers.BTCUSDT"]})"));
  static char buf[1 << 16];
  auto drain = [&](size_t bytes) {
    size_t got = 0;
    while (got < bytes) {
      const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
      if (n <= 0) return false;
      got += static_cast<size_t>(n);
    }
    return true;
  };
  ASSERT_TRUE(drain(size_t{24} << 20));  // warm-up
  const uint64_t before = mm::test::process_allocations();
  ASSERT_TRUE(drain(size_t{24} << 20));
  const uint64_t after = mm::test::process_allocations();
  EXPECT_EQ(after - before, 0u);
}

}  // namespace
}  // namespace mm::simx
