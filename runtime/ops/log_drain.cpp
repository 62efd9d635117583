#include "runtime/ops/log_drain.h"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <concurrentqueue/concurrentqueue.h>
#include <chrono>
#include <cmath>
#include <ctime>
#include <exception>
#include <iterator>
#include <mutex>
#include <thread>
#include <utility>

namespace mm {

LogDrainConfig log_drain_config(const OpsSettings& ops) {
  LogDrainConfig c;
  c.format = ops.log_format;
  c.min_level = ops.log_level;
  c.file = ops.log_file;
  c.max_bytes = ops.log_max_bytes;
  c.max_files = ops.log_max_files;
  return c;
}

void append_json_escaped(std::string& out, std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    } else {
      out += ch;
    }
  }
}

void append_iso8601_ns(std::string& out, int64_t unix_ns) {
  // Floor division so that times before 1970 still print a non-negative fraction.
  int64_t secs = unix_ns / 1'000'000'000;
  int64_t frac = unix_ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  const auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

namespace {

constexpr std::string_view kRedacted = "[redacted]";

bool sensitive_key(std::string_view key) {
  std::string lower(key);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const std::string_view word :
       {"secret", "token", "password", "passwd", "signature", "api_key", "apikey", "private_key"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  // Bybit's X-BAPI-SIGN header and "sign" fields, without catching "signal" or "design".
  return lower.ends_with("sign");
}

struct ColdLine {
  int64_t ts_ns = 0;
  LogLevel level = LogLevel::kInfo;
  std::string component;
  std::string event;
  std::vector<LogField> fields;
};

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct LogDrain::Impl {
  LogDrainConfig cfg;
  std::span<const LogEventDef> catalog;
  Counter* dropped = nullptr;
  std::vector<LogRing*> rings;
  std::vector<uint64_t> seen_drops;
  std::vector<std::string> secrets;
  moodycamel::ConcurrentQueue<ColdLine> queue;
  std::shared_ptr<spdlog::logger> logger;
  std::mutex consumer;  // one consumer at a time: the thread, or drain_once() from its caller
  std::thread thread;
  std::atomic<bool> running{false};
  std::atomic<uint64_t> lines{0};
  std::string line;     // reused per line
  std::string scratch;  // a string value after redaction

  // A string value with every registered secret replaced.
  std::string_view redact(std::string_view v) {
    bool hit = false;
    for (const std::string& s : secrets) hit = hit || v.find(s) != std::string_view::npos;
    if (!hit) return v;
    scratch.assign(v);
    for (const std::string& s : secrets) {
      for (size_t at = scratch.find(s); at != std::string::npos;
           at = scratch.find(s, at + kRedacted.size())) {
        scratch.replace(at, s.size(), kRedacted);
      }
    }
    return scratch;
  }

  void begin(int64_t ts_ns, LogLevel level, std::string_view component, std::string_view event) {
    line.clear();
    if (cfg.format == LogFormat::kJson) {
      fmt::format_to(std::back_inserter(line), "{{\"ts\":{},\"time\":\"", ts_ns);
      append_iso8601_ns(line, ts_ns);
      line += "\",\"level\":\"";
      line += to_string(level);
      line += "\",\"component\":\"";
      append_json_escaped(line, redact(component));
      line += "\",\"event\":\"";
      append_json_escaped(line, redact(event));
      line += '"';
    } else {
      append_iso8601_ns(line, ts_ns);
      fmt::format_to(std::back_inserter(line), " {:<5} {} ", to_string(level), redact(component));
      line += redact(event);
    }
  }

  void key(std::string_view k) {
    if (cfg.format == LogFormat::kJson) {
      line += ",\"";
      append_json_escaped(line, k);
      line += "\":";
    } else {
      line += ' ';
      line += k;
      line += '=';
    }
  }

  void field_int(std::string_view k, int64_t v) {
    if (sensitive_key(k)) return field_str(k, kRedacted);
    key(k);
    fmt::format_to(std::back_inserter(line), "{}", v);
  }

  void field_str(std::string_view k, std::string_view v) {
    key(k);
    const std::string_view safe = sensitive_key(k) ? kRedacted : redact(v);
    const bool quote = cfg.format == LogFormat::kJson || safe.empty() ||
                       safe.find_first_of(" \"=\\\n\t") != std::string_view::npos;
    if (!quote) {
      line += safe;
      return;
    }
    line += '"';
    append_json_escaped(line, safe);
    line += '"';
  }

  void field(const LogField& f) {
    if (const auto* i = std::get_if<int64_t>(&f.value)) return field_int(f.key, *i);
    if (const auto* s = std::get_if<std::string>(&f.value)) return field_str(f.key, *s);
    if (sensitive_key(f.key)) return field_str(f.key, kRedacted);
    key(f.key);
    if (const auto* d = std::get_if<double>(&f.value)) {
      if (std::isfinite(*d)) {
        fmt::format_to(std::back_inserter(line), "{}", *d);
      } else {
        line += cfg.format == LogFormat::kJson ? "null" : "nan";  // JSON has no NaN/Inf
      }
    } else {
      line += std::get<bool>(f.value) ? "true" : "false";
    }
  }

  void emit() {
    if (cfg.format == LogFormat::kJson) line += '}';
    logger->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
    lines.fetch_add(1, std::memory_order_relaxed);
  }

  void write_record(const LogRecord& r) {
    static constexpr LogEventDef kUnknown{"unknown_event", "log", LogLevel::kWarn, {}, "text"};
    const LogEventDef& def = r.event < catalog.size() ? catalog[r.event] : kUnknown;
    if (def.level < cfg.min_level) return;
    begin(r.ts_ns, def.level, def.component, def.name);
    if (&def == &kUnknown) field_int("event_id", r.event);
    if (!def.text.empty() && r.text_len > 0) field_str(def.text, r.text_view());
    for (size_t i = 0; i < r.nargs && i < kLogArgs; ++i) {
      if (!def.args[i].empty()) {
        field_int(def.args[i], r.args[i]);
      } else {
        field_int(fmt::format("arg{}", i), r.args[i]);
      }
    }
    emit();
  }

  void write_cold(const ColdLine& c) {
    if (c.level < cfg.min_level) return;
    begin(c.ts_ns, c.level, c.component, c.event);
    for (const LogField& f : c.fields) field(f);
    emit();
  }

  size_t drain() {
    const std::lock_guard lock(consumer);
    if (!logger) return 0;
    const uint64_t before = lines.load(std::memory_order_relaxed);
    size_t seen = 0;
    LogRecord r;
    for (LogRing* ring : rings) {
      // Bounded per pass so that one busy ring cannot starve the others and the cold queue.
      for (size_t n = 0; n < LogRing::kCapacity && ring->try_pop(r); ++n, ++seen) write_record(r);
    }
    ColdLine c;
    for (size_t n = 0; n < 4096 && queue.try_dequeue(c); ++n, ++seen) write_cold(c);
    for (size_t i = 0; i < rings.size(); ++i) {
      const uint64_t total = rings[i]->dropped();
      if (total == seen_drops[i]) continue;
      const uint64_t delta = total - seen_drops[i];
      seen_drops[i] = total;
      if (dropped != nullptr) dropped->add_concurrent(delta);
      ColdLine d{wall_ns(), LogLevel::kWarn, "log", "log_records_dropped", {}};
      d.fields.emplace_back("ring", static_cast<int64_t>(i));
      d.fields.emplace_back("dropped", static_cast<int64_t>(delta));
      d.fields.emplace_back("dropped_total", static_cast<int64_t>(total));
      write_cold(d);
      ++seen;
    }
    if (lines.load(std::memory_order_relaxed) != before) logger->flush();
    return seen;
  }
};

LogDrain::LogDrain(LogDrainConfig cfg, std::span<const LogEventDef> catalog, Counter* dropped)
    : impl_(std::make_unique<Impl>()) {
  impl_->cfg = std::move(cfg);
  impl_->catalog = catalog;
  impl_->dropped = dropped;
}

LogDrain::~LogDrain() {
  stop();
}

std::string LogDrain::open() {
  Impl& s = *impl_;
  try {
    std::shared_ptr<spdlog::sinks::sink> sink;
    if (s.cfg.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          s.cfg.file, static_cast<size_t>(s.cfg.max_bytes), static_cast<size_t>(s.cfg.max_files));
    }
    auto logger = std::make_shared<spdlog::logger>("mm", std::move(sink));
    logger->set_pattern("%v");  // the line is formatted here; spdlog only writes and rotates
    logger->set_level(spdlog::level::trace);
    s.logger = std::move(logger);
  } catch (const std::exception& e) {
    return "log file " + s.cfg.file + ": " + e.what();
  }
  return "";
}

void LogDrain::add_ring(LogRing& ring) {
  impl_->rings.push_back(&ring);
  impl_->seen_drops.push_back(ring.dropped());
}

void LogDrain::add_secret(std::string_view secret) {
  if (!secret.empty()) impl_->secrets.emplace_back(secret);
}

void LogDrain::log(LogLevel level, std::string_view component, std::string_view event,
                   std::vector<LogField> fields) {
  impl_->queue.enqueue(
      ColdLine{wall_ns(), level, std::string(component), std::string(event), std::move(fields)});
}

void LogDrain::start() {
  Impl& s = *impl_;
  if (s.thread.joinable()) return;
  s.running.store(true, std::memory_order_release);
  s.thread = std::thread([&s] {
    while (s.running.load(std::memory_order_acquire)) {
      if (s.drain() == 0) std::this_thread::sleep_for(std::chrono::microseconds(s.cfg.idle_sleep_us));
    }
  });
}

void LogDrain::stop() noexcept {
  Impl& s = *impl_;
  if (s.thread.joinable()) {
    s.running.store(false, std::memory_order_release);
    s.thread.join();
  }
  try {
    while (s.drain() > 0) {
    }
    if (s.logger) s.logger->flush();
  } catch (...) {
    // A sink that fails while shutting down loses the last lines; stop() must still return.
  }
}

size_t LogDrain::drain_once() {
  return impl_->drain();
}

uint64_t LogDrain::lines_written() const noexcept {
  return impl_->lines.load(std::memory_order_relaxed);
}

}  // namespace mm
