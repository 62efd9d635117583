// The .events file: round trip of header, instrument table and records; every damaged-file error with its
// message; a writer that never closed; byte-reproducible conversion.
#include "sim/event_file.h"

#include "core/crc32c.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/event_convert.h"

namespace mm {
namespace {

const std::string kData = std::string(MM_SHARED_DATA) + "/bybit/";
const std::string kCryptofeed = kData + "cryptofeed-BYBIT-2026-08-09.jsonl.zst";

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void spit(const std::string& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

Instrument make(Category c, std::string_view symbol, const char* tick, const char* step) {
  InstrumentSpec spec{c, symbol, "Trading", "", tick, step, "0.001", "100", "5"};
  Instrument in;
  EXPECT_EQ(make_instrument(spec, in), InstrumentError::kOk) << symbol;
  return in;
}

std::vector<Instrument> two_instruments() {
  std::vector<Instrument> v{make(Category::kLinear, "BTCUSDT", "0.10", "0.001"),
                            make(Category::kSpot, "ETHUSDT", "0.01", "0.00001")};
  v[1].trim_zeros = true;
  v[1].inferred = true;
  v[1].status = InstrumentStatus::kPreLaunch;
  return v;
}

std::vector<Event> sample_events(size_t n) {
  std::vector<Event> v;
  for (size_t i = 0; i < n; ++i) {
    Event e;
    e.exch_ts_ns = 1'786'310'820'000'000'000 + static_cast<int64_t>(i) * 1000;
    e.local_ts_ns = e.exch_ts_ns + 777;
    e.price = 650'000 + static_cast<int64_t>(i % 17);
    e.qty = static_cast<int64_t>(i) * 3;
    e.aux = static_cast<int64_t>(i) + 100;
    e.instrument = static_cast<uint16_t>(i % 2);
    e.kind = static_cast<EventKind>(1 + i % 4);
    e.flags = static_cast<uint8_t>(i % 16);
    e.depth = 200;
    v.push_back(e);
  }
  return v;
}

bool same(const Event& a, const Event& b) { return std::memcmp(&a, &b, sizeof(Event)) == 0; }

class EventFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mm_event_file_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A valid file of `n` sample records; returns its bytes.
  std::string write_sample(const std::string& p, size_t n, bool local = true) {
    EventFileWriter w;
    EventFileWriteOptions o;
    o.has_local_time = local;
    o.created_ns = 123456789;
    o.source_format = RecordingFormat::kCryptofeed;
    o.source = "/some/dir/source.jsonl.zst";
    o.buffer_records = 7;  // several flushes
    EXPECT_EQ(w.open(p, two_instruments(), o), EventFileError::kOk) << w.error();
    EXPECT_EQ(w.write(sample_events(n)), EventFileError::kOk) << w.error();
    EXPECT_EQ(w.records(), n);
    EXPECT_EQ(w.close(), EventFileError::kOk) << w.error();
    return slurp(p);
  }

  // Opens a damaged copy and returns the error; the message must name the file.
  EventFileError open_bytes(const std::string& bytes, std::string& msg) {
    const std::string p = path("damaged.events");
    spit(p, bytes);
    EventFileReader r;
    const EventFileError e = r.open(p);
    msg = r.error();
    if (e != EventFileError::kOk) {
      EXPECT_NE(msg.find(p), std::string::npos) << msg;
    }
    EXPECT_FALSE(e != EventFileError::kOk && r.is_open());
    return e;
  }

  std::filesystem::path dir_;
};

TEST_F(EventFile, RoundTripHeaderInstrumentsAndRecords) {
  const std::string p = path("a.events");
  const std::string bytes = write_sample(p, 50);
  EXPECT_EQ(bytes.size(), 128u + 2 * 80 + 50 * 48 + 4 + 8);  // one checksum block, the end marker
  EXPECT_EQ(bytes.substr(0, 8), std::string("MMEVT\r\n\x1a", 8));

  EventFileReader r;
  ASSERT_EQ(r.open(p), EventFileError::kOk) << r.error();
  EXPECT_TRUE(r.is_open());
  EXPECT_EQ(r.header().version, 2);
  EXPECT_EQ(r.header().block_records, kEventChecksumBlockRecords);
  EXPECT_EQ(r.header().header_size, 128);
  EXPECT_EQ(r.header().record_size, 48u);
  EXPECT_EQ(r.header().record_count, 50u);
  EXPECT_EQ(r.header().records_offset, 128u + 160u);
  EXPECT_EQ(r.header().created_ns, 123456789);
  EXPECT_EQ(r.header().source_format, RecordingFormat::kCryptofeed);
  EXPECT_EQ(r.header().source, "source.jsonl.zst");
  EXPECT_TRUE(r.has_local_time());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(r.events().data()) % 8, 0u);

  const auto want = two_instruments();
  ASSERT_EQ(r.instruments().size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const Instrument& a = r.instruments()[i];
    const Instrument& b = want[i];
    EXPECT_EQ(a.category, b.category);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.name(), b.name());
    EXPECT_EQ(a.price_scale, b.price_scale);
    EXPECT_EQ(a.tick_units, b.tick_units);
    EXPECT_EQ(a.qty_scale, b.qty_scale);
    EXPECT_EQ(a.lot_units, b.lot_units);
    EXPECT_EQ(a.min_qty, b.min_qty);
    EXPECT_EQ(a.max_qty, b.max_qty);
    EXPECT_EQ(a.min_notional, b.min_notional);
    EXPECT_EQ(a.trim_zeros, b.trim_zeros);
    EXPECT_EQ(a.inferred, b.inferred);
  }
  const auto events = sample_events(50);
  ASSERT_EQ(r.events().size(), 50u);
  for (size_t i = 0; i < 50; ++i) EXPECT_TRUE(same(r.events()[i], events[i])) << i;

  // Explicit little-endian table entry: BTCUSDT tick 0.10 at scale 2 -> tick_units 10 at offset 8.
  EXPECT_EQ(static_cast<unsigned char>(bytes[128 + 8]), 10);
  EXPECT_EQ(bytes.substr(128 + 48, 8), std::string("BTCUSDT\0", 8));

  // Moving the reader keeps the mapping.
  EventFileReader moved(std::move(r));
  EXPECT_EQ(moved.events().size(), 50u);
  EXPECT_TRUE(same(moved.events()[49], events[49]));
  EXPECT_FALSE(r.is_open());
}

TEST_F(EventFile, EmptyFileAndNoLocalTime) {
  const std::string p = path("empty.events");
  write_sample(p, 0, false);
  EventFileReader r;
  ASSERT_EQ(r.open(p), EventFileError::kOk) << r.error();
  EXPECT_TRUE(r.events().empty());
  EXPECT_FALSE(r.has_local_time());
  EXPECT_EQ(r.instruments().size(), 2u);
}

TEST_F(EventFile, NotFound) {
  EventFileReader r;
  EXPECT_EQ(r.open(path("missing.events")), EventFileError::kNotFound);
  EXPECT_EQ(r.error(), path("missing.events") + ": no such file");
}

TEST_F(EventFile, BadMagic) {
  std::string msg;
  EXPECT_EQ(open_bytes("{\"topic\":\"orderbook.50.BTCUSDT\"}\n", msg), EventFileError::kBadMagic);
  EXPECT_NE(msg.find("not an .events file (bad magic)"), std::string::npos) << msg;
  EXPECT_EQ(open_bytes("MME", msg), EventFileError::kBadMagic);
  EXPECT_NE(msg.find("3 bytes, no magic"), std::string::npos) << msg;
  EXPECT_EQ(open_bytes("", msg), EventFileError::kBadMagic);
}

TEST_F(EventFile, UnsupportedVersion) {
  std::string bytes = write_sample(path("a.events"), 3);
  bytes[8] = 3;
  std::string msg;
  EXPECT_EQ(open_bytes(bytes, msg), EventFileError::kUnsupportedVersion);
  EXPECT_NE(msg.find("unsupported version 3 (this build reads 1 and 2)"), std::string::npos) << msg;
}

TEST_F(EventFile, WrongRecordSize) {
  std::string bytes = write_sample(path("a.events"), 3);
  bytes[12] = 40;
  std::string msg;
  EXPECT_EQ(open_bytes(bytes, msg), EventFileError::kBadRecordSize);
  EXPECT_NE(msg.find("record size 40, expected 48"), std::string::npos) << msg;
}

TEST_F(EventFile, BadHeaderFields) {
  const std::string good = write_sample(path("a.events"), 3);
  std::string msg;
  std::string b = good;
  b[10] = 64;  // header_size 64 < 128
  EXPECT_EQ(open_bytes(b, msg), EventFileError::kBadHeader);
  EXPECT_NE(msg.find("bad header size 64"), std::string::npos) << msg;
  b = good;
  b[32] = 0;  // records_offset no longer header + table
  EXPECT_EQ(open_bytes(b, msg), EventFileError::kBadHeader);
  EXPECT_NE(msg.find("records offset"), std::string::npos) << msg;
  b = good;
  b[22] = 1;  // instrument_count 0x10002 > 0xFFFF
  EXPECT_EQ(open_bytes(b, msg), EventFileError::kBadHeader);
  EXPECT_NE(msg.find("instrument count 65538 exceeds 65535"), std::string::npos) << msg;
  EXPECT_EQ(open_bytes(good.substr(0, 20), msg), EventFileError::kBadHeader);
  EXPECT_NE(msg.find("file shorter than its header (20 bytes)"), std::string::npos) << msg;
}

TEST_F(EventFile, TruncatedAndExtended) {
  const std::string good = write_sample(path("a.events"), 10);
  std::string msg;
  EXPECT_EQ(open_bytes(good.substr(0, good.size() - 5), msg), EventFileError::kTruncated);
  EXPECT_NE(msg.find("size " + std::to_string(good.size() - 5) + " bytes, but the header (10 records) says " +
                     std::to_string(good.size())),
            std::string::npos)
      << msg;
  EXPECT_EQ(open_bytes(good.substr(0, 128 + 100), msg), EventFileError::kTruncated);  // cut inside the table
  EXPECT_EQ(open_bytes(good + std::string(48, '\0'), msg), EventFileError::kTruncated);
  std::string huge = good;
  for (int i = 0; i < 8; ++i) huge[24 + i] = '\x7f';  // record_count * 48 would wrap
  EXPECT_EQ(open_bytes(huge, msg), EventFileError::kTruncated);
  EXPECT_NE(msg.find("an impossible size"), std::string::npos) << msg;
}

TEST_F(EventFile, WriterThatNeverClosedLeavesNothing) {
  const std::string p = path("crash.events");
  spit(p, "an older file");
  {
    EventFileWriter w;
    ASSERT_EQ(w.open(p, two_instruments()), EventFileError::kOk);
    ASSERT_EQ(w.write(sample_events(20000)), EventFileError::kOk);  // several buffers reach the disk
    EXPECT_EQ(slurp(p), "an older file");                           // the target is untouched until close()
  }  // destroyed without close(): the temporary is discarded
  EXPECT_EQ(slurp(p), "an older file");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
  // A temporary left by a writer that was killed (no destructor ran) carries kEventCountOpen: kNotClosed.
  std::string bytes = write_sample(path("b.events"), 3);
  for (int i = 0; i < 8; ++i) bytes[24 + i] = '\xff';
  std::string msg;
  EXPECT_EQ(open_bytes(bytes, msg), EventFileError::kNotClosed);
  EXPECT_NE(
      msg.find(
          "the writer did not close the file (crashed, killed or failed while writing): not usable data"),
      std::string::npos)
      << msg;
  // Same verdict with the count set but the complete flag clear.
  bytes = write_sample(path("b.events"), 3);
  bytes[16] = static_cast<char>(bytes[16] & ~2);
  EXPECT_EQ(open_bytes(bytes, msg), EventFileError::kNotClosed);
}

// Recomputes a v2 file's checksums after a test edited it: the decoder's own checks are then what rejects the
// edit (as for a file a buggy writer produced).
std::string reseal(std::string b) {
  const uint64_t records_offset = 128 + 80 * static_cast<uint64_t>(static_cast<unsigned char>(b[20]));
  uint64_t count = 0;
  std::memcpy(&count, b.data() + 24, 8);
  const uint64_t blocks = (count + kEventChecksumBlockRecords - 1) / kEventChecksumBlockRecords;
  for (uint64_t k = 0; k < blocks; ++k) {
    const uint64_t first = k * kEventChecksumBlockRecords;
    const uint64_t n = std::min<uint64_t>(kEventChecksumBlockRecords, count - first);
    const uint32_t c = crc32c(0, b.data() + records_offset + first * 48, n * 48);
    std::memcpy(b.data() + records_offset + count * 48 + 4 * k, &c, 4);
  }
  std::memset(b.data() + 56, 0, 4);
  const uint32_t h = crc32c(crc32c(0, b.data(), 128), b.data() + 128, records_offset - 128);
  std::memcpy(b.data() + 56, &h, 4);
  return b;
}

// Any flipped bit is found (the format used to accept 17 of 20 flipped bits silently).
TEST_F(EventFile, EveryFlippedBitIsReported) {
  const std::string good = write_sample(path("a.events"), 40);
  std::string msg;
  size_t checksum_errors = 0;
  for (size_t bit = 0; bit < good.size() * 8; bit += 7) {
    std::string b = good;
    b[bit / 8] = static_cast<char>(b[bit / 8] ^ (1 << (bit % 8)));
    const EventFileError e = open_bytes(b, msg);
    ASSERT_NE(e, EventFileError::kOk) << "bit " << bit << " flipped and accepted";
    if (e == EventFileError::kChecksum) ++checksum_errors;
  }
  EXPECT_GT(checksum_errors, good.size() * 8 / 7 / 2);
  std::string b = good;
  b[128 + 160 + 45] = static_cast<char>(b[128 + 160 + 45] ^ 1);  // record 0's reserved byte
  EXPECT_EQ(open_bytes(b, msg), EventFileError::kChecksum);
  EXPECT_NE(msg.find("records 0 to 39 (bytes [288, 2208)) fail their checksum"), std::string::npos) << msg;
  b = good;
  b[64] = static_cast<char>(b[64] ^ 1);  // the source name
  EXPECT_EQ(open_bytes(b, msg), EventFileError::kChecksum);
  EXPECT_NE(msg.find("header or the instrument table"), std::string::npos) << msg;
  b = good;
  b[b.size() - 1] = 'X';  // the end marker
  EXPECT_EQ(open_bytes(b, msg), EventFileError::kTruncated);
}

// Version 1 files (no checksums, no trailer) are still read.
TEST_F(EventFile, VersionOneFilesStillRead) {
  std::string b = write_sample(path("a.events"), 5);
  b.resize(b.size() - 4 - 8);
  b[8] = 1;
  std::memset(b.data() + 52, 0, 8);
  std::string msg;
  ASSERT_EQ(open_bytes(b, msg), EventFileError::kOk) << msg;
  EventFileReader r;
  ASSERT_EQ(r.open(path("damaged.events")), EventFileError::kOk);
  EXPECT_EQ(r.header().version, 1);
  ASSERT_EQ(r.events().size(), 5u);
  EXPECT_TRUE(same(r.events()[4], sample_events(5)[4]));
}

TEST_F(EventFile, CorruptInstrumentTable) {
  const std::string good = write_sample(path("a.events"), 3);
  std::string msg;
  const size_t e1 = 128 + 80;  // second entry
  std::string b = good;
  b[e1 + 0] = 9;  // category
  EXPECT_EQ(open_bytes(reseal(b), msg), EventFileError::kBadInstrumentTable);
  EXPECT_NE(msg.find("instrument table entry 1 is invalid"), std::string::npos) << msg;
  b = good;
  b[e1 + 48] = 'e';  // lower-case symbol
  EXPECT_EQ(open_bytes(reseal(b), msg), EventFileError::kBadInstrumentTable);
  b = good;
  b[e1 + 2] = 0;  // empty symbol
  EXPECT_EQ(open_bytes(reseal(b), msg), EventFileError::kBadInstrumentTable);
  b = good;
  b[e1 + 79] = 'X';  // padding after the symbol
  EXPECT_EQ(open_bytes(reseal(b), msg), EventFileError::kBadInstrumentTable);
  b = good;
  std::memset(b.data() + e1 + 8, 0, 8);  // tick_units 0
  EXPECT_EQ(open_bytes(reseal(b), msg), EventFileError::kBadInstrumentTable);
  b = good;
  b[e1 + 3] = 19;  // price_scale
  EXPECT_EQ(open_bytes(reseal(b), msg), EventFileError::kBadInstrumentTable);
  b = good;
  std::memcpy(b.data() + e1, b.data() + 128, 80);  // duplicate of entry 0
  EXPECT_EQ(open_bytes(reseal(b), msg), EventFileError::kBadInstrumentTable);
  EXPECT_NE(msg.find("instrument table entry 1 (linear:BTCUSDT) repeats an earlier one"), std::string::npos) << msg;
}

TEST_F(EventFile, RecordInstrumentOutOfRangeAndUnknownKind) {
  const std::string good = write_sample(path("a.events"), 5);
  const size_t rec3 = 128 + 160 + 3 * 48;
  std::string msg;
  std::string b = good;
  b[rec3 + 40] = 2;  // instrument index 2, table of 2
  EXPECT_EQ(open_bytes(reseal(b), msg), EventFileError::kBadInstrumentIndex);
  EXPECT_NE(msg.find("record 3 refers to instrument 2, the table has 2"), std::string::npos) << msg;
  b = good;
  b[rec3 + 42] = 9;  // kind
  EXPECT_EQ(open_bytes(reseal(b), msg), EventFileError::kBadRecord);
  EXPECT_NE(msg.find("record 3 has unknown kind 9"), std::string::npos) << msg;
  // Without validation the caller gets the records as they are.
  spit(path("c.events"), reseal(b));
  EventFileReader r;
  EventFileOpenOptions o;
  o.validate_records = false;
  EXPECT_EQ(r.open(path("c.events"), o), EventFileError::kOk);
  EXPECT_EQ(static_cast<int>(r.events()[3].kind), 9);
}

TEST_F(EventFile, WriterMisuse) {
  EventFileWriter w;
  EXPECT_EQ(w.write(Event{}), EventFileError::kInvalid);
  EXPECT_EQ(w.close(), EventFileError::kInvalid);
  const std::string p = path("w.events");
  ASSERT_EQ(w.open(p, two_instruments()), EventFileError::kOk);
  EXPECT_EQ(w.open(p, two_instruments()), EventFileError::kInvalid);
  Event bad;
  bad.instrument = 2;
  EXPECT_EQ(w.write(bad), EventFileError::kInvalid);
  EXPECT_NE(w.error().find("record 0 has instrument 2 but the table has 2"), std::string::npos) << w.error();
  EXPECT_EQ(w.records(), 0u);
  EXPECT_EQ(w.close(), EventFileError::kOk);

  auto dup = two_instruments();
  dup[1] = dup[0];
  EventFileWriter w2;
  EXPECT_EQ(w2.open(path("dup.events"), dup), EventFileError::kInvalid);
  EXPECT_EQ(w2.error(), path("dup.events") + ": instrument linear:BTCUSDT appears twice");
  EXPECT_FALSE(std::filesystem::exists(path("dup.events")));

  std::vector<Instrument> many(kMaxEventFileInstruments + 1, two_instruments()[0]);
  EXPECT_EQ(w2.open(path("many.events"), many), EventFileError::kInvalid);

  EXPECT_EQ(w2.open(path("no/such/dir/x.events"), two_instruments()), EventFileError::kIo);
  EXPECT_NE(w2.error().find("no/such/dir"), std::string::npos) << w2.error();
}

TEST_F(EventFile, AbortKeepsTheOldFile) {
  const std::string p = path("ab.events");
  EventFileWriter w;
  ASSERT_EQ(w.open(p, two_instruments()), EventFileError::kOk);
  ASSERT_EQ(w.write(sample_events(3)), EventFileError::kOk);
  EXPECT_FALSE(std::filesystem::exists(p));  // appears only when closed
  w.abort();
  EXPECT_FALSE(std::filesystem::exists(p));
  EXPECT_FALSE(w.is_open());
  spit(p, "older");
  ASSERT_EQ(w.open(p, two_instruments()), EventFileError::kOk);
  ASSERT_EQ(w.write(sample_events(3)), EventFileError::kOk);
  w.abort();
  EXPECT_EQ(slurp(p), "older");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

TEST_F(EventFile, InstrumentEntryRoundTrip) {
  Instrument in = make(Category::kOption, "BTC-30AUG24-60000-C", "5", "0.001");
  in.inferred = true;
  char entry[kEventFileInstrumentSize];
  encode_event_instrument(in, entry);
  Instrument back;
  ASSERT_TRUE(decode_event_instrument(entry, back));
  EXPECT_EQ(back.name(), "BTC-30AUG24-60000-C");
  EXPECT_EQ(back.category, Category::kOption);
  EXPECT_EQ(back.tick_units, in.tick_units);
  EXPECT_EQ(back.lot_units, in.lot_units);
  EXPECT_EQ(back.min_qty, in.min_qty);
  EXPECT_TRUE(back.inferred);
  entry[5] = 4;  // an unknown flag bit
  EXPECT_FALSE(decode_event_instrument(entry, back));
}

TEST_F(EventFile, ConversionIsByteReproducible) {
  ASSERT_TRUE(convert_to_events(kCryptofeed, path("a.events")).ok());
  ASSERT_TRUE(convert_to_events(kCryptofeed, path("b.events")).ok());
  const std::string a = slurp(path("a.events")), b = slurp(path("b.events"));
  EXPECT_GT(a.size(), 1'000'000u);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace mm
