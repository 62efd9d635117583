#pragma once
// Reader for Bybit's historical order-book downloads: `{date}_{symbol}_ob{200,500}.data`, plain or inside
// the `.zip` Bybit serves. One WebSocket message per line, no local receive time, so recv_ns is the
// message's own "ts" (ms) times 1e6. Frames are kRecv on conn_id 0 with the category given at
// construction, url empty, and point into the line buffer (no copy).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/frame.h"
#include "sim/detail/byte_source.h"
#include "sim/zip_reader.h"

namespace mm {

struct BybitHistoryOptions {
  Category category = Category::kLinear;
  size_t max_frame_bytes = size_t{64} << 20;
  // Zip entry to read; empty: the first entry whose name ends in ".data", else the only entry.
  std::string zip_entry;
};

class BybitHistoryReader final : public FrameSource {
 public:
  explicit BybitHistoryReader(BybitHistoryOptions options = {});
  ~BybitHistoryReader() override;

  // Opens a plain .data file, or a zip (recognised by its magic bytes). Errors: kIo; for zips also
  // kCorrupt (damaged, or no matching entry: the message lists the entries), kUnsupported, kTruncated.
  [[nodiscard]] ReadResult open(const std::string& path) noexcept;

  // kOk, kEnd, kBadRecord (line without a numeric top-level "ts"; skipped), kTruncated (zip entry cut
  // short), kCorrupt (bad deflate data, CRC mismatch), kTooLarge, kIo.
  [[nodiscard]] ReadResult next(Frame& out) noexcept override;
  std::string_view error() const noexcept override { return error_; }
  // A plain .data file's bytes read; 0 (no progress) inside a zip, whose entry is inflated from its own
  // reader.
  uint64_t bytes_consumed() const noexcept override { return zip_ ? 0 : file_.bytes_read(); }
  uint64_t line_number() const noexcept { return lines_.line_number(); }

 private:
  ReadResult terminal(ReadResult r) noexcept;

  BybitHistoryOptions options_;
  detail::FileByteSource file_;
  std::unique_ptr<ZipArchive> zip_;
  std::unique_ptr<ZipEntrySource> entry_;
  detail::LineReader lines_;
  bool open_ = false;
  ReadResult sticky_ = ReadResult::kOk;
  std::string path_;
  std::string error_;
};

// Finds the top-level-looking `"ts":<digits>` in a Bybit message (the first occurrence of the exact key;
// "cts" does not match) and returns its value. Returns false when absent or not an integer.
[[nodiscard]] bool find_message_ts_ms(std::string_view msg, int64_t& ts_ms) noexcept;

}  // namespace mm
