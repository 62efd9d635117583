// `mm gen --symbol S --seconds N --seed K --out FILE`: seeded synthetic market in Bybit's wire format, as an
// mm capture. The file starts with an instruments-info response for the symbol, so replay and backtest know
// its grid without any other input.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>

#include "core/atomic_file.h"

#include "tools/mm/commands.h"
#include "tools/mm/gen.h"
#include "tools/mm/progress.h"

namespace mm::tools {

void register_gen(CLI::App& app) {
  struct Args {
    GenParams p;
    std::string out, category = "linear", seed = "1";
  };
  auto a = std::make_shared<Args>();
  a->p.vol_ticks_per_sqrt_second = kGenDefaultVolTicks;  // realistic for BTC (gen.h says why)
  CLI::App* cmd = app.add_subcommand(
      "gen", "Write a seeded synthetic Bybit market (orderbook.200 snapshot + deltas, publicTrade) as mm capture");
  cmd->add_option("--symbol", a->p.symbol, "Symbol, e.g. BTCUSDT")->capture_default_str();
  cmd->add_option("--seconds", a->p.seconds, "Stream length in seconds")
      ->required()
      ->check(CLI::Range(int64_t{0}, kMaxGenSeconds));
  // Read as text and converted here: a seed that is not a whole number in [0, 2^64) is an error, never a
  // silently different seed.
  cmd->add_option("--seed", a->seed,
                  "PRNG seed, an integer in [0, 18446744073709551615]: same seed, same bytes")
      ->capture_default_str();
  cmd->add_option("--out", a->out, "Output mm capture file (replaced atomically when complete)")->required();
  cmd->add_option("--category", a->category, "Category named in the connection URL")
      ->check(CLI::IsMember({"linear", "inverse", "spot", "option"}))
      ->capture_default_str();
  cmd->add_option("--tick", a->p.tick, "tickSize")->capture_default_str();
  cmd->add_option("--qty-step", a->p.qty_step, "qtyStep")->capture_default_str();
  cmd->add_option("--start-price", a->p.start_price, "First best bid (on the tick grid)")->capture_default_str();
  cmd->add_option("--depth", a->p.depth, "Published depth (topic orderbook.{depth})")->capture_default_str();
  cmd->add_option("--delta-ms", a->p.delta_interval_ms, "Milliseconds between deltas, 2 to 3600000")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{2}, kMaxGenDeltaMs));
  cmd->add_option("--trades-per-second", a->p.trades_per_second,
                  "Mean random taker trades per second, 0 to 1e6")
      ->capture_default_str()
      ->check(CLI::Range(0.0, kMaxGenRate));
  cmd->add_option("--vol", a->p.vol_ticks_per_sqrt_second,
                  "Volatility of the fair price, ticks per sqrt(second), 0 to 1e5")
      ->capture_default_str()
      ->check(CLI::Range(0.0, kMaxGenVol));
  cmd->footer(
      "Example: mm gen --seconds 3600 --seed 7 --out /tmp/gen.mmcap\n"
      "Exit codes: 0 ok; 1 the output could not be written; 2 bad input (flags, missing values, values out "
      "of range; the output path is left as it was).");
  cmd->callback([a]() {
    const char* first = a->seed.data();
    const char* last = first + a->seed.size();
    const auto [end, ec] = std::from_chars(first, last, a->p.seed);
    if (a->seed.empty() || ec != std::errc() || end != last) {
      std::fprintf(stderr, "mm gen: --seed '%s' is not an integer in [0, 18446744073709551615]\n",
                   a->seed.c_str());
      set_exit_code(kExitBadInput);
      return;
    }
    if (std::string e = check_output_path(a->out); !e.empty()) {
      std::fprintf(stderr, "mm gen: %s\n", e.c_str());
      set_exit_code(kExitBadInput);
      return;
    }
    parse_category(a->category, a->p.category);
    // A progress bar on stderr when it is a terminal (mm gen prints no JSON); nothing in a pipe or a log.
    Progress bar(progress_wanted(false), "deltas");
    a->p.progress = [&bar](int64_t done, int64_t total) {
      bar.update(static_cast<uint64_t>(done), static_cast<uint64_t>(total));
    };
    const GenResult r = write_synthetic_capture(a->p, a->out);
    bar.finish();
    a->p.progress = nullptr;
    if (r.status != CaptureError::kOk) {
      std::fprintf(stderr, "mm gen: %s\n", r.message.c_str());
      set_exit_code(r.status == CaptureError::kInvalid ? kExitBadInput : kExitFailed);
      return;
    }
    std::printf("wrote %s: %llu frames (%llu deltas, %llu trade messages, %llu prints)\n",
                a->out.c_str(), static_cast<unsigned long long>(r.frames), static_cast<unsigned long long>(r.deltas),
                static_cast<unsigned long long>(r.trade_messages), static_cast<unsigned long long>(r.trade_prints));
  });
}

}  // namespace mm::tools
