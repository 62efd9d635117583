#include "tools/mm/stop_signal.h"

#include <csignal>

namespace mm::tools {

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void mm_on_stop_signal(int) {
  g_stop.store(true, std::memory_order_relaxed);
}

}  // namespace

const std::atomic<bool>* install_stop_signals() {
  g_stop.store(false);
  struct sigaction sa {};
  sa.sa_handler = mm_on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_stop;
}

}  // namespace mm::tools
