#pragma once
// SIGINT/SIGTERM -> a stop flag that a long-running command's loop polls (graceful shutdown of `mm paper` and
// `mm record`). The handler only stores to a lock-free atomic (async-signal-safe).
#include <atomic>

namespace mm::tools {

// Clears the flag, installs the handlers and returns the flag.
const std::atomic<bool>* install_stop_signals();

}  // namespace mm::tools
