#pragma once
// `mm replay`'s side of the replay harness: loading the --config file into ReplayOptions and printing the
// Replayer's result (runtime/replay.h runs it).
#include <string>
#include <vector>

#include "runtime/replay.h"

namespace mm::tools {

// Reads the TOML config at `path` into options.config (and names it in options.config_path for messages).
// Returns "" or load_config's error (file, line, key).
[[nodiscard]] std::string load_replay_config(const std::string& path, ReplayOptions& options);

// The report of a finished replay: a text table, or the JSON object documented in the README.
std::string replay_text_report(const Replayer& r);
std::string replay_json_report(const Replayer& r);

// What a finished replay must not keep quiet about, one line each (for stderr; the JSON counts each):
// parse errors (by code, with the first one's frame and topic), sequence gaps, crossed books.
std::vector<std::string> replay_warnings(const Replayer& r);

}  // namespace mm::tools
