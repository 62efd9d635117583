#pragma once
// TcpWarmer: keeps the kernel's loopback TCP send and receive path warm in a busy-polling thread's caches.
//
// Why: on a shared VM a hot thread that spins between market frames finds the kernel's TCP code and data cold
// when it finally sends: a 256-byte loopback send costs 0.96 us p50 in a tight loop and 7.2 us after 2 ms of
// spinning, 1.16 us when this warmer ran every 20 us of those 2 ms (BM_TcpSendAfterIdle, bench/net/
// tcp_warm_bench.cpp, one run, session 8): the other tenants' vCPUs evict the kernel's code and data from the
// core's caches, TLB and branch predictors. Sending a small message over a private loopback pair
// every few tens of microseconds while idle keeps tcp_sendmsg, the loopback transmit, tcp_v4_rcv and
// tcp_recvmsg resident, so the real order request pays the warm price.
//
// The pair is a connected TCP socket pair on 127.0.0.1 (net/loopback_pair.h; both ends non-blocking,
// TCP_NODELAY), owned by this object; nothing else reads or writes it. Not thread-safe: one thread calls
// warm().
#include <string>

#include "net/loopback_pair.h"

namespace mm {

class TcpWarmer {
 public:
  TcpWarmer() = default;
  ~TcpWarmer();
  TcpWarmer(const TcpWarmer&) = delete;
  TcpWarmer& operator=(const TcpWarmer&) = delete;

  // Opens the pair (closing an open one first). Returns "" or why not ("tcp warmer: loopback pair: <syscall>:
  // <errno text>"); on error nothing stays open.
  [[nodiscard]] std::string open();
  [[nodiscard]] bool is_open() const noexcept { return pair_.tx >= 0; }
  // One warm-up: sends kWarmBytes on one end and reads them on the other (two syscalls, ~3 us warm).
  // No-op when not open. Never blocks; a short or failed read is drained by the next call.
  void warm() noexcept;
  void close() noexcept;
  [[nodiscard]] unsigned long warmups() const noexcept { return warmups_; }
  // Bytes sent and not yet read back (FIONREAD on the reading end); -1 when not open. Stays 0 between warm()
  // calls: a warmer that left its bytes unread would fill the socket buffer.
  [[nodiscard]] int queued_bytes() const noexcept;

  // The size of an order request, about: the same skb sizes as the real sends.
  static constexpr int kWarmBytes = 256;

 private:
  LoopbackPair pair_;
  unsigned long warmups_ = 0;
};

}  // namespace mm
