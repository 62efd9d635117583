// `mm backtest --config FILE --data FILE... [--from T --to T] [--json OUT] [--report OUT.html] [--export
// DIR]` Loads the data once (.events files are mapped; raw recordings converted in memory), runs the
// configured strategy through Trader<SimVenue, Strategy>, prints a summary table on stdout, and writes the
// JSON statistics, the HTML report and the CSV series (sim/backtest_export.h) when asked. A progress bar
// (tools/mm/progress.h) goes to stderr when stderr is a terminal and --json is not given.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "sim/backtest_export.h"
#include "sim/event_data.h"
#include "sim/report.h"
#include "tools/mm/backtest.h"
#include "tools/mm/commands.h"
#include "tools/mm/config.h"
#include "tools/mm/progress.h"
#include "tools/mm/time_arg.h"

namespace mm::tools {

namespace {

// "" when DIR can receive the export: an existing writable directory, or a new name in one. Checked before
// the run, so that a bad DIR costs nothing.
std::string check_export_dir(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return "--export " + dir + ": not a directory";
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      return "--export " + dir + ": not writable (" + std::strerror(errno) + ")";
    }
    return "";
  }
  if (errno != ENOENT) return "--export " + dir + ": " + std::strerror(errno);
  const size_t slash = dir.find_last_of('/');
  const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : dir.substr(0, slash);
  if (::stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return "--export " + dir + ": its parent directory " + parent + " does not exist";
  }
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    return "--export " + dir + ": cannot be created in " + parent + " (" + std::strerror(errno) + ")";
  }
  return "";
}

// Writes the CSV files into DIR (created when new). Every file is opened (a fresh temporary next to it)
// before any is written, and committed only when all are complete: an error leaves every target as it was
// (only a failing rename after the first could leave some files new; the message names the file).
std::string write_export(const std::string& dir, const BacktestSeries& series) {
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
    return "--export " + dir + ": cannot create it (" + std::strerror(errno) + ")";
  }
  const std::vector<ExportFile> files = export_csv(series);
  std::vector<std::unique_ptr<AtomicFile>> out;
  for (const ExportFile& f : files) {
    out.push_back(std::make_unique<AtomicFile>());
    if (!out.back()->open(dir + "/" + f.name)) return "--export " + dir + ": " + out.back()->error();
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (!out[i]->write(files[i].text)) return "--export " + dir + ": " + out[i]->error();
  }
  for (const auto& f : out) {
    if (!f->commit()) return "--export " + dir + ": " + f->error();
  }
  return "";
}

// Faults of the data that change what the strategy could do, one line each (the JSON `run` object counts
// them): gaps in the traded book's u (the book is untrusted, nothing quoted, until the next snapshot) and
// crossed books.
std::vector<std::string> backtest_data_warnings(const BacktestRun& run, const MmConfig& cfg) {
  std::vector<std::string> out;
  const std::string book = std::string(to_string(cfg.category)) + ":" + cfg.symbol;
  if (run.sequence_gaps > 0) {
    out.push_back(book + ": " + std::to_string(run.sequence_gaps) + " sequence gap" +
                  (run.sequence_gaps == 1 ? "" : "s") +
                  " in the book's u (run.sequence_gaps): the book was untrusted and nothing was quoted until "
                  "the next snapshot (" +
                  std::to_string(run.resyncs) +
                  " regained trust); the data misses "
                  "messages");
  }
  if (run.crossed_books > 0) {
    out.push_back(book + ": the book was crossed " + std::to_string(run.crossed_books) + " time" +
                  (run.crossed_books == 1 ? "" : "s") +
                  " (best bid >= best ask; run.crossed_books): no quote on a crossed book");
  }
  return out;
}

}  // namespace

void register_backtest(CLI::App& app) {
  struct Args {
    std::string config, json_out, report_out, export_dir, from, to, category = "linear";
    std::vector<std::string> data;
    bool quiet = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "backtest", "Run the configured strategy over recorded data through the simulated venue (fill engine, "
                  "latency, fees, funding) and report statistics");
  cmd->add_option("--config", a->config, "TOML config (examples/*.toml; [backtest] table: docs/config.md)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", a->data,
                  "Data files: .events (mm convert), mm capture, cryptofeed .jsonl[.zst], Bybit history .data/.zip")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--from", a->from,
                  "Start of the window (local time): 2026-08-09T12:00:00Z, 2026-08-09, or ns/ms since the epoch");
  cmd->add_option("--to", a->to, "End of the window (exclusive), same formats as --from");
  cmd->add_option("--json", a->json_out, "Write {\"stats\": ..., \"run\": ...} to this file ('-' for stdout)");
  cmd->add_option("--report", a->report_out,
                  "Write the self-contained HTML report to this file ('-' for stdout)");
  cmd->add_option("--export", a->export_dir,
                  "Write fills.csv, orders.csv, equity.csv and position.csv into this directory (created if "
                  "new; columns and units: docs/backtest.md)");
  cmd->add_option("--history-category", a->category,
                  "Category of Bybit history files, which do not record it")
      ->check(CLI::IsMember({"linear", "inverse", "spot", "option"}))
      ->capture_default_str();
  cmd->add_flag("--quiet", a->quiet, "No summary table on stdout");
  cmd->footer(
      "Example: mm backtest --config examples/fixed.toml --data /tmp/gen.mmcap --json /tmp/bt.json --report "
      "/tmp/bt.html --export /tmp/bt\n"
      "Exit codes: 0 ok; 1 a data file could not be read, or an output could not be written; 2 bad input "
      "(flags, missing values or files, config, a window with no data, a book never usable, an --export DIR "
      "that is not a writable directory).");
  cmd->callback([a]() {
    // Outputs are checked before any work: never an input (through links), only regular files or new names,
    // and at most one of them on stdout.
    if (a->json_out == "-" && a->report_out == "-") {
      std::fprintf(stderr,
                   "mm backtest: --json - and --report - would both write to stdout; give one a file\n");
      set_exit_code(kExitBadInput);
      return;
    }
    std::vector<std::string> inputs = a->data;
    inputs.push_back(a->config);
    for (const std::string* out : {&a->json_out, &a->report_out}) {
      if (out->empty() || *out == "-") continue;
      std::string bad = check_output_not_input(*out, inputs);
      if (bad.empty()) bad = check_output_path(*out);
      if (!bad.empty()) {
        std::fprintf(stderr, "mm backtest: %s\n", bad.c_str());
        set_exit_code(kExitBadInput);
        return;
      }
    }
    if (!a->export_dir.empty()) {
      if (std::string bad = check_export_dir(a->export_dir); !bad.empty()) {
        std::fprintf(stderr, "mm backtest: %s\n", bad.c_str());
        set_exit_code(kExitBadInput);
        return;
      }
      for (const char* name : kExportFileNames) {
        const std::string target = a->export_dir + "/" + name;
        std::string bad = check_output_not_input(target, inputs);
        if (bad.empty()) bad = check_output_path(target);
        if (!bad.empty() && ::access(a->export_dir.c_str(), F_OK) == 0) {
          std::fprintf(stderr, "mm backtest: --export %s: %s\n", a->export_dir.c_str(), bad.c_str());
          set_exit_code(kExitBadInput);
          return;
        }
      }
    }
    MmConfig cfg;
    if (std::string e = load_config(a->config, cfg); !e.empty()) {
      std::fprintf(stderr, "mm backtest: %s\n", e.c_str());
      set_exit_code(2);
      return;
    }
    int64_t from_ns = kNoTimeLimitLow, to_ns = kNoTimeLimitHigh;
    std::string terr;
    if (!parse_time_window(a->from, a->to, from_ns, to_ns, terr)) {
      std::fprintf(stderr, "mm backtest: %s\n", terr.c_str());
      set_exit_code(2);
      return;
    }
    EventLoadOptions lo;
    parse_category(a->category, lo.read.category);
    lo.symbols = {cfg.symbol};
    EventData data;
    std::string error;
    if (const EventDataError e = load_event_data(a->data, lo, data, error); e != EventDataError::kOk) {
      std::fprintf(stderr, "mm backtest: %s\n", error.c_str());
      set_exit_code(e == EventDataError::kRecording || e == EventDataError::kEventFile ? 1 : 2);
      return;
    }
    // The instrument scan's notes: a refused instruments-info entry (symbol and field), an inferred grid.
    for (const std::string& n : data.notes()) std::fprintf(stderr, "mm backtest: note: %s\n", n.c_str());
    // stderr only, and not with --json (a caller parsing output gets nothing extra).
    Progress bar(progress_wanted(!a->json_out.empty()), "events");
    auto run = std::make_unique<BacktestRun>();
    run->record_orders = !a->export_dir.empty();
    run->record_trades = !a->report_out.empty();
    error = run_backtest_job(cfg, data, from_ns, to_ns, *run,
                             [&bar](uint64_t done, uint64_t total) { bar.update(done, total); });
    bar.finish();
    if (!error.empty()) {
      std::fprintf(stderr, "mm backtest: %s\n", error.c_str());
      set_exit_code(2);
      return;
    }
    if (run->events > 0 && run->stats.orders_created == 0) {
      // A config that can never quote (a size no venue accepts, a spread no price fits) used to end with exit
      // 0 and an empty table; the JSON's orders_created says 0, and this says why it matters.
      std::fprintf(
          stderr,
          "mm backtest: warning: the strategy sent no order over %llu events (check order sizes, spreads "
          "and risk limits of %s)\n",
          static_cast<unsigned long long>(run->events), a->config.c_str());
    }
    for (const std::string& w : backtest_data_warnings(*run, cfg)) {
      std::fprintf(stderr, "mm backtest: warning: %s\n", w.c_str());
    }
    if (!a->quiet) {
      // With `--json -` or `--report -` stdout carries that output alone (for pipes), so the table goes to
      // stderr.
      FILE* table = a->json_out == "-" || a->report_out == "-" ? stderr : stdout;
      std::fprintf(table, "mm backtest: %s %s, strategy %s, %llu events in %.3f s (%.2f M events/s)\n",
                   std::string(to_string(cfg.category)).c_str(), cfg.symbol.c_str(),
                   std::string(to_string(cfg.strategy)).c_str(), static_cast<unsigned long long>(run->events),
                   run->wall_s, run->events_per_s / 1e6);
      if (run->modelled_receive_times > 0) {
        char lat[64] = "a draw from [backtest] feed_latency_file";
        if (run->feed_latency_ns >= 0) {
          std::snprintf(lat, sizeof lat, "%g ms", static_cast<double>(run->feed_latency_ns) / 1e6);
        }
        std::fprintf(
            table,
            "note: %llu messages had no receive time (Bybit history files, or feed_time = \"model\"): "
            "received at exchange time + %s ([backtest] feed_latency_ns)\n",
            static_cast<unsigned long long>(run->modelled_receive_times), lat);
      }
      if (run->initial_book_levels > 0) {
        std::fprintf(table,
                     "note: the window starts after the data: the book (%llu levels) was rebuilt from the "
                     "records before it; the strategy starts fresh\n",
                     static_cast<unsigned long long>(run->initial_book_levels));
      }
      std::fputs(format_stats_table(run->stats).c_str(), table);
    }
    const std::string json = backtest_json(*run);
    if (a->json_out == "-") {
      std::printf("%s\n", json.c_str());
    } else if (!a->json_out.empty()) {
      if (std::string e = write_file_atomically(a->json_out, json + "\n"); !e.empty()) {
        std::fprintf(stderr, "mm backtest: %s\n", e.c_str());
        set_exit_code(1);
        return;
      }
    }
    if (!a->export_dir.empty()) {
      if (std::string e = write_export(a->export_dir, run->series); !e.empty()) {
        std::fprintf(stderr, "mm backtest: %s\n", e.c_str());
        set_exit_code(1);
        return;
      }
    }
    if (!a->report_out.empty()) {
      ReportOptions ro;
      ro.title = "mm backtest: " + cfg.symbol + " (" + std::string(to_string(cfg.strategy)) + ")";
      std::ifstream cf(a->config, std::ios::binary);
      ro.config_text.assign(std::istreambuf_iterator<char>(cf), std::istreambuf_iterator<char>());
      const std::string html = render_report_html(run->series, run->stats, ro);
      if (a->report_out == "-") {
        std::fwrite(html.data(), 1, html.size(), stdout);
      } else if (std::string e = write_file_atomically(a->report_out, html); !e.empty()) {
        std::fprintf(stderr, "mm backtest: %s\n", e.c_str());
        set_exit_code(1);
        return;
      }
    }
  });
}

}  // namespace mm::tools
