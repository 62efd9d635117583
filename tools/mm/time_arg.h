#pragma once
// Time arguments of the CLI (--from/--to): "2026-08-09T12:30:00Z" (UTC; fractional seconds allowed, 'Z' or
// no zone means UTC), "2026-08-09" (midnight UTC), or an integer since the Unix epoch: 13 digits or fewer are
// milliseconds, more are nanoseconds.
#include <cstdint>
#include <string>
#include <string_view>

namespace mm::tools {

// Returns true and sets out_ns, or false with `error` naming the argument and the accepted formats.
[[nodiscard]] bool parse_time_arg(std::string_view s, int64_t& out_ns, std::string& error);

// The `--from`/`--to` window every command spells the same way. An empty argument leaves its bound as the
// caller set it (unbounded); otherwise parse_time_arg. Returns false with `error` ("bad time ...", or
// "--from must be before --to" when from_ns >= to_ns).
[[nodiscard]] bool parse_time_window(std::string_view from, std::string_view to, int64_t& from_ns,
                                     int64_t& to_ns, std::string& error);

}  // namespace mm::tools
