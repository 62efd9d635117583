// `mm run`: live quoting on a Bybit V5 venue (runtime/live_node.h). Flag parsing, keys and printing only.
// Contract:
//   mm run --config FILE [--duration S] [--json] [--layout one-thread|pipeline] [--cpus LIST]
//          [--idle backoff|yield|spin]
// Exit codes: 0 done, 1 runtime failure, 2 bad config or refused key (nothing sent), 3 shutdown could not
// confirm every cancel (the orders are named).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "runtime/live_node.h"
#include "tools/mm/commands.h"
#include "tools/mm/config.h"
#include "tools/mm/json_writer.h"
#include "tools/mm/live_print.h"

namespace mm::tools {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  g_stop.store(true, std::memory_order_relaxed);
}

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

void register_run(CLI::App& app) {
  struct Args {
    std::string config;
    double duration_s = 0;
    bool json = false;
    std::string layout = "one-thread";
    std::string cpus;
    std::string idle;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd =
      app.add_subcommand("run", "Quote live on the configured venue ([venue]; endpoint \"sim\" by default)");
  cmd->add_option("--config", a->config, "mm config (TOML): strategy, risk, [venue], [sim], [live]")
      ->required();
  cmd->add_option("--duration", a->duration_s,
                  "Stop (gracefully) after S seconds; default: until SIGINT/SIGTERM")
      ->check(CLI::Range(0.0, 1e9));
  cmd->add_flag("--json", a->json, "Print the summary as one JSON object");
  cmd->add_option("--layout", a->layout, "Thread layout: one-thread (default) or pipeline")
      ->capture_default_str();
  cmd->add_option("--cpus", a->cpus,
                  "one-thread: the hot thread's CPU; pipeline: the network,decision,dispatch threads' CPUs, "
                  "e.g. 1,2,3 (-1: not pinned)");
  cmd->add_option("--idle", a->idle,
                  "pipeline only: how its threads wait, backoff (default), yield or spin (spin needs a CPU "
                  "of its own per thread)");
  cmd->footer(
      "Example: mm run --config examples/live_sim.toml --duration 30\n"
      "Exit codes: 0 done, 1 runtime failure, 2 bad config or refused key (nothing sent), 3 cancels not "
      "confirmed at shutdown.");
  cmd->callback([a]() {
    auto fail = [](int code, const std::string& msg) {
      std::fprintf(stderr, "mm run: %s\n", msg.c_str());
      set_exit_code(code);
    };
    LiveOptions o;
    if (std::string e = load_config(a->config, o.config); !e.empty()) return fail(2, e);
    o.config.trader.quoter.link_id_prefix = o.config.link_id_prefix;
    if (a->layout == "pipeline") {
      o.layout = LiveLayout::kPipeline;
    } else if (a->layout != "one-thread") {
      return fail(2, "--layout must be one-thread or pipeline, not '" + a->layout + "'");
    }
    if (!a->idle.empty()) {
      if (o.layout != LiveLayout::kPipeline) return fail(2, "--idle applies to --layout pipeline only");
      if (a->idle == "backoff") {
        o.idle = LayoutIdle::kBackOff;
      } else if (a->idle == "yield") {
        o.idle = LayoutIdle::kYield;
      } else if (a->idle == "spin") {
        o.idle = LayoutIdle::kSpin;
      } else {
        return fail(2, "--idle must be backoff, yield or spin, not '" + a->idle + "'");
      }
    }
    if (std::string e = parse_cpu_list(a->cpus, o.cpus); !e.empty()) return fail(2, e);
    if (std::string e = read_api_keys(a->config, o.api_key, o.api_secret); !e.empty()) return fail(2, e);
    o.duration_ns = static_cast<int64_t>(a->duration_s * 1e9);
    g_stop.store(false);
    o.stop = &g_stop;
    install_stop_signals();
    LiveNode node(std::move(o));
    if (const LiveError e = node.prepare(); e.code != 0) return fail(e.code, e.message);
    for (const std::string& w : node.warnings()) std::fprintf(stderr, "mm run: warning: %s\n", w.c_str());
    LiveSummary s;
    const LiveError r = node.run(s);
    const std::string out = a->json ? live_summary_json(s) : live_summary_text(s);
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (r.code != 0) return fail(r.code, r.message);
    set_exit_code(kExitOk);
  });
}

}  // namespace mm::tools
