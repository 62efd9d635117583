// `mm config check FILE [--instruments FILE]...`: validates a config the way mm run / mm replay read it (the
// same parser and checks; with --instruments, the checks against the instrument's tick and lot grid too) and
// prints every key with its resolved value, marking the defaults. Exit 0 valid, 2 invalid (the message names
// the file, line and key).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/decimal.h"
#include "core/instrument_registry.h"
#include "net/instruments_json.h"
#include "runtime/decision_path.h"
#include "sim/event_convert.h"
#include "tools/mm/commands.h"
#include "tools/mm/config.h"

namespace mm::tools {

namespace {

struct CheckArgs {
  std::string file;
  std::vector<std::string> instruments;
};

std::string decimal_text(int64_t units, int scale) {
  char buf[32];
  return std::string(buf, format_fixed(units, scale, 0, buf));
}

// An instruments-info response body (what GET /v5/market/instruments-info answers), else a recording holding
// one or a book to infer the grid from. Returns "" or an error naming the file.
std::string load_instruments(const std::string& path, InstrumentRegistry& registry) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string body = text.str();
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || body[first] != '{') {
    return scan_recording_instruments(path, RecordingOptions{}, registry);
  }
  const InstrumentsLoad r = load_instruments_json(body, registry);
  if (r.error != InstrumentsJsonError::kOk) {
    return path + ": not an instruments-info response (" + std::string(to_string(r.error)) + ")";
  }
  return "";
}

// The instrument's grid checks (risk quantities on the lot grid, quoter sizes, ...): the decision path that
// mm run builds refuses a config that does not fit. Returns "" or the message; `what` describes the grid.
std::string check_against_instruments(const CheckArgs& a, const MmConfig& cfg, std::string& what) {
  InstrumentRegistry registry;
  for (const std::string& path : a.instruments) {
    if (std::string e = load_instruments(path, registry); !e.empty()) return e;
  }
  const InstrumentId id = registry.find(cfg.category, cfg.symbol);
  if (id == kNoInstrument) {
    return a.file + ": market.symbol " + std::string(to_string(cfg.category)) + ":" + cfg.symbol +
           " is not an instrument of the --instruments files";
  }
  const Instrument& in = registry.get(id);
  what = std::string(to_string(in.category)) + " " + std::string(in.name()) + ": tick " +
         decimal_text(in.tick_units, in.price_scale) + ", lot " + decimal_text(in.lot_units, in.qty_scale) +
         (in.inferred ? " (inferred from a book, no instruments-info)" : "");
  std::string err;
  if (make_decision_path(cfg, registry, id, err) == nullptr) return a.file + ": " + err;
  return "";
}

void run_check(const CheckArgs& a) {
  auto cfg = std::make_unique<MmConfig>();
  std::vector<ResolvedKey> keys;
  if (std::string e = load_config(a.file, *cfg, &keys); !e.empty()) {
    std::fprintf(stderr, "mm config check: %s\n", e.c_str());
    set_exit_code(kExitBadInput);
    return;
  }
  std::string grid;
  if (!a.instruments.empty()) {
    if (std::string e = check_against_instruments(a, *cfg, grid); !e.empty()) {
      std::fprintf(stderr, "mm config check: %s\n", e.c_str());
      set_exit_code(kExitBadInput);
      return;
    }
  }
  std::printf("# %s: valid\n", a.file.c_str());
  if (grid.empty()) {
    std::printf(
        "# instrument grid not checked: give --instruments FILE (an instruments-info response or a "
        "recording holding one)\n");
  } else {
    std::printf("# instrument %s: the config fits its grid\n", grid.c_str());
  }
  std::printf("# every key read, with its resolved value; \"# default\" marks keys the file does not set\n");
  size_t width = 0;
  for (const ResolvedKey& k : keys) width = std::max(width, k.key.size() + 3 + k.value.size());
  for (const ResolvedKey& k : keys) {
    const std::string line = k.key + " = " + k.value;
    if (k.from_file) {
      std::printf("%s\n", line.c_str());
    } else {
      std::printf("%-*s  # default\n", static_cast<int>(width), line.c_str());
    }
  }
  set_exit_code(kExitOk);
}

}  // namespace

void register_config(CLI::App& app) {
  CLI::App* config = app.add_subcommand("config", "Configuration tools");
  config->require_subcommand(1);
  auto args = std::make_shared<CheckArgs>();
  CLI::App* check = config->add_subcommand(
      "check",
      "Validate a config as mm run would and print every key with its resolved value (defaults marked)");
  check->add_option("file", args->file, "The TOML config")->required()->check(CLI::ExistingFile);
  check
      ->add_option("--instruments", args->instruments,
                   "Instruments-info responses (JSON body) or recordings holding them: also check the config "
                   "against the instrument's tick and lot grid (default: none, the grid is not checked)")
      ->check(CLI::ExistingFile);
  check->footer(
      "Example: mm config check examples/glft.toml --instruments instruments.json\n"
      "Exit codes: 0 valid (every key printed with its resolved value, defaults marked); 2 invalid config or "
      "bad "
      "input (flags, missing values or files; the message names the file, line and key).");
  check->callback([args] { run_check(*args); });
}

}  // namespace mm::tools
