#include "net/loopback_pair.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mm {

namespace {

std::string sys_error(const char* what) {
  return std::string("loopback pair: ") + what + ": " + std::strerror(errno);
}

bool set_nodelay(int fd) {
  const int one = 1;
  return ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0;
}

bool set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

}  // namespace

std::string open_loopback_pair(LoopbackPair& out, bool nonblocking_tx) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) return sys_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // port 0: the kernel picks a free one
  socklen_t len = sizeof addr;
  LoopbackPair p;
  std::string err;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    err = sys_error("bind 127.0.0.1:0");
  } else if (::listen(listener, 1) != 0) {
    err = sys_error("listen");
  } else if (::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    err = sys_error("getsockname");
  } else if ((p.tx = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
    err = sys_error("socket");
  } else if (::connect(p.tx, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    err = sys_error("connect");
  } else if ((p.rx = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC)) < 0) {
    err = sys_error("accept");
  } else if (!set_nodelay(p.tx) || !set_nodelay(p.rx) || !set_nonblocking(p.rx) ||
             (nonblocking_tx && !set_nonblocking(p.tx))) {
    err = sys_error("socket options");
  }
  ::close(listener);
  if (!err.empty()) {
    close_loopback_pair(p);
    return err;
  }
  out = p;
  return {};
}

void close_loopback_pair(LoopbackPair& p) noexcept {
  if (p.tx >= 0) ::close(p.tx);
  if (p.rx >= 0) ::close(p.rx);
  p.tx = p.rx = -1;
}

}  // namespace mm
