#pragma once
// Byte streams under the line-based readers: a plain file, a zstd-decompressing filter, and (in
// sim/zip_reader.h) one zip entry. Cold-path objects: buffers are allocated when they are opened.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/frame.h"

struct ZSTD_DCtx_s;

namespace mm::detail {

class ByteSource {
 public:
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  virtual ~ByteSource() = default;

  // Reads up to `cap` (> 0) bytes into dst. Returns kOk with got > 0, kEnd with got == 0 at the clean
  // end of the stream, or an error with got == 0: kIo, kCorrupt, kTruncated, kUnsupported (see error()).
  [[nodiscard]] virtual ReadResult read(char* dst, size_t cap, size_t& got) noexcept = 0;
  virtual std::string_view error() const noexcept = 0;
};

// Reads up to n bytes from the start of `path` (for format sniffing). Returns the count read (may be
// fewer than n for short files), or -1 with `error` set (message names the file).
long read_prefix(const std::string& path, char* dst, size_t n, std::string& error) noexcept;

class FileByteSource final : public ByteSource {
 public:
  FileByteSource() = default;
  ~FileByteSource() override;
  // Errors: kIo (message names the file).
  [[nodiscard]] ReadResult open(const std::string& path) noexcept;
  [[nodiscard]] ReadResult read(char* dst, size_t cap, size_t& got) noexcept override;
  std::string_view error() const noexcept override { return error_; }
  uint64_t bytes_read() const noexcept { return bytes_read_; }  // since open()

 private:
  int fd_ = -1;
  uint64_t bytes_read_ = 0;
  std::string path_;
  std::string error_;
};

// Decompresses a zstd stream (one or more concatenated frames) read from `in`.
class ZstdByteSource final : public ByteSource {
 public:
  // `in` must outlive this object; `name` (the file) is used in error messages.
  ZstdByteSource(ByteSource& in, std::string name);
  ~ZstdByteSource() override;
  // Errors: kCorrupt (not zstd, damaged data), kTruncated (input ends inside a frame), and in's errors.
  [[nodiscard]] ReadResult read(char* dst, size_t cap, size_t& got) noexcept override;
  std::string_view error() const noexcept override { return error_; }

 private:
  ByteSource& in_;
  ZSTD_DCtx_s* dctx_ = nullptr;
  std::unique_ptr<char[]> in_buf_;
  size_t in_cap_ = 0;
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  bool in_end_ = false;
  bool frame_done_ = true;  // no frame started, or the last one ended cleanly
  bool any_input_ = false;
  ReadResult sticky_ = ReadResult::kOk;
  std::string name_;
  std::string error_;
};

// Splits a byte stream into lines. Each line is handed out without its "\n" (and without a "\r" before
// it) and is followed by >= kFramePadding readable bytes inside the reader's buffer, so lines can be
// parsed in place by simdjson. The buffer grows (doubling) only when a line longer than any before it
// arrives, up to max_line.
class LineReader {
 public:
  // Preconditions: src outlives the reader until the next reset; 0 < initial_capacity <= max_line.
  void reset(ByteSource* src, size_t initial_capacity, size_t max_line);

  // kOk: `line` set (valid until the next call); `terminated` is false for a last line without "\n".
  // kEnd at the end of the stream; kTooLarge when a line exceeds max_line; the source's errors otherwise.
  // All errors are terminal.
  [[nodiscard]] ReadResult next(std::string_view& line, bool& terminated) noexcept;

  uint64_t line_number() const noexcept { return line_no_; }  // 1-based number of the last line returned
  std::string_view source_error() const noexcept {
    return src_ != nullptr ? src_->error() : std::string_view{};
  }

 private:
  ByteSource* src_ = nullptr;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t max_line_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t scan_ = 0;  // bytes in [begin_, scan_) hold no newline
  bool eof_ = false;
  uint64_t line_no_ = 0;
  ReadResult sticky_ = ReadResult::kOk;
};

}  // namespace mm::detail
