// `mm convert IN OUT [--to events|mmcap] [--category C] [--symbol S]... [--from-ns T] [--to-ns T]
//                    [--instruments F]... [--max-bad-records N]`:
// any supported recording -> mm capture (.mmcap) or normalized events (.events, sim/event_file.h).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "sim/event_convert.h"
#include "sim/recording.h"
#include "tools/mm/commands.h"

namespace mm::tools {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct Args {
  std::string in, out, category = "linear", to;
  std::vector<std::string> symbols, instruments;
  int64_t from_ns = kNoTimeLimitLow, to_ns = kNoTimeLimitHigh;
  uint64_t max_bad = 1000;
};

void run_capture(const Args& a) {
  ConvertOptions o;
  parse_category(a.category, o.read.category);
  o.max_bad_records = a.max_bad;
  const ConvertResult r = convert_to_capture(a.in, a.out, o);
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
  const EventConvertResult r = convert_to_events(a.in, a.out, o);
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
                  "link); its extension picks the format unless --to is given (.events: events, "
                  "anything else: mm capture)")
      ->required();
  cmd->add_option("--to", a->to, "Output format, overriding OUT's extension")
      ->check(CLI::IsMember({"events", "mmcap"}));
  cmd->add_option("--category", a->category, "Category of Bybit history input, which does not record it")
      ->check(CLI::IsMember({"linear", "inverse", "spot", "option"}))
      ->capture_default_str();
  cmd->add_option("--symbol", a->symbols, "Events output: keep only this symbol (repeatable; all categories)")
      ->allow_extra_args(false);
  cmd->add_option("--from-ns", a->from_ns, "Events output: keep records with local time >= T (ns since the epoch)");
  cmd->add_option("--to-ns", a->to_ns, "Events output: keep records with local time < T (ns since the epoch)");
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
      "--symbol BTCUSDT\n"
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
    const bool events = a->to.empty() ? ends_with(a->out, ".events") : a->to == "events";
    if (!events && (!a->symbols.empty() || !a->instruments.empty() || a->from_ns != kNoTimeLimitLow ||
                    a->to_ns != kNoTimeLimitHigh)) {
      std::fprintf(stderr, "mm convert: --symbol, --from-ns, --to-ns and --instruments apply to events output only "
                           "(OUT ending in .events, or --to events)\n");
      set_exit_code(2);
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
