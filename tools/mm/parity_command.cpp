// `mm parity`: backtest-to-live parity (runtime/parity.h). Flag parsing and printing only.
// Contract:
//   mm parity --config FILE --data FILE [--json] [--seconds S] [--no-start-align] [--no-decision-latency]
//             [--no-feed-align] [--no-timer]
//   --json: one object {"backtest": {fills, volume, net_pnl, fees}, "live": {...},
//                       "diff": {fills_pct, volume_pct, net_pnl_pct}} (plus the window, the divergence and
//                       "counters": {backtest, live}: each side's Trader and quoter counters)
// Exit codes: 0 compared and within the targets (fills within 1 %, net PnL within 2 %), 1 compared and a
// target missed, or a run failed, 2 bad input (config, data, flags).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "runtime/parity.h"
#include "tools/mm/commands.h"
#include "tools/mm/config.h"
#include "tools/mm/json_writer.h"
#include "tools/mm/live_print.h"

namespace mm::tools {

namespace {

constexpr double kFillsTargetPct = 1.0;  // issue 13's targets
constexpr double kPnlTargetPct = 2.0;

struct Args {
  std::string config;
  std::string data;
  bool json = false;
  double seconds = 0;
  bool no_start_align = false;
  bool no_decision_latency = false;
  bool no_feed_align = false;
  bool no_timer = false;
};

double money(Money m) {
  return static_cast<double>(m.units) / 1e8;
}

void side_json(JsonWriter& j, const char* name, const ParitySide& s) {
  j.key(name).begin_object();
  j.key("fills").value(s.fills).key("volume").value(money(s.volume));
  j.key("net_pnl").value(money(s.net_pnl)).key("fees").value(money(s.fees));
  j.key("position_lots").value(s.position_lots).end_object();
}

// The Trader's counters of one side, the quoter's summed counters and the venue's view of the order flow.
void counters_json(JsonWriter& j, const char* name, const ParitySide& s, bool live) {
  j.key(name).begin_object();
  trader_counters_json(j, "trader", s.trader);
  j.key("venue_created").value(s.created).key("venue_amended").value(s.amended);
  j.key("rate_limit_rejects").value(s.rate_limit_rejects);
  if (live) j.key("limiter_held").value(s.venue_rate_limited).key("send_refused").value(s.venue_refused);
  j.end_object();
}

std::string result_json(const ParityResult& r) {
  JsonWriter j;
  j.begin_object();
  side_json(j, "backtest", r.backtest);
  side_json(j, "live", r.live);
  j.key("diff").begin_object();
  j.key("fills_pct").value(r.fills_pct).key("volume_pct").value(r.volume_pct);
  j.key("net_pnl_pct").value(r.net_pnl_pct).end_object();
  j.key("window_s").value(r.window_s).key("backtest_from_s").value(r.backtest_from_s);
  j.key("entry_latency_ns").value(r.entry_latency_ns).key("response_latency_ns").value(r.response_latency_ns);
  j.key("decision_p50_ns").value(r.decision_p50_ns);
  j.key("matched_fills").value(r.matched_fills).key("max_position_diff_lots").value(r.max_position_diff_lots);
  j.key("divergence").value(r.divergence);
  j.key("counters").begin_object();
  counters_json(j, "backtest", r.backtest, false);
  counters_json(j, "live", r.live, true);
  j.end_object();
  j.key("why").begin_array();
  for (const std::string& w : r.why) j.value(w);
  j.end_array().end_object();
  return j.str() + "\n";
}

std::string result_text(const ParityResult& r) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line,
                "window %.1f s (real time); backtest latency: entry %.0f us (of which the live decision "
                "%.0f us), response %.0f us\n",
                r.window_s, static_cast<double>(r.entry_latency_ns) / 1e3,
                static_cast<double>(r.decision_p50_ns) / 1e3,
                static_cast<double>(r.response_latency_ns) / 1e3);
  out += line;
  std::snprintf(line, sizeof line, "backtest from %.3f s of market time (0: the data's first record)\n",
                r.backtest_from_s);
  out += line;
  std::snprintf(line, sizeof line, "%-10s %8s %16s %14s %12s\n", "", "fills", "volume", "net_pnl", "fees");
  out += line;
  for (const auto& [name, s] : {std::pair{"backtest", &r.backtest}, std::pair{"live", &r.live}}) {
    std::snprintf(line, sizeof line, "%-10s %8llu %16.4f %14.6f %12.6f\n", name,
                  static_cast<unsigned long long>(s->fills), money(s->volume), money(s->net_pnl),
                  money(s->fees));
    out += line;
  }
  std::snprintf(line, sizeof line, "%-10s %7.2f%% %15.2f%% %13.2f%%\n", "diff", r.fills_pct, r.volume_pct,
                r.net_pnl_pct);
  out += line;
  std::snprintf(line, sizeof line, "position path: %llu leading fills equal, max |diff| %lld lots\n",
                static_cast<unsigned long long>(r.matched_fills),
                static_cast<long long>(r.max_position_diff_lots));
  out += line;
  out += "first divergence: " + (r.divergence.empty() ? std::string("none") : r.divergence) + "\n";
  for (const std::string& w : r.why) out += "why: " + w + "\n";
  return out;
}

void run(const Args& a) {
  auto fail = [](int code, const std::string& msg) {
    std::fprintf(stderr, "mm parity: %s\n", msg.c_str());
    set_exit_code(code);
  };
  if (::access(a.data.c_str(), R_OK) != 0 || std::filesystem::is_directory(a.data))
    return fail(kExitBadInput, "--data " + a.data + ": not a readable file");
  ParityOptions o;
  if (std::string e = load_config(a.config, o.config); !e.empty()) return fail(kExitBadInput, e);
  o.data = a.data;
  o.seconds = a.seconds;
  o.align_start = !a.no_start_align;
  o.model_decision = !a.no_decision_latency;
  o.align_feed = !a.no_feed_align;
  o.model_timer = !a.no_timer;
  char tmpl[] = "/tmp/mm-parity-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return fail(kExitFailed, "cannot create a folder under /tmp for the journal");
  o.work_dir = tmpl;
  ParityResult r;
  const std::string e = run_parity(o, r);
  std::error_code ec;
  std::filesystem::remove_all(o.work_dir, ec);
  if (!e.empty()) return fail(e.rfind("--data", 0) == 0 ? kExitBadInput : kExitFailed, e);
  const std::string out = a.json ? result_json(r) : result_text(r);
  std::fwrite(out.data(), 1, out.size(), stdout);
  const bool within = std::fabs(r.fills_pct) <= kFillsTargetPct && std::fabs(r.net_pnl_pct) <= kPnlTargetPct;
  if (!within)
    std::fprintf(stderr, "mm parity: outside the targets (fills within %.0f %%, net PnL within %.0f %%)\n",
                 kFillsTargetPct, kPnlTargetPct);
  set_exit_code(within ? kExitOk : kExitFailed);
}

}  // namespace

void register_parity(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "parity",
      "Run one strategy over one recording in the backtester and live against the simulator, compare");
  cmd->add_option("--config", a->config, "mm config (TOML): strategy, risk and [backtest] fill engine")
      ->required();
  cmd->add_option("--data", a->data, "Recording (raw capture, .events, mm gen output)")->required();
  cmd->add_flag("--json", a->json, "Print one JSON object: backtest, live, diff");
  cmd->add_option("--seconds", a->seconds,
                  "Compare only the first S seconds of the data (the live run takes S seconds of real "
                  "time); default 0: all of it")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  cmd->add_flag("--no-start-align", a->no_start_align,
                "Start the backtest at the data's first record instead of where the live node decided its "
                "first order (after its start-up)");
  cmd->add_flag(
      "--no-decision-latency", a->no_decision_latency,
      "Leave the live node's decision time (tick-to-quote p50) out of the backtest's entry latency");
  cmd->add_flag("--no-feed-align", a->no_feed_align,
                "Keep the config's feed model in the backtest (its exchange sees a record at its exchange "
                "time, before the trader) instead of the simulator's one time for both");
  cmd->add_flag("--no-timer", a->no_timer,
                "Decide in the backtest on market events only, not also every live.timer_ms as the live node "
                "does");
  cmd->footer(
      "Example: mm parity --config examples/fixed.toml --data ../shared/data/bybit/"
      "cryptofeed-BYBIT-2026-08-09.jsonl.zst --json\n"
      "Exit codes: 0 within the targets (fills 1 %, net PnL 2 %), 1 a target missed or a run failed, "
      "2 bad input.");
  cmd->callback([a]() { run(*a); });
}

}  // namespace mm::tools
