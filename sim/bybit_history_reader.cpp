#include "sim/bybit_history_reader.h"

#include <cstring>

namespace mm {

bool find_message_ts_ms(std::string_view msg, int64_t& ts_ms) noexcept {
  constexpr std::string_view kKey = "\"ts\":";
  const size_t pos = msg.find(kKey);
  if (pos == std::string_view::npos) return false;
  size_t i = pos + kKey.size();
  while (i < msg.size() && msg[i] == ' ') ++i;
  int64_t v = 0;
  const size_t first = i;
  while (i < msg.size() && msg[i] >= '0' && msg[i] <= '9') {
    if (v > (INT64_MAX - 9) / 10) return false;
    v = v * 10 + (msg[i] - '0');
    ++i;
  }
  if (i == first) return false;
  ts_ms = v;
  return true;
}

BybitHistoryReader::BybitHistoryReader(BybitHistoryOptions options) : options_(std::move(options)) {}

BybitHistoryReader::~BybitHistoryReader() = default;

ReadResult BybitHistoryReader::terminal(ReadResult r) noexcept {
  sticky_ = r;
  return r;
}

ReadResult BybitHistoryReader::open(const std::string& path) noexcept {
  path_ = path;
  error_.clear();
  sticky_ = ReadResult::kOk;
  open_ = false;
  entry_.reset();
  zip_.reset();
  char magic[4] = {};
  const long got = detail::read_prefix(path, magic, sizeof(magic), error_);
  if (got < 0) return terminal(ReadResult::kIo);
  detail::ByteSource* src = nullptr;
  if (got == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0) {
    zip_ = std::make_unique<ZipArchive>();
    if (ReadResult r = zip_->open(path); r != ReadResult::kOk) {
      error_ = std::string(zip_->error());
      return terminal(r);
    }
    const auto& entries = zip_->entries();
    int index = -1;
    if (!options_.zip_entry.empty()) {
      index = zip_->find(options_.zip_entry);
    } else {
      for (size_t i = 0; i < entries.size() && index < 0; ++i) {
        const std::string& n = entries[i].name;
        if (n.size() >= 5 && n.compare(n.size() - 5, 5, ".data") == 0) index = static_cast<int>(i);
      }
      if (index < 0 && entries.size() == 1) index = 0;
    }
    if (index < 0) {
      std::string names;
      for (const ZipEntry& e : entries) names += (names.empty() ? "" : ", ") + e.name;
      error_ = path + ": no " +
               (options_.zip_entry.empty() ? std::string("*.data") : "'" + options_.zip_entry + "'") +
               " entry in the zip (entries: " + (names.empty() ? "none" : names) + ")";
      return terminal(ReadResult::kCorrupt);
    }
    entry_ = std::make_unique<ZipEntrySource>();
    if (ReadResult r = entry_->open(*zip_, static_cast<size_t>(index)); r != ReadResult::kOk) {
      error_ = std::string(entry_->error());
      return terminal(r);
    }
    src = entry_.get();
  } else {
    if (ReadResult r = file_.open(path); r != ReadResult::kOk) {
      error_ = std::string(file_.error());
      return terminal(r);
    }
    src = &file_;
  }
  const size_t initial =
      options_.max_frame_bytes < (size_t{1} << 20) ? options_.max_frame_bytes : size_t{1} << 20;
  lines_.reset(src, initial, options_.max_frame_bytes);
  open_ = true;
  return ReadResult::kOk;
}

ReadResult BybitHistoryReader::next(Frame& out) noexcept {
  if (sticky_ != ReadResult::kOk) return sticky_;
  if (!open_) {
    error_ = "bybit history reader is not open";
    return terminal(ReadResult::kIo);
  }
  for (;;) {
    std::string_view line;
    bool terminated = true;
    const ReadResult lr = lines_.next(line, terminated);
    if (lr == ReadResult::kEnd) return lr;
    if (lr == ReadResult::kTooLarge) {
      error_ = path_ + ":" + std::to_string(lines_.line_number() + 1) + ": line longer than the " +
               std::to_string(options_.max_frame_bytes) + "-byte limit";
      return terminal(lr);
    }
    if (lr != ReadResult::kOk) {
      error_ = std::string(lines_.source_error());
      return terminal(lr);
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    int64_t ts_ms = 0;
    if (!find_message_ts_ms(line, ts_ms) || ts_ms > INT64_MAX / 1'000'000) {
      error_ = path_ + ":" + std::to_string(lines_.line_number()) + ": message without a numeric \"ts\"";
      return ReadResult::kBadRecord;
    }
    out.recv_ns = ts_ms * 1'000'000;
    out.conn_id = 0;
    out.kind = FrameKind::kRecv;
    out.category = options_.category;
    out.has_category = true;
    out.data = line;
    out.url = {};
    return ReadResult::kOk;
  }
}

}  // namespace mm
