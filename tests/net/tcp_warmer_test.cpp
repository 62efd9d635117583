// TcpWarmer (net/tcp_warmer.h): the private loopback pair the one-thread live node writes to while idle.
#include "net/tcp_warmer.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace mm {
namespace {

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST(TcpWarmer, WarmSendsAndReadsBackSoNothingAccumulates) {
  TcpWarmer w;
  ASSERT_EQ(w.open(), "");
  ASSERT_TRUE(w.is_open());
  EXPECT_EQ(w.queued_bytes(), 0);
  // Far more than a socket buffer holds (256 B x 20,000 = 5 MB): a warm() that did not read its bytes back
  // would fill the pair and then fail or block.
  for (int i = 0; i < 20'000; ++i) w.warm();
  EXPECT_EQ(w.warmups(), 20'000u);
  EXPECT_EQ(w.queued_bytes(), 0);
}

TEST(TcpWarmer, ClosedOrNeverOpenedIsANoOp) {
  TcpWarmer w;
  EXPECT_FALSE(w.is_open());
  w.warm();
  EXPECT_EQ(w.warmups(), 0u);
  EXPECT_EQ(w.queued_bytes(), -1);
  ASSERT_EQ(w.open(), "");
  w.close();
  w.close();
  EXPECT_FALSE(w.is_open());
  w.warm();
  EXPECT_EQ(w.warmups(), 0u);
}

TEST(TcpWarmer, CloseAndReopenLeaveNoDescriptorBehind) {
  const size_t before = open_fds();
  {
    TcpWarmer w;
    ASSERT_EQ(w.open(), "");
    EXPECT_EQ(open_fds(), before + 2);  // the two ends; the listener is closed at once
    ASSERT_EQ(w.open(), "");            // reopening closes the old pair first
    EXPECT_EQ(open_fds(), before + 2);
    w.warm();
    EXPECT_EQ(w.warmups(), 1u);
  }
  EXPECT_EQ(open_fds(), before);
}

}  // namespace
}  // namespace mm
