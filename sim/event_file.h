#pragma once
// The normalized event file (`.events`): a header, an instrument table, then a memory-mappable array of
// mm::Event records (sim/event.h). `mm convert IN OUT.events` writes it (sim/event_convert.h); the
// backtester maps it (sim/event_data.h), so repeated backtests never re-parse JSON.
//
// ---------------------------------------------------------------------------------------------------
// FORMAT CONTRACT, version 2 (version 1 is still read; it differs only where noted). All integers
// little-endian (records are the in-memory mm::Event of a little-endian machine: the reader maps them in
// place, hence the static_assert on std::endian below).
//
// File header, 128 bytes:
//   off  size  field
//     0     8  magic            "MMEVT" 0x0D 0x0A 0x1A (CR LF and ^Z catch text-mode mangling, as PNG does)
//     8     2  version          u16 = 2 (or 1); a reader rejects versions it does not know
//     (kUnsupportedVersion)
//    10     2  header_size      u16 = 128; the instrument table starts here (later versions may extend the
//                               header; a reader requires >= 128 and a multiple of 8)
//    12     4  record_size      u32 = 48 = sizeof(mm::Event); anything else is kBadRecordSize
//    16     4  flags            u32: bit 0 kEventFileLocalTime (records carry a real local receive time;
//                               when clear local_ts_ns == exch_ts_ns), bit 1 kEventFileComplete (set by a
//                               clean close); other bits written 0, ignored
//    20     4  instrument_count u32 <= kMaxEventFileInstruments
//    24     8  record_count     u64; kEventCountOpen (all ones) until the writer closes cleanly
//    32     8  records_offset   u64 = header_size + instrument_count * 80 (a multiple of 8, so the mapped
//                               record array is 8-byte aligned: the page-aligned mapping plus this offset)
//    40     8  created_ns       i64, ns since the Unix epoch, supplied by the writer's caller (0 = unknown;
//                               keeps conversions byte-reproducible)
//    48     1  source_format    u8: RecordingFormat of the source (0 unknown/mixed, 1 mm capture,
//                               2 cryptofeed, 3 Bybit history)
//    49     3  reserved         written 0, ignored
//    52     4  block_records    u32, v2: records per checksum block (kEventChecksumBlockRecords); v1: 0
//    56     4  header_crc       u32, v2: CRC-32C (core/crc32c.h) of the 128 header bytes with this field read
//                               as 0, followed by the instrument table; v1: 0
//    60     4  reserved         written 0, ignored
//    64    64  source           the source recording's file name (base name), NUL-padded, cut to 63 bytes
//
// Instrument table: instrument_count entries of 80 bytes; a record's `instrument` is an index into it.
// (category, symbol) identifies an instrument and is unique within a file. Each field is written
// explicitly (no struct image), so the format does not depend on core::Instrument's padding:
//   off  size  field
//     0     1  category         u8: 0 linear, 1 inverse, 2 spot, 3 option
//     1     1  status           u8: InstrumentStatus (0 trading, 1 pre-launch, 2 delivering, 3 closed, 4
//     other) 2     1  symbol_len       u8, 1..31 3     1  price_scale      i8, 0..18 4     1  qty_scale i8,
//     0..18 5     1  flags            u8: bit 0 trim_zeros, bit 1 inferred (grid guessed from data) 6     2
//     reserved         written 0 8     8  tick_units       i64 > 0
//    16     8  lot_units        i64 > 0
//    24     8  min_qty          i64 lots >= 0
//    32     8  max_qty          i64 lots >= 0 (0: no limit known)
//    40     8  min_notional     i64 Money units (1e-8) >= 0
//    48    32  symbol           [A-Z0-9_-] bytes, NUL-padded (bytes past symbol_len are 0)
//
// Records at records_offset: record_count mm::Event of 48 bytes (layout in sim/event.h), in the source's
// receive order.
//
// Trailer (v2): ceil(record_count / block_records) u32 CRC-32C values, one per block of block_records records
// (the last block may be shorter), then the 8-byte end marker "MMEVTEND". The file size is exactly
// records_offset + record_count * 48 + 4 * blocks + 8 (v1: records_offset + record_count * 48).
//
// Integrity: the writer creates the file atomically (core/atomic_file.h: a temporary renamed into place by
// close()), so a file under its name was closed cleanly; the record count, the size rule and the end marker
// catch a copy cut short (kTruncated); the header checksum and the block checksums catch damage (kChecksum,
// naming the block's records and byte offsets). The writer also writes record_count = kEventCountOpen and
// flags without kEventFileComplete until close(), so a temporary left by a killed writer reads back as
// kNotClosed, never as data.
// ---------------------------------------------------------------------------------------------------
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/atomic_file.h"
#include "core/instrument.h"
#include "sim/event.h"
#include "sim/recording.h"

namespace mm {

static_assert(std::endian::native == std::endian::little, "the .events format maps records in place");

inline constexpr char kEventFileMagic[8] = {'M', 'M', 'E', 'V', 'T', '\r', '\n', '\x1a'};
inline constexpr uint16_t kEventFileVersion = 2;
inline constexpr uint16_t kEventFileVersionNoChecksum = 1;    // older files: still read
inline constexpr uint32_t kEventChecksumBlockRecords = 8192;  // 384 KiB of records per checksum
inline constexpr char kEventFileEndMarker[8] = {'M', 'M', 'E', 'V', 'T', 'E', 'N', 'D'};
inline constexpr uint32_t kEventFileHeaderSize = 128;
inline constexpr uint32_t kEventFileInstrumentSize = 80;
inline constexpr uint32_t kEventRecordSize = 48;
inline constexpr uint32_t kEventFileLocalTime = 1u << 0;
inline constexpr uint32_t kEventFileComplete = 1u << 1;
inline constexpr uint64_t kEventCountOpen = ~uint64_t{0};
// Record indices are u16 and kNoInstrument (0xFFFF) is reserved.
inline constexpr uint32_t kMaxEventFileInstruments = 0xFFFF;
static_assert(sizeof(Event) == kEventRecordSize);

enum class EventFileError : uint8_t {
  kOk = 0,
  kNotFound,            // the file does not exist
  kIo,                  // open/stat/mmap/read/write/close failed (errno text in the message)
  kBadMagic,            // not an .events file (shorter than the magic, or other bytes)
  kUnsupportedVersion,  // a version this build does not know
  kBadRecordSize,       // record_size != 48
  kBadHeader,           // header_size < 128 or not a multiple of 8, records_offset inconsistent,
                        // instrument_count > kMaxEventFileInstruments, file shorter than its header
  kNotClosed,           // record_count still kEventCountOpen or kEventFileComplete clear: the writer
                        // did not close (crash, kill, disk full)
  kTruncated,           // file size differs from the size rule (cut or extended), or v2 without its
                        // end marker
  kBadInstrumentTable,  // an entry is invalid (category, symbol, scales, units, non-zero padding) or
                        // (category, symbol) repeats
  kBadInstrumentIndex,  // a record's instrument >= instrument_count
  kBadRecord,           // a record's kind is not an EventKind (validation on open)
  kInvalid,             // API misuse: open() while open, write() when not open, too many instruments
  kChecksum,            // v2: the header or a block of records does not match its checksum (damage)
};
std::string_view to_string(EventFileError e) noexcept;

struct EventFileHeader {
  uint16_t version = kEventFileVersion;
  uint16_t header_size = kEventFileHeaderSize;
  uint32_t record_size = kEventRecordSize;
  uint32_t flags = 0;
  uint32_t instrument_count = 0;
  uint64_t record_count = 0;
  uint64_t records_offset = 0;
  int64_t created_ns = 0;
  RecordingFormat source_format = RecordingFormat::kUnknown;
  uint32_t block_records = 0;  // v2: records per checksum block
  std::string source;  // base name of the source recording ("" when unknown)
  bool has_local_time() const noexcept { return (flags & kEventFileLocalTime) != 0; }
};

struct EventFileWriteOptions {
  bool has_local_time = false;  // sets kEventFileLocalTime
  int64_t created_ns = 0;       // the caller's clock; 0 keeps the output reproducible
  RecordingFormat source_format = RecordingFormat::kUnknown;
  std::string source;           // its base name is stored (cut to 63 bytes)
  size_t buffer_records = 8192; // records buffered before a write(2); >= 1
};

// Streaming writer of version-2 files. Single-threaded; not copyable. The file is written to a temporary next
// to the target and renamed into place by close() (core/atomic_file.h): until then the target keeps its old
// content. The destructor of a writer still open discards the temporary (call close()).
class EventFileWriter {
 public:
  EventFileWriter();
  ~EventFileWriter();
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  // Starts the file for `path` and writes the provisional header and the instrument table.
  // Preconditions: every instrument is valid (as make_instrument builds them) and (category, symbol)
  // pairs are distinct. Errors: kInvalid (already open, more than kMaxEventFileInstruments instruments,
  // an instrument the table cannot represent, duplicate (category, symbol)), kIo (also: path is a
  // directory, device, FIFO or symbolic link).
  [[nodiscard]] EventFileError open(const std::string& path, std::span<const Instrument> instruments,
                                    const EventFileWriteOptions& options = {});

  // Appends records (buffered). Precondition: e.instrument < the table size (checked: kInvalid, nothing
  // written). Errors: kInvalid (not open, or bad instrument index), kIo (the writer stays failed).
  [[nodiscard]] EventFileError write(const Event& e) noexcept;
  [[nodiscard]] EventFileError write(std::span<const Event> events) noexcept;

  // Flushes, writes the checksum trailer, record_count and kEventFileComplete, syncs and renames the file
  // into place. Errors: kInvalid (not open), kIo (nothing is renamed: the target keeps its old content).
  [[nodiscard]] EventFileError close() noexcept;

  // Discards the file: the target keeps its old content. No-op when not open.
  void abort() noexcept;

  bool is_open() const noexcept { return file_.is_open(); }
  uint64_t records() const noexcept { return records_; }
  const std::string& error() const noexcept { return error_; }

 private:
  EventFileError flush() noexcept;
  EventFileError fail_io() noexcept;

  std::vector<Event> buf_;
  size_t len_ = 0;
  AtomicFile file_;
  bool failed_ = false;
  uint32_t instrument_count_ = 0;
  uint64_t records_ = 0;
  std::vector<char> header_;  // the header bytes, rewritten at close
  std::vector<char> table_;   // the instrument table (covered by the header checksum)
  std::vector<uint32_t> block_crcs_;
  uint32_t block_crc_ = 0;  // CRC-32C of the current block's records so far
  std::string path_;
  std::string error_;
};

struct EventFileOpenOptions {
  // Check every record's instrument index and kind, and (v2) every block's checksum, on open (one
  // sequential pass over the mapping, memory-bound: ~0.3 s for a 3 GB day). Turning it off leaves the
  // checks to the caller; the header checksum is always checked.
  bool validate_records = true;
};

// A read-only, memory-mapped .events file (madvise sequential). Zero copies: events() points into the
// mapping. Movable, not copyable. After open() succeeds every accessor is const and safe to call from
// many threads at once.
class EventFileReader {
 public:
  EventFileReader() noexcept;
  ~EventFileReader();
  EventFileReader(EventFileReader&& o) noexcept;
  EventFileReader& operator=(EventFileReader&& o) noexcept;
  EventFileReader(const EventFileReader&) = delete;
  EventFileReader& operator=(const EventFileReader&) = delete;

  // Maps and validates `path` (header, instrument table, size, and with validate_records every record).
  // Errors: kNotFound, kIo (also: not a regular file), kBadMagic, kUnsupportedVersion, kBadRecordSize,
  // kBadHeader, kNotClosed, kTruncated, kBadInstrumentTable, kBadInstrumentIndex, kBadRecord, kChecksum. The
  // message (error()) names the file and, for record errors, the record index and byte offset. Reopening
  // closes the previous file first.
  [[nodiscard]] EventFileError open(const std::string& path, const EventFileOpenOptions& options = {});
  void close() noexcept;

  bool is_open() const noexcept { return map_ != nullptr; }
  std::span<const Event> events() const noexcept { return {events_, header_.record_count}; }
  std::span<const Instrument> instruments() const noexcept { return instruments_; }
  const EventFileHeader& header() const noexcept { return header_; }
  bool has_local_time() const noexcept { return header_.has_local_time(); }
  const std::string& path() const noexcept { return path_; }
  const std::string& error() const noexcept { return error_; }

 private:
  EventFileError fail(EventFileError e, std::string msg);

  void* map_ = nullptr;
  size_t map_len_ = 0;
  const Event* events_ = nullptr;
  EventFileHeader header_;
  std::vector<Instrument> instruments_;
  std::string path_;
  std::string error_;
};

// Encodes / decodes one instrument-table entry (80 bytes). decode returns false for an invalid entry.
void encode_event_instrument(const Instrument& in, char out[kEventFileInstrumentSize]) noexcept;
[[nodiscard]] bool decode_event_instrument(const char in[kEventFileInstrumentSize], Instrument& out) noexcept;

}  // namespace mm
