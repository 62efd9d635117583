#pragma once
// Helpers shared by the recording tests: temp files, padding probes, and a tiny zip writer (zlib) so the
// deflate path is tested without depending on a `zip` binary.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/frame.h"

namespace mm::testing {

inline const std::string kCryptofeedZst =
    std::string(MM_SHARED_DATA) + "/bybit/cryptofeed-BYBIT-2026-08-09.jsonl.zst";
inline const std::string kXrpZip = std::string(MM_SHARED_DATA) + "/bybit/2024-12-01_XRPUSDT_ob500.data.zip";

inline std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "mm_rec_" + std::to_string(::getpid()) + "_" + name;
}

inline std::string read_file(const std::string& path) {
  std::string out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

inline void write_file(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
}

// Reads the kFramePadding bytes promised after a frame: ASan flags a read past an allocation, and a read
// past a mapping faults.
inline unsigned touch_padding(const Frame& f) {
  const volatile char* p = f.data.data() + f.data.size();
  unsigned sum = 0;
  for (size_t i = 0; i < kFramePadding; ++i) sum += static_cast<unsigned char>(p[i]);
  return sum;
}

struct ZipInput {
  std::string name;
  std::string bytes;
  bool deflate = true;
};

inline void put16(std::string& s, uint32_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>((v >> 8) & 0xFF);
}
inline void put32(std::string& s, uint32_t v) {
  put16(s, v & 0xFFFF);
  put16(s, v >> 16);
}

inline std::string raw_deflate(const std::string& in, int level = 6) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A minimal, valid zip archive (no data descriptors, no extra fields).
inline std::string build_zip(const std::vector<ZipInput>& files) {
  std::string out, cd;
  for (const ZipInput& f : files) {
    const uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(f.bytes.data()), static_cast<uInt>(f.bytes.size())));
    const std::string body = f.deflate ? raw_deflate(f.bytes) : f.bytes;
    const uint32_t offset = static_cast<uint32_t>(out.size());
    const uint16_t method = f.deflate ? 8 : 0;
    put32(out, 0x04034b50);
    put16(out, 20);
    put16(out, 0);
    put16(out, method);
    put16(out, 0);
    put16(out, 0x21);
    put32(out, crc);
    put32(out, static_cast<uint32_t>(body.size()));
    put32(out, static_cast<uint32_t>(f.bytes.size()));
    put16(out, static_cast<uint32_t>(f.name.size()));
    put16(out, 0);
    out += f.name;
    out += body;
    put32(cd, 0x02014b50);
    put16(cd, 20);
    put16(cd, 20);
    put16(cd, 0);
    put16(cd, method);
    put16(cd, 0);
    put16(cd, 0x21);
    put32(cd, crc);
    put32(cd, static_cast<uint32_t>(body.size()));
    put32(cd, static_cast<uint32_t>(f.bytes.size()));
    put16(cd, static_cast<uint32_t>(f.name.size()));
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put32(cd, 0);
    put32(cd, offset);
    cd += f.name;
  }
  const uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out += cd;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<uint32_t>(files.size()));
  put16(out, static_cast<uint32_t>(files.size()));
  put32(out, static_cast<uint32_t>(cd.size()));
  put32(out, cd_offset);
  put16(out, 0);
  return out;
}

}  // namespace mm::testing
