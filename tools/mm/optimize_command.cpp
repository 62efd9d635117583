// `mm optimize --space FILE --data FILE... --trials N --seed K --out DIR [--objective NAME] [--jobs N]
// [--storage URL]`: the Optuna optimizer over the backtester. The optimizer is Python (Debian's python3-optuna,
// tools/optimize/); this command validates the flags, then replaces itself with /usr/bin/python3 running the
// script, with the directory of this executable on PYTHONPATH so that `import mmpy` finds the module built next
// to it. Debian's interpreter is named explicitly: another python3 earlier on PATH cannot see Debian's packages.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tools/mm/commands.h"

namespace mm::tools {
namespace {

std::string self_dir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

// The script in the source tree, found from this file's path. Ninja compiles it by a path relative to the
// build directory (../../tools/mm/...), which is the parent of this executable's directory
// (build/ci/tools/mm): resolved from there, not from the caller's working directory.
std::string default_script() {
  std::filesystem::path here(__FILE__);
  if (here.is_relative()) here = std::filesystem::path(self_dir()).parent_path() / here;
  return (here.parent_path().parent_path() / "optimize" / "mm_optimize.py").lexically_normal().string();
}

struct OptimizeArgs {
  std::string space, out, objective, storage, sampler, study;
  std::vector<std::string> data;
  int trials = 50;
  long long seed = 0;
  int jobs = 1;
  bool no_plots = false;
};

// Execs the interpreter; returns only on failure (the exit code to use).
int exec_optimizer(const OptimizeArgs& a) {
  const char* py_env = std::getenv("MM_PYTHON");
  const std::string python = py_env != nullptr && *py_env != '\0' ? py_env : "/usr/bin/python3";
  const char* script_env = std::getenv("MM_OPTIMIZE_SCRIPT");
  const std::string script = script_env != nullptr && *script_env != '\0' ? script_env : default_script();
  if (::access(python.c_str(), X_OK) != 0) {
    std::fprintf(stderr,
                 "mm optimize: %s not found or not executable (install Debian's python3, python3-optuna and "
                 "python3-tomli-w: tools/setup.sh)\n",
                 python.c_str());
    return 1;
  }
  if (::access(script.c_str(), R_OK) != 0) {
    std::fprintf(stderr, "mm optimize: optimizer script %s not found (set MM_OPTIMIZE_SCRIPT)\n", script.c_str());
    return 1;
  }
  std::string pythonpath = self_dir();
  if (const char* pp = std::getenv("PYTHONPATH"); pp != nullptr && *pp != '\0') pythonpath += ":" + std::string(pp);
  ::setenv("PYTHONPATH", pythonpath.c_str(), 1);

  std::vector<std::string> args = {python, script, "--space", a.space, "--data"};
  args.insert(args.end(), a.data.begin(), a.data.end());
  const std::vector<std::string> rest = {"--trials", std::to_string(a.trials), "--seed", std::to_string(a.seed),
                                         "--out",    a.out,                    "--jobs", std::to_string(a.jobs)};
  args.insert(args.end(), rest.begin(), rest.end());
  for (const auto& [flag, value] : {std::pair<const char*, const std::string*>{"--objective", &a.objective},
                                    {"--storage", &a.storage},
                                    {"--sampler", &a.sampler},
                                    {"--study", &a.study}}) {
    if (!value->empty()) {
      args.emplace_back(flag);
      args.push_back(*value);
    }
  }
  if (a.no_plots) args.emplace_back("--no-plots");
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  ::execv(python.c_str(), argv.data());
  std::fprintf(stderr, "mm optimize: cannot run %s: %s\n", python.c_str(), std::strerror(errno));
  return 1;
}

}  // namespace

void register_optimize(CLI::App& app) {
  auto a = std::make_shared<OptimizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "optimize",
      "Optimize strategy parameters with Optuna over the backtester (Python: /usr/bin/python3 + python3-optuna; "
      "docs/optimize.md)");
  cmd->add_option("--space", a->space,
                  "Search space TOML: base config, parameters by key path (float/int ranges, log, step, "
                  "categorical), objective, sampler, constraints, walk-forward windows")
      ->required();
  cmd->add_option("--data", a->data, "Recordings or .events files, loaded once and shared by every trial")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--trials", a->trials, "Trials this worker runs (per walk-forward window)")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "Sampler seed: with --jobs 1 and the default storage, same seed same trials")
      ->capture_default_str();
  cmd->add_option("--out", a->out,
                  "Output directory: best.toml (ready for mm backtest), trials.csv, summary.json, plots.html "
                  "(offline), study.db (SQLite, unless --storage)")
      ->required();
  cmd->add_option(
      "--objective", a->objective,
      "pnl | sharpe | sortino | calmar (maximized; also drawdown, fills); comma-separated names make a "
      "multi-objective study with a Pareto front, e.g. pnl,drawdown. Default: the space file's objective "
      "(itself default pnl)");
  cmd->add_option("--jobs", a->jobs, "Parallel trials (threads; the backtest releases the GIL)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--storage", a->storage,
                  "Optuna storage URL shared by several workers, e.g. postgresql://user:pw@host:5432/db "
                  "(default: sqlite:///OUT/study.db)");
  cmd->add_option("--sampler", a->sampler,
                  "tpe | random | grid | cmaes; overrides the space file. Default: the space file's sampler "
                  "(itself default tpe)");
  cmd->add_option("--study", a->study,
                  "Study name in the storage; overrides the space file. Default: the space file's study "
                  "(itself default the space file's name without .toml)");
  cmd->add_flag("--no-plots", a->no_plots, "Do not write plots.html (default: written)");
  cmd->footer(
      "Example: mm optimize --space examples/fixed_space.toml --data /tmp/gen.mmcap --trials 20 --seed 1 "
      "--out "
      "/tmp/opt\n"
      "Exit codes: 0 done; 1 a runtime failure (no /usr/bin/python3, optuna or mmpy missing, the storage "
      "unreachable, every trial failed, or no trial met the constraints); 2 bad input (a flag, missing "
      "values or "
      "files, the space file, the base config, a data path; nothing is written); 130 interrupted (Ctrl-C).");
  cmd->callback([a]() { set_exit_code(exec_optimizer(*a)); });
}

}  // namespace mm::tools
