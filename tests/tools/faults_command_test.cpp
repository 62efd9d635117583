// `mm faults` through the real executable (issue 13): the JSON contract on a subset of scenarios, --list,
// and an unknown scenario refused with exit 2 before anything runs.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <string>

#include "tests/support/cli_run.h"

namespace {

const std::string kMm = std::string(MM_BINARY_DIR) + "/tools/mm";

TEST(FaultsCommand, JsonListsEachScenarioWithItsInvariants) {
  // stdout (the JSON) to a file; stderr (the node's logs) comes back in r.out.
  const std::string file = std::string(MM_BINARY_DIR) + "/faults_command_test.json";
  const mm::test::CliRun r = mm::test::run_shell(
      "(" + kMm + " faults --json --scenario public_ws_drop --scenario stale_feed >" + file + ")");
  const std::string out = mm::test::slurp(file);
  std::remove(file.c_str());
  ASSERT_EQ(r.code, 0) << out << r.out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  simdjson::dom::array list;
  ASSERT_EQ(doc.get(list), simdjson::SUCCESS);
  ASSERT_EQ(list.size(), 2u);
  const char* want[] = {"public_ws_drop", "stale_feed"};
  size_t k = 0;
  for (simdjson::dom::element e : list) {
    std::string_view name;
    ASSERT_EQ(e["scenario"].get(name), simdjson::SUCCESS);
    EXPECT_EQ(name, want[k++]);
    bool passed = false;
    ASSERT_EQ(e["passed"].get(passed), simdjson::SUCCESS);
    EXPECT_TRUE(passed) << out;
    simdjson::dom::object inv;
    ASSERT_EQ(e["invariants"].get(inv), simdjson::SUCCESS);
    for (const char* name_of : {"no_orphan_order", "no_duplicate_order", "fills_counted_once",
                                "position_matches", "keeps_running"}) {
      bool held = false;
      EXPECT_EQ(inv[name_of].get(held), simdjson::SUCCESS) << name_of;
      EXPECT_TRUE(held) << name_of;
    }
  }
}

TEST(FaultsCommand, ListNamesEveryScenario) {
  const mm::test::CliRun r = mm::test::run_shell(kMm + " faults --list");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* s :
       {"public_ws_drop", "private_ws_drop", "trade_ws_drop", "stale_feed", "service_restart"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

TEST(FaultsCommand, AnUnknownScenarioIsRefusedWithExitTwo) {
  const mm::test::CliRun r = mm::test::run_shell(kMm + " faults --scenario no_such_fault 2>&1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("no_such_fault"), std::string::npos) << r.out;
}

}  // namespace
