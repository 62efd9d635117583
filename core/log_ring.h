#pragma once
// Hot-path logging: the hot thread never formats or writes. It stores a fixed-size binary record (event id,
// timestamp, up to kLogArgs integers, a short text such as an orderLinkId) on a single-producer ring; a cold
// thread (runtime/ops/log_drain.h) drains it, looks the event up in a catalog (name, component, level,
// argument names) and formats it. A full ring drops the record and counts the drop; it never blocks.
//
// Why arguments are integers only: prices, lots and ids are int64 on the hot path already, a record stays one
// memcpy-free construction in the ring slot, and no object (a key, a signer) can be handed to the logger.
// Strings are limited to kLogTextMax bytes of `text`; the drain redacts registered secrets in it.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "core/cache_line.h"
#include "core/spsc_ring.h"

namespace mm {

enum class LogLevel : uint8_t { kDebug = 0, kInfo, kWarn, kError };

constexpr std::string_view to_string(LogLevel l) noexcept {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

// Parses the spelling of to_string. Returns false (out untouched) for anything else.
[[nodiscard]] constexpr bool parse_log_level(std::string_view s, LogLevel& out) noexcept {
  for (const LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (s == to_string(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

inline constexpr size_t kLogArgs = 6;
inline constexpr size_t kLogTextMax = 62;

// One entry of an event catalog: the record's event id is its index in the catalog.
struct LogEventDef {
  std::string_view name;       // "order_sent": the JSON `event`
  std::string_view component;  // "quoter": the JSON `component`
  LogLevel level = LogLevel::kInfo;
  std::array<std::string_view, kLogArgs> args{};  // field names of the integer arguments, in order
  std::string_view text;                          // field name of the text ("orderLinkId"), "" when unused
};

// 128 bytes: two cache lines, so a record never straddles a third.
struct alignas(kCacheLineSize) LogRecord {
  int64_t ts_ns;
  uint16_t event;
  uint8_t nargs;
  uint8_t text_len;
  char text[kLogTextMax];  // not NUL-terminated; text_len bytes are valid
  std::array<int64_t, kLogArgs> args;

  LogRecord() noexcept = default;

  template <class... A>
  LogRecord(uint16_t ev, int64_t ts, std::string_view txt, A... a) noexcept
      : ts_ns(ts), event(ev), nargs(sizeof...(A)), text_len(static_cast<uint8_t>(clamp_len(txt.size()))) {
    // Only the used bytes are written: the drain reads text_len and nargs, never past them.
    std::memcpy(text, txt.data(), text_len);
    size_t i = 0;
    ((args[i++] = static_cast<int64_t>(a)), ...);
  }

  [[nodiscard]] std::string_view text_view() const noexcept { return {text, text_len}; }

 private:
  static constexpr size_t clamp_len(size_t n) noexcept { return n < kLogTextMax ? n : kLogTextMax; }
};
static_assert(sizeof(LogRecord) == 2 * kCacheLineSize);
static_assert(std::is_trivially_copyable_v<LogRecord>);

template <class A>
concept LogArg = std::is_integral_v<A> || std::is_enum_v<A>;

// One producer thread, one consumer (the log drain).
class LogRing {
 public:
  static constexpr size_t kCapacity = 4096;  // 512 KiB: about a second of a busy quoter's events

  // Producer only. Stores one record; `text` is cut at kLogTextMax bytes. Returns false and counts a drop
  // when the ring is full. Never allocates, never blocks.
  template <LogArg... A>
  requires(sizeof...(A) <= kLogArgs) bool log(uint16_t event, int64_t ts_ns, std::string_view text,
                                              A... args) noexcept {
    if (ring_.try_emplace(event, ts_ns, text, args...)) return true;
    dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return false;
  }

  // Consumer only.
  [[nodiscard]] bool try_pop(LogRecord& out) noexcept { return ring_.try_pop(out); }

  // Records dropped so far (any thread; the producer is the only writer).
  [[nodiscard]] uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  SpscRing<LogRecord, kCapacity> ring_;
  alignas(kCacheLineSize) std::atomic<uint64_t> dropped_{0};
};

}  // namespace mm
