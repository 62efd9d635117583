// The fault matrix (issue 13): each scenario runs the live node against the in-process simulator on
// loopback, injects its fault through POST /admin/fault and checks every invariant against the simulator's
// account. Every wait inside is bounded (runtime/fault_harness.h); each scenario stops its node and server.
#include "runtime/fault_matrix.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "runtime/fault_harness.h"
#include "tools/mm/config.h"

namespace mm {
namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/mm-faults-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

void expect_scenario(std::string_view name, const std::vector<std::string>& own) {
  TempDir dir;
  FaultMatrixOptions o;
  ASSERT_EQ(tools::load_config(std::string(MM_SOURCE_DIR) + "/examples/live_sim.toml", o.config), "");
  o.work_dir = dir.path.string();
  const FaultScenarioResult r = run_fault_scenario(name, o);
  ASSERT_EQ(r.error, "") << name;
  for (const char* common :
       {"no_orphan_order", "no_duplicate_order", "fills_counted_once", "position_matches", "keeps_running"}) {
    bool found = false;
    for (const FaultInvariant& i : r.invariants) found = found || i.name == common;
    EXPECT_TRUE(found) << name << " does not check " << common;
  }
  for (const std::string& want : own) {
    bool found = false;
    for (const FaultInvariant& i : r.invariants) found = found || i.name == want;
    EXPECT_TRUE(found) << name << " does not check " << want;
  }
  for (const FaultInvariant& i : r.invariants)
    EXPECT_TRUE(i.held) << name << ": " << i.name << ": " << i.detail;
  EXPECT_TRUE(r.passed);
}

TEST(FaultMatrix, PublicWsDroppedMidStream) {
  expect_scenario("public_ws_drop", {"reconnected"});
}

TEST(FaultMatrix, PrivateWsDroppedWithAFillWhileDown) {
  expect_scenario("private_ws_drop", {"reconnected"});
}

TEST(FaultMatrix, TradeWsDroppedWithRequestsInFlight) {
  expect_scenario("trade_ws_drop", {"reconnected", "rest_fallback"});
}

TEST(FaultMatrix, StaleFeedPullsQuotesThenResumes) {
  expect_scenario("stale_feed", {"quotes_pulled", "quotes_resumed"});
}

TEST(FaultMatrix, RateLimitWithoutTheResetHeader) {
  expect_scenario("rate_limit_no_header", {"resumed"});
}

TEST(FaultMatrix, RateLimitWithTheResetHeader) {
  expect_scenario("rate_limit_with_header", {"resumed", "backed_off"});
}

TEST(FaultMatrix, ServiceRestart) {
  expect_scenario("service_restart", {"reconnected", "unknown_settled"});
}

TEST(FaultMatrix, ClockSkewIsResynced) {
  expect_scenario("clock_skew", {"resynced"});
}

TEST(FaultMatrix, BookGapIsResubscribed) {
  expect_scenario("book_gap", {"resubscribed", "quotes_resumed"});
}

TEST(FaultMatrix, RestartSnapshotOverwritesTheBook) {
  expect_scenario("restart_snapshot", {"quotes_resumed", "no_resubscribe"});
}

TEST(FaultMatrix, UnknownOutcomeSettledFilled) {
  expect_scenario("unknown_settled_filled", {"unknown_seen", "filled_while_unknown", "unknown_settled"});
}

TEST(FaultMatrix, UnknownOutcomeSettledAbsent) {
  expect_scenario("unknown_settled_absent", {"unknown_seen", "unknown_settled"});
}

TEST(FaultMatrix, PartialFillsRacingCancels) {
  expect_scenario("fill_races_cancel", {"quotes_pulled", "filled_while_cancelling", "quotes_resumed"});
}

// The bounded soak (20 s here; the long one is `mm faults --scenario soak --soak-seconds 3600`).
TEST(FaultMatrix, PostOnlyCrossIsDroppedWithoutARetryLoop) {
  expect_scenario("post_only_cross", {"crossed", "no_retry_loop", "no_ghost_order", "quotes_resumed"});
}

TEST(FaultMatrix, DuplicateAndOutOfOrderPrivateMessagesCountEachFillOnce) {
  expect_scenario("duplicate_out_of_order", {"order_settled", "no_ghost_order", "late_new_ignored",
                                             "new_after_cancelled", "quotes_resumed"});
}

TEST(FaultMatrix, SoakWithRandomFaultsKeepsMemoryFlatAndOrdersBounded) {
  expect_scenario(
      "soak", {"memory_flat", "open_orders_bounded", "latency_stable", "faults_injected", "quotes_resumed"});
}

TEST(FaultMatrix, StopWithRequestsInFlightCancelsEverything) {
  expect_scenario("stop_in_flight", {"orders_in_flight"});
}

// The soak's latency check reads medians: one preemption in a third of a few dozen quotes (its p99 is its
// maximum) does not fail it, a path that got slower for most quotes does.
TEST(FaultMatrix, LatencyStableToleratesOneHiccupButNotASlowerPath) {
  LatencyHistogram first, hiccup, slower, none;
  for (int i = 0; i < 15; ++i) first.record(100'000);  // 100 us
  for (int i = 0; i < 17; ++i) hiccup.record(120'000);
  hiccup.record(5'000'000);  // 5 ms: the p99 of these 18 quotes, and more than the old bound (5 x p99 + 2 ms)
  const FaultInvariant ok = latency_stable(first, hiccup);
  EXPECT_EQ(ok.name, "latency_stable");
  EXPECT_TRUE(ok.held) << ok.detail;
  for (int i = 0; i < 18; ++i) slower.record(i < 6 ? 120'000 : 1'600'000);  // most quotes 16 x slower
  const FaultInvariant bad = latency_stable(first, slower);
  EXPECT_FALSE(bad.held);
  EXPECT_NE(bad.detail.find("p50"), std::string::npos) << bad.detail;
  EXPECT_FALSE(latency_stable(first, none).held) << "a third without quotes measured nothing";
  EXPECT_FALSE(latency_stable(none, hiccup).held);
}

TEST(FaultMatrix, AnUnknownScenarioIsAnErrorNamingIt) {
  FaultMatrixOptions o;
  const FaultScenarioResult r = run_fault_scenario("no_such_fault", o);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.error.find("no_such_fault"), std::string::npos);
}

TEST(FaultMatrix, EveryScenarioHasANameAndADescription) {
  ASSERT_FALSE(fault_scenarios().empty());
  for (const FaultScenarioInfo& s : fault_scenarios()) {
    EXPECT_FALSE(s.name.empty());
    EXPECT_FALSE(s.what.empty());
  }
}

// A cancel the venue answers "no such live order" (110001/110008: the order filled, and the private stream
// that would say so is stalled) is sent once per order: the order is Unknown until a query or the stream
// settles it. It used to read as live again and be cancelled at every tick until the stream caught up,
// spending the cancel budget the other orders' cancels needed (the shutdown then ran out of time: exit 3,
// orders unconfirmed).
TEST(LiveOrders, ACancelAnsweredOrderGoneIsSentOnceThenSettledByAQuery) {
  TempDir dir;
  FaultMatrixOptions o;
  ASSERT_EQ(tools::load_config(std::string(MM_SOURCE_DIR) + "/examples/live_sim.toml", o.config), "");
  o.work_dir = dir.path.string();
  MmConfig cfg = scenario_config(o, "gone");
  // What differs from the scenarios: the example's request timeout (2 s; at the scenarios' 500 ms a loaded
  // host timed requests out and blurred the count) and private-quiet time (10 s: the 1.5 s stall below must
  // not pull the quotes, which would add cancels of its own).
  cfg.live.request_timeout_ms = o.config.live.request_timeout_ms;
  cfg.live.private_quiet_ms = o.config.live.private_quiet_ms;
  FaultHarness h;
  ASSERT_EQ(h.start(cfg, ladder_levels(cfg)), "");
  ASSERT_TRUE(h.wait_for(8000, [](const LiveProbe& p) { return p.quoting && !p.live.empty(); }));
  // The fill's order, execution and position messages wait 1.5 s; the trade WebSocket and REST do not.
  ASSERT_EQ(h.fault(R"({"kind":"stall","path":"/v5/private","ms":1500})"), "");
  ASSERT_EQ(h.fill_one_order(true), "");
  std::vector<FaultInvariant> out;
  h.finish(true, out);  // the stop: every order of ours is cancelled, the filled one included
  // Exit 0, every cancel confirmed. (Not fills or position: the shutdown may end before the stalled stream
  // delivers the fill's execution; that is the stall's doing, not this test's subject.)
  bool running = false;
  for (const FaultInvariant& i : out) {
    if (i.name != "keeps_running") continue;
    running = true;
    EXPECT_TRUE(i.held) << i.detail;
  }
  EXPECT_TRUE(running);
  const uint64_t gone = h.summary_count("110001") + h.summary_count("110008");
  // Each order of the ladder is refused at most once now: the filled one, and any other the market filled
  // while the stream was stalled (0 to 4 in 36 runs, each a different order in mm's log). The loop refused
  // the filled order's cancel 7 to 10 times on its own.
  const uint64_t orders = 2 * uint64_t{ladder_levels(cfg)};
  EXPECT_LE(gone, orders) << "the cancel of an order the venue no longer holds was repeated";
}

// A fill the venue made while the private stream is stalled for longer than the whole shutdown: the order's
// cancel is refused (110001/110008), a query settles it Filled, and its executions never come on the stream.
// The shutdown waits for the executions that final report announced and fetches them over REST
// (GET /v5/execution/list), so the fill is counted once and mm's position is the venue's. Before, the
// shutdown ended as soon as no order was open: one fill short, the position one fill behind.
TEST(LiveOrders, AFillSettledByAQueryWhileThePrivateStreamIsStalledIsCountedAtShutdown) {
  TempDir dir;
  FaultMatrixOptions o;
  ASSERT_EQ(tools::load_config(std::string(MM_SOURCE_DIR) + "/examples/live_sim.toml", o.config), "");
  o.work_dir = dir.path.string();
  MmConfig cfg = scenario_config(o, "fills_due");
  // The example's private-quiet time (10 s): the stall must not pull the quotes before the stop does.
  cfg.live.private_quiet_ms = o.config.live.private_quiet_ms;
  FaultHarness h;
  ASSERT_EQ(h.start(cfg, ladder_levels(cfg)), "");
  ASSERT_TRUE(h.wait_for(8000, [](const LiveProbe& p) { return p.quoting && !p.live.empty(); }));
  // 10 s: past the node's 4 s shutdown; nothing of the private stream reaches mm from here on.
  ASSERT_EQ(h.fault(R"({"kind":"stall","path":"/v5/private","ms":10000})"), "");
  ASSERT_EQ(h.fill_one_order(true), "");
  std::vector<FaultInvariant> out;
  h.finish(true, out);
  int checked = 0;
  for (const FaultInvariant& i : out) {
    if (i.name != "keeps_running" && i.name != "fills_counted_once" && i.name != "position_matches") continue;
    ++checked;
    EXPECT_TRUE(i.held) << i.name << ": " << i.detail;
  }
  EXPECT_EQ(checked, 3);
}

TEST(FaultHarness, JsonStringValuesReadsEveryOccurrenceInOrder) {
  std::vector<std::string> v;
  json_string_values(R"({"list":[{"execId":"a1","x":1},{"execId":"b2"}],"nextPageCursor":""})", "execId", v);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], "a1");
  EXPECT_EQ(v[1], "b2");
  v.clear();
  json_string_values(R"({"execId":"cut)", "execId", v);
  EXPECT_TRUE(v.empty()) << "an unterminated value is not read";
}

}  // namespace
}  // namespace mm
