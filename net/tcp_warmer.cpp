#include "net/tcp_warmer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mm {

namespace {

std::string sys_error(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

bool nonblocking_nodelay(int fd) {
  const int one = 1;
  return ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 &&
         ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0;
}

}  // namespace

TcpWarmer::~TcpWarmer() {
  close();
}

std::string TcpWarmer::open() {
  close();
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return sys_error("tcp warmer: socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // port 0: the kernel picks a free one
  socklen_t len = sizeof addr;
  std::string err;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    err = sys_error("tcp warmer: bind 127.0.0.1:0");
  } else if (::listen(listener, 1) != 0) {
    err = sys_error("tcp warmer: listen");
  } else if (::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    err = sys_error("tcp warmer: getsockname");
  } else if ((tx_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
    err = sys_error("tcp warmer: socket");
  } else if (::connect(tx_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    err = sys_error("tcp warmer: connect");
  } else if ((rx_ = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC)) < 0) {
    err = sys_error("tcp warmer: accept");
  } else if (!nonblocking_nodelay(tx_) || !nonblocking_nodelay(rx_)) {
    err = sys_error("tcp warmer: socket options");
  }
  ::close(listener);
  if (!err.empty()) close();
  return err;
}

void TcpWarmer::warm() noexcept {
  if (tx_ < 0) return;
  // The bytes are never looked at: a zeroed stack buffer, so no state and no allocation.
  char buf[kWarmBytes * 2] = {};
  (void)::send(tx_, buf, kWarmBytes, MSG_NOSIGNAL);
  // Reads what is there (this send and any earlier short read); loopback delivers within send().
  (void)::recv(rx_, buf, sizeof buf, 0);
  ++warmups_;
}

int TcpWarmer::queued_bytes() const noexcept {
  int n = 0;
  if (rx_ < 0 || ::ioctl(rx_, FIONREAD, &n) != 0) return -1;
  return n;
}

void TcpWarmer::close() noexcept {
  if (tx_ >= 0) ::close(tx_);
  if (rx_ >= 0) ::close(rx_);
  tx_ = rx_ = -1;
}

}  // namespace mm
