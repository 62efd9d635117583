// libFuzzer harness: the config loader (tools/mm/config.h parse_config) over any text, the same parser and
// validation `mm run`, `mm backtest` and `mm config check` use. Its contract: one error message or a config
// that passed every check, never a crash, a hang or an exception (the header says it never throws: an
// exception escaping would end the run as a crash). On success the listing of resolved keys is made too, as
// `mm config check` prints it (every key, defaults included, so never empty).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/mm/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mm::MmConfig config;
  std::vector<mm::tools::ResolvedKey> listing;
  const std::string error = mm::tools::parse_config(text, "fuzz.toml", config, &listing);
  // An error names what failed; a success read at least the keys the text set.
  if (error.empty() && listing.empty()) __builtin_trap();
  return 0;
}
