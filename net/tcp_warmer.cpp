#include "net/tcp_warmer.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

namespace mm {

TcpWarmer::~TcpWarmer() {
  close();
}

std::string TcpWarmer::open() {
  close();
  std::string err = open_loopback_pair(pair_, /*nonblocking_tx=*/true);
  if (!err.empty()) err = "tcp warmer: " + err;
  return err;
}

void TcpWarmer::warm() noexcept {
  if (pair_.tx < 0) return;
  // The bytes are never looked at: a zeroed stack buffer, so no state and no allocation.
  char buf[kWarmBytes * 2] = {};
  (void)::send(pair_.tx, buf, kWarmBytes, MSG_NOSIGNAL);
  // Reads what is there (this send and any earlier short read); loopback delivers within send().
  (void)::recv(pair_.rx, buf, sizeof buf, 0);
  ++warmups_;
}

int TcpWarmer::queued_bytes() const noexcept {
  int n = 0;
  if (pair_.rx < 0 || ::ioctl(pair_.rx, FIONREAD, &n) != 0) return -1;
  return n;
}

void TcpWarmer::close() noexcept {
  close_loopback_pair(pair_);
}

}  // namespace mm
