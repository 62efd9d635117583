// `mm paper`: the live market data of [venue], fills from the backtester's fill engine
// (runtime/paper_node.h). Flag parsing and printing only. Contract:
//   mm paper --config FILE [--duration S] [--json]
// Exit codes: 0 done, 1 runtime failure, 2 bad config (nothing started), 3 shutdown could not confirm every
// cancel. No key is read and no order leaves the process.
#include <cstdio>
#include <memory>
#include <string>

#include "runtime/paper_node.h"
#include "tools/mm/commands.h"
#include "tools/mm/config.h"
#include "tools/mm/live_print.h"
#include "tools/mm/stop_signal.h"

namespace mm::tools {

void register_paper(CLI::App& app) {
  struct Args {
    std::string config;
    double duration_s = 0;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "paper",
      "Paper trading: live market data from [venue], fills from the backtest fill engine; no order sent");
  cmd->add_option("--config", a->config,
                  "mm config (TOML): strategy, risk, [backtest], [venue], [sim], [live]")
      ->required();
  cmd->add_option("--duration", a->duration_s,
                  "Stop (gracefully) after S seconds; default: until SIGINT/SIGTERM")
      ->check(CLI::Range(0.0, 1e9));
  cmd->add_flag("--json", a->json, "Print the summary as one JSON object");
  cmd->footer(
      "Example: mm paper --config examples/live_sim.toml --duration 30\n"
      "Exit codes: 0 done, 1 runtime failure, 2 bad config, 3 paper orders not confirmed cancelled at "
      "shutdown.");
  cmd->callback([a]() {
    auto fail = [](int code, const std::string& msg) {
      std::fprintf(stderr, "mm paper: %s\n", msg.c_str());
      set_exit_code(code);
    };
    PaperOptions o;
    if (std::string e = load_config(a->config, o.config); !e.empty()) return fail(2, e);
    o.duration_ns = static_cast<int64_t>(a->duration_s * 1e9);
    o.stop = install_stop_signals();
    PaperNode node(std::move(o));
    if (const LiveError e = node.prepare(); e.code != 0) return fail(e.code, e.message);
    LiveSummary s;
    const LiveError r = node.run(s);
    const std::string out = a->json ? live_summary_json(s) : live_summary_text(s);
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (r.code != 0) return fail(r.code, r.message);
    set_exit_code(kExitOk);
  });
}

}  // namespace mm::tools
