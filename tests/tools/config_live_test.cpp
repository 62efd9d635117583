// The live sections of the config (issue 11): [venue], [sim], [live]: defaults, values, errors naming the
// key.
#include <gtest/gtest.h>

#include <string>

#include "runtime/live_config.h"
#include "tools/mm/config.h"

namespace mm::tools {
namespace {

constexpr const char* kBase = R"([strategy]
kind = "fixed"
[risk]
max_order_qty = "0.01"
max_position_qty = "0.02"
[trader]
max_position_lots = 20
)";

std::string parse(const std::string& extra, MmConfig& c) {
  return parse_config(std::string(kBase) + extra, "t.toml", c);
}

std::string error_of(const std::string& extra) {
  MmConfig c;
  return parse(extra, c);
}

TEST(ConfigLive, DefaultsAreTheEmbeddedSimulatorAndSafeTimers) {
  MmConfig c;
  ASSERT_EQ(parse("", c), "");
  EXPECT_EQ(c.venue.endpoint, VenueEndpoint::kSim);
  EXPECT_EQ(c.venue.recv_window_ms, 5000);
  EXPECT_EQ(c.venue.ping_interval_ms, 20000);
  EXPECT_EQ(c.venue.ws_transport, WsTransport::kUring);
  EXPECT_TRUE(c.sim.data.empty());
  EXPECT_EQ(c.sim.gen_seconds, 3600);
  EXPECT_EQ(c.live.journal, "mm.journal");
  EXPECT_EQ(c.live.dcp_window_s, 0);
  EXPECT_EQ(c.live.warm_interval_us, 20);
}

TEST(ConfigLive, ValuesReachTheStructs) {
  MmConfig c;
  ASSERT_EQ(parse(R"(
[venue]
endpoint = "custom"
rest_url = "http://127.0.0.1:9000"
public_ws_url = "ws://127.0.0.1:9000/v5/public/linear"
private_ws_url = "ws://127.0.0.1:9000/v5/private"
trade_ws_url = "ws://127.0.0.1:9000/v5/trade"
ca_file = "/etc/ca.pem"
recv_window_ms = 3000
ws_transport = "beast"
ping_interval_ms = 5000
[sim]
data = ["/a.jsonl.zst", "/b.mmcap"]
speed = "max"
loop = false
seed = 7
[live]
journal = "/var/mm/j"
feed_quiet_ms = 2000
private_quiet_ms = 4000
request_timeout_ms = 1500
shutdown_timeout_ms = 9000
dcp_window_s = 10
timer_ms = 50
warm_interval_us = 0
)",
                  c),
            "");
  EXPECT_EQ(c.venue.endpoint, VenueEndpoint::kCustom);
  EXPECT_EQ(c.venue.trade_ws_url, "ws://127.0.0.1:9000/v5/trade");
  EXPECT_EQ(c.venue.recv_window_ms, 3000);
  EXPECT_EQ(c.venue.ping_interval_ms, 5000);
  EXPECT_EQ(c.venue.ws_transport, WsTransport::kBeast);
  ASSERT_EQ(c.sim.data.size(), 2u);
  EXPECT_EQ(c.sim.data[1], "/b.mmcap");
  EXPECT_TRUE(c.sim.max_speed);
  EXPECT_FALSE(c.sim.loop);
  EXPECT_EQ(c.sim.seed, 7u);
  EXPECT_EQ(c.live.journal, "/var/mm/j");
  EXPECT_EQ(c.live.request_timeout_ms, 1500);
  EXPECT_EQ(c.live.dcp_window_s, 10);
  EXPECT_EQ(c.live.warm_interval_us, 0);
  VenueUrls u;
  ASSERT_EQ(resolve_venue_urls(c.venue, Category::kLinear, "", u), "");
  EXPECT_EQ(u.rest, "http://127.0.0.1:9000");
}

TEST(ConfigLive, ErrorsNameTheKey) {
  EXPECT_NE(error_of("[venue]\nendpoint = \"moon\"\n").find("venue.endpoint must be \"sim\""),
            std::string::npos);
  EXPECT_NE(error_of("[venue]\nendpoint = \"custom\"\n").find("venue.rest_url must start with"),
            std::string::npos);
  EXPECT_NE(error_of("[venue]\nrest_url = \"http://x\"\n").find("read only with endpoint = \"custom\""),
            std::string::npos);
  EXPECT_NE(error_of("[venue]\nrecv_window_ms = 0\n").find("venue.recv_window_ms"), std::string::npos);
  EXPECT_NE(error_of("[venue]\nping_interval_ms = 99\n").find("venue.ping_interval_ms"), std::string::npos);
  EXPECT_NE(
      error_of("[venue]\nws_transport = \"uring\"\n").find("venue.ws_transport must be \"io_uring\" or"),
      std::string::npos);
  EXPECT_NE(error_of("[sim]\nspeed = -1\n").find("sim.speed"), std::string::npos);
  EXPECT_NE(error_of("[sim]\nspeed = \"fast\"\n").find("sim.speed"), std::string::npos);
  EXPECT_NE(error_of("[sim]\ndata = 5\n").find("sim.data"), std::string::npos);
  EXPECT_NE(error_of("[sim]\ngen_seconds = 0\n").find("sim.gen_seconds"), std::string::npos);
  EXPECT_NE(error_of("[live]\ndcp_window_s = 2\n").find("live.dcp_window_s"), std::string::npos);
  EXPECT_NE(error_of("[live]\njournal = \"\"\n").find("live.journal"), std::string::npos);
  EXPECT_NE(error_of("[live]\nwarm_interval_us = -1\n").find("live.warm_interval_us"), std::string::npos);
  EXPECT_NE(error_of("[live]\nwarm_interval_us = 1000001\n").find("live.warm_interval_us"),
            std::string::npos);
  EXPECT_NE(error_of("[live]\nshutdown_timeout = 5\n").find("live.shutdown_timeout is not a known key"),
            std::string::npos);
}

TEST(ConfigLive, BybitEndpointsPerCategory) {
  VenueSettings v;
  VenueUrls u;
  v.endpoint = VenueEndpoint::kTestnet;
  ASSERT_EQ(resolve_venue_urls(v, Category::kSpot, "", u), "");
  EXPECT_EQ(u.rest, "https://api-testnet.bybit.com");
  EXPECT_EQ(u.public_ws, "wss://stream-testnet.bybit.com/v5/public/spot");
  EXPECT_EQ(u.trade_ws, "wss://stream-testnet.bybit.com/v5/trade");
  v.endpoint = VenueEndpoint::kDemo;
  ASSERT_EQ(resolve_venue_urls(v, Category::kLinear, "", u), "");
  EXPECT_EQ(u.trade_ws, "") << "Bybit demo trading has no trade WebSocket: orders go over REST";
  v.endpoint = VenueEndpoint::kSim;
  EXPECT_NE(resolve_venue_urls(v, Category::kLinear, "", u), "");
  ASSERT_EQ(resolve_venue_urls(v, Category::kLinear, "https://127.0.0.1:5", u), "");
  EXPECT_EQ(u.private_ws, "wss://127.0.0.1:5/v5/private");
}

}  // namespace
}  // namespace mm::tools
