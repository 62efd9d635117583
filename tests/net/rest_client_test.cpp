// The REST client against a loopback server that plays Bybit: signatures checked over the bytes received,
// the recv-window rule against a skewed server clock, rate-limit headers, list conversions, key checks.
#include "net/rest_client.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <chrono>
#include <mutex>

#include "core/instrument.h"
#include "tests/net/loopback_server.h"

namespace mm::test {
namespace {

constexpr std::string_view kKey = "TESTKEY123456";
constexpr std::string_view kSecret = "test-secret-abc";

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string hmac_hex(std::string_view data) {
  unsigned char mac[32];
  unsigned len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  std::string hex;
  constexpr char kHex[] = "0123456789abcdef";
  for (unsigned i = 0; i < len; ++i) {
    hex += kHex[mac[i] >> 4];
    hex += kHex[mac[i] & 15];
  }
  return hex;
}

std::string envelope(int code, std::string_view result, std::string_view msg = "OK") {
  return "{\"retCode\":" + std::to_string(code) + ",\"retMsg\":\"" + std::string(msg) +
         "\",\"result\":" + std::string(result) + ",\"retExtInfo\":{},\"time\":" + std::to_string(wall_ms()) +
         "}";
}

// A small Bybit: checks every signed request like the exchange does (signature over the bytes received,
// timestamp inside the recv window of the server's clock), then answers from `routes`.
class FakeBybit {
 public:
  explicit FakeBybit(int64_t skew_ms = 0) : skew_ms_(skew_ms) {
    server_.on_http([this](const HttpRequestRecord& r) { return handle(r); });
  }
  uint16_t port() const { return server_.port(); }
  LoopbackServer& server() { return server_; }
  void route(std::string path, std::function<HttpReplySpec(const HttpRequestRecord&)> f) {
    std::lock_guard lock(mu_);
    routes_[std::move(path)] = std::move(f);
  }
  int bad_signatures() const { return bad_sign_; }
  int recv_window_refusals() const { return refused_window_; }

 private:
  HttpReplySpec handle(const HttpRequestRecord& r) {
    const size_t q = r.target.find('?');
    const std::string path = r.target.substr(0, q);
    const std::string query = q == std::string::npos ? "" : r.target.substr(q + 1);
    const int64_t server_now = wall_ms() + skew_ms_;
    if (path == "/v5/market/time") {
      return reply(200, envelope(0, "{\"timeSecond\":\"" + std::to_string(server_now / 1000) +
                                        "\",\"timeNano\":\"" + std::to_string(server_now) + "000000\"}"));
    }
    const std::string key = r.header("X-BAPI-API-KEY");
    if (!key.empty()) {
      const std::string ts = r.header("X-BAPI-TIMESTAMP");
      const std::string rw = r.header("X-BAPI-RECV-WINDOW");
      const std::string payload = r.method == "GET" ? query : r.body;
      if (key != kKey || r.header("X-BAPI-SIGN") != hmac_hex(ts + key + rw + payload)) {
        ++bad_sign_;
        return reply(200, envelope(10004, "{}", "Error sign"));
      }
      const int64_t t = std::stoll(ts);
      if (!(server_now - std::stoll(rw) <= t && t < server_now + 1000)) {
        ++refused_window_;
        return reply(
            200, envelope(10002, "{}", "invalid request, please check your server timestamp or recv_window"));
      }
    }
    std::function<HttpReplySpec(const HttpRequestRecord&)> f;
    {
      std::lock_guard lock(mu_);
      if (auto it = routes_.find(path); it != routes_.end()) f = it->second;
    }
    if (!f) return reply(404, "{}");
    return f(r);
  }

  LoopbackServer server_;
  int64_t skew_ms_;
  std::mutex mu_;
  std::map<std::string, std::function<HttpReplySpec(const HttpRequestRecord&)>> routes_;
  std::atomic<int> bad_sign_{0};
  std::atomic<int> refused_window_{0};
};

class RestClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(signer_.init(kKey, kSecret), SignerError::kOk);
    Instrument in;
    ASSERT_EQ(make_instrument(
                  {Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"}, in),
              InstrumentError::kOk);
    btc_ = reg_.add(in);
  }
  std::unique_ptr<RestClient> client(FakeBybit& fake) {
    RestClientConfig cfg;
    cfg.http.endpoint.host = "127.0.0.1";
    cfg.http.endpoint.port = fake.port();
    cfg.http.timeout_ms = 3000;
    return std::make_unique<RestClient>(cfg, &signer_, &limiter_, [] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    });
  }
  Signer signer_;
  RateLimiter limiter_;
  InstrumentRegistry reg_;
  InstrumentId btc_ = kNoInstrument;
};

TEST_F(RestClientTest, SyncTimeMeasuresServerOffset) {
  FakeBybit fake(4000);
  auto c = client(fake);
  ASSERT_TRUE(c->sync_time().ok());
  EXPECT_TRUE(c->clock().synced);
  EXPECT_NEAR(static_cast<double>(c->clock().offset_ms), 4000.0, 250.0);
  EXPECT_NEAR(static_cast<double>(c->exchange_time_ms() - wall_ms()), 4000.0, 250.0);
}

TEST_F(RestClientTest, RecvWindowRefusalResyncsOffsetNotTheWindow) {
  FakeBybit fake(-3000);  // the server is 3 s behind: our unsynced timestamps are "in the future" for it
  fake.route("/v5/order/realtime", [](const HttpRequestRecord& r) {
    EXPECT_EQ(r.header("X-BAPI-RECV-WINDOW"), "5000");
    return reply(200, envelope(0, R"({"list":[],"nextPageCursor":"","category":"linear"})"));
  });
  auto c = client(fake);
  std::vector<OrderUpdate> orders;
  const RestResult r = c->open_orders(reg_, Category::kLinear, "BTCUSDT", "", "", orders);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(fake.recv_window_refusals(), 1);
  EXPECT_TRUE(c->clock().synced);
  EXPECT_NEAR(static_cast<double>(c->clock().offset_ms), -3000.0, 250.0);
  EXPECT_EQ(fake.bad_signatures(), 0);
}

TEST_F(RestClientTest, OpenOrdersByLinkIdAreConverted) {
  FakeBybit fake;
  fake.route("/v5/order/realtime", [](const HttpRequestRecord& r) {
    EXPECT_NE(r.target.find("orderLinkId=mm-42"), std::string::npos) << r.target;
    return reply(
        200,
        envelope(
            0,
            R"({"category":"linear","nextPageCursor":"","list":[{"orderId":"1c9a-uuid","orderLinkId":"mm-42",
          "symbol":"BTCUSDT","price":"30000.10","qty":"0.010","side":"Buy","orderStatus":"New","orderType":"Limit",
          "timeInForce":"PostOnly","leavesQty":"0.010","cumExecQty":"0","cumExecValue":"0","cumExecFee":"0",
          "avgPrice":"","createdTime":"1700000000000","updatedTime":"1700000000001","positionIdx":0}]})"));
  });
  auto c = client(fake);
  ASSERT_TRUE(c->sync_time().ok());
  std::vector<OrderUpdate> orders;
  const RestResult r = c->open_orders(reg_, Category::kLinear, "BTCUSDT", "", "mm-42", orders);
  ASSERT_TRUE(r.ok()) << r.detail;
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].order_link_id.view(), "mm-42");
  EXPECT_EQ(orders[0].instrument, btc_);
  EXPECT_EQ(orders[0].price.ticks, 300001);
  EXPECT_EQ(fake.bad_signatures(), 0);
}

// openOnly: absent by default (Bybit's open orders), sent as given for the recent closed ones; signed either
// way.
TEST_F(RestClientTest, OpenOnlyIsSentOnlyWhenAsked) {
  FakeBybit fake;
  std::vector<std::string> targets;
  fake.route("/v5/order/realtime", [&](const HttpRequestRecord& r) {
    targets.push_back(r.target);
    return reply(200, envelope(0, R"({"category":"linear","nextPageCursor":"","list":[]})"));
  });
  auto c = client(fake);
  ASSERT_TRUE(c->sync_time().ok());
  std::vector<OrderUpdate> orders;
  ASSERT_TRUE(c->open_orders(reg_, Category::kLinear, "BTCUSDT", "", "mm-42", orders).ok());
  ASSERT_TRUE(c->open_orders(reg_, Category::kLinear, "BTCUSDT", "", "mm-42", orders, 1).ok());
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].find("openOnly"), std::string::npos) << targets[0];
  EXPECT_NE(targets[1].find("orderLinkId=mm-42&openOnly=1"), std::string::npos) << targets[1];
  EXPECT_EQ(fake.bad_signatures(), 0);
}

TEST_F(RestClientTest, PaginatedPositionsFollowTheCursor) {
  FakeBybit fake;
  fake.route("/v5/position/list", [](const HttpRequestRecord& r) {
    const bool second = r.target.find("cursor=page%3A2") != std::string::npos;
    const std::string item =
        std::string(R"({"symbol":"BTCUSDT","side":"Buy","size":")") + (second ? "0.002" : "0.001") +
        R"(","positionIdx":0,"avgPrice":"30000","positionValue":"30","markPrice":"30000",)"
        R"("unrealisedPnl":"0","cumRealisedPnl":"0","positionStatus":"Normal","leverage":"5"})";
    return reply(200, envelope(0, std::string(R"({"category":"linear","nextPageCursor":")") +
                                      (second ? "" : "page:2") + R"(","list":[)" + item + "]}"));
  });
  auto c = client(fake);
  ASSERT_TRUE(c->sync_time().ok());
  std::vector<PositionUpdate> pos;
  const RestResult r = c->positions(reg_, Category::kLinear, "BTCUSDT", "", pos);
  ASSERT_TRUE(r.ok()) << r.detail;
  ASSERT_EQ(pos.size(), 2u);
  EXPECT_EQ(pos[0].size.lots, 1);
  EXPECT_EQ(pos[1].size.lots, 2);
}

TEST_F(RestClientTest, RateLimitHeadersReachTheLimiter) {
  FakeBybit fake;
  const int64_t reset = wall_ms() + 800;
  fake.route("/v5/order/cancel-all", [reset](const HttpRequestRecord& r) {
    EXPECT_EQ(r.body, R"({"category":"linear","symbol":"BTCUSDT"})");
    return reply(200, envelope(0, R"({"list":[]})"),
                 {{"X-Bapi-Limit", "10"},
                  {"X-Bapi-Limit-Status", "0"},
                  {"X-Bapi-Limit-Reset-Timestamp", std::to_string(reset)}});
  });
  auto c = client(fake);
  ASSERT_TRUE(c->sync_time().ok());
  const int64_t now = wall_ms() * 1'000'000;
  ASSERT_EQ(limiter_.configure(RateClass::kCancelAll, 10, 10, now), RateError::kOk);
  CancelAll a;
  a.instrument = btc_;
  const RestResult r = c->cancel_all(reg_, a);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.limits.limit, 10);
  EXPECT_EQ(r.limits.status, 0);
  EXPECT_EQ(r.limits.reset_ms, reset);
  // The exchange says none are left until the reset: our bucket agrees.
  EXPECT_EQ(limiter_.try_acquire(RateClass::kCancelAll, 1, wall_ms() * 1'000'000), RateError::kLimited);
}

TEST_F(RestClientTest, RetCodeAndHttpStatusAreReported) {
  FakeBybit fake;
  fake.route("/v5/order/create", [](const HttpRequestRecord&) {
    return reply(200, envelope(110007, "{}", "ab not enough for new order"));
  });
  fake.route("/v5/order/cancel", [](const HttpRequestRecord&) { return reply(403, "access too frequent"); });
  auto c = client(fake);
  ASSERT_TRUE(c->sync_time().ok());
  OrderCreate oc;
  oc.instrument = btc_;
  oc.price = Price{300000};
  oc.qty = Qty{1};
  ASSERT_EQ(make_link_id("mm", 7, oc.link_id), LinkIdError::kOk);
  std::string order_id;
  RestResult r = c->create(reg_.get(btc_), oc, order_id);
  EXPECT_EQ(r.status, RestStatus::kRetCode);
  EXPECT_EQ(r.ret_code, 110007);
  EXPECT_EQ(r.ret_msg, "ab not enough for new order");
  OrderCancel cc;
  cc.instrument = btc_;
  cc.link_id = oc.link_id;
  r = c->cancel(reg_.get(btc_), cc);
  EXPECT_EQ(r.status, RestStatus::kHttpStatus);
  EXPECT_EQ(r.http_status, 403);
}

TEST_F(RestClientTest, CreateReturnsOrderIdAndSignsTheBodySent) {
  FakeBybit fake;
  std::string seen;
  fake.route("/v5/order/create", [&seen](const HttpRequestRecord& r) {
    seen = r.body;
    return reply(200, envelope(0, R"({"orderId":"abc-123","orderLinkId":"mm-8"})"));
  });
  auto c = client(fake);
  ASSERT_TRUE(c->sync_time().ok());
  OrderCreate oc;
  oc.instrument = btc_;
  oc.price = Price{300000};
  oc.qty = Qty{2};
  ASSERT_EQ(make_link_id("mm", 8, oc.link_id), LinkIdError::kOk);
  std::string order_id;
  const RestResult r = c->create(reg_.get(btc_), oc, order_id);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(order_id, "abc-123");
  EXPECT_NE(seen.find(R"("orderLinkId":"mm-8")"), std::string::npos) << seen;
  EXPECT_EQ(fake.bad_signatures(), 0);
}

TEST_F(RestClientTest, SettingsCalls) {
  FakeBybit fake;
  fake.route("/v5/position/set-leverage", [](const HttpRequestRecord& r) {
    EXPECT_EQ(r.body, R"({"category":"linear","symbol":"BTCUSDT","buyLeverage":"5","sellLeverage":"2.5"})");
    return reply(200, envelope(110043, "{}", "Set leverage not modified"));
  });
  fake.route("/v5/order/disconnected-cancel-all", [](const HttpRequestRecord& r) {
    EXPECT_EQ(r.body, R"({"product":"DERIVATIVES","timeWindow":40})");
    return reply(200, envelope(0, "{}", "success"));
  });
  auto c = client(fake);
  ASSERT_TRUE(c->sync_time().ok());
  EXPECT_TRUE(c->set_leverage(reg_.get(btc_), "5", "2.5").ok());
  EXPECT_EQ(c->set_leverage(reg_.get(btc_), "5x", "1").status, RestStatus::kBadRequest);
  EXPECT_TRUE(c->set_dcp_window(DcpProduct::kDerivatives, 40).ok());
  const size_t before = fake.server().http_requests().size();
  EXPECT_EQ(c->set_dcp_window(DcpProduct::kDerivatives, 2).status, RestStatus::kBadRequest);
  EXPECT_EQ(c->set_dcp_window(DcpProduct::kDerivatives, 301).status, RestStatus::kBadRequest);
  EXPECT_EQ(fake.server().http_requests().size(), before);  // nothing sent
}

TEST_F(RestClientTest, QueryApiAndKeyVerdicts) {
  FakeBybit fake;
  std::atomic<int> variant{0};
  fake.route("/v5/user/query-api", [&variant](const HttpRequestRecord&) {
    const std::string wallet = variant == 0 ? R"(["AccountTransfer","Withdraw"])" : "[]";
    const std::string ips = variant == 2 ? R"(["203.0.113.7"])" : R"(["*"])";
    return reply(200, envelope(0, R"({"id":"1","apiKey":"TESTKEY123456","readOnly":0,"permissions":{)"
                                  R"("ContractTrade":["Order","Position"],"Spot":[],"Wallet":)" +
                                      wallet + R"(,"Options":[]},"ips":)" + ips + "}"));
  });
  auto c = client(fake);
  ASSERT_TRUE(c->sync_time().ok());
  ApiKeyInfo info;
  std::string why;
  ASSERT_TRUE(c->query_api(info).ok());
  EXPECT_FALSE(info.read_only);
  EXPECT_EQ(check_api_key(info, why), ApiKeyVerdict::kRefuse);
  EXPECT_NE(why.find("Wallet:AccountTransfer"), std::string::npos) << why;
  variant = 1;
  ASSERT_TRUE(c->query_api(info).ok());
  EXPECT_EQ(check_api_key(info, why), ApiKeyVerdict::kWarnNoIpWhitelist);
  variant = 2;
  ASSERT_TRUE(c->query_api(info).ok());
  EXPECT_EQ(check_api_key(info, why), ApiKeyVerdict::kAccept);
  EXPECT_EQ(info.ips, std::vector<std::string>{"203.0.113.7"});
}

TEST_F(RestClientTest, PrivateCallWithoutKeyIsRefusedUnsent) {
  FakeBybit fake;
  RestClientConfig cfg;
  cfg.http.endpoint.host = "127.0.0.1";
  cfg.http.endpoint.port = fake.port();
  RestClient c(cfg, nullptr, nullptr, [] { return int64_t{0}; });
  ApiKeyInfo info;
  EXPECT_EQ(c.query_api(info).status, RestStatus::kNotSigned);
  EXPECT_TRUE(fake.server().http_requests().empty());
}

TEST_F(RestClientTest, InstrumentsLoadAcrossPages) {
  FakeBybit fake;
  fake.route("/v5/market/instruments-info", [](const HttpRequestRecord& r) {
    const bool second = r.target.find("cursor=next") != std::string::npos;
    const std::string sym = second ? "ETHUSDT" : "SOLUSDT";
    return reply(
        200, envelope(0, std::string(R"({"category":"linear","nextPageCursor":")") + (second ? "" : "next") +
                             R"(","list":[{"symbol":")" + sym +
                             R"(","status":"Trading","priceScale":"2","priceFilter":{"tickSize":"0.01"},)"
                             R"("lotSizeFilter":{"qtyStep":"0.01","minOrderQty":"0.01","maxOrderQty":"1000",)"
                             R"("minNotionalValue":"5"}}]})"));
  });
  auto c = client(fake);
  InstrumentRegistry reg;
  size_t loaded = 0;
  const RestResult r = c->instruments(Category::kLinear, "", reg, loaded);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(loaded, 2u);
  EXPECT_NE(reg.find(Category::kLinear, "SOLUSDT"), kNoInstrument);
  EXPECT_NE(reg.find(Category::kLinear, "ETHUSDT"), kNoInstrument);
}

}  // namespace
}  // namespace mm::test
