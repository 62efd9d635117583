#pragma once
// The hot threads of the live node (runtime/live_node.h) by role, and the cold hook each calls once when it
// starts: what lets a test (the LiveHotPath allocation tests) or an operator's tool attach something to a
// thread the node creates itself, without any test-only branch in the loops.
#include <cstdint>
#include <functional>
#include <string_view>

namespace mm {

enum class LiveThread : uint8_t {
  kHot = 0,   // one-thread layout: the thread that calls LiveNode::run (every socket, the Trader)
  kDecision,  // pipeline layout: the thread that calls LiveNode::run (codec, book, Trader, private stream)
  kNetwork,   // pipeline layout: the public book stream's socket (runtime/live_pipeline.h)
  kDispatch,  // pipeline layout: the trade WebSocket (absent when the venue has none)
};

constexpr std::string_view to_string(LiveThread t) noexcept {
  switch (t) {
    case LiveThread::kHot:
      return "hot";
    case LiveThread::kDecision:
      return "decision";
    case LiveThread::kNetwork:
      return "network";
    case LiveThread::kDispatch:
      return "dispatch";
  }
  return "?";
}

// Called on the thread itself, once, after it is pinned (and, for the pipeline's own threads, named) and
// before it starts its WebSockets and enters its loop. Cold: it may allocate and lock. It must return (the
// thread waits for it) and must not throw. The node starts its threads one after another and each call
// returns before the next thread starts, so calls never overlap; but each runs on a different thread, so
// what the hook stores for another thread to read needs its own synchronisation (a mutex, an atomic).
using LiveThreadHook = std::function<void(LiveThread)>;

}  // namespace mm
