// `mm replay FILE... [--category C] [--symbol S] [--top N] [--json] [--config F] [--layout L] [--idle I] [--cpus F,D,X]`
#include <cstdio>
#include <memory>

#include "core/atomic_file.h"
#include "tools/mm/commands.h"
#include "tools/mm/replay.h"

namespace mm::tools {

namespace {
int g_exit_code = 0;
}  // namespace

int last_exit_code() { return g_exit_code; }
void set_exit_code(int code) { g_exit_code = code; }

void register_replay(CLI::App& app) {
  auto opts = std::make_shared<ReplayOptions>();
  auto category = std::make_shared<std::string>();
  auto history_category = std::make_shared<std::string>("linear");
  auto json = std::make_shared<bool>(false);
  auto layout = std::make_shared<std::string>("one-thread");
  auto idle = std::make_shared<std::string>("backoff");
  auto cpus = std::make_shared<std::vector<int>>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Feed recorded Bybit frames through parse -> book and report counts, books, throughput and latency");
  cmd->add_option("files", opts->files,
                  "Recordings: mm capture (.mmcap), cryptofeed (.jsonl, .jsonl.zst), Bybit history (.data, .zip)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--category", *category, "Only this category: linear, inverse, spot or option")
      ->check(CLI::IsMember({"linear", "inverse", "spot", "option"}));
  cmd->add_option("--symbol", opts->symbol, "Only this symbol, e.g. BTCUSDT");
  cmd->add_option("--top", opts->top, "Levels per side printed for each book")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_flag("--json", *json, "Print one JSON object (keys documented in the README) instead of the table");
  cmd->add_option("--instruments", opts->instruments_files,
                  "Extra instruments-info responses (JSON body) or recordings holding them")
      ->check(CLI::ExistingFile);
  auto config = std::make_shared<std::string>();
  cmd->add_option(
         "--config", *config,
         "Run the decision path with this TOML config (strategy, quoter, risk) and report tick-to-quote")
      ->check(CLI::ExistingFile);
  cmd->add_option("--history-category", *history_category,
                  "Category of Bybit history files, which do not record it")
      ->check(CLI::IsMember({"linear", "inverse", "spot", "option"}))
      ->capture_default_str();
  cmd->add_option(
         "--layout", *layout,
         "one-thread: every stage on this thread; pipeline: feed | parse+book+strategy | dispatch on pinned "
         "threads joined by SPSC rings (without --config: feed | parse+book)")
      ->check(CLI::IsMember({"one-thread", "pipeline"}))
      ->capture_default_str();
  cmd->add_option("--idle", *idle,
                  "Pipeline threads with no work: backoff (spin, yield, then sleep), yield or spin")
      ->check(CLI::IsMember({"backoff", "yield", "spin"}))
      ->capture_default_str();
  cmd->add_option("--cpus", *cpus, "Pipeline CPUs of the feed, decision and dispatch threads (-1: not pinned)")
      ->delimiter(',')
      ->expected(3)
      ->check(CLI::Range(-1, 1023));
  cmd->add_option("--pace-ns", opts->pace_ns,
                  "Pipeline: release one frame per N ns, as a live feed would (latency without queueing)")
      ->check(CLI::Range(int64_t{0}, int64_t{1'000'000'000}))
      ->capture_default_str();
  cmd->footer(
      "Example: mm replay ../shared/data/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst --config "
      "examples/fixed.toml "
      "--json\n"
      "Exit codes: 0 ok; 1 a reader failed mid-way (the report covers what was read); 2 bad input (flags, "
      "missing "
      "values or files, config).");
  cmd->callback([opts, config, category, history_category, json, layout, idle, cpus]() {
    opts->layout = *layout == "pipeline" ? ReplayLayout::kPipeline : ReplayLayout::kOneThread;
    opts->idle = *idle == "yield" ? PipelineIdle::kYield : *idle == "spin" ? PipelineIdle::kBusySpin : PipelineIdle::kBackOff;
    if (cpus->size() == 3) opts->cpus = {(*cpus)[0], (*cpus)[1], (*cpus)[2]};
    if (!category->empty()) {
      Category c = Category::kLinear;
      parse_category(*category, c);
      opts->category = c;
    }
    parse_category(*history_category, opts->history_category);
    for (size_t i = 0; i < opts->files.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (opts->files[i] == opts->files[j] || same_file(opts->files[i], opts->files[j])) {
          std::fprintf(stderr,
                       "mm replay: %s: given twice (also as %s); its frames would be replayed twice\n",
                       opts->files[i].c_str(), opts->files[j].c_str());
          set_exit_code(kExitBadInput);
          return;
        }
      }
    }
    if (!config->empty()) {
      if (std::string err = load_replay_config(*config, *opts); !err.empty()) {
        std::fprintf(stderr, "mm replay: %s\n", err.c_str());
        set_exit_code(2);
        return;
      }
    }
    Replayer r(*opts);
    if (std::string err = r.prepare(); !err.empty()) {
      std::fprintf(stderr, "mm replay: %s\n", err.c_str());
      set_exit_code(2);
      return;
    }
    if (!r.layout_warning().empty())
      std::fprintf(stderr, "mm replay: warning: %s\n", r.layout_warning().c_str());
    const std::string err = r.run();
    const std::string report = *json ? replay_json_report(r) : replay_text_report(r);
    std::fwrite(report.data(), 1, report.size(), stdout);
    for (const std::string& w : replay_warnings(r))
      std::fprintf(stderr, "mm replay: warning: %s\n", w.c_str());
    if (!err.empty()) {
      std::fprintf(stderr, "mm replay: %s\n", err.c_str());
      set_exit_code(1);
    }
  });
}

}  // namespace mm::tools
