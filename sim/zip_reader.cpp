#include "sim/zip_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace mm {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr size_t kEndSize = 22;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalSize = 30;
constexpr size_t kMaxComment = 0xFFFF;

uint16_t u16(const char* p) noexcept {
  return static_cast<uint16_t>(static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[1]) << 8);
}
uint32_t u32(const char* p) noexcept {
  return static_cast<uint32_t>(u16(p)) | static_cast<uint32_t>(u16(p + 2)) << 16;
}

}  // namespace

ZipArchive::~ZipArchive() {
  if (fd_ >= 0) ::close(fd_);
}

ReadResult ZipArchive::read_at(uint64_t offset, char* dst, size_t len, std::string& error) const noexcept {
  size_t done = 0;
  while (done < len) {
    const ssize_t r = ::pread(fd_, dst + done, len - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      error = path_ + ": read failed: " + std::strerror(errno);
      return ReadResult::kIo;
    }
    if (r == 0) {
      error =
          path_ + ": file ends at offset " + std::to_string(offset + done) + " inside zip data (truncated)";
      return ReadResult::kTruncated;
    }
    done += static_cast<size_t>(r);
  }
  return ReadResult::kOk;
}

int ZipArchive::find(std::string_view name) const noexcept {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

ReadResult ZipArchive::open(const std::string& path) noexcept {
  if (fd_ >= 0) ::close(fd_);
  entries_.clear();
  path_ = path;
  error_.clear();
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = path + ": cannot open: " + std::strerror(errno);
    return ReadResult::kIo;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    error_ = path + ": cannot stat: " + std::strerror(errno);
    return ReadResult::kIo;
  }
  file_size_ = static_cast<uint64_t>(st.st_size);
  // The end-of-central-directory record sits in the last 22 + comment bytes.
  const uint64_t tail_len = file_size_ < kEndSize + kMaxComment ? file_size_ : kEndSize + kMaxComment;
  std::string tail(tail_len, '\0');
  if (ReadResult r = read_at(file_size_ - tail_len, tail.data(), tail_len, error_); r != ReadResult::kOk)
    return r;
  size_t end_pos = std::string::npos;
  for (size_t i = tail_len >= kEndSize ? tail_len - kEndSize + 1 : 0; i-- > 0;) {
    if (u32(tail.data() + i) == kEndSig) {
      end_pos = i;
      break;
    }
  }
  if (end_pos == std::string::npos) {
    error_ = path + ": no zip end-of-central-directory record (not a zip file, or truncated)";
    return ReadResult::kCorrupt;
  }
  const char* e = tail.data() + end_pos;
  const uint16_t disk = u16(e + 4), cd_disk = u16(e + 6), count_here = u16(e + 8), count = u16(e + 10);
  const uint32_t cd_size = u32(e + 12), cd_offset = u32(e + 16);
  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    error_ = path + ": zip64 archives are not supported";
    return ReadResult::kUnsupported;
  }
  if (disk != 0 || cd_disk != 0 || count_here != count) {
    error_ = path + ": multi-disk zip archives are not supported";
    return ReadResult::kUnsupported;
  }
  if (uint64_t{cd_offset} + cd_size > file_size_) {
    error_ = path + ": central directory lies beyond the end of the file";
    return ReadResult::kCorrupt;
  }
  std::string cd(cd_size, '\0');
  if (ReadResult r = read_at(cd_offset, cd.data(), cd_size, error_); r != ReadResult::kOk) return r;
  size_t p = 0;
  for (uint16_t i = 0; i < count; ++i) {
    if (p + kCentralSize > cd.size() || u32(cd.data() + p) != kCentralSig) {
      error_ = path + ": damaged central directory entry " + std::to_string(i);
      return ReadResult::kCorrupt;
    }
    const char* c = cd.data() + p;
    ZipEntry z;
    z.flags = u16(c + 8);
    z.method = u16(c + 10);
    z.crc32 = u32(c + 16);
    z.compressed_size = u32(c + 20);
    z.uncompressed_size = u32(c + 24);
    const uint16_t name_len = u16(c + 28), extra_len = u16(c + 30), comment_len = u16(c + 32);
    z.local_header_offset = u32(c + 42);
    if (p + kCentralSize + name_len + extra_len + comment_len > cd.size()) {
      error_ = path + ": damaged central directory entry " + std::to_string(i);
      return ReadResult::kCorrupt;
    }
    if (z.compressed_size == 0xFFFFFFFF || z.uncompressed_size == 0xFFFFFFFF ||
        z.local_header_offset == 0xFFFFFFFF) {
      error_ = path + ": zip64 entries are not supported";
      return ReadResult::kUnsupported;
    }
    z.name.assign(c + kCentralSize, name_len);
    entries_.push_back(std::move(z));
    p += kCentralSize + name_len + extra_len + comment_len;
  }
  return ReadResult::kOk;
}

ZipEntrySource::~ZipEntrySource() {
  if (z_ != nullptr) {
    inflateEnd(z_);
    delete z_;
  }
}

ReadResult ZipEntrySource::fail(ReadResult r, std::string msg) noexcept {
  error_ = std::move(msg);
  sticky_ = r;
  return r;
}

ReadResult ZipEntrySource::open(const ZipArchive& zip, size_t index) noexcept {
  zip_ = &zip;
  sticky_ = ReadResult::kOk;
  error_.clear();
  consumed_ = produced_ = 0;
  crc_ = 0;
  z_done_ = false;
  if (index >= zip.entries().size())
    return fail(ReadResult::kIo, zip.path() + ": no zip entry " + std::to_string(index));
  entry_ = zip.entries()[index];
  const std::string where = zip.path() + " entry '" + entry_.name + "'";
  if ((entry_.flags & 1u) != 0)
    return fail(ReadResult::kUnsupported, where + ": encrypted entries are not supported");
  if (entry_.method != 0 && entry_.method != 8) {
    return fail(ReadResult::kUnsupported, where + ": compression method " + std::to_string(entry_.method) +
                                              " is not supported (only stored and deflate)");
  }
  char lh[kLocalSize];
  std::string err;
  if (ReadResult r = zip.read_at(entry_.local_header_offset, lh, kLocalSize, err); r != ReadResult::kOk) {
    return fail(r, err);
  }
  if (u32(lh) != kLocalSig) return fail(ReadResult::kCorrupt, where + ": bad local header signature");
  data_offset_ = entry_.local_header_offset + kLocalSize + u16(lh + 26) + u16(lh + 28);
  if (in_buf_ == nullptr) {
    in_cap_ = size_t{1} << 16;
    in_buf_.reset(new char[in_cap_]);
  }
  if (entry_.method == 8) {
    if (z_ == nullptr) {
      z_ = new z_stream_s{};
      if (inflateInit2(z_, -MAX_WBITS) != Z_OK) {
        delete z_;
        z_ = nullptr;
        return fail(ReadResult::kIo, where + ": cannot initialise zlib");
      }
    } else if (inflateReset(z_) != Z_OK) {
      return fail(ReadResult::kIo, where + ": cannot reset zlib");
    }
    z_->avail_in = 0;
  }
  return ReadResult::kOk;
}

ReadResult ZipEntrySource::finish() noexcept {
  if (produced_ != entry_.uncompressed_size) {
    return fail(ReadResult::kCorrupt,
                zip_->path() + " entry '" + entry_.name + "': " + std::to_string(produced_) +
                    " bytes extracted, directory says " + std::to_string(entry_.uncompressed_size));
  }
  if (crc_ != entry_.crc32) {
    return fail(ReadResult::kCorrupt, zip_->path() + " entry '" + entry_.name + "': CRC-32 mismatch");
  }
  sticky_ = ReadResult::kEnd;
  return ReadResult::kEnd;
}

ReadResult ZipEntrySource::read(char* dst, size_t cap, size_t& got) noexcept {
  got = 0;
  if (sticky_ != ReadResult::kOk) return sticky_;
  if (zip_ == nullptr) return fail(ReadResult::kIo, "zip entry not open");
  const uint64_t left_in = entry_.compressed_size - consumed_;
  if (entry_.method == 0) {
    if (left_in == 0) return finish();
    const size_t n = left_in < cap ? static_cast<size_t>(left_in) : cap;
    if (ReadResult r = zip_->read_at(data_offset_ + consumed_, dst, n, error_); r != ReadResult::kOk) {
      sticky_ = r;
      return r;
    }
    consumed_ += n;
    produced_ += n;
    crc_ = static_cast<uint32_t>(crc32(crc_, reinterpret_cast<const Bytef*>(dst), static_cast<uInt>(n)));
    got = n;
    return ReadResult::kOk;
  }
  const std::string_view name = entry_.name;
  for (;;) {
    if (z_done_) return finish();
    if (z_->avail_in == 0 && consumed_ < entry_.compressed_size) {
      const uint64_t rem = entry_.compressed_size - consumed_;
      const size_t n = rem < in_cap_ ? static_cast<size_t>(rem) : in_cap_;
      if (ReadResult r = zip_->read_at(data_offset_ + consumed_, in_buf_.get(), n, error_);
          r != ReadResult::kOk) {
        sticky_ = r;
        return r;
      }
      consumed_ += n;
      z_->next_in = reinterpret_cast<Bytef*>(in_buf_.get());
      z_->avail_in = static_cast<uInt>(n);
    }
    const uInt out_cap = cap > (1u << 30) ? (1u << 30) : static_cast<uInt>(cap);
    z_->next_out = reinterpret_cast<Bytef*>(dst);
    z_->avail_out = out_cap;
    const int rc = inflate(z_, Z_NO_FLUSH);
    const size_t n = out_cap - z_->avail_out;
    if (rc == Z_STREAM_END) {
      z_done_ = true;
    } else if (rc == Z_BUF_ERROR && n == 0 && z_->avail_in == 0 && consumed_ == entry_.compressed_size) {
      return fail(ReadResult::kTruncated, zip_->path() + " entry '" + std::string(name) +
                                              "': deflate data ends before the end of the stream");
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return fail(ReadResult::kCorrupt, zip_->path() + " entry '" + std::string(name) + "': deflate: " +
                                            (z_->msg != nullptr ? z_->msg : "error " + std::to_string(rc)));
    }
    if (n > 0) {
      produced_ += n;
      crc_ = static_cast<uint32_t>(crc32(crc_, reinterpret_cast<const Bytef*>(dst), static_cast<uInt>(n)));
      got = n;
      return ReadResult::kOk;
    }
  }
}

}  // namespace mm
