// `mm record`: the public streams of [venue] into mm capture files (runtime/recorder.h). Flag parsing and
// printing only. Contract:
//   mm record --config FILE --out FILE [--topics ...] [--rotate-mb N] [--duration S]
// Exit codes: 0 done (every file complete), 1 runtime failure (a file could not be written), 2 bad flags or
// config, or an --out that cannot be created (nothing recorded).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "runtime/recorder.h"
#include "tools/mm/commands.h"
#include "tools/mm/config.h"
#include "tools/mm/stop_signal.h"

namespace mm::tools {

void register_record(CLI::App& app) {
  struct Args {
    std::string config, out;
    std::vector<std::string> topics;
    double rotate_mb = 0;
    double duration_s = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd =
      app.add_subcommand("record", "Record the public streams of [venue] into mm capture files (.mmcap)");
  cmd->add_option("--config", a->config, "mm config (TOML): [venue], [sim], [market]")->required();
  cmd->add_option("--out", a->out, "Capture file to write; rotation adds .1, .2, ...")->required();
  cmd->add_option(
         "--topics", a->topics,
         "Topics (default: orderbook.50 publicTrade tickers of [market] symbol); the symbol is appended "
         "when absent, e.g. orderbook.200")
      ->expected(1, -1);
  cmd->add_option("--rotate-mb", a->rotate_mb, "Start a new file when one reaches N MiB (default: one file)")
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--duration", a->duration_s, "Stop after S seconds; default: until SIGINT/SIGTERM")
      ->check(CLI::Range(0.0, 1e9));
  cmd->footer(
      "Example: mm record --config examples/live_sim.toml --out /tmp/btc.mmcap --duration 60\n"
      "Exit codes: 0 done, 1 a file could not be written, 2 bad flags or config (nothing recorded).");
  cmd->callback([a]() {
    auto fail = [](int code, const std::string& msg) {
      std::fprintf(stderr, "mm record: %s\n", msg.c_str());
      set_exit_code(code);
    };
    RecordOptions o;
    if (std::string e = load_config(a->config, o.config); !e.empty()) return fail(2, e);
    for (const std::string& t : a->topics) {
      if (t.empty() || t.find_first_of(" \",") != std::string::npos) {
        return fail(2, "--topics: not a topic: '" + t + "'");
      }
    }
    if (a->rotate_mb > 0 && a->rotate_mb * 1048576.0 < 65536.0) {
      return fail(2, "--rotate-mb: at least 0.0625 (64 KiB), not " + std::to_string(a->rotate_mb));
    }
    o.out = a->out;
    o.topics = a->topics;
    o.rotate_bytes = static_cast<uint64_t>(a->rotate_mb * 1048576.0);
    o.duration_ns = static_cast<int64_t>(a->duration_s * 1e9);
    o.stop = install_stop_signals();
    Recorder rec(std::move(o));
    if (const LiveError e = rec.prepare(); e.code != 0) return fail(e.code, e.message);
    RecordSummary s;
    const LiveError r = rec.run(s);
    std::printf(
        "recorded %llu frames (%llu bytes) in %.1f s, %llu connection(s) (%llu reconnect(s)), %zu file(s):\n",
        static_cast<unsigned long long>(s.frames), static_cast<unsigned long long>(s.bytes), s.duration_s,
        static_cast<unsigned long long>(s.connections), static_cast<unsigned long long>(s.reconnects),
        s.files.size());
    for (const std::string& f : s.files) std::printf("  %s\n", f.c_str());
    if (r.code != 0) return fail(r.code, r.message);
    set_exit_code(kExitOk);
  });
}

}  // namespace mm::tools
