#pragma once
// A connected TCP socket pair on 127.0.0.1, for what needs the kernel's real TCP path without a peer: the
// live node's TcpWarmer (net/tcp_warmer.h) and the benchmark that measures it (bench/net/tcp_warm_bench.cpp).
//
// Why TCP and not socketpair(AF_UNIX): the point is to run tcp_sendmsg, the loopback transmit and tcp_v4_rcv,
// the code an order request goes through.
#include <string>

namespace mm {

struct LoopbackPair {
  int tx = -1;  // the connecting end: TCP_NODELAY, close-on-exec
  int rx = -1;  // the accepted end: TCP_NODELAY, close-on-exec, non-blocking
};

// Opens a pair: a listener on 127.0.0.1 port 0 (the kernel picks a free port), connected to and accepted,
// then closed, so the pair holds exactly two descriptors. `nonblocking_tx`: the connecting end is
// non-blocking too (the reading end always is: a reader that finds nothing must not stall its thread).
// Returns "" and sets `out`, or why not ("loopback pair: <syscall>: <strerror(errno)>") with nothing left
// open and `out` unchanged. Preconditions: none (`out` is overwritten, not closed: close an earlier pair
// first).
[[nodiscard]] std::string open_loopback_pair(LoopbackPair& out, bool nonblocking_tx);

// Closes both ends that are open and sets them to -1. Idempotent.
void close_loopback_pair(LoopbackPair& p) noexcept;

}  // namespace mm
