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
void register_run(CLI::App& app);
void register_config(CLI::App& app);
void register_paper(CLI::App& app);
void register_record(CLI::App& app);
void register_faults(CLI::App& app);
void register_parity(CLI::App& app);

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // failed mid-way: I/O error, a run that could not finish
inline constexpr int kExitBadInput = 2;  // usage, flags, missing/unreadable inputs, invalid config or data

// Exit code of the subcommand that ran.
int last_exit_code();
void set_exit_code(int code);

// The process exit code: `code`, or kExitFailed when stdout cannot be flushed and closed (a full disk or a
// closed pipe behind `> FILE`: output was lost, which must not look like success). Prints why on stderr.
int finish(int code);

}  // namespace mm::tools
