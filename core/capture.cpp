#include "core/capture.h"

#include "core/crc32c.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <utility>

namespace mm {

std::string_view to_string(CaptureError e) noexcept {
  switch (e) {
    case CaptureError::kOk:
      return "ok";
    case CaptureError::kIo:
      return "io";
    case CaptureError::kTooLarge:
      return "too_large";
    case CaptureError::kNotOpen:
      return "not_open";
    case CaptureError::kInvalid:
      return "invalid";
  }
  return "?";
}

namespace {

// The format is little-endian; x86-64 and aarch64 Linux are too, so these are plain copies.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "mm capture I/O assumes a little-endian host");

template <class T>
void put(char* p, T v) noexcept {
  std::memcpy(p, &v, sizeof(T));
}
template <class T>
T get(const char* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

// ------------------------------------------------------------------------------------------- writer

CaptureWriter::CaptureWriter(size_t buffer_bytes) : buf_(new char[buffer_bytes]), cap_(buffer_bytes) {}

CaptureWriter::~CaptureWriter() {
  abort();
}

CaptureError CaptureWriter::fail_io() noexcept {
  failed_ = true;
  error_ = file_.error();
  return CaptureError::kIo;
}

CaptureError CaptureWriter::open(const std::string& path, int64_t created_ns, uint16_t flags) noexcept {
  if (file_.is_open()) {
    error_ = path + ": writer already open on " + path_;
    return CaptureError::kInvalid;
  }
  path_ = path;
  error_.clear();
  failed_ = false;
  len_ = 0;
  records_ = 0;
  bytes_ = 0;
  if (!file_.open(path)) return fail_io();
  char* h = buf_.get();
  std::memcpy(h, kCaptureMagic, 8);
  put<uint16_t>(h + 8, kCaptureVersion);
  put<uint16_t>(h + 10, flags);
  put<uint32_t>(h + 12, kCaptureHeaderSize);
  put<int64_t>(h + 16, created_ns);
  put<uint64_t>(h + 24, 0);
  len_ = kCaptureHeaderSize;
  bytes_ = kCaptureHeaderSize;
  block_start_ = 0;
  block_crc_ = crc32c(0, h, kCaptureHeaderSize);
  return CaptureError::kOk;
}

CaptureError CaptureWriter::write_all(const char* p, size_t n) noexcept {
  return file_.write(p, n) ? CaptureError::kOk : fail_io();
}

// Closes the current block: its CRC and length, in a record outside every block.
CaptureError CaptureWriter::put_checksum() noexcept {
  char rec[kCaptureRecordHeaderSize + kCaptureChecksumPayload] = {};
  put<uint32_t>(rec, kCaptureChecksumPayload);
  rec[4] = static_cast<char>(kCaptureRecordChecksum);
  put<uint32_t>(rec + kCaptureRecordHeaderSize, block_crc_);
  put<uint32_t>(rec + kCaptureRecordHeaderSize + 4, static_cast<uint32_t>(bytes_ - block_start_));
  if (len_ + sizeof rec > cap_) {
    if (CaptureError e = flush(); e != CaptureError::kOk) return e;
  }
  std::memcpy(buf_.get() + len_, rec, sizeof rec);
  len_ += sizeof rec;
  bytes_ += sizeof rec;
  block_start_ = bytes_;
  block_crc_ = 0;
  return CaptureError::kOk;
}

CaptureError CaptureWriter::append(uint8_t type, uint8_t kind, uint32_t conn_id, int64_t recv_ns,
                                   std::string_view a, std::string_view b, std::string_view c) noexcept {
  if (!file_.is_open()) return CaptureError::kNotOpen;
  if (failed_) return CaptureError::kIo;
  const size_t payload = a.size() + b.size() + c.size();
  if (payload > kMaxCapturePayload) {
    error_ = path_ + ": record payload of " + std::to_string(payload) + " bytes exceeds the format limit";
    return CaptureError::kTooLarge;
  }
  char head[kCaptureRecordHeaderSize];
  put<uint32_t>(head, static_cast<uint32_t>(payload));
  head[4] = static_cast<char>(type);
  head[5] = static_cast<char>(kind);
  put<uint16_t>(head + 6, 0);
  put<uint32_t>(head + 8, conn_id);
  put<int64_t>(head + 12, recv_ns);
  const size_t total = sizeof(head) + payload;
  if (len_ + total > cap_) {
    if (CaptureError e = flush(); e != CaptureError::kOk) return e;
  }
  block_crc_ = crc32c(block_crc_, head, sizeof head);
  for (std::string_view part : {a, b, c}) block_crc_ = crc32c(block_crc_, part.data(), part.size());
  if (total <= cap_) {
    char* p = buf_.get() + len_;
    std::memcpy(p, head, sizeof(head));
    p += sizeof(head);
    for (std::string_view part : {a, b, c}) {
      if (!part.empty()) std::memcpy(p, part.data(), part.size());
      p += part.size();
    }
    len_ += total;
  } else {
    // Larger than the whole buffer (rare: huge HTTP bodies): straight to the kernel, buffer already empty.
    if (CaptureError e = write_all(head, sizeof(head)); e != CaptureError::kOk) return e;
    for (std::string_view part : {a, b, c}) {
      if (CaptureError e = write_all(part.data(), part.size()); e != CaptureError::kOk) return e;
    }
  }
  ++records_;
  bytes_ += total;
  if (bytes_ - block_start_ >= kCaptureChecksumBlock) return put_checksum();
  return CaptureError::kOk;
}

CaptureError CaptureWriter::write_connection(uint32_t conn_id, int64_t recv_ns, std::string_view url,
                                             bool has_category, Category category) noexcept {
  const char cat = has_category ? static_cast<char>(category) : static_cast<char>(kCaptureNoCategory);
  return append(kCaptureRecordConnection, 0, conn_id, recv_ns, std::string_view(&cat, 1), url, {});
}

CaptureError CaptureWriter::write_frame(FrameKind kind, uint32_t conn_id, int64_t recv_ns,
                                        std::string_view data) noexcept {
  if (kind != FrameKind::kRecv && kind != FrameKind::kSend) {
    if (!file_.is_open()) return CaptureError::kNotOpen;
    error_ = path_ + ": write_frame takes recv or send frames only";
    return CaptureError::kInvalid;
  }
  return append(kCaptureRecordFrame, static_cast<uint8_t>(kind), conn_id, recv_ns, data, {}, {});
}

CaptureError CaptureWriter::write_http(uint32_t conn_id, int64_t recv_ns, std::string_view url,
                                       std::string_view body) noexcept {
  if (url.size() > kMaxCapturePayload) {
    if (!file_.is_open()) return CaptureError::kNotOpen;
    error_ = path_ + ": http url too long";
    return CaptureError::kTooLarge;
  }
  char len[4];
  put<uint32_t>(len, static_cast<uint32_t>(url.size()));
  return append(kCaptureRecordFrame, static_cast<uint8_t>(FrameKind::kHttp), conn_id, recv_ns,
                std::string_view(len, 4), url, body);
}

CaptureError CaptureWriter::write(const Frame& f) noexcept {
  switch (f.kind) {
    case FrameKind::kConnect:
      return write_connection(f.conn_id, f.recv_ns, f.url, f.has_category, f.category);
    case FrameKind::kHttp:
      return write_http(f.conn_id, f.recv_ns, f.url, f.data);
    case FrameKind::kRecv:
    case FrameKind::kSend:
      return write_frame(f.kind, f.conn_id, f.recv_ns, f.data);
  }
  return CaptureError::kInvalid;
}

CaptureError CaptureWriter::flush() noexcept {
  if (!file_.is_open()) return CaptureError::kNotOpen;
  if (failed_) return CaptureError::kIo;
  const CaptureError e = write_all(buf_.get(), len_);
  len_ = 0;
  return e;
}

CaptureError CaptureWriter::sync() noexcept {
  if (CaptureError e = flush(); e != CaptureError::kOk) return e;
  if (::fdatasync(file_.fd()) != 0) {
    failed_ = true;
    error_ = path_ + ": fdatasync failed: " + errno_text();
    return CaptureError::kIo;
  }
  return CaptureError::kOk;
}

CaptureError CaptureWriter::close() noexcept {
  if (!file_.is_open()) return CaptureError::kNotOpen;
  CaptureError e = failed_ ? CaptureError::kIo : CaptureError::kOk;
  if (e == CaptureError::kOk && bytes_ > block_start_) e = put_checksum();
  if (e == CaptureError::kOk) {
    char rec[kCaptureRecordHeaderSize + kCaptureEndPayload] = {};
    put<uint32_t>(rec, kCaptureEndPayload);
    rec[4] = static_cast<char>(kCaptureRecordEnd);
    put<uint64_t>(rec + kCaptureRecordHeaderSize, records_);
    put<uint64_t>(rec + kCaptureRecordHeaderSize + 8, bytes_ + sizeof rec);
    if (len_ + sizeof rec > cap_) e = flush();
    if (e == CaptureError::kOk) {
      std::memcpy(buf_.get() + len_, rec, sizeof rec);
      len_ += sizeof rec;
      bytes_ += sizeof rec;
      e = flush();
    }
  }
  if (e == CaptureError::kOk && !file_.commit()) e = fail_io();
  if (e != CaptureError::kOk) {
    if (error_.empty()) error_ = path_ + ": write failed";
    file_.abort();
  }
  len_ = 0;
  return e;
}

void CaptureWriter::abort() noexcept {
  file_.abort();
  len_ = 0;
}

// ------------------------------------------------------------------------------------------- reader

CaptureReader::CaptureReader() noexcept = default;

CaptureReader::~CaptureReader() {
  close();
}

void CaptureReader::close() noexcept {
  if (map_ != nullptr) ::munmap(map_, map_len_);
  map_ = nullptr;
  map_len_ = 0;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  owned_.reset();
  window_cap_ = 0;
  base_ = nullptr;
  win_off_ = 0;
  win_end_ = 0;
  size_ = 0;
  pos_ = 0;
  conns_.clear();
  last_conn_ = 0;
  sticky_ = ReadResult::kOk;
  header_ = {};
  checksummed_ = false;
  block_start_ = 0;
  verified_end_ = 0;
  records_seen_ = 0;
}

ReadResult CaptureReader::fail(ReadResult r, std::string msg) noexcept {
  error_ = path_ + ": " + std::move(msg);
  if (r != ReadResult::kOk && r != ReadResult::kEnd) sticky_ = r;
  return r;
}

ReadResult CaptureReader::open(const std::string& path, const CaptureReadOptions& options) noexcept {
  close();
  path_ = path;
  error_.clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ReadResult::kIo, "cannot open: " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    return fail(ReadResult::kIo, "cannot stat: " + why);
  }
  if (S_ISREG(st.st_mode) && options.mode == CaptureReadMode::kStream) {
    size_ = static_cast<size_t>(st.st_size);
    fd_ = fd;  // kept open: read on demand, closed by close()
    if (const ReadResult r = open_window(options); r != ReadResult::kOk) return r;
  } else if (S_ISREG(st.st_mode)) {
    size_ = static_cast<size_t>(st.st_size);
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    // Reserve the file's pages plus one anonymous page, then map the file over the start: the bytes after
    // the last record are the zero tail of the last file page or the anonymous page, never unmapped memory.
    map_len_ = (size_ + page - 1) / page * page + page;
    map_ = ::mmap(nullptr, map_len_, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map_ == MAP_FAILED) {
      map_ = nullptr;
      const std::string why = errno_text();
      ::close(fd);
      return fail(ReadResult::kIo, "cannot reserve memory: " + why);
    }
    if (size_ > 0 && ::mmap(map_, size_, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
      const std::string why = errno_text();
      ::close(fd);
      return fail(ReadResult::kIo, "cannot map: " + why);
    }
    ::madvise(map_, map_len_, MADV_SEQUENTIAL);
    base_ = static_cast<const char*>(map_);
    win_end_ = size_;
  } else if (const ReadResult r = read_stream(fd); r != ReadResult::kOk) {
    ::close(fd);
    return r;
  }
  if (fd_ < 0) ::close(fd);  // the mapping (or the buffer) keeps the bytes

  const size_t magic_len = size_ < 8 ? size_ : 8;
  const char* head = bytes(0, size_ < kCaptureHeaderSize ? size_ : kCaptureHeaderSize);
  if (head == nullptr) return sticky_;
  if (std::memcmp(head, kCaptureMagic, magic_len) != 0) {
    return fail(ReadResult::kCorrupt, "not an mm capture file (bad magic)");
  }
  if (size_ < 16) {
    return fail(ReadResult::kTruncated,
                "file of " + std::to_string(size_) + " bytes is shorter than a capture header");
  }
  header_.version = get<uint16_t>(head + 8);
  header_.flags = get<uint16_t>(head + 10);
  header_.header_size = get<uint32_t>(head + 12);
  if (header_.version != kCaptureVersion && header_.version != kCaptureVersionNoChecksum) {
    return fail(ReadResult::kUnsupported, "capture version " + std::to_string(header_.version) +
                                              " is not supported (this build reads versions 1 and " +
                                              std::to_string(kCaptureVersion) + ")");
  }
  checksummed_ = header_.version >= 2;
  if (header_.header_size < kCaptureHeaderSize) {
    return fail(ReadResult::kCorrupt, "header_size " + std::to_string(header_.header_size) + " < 32");
  }
  if (size_ < header_.header_size) {
    return fail(ReadResult::kTruncated, "file of " + std::to_string(size_) + " bytes is shorter than its " +
                                            std::to_string(header_.header_size) + "-byte header");
  }
  header_.created_ns = get<int64_t>(head + 16);
  pos_ = header_.header_size;
  block_start_ = 0;
  verified_end_ = 0;
  return ReadResult::kOk;
}

// Checksum and end records are outside every block: their kind, reserved, conn_id and recv_ns bytes must be
// the zeros the writer puts there, or a flipped bit in them would pass unseen.
namespace {
bool control_fields_zero(const char* record) noexcept {
  for (size_t i = 5; i < kCaptureRecordHeaderSize; ++i) {
    if (record[i] != 0) return false;
  }
  return true;
}
}  // namespace

// Pipes and devices: read once into one padded buffer (cold path, allocation is fine), the magic checked as
// soon as it has arrived (an endless /dev/zero is refused at once) and the total capped.
ReadResult CaptureReader::read_stream(int fd) noexcept {
  size_t cap = size_t{1} << 20;
  std::unique_ptr<char[]> buf(new (std::nothrow) char[cap + kFramePadding]);
  if (!buf) return fail(ReadResult::kIo, "out of memory");
  size_t len = 0;
  bool magic_checked = false;
  for (;;) {
    if (len == cap) {
      if (cap >= kMaxCaptureStreamBytes) {
        return fail(ReadResult::kTooLarge, "a capture read from a pipe or device is limited to " +
                                               std::to_string(kMaxCaptureStreamBytes >> 30) +
                                               " GiB (it is held in memory); write it to a file first");
      }
      std::unique_ptr<char[]> bigger(new (std::nothrow) char[cap * 2 + kFramePadding]);
      if (!bigger) return fail(ReadResult::kIo, "out of memory reading " + std::to_string(len) + " bytes");
      std::memcpy(bigger.get(), buf.get(), len);
      buf = std::move(bigger);
      cap *= 2;
    }
    const ssize_t r = ::read(fd, buf.get() + len, cap - len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(ReadResult::kIo, "read failed: " + errno_text());
    if (r == 0) break;
    len += static_cast<size_t>(r);
    if (!magic_checked && len >= 8) {
      if (std::memcmp(buf.get(), kCaptureMagic, 8) != 0) {
        return fail(ReadResult::kCorrupt, "not an mm capture file (bad magic)");
      }
      magic_checked = true;
    }
  }
  std::memset(buf.get() + len, 0, kFramePadding);
  owned_ = std::move(buf);
  base_ = owned_.get();
  size_ = len;
  win_end_ = len;
  return ReadResult::kOk;
}

// kStream: the window, allocated once here (grown only for a block or record larger than it), and the
// kernel told the file is read once from start to end (it reads ahead and may drop pages behind).
ReadResult CaptureReader::open_window(const CaptureReadOptions& options) noexcept {
  window_cap_ = options.window_bytes < 4096 ? 4096 : options.window_bytes;
  owned_.reset(new (std::nothrow) char[window_cap_ + kFramePadding]);
  if (!owned_)
    return fail(ReadResult::kIo,
                "out of memory for a read window of " + std::to_string(window_cap_) + " bytes");
  std::memset(owned_.get() + window_cap_, 0, kFramePadding);
  base_ = owned_.get();
  win_off_ = 0;
  win_end_ = 0;
  (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  return ReadResult::kOk;
}

// kStream: moves the bytes still needed (from min(off, pos_): the record being read and, while a block is
// verified, the block) to the window's start, grows the window if they and [off, off + n) do not fit, and
// fills it from the file: one pread per window, not per record.
const char* CaptureReader::refill(size_t off, size_t n) noexcept {
  if (fd_ < 0) {
    // Mapped or read whole: every byte of the file is in memory, so a request past it is a bug here.
    fail(ReadResult::kIo, "internal: read past the end of the file at offset " + std::to_string(off));
    return nullptr;
  }
  const size_t keep = off < pos_ ? off : pos_;
  const size_t kept = win_end_ > keep ? win_end_ - keep : 0;
  const size_t need = off + n - keep;
  if (need > window_cap_) {
    const size_t cap = need > window_cap_ * 2 ? need : window_cap_ * 2;
    std::unique_ptr<char[]> bigger(new (std::nothrow) char[cap + kFramePadding]);
    if (!bigger) {
      fail(ReadResult::kIo, "out of memory for a read window of " + std::to_string(cap) +
                                " bytes at offset " + std::to_string(off));
      return nullptr;
    }
    if (kept > 0) std::memcpy(bigger.get(), base_ + (keep - win_off_), kept);
    std::memset(bigger.get() + cap, 0, kFramePadding);
    owned_ = std::move(bigger);
    window_cap_ = cap;
  } else if (kept > 0 && keep != win_off_) {
    std::memmove(owned_.get(), base_ + (keep - win_off_), kept);
  }
  base_ = owned_.get();
  win_off_ = keep;
  win_end_ = keep + kept;
  const size_t fill_end = win_off_ + window_cap_ < size_ ? win_off_ + window_cap_ : size_;
  while (win_end_ < fill_end) {
    const ssize_t r =
        ::pread(fd_, owned_.get() + (win_end_ - win_off_), fill_end - win_end_, static_cast<off_t>(win_end_));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      fail(ReadResult::kIo, "read failed at offset " + std::to_string(win_end_) + ": " + errno_text());
      return nullptr;
    }
    if (r == 0) {
      fail(ReadResult::kIo, "the file ends at offset " + std::to_string(win_end_) + " but had " +
                                std::to_string(size_) + " bytes when it was opened (shrunk while read)");
      return nullptr;
    }
    win_end_ += static_cast<size_t>(r);
  }
  return base_ + (off - win_off_);
}

// Whether every byte from off to the end of the file is 0 (a crash's zero-filled tail). Cold; kStream reads
// the tail through a small buffer of its own instead of growing the window to it.
bool CaptureReader::zeros_from(size_t off) noexcept {
  if (fd_ < 0) {
    for (size_t i = off; i < size_; ++i) {
      if (base_[i - win_off_] != 0) return false;
    }
    return true;
  }
  char buf[4096];
  while (off < size_) {
    const size_t want = size_ - off < sizeof buf ? size_ - off : sizeof buf;
    const ssize_t r = ::pread(fd_, buf, want, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    for (ssize_t i = 0; i < r; ++i) {
      if (buf[i] != 0) return false;
    }
    off += static_cast<size_t>(r);
  }
  return true;
}

// Version 2: before the first record of a block is yielded, finds the block's checksum record by walking the
// record headers, and checks the block. A walk that runs into the end of the file (a file cut short) lets
// the complete records through unchecked: the reader reports kTruncated after them, as for version 1.
ReadResult CaptureReader::verify_block() noexcept {
  size_t q = pos_;
  // The CRC is taken record by record during the walk: one sequential pass over the block, which the hardware
  // prefetcher follows. (A walk of the headers alone is a chain of dependent loads over cold memory, one miss
  // per record, and the CRC was then a second pass: together about 40 % of `mm replay`'s CPU time on an hour
  // of `mm gen` output.)
  const char* covered_before = bytes(block_start_, q - block_start_);
  if (covered_before == nullptr) return sticky_;
  uint32_t crc = crc32c(0, covered_before, q - block_start_);
  for (;;) {
    const size_t left = size_ - q;
    if (left < kCaptureRecordHeaderSize) break;
    const char* r = bytes(q, kCaptureRecordHeaderSize);
    if (r == nullptr) return sticky_;
    const uint32_t len = get<uint32_t>(r);
    const uint8_t type = static_cast<uint8_t>(r[4]);
    if (type == kCaptureRecordChecksum) {
      if (len != kCaptureChecksumPayload || left - kCaptureRecordHeaderSize < len) break;
      r = bytes(q, kCaptureRecordHeaderSize + len);
      if (r == nullptr) return sticky_;
      if (!control_fields_zero(r)) {
        return fail(ReadResult::kCorrupt, "damaged checksum record at offset " + std::to_string(q));
      }
      const uint32_t want = get<uint32_t>(r + kCaptureRecordHeaderSize);
      const uint32_t covered = get<uint32_t>(r + kCaptureRecordHeaderSize + 4);
      if (covered != q - block_start_ || want != crc) {
        return fail(ReadResult::kCorrupt, "checksum mismatch in the block at offsets [" +
                                              std::to_string(block_start_) + ", " + std::to_string(q) +
                                              "): the file is damaged");
      }
      verified_end_ = q;
      return ReadResult::kOk;
    }
    if (type != kCaptureRecordFrame && type != kCaptureRecordConnection && type != kCaptureRecordEnd) {
      if (zeros_from(q)) break;  // an interrupted write: next() reports it where it starts
      return fail(ReadResult::kCorrupt, "damaged record header at offset " + std::to_string(q) +
                                            " in the block starting at offset " +
                                            std::to_string(block_start_));
    }
    if (len > kMaxCapturePayload) {
      return fail(ReadResult::kCorrupt, "damaged record header at offset " + std::to_string(q) +
                                            " (payload length " + std::to_string(len) + ")");
    }
    if (left - kCaptureRecordHeaderSize < len) break;
    r = bytes(q, kCaptureRecordHeaderSize + len);
    if (r == nullptr) return sticky_;
    crc = crc32c(crc, r, kCaptureRecordHeaderSize + len);
    q += kCaptureRecordHeaderSize + len;
  }
  verified_end_ = size_;  // no checksum ahead: the file was cut; records up to the cut are yielded
  return ReadResult::kOk;
}

// Checksum and end records (version 2); pos_ is at the record.
ReadResult CaptureReader::control_record(uint8_t type, uint32_t len, const char* payload) noexcept {
  if (!checksummed_) {
    return fail(ReadResult::kCorrupt,
                "unknown record type " + std::to_string(type) + " at offset " + std::to_string(pos_));
  }
  if (type == kCaptureRecordChecksum) {
    if (len != kCaptureChecksumPayload || pos_ != verified_end_) {
      return fail(ReadResult::kCorrupt, "unexpected checksum record at offset " + std::to_string(pos_));
    }
    pos_ += kCaptureRecordHeaderSize + len;
    block_start_ = pos_;
    return ReadResult::kOk;
  }
  if (!control_fields_zero(payload - kCaptureRecordHeaderSize)) {
    return fail(ReadResult::kCorrupt, "damaged end record at offset " + std::to_string(pos_));
  }
  const uint64_t records = len == kCaptureEndPayload ? get<uint64_t>(payload) : 0;
  const uint64_t size = len == kCaptureEndPayload ? get<uint64_t>(payload + 8) : 0;
  if (len != kCaptureEndPayload || block_start_ != pos_ || records != records_seen_ ||
      size != pos_ + kCaptureRecordHeaderSize + len) {
    return fail(ReadResult::kCorrupt, "damaged end record at offset " + std::to_string(pos_) + " (" +
                                          std::to_string(records_seen_) + " records read)");
  }
  if (size != size_) {
    return fail(ReadResult::kCorrupt, std::to_string(size_ - size) +
                                          " bytes after the end record at offset " + std::to_string(pos_));
  }
  pos_ = size_;
  sticky_ = ReadResult::kEnd;
  return ReadResult::kEnd;
}

CaptureReader::Conn* CaptureReader::find_conn(uint32_t id) noexcept {
  if (last_conn_ < conns_.size() && conns_[last_conn_].id == id) return &conns_[last_conn_];
  for (size_t i = 0; i < conns_.size(); ++i) {
    if (conns_[i].id == id) {
      last_conn_ = i;
      return &conns_[i];
    }
  }
  return nullptr;
}

ReadResult CaptureReader::next(Frame& out) noexcept {
  for (;;) {
    if (sticky_ != ReadResult::kOk) return sticky_;
    if (base_ == nullptr) return fail(ReadResult::kIo, "reader is not open");
    // A block is verified when its first record is reached (pos_ past the last verified block's checksum
    // record). The checksum record itself (pos_ == verified_end_) was checked with its block.
    if (checksummed_ && pos_ > verified_end_ && pos_ < size_) {
      if (const ReadResult v = verify_block(); v != ReadResult::kOk) return v;
    }
    const size_t left = size_ - pos_;
    if (left == 0) {
      if (!checksummed_) return ReadResult::kEnd;
      return fail(ReadResult::kTruncated,
                  "file ends at offset " + std::to_string(pos_) +
                      " without its end record (the writer did not finish: a crash, a "
                      "kill, a full disk or a copy cut short)");
    }
    // A crash on a filesystem that extends the file before writing the data can leave zeros: that is a
    // truncated write, not damage.
    auto zero_tail = [&]() noexcept { return zeros_from(pos_); };
    if (left < kCaptureRecordHeaderSize) {
      return fail(ReadResult::kTruncated, "file ends inside a record header at offset " +
                                              std::to_string(pos_) + " (" + std::to_string(left) +
                                              " trailing bytes)");
    }
    const char* r = bytes(pos_, kCaptureRecordHeaderSize);
    if (r == nullptr) return sticky_;
    const uint32_t len = get<uint32_t>(r);
    const uint8_t type = static_cast<uint8_t>(r[4]);
    const uint8_t kind = static_cast<uint8_t>(r[5]);
    if (type != kCaptureRecordFrame && type != kCaptureRecordConnection && type != kCaptureRecordChecksum &&
        type != kCaptureRecordEnd) {
      if (zero_tail()) {
        return fail(ReadResult::kTruncated, "zero-filled tail of " + std::to_string(left) +
                                                " bytes at offset " + std::to_string(pos_) +
                                                " (interrupted write)");
      }
      return fail(ReadResult::kCorrupt,
                  "unknown record type " + std::to_string(type) + " at offset " + std::to_string(pos_));
    }
    if (len > kMaxCapturePayload) {
      return fail(ReadResult::kCorrupt, "record at offset " + std::to_string(pos_) + " claims " +
                                            std::to_string(len) + " payload bytes, above the format limit");
    }
    if (left - kCaptureRecordHeaderSize < len) {
      return fail(ReadResult::kTruncated, "file ends inside the record at offset " + std::to_string(pos_) +
                                              " (" + std::to_string(len) + " payload bytes announced, " +
                                              std::to_string(left - kCaptureRecordHeaderSize) + " present)");
    }
    r = bytes(pos_, kCaptureRecordHeaderSize + len);  // the window may move: the header is re-read from it
    if (r == nullptr) return sticky_;
    const uint32_t conn_id = get<uint32_t>(r + 8);
    const int64_t recv_ns = get<int64_t>(r + 12);
    const char* payload = r + kCaptureRecordHeaderSize;
    if (type == kCaptureRecordChecksum || type == kCaptureRecordEnd) {
      // A loop, not a recursion: a hostile file of empty blocks must not exhaust the stack.
      if (const ReadResult c = control_record(type, len, payload); c != ReadResult::kOk) return c;
      continue;
    }
    ++records_seen_;

    if (type == kCaptureRecordConnection) {
      if (len < 1) {
        return fail(ReadResult::kCorrupt,
                    "connection record at offset " + std::to_string(pos_) + " has no category byte");
      }
      const uint8_t cat = static_cast<uint8_t>(payload[0]);
      if (cat != kCaptureNoCategory && cat >= kCategoryCount) {
        return fail(ReadResult::kCorrupt, "connection record at offset " + std::to_string(pos_) +
                                              " has category code " + std::to_string(cat));
      }
      Conn* c = find_conn(conn_id);
      if (c == nullptr) {
        conns_.emplace_back();
        last_conn_ = conns_.size() - 1;
        c = &conns_.back();
      }
      c->id = conn_id;
      c->has_category = cat != kCaptureNoCategory;
      c->category = cat != kCaptureNoCategory ? static_cast<Category>(cat) : Category::kLinear;
      c->url = std::string_view(payload + 1, len - 1);
      if (fd_ >= 0) {
        // kStream: the window is reused, so the URL (which later frames of the connection carry) is copied.
        c->owned.assign(c->url);
        c->url = c->owned;
      }
      out.recv_ns = recv_ns;
      out.conn_id = conn_id;
      out.kind = FrameKind::kConnect;
      out.has_category = c->has_category;
      out.category = c->category;
      out.url = c->url;
      out.data = std::string_view(payload + len, 0);
      pos_ += kCaptureRecordHeaderSize + len;
      return ReadResult::kOk;
    }

    if (kind > static_cast<uint8_t>(FrameKind::kHttp)) {
      return fail(ReadResult::kCorrupt,
                  "frame record at offset " + std::to_string(pos_) + " has kind " + std::to_string(kind));
    }
    out.recv_ns = recv_ns;
    out.conn_id = conn_id;
    out.kind = static_cast<FrameKind>(kind);
    if (out.kind == FrameKind::kHttp) {
      if (len < 4 || get<uint32_t>(payload) > len - 4) {
        return fail(ReadResult::kCorrupt,
                    "http record at offset " + std::to_string(pos_) + " has a url longer than its payload");
      }
      const uint32_t url_len = get<uint32_t>(payload);
      out.url = std::string_view(payload + 4, url_len);
      out.data = std::string_view(payload + 4 + url_len, len - 4 - url_len);
      out.has_category = category_from_url(out.url, out.category);
    } else {
      const Conn* c = find_conn(conn_id);
      out.data = std::string_view(payload, len);
      if (c != nullptr) {
        out.url = c->url;
        out.has_category = c->has_category;
        out.category = c->category;
      } else {
        out.url = {};
        out.has_category = false;
        out.category = Category::kLinear;
      }
    }
    pos_ += kCaptureRecordHeaderSize + len;
    return ReadResult::kOk;
  }
}

}  // namespace mm
