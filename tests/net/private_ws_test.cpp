// The private stream client against a loopback peer that checks the auth signature like Bybit.
#include "net/private_ws.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include "core/instrument.h"
#include "tests/net/loopback_server.h"

namespace mm::test {
namespace {

constexpr std::string_view kKey = "PRIVKEY0001";
constexpr std::string_view kSecret = "private-secret";

std::string hmac_hex(std::string_view data) {
  unsigned char mac[32];
  unsigned len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += "0123456789abcdef"[mac[i] >> 4];
    hex += "0123456789abcdef"[mac[i] & 15];
  }
  return hex;
}

// {"op":"auth","args":["key",expires,"sig"]}: checks the signature of "GET/realtime" + expires.
bool auth_ok(std::string_view msg) {
  const size_t a = msg.find("\"args\":[\"");
  if (a == std::string_view::npos) return false;
  const size_t key_from = a + 9;
  const size_t key_end = msg.find('"', key_from);
  const size_t exp_from = key_end + 2;
  const size_t exp_end = msg.find(',', exp_from);
  const std::string_view key = msg.substr(key_from, key_end - key_from);
  const std::string_view expires = msg.substr(exp_from, exp_end - exp_from);
  const std::string_view sig = msg.substr(exp_end + 2, 64);
  return key == kKey && sig == hmac_hex("GET/realtime" + std::string(expires));
}

const std::string kOrderFrame =
    R"({"topic":"order","id":"1","creationTime":1700000000000,"data":[{"category":"linear","symbol":"BTCUSDT",)"
    R"("orderId":"o-1","orderLinkId":"mm-1","side":"Buy","orderType":"Limit","price":"30000.10","qty":"0.001",)"
    R"("leavesQty":"0.001","cumExecQty":"0","cumExecValue":"0","cumExecFee":"0","avgPrice":"","orderStatus":"New",)"
    R"("timeInForce":"PostOnly","createdTime":"1700000000000","updatedTime":"1700000000000"}]})";

struct Sink : PrivateWsSink {
  int ready = 0;
  int orders = 0;
  int auth_failed = 0;
  int disconnected = 0;
  std::string last_link;
  void on_private(const BybitCodec& codec, MsgKind kind, int64_t) noexcept override {
    if (kind == MsgKind::kOrder) {
      ++orders;
      last_link = std::string(codec.orders()[0].order_link_id.view());
    }
  }
  void on_ready() noexcept override { ++ready; }
  void on_auth_failed(int32_t, std::string_view) noexcept override { ++auth_failed; }
  void on_disconnected(WsError) noexcept override { ++disconnected; }
};

class PrivateWsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(signer_.init(kKey, kSecret), SignerError::kOk);
    Instrument in;
    ASSERT_EQ(make_instrument(
                  {Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"}, in),
              InstrumentError::kOk);
    reg_.add(in);
    codec_ = std::make_unique<BybitCodec>(reg_);
    server_.on_ws([this](uint64_t, std::string_view, std::string_view msg, std::vector<std::string>& out) {
      const std::string op = json_string_field(msg, "op");
      if (op == "auth") {
        const bool ok = !refuse_auth_ && auth_ok(msg);
        out.emplace_back(ok ? R"({"success":true,"ret_msg":"","op":"auth","conn_id":"p1"})"
                            : R"({"success":false,"ret_msg":"Params Error","op":"auth","conn_id":"p1"})");
      } else if (op == "subscribe") {
        out.emplace_back(R"({"success":true,"ret_msg":"","op":"subscribe","conn_id":"p1"})");
      }
    });
  }
  PrivateWsConfig config() {
    PrivateWsConfig cfg;
    cfg.session.ws.endpoint.host = "127.0.0.1";
    cfg.session.ws.endpoint.port = server_.port();
    cfg.session.ws.endpoint.target = "/v5/private";
    cfg.session.backoff_base_ms = 5;
    cfg.session.backoff_cap_ms = 20;
    return cfg;
  }
  Signer signer_;
  InstrumentRegistry reg_;
  std::unique_ptr<BybitCodec> codec_;
  std::atomic<bool> refuse_auth_{false};
  LoopbackServer server_;
};

TEST_F(PrivateWsTest, AuthenticatesThenSubscribesAndDeliversOrders) {
  PrivateWsConfig cfg = config();
  cfg.topics.push_back("dcp.future");
  PrivateWs ws(cfg, *codec_, signer_);
  Sink sink;
  ws.start(wall_ns());
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.ready == 1; }));
  EXPECT_TRUE(ws.ready());
  // on_ready() comes as the subscribe is sent; wait for the peer to have it.
  ASSERT_TRUE(
      poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return server_.ws_messages().size() == 2; }));
  const auto msgs = server_.ws_messages();
  EXPECT_EQ(json_string_field(msgs[0], "op"), "auth");
  EXPECT_EQ(msgs[1], R"({"op":"subscribe","args":["order","execution","position","wallet","dcp.future"]})");
  server_.ws_broadcast(kOrderFrame);
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.orders == 1; }));
  EXPECT_EQ(sink.last_link, "mm-1");
}

TEST_F(PrivateWsTest, RefusedAuthIsReportedAndRetried) {
  refuse_auth_ = true;
  PrivateWs ws(config(), *codec_, signer_);
  Sink sink;
  ws.start(wall_ns());
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.auth_failed >= 2; }));
  EXPECT_EQ(sink.ready, 0);
  EXPECT_FALSE(ws.ready());
  // Nothing but auth was ever sent on a connection that was not authenticated.
  for (const auto& m : server_.ws_messages()) EXPECT_EQ(json_string_field(m, "op"), "auth") << m;
}

TEST_F(PrivateWsTest, ReconnectAnnouncesReadyAgainForReconciliation) {
  PrivateWs ws(config(), *codec_, signer_);
  Sink sink;
  ws.start(wall_ns());
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.ready == 1; }));
  server_.drop_all();
  ASSERT_TRUE(poll_until([&] { ws.do_work(wall_ns(), sink); }, [&] { return sink.ready == 2; }));
  EXPECT_EQ(sink.disconnected, 1);
  EXPECT_EQ(ws.counters().auth_ok, 2u);
}

}  // namespace
}  // namespace mm::test
