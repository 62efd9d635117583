#pragma once
// Registration of the `mm` subcommands. Each register_* adds a subcommand with its options and a callback that
// runs the job and stores the process exit code (0 ok, 1 runtime failure, 2 bad input).
#include <CLI/CLI.hpp>

namespace mm::tools {

void register_replay(CLI::App& app);
void register_convert(CLI::App& app);
void register_gen(CLI::App& app);
void register_backtest(CLI::App& app);
void register_optimize(CLI::App& app);
void register_sim(CLI::App& app);

// Exit code of the subcommand that ran.
int last_exit_code();
void set_exit_code(int code);

}  // namespace mm::tools
