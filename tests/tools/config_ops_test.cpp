// The [ops] section of the config (runtime/ops/ops_config.h).
#include <gtest/gtest.h>

#include <string>

#include "tools/mm/config.h"

namespace mm::tools {
namespace {

constexpr const char* kMinimal = R"(
[strategy]
kind = "fixed"
[trader]
max_position_lots = 10
[risk]
max_order_qty = "0.005"
max_position_qty = "0.010"
)";

std::string parse_ops(const std::string& ops, MmConfig& out) {
  return parse_config(std::string(kMinimal) + "[ops]\n" + ops, "t.toml", out);
}

std::string ops_error(const std::string& ops) {
  MmConfig c;
  return parse_ops(ops, c);
}

TEST(ConfigOps, DefaultsWithoutTheSection) {
  MmConfig c;
  ASSERT_EQ(parse_config(kMinimal, "t.toml", c), "");
  EXPECT_EQ(c.ops.http_listen, "127.0.0.1:9464");
  EXPECT_EQ(c.ops.log_format, LogFormat::kJson);
  EXPECT_EQ(c.ops.log_level, LogLevel::kInfo);
  EXPECT_EQ(c.ops.log_file, "");
  EXPECT_EQ(c.ops.alert_telegram_chat_id, "");
  EXPECT_EQ(c.ops.alert_telegram_base_url, "https://api.telegram.org");
}

TEST(ConfigOps, ReadsEveryKey) {
  MmConfig c;
  ASSERT_EQ(parse_ops(R"(
http_listen = ""
log_format = "text"
log_level = "debug"
log_file = "/var/log/mm/mm.log"
log_max_bytes = 1048576
log_max_files = 3
alert_telegram_chat_id = "-100123"
alert_telegram_base_url = "https://127.0.0.1:8443/tg"
alert_ca_file = "ca.pem"
alert_min_interval_ms = 2000
alert_dedup_window_ms = 60000
alert_max_retries = 2
)",
                      c),
            "");
  EXPECT_EQ(c.ops.http_listen, "");
  EXPECT_EQ(c.ops.log_format, LogFormat::kText);
  EXPECT_EQ(c.ops.log_level, LogLevel::kDebug);
  EXPECT_EQ(c.ops.log_file, "/var/log/mm/mm.log");
  EXPECT_EQ(c.ops.log_max_bytes, 1048576);
  EXPECT_EQ(c.ops.log_max_files, 3);
  EXPECT_EQ(c.ops.alert_telegram_chat_id, "-100123");
  EXPECT_EQ(c.ops.alert_telegram_base_url, "https://127.0.0.1:8443/tg");
  EXPECT_EQ(c.ops.alert_ca_file, "ca.pem");
  EXPECT_EQ(c.ops.alert_min_interval_ms, 2000);
  EXPECT_EQ(c.ops.alert_dedup_window_ms, 60000);
  EXPECT_EQ(c.ops.alert_max_retries, 2);
}

TEST(ConfigOps, ErrorsNameTheKeyAndLine) {
  EXPECT_EQ(ops_error("http_listen = \"nohost\"\n"),
            "t.toml:10: ops.http_listen must be \"host:port\" or \"\" (off): \"nohost\" is not host:port");
  EXPECT_NE(ops_error("http_listen = \"example.com:80\"\n").find("ops.http_listen"), std::string::npos);
  EXPECT_EQ(ops_error("log_format = \"xml\"\n"),
            "t.toml:10: ops.log_format must be \"json\" or \"text\", got \"xml\"");
  EXPECT_NE(ops_error("log_level = \"trace\"\n").find("ops.log_level must be"), std::string::npos);
  EXPECT_NE(ops_error("log_max_bytes = 10\n").find("ops.log_max_bytes must be"), std::string::npos);
  EXPECT_NE(ops_error("log_max_files = 0\n").find("ops.log_max_files must be"), std::string::npos);
  EXPECT_NE(ops_error("alert_telegram_base_url = \"http://x\"\n")
                .find("ops.alert_telegram_base_url must be an https"),
            std::string::npos);
  EXPECT_NE(ops_error("alert_max_retries = -1\n").find("ops.alert_max_retries"), std::string::npos);
  EXPECT_NE(ops_error("http_listn = \"\"\n")
                .find("ops.http_listn is not a known key (did you mean ops.http_listen?)"),
            std::string::npos);
  // The token is never a config key: it comes from the environment.
  EXPECT_NE(
      ops_error("alert_telegram_token = \"123:abc\"\n").find("ops.alert_telegram_token is not a known key"),
      std::string::npos);
}

}  // namespace
}  // namespace mm::tools
