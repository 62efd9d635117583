// The `mm` command: one executable, one subcommand per job. Each subcommand lives in its own file
// (tools/mm/<name>_command.cpp) and registers its options here.
#include <CLI/CLI.hpp>

#include <cstdio>

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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return mm::tools::last_exit_code();
}
