#pragma once
// Minimal zip reader for Bybit's historical downloads ({date}_{symbol}_ob{200,500}.data.zip): central
// directory listing and streaming extraction of entries stored (method 0) or deflated (method 8), with
// CRC-32 and size checks. Not supported (kUnsupported): zip64, encryption, other methods, multi-disk.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/frame.h"
#include "sim/detail/byte_source.h"

struct z_stream_s;

namespace mm {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflate
  uint16_t flags = 0;   // general purpose bit flags (bit 0: encrypted, bit 3: data descriptor)
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
};

class ZipArchive {
 public:
  ZipArchive() = default;
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  // Opens the archive and reads its central directory. Errors: kIo, kCorrupt (no end-of-central-directory
  // record: not a zip or truncated; damaged directory), kUnsupported (zip64, multi-disk).
  [[nodiscard]] ReadResult open(const std::string& path) noexcept;
  const std::vector<ZipEntry>& entries() const noexcept { return entries_; }
  // Index of the entry named `name`, or -1.
  int find(std::string_view name) const noexcept;
  std::string_view error() const noexcept { return error_; }
  const std::string& path() const noexcept { return path_; }

  // Reads `len` bytes at `offset` (pread). Errors: kIo, kTruncated (file shorter than the directory says).
  [[nodiscard]] ReadResult read_at(uint64_t offset, char* dst, size_t len, std::string& error) const noexcept;

 private:
  int fd_ = -1;
  uint64_t file_size_ = 0;
  std::vector<ZipEntry> entries_;
  std::string path_;
  std::string error_;
};

// Streams one entry's uncompressed bytes. The archive must outlive the stream.
class ZipEntrySource final : public detail::ByteSource {
 public:
  ZipEntrySource() = default;
  ~ZipEntrySource() override;

  // Errors: kUnsupported (encrypted entry or a method other than 0 and 8), kCorrupt (bad local header),
  // kIo, kTruncated.
  [[nodiscard]] ReadResult open(const ZipArchive& zip, size_t index) noexcept;
  // Errors: kIo, kTruncated (archive ends inside the entry), kCorrupt (bad deflate data, CRC-32 or size
  // mismatch; detected at the end of the entry, after all its bytes were delivered).
  [[nodiscard]] ReadResult read(char* dst, size_t cap, size_t& got) noexcept override;
  std::string_view error() const noexcept override { return error_; }

 private:
  ReadResult fail(ReadResult r, std::string msg) noexcept;
  ReadResult finish() noexcept;

  const ZipArchive* zip_ = nullptr;
  ZipEntry entry_;
  uint64_t data_offset_ = 0;
  uint64_t consumed_ = 0;  // compressed bytes read from the archive
  uint64_t produced_ = 0;  // uncompressed bytes delivered
  uint32_t crc_ = 0;
  z_stream_s* z_ = nullptr;
  bool z_done_ = false;
  std::unique_ptr<char[]> in_buf_;
  size_t in_cap_ = 0;
  ReadResult sticky_ = ReadResult::kOk;
  std::string error_;
};

}  // namespace mm
