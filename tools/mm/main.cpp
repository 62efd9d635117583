// The `mm` command: one executable, one subcommand per job. Each subcommand lives in its own file
// (tools/mm/<name>_command.cpp) and registers its options here.
//
// Exit codes, the same for every subcommand (README "Exit codes"): 0 ok, 1 failed mid-way (I/O error, a run
// that could not finish), 2 bad input (usage, flags, a missing or unreadable input file, a config or data
// error found before any work). CLI11's own codes (105 for a failed check, 106 for a missing option, ...)
// are folded into 2: scripts test one number.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "tools/mm/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"mm - low-latency Bybit V5 market maker and research tools"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mm 0.1.0");
  mm::tools::register_replay(app);
  mm::tools::register_convert(app);
  mm::tools::register_gen(app);
  mm::tools::register_backtest(app);
  mm::tools::register_optimize(app);
  mm::tools::register_sim(app);
  mm::tools::register_run(app);
  mm::tools::register_config(app);
  mm::tools::register_paper(app);
  mm::tools::register_record(app);
  mm::tools::register_faults(app);
  mm::tools::register_parity(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with code 0; every other parse or validation error is bad input.
    const int code = app.exit(e);
    return mm::tools::finish(code == 0 ? mm::tools::kExitOk : mm::tools::kExitBadInput);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mm: %s\n", e.what());
    return mm::tools::kExitFailed;
  }
  return mm::tools::finish(mm::tools::last_exit_code());
}
