#include "sim/event_file.h"

#include "core/crc32c.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

namespace mm {

std::string_view to_string(EventFileError e) noexcept {
  switch (e) {
    case EventFileError::kOk: return "ok";
    case EventFileError::kNotFound: return "not_found";
    case EventFileError::kIo: return "io";
    case EventFileError::kBadMagic: return "bad_magic";
    case EventFileError::kUnsupportedVersion: return "unsupported_version";
    case EventFileError::kBadRecordSize: return "bad_record_size";
    case EventFileError::kBadHeader: return "bad_header";
    case EventFileError::kNotClosed: return "not_closed";
    case EventFileError::kTruncated: return "truncated";
    case EventFileError::kBadInstrumentTable: return "bad_instrument_table";
    case EventFileError::kBadInstrumentIndex: return "bad_instrument_index";
    case EventFileError::kBadRecord: return "bad_record";
    case EventFileError::kInvalid: return "invalid";
    case EventFileError::kChecksum:
      return "checksum";
  }
  return "?";
}

namespace {

std::string errno_text() { return std::strerror(errno); }

// Little-endian field access by explicit bytes: the layout is the format's, not a struct's.
template <class T>
void put(char* p, T v) noexcept {
  static_assert(std::is_integral_v<T>);
  for (size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<char>(static_cast<uint64_t>(v) >> (8 * i));
}
template <class T>
T get(const char* p) noexcept {
  static_assert(std::is_integral_v<T>);
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return static_cast<T>(v);
}

constexpr uint8_t kInstTrimZeros = 1u << 0;
constexpr uint8_t kInstInferred = 1u << 1;
constexpr int kMaxScale = 18;

bool symbol_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string base_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void encode_header(const EventFileHeader& h, char* out) noexcept {
  std::memset(out, 0, kEventFileHeaderSize);
  std::memcpy(out, kEventFileMagic, sizeof kEventFileMagic);
  put<uint16_t>(out + 8, h.version);
  put<uint16_t>(out + 10, h.header_size);
  put<uint32_t>(out + 12, h.record_size);
  put<uint32_t>(out + 16, h.flags);
  put<uint32_t>(out + 20, h.instrument_count);
  put<uint64_t>(out + 24, h.record_count);
  put<uint64_t>(out + 32, h.records_offset);
  put<int64_t>(out + 40, h.created_ns);
  put<uint8_t>(out + 48, static_cast<uint8_t>(h.source_format));
  put<uint32_t>(out + 52, h.block_records);
  std::memcpy(out + 64, h.source.data(), std::min<size_t>(h.source.size(), 63));
}

// The v2 header checksum: the header with its checksum field as 0, then the instrument table.
uint32_t header_crc(const char* header, const char* table, size_t table_len) noexcept {
  char h[kEventFileHeaderSize];
  std::memcpy(h, header, kEventFileHeaderSize);
  std::memset(h + 56, 0, 4);
  return crc32c(crc32c(0, h, kEventFileHeaderSize), table, table_len);
}

}  // namespace

void encode_event_instrument(const Instrument& in, char out[kEventFileInstrumentSize]) noexcept {
  std::memset(out, 0, kEventFileInstrumentSize);
  put<uint8_t>(out + 0, static_cast<uint8_t>(in.category));
  put<uint8_t>(out + 1, static_cast<uint8_t>(in.status));
  put<uint8_t>(out + 2, in.symbol_len);
  put<int8_t>(out + 3, in.price_scale);
  put<int8_t>(out + 4, in.qty_scale);
  put<uint8_t>(out + 5, static_cast<uint8_t>((in.trim_zeros ? kInstTrimZeros : 0) | (in.inferred ? kInstInferred : 0)));
  put<int64_t>(out + 8, in.tick_units);
  put<int64_t>(out + 16, in.lot_units);
  put<int64_t>(out + 24, in.min_qty.lots);
  put<int64_t>(out + 32, in.max_qty.lots);
  put<int64_t>(out + 40, in.min_notional.units);
  std::memcpy(out + 48, in.symbol, std::min<size_t>(in.symbol_len, kMaxSymbolLen));
}

bool decode_event_instrument(const char in[kEventFileInstrumentSize], Instrument& out) noexcept {
  Instrument r;
  const uint8_t category = get<uint8_t>(in + 0), status = get<uint8_t>(in + 1), len = get<uint8_t>(in + 2);
  const int8_t ps = get<int8_t>(in + 3), qs = get<int8_t>(in + 4);
  const uint8_t flags = get<uint8_t>(in + 5);
  if (category >= kCategoryCount || status > static_cast<uint8_t>(InstrumentStatus::kOther)) return false;
  if (len == 0 || len > kMaxSymbolLen || ps < 0 || ps > kMaxScale || qs < 0 || qs > kMaxScale) return false;
  if ((flags & ~(kInstTrimZeros | kInstInferred)) != 0 || get<uint16_t>(in + 6) != 0) return false;
  for (size_t i = 0; i < 32; ++i) {
    const char c = in[48 + i];
    if (i < len ? !symbol_char(c) : c != 0) return false;
  }
  r.category = static_cast<Category>(category);
  r.status = static_cast<InstrumentStatus>(status);
  r.symbol_len = len;
  std::memcpy(r.symbol, in + 48, len);
  r.price_scale = ps;
  r.qty_scale = qs;
  r.trim_zeros = (flags & kInstTrimZeros) != 0;
  r.inferred = (flags & kInstInferred) != 0;
  r.tick_units = get<int64_t>(in + 8);
  r.lot_units = get<int64_t>(in + 16);
  r.min_qty.lots = get<int64_t>(in + 24);
  r.max_qty.lots = get<int64_t>(in + 32);
  r.min_notional.units = get<int64_t>(in + 40);
  if (r.tick_units <= 0 || r.lot_units <= 0 || r.min_qty.lots < 0 || r.max_qty.lots < 0 || r.min_notional.units < 0) {
    return false;
  }
  out = r;
  return true;
}

// ------------------------------------------------------------------------------------------------ writer

EventFileWriter::EventFileWriter() = default;

// The AtomicFile member discards an unclosed temporary: an unfinished file never appears under its name.
EventFileWriter::~EventFileWriter() = default;

EventFileError EventFileWriter::fail_io() noexcept {
  failed_ = true;
  error_ = file_.error();
  return EventFileError::kIo;
}

EventFileError EventFileWriter::open(const std::string& path, std::span<const Instrument> instruments,
                                     const EventFileWriteOptions& options) {
  error_.clear();
  if (file_.is_open()) {
    error_ = path + ": writer already open (" + path_ + ")";
    return EventFileError::kInvalid;
  }
  if (instruments.size() > kMaxEventFileInstruments) {
    error_ = path + ": " + std::to_string(instruments.size()) + " instruments, the format holds at most " +
             std::to_string(kMaxEventFileInstruments);
    return EventFileError::kInvalid;
  }
  std::vector<char> table(instruments.size() * kEventFileInstrumentSize);
  std::set<std::pair<int, std::string>> seen;
  for (size_t i = 0; i < instruments.size(); ++i) {
    char* entry = table.data() + i * kEventFileInstrumentSize;
    encode_event_instrument(instruments[i], entry);
    Instrument back;
    const std::string key = std::string(to_string(instruments[i].category)) + ":" + std::string(instruments[i].name());
    if (!decode_event_instrument(entry, back)) {
      error_ = path + ": instrument " + std::to_string(i) + " (" + key + ") cannot be represented";
      return EventFileError::kInvalid;
    }
    if (!seen.emplace(static_cast<int>(instruments[i].category), std::string(instruments[i].name())).second) {
      error_ = path + ": instrument " + key + " appears twice";
      return EventFileError::kInvalid;
    }
  }
  path_ = path;
  failed_ = false;
  records_ = 0;
  len_ = 0;
  block_crcs_.clear();
  block_crc_ = 0;
  instrument_count_ = static_cast<uint32_t>(instruments.size());
  buf_.assign(std::max<size_t>(options.buffer_records, 1), Event{});

  EventFileHeader h;
  h.flags = options.has_local_time ? kEventFileLocalTime : 0;
  h.instrument_count = instrument_count_;
  h.record_count = kEventCountOpen;
  h.records_offset = kEventFileHeaderSize + uint64_t{instrument_count_} * kEventFileInstrumentSize;
  h.created_ns = options.created_ns;
  h.source_format = options.source_format;
  h.block_records = kEventChecksumBlockRecords;
  h.source = base_name(options.source);
  header_.assign(kEventFileHeaderSize, 0);
  encode_header(h, header_.data());
  table_ = std::move(table);

  if (!file_.open(path)) return fail_io();
  if (!file_.write(header_.data(), header_.size()) || !file_.write(table_.data(), table_.size())) {
    const EventFileError e = fail_io();
    file_.abort();
    return e;
  }
  return EventFileError::kOk;
}

EventFileError EventFileWriter::flush() noexcept {
  if (!file_.write(buf_.data(), len_ * sizeof(Event))) return fail_io();
  len_ = 0;
  return EventFileError::kOk;
}

EventFileError EventFileWriter::write(const Event& e) noexcept {
  if (!file_.is_open()) return EventFileError::kInvalid;
  if (failed_) return EventFileError::kIo;
  if (e.instrument >= instrument_count_) {
    error_ = path_ + ": record " + std::to_string(records_) + " has instrument " + std::to_string(e.instrument) +
             " but the table has " + std::to_string(instrument_count_);
    return EventFileError::kInvalid;
  }
  buf_[len_++] = e;
  block_crc_ = crc32c(block_crc_, &e, sizeof e);
  ++records_;
  if (records_ % kEventChecksumBlockRecords == 0) {
    block_crcs_.push_back(block_crc_);
    block_crc_ = 0;
  }
  if (len_ == buf_.size()) return flush();
  return EventFileError::kOk;
}

EventFileError EventFileWriter::write(std::span<const Event> events) noexcept {
  for (const Event& e : events) {
    if (const EventFileError r = write(e); r != EventFileError::kOk) return r;
  }
  return EventFileError::kOk;
}

EventFileError EventFileWriter::close() noexcept {
  if (!file_.is_open()) return EventFileError::kInvalid;
  EventFileError e = failed_ ? EventFileError::kIo : flush();
  if (e == EventFileError::kOk) {
    if (records_ % kEventChecksumBlockRecords != 0) block_crcs_.push_back(block_crc_);
    char crc[4];
    for (const uint32_t c : block_crcs_) {
      put<uint32_t>(crc, c);
      if (!file_.write(crc, sizeof crc)) break;
    }
    if (!file_.failed()) (void)file_.write(kEventFileEndMarker, sizeof kEventFileEndMarker);
    put<uint64_t>(header_.data() + 24, records_);
    put<uint32_t>(header_.data() + 16, get<uint32_t>(header_.data() + 16) | kEventFileComplete);
    put<uint32_t>(header_.data() + 56, header_crc(header_.data(), table_.data(), table_.size()));
    // The header is rewritten only after every record was written: the temporary of a writer killed before
    // this point carries kEventCountOpen.
    if (!file_.failed()) (void)file_.write_at(header_.data(), header_.size(), 0);
    if (file_.failed() || !file_.commit()) e = fail_io();
  }
  file_.abort();  // no-op after a commit
  return e;
}

void EventFileWriter::abort() noexcept {
  file_.abort();
}

// ------------------------------------------------------------------------------------------------ reader

EventFileReader::EventFileReader() noexcept = default;

EventFileReader::~EventFileReader() { close(); }

EventFileReader::EventFileReader(EventFileReader&& o) noexcept
    : map_(std::exchange(o.map_, nullptr)),
      map_len_(std::exchange(o.map_len_, 0)),
      events_(std::exchange(o.events_, nullptr)),
      header_(std::move(o.header_)),
      instruments_(std::move(o.instruments_)),
      path_(std::move(o.path_)),
      error_(std::move(o.error_)) {
  o.header_ = {};
}

EventFileReader& EventFileReader::operator=(EventFileReader&& o) noexcept {
  if (this != &o) {
    close();
    map_ = std::exchange(o.map_, nullptr);
    map_len_ = std::exchange(o.map_len_, 0);
    events_ = std::exchange(o.events_, nullptr);
    header_ = std::move(o.header_);
    o.header_ = {};
    instruments_ = std::move(o.instruments_);
    path_ = std::move(o.path_);
    error_ = std::move(o.error_);
  }
  return *this;
}

void EventFileReader::close() noexcept {
  if (map_ != nullptr) ::munmap(map_, map_len_);
  map_ = nullptr;
  map_len_ = 0;
  events_ = nullptr;
  header_ = {};
  header_.record_count = 0;
  instruments_.clear();
}

EventFileError EventFileReader::fail(EventFileError e, std::string msg) {
  close();
  error_ = path_ + ": " + msg;
  return e;
}

EventFileError EventFileReader::open(const std::string& path, const EventFileOpenOptions& options) {
  close();
  path_ = path;
  error_.clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return fail(EventFileError::kNotFound, "no such file");
    return fail(EventFileError::kIo, "cannot open: " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string t = errno_text();
    ::close(fd);
    return fail(EventFileError::kIo, "cannot stat: " + t);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(EventFileError::kIo, "not a regular file");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size < sizeof kEventFileMagic) {
    ::close(fd);
    return fail(EventFileError::kBadMagic, "not an .events file (" + std::to_string(size) + " bytes, no magic)");
  }
  void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const std::string map_err = m == MAP_FAILED ? errno_text() : std::string();
  ::close(fd);  // the mapping keeps the file alive
  if (m == MAP_FAILED) return fail(EventFileError::kIo, "cannot map: " + map_err);
  map_ = m;
  map_len_ = size;
  const char* p = static_cast<const char*>(m);

  if (std::memcmp(p, kEventFileMagic, sizeof kEventFileMagic) != 0) {
    return fail(EventFileError::kBadMagic, "not an .events file (bad magic)");
  }
  if (size < 16) return fail(EventFileError::kBadHeader, "file shorter than its header (" + std::to_string(size) + " bytes)");
  EventFileHeader h;
  h.version = get<uint16_t>(p + 8);
  if (h.version != kEventFileVersion && h.version != kEventFileVersionNoChecksum) {
    return fail(EventFileError::kUnsupportedVersion, "unsupported version " + std::to_string(h.version) +
                                                         " (this build reads 1 and " +
                                                         std::to_string(kEventFileVersion) + ")");
  }
  const bool checksummed = h.version >= 2;
  h.header_size = get<uint16_t>(p + 10);
  h.record_size = get<uint32_t>(p + 12);
  if (h.record_size != kEventRecordSize) {
    return fail(EventFileError::kBadRecordSize,
                "record size " + std::to_string(h.record_size) + ", expected " + std::to_string(kEventRecordSize));
  }
  if (h.header_size < kEventFileHeaderSize || h.header_size % 8 != 0) {
    return fail(EventFileError::kBadHeader, "bad header size " + std::to_string(h.header_size));
  }
  if (size < h.header_size) {
    return fail(EventFileError::kBadHeader, "file shorter than its header (" + std::to_string(size) + " bytes)");
  }
  h.flags = get<uint32_t>(p + 16);
  h.instrument_count = get<uint32_t>(p + 20);
  h.record_count = get<uint64_t>(p + 24);
  h.records_offset = get<uint64_t>(p + 32);
  h.created_ns = get<int64_t>(p + 40);
  const uint8_t fmt = get<uint8_t>(p + 48);
  h.source_format = fmt <= static_cast<uint8_t>(RecordingFormat::kBybitHistory) ? static_cast<RecordingFormat>(fmt)
                                                                                : RecordingFormat::kUnknown;
  h.source.assign(p + 64, strnlen(p + 64, 64));
  if (h.instrument_count > kMaxEventFileInstruments) {
    return fail(EventFileError::kBadHeader, "instrument count " + std::to_string(h.instrument_count) + " exceeds " +
                                                std::to_string(kMaxEventFileInstruments));
  }
  const uint64_t table_end = uint64_t{h.header_size} + uint64_t{h.instrument_count} * kEventFileInstrumentSize;
  if (h.records_offset != table_end) {
    return fail(EventFileError::kBadHeader, "records offset " + std::to_string(h.records_offset) + ", expected " +
                                                std::to_string(table_end));
  }
  if (h.record_count == kEventCountOpen || (h.flags & kEventFileComplete) == 0) {
    return fail(EventFileError::kNotClosed,
                "the writer did not close the file (crashed, killed or failed while writing): not usable data");
  }
  h.block_records = get<uint32_t>(p + 52);
  if (checksummed && h.block_records == 0) return fail(EventFileError::kBadHeader, "checksum block size 0");
  // Overflow-safe: record_count * 48 (plus the trailer) must not wrap. Files above 2^62 bytes do not exist.
  const uint64_t max_records = ((uint64_t{1} << 62) - h.records_offset) / kEventRecordSize;
  const uint64_t blocks = checksummed && h.record_count <= max_records
                              ? (h.record_count + h.block_records - 1) / h.block_records
                              : 0;
  const uint64_t trailer = checksummed ? blocks * 4 + sizeof kEventFileEndMarker : 0;
  const uint64_t records_end = h.records_offset + h.record_count * kEventRecordSize;
  if (h.record_count > max_records || records_end + trailer != size) {
    const std::string expected = h.record_count > max_records ? std::string("an impossible size")
                                                              : std::to_string(records_end + trailer);
    return fail(EventFileError::kTruncated, "size " + std::to_string(size) + " bytes, but the header (" +
                                                std::to_string(h.record_count) + " records) says " + expected);
  }
  if (checksummed && std::memcmp(p + size - sizeof kEventFileEndMarker, kEventFileEndMarker,
                                 sizeof kEventFileEndMarker) != 0) {
    return fail(EventFileError::kTruncated, "the end marker is missing (the file was cut or damaged)");
  }
  if (checksummed &&
      header_crc(p, p + h.header_size, h.records_offset - h.header_size) != get<uint32_t>(p + 56)) {
    return fail(EventFileError::kChecksum, "the header or the instrument table (bytes [0, " +
                                               std::to_string(h.records_offset) + ")) fails its checksum");
  }
  instruments_.resize(h.instrument_count);
  std::set<std::pair<int, std::string>> seen;
  for (uint32_t i = 0; i < h.instrument_count; ++i) {
    const char* entry = p + h.header_size + size_t{i} * kEventFileInstrumentSize;
    if (!decode_event_instrument(entry, instruments_[i])) {
      return fail(EventFileError::kBadInstrumentTable, "instrument table entry " + std::to_string(i) + " is invalid");
    }
    const Instrument& in = instruments_[i];
    if (!seen.emplace(static_cast<int>(in.category), std::string(in.name())).second) {
      return fail(EventFileError::kBadInstrumentTable, "instrument table entry " + std::to_string(i) + " (" +
                                                           std::string(to_string(in.category)) + ":" +
                                                           std::string(in.name()) + ") repeats an earlier one");
    }
  }
  // The mapping is page-aligned and records_offset a multiple of 8: the cast yields an aligned Event array.
  events_ = reinterpret_cast<const Event*>(p + h.records_offset);
  header_ = h;
  if (h.record_count != 0) {
    ::madvise(map_, map_len_, MADV_SEQUENTIAL);
  }
  if (options.validate_records && checksummed) {
    const char* crcs = p + records_end;
    for (uint64_t b = 0; b < blocks; ++b) {
      const uint64_t first = b * h.block_records;
      const uint64_t n = std::min<uint64_t>(h.block_records, h.record_count - first);
      const uint64_t off = h.records_offset + first * kEventRecordSize;
      if (crc32c(0, p + off, n * kEventRecordSize) != get<uint32_t>(crcs + b * 4)) {
        return fail(EventFileError::kChecksum, "records " + std::to_string(first) + " to " +
                                                   std::to_string(first + n - 1) + " (bytes [" +
                                                   std::to_string(off) + ", " +
                                                   std::to_string(off + n * kEventRecordSize) +
                                                   ")) fail their checksum: the file is damaged");
      }
    }
  }
  if (options.validate_records) {
    const uint32_t n_inst = h.instrument_count;
    for (uint64_t i = 0; i < h.record_count; ++i) {
      const Event& e = events_[i];
      if (e.instrument >= n_inst) {
        return fail(EventFileError::kBadInstrumentIndex,
                    "record " + std::to_string(i) + " refers to instrument " + std::to_string(e.instrument) +
                        ", the table has " + std::to_string(n_inst));
      }
      const auto k = static_cast<uint8_t>(e.kind);
      if (k < static_cast<uint8_t>(EventKind::kBookLevel) || k > static_cast<uint8_t>(EventKind::kMarkPrice)) {
        return fail(EventFileError::kBadRecord, "record " + std::to_string(i) + " has unknown kind " + std::to_string(k));
      }
    }
  }
  return EventFileError::kOk;
}

}  // namespace mm
