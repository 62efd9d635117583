#pragma once
// mm capture: the project's own recording format. The live recorder writes it, `mm convert` produces it
// from other formats, the synthetic generator emits it, and replay/backtest read it (mapped, zero copies, or
// streamed through one reused window: CaptureReadMode).
//
// ---------------------------------------------------------------------------------------------------
// FORMAT CONTRACT, version 2 (version 1 is still read). All integers little-endian, no alignment, no padding
// between fields.
//
// File header, 32 bytes:
//   off  size  field
//     0     8  magic          "MMCAP" 0x0D 0x0A 0x1A  (CR LF and ^Z catch text-mode mangling, as PNG does)
//     8     2  version        u16 = 2 (1: older files, see below); a reader rejects versions it does not know
//                             (kUnsupported)
//    10     2  flags          u16; bit 0 kCaptureFlagSynthetic (written by the market generator); others 0
//    12     4  header_size    u32 >= 32; readers skip to this offset, so later versions may extend the header
//    16     8  created_ns     i64, ns since the Unix epoch, supplied by the writer's caller (0 = unknown)
//    24     8  reserved       written 0, ignored
//
// Then records. Each record is a 20-byte header followed by payload_len bytes:
//   off  size  field
//     0     4  payload_len    u32 <= kMaxCapturePayload
//     4     1  type           'F' (0x46) frame | 'C' (0x43) connection-info | 'K' (0x4B) checksum |
//                             'E' (0x45) end; any other value is corruption (so a zero-filled tail left by a
//                             crash never parses as a record)
//     5     1  kind           frame records: FrameKind 0 recv, 1 send, 2 http; other records: 0
//     6     2  reserved       u16, written 0, ignored
//     8     4  conn_id        u32, chosen by the writer; frames refer to the latest connection-info of that
//                             id (0 in K and E records)
//    12     8  recv_ns        i64, local receive/send/open time, ns since the Unix epoch (0 in K and E
//    records) 20     n  payload
//
// Payloads:
//   frame, kind recv/send:  the message bytes, verbatim.
//   frame, kind http:       u32 url_len, url bytes, then the response body. Frame::data is the body,
//                           Frame::url the URL; the category comes from the URL's `category=` query.
//   connection-info:        u8 category (0 linear, 1 inverse, 2 spot, 3 option, 0xFF none), then the
//                           connection URL (rest of payload). Read back as a FrameKind::kConnect frame
//                           whose url is that URL. Later frames of conn_id carry its category and URL.
//   checksum (v2, 8 bytes): u32 CRC-32C (core/crc32c.h) of every byte of the block, u32 block length. A block
//                           runs from the end of the previous checksum record (the first one from offset 0,
//                           so it covers the file header) to the start of this record. The writer closes a
//                           block after the first record that takes it to kCaptureChecksumBlock bytes or
//                           more, and before the end record.
//   end (v2, 16 bytes):     u64 number of frame and connection-info records in the file, u64 file size
//                           (including this record). It is the last record; a checksum record precedes it.
//
// Integrity (v2): a reader verifies each block's checksum before it yields the block's first record, and
// reports kCorrupt with the block's offsets on a mismatch. A file that ends without its end record (a writer
// that died, a copy cut short) yields its complete records and then kTruncated: it never passes for a whole
// recording. Version 1 files have no checksum or end record; they read as before (records until end of file,
// kTruncated for a record cut short).
//
// Writers create the file atomically (core/atomic_file.h): it appears under its name only when closed.
// ---------------------------------------------------------------------------------------------------
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/atomic_file.h"
#include "core/frame.h"
#include "core/types.h"

namespace mm {

inline constexpr char kCaptureMagic[8] = {'M', 'M', 'C', 'A', 'P', '\r', '\n', '\x1a'};
inline constexpr uint16_t kCaptureVersion = 2;
inline constexpr uint16_t kCaptureVersionNoChecksum = 1;  // older files: still read
inline constexpr uint32_t kCaptureHeaderSize = 32;
inline constexpr uint32_t kCaptureRecordHeaderSize = 20;
inline constexpr uint16_t kCaptureFlagSynthetic = 1;
// Why a cap below u32: a damaged length field must not make a reader map or allocate gigabytes; the
// largest real frame (a full instruments-info response) is under 1 MiB.
inline constexpr uint32_t kMaxCapturePayload = 256u << 20;
// A capture read from a pipe or device is held in memory: refused above this size (write it to a file, which
// is mapped instead).
inline constexpr uint64_t kMaxCaptureStreamBytes = uint64_t{16} << 30;
inline constexpr uint8_t kCaptureRecordFrame = 'F';
inline constexpr uint8_t kCaptureRecordConnection = 'C';
inline constexpr uint8_t kCaptureRecordChecksum = 'K';
inline constexpr uint8_t kCaptureRecordEnd = 'E';
inline constexpr uint32_t kCaptureChecksumPayload = 8;
inline constexpr uint32_t kCaptureEndPayload = 16;
// Why 64 KiB: small enough that a damaged block is found before much of it is used, large enough that the
// checksum records cost 0.04 % of the file.
inline constexpr uint64_t kCaptureChecksumBlock = 64 * 1024;
inline constexpr uint8_t kCaptureNoCategory = 0xFF;

struct CaptureFileHeader {
  uint16_t version = 0;
  uint16_t flags = 0;
  uint32_t header_size = 0;
  int64_t created_ns = 0;
};

enum class CaptureError : uint8_t {
  kOk = 0,
  kIo,        // open/write/fsync/close failed (errno text in error()); the writer stays failed
  kTooLarge,  // payload (or url + body) larger than kMaxCapturePayload; nothing was written
  kNotOpen,   // the writer is not open (never opened, closed, or open failed)
  kInvalid,   // bad argument: open() while open, or a frame kind the call does not take
};

std::string_view to_string(CaptureError e) noexcept;

// Buffered append-only writer of version-2 files. Single-threaded; not copyable. The file is written to a
// temporary next to `path` (core/atomic_file.h) and renamed into place by close(): `path` holds the old file
// (or nothing) until then. Records reach the kernel when the buffer fills and on flush()/sync(). The
// destructor of a writer still open discards the temporary (call close() to keep the file).
class CaptureWriter {
 public:
  // Preconditions: buffer_bytes >= 4096. The buffer is allocated here, once.
  explicit CaptureWriter(size_t buffer_bytes = size_t{1} << 20);
  ~CaptureWriter();
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // Starts a new file for `path` and writes the file header. created_ns is the caller's clock (the writer
  // reads none). Errors: kInvalid (already open), kIo (path is a directory, device, FIFO or symbolic link,
  // its directory is missing or not writable).
  [[nodiscard]] CaptureError open(const std::string& path, int64_t created_ns, uint16_t flags = 0) noexcept;

  // A connection-info record: from here on frames of conn_id have this URL and category.
  // Errors: kNotOpen, kTooLarge, kIo.
  [[nodiscard]] CaptureError write_connection(uint32_t conn_id, int64_t recv_ns, std::string_view url,
                                              bool has_category, Category category) noexcept;
  // A recv or send frame. Errors: kNotOpen, kInvalid (kind not kRecv/kSend), kTooLarge, kIo.
  [[nodiscard]] CaptureError write_frame(FrameKind kind, uint32_t conn_id, int64_t recv_ns,
                                         std::string_view data) noexcept;
  // An HTTP response body with its request URL. Errors: kNotOpen, kTooLarge, kIo.
  [[nodiscard]] CaptureError write_http(uint32_t conn_id, int64_t recv_ns, std::string_view url,
                                        std::string_view body) noexcept;
  // Writes any frame: kConnect becomes a connection-info record (has_category/category/url taken from f),
  // kHttp an http frame, kRecv/kSend a plain frame. Errors: as the three calls above.
  [[nodiscard]] CaptureError write(const Frame& f) noexcept;

  // Hands buffered records to the kernel. Errors: kNotOpen, kIo.
  [[nodiscard]] CaptureError flush() noexcept;
  // flush() then fdatasync of the temporary. Errors: kNotOpen, kIo.
  [[nodiscard]] CaptureError sync() noexcept;
  // Writes the last checksum and the end record, syncs, and renames the file into place. Closing a writer
  // that is not open returns kNotOpen. Errors: kNotOpen, kIo (nothing is renamed: `path` keeps its old
  // content, the temporary is removed).
  [[nodiscard]] CaptureError close() noexcept;
  // Discards the file: `path` keeps its old content. No-op when not open.
  void abort() noexcept;

  bool is_open() const noexcept { return file_.is_open(); }
  uint64_t records() const noexcept { return records_; }  // frame and connection-info records
  uint64_t bytes() const noexcept { return bytes_; }  // header + records accepted so far
  std::string_view error() const noexcept { return error_; }

 private:
  CaptureError append(uint8_t type, uint8_t kind, uint32_t conn_id, int64_t recv_ns, std::string_view a,
                      std::string_view b, std::string_view c) noexcept;
  CaptureError write_all(const char* p, size_t n) noexcept;
  CaptureError put_checksum() noexcept;
  CaptureError fail_io() noexcept;

  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t len_ = 0;
  AtomicFile file_;
  bool failed_ = false;
  uint64_t block_start_ = 0;  // file offset of the current checksum block
  uint32_t block_crc_ = 0;    // CRC-32C of the block's bytes so far
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  std::string path_;
  std::string error_;
};

// How a CaptureReader reads a regular file.
//   kMap     memory-maps it: frames are views into the mapping (zero copies), valid until close().
//   kStream  read()s it into one reused window (window_bytes, grown once to the largest checksum block or
//            record met): frames are valid until the next call to next(), as FrameSource promises. Why: a
//            mapped page costs a fault on first touch (and, on a virtual machine with shadow page tables, a
//            second, larger cost invisible to the guest), ~4 us per 4 KiB page here, which a one-pass reader
//            pays for every page of the file; read() copies the same bytes from the page cache at memory
//            speed into a window that stays in the CPU caches (`mm replay`: runtime/replay.h).
enum class CaptureReadMode : uint8_t { kMap = 0, kStream };

struct CaptureReadOptions {
  CaptureReadMode mode = CaptureReadMode::kMap;
  size_t window_bytes = size_t{512} << 10;  // kStream: initial window; >= 4096 (smaller values are raised)
};

// Reads a capture file: a regular file is memory-mapped or streamed (CaptureReadMode); anything else (pipes)
// is read fully into memory. Frame::data is always followed by >= kFramePadding readable bytes: inside the
// file they are the next record's bytes, the mapping is extended by an anonymous page past the end of the
// file, and the stream window by kFramePadding bytes past its end.
class CaptureReader final : public FrameSource {
 public:
  CaptureReader() noexcept;
  ~CaptureReader() override;

  // Opens and validates the file header. A regular file is mapped or streamed (options.mode); anything else
  // (a pipe, a device) is read once into memory, at most kMaxCaptureStreamBytes (checked for the magic first,
  // so /dev/zero is refused at once). Errors: kIo (cannot open/stat/map/read, out of memory for the window),
  // kCorrupt (bad magic, header_size < 32), kTruncated (file shorter than its header), kUnsupported (unknown
  // version), kTooLarge (a stream above the cap). Reopening closes the previous file first.
  [[nodiscard]] ReadResult open(const std::string& path, const CaptureReadOptions& options = {}) noexcept;

  // kOk, kEnd, kCorrupt (unknown record type or frame kind, payload_len > kMaxCapturePayload, http url
  // length beyond its payload, connection record without category byte, a checksum mismatch, a damaged
  // checksum or end record, bytes after the end record), kTruncated (file ends inside a record, in a
  // zero-filled tail, or, version 2, without its end record), kIo (not open; kStream: a read failed, the
  // file shrank, no memory to grow the window). Every error names the file and the offset. Frame views are
  // valid until the reader is closed or reopened (kMap, pipes) or until the next call to next() (kStream).
  // The reader sees the file as it was at open(): records appended later are not read.
  [[nodiscard]] ReadResult next(Frame& out) noexcept override;
  std::string_view error() const noexcept override { return error_; }

  const CaptureFileHeader& header() const noexcept { return header_; }
  uint64_t offset() const noexcept { return pos_; }  // bytes consumed so far
  uint64_t bytes_consumed() const noexcept override { return pos_; }
  uint64_t file_size() const noexcept { return size_; }
  void close() noexcept;

 private:
  struct Conn {
    uint32_t id;
    bool has_category;
    Category category;
    std::string_view url;  // into the mapping or the whole-stream buffer, or (kStream) into `owned`
    std::string owned;     // kStream: the URL's own copy (the window is reused)
  };
  ReadResult fail(ReadResult r, std::string msg) noexcept;
  Conn* find_conn(uint32_t id) noexcept;
  ReadResult read_stream(int fd) noexcept;
  ReadResult open_window(const CaptureReadOptions& options) noexcept;
  ReadResult verify_block() noexcept;
  ReadResult control_record(uint8_t type, uint32_t len, const char* payload) noexcept;
  // File bytes [off, off + n) are in memory; returns their address, or nullptr after a read error (sticky_
  // set). Preconditions: off + n <= size_; off is not before the window (kStream keeps everything from
  // min(off, pos_) on; earlier bytes were given out by an earlier next() and are gone).
  const char* bytes(size_t off, size_t n) noexcept {
    if (off + n <= win_end_) [[likely]]
      return base_ + (off - win_off_);
    return refill(off, n);
  }
  const char* refill(size_t off, size_t n) noexcept;  // kStream: slide/grow the window, read
  bool zeros_from(size_t off) noexcept;               // every file byte from off on is 0 (cold)

  const char* base_ =
      nullptr;          // file bytes [win_off_, win_end_), followed by >= kFramePadding readable bytes
  size_t win_off_ = 0;  // file offset of base_[0]: 0 unless kStream
  size_t win_end_ = 0;  // file offset after the last byte in memory: size_ unless kStream
  size_t size_ = 0;
  size_t pos_ = 0;
  void* map_ = nullptr;
  size_t map_len_ = 0;
  std::unique_ptr<char[]> owned_;  // pipe: the whole stream plus padding; kStream: the window plus padding
  size_t window_cap_ = 0;          // kStream: bytes the window holds (padding not counted)
  int fd_ = -1;                    // kStream: the file, read with pread
  CaptureFileHeader header_;
  ReadResult sticky_ = ReadResult::kOk;
  bool checksummed_ = false;  // version 2
  size_t block_start_ = 0;    // offset of the current checksum block
  size_t verified_end_ = 0;   // records before this offset have been verified (or cannot be: see next())
  uint64_t records_seen_ = 0;
  std::deque<Conn> conns_;  // grows only on connection-info records, which are rare; stable addresses
  size_t last_conn_ = 0;
  std::string path_;
  std::string error_;
};

}  // namespace mm
