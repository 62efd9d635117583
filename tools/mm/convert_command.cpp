// `mm convert IN OUT [--format events|mmcap] [--category C] [--symbol S]... [--from T] [--to T]
//                    [--instruments F]... [--max-bad-records N]`:
// any supported recording -> mm capture (.mmcap) or normalized events (.events, sim/event_file.h).
// The window is spelled as in `mm backtest` (tools/mm/time_arg.h); the spellings of earlier versions
// (`--to events|mmcap` for the format, `--from-ns`/`--to-ns`) are refused with the new one named.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "sim/event_convert.h"
#include "sim/recording.h"
#include "tools/mm/commands.h"
#include "tools/mm/progress.h"
#include "tools/mm/time_arg.h"

namespace mm::tools {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct Args {
  std::string in, out, category = "linear", format, from, to;
  std::vector<std::string> symbols, instruments;
  int64_t from_ns = kNoTimeLimitLow, to_ns = kNoTimeLimitHigh;  // from --from/--to
  std::string old_from_ns, old_to_ns;                           // refused spellings (hidden)
  uint64_t max_bad = 1000;
};

// Empty when the arguments name a valid window (set into a), else the message to print.
std::string check_window(Args& a) {
  if (!a.old_from_ns.empty() || !a.old_to_ns.empty())
    return "--from-ns/--to-ns are now --from/--to, as in mm backtest (ISO time such as 2026-08-09T21:27:00Z, "
           "or "
           "ms or ns since the epoch: a nanosecond value works unchanged)";
  if (a.to == "events" || a.to == "mmcap")
    return "--to is now the end of the time window, as in mm backtest; the output format is --format " + a.to;
  std::string error;
  if (!parse_time_window(a.from, a.to, a.from_ns, a.to_ns, error)) return error;
  return "";
}

// The bar counts the input's bytes read (KiB) against its size, drawn only on a terminal (progress.h).
std::function<void(uint64_t, uint64_t)> bar_callback(Progress& bar) {
  return
      [&bar](uint64_t done, uint64_t total) { bar.update(done >> 10, std::max<uint64_t>(total >> 10, 1)); };
}

void run_capture(const Args& a) {
  ConvertOptions o;
  parse_category(a.category, o.read.category);
  o.max_bad_records = a.max_bad;
  Progress bar(progress_wanted(false), "KiB");
  o.progress = bar_callback(bar);
  const ConvertResult r = convert_to_capture(a.in, a.out, o);
  bar.finish();
  std::printf("converted %llu frames from %s to %s (%llu errors)\n", static_cast<unsigned long long>(r.frames),
              a.in.c_str(), a.out.c_str(), static_cast<unsigned long long>(r.errors));
  if (!r.ok()) {
    std::fprintf(stderr, "mm convert: %s: %s\n", std::string(to_string(r.status)).c_str(), r.message.c_str());
    set_exit_code(r.status == ReadResult::kIo ? 1 : 2);
  }
}

void run_events(const Args& a) {
  EventConvertOptions o;
  parse_category(a.category, o.read.category);
  o.max_bad_records = a.max_bad;
  o.symbols = a.symbols;
  o.instrument_files = a.instruments;
  o.from_ns = a.from_ns;
  o.to_ns = a.to_ns;
  Progress bar(progress_wanted(false), "KiB");
  o.progress = bar_callback(bar);
  const EventConvertResult r = convert_to_events(a.in, a.out, o);
  bar.finish();
  if (r.selected_nothing) {
    std::fprintf(stderr, "mm convert: %s\n", r.message.c_str());
    set_exit_code(kExitBadInput);
    return;
  }
  const bool written = r.status == ReadResult::kOk || r.status == ReadResult::kTruncated;
  const uint64_t skipped = r.stats.kinds[static_cast<size_t>(MsgKind::kKline)] +
                           r.stats.kinds[static_cast<size_t>(MsgKind::kLiquidation)];
  // Skipped frames are counted by reason as `mm replay` counts them (JSON "skipped"), never as parse errors.
  std::printf(
      "%s %llu records (%s) from %llu frames of %s to %s; %llu parse errors, %llu unreadable records, "
      "skipped: unknown_instrument %llu, unsupported_topic %llu, %llu other frames; %llu records "
      "filtered\n",
      written ? "converted" : "failed after", static_cast<unsigned long long>(r.stats.total_records()),
      format_record_counts(r.stats).c_str(), static_cast<unsigned long long>(r.stats.frames), a.in.c_str(),
      written ? a.out.c_str() : "(no output)", static_cast<unsigned long long>(r.stats.parse_errors),
      static_cast<unsigned long long>(r.stats.read_errors),
      static_cast<unsigned long long>(r.stats.unknown_instrument),
      static_cast<unsigned long long>(r.stats.unsupported_topic()), static_cast<unsigned long long>(skipped),
      static_cast<unsigned long long>(r.stats.filtered));
  if (!r.ok()) {
    std::string msg = r.message;
    if (r.status == ReadResult::kOk) msg += " (output written; the records of these frames are missing)";
    if (r.status == ReadResult::kTruncated) msg += " (output holds every complete frame before the cut)";
    if (!written) msg += " (no output written)";
    std::fprintf(stderr, "mm convert: %s: %s\n", std::string(to_string(r.status)).c_str(), msg.c_str());
    set_exit_code(r.status == ReadResult::kIo ? 1 : 2);
  }
}

}  // namespace

void register_convert(CLI::App& app) {
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "convert",
      "Convert a recording (mm capture, cryptofeed .jsonl/.jsonl.zst, Bybit history .data/.zip) to mm capture "
      "(.mmcap) or to normalized backtest events (.events)");
  cmd->add_option("IN", a->in, "Input recording")->required()->check(CLI::ExistingFile);
  cmd->add_option("OUT", a->out,
                  "Output file, replaced atomically when complete (never an input, a device or a "
                  "link); its extension picks the format unless --format is given (.events: events, "
                  "anything else: mm capture)")
      ->required();
  cmd->add_option("--format", a->format, "Output format, overriding OUT's extension")
      ->check(CLI::IsMember({"events", "mmcap"}));
  cmd->add_option("--category", a->category, "Category of Bybit history input, which does not record it")
      ->check(CLI::IsMember({"linear", "inverse", "spot", "option"}))
      ->capture_default_str();
  cmd->add_option("--symbol", a->symbols, "Events output: keep only this symbol (repeatable; all categories)")
      ->allow_extra_args(false);
  cmd->add_option("--from", a->from,
                  "Events output: keep records received at or after T: 2026-08-09T12:00:00Z, 2026-08-09, or "
                  "ms/ns since the epoch");
  cmd->add_option("--to", a->to,
                  "Events output: keep records received before T (exclusive), same formats as --from");
  cmd->add_option("--from-ns", a->old_from_ns)->group("");  // renamed --from: refused with a hint
  cmd->add_option("--to-ns", a->old_to_ns)->group("");
  cmd->add_option("--instruments", a->instruments,
                  "Events output: recording to take instruments-info from first (repeatable), e.g. for a Bybit "
                  "history file whose grid would otherwise be inferred")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  cmd->add_option("--max-bad-records", a->max_bad, "Give up after this many unreadable input records")
      ->check(CLI::NonNegativeNumber)  // checked on the text: "-1" must not wrap to 2^64 - 1
      ->capture_default_str();
  cmd->footer(
      "Example: mm convert ../shared/data/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst /tmp/btc.events "
      "--symbol BTCUSDT --from 2026-08-09T21:27:00Z --to 2026-08-09T21:27:30Z\n"
      "Exit codes: 0 ok; 1 failed mid-way (a truncated input: every complete record converted; an output "
      "that could not be written); 2 bad input (flags, missing values or files, parse errors, a --symbol or "
      "window that selects nothing).");
  cmd->callback([a]() {
    // Before anything is opened for writing: OUT must not be an input (same device and inode, through
    // links), and must be a regular file or a new name.
    std::vector<std::string> inputs = a->instruments;
    inputs.push_back(a->in);
    std::string bad = check_output_not_input(a->out, inputs);
    if (bad.empty()) bad = check_output_path(a->out);
    if (!bad.empty()) {
      std::fprintf(stderr, "mm convert: %s\n", bad.c_str());
      set_exit_code(kExitBadInput);
      return;
    }
    if (bad = check_window(*a); !bad.empty()) {
      std::fprintf(stderr, "mm convert: %s\n", bad.c_str());
      set_exit_code(kExitBadInput);
      return;
    }
    const bool events = a->format.empty() ? ends_with(a->out, ".events") : a->format == "events";
    if (!events && (!a->symbols.empty() || !a->instruments.empty() || !a->from.empty() || !a->to.empty())) {
      std::fprintf(stderr,
                   "mm convert: --symbol, --from, --to and --instruments apply to events output only "
                   "(OUT ending in .events, or --format events)\n");
      set_exit_code(kExitBadInput);
      return;
    }
    if (events) {
      run_events(*a);
    } else {
      run_capture(*a);
    }
  });
}

}  // namespace mm::tools
