// open_loopback_pair (net/loopback_pair.h): the TCP pair TcpWarmer and the warm benchmark share.
#include "net/loopback_pair.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <filesystem>

namespace mm {
namespace {

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

bool nonblocking(int fd) {
  return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
}

bool nodelay(int fd) {
  int v = 0;
  socklen_t n = sizeof v;
  return ::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &n) == 0 && v != 0;
}

TEST(LoopbackPair, CarriesBytesFromTxToRxWithTheOptionsTheHeaderStates) {
  for (const bool nonblocking_tx : {false, true}) {
    const size_t before = open_fds();
    LoopbackPair p;
    ASSERT_EQ(open_loopback_pair(p, nonblocking_tx), "");
    ASSERT_GE(p.tx, 0);
    ASSERT_GE(p.rx, 0);
    EXPECT_EQ(open_fds(), before + 2) << "the listener must be closed once the pair is connected";
    EXPECT_TRUE(nonblocking(p.rx));
    EXPECT_EQ(nonblocking(p.tx), nonblocking_tx);
    EXPECT_TRUE(nodelay(p.tx));
    EXPECT_TRUE(nodelay(p.rx));
    EXPECT_NE(::fcntl(p.tx, F_GETFD) & FD_CLOEXEC, 0);
    EXPECT_NE(::fcntl(p.rx, F_GETFD) & FD_CLOEXEC, 0);
    char buf[64] = {};
    // Nothing sent yet: the reading end answers at once instead of blocking.
    EXPECT_EQ(::recv(p.rx, buf, sizeof buf, 0), -1);
    ASSERT_EQ(::send(p.tx, "warm", 4, MSG_NOSIGNAL), 4);
    EXPECT_EQ(::recv(p.rx, buf, sizeof buf, 0), 4);  // loopback delivers within send()
    EXPECT_EQ(std::string(buf, 4), "warm");
    close_loopback_pair(p);
    EXPECT_EQ(p.tx, -1);
    EXPECT_EQ(p.rx, -1);
    close_loopback_pair(p);  // idempotent
    EXPECT_EQ(open_fds(), before);
  }
}

}  // namespace
}  // namespace mm
