#include "net/endpoint.h"

#include <gtest/gtest.h>

namespace mm {
namespace {

TEST(Endpoint, ParsesSchemesPortsAndTargets) {
  Endpoint e;
  ASSERT_EQ(parse_url("wss://stream.bybit.com/v5/public/linear", e), UrlError::kOk);
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.host, "stream.bybit.com");
  EXPECT_EQ(e.port, 443);
  EXPECT_EQ(e.target, "/v5/public/linear");
  ASSERT_EQ(parse_url("http://127.0.0.1:9000", e), UrlError::kOk);
  EXPECT_FALSE(e.tls);
  EXPECT_EQ(e.port, 9000);
  EXPECT_EQ(e.target, "/");
  ASSERT_EQ(parse_url("ws://[::1]:81/v5/trade?max_active_time=60s", e), UrlError::kOk);
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 81);
  EXPECT_EQ(e.target, "/v5/trade?max_active_time=60s");
  ASSERT_EQ(parse_url("https://api.bybit.com?x=1", e), UrlError::kOk);
  EXPECT_EQ(e.target, "/?x=1");
}

TEST(Endpoint, RefusesBadUrlsLeavingOutputUnchanged) {
  Endpoint e;
  e.host = "keep";
  EXPECT_EQ(parse_url("ftp://x", e), UrlError::kBadScheme);
  EXPECT_EQ(parse_url("stream.bybit.com", e), UrlError::kBadScheme);
  EXPECT_EQ(parse_url("wss://:443/", e), UrlError::kNoHost);
  EXPECT_EQ(parse_url("wss://h:0/", e), UrlError::kBadPort);
  EXPECT_EQ(parse_url("wss://h:65536/", e), UrlError::kBadPort);
  EXPECT_EQ(parse_url("wss://h:/", e), UrlError::kBadPort);
  EXPECT_EQ(parse_url("wss://h:12a/", e), UrlError::kBadPort);
  EXPECT_EQ(parse_url("wss://user@h/", e), UrlError::kBadChar);
  EXPECT_EQ(parse_url("wss://h/a b", e), UrlError::kBadChar);
  EXPECT_EQ(parse_url("wss://[::1/", e), UrlError::kBadChar);
  EXPECT_EQ(e.host, "keep");
}

TEST(Endpoint, IpLiterals) {
  EXPECT_TRUE(is_ip_literal("127.0.0.1"));
  EXPECT_TRUE(is_ip_literal("::1"));
  EXPECT_FALSE(is_ip_literal("localhost"));
  EXPECT_FALSE(is_ip_literal("127.0.0.1.example"));
}

}  // namespace
}  // namespace mm
