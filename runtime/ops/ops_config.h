#pragma once
// [ops]: the operations side of `mm run` / `mm paper` (issue 12): the /metrics and page address, logs and
// alerts. Read from TOML by tools/mm/config.cpp; every key is in docs/config.md and docs/ops.md.
#include <cstdint>
#include <string>

#include "core/log_ring.h"

namespace mm {

enum class LogFormat : uint8_t { kJson = 0, kText };

struct OpsSettings {
  // /metrics (and the live page) on this "host:port"; "" turns the server off. Loopback by default.
  std::string http_listen = "127.0.0.1:9464";
  // Logs: one JSON object per line, or text for a terminal; to stderr ("") or a file rotated by size.
  LogFormat log_format = LogFormat::kJson;
  LogLevel log_level = LogLevel::kInfo;
  std::string log_file;
  int64_t log_max_bytes = int64_t{64} << 20;  // a file reaching this size is rotated
  int64_t log_max_files = 5;                  // rotated files kept (file.1.log .. file.N.log)
  // Alerts to a Telegram-compatible Bot API: POST {base_url}/bot{token}/sendMessage. The token comes from the
  // environment (MM_TELEGRAM_TOKEN) or .env, never from this file. An empty chat id turns alerts off.
  std::string alert_telegram_chat_id;
  std::string alert_telegram_base_url = "https://api.telegram.org";
  std::string alert_ca_file;             // extra trusted CA (PEM) for the Bot API endpoint; "" = system store
  int64_t alert_min_interval_ms = 1000;  // at most one message per interval (Telegram allows ~1/s per chat)
  int64_t alert_dedup_window_ms = 300'000;  // the same alert again within this window is not re-sent
  int64_t alert_max_retries = 5;            // attempts after the first, with exponential backoff
};

}  // namespace mm
