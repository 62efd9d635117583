// `mm convert IN OUT [--category C]`: any supported recording -> mm capture (.mmcap).
#include <cstdio>
#include <memory>
#include <string>

#include "sim/recording.h"
#include "tools/mm/commands.h"

namespace mm::tools {

void register_convert(CLI::App& app) {
  struct Args {
    std::string in, out, category = "linear";
    uint64_t max_bad = 1000;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "convert", "Convert a recording (cryptofeed .jsonl/.jsonl.zst, Bybit history .data/.zip) to mm capture");
  cmd->add_option("IN", a->in, "Input recording")->required()->check(CLI::ExistingFile);
  cmd->add_option("OUT", a->out, "Output mm capture file (conventionally .mmcap); overwritten")->required();
  cmd->add_option("--category", a->category, "Category of Bybit history input, which does not record it")
      ->check(CLI::IsMember({"linear", "inverse", "spot", "option"}));
  cmd->add_option("--max-bad-records", a->max_bad, "Give up after this many unreadable input records");
  cmd->callback([a]() {
    ConvertOptions o;
    parse_category(a->category, o.read.category);
    o.max_bad_records = a->max_bad;
    const ConvertResult r = convert_to_capture(a->in, a->out, o);
    std::printf("converted %llu frames from %s to %s (%llu errors)\n", static_cast<unsigned long long>(r.frames),
                a->in.c_str(), a->out.c_str(), static_cast<unsigned long long>(r.errors));
    if (!r.ok()) {
      std::fprintf(stderr, "mm convert: %s: %s\n", std::string(to_string(r.status)).c_str(), r.message.c_str());
      set_exit_code(r.status == ReadResult::kIo ? 1 : 2);
    }
  });
}

}  // namespace mm::tools
