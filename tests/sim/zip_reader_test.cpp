#include "sim/zip_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/sim/recording_test_util.h"

namespace mm {
namespace {

using namespace mm::testing;

std::string extract(const ZipArchive& zip, size_t index, ReadResult& status, size_t chunk = 4096) {
  ZipEntrySource src;
  status = src.open(zip, index);
  std::string out;
  if (status != ReadResult::kOk) return out;
  std::string buf(chunk, '\0');
  size_t got = 0;
  while ((status = src.read(buf.data(), buf.size(), got)) == ReadResult::kOk) out.append(buf.data(), got);
  return out;
}

TEST(ZipReader, ListsAndExtractsTheRealStoredArchive) {
  ZipArchive zip;
  ASSERT_EQ(zip.open(kXrpZip), ReadResult::kOk) << zip.error();
  ASSERT_EQ(zip.entries().size(), 1u);
  const ZipEntry& e = zip.entries()[0];
  EXPECT_EQ(e.name, "2024-12-01_XRPUSDT_ob500.data");
  EXPECT_EQ(e.method, 0);
  EXPECT_EQ(e.uncompressed_size, 80'382u);
  EXPECT_EQ(e.crc32, 0x51af93b7u);
  EXPECT_EQ(zip.find("2024-12-01_XRPUSDT_ob500.data"), 0);
  EXPECT_EQ(zip.find("nope"), -1);
  ReadResult st;
  const std::string data = extract(zip, 0, st);
  EXPECT_EQ(st, ReadResult::kEnd);  // CRC and size verified
  EXPECT_EQ(data.size(), 80'382u);
  EXPECT_EQ(data.substr(0, 10), "{\"topic\":\"");
}

TEST(ZipReader, DeflateRoundTripWithSmallAndLargeChunks) {
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "{\"u\":" + std::to_string(i) + ",\"b\":[[\"1.2345\",\"100\"]]}\n";
  const std::string path = temp_path("rt.zip");
  write_file(path, build_zip({{"s.txt", "stored bytes", false}, {"d.data", big, true}, {"empty", "", true}}));
  ZipArchive zip;
  ASSERT_EQ(zip.open(path), ReadResult::kOk) << zip.error();
  ASSERT_EQ(zip.entries().size(), 3u);
  EXPECT_EQ(zip.entries()[1].method, 8);
  EXPECT_LT(zip.entries()[1].compressed_size, big.size() / 4);
  ReadResult st;
  EXPECT_EQ(extract(zip, 0, st), "stored bytes");
  EXPECT_EQ(st, ReadResult::kEnd);
  for (size_t chunk : {size_t{1}, size_t{777}, size_t{1} << 20}) {
    EXPECT_EQ(extract(zip, 1, st, chunk), big) << chunk;
    EXPECT_EQ(st, ReadResult::kEnd);
  }
  EXPECT_EQ(extract(zip, 2, st), "");
  EXPECT_EQ(st, ReadResult::kEnd);
  std::remove(path.c_str());
}

TEST(ZipReader, DetectsCrcMismatchAndTruncation) {
  std::string big;
  for (int i = 0; i < 5000; ++i) big += "line " + std::to_string(i) + "\n";
  std::string z = build_zip({{"d.data", big, true}});
  const std::string path = temp_path("bad.zip");

  // Flip the CRC in the central directory: all bytes are delivered, then kCorrupt.
  std::string bad_crc = z;
  const size_t cd = bad_crc.rfind(std::string("PK\x01\x02", 4));
  bad_crc[cd + 16] = static_cast<char>(bad_crc[cd + 16] ^ 0x55);
  write_file(path, bad_crc);
  ZipArchive zip;
  ASSERT_EQ(zip.open(path), ReadResult::kOk);
  ReadResult st;
  EXPECT_EQ(extract(zip, 0, st), big);
  EXPECT_EQ(st, ReadResult::kCorrupt);

  // Damaged deflate data.
  std::string bad_data = z;
  for (size_t i = 60; i < 90; ++i) bad_data[i] = '\xff';
  write_file(path, bad_data);
  ASSERT_EQ(zip.open(path), ReadResult::kOk);
  (void)extract(zip, 0, st);
  EXPECT_EQ(st, ReadResult::kCorrupt);

  // Cut file: no end-of-central-directory record.
  write_file(path, z.substr(0, z.size() / 2));
  EXPECT_EQ(zip.open(path), ReadResult::kCorrupt);
  EXPECT_NE(zip.error().find("truncated"), std::string_view::npos) << zip.error();

  write_file(path, "hello");
  EXPECT_EQ(zip.open(path), ReadResult::kCorrupt);
  EXPECT_EQ(zip.open(path + ".missing"), ReadResult::kIo);
  std::remove(path.c_str());
}

TEST(ZipReader, UnsupportedMethodIsNamed) {
  std::string z = build_zip({{"d.data", "abc", false}});
  z[8] = 14;  // local header method: LZMA
  const size_t cd = z.rfind(std::string("PK\x01\x02", 4));
  z[cd + 10] = 14;
  const std::string path = temp_path("lzma.zip");
  write_file(path, z);
  ZipArchive zip;
  ASSERT_EQ(zip.open(path), ReadResult::kOk);
  ZipEntrySource src;
  EXPECT_EQ(src.open(zip, 0), ReadResult::kUnsupported);
  EXPECT_NE(src.error().find("method 14"), std::string_view::npos) << src.error();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace mm
