// `mm faults`: the fault matrix of issue 13 (runtime/fault_matrix.h). Flag parsing, the built-in config and
// printing only.
// Contract:
//   mm faults [--json] [--scenario NAME]... [--list] [--config FILE]
//   --json: a JSON list of {"scenario": str, "passed": bool, "invariants": {name: bool}}
// Exit codes: 0 every scenario passed, 1 one did not, 2 bad arguments (an unknown scenario, a bad config).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "runtime/fault_matrix.h"
#include "tools/mm/commands.h"
#include "tools/mm/config.h"
#include "tools/mm/json_writer.h"

namespace mm::tools {

namespace {

// The node under test when no --config is given: examples/live_sim.toml's fixed-spread ladder (3 levels a
// side, post-only, tight enough to fill on the generated market), so the command needs no file.
constexpr std::string_view kBuiltInConfig = R"(
[market]
category = "linear"
symbol = "BTCUSDT"

[strategy]
kind = "fixed"
reference = "mid"
half_spread_bps = 0.2
min_spread_ticks = 1
order_size_lots = 2
levels = 3
level_spacing_bps = 0.5
size_step_lots = 1
touch_policy = "no_cross"

[quoter]
link_id_prefix = "mm_faults"
price_tolerance_bps = 0.2
use_amend = true
time_in_force = "post_only"

[trader]
max_position_lots = 20
order_capacity = 256

[risk]
max_order_qty = "0.005"
max_order_notional = "500"
max_position_qty = "0.020"
max_exposure_notional = "2500"
price_band_bps = 50
max_open_orders = 20
require_post_only = true
limit_policy = "block"
)";

struct Args {
  bool json = false;
  bool list = false;
  std::vector<std::string> scenarios;
  std::string config;
  int64_t soak_seconds = 20;
  uint64_t soak_seed = 1;
};

std::string results_json(const std::vector<FaultScenarioResult>& results) {
  JsonWriter j;
  j.begin_array();
  for (const FaultScenarioResult& r : results) {
    j.begin_object().key("scenario").value(r.scenario).key("passed").value(r.passed);
    j.key("invariants").begin_object();
    for (const FaultInvariant& i : r.invariants) j.key(i.name).value(i.held);
    j.end_object();
    if (!r.error.empty()) j.key("error").value(r.error);
    j.key("seconds").value(r.seconds).end_object();
  }
  j.end_array();
  return j.str() + "\n";
}

std::string results_text(const std::vector<FaultScenarioResult>& results) {
  std::string out;
  char line[256];
  for (const FaultScenarioResult& r : results) {
    std::snprintf(line, sizeof line, "%-24s %-4s %5.1f s\n", r.scenario.c_str(), r.passed ? "ok" : "FAIL",
                  r.seconds);
    out += line;
    if (!r.error.empty()) out += "    error: " + r.error + "\n";
    for (const FaultInvariant& i : r.invariants) {
      std::snprintf(line, sizeof line, "    %-20s %s", i.name.c_str(), i.held ? "held" : "BROKEN");
      out += line;
      out += i.held ? "\n" : ": " + i.detail + "\n";
    }
  }
  return out;
}

void run_faults(const Args& a) {
  auto fail = [](int code, const std::string& msg) {
    std::fprintf(stderr, "mm faults: %s\n", msg.c_str());
    set_exit_code(code);
  };
  if (a.list) {
    for (const FaultScenarioInfo& s : fault_scenarios())
      std::printf("%-24s %s\n", std::string(s.name).c_str(), std::string(s.what).c_str());
    return set_exit_code(kExitOk);
  }
  std::vector<std::string> names = a.scenarios;
  for (const std::string& n : names) {
    bool known = false;
    for (const FaultScenarioInfo& s : fault_scenarios()) known = known || s.name == n;
    if (!known) return fail(kExitBadInput, "--scenario: unknown scenario '" + n + "' (see mm faults --list)");
  }
  if (names.empty()) {
    for (const FaultScenarioInfo& s : fault_scenarios()) names.emplace_back(s.name);
  }
  FaultMatrixOptions o;
  const std::string e = a.config.empty() ? parse_config(kBuiltInConfig, "mm faults built-in config", o.config)
                                         : load_config(a.config, o.config);
  if (!e.empty()) return fail(kExitBadInput, e);
  o.levels_per_side = ladder_levels(o.config);
  o.soak_seconds = a.soak_seconds;
  o.soak_seed = a.soak_seed;
  char tmpl[] = "/tmp/mm-faults-XXXXXX";
  if (mkdtemp(tmpl) == nullptr)
    return fail(kExitFailed, "cannot create a folder under /tmp for the journals");
  o.work_dir = tmpl;
  std::vector<FaultScenarioResult> results;
  bool all = true;
  for (const std::string& n : names) {
    results.push_back(run_fault_scenario(n, o));
    all = all && results.back().passed;
    if (!a.json) std::fputs(results_text({results.back()}).c_str(), stdout);
    std::fflush(stdout);
  }
  std::error_code ec;
  std::filesystem::remove_all(o.work_dir, ec);
  if (a.json) std::fputs(results_json(results).c_str(), stdout);
  set_exit_code(all ? kExitOk : kExitFailed);
}

}  // namespace

void register_faults(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "faults", "Run the fault matrix: the live node against the simulator, one fault per scenario");
  cmd->add_flag("--json", a->json, "Print a JSON list of {scenario, passed, invariants: {name: bool}}");
  cmd->add_option("--scenario", a->scenarios, "Run only this scenario (repeatable; see --list)");
  cmd->add_flag("--list", a->list, "List the scenarios and exit");
  cmd->add_option("--config", a->config,
                  "mm config of the node under test (strategy, quoter, trader, risk); default: built in");
  cmd->add_option("--soak-seconds", a->soak_seconds, "Length of the soak scenario (the long soak: 3600)")
      ->check(CLI::Range(int64_t{5}, int64_t{7 * 86400}))
      ->capture_default_str();
  cmd->add_option("--soak-seed", a->soak_seed, "Seed of the soak's fault sequence")->capture_default_str();
  cmd->footer(
      "Example: mm faults --scenario public_ws_drop --json\n"
      "Long soak: mm faults --scenario soak --soak-seconds 3600\n"
      "Exit codes: 0 every scenario passed, 1 a scenario failed, 2 bad arguments.");
  cmd->callback([a]() { run_faults(*a); });
}

}  // namespace mm::tools
