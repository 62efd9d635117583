// The paper node against the embedded simulator on loopback (issue 11): it quotes and fills through the
// backtester's fill engine, and not one order request reaches the simulator. Every wait is bounded by the
// node's duration and shutdown timeout; the simulator is stopped by the node.
#include "runtime/paper_node.h"

#include <gtest/gtest.h>

#include <string>

#include "tools/mm/config.h"

namespace mm {
namespace {

MmConfig sim_config() {
  MmConfig c;
  const std::string e = tools::load_config(std::string(MM_SOURCE_DIR) + "/examples/live_sim.toml", c);
  EXPECT_EQ(e, "");
  c.sim.gen_seconds = 300;
  c.sim.speed = 20;
  c.ops.http_listen = "";  // never the default port: concurrent test runs would collide
  return c;
}

TEST(PaperNode, QuotesAndFillsOnLiveSimulatorDataWithoutSendingAnyOrder) {
  PaperOptions o;
  o.config = sim_config();
  o.duration_ns = 4'000'000'000;
  PaperNode node(std::move(o));
  const LiveError p = node.prepare();
  ASSERT_EQ(p.code, 0) << p.message;
  LiveSummary s;
  const LiveError r = node.run(s);
  EXPECT_EQ(r.code, 0) << r.message;
  EXPECT_EQ(s.venue.rfind("paper sim ws://127.0.0.1:", 0), 0u) << s.venue;
  EXPECT_GT(s.created, 0u) << "the paper trader never quoted";
  EXPECT_GT(s.fills, 0u) << "the fill engine never filled a paper order";
  EXPECT_GT(s.tick_to_quote.count(), 0u);
  EXPECT_EQ(s.order_ack.count(), 0u);
  EXPECT_TRUE(s.cancel_all);
  EXPECT_EQ(s.open_orders_after, 0u);
  EXPECT_EQ(s.fault, "");
  const SimVenueCounters& v = node.venue_counters();
  EXPECT_EQ(v.creates_accepted, s.created);  // every create acked by the fill engine, and only those
  EXPECT_EQ(v.fills, s.fills);

  // The simulator saw the public stream and the two public REST calls, and nothing else.
  const std::string sim = node.sim_summary_json();
  ASSERT_NE(sim.find("\"requests\":{"), std::string::npos) << sim;
  EXPECT_NE(sim.find("/v5/market/instruments-info"), std::string::npos) << sim;
  EXPECT_NE(sim.find("/v5/public/linear subscribe"), std::string::npos) << sim;
  EXPECT_EQ(sim.find("/v5/order"), std::string::npos) << sim;
  EXPECT_EQ(sim.find("/v5/trade"), std::string::npos) << sim;
  EXPECT_EQ(sim.find("/v5/private"), std::string::npos) << sim;
  EXPECT_EQ(sim.find("/v5/user"), std::string::npos) << sim;
  EXPECT_NE(sim.find("\"orders\":{\"created\":0,"), std::string::npos) << sim;
  EXPECT_NE(sim.find("\"fills\":0,"), std::string::npos) << sim;
}

TEST(PaperNode, ASymbolTheVenueDoesNotListIsRefusedWithCodeTwo) {
  PaperOptions o;
  o.config = sim_config();
  o.config.symbol = "NOPEUSDT";
  o.duration_ns = 1'000'000'000;
  PaperNode node(std::move(o));
  const LiveError p = node.prepare();
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.message.find("market.symbol: NOPEUSDT"), std::string::npos) << p.message;
}

}  // namespace
}  // namespace mm
