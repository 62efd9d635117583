#pragma once
// Secrets of the operations side (MM_TELEGRAM_TOKEN, MM_CONTROL_TOKEN) from the environment or a .env file,
// with the same rule as the Bybit keys (tools/mm/live_print.cpp): a .env that every user of the machine may
// read or write is refused before a byte of it is read, as ssh does with a private key.
#include <string>
#include <string_view>

namespace mm {

// "" when `path` is absent or private to its owner; otherwise an error naming the file, its mode and the
// chmod that fixes it.
[[nodiscard]] std::string check_dotenv_private(const std::string& path);

// `var` from the environment (non-empty), else from `dotenv_path` (KEY=VALUE lines, optional `export`,
// optional quotes, # comments). Returns "" or the error of check_dotenv_private; `value` is "" when unset.
[[nodiscard]] std::string read_secret(std::string_view var, const std::string& dotenv_path,
                                      std::string& value);

// `s` without leading spaces/tabs and trailing spaces/tabs/CR (a .env line, an HTTP header or form value).
[[nodiscard]] std::string_view trim_blanks(std::string_view s) noexcept;

}  // namespace mm
