#include "core/capture.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/crc32c.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "capture_test_" + std::to_string(::getpid()) + "_" + name;
}

std::string read_file(const std::string& path) {
  std::string out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

void write_file(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
}

// Reads the padding promised after every frame; under ASan an out-of-bounds read fails the test run, and
// past a mapping it faults.
unsigned touch_padding(const Frame& f) {
  const volatile char* p = f.data.data() + f.data.size();
  unsigned sum = 0;
  for (size_t i = 0; i < kFramePadding; ++i) sum += static_cast<unsigned char>(p[i]);
  return sum;
}

struct Expected {
  FrameKind kind;
  uint32_t conn;
  int64_t ns;
  std::string data;
  std::string url;
  bool has_category;
  Category category;
};

std::vector<Expected> sample_frames() {
  std::vector<Expected> v;
  v.push_back({FrameKind::kConnect, 1, 1'000, "", "wss://stream.bybit.com/v5/public/linear", true,
               Category::kLinear});
  v.push_back({FrameKind::kSend, 1, 2'000, R"({"op":"subscribe","args":["orderbook.200.BTCUSDT"]})",
               "wss://stream.bybit.com/v5/public/linear", true, Category::kLinear});
  v.push_back({FrameKind::kHttp, 7, 2'500, R"({"retCode":0})",
               "https://api.bybit.com/v5/market/instruments-info?category=spot", true, Category::kSpot});
  v.push_back(
      {FrameKind::kConnect, 2, 3'000, "", "wss://stream.bybit.com/v5/private", false, Category::kLinear});
  for (int i = 0; i < 1000; ++i) {
    std::string d = R"({"topic":"orderbook.200.BTCUSDT","n":)" + std::to_string(i) + "}";
    d.append(static_cast<size_t>(i % 97), 'x');
    v.push_back({FrameKind::kRecv, static_cast<uint32_t>(1 + i % 2), 10'000 + i, d,
                 i % 2 == 0 ? "wss://stream.bybit.com/v5/public/linear" : "wss://stream.bybit.com/v5/private",
                 i % 2 == 0, Category::kLinear});
  }
  v.push_back({FrameKind::kRecv, 1, 99'999, "", "wss://stream.bybit.com/v5/public/linear", true,
               Category::kLinear});  // empty payload is legal
  return v;
}

void write_sample(const std::string& path, const std::vector<Expected>& frames, size_t buffer = 4096) {
  CaptureWriter w(buffer);
  ASSERT_EQ(w.open(path, 1'786'310'817'000'000'000, kCaptureFlagSynthetic), CaptureError::kOk) << w.error();
  for (const Expected& e : frames) {
    CaptureError r = CaptureError::kOk;
    switch (e.kind) {
      case FrameKind::kConnect:
        r = w.write_connection(e.conn, e.ns, e.url, e.has_category, e.category);
        break;
      case FrameKind::kHttp:
        r = w.write_http(e.conn, e.ns, e.url, e.data);
        break;
      default:
        r = w.write_frame(e.kind, e.conn, e.ns, e.data);
        break;
    }
    ASSERT_EQ(r, CaptureError::kOk) << w.error();
  }
  ASSERT_EQ(w.close(), CaptureError::kOk) << w.error();
}

void expect_frame(const Frame& f, const Expected& e, size_t index) {
  SCOPED_TRACE("frame " + std::to_string(index));
  EXPECT_EQ(f.kind, e.kind);
  EXPECT_EQ(f.conn_id, e.conn);
  EXPECT_EQ(f.recv_ns, e.ns);
  EXPECT_EQ(f.data, e.data);
  EXPECT_EQ(f.url, e.url);
  EXPECT_EQ(f.has_category, e.has_category);
  if (e.has_category) {
    EXPECT_EQ(f.category, e.category);
  }
}

ReadResult read_all(const std::string& path, size_t* frames = nullptr, std::string* error = nullptr,
                    CaptureReadMode mode = CaptureReadMode::kMap) {
  CaptureReader r;
  CaptureReadOptions o;
  o.mode = mode;
  o.window_bytes = 4096;  // kStream: the smallest window, so that it slides and grows within the sample
  ReadResult res = r.open(path, o);
  size_t n = 0;
  if (res == ReadResult::kOk) {
    Frame f;
    while ((res = r.next(f)) == ReadResult::kOk) {
      (void)touch_padding(f);
      ++n;
    }
  }
  if (frames != nullptr) *frames = n;
  if (error != nullptr) *error = std::string(r.error());
  return res;
}

TEST(Capture, RoundTripPreservesEveryField) {
  const std::string path = temp_path("roundtrip.mmcap");
  const auto frames = sample_frames();
  write_sample(path, frames);

  CaptureReader r;
  ASSERT_EQ(r.open(path), ReadResult::kOk) << r.error();
  EXPECT_EQ(r.header().version, kCaptureVersion);
  EXPECT_EQ(r.header().flags, kCaptureFlagSynthetic);
  EXPECT_EQ(r.header().created_ns, 1'786'310'817'000'000'000);
  Frame f;
  size_t n = 0;
  unsigned sink = 0;
  ReadResult res;
  while ((res = r.next(f)) == ReadResult::kOk) {
    ASSERT_LT(n, frames.size());
    expect_frame(f, frames[n], n);
    sink += touch_padding(f);
    ++n;
  }
  EXPECT_EQ(res, ReadResult::kEnd) << r.error();
  EXPECT_EQ(n, frames.size());
  EXPECT_EQ(r.next(f), ReadResult::kEnd);  // stays at the end
  EXPECT_EQ(r.offset(), r.file_size());
  (void)sink;
  std::remove(path.c_str());
}

TEST(Capture, WriterBytesMatchTheDocumentedLayout) {
  const std::string path = temp_path("layout.mmcap");
  {
    CaptureWriter w;
    ASSERT_EQ(w.open(path, 0x0102030405060708, 0), CaptureError::kOk);
    ASSERT_EQ(w.write_connection(5, 9, "u", true, Category::kSpot), CaptureError::kOk);
    ASSERT_EQ(w.write_frame(FrameKind::kRecv, 5, -1, "ab"), CaptureError::kOk);
    ASSERT_EQ(w.close(), CaptureError::kOk);
  }
  const std::string b = read_file(path);
  const std::string expected = std::string("MMCAP\r\n\x1a", 8) +
                               std::string("\x02\x00\x00\x00\x20\x00\x00\x00", 8) +
                               std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8) + std::string(8, '\0') +
                               // connection-info: len 2, 'C', kind 0, reserved, conn 5, ns 9, category 2, "u"
                               std::string(
                                   "\x02\x00\x00\x00"
                                   "C\x00\x00\x00"
                                   "\x05\x00\x00\x00",
                                   12) +
                               std::string("\x09\x00\x00\x00\x00\x00\x00\x00", 8) + std::string("\x02u", 2) +
                               // frame: len 2, 'F', kind recv, reserved, conn 5, ns -1, "ab"
                               std::string(
                                   "\x02\x00\x00\x00"
                                   "F\x00\x00\x00"
                                   "\x05\x00\x00\x00",
                                   12) +
                               std::string(8, '\xff') + "ab";
  ASSERT_EQ(b.size(), expected.size() + 28 + 36);
  EXPECT_EQ(b.substr(0, expected.size()), expected);
  // Then the checksum record over everything before it, and the end record (2 records, file size).
  const uint32_t crc = crc32c(0, b.data(), expected.size());
  std::string tail = std::string("\x08\x00\x00\x00K", 5) + std::string(15, '\0');
  tail.append(reinterpret_cast<const char*>(&crc), 4);
  const uint32_t covered = static_cast<uint32_t>(expected.size());
  tail.append(reinterpret_cast<const char*>(&covered), 4);
  tail += std::string(
              "\x10\x00\x00\x00"
              "E",
              5) +
          std::string(15, '\0');
  const uint64_t records = 2, size = b.size();
  tail.append(reinterpret_cast<const char*>(&records), 8);
  tail.append(reinterpret_cast<const char*>(&size), 8);
  EXPECT_EQ(b.substr(expected.size()), tail);
  std::remove(path.c_str());
}

TEST(Capture, TruncatedTailYieldsAllCompleteRecordsThenTruncated) {
  const std::string path = temp_path("full.mmcap");
  const auto frames = sample_frames();
  write_sample(path, frames);
  const std::string bytes = read_file(path);

  // Record boundaries, from the reader itself on the intact file.
  std::vector<size_t> ends;
  {
    CaptureReader r;
    ASSERT_EQ(r.open(path), ReadResult::kOk);
    Frame f;
    while (r.next(f) == ReadResult::kOk) ends.push_back(r.offset());
  }
  ASSERT_EQ(ends.size(), frames.size());

  const std::string cut_path = temp_path("cut.mmcap");
  // Every cut inside the first records, then a stride through the rest, and the last bytes.
  std::vector<size_t> cuts;
  for (size_t c = kCaptureHeaderSize; c < 400; ++c) cuts.push_back(c);
  for (size_t c = 400; c < bytes.size(); c += 997) cuts.push_back(c);
  for (size_t c = bytes.size() - 30; c < bytes.size(); ++c) cuts.push_back(c);
  for (size_t cut : cuts) {
    write_file(cut_path, bytes.substr(0, cut));
    for (const CaptureReadMode mode : {CaptureReadMode::kMap, CaptureReadMode::kStream}) {
      SCOPED_TRACE(mode == CaptureReadMode::kMap ? "map" : "stream");
      const size_t complete =
          static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin());
      CaptureReader r;
      CaptureReadOptions o;
      o.mode = mode;
      o.window_bytes = 4096;
      ASSERT_EQ(r.open(cut_path, o), ReadResult::kOk) << r.error();
      Frame f;
      size_t n = 0;
      ReadResult res;
      while ((res = r.next(f)) == ReadResult::kOk) {
        expect_frame(f, frames[n], n);
        (void)touch_padding(f);
        ++n;
      }
      ASSERT_EQ(n, complete) << "cut at " << cut;
      // Version 2: a cut on a record boundary is a truncation too (the end record is missing).
      EXPECT_EQ(res, ReadResult::kTruncated) << "cut at " << cut;
      EXPECT_NE(r.error().find("cut.mmcap"), std::string_view::npos) << r.error();
      EXPECT_NE(r.error().find("offset"), std::string_view::npos) << r.error();
      EXPECT_EQ(r.next(f), ReadResult::kTruncated);  // sticky
    }
  }
  std::remove(path.c_str());
  std::remove(cut_path.c_str());
}

TEST(Capture, ZeroFilledTailIsTruncationNotCorruption) {
  const std::string path = temp_path("zeros.mmcap");
  const auto frames = sample_frames();
  write_sample(path, frames);
  const std::string whole = read_file(path);
  // A writer that died after its last frame: no final checksum and end record, then zeros.
  write_file(path, whole.substr(0, whole.size() - 28 - 36) + std::string(4096, '\0'));
  CaptureReader r;
  ASSERT_EQ(r.open(path), ReadResult::kOk);
  Frame f;
  size_t n = 0;
  ReadResult res;
  while ((res = r.next(f)) == ReadResult::kOk) ++n;
  EXPECT_EQ(n, frames.size());
  EXPECT_EQ(res, ReadResult::kTruncated);
  EXPECT_NE(r.error().find("zero-filled"), std::string_view::npos) << r.error();
  std::string stream_err;
  EXPECT_EQ(read_all(path, &n, &stream_err, CaptureReadMode::kStream), ReadResult::kTruncated);
  EXPECT_EQ(n, frames.size());
  EXPECT_EQ(stream_err, r.error());
  // After a complete file, anything is damage.
  write_file(path, whole + std::string(4096, '\0'));
  ASSERT_EQ(r.open(path), ReadResult::kOk);
  n = 0;
  while ((res = r.next(f)) == ReadResult::kOk) ++n;
  EXPECT_EQ(n, frames.size());
  EXPECT_EQ(res, ReadResult::kCorrupt);
  EXPECT_NE(r.error().find("4096 bytes after the end record"), std::string_view::npos) << r.error();
  std::remove(path.c_str());
}

TEST(Capture, CorruptRecordInTheMiddleIsReported) {
  const std::string path = temp_path("corrupt_record.mmcap");
  write_sample(path, sample_frames());
  std::string bytes = read_file(path);
  bytes[kCaptureHeaderSize + 4] = 'Z';  // type byte of the first record
  write_file(path, bytes);
  CaptureReader r;
  ASSERT_EQ(r.open(path), ReadResult::kOk);
  Frame f;
  EXPECT_EQ(r.next(f), ReadResult::kCorrupt);
  EXPECT_NE(r.error().find("damaged record header at offset 32"), std::string_view::npos) << r.error();
  EXPECT_EQ(r.next(f), ReadResult::kCorrupt);
  std::remove(path.c_str());
}

TEST(Capture, CorruptHeadersGiveClearErrors) {
  const std::string path = temp_path("bad_header.mmcap");
  write_sample(path, sample_frames());
  const std::string good = read_file(path);
  CaptureReader r;

  write_file(path, "{\"t\":\"header\"}\n" + good.substr(16));
  EXPECT_EQ(r.open(path), ReadResult::kCorrupt);
  EXPECT_NE(r.error().find("bad magic"), std::string_view::npos) << r.error();
  EXPECT_NE(r.error().find(path), std::string_view::npos) << r.error();

  std::string v9 = good;
  v9[8] = 9;
  write_file(path, v9);
  EXPECT_EQ(r.open(path), ReadResult::kUnsupported);
  EXPECT_NE(r.error().find("version 9"), std::string_view::npos) << r.error();

  std::string small_header = good;
  small_header[12] = 8;
  write_file(path, small_header);
  EXPECT_EQ(r.open(path), ReadResult::kCorrupt);

  write_file(path, good.substr(0, 12));
  EXPECT_EQ(r.open(path), ReadResult::kTruncated);
  write_file(path, "");
  EXPECT_EQ(r.open(path), ReadResult::kTruncated);

  EXPECT_EQ(r.open(path + ".missing"), ReadResult::kIo);
  EXPECT_NE(r.error().find(".missing"), std::string_view::npos);
  Frame f;
  EXPECT_EQ(r.next(f), ReadResult::kIo);
  std::remove(path.c_str());
}

TEST(Capture, OversizedHttpUrlAndLengthFieldAreCorruption) {
  const std::string path = temp_path("bad_http.mmcap");
  {
    CaptureWriter w;
    ASSERT_EQ(w.open(path, 0), CaptureError::kOk);
    ASSERT_EQ(w.write_http(0, 1, "https://x", "body"), CaptureError::kOk);
    ASSERT_EQ(w.close(), CaptureError::kOk);
  }
  std::string bytes = read_file(path);
  bytes[kCaptureHeaderSize + kCaptureRecordHeaderSize] = 100;  // url_len beyond the payload
  write_file(path, bytes);
  CaptureReader r;
  ASSERT_EQ(r.open(path), ReadResult::kOk);
  Frame f;
  EXPECT_EQ(r.next(f), ReadResult::kCorrupt);

  bytes[kCaptureHeaderSize + 3] = '\x7f';  // payload_len far above kMaxCapturePayload
  write_file(path, bytes);
  ASSERT_EQ(r.open(path), ReadResult::kOk);
  EXPECT_EQ(r.next(f), ReadResult::kCorrupt);
  EXPECT_NE(r.error().find("payload length"), std::string_view::npos) << r.error();
  std::remove(path.c_str());
}

TEST(Capture, WriterErrors) {
  CaptureWriter w;
  EXPECT_EQ(w.write_frame(FrameKind::kRecv, 0, 0, "x"), CaptureError::kNotOpen);
  EXPECT_EQ(w.flush(), CaptureError::kNotOpen);
  EXPECT_EQ(w.close(), CaptureError::kNotOpen);
  EXPECT_EQ(w.open("/nonexistent-dir/x.mmcap", 0), CaptureError::kIo);
  EXPECT_NE(w.error().find("/nonexistent-dir/x.mmcap"), std::string_view::npos);

  const std::string path = temp_path("errors.mmcap");
  ASSERT_EQ(w.open(path, 0), CaptureError::kOk);
  EXPECT_EQ(w.open(path, 0), CaptureError::kInvalid);
  EXPECT_EQ(w.write_frame(FrameKind::kHttp, 0, 0, "x"), CaptureError::kInvalid);
  EXPECT_EQ(w.write_frame(FrameKind::kConnect, 0, 0, "x"), CaptureError::kInvalid);
  ASSERT_EQ(w.close(), CaptureError::kOk);
  std::remove(path.c_str());

  // Devices are refused (as root, opening /dev/full used to be allowed; replacing it would be worse).
  EXPECT_EQ(w.open("/dev/full", 0), CaptureError::kIo);
  EXPECT_NE(w.error().find("character device"), std::string_view::npos) << w.error();

  // A write that fails (the file-size limit standing in for a full disk) turns into kIo, the writer stays
  // failed, and close() leaves the target as it was.
  const std::string full = temp_path("full.mmcap");
  write_file(full, "old");
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    CaptureWriter fw(4096);
    bool ok = fw.open(full, 0) == CaptureError::kOk;
    ok = ok && fw.write_frame(FrameKind::kRecv, 0, 0, std::string(10000, 'x')) == CaptureError::kIo;
    ok = ok && fw.error().find("write failed") != std::string_view::npos;
    ok = ok && fw.write_frame(FrameKind::kRecv, 0, 0, "x") == CaptureError::kIo;
    ok = ok && fw.close() == CaptureError::kIo;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(read_file(full), "old");
  std::remove(full.c_str());
}

TEST(Capture, RecordsLargerThanTheBufferAreWrittenDirectly) {
  const std::string path = temp_path("big.mmcap");
  std::string big(100'000, 'q');
  big[0] = '{';
  {
    CaptureWriter w(4096);
    ASSERT_EQ(w.open(path, 0), CaptureError::kOk);
    ASSERT_EQ(w.write_frame(FrameKind::kRecv, 0, 1, "small"), CaptureError::kOk);
    ASSERT_EQ(w.write_http(0, 2, "https://api.bybit.com/v5/market/instruments-info?category=linear", big),
              CaptureError::kOk);
    ASSERT_EQ(w.write_frame(FrameKind::kRecv, 0, 3, "after"), CaptureError::kOk);
    EXPECT_EQ(w.records(), 3u);
    ASSERT_EQ(w.close(), CaptureError::kOk);
    EXPECT_EQ(w.bytes(), read_file(path).size());
  }
  CaptureReader r;
  ASSERT_EQ(r.open(path), ReadResult::kOk);
  Frame f;
  ASSERT_EQ(r.next(f), ReadResult::kOk);
  EXPECT_EQ(f.data, "small");
  ASSERT_EQ(r.next(f), ReadResult::kOk);
  EXPECT_EQ(f.kind, FrameKind::kHttp);
  EXPECT_EQ(f.data, big);
  EXPECT_TRUE(f.has_category);
  EXPECT_EQ(f.category, Category::kLinear);
  ASSERT_EQ(r.next(f), ReadResult::kOk);
  EXPECT_EQ(f.data, "after");
  (void)touch_padding(f);
  EXPECT_EQ(r.next(f), ReadResult::kEnd);
  std::remove(path.c_str());
}

TEST(Capture, ReadsFromAPipe) {
  const std::string path = temp_path("pipe_src.mmcap");
  const auto frames = sample_frames();
  write_sample(path, frames);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string bytes = read_file(path);
  std::thread writer([&] {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t w = ::write(fds[1], bytes.data() + off, bytes.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    ::close(fds[1]);
  });
  CaptureReader r;
  ASSERT_EQ(r.open("/dev/fd/" + std::to_string(fds[0])), ReadResult::kOk) << r.error();
  writer.join();
  ::close(fds[0]);
  Frame f;
  size_t n = 0;
  while (r.next(f) == ReadResult::kOk) {
    expect_frame(f, frames[n], n);
    (void)touch_padding(f);
    ++n;
  }
  EXPECT_EQ(n, frames.size());
  std::remove(path.c_str());
}

TEST(Capture, NoAllocationPerFrameOnceOpen) {
  const std::string path = temp_path("alloc.mmcap");
  const std::string payload(300, 'p');
  CaptureWriter w(1 << 16);
  ASSERT_EQ(w.open(path, 0), CaptureError::kOk);
  ASSERT_EQ(w.write_connection(1, 0, "wss://stream.bybit.com/v5/public/linear", true, Category::kLinear),
            CaptureError::kOk);
  {
    mm::test::AllocScope scope;
    for (int i = 0; i < 5000; ++i) {
      ASSERT_EQ(w.write_frame(FrameKind::kRecv, 1, i, payload), CaptureError::kOk);  // crosses many flushes
    }
    EXPECT_EQ(scope.allocations(), 0u);
  }
  ASSERT_EQ(w.close(), CaptureError::kOk);
  CaptureReader r;
  ASSERT_EQ(r.open(path), ReadResult::kOk);
  Frame f;
  ASSERT_EQ(r.next(f), ReadResult::kOk);  // the connection record may grow the connection table
  mm::test::AllocScope scope;
  int n = 0;
  while (r.next(f) == ReadResult::kOk) ++n;
  EXPECT_EQ(n, 5000);
  EXPECT_EQ(scope.allocations(), 0u);
  std::remove(path.c_str());
}

TEST(FrameCategory, FromUrl) {
  Category c = Category::kOption;
  EXPECT_TRUE(category_from_url("wss://stream.bybit.com/v5/public/spot", c));
  EXPECT_EQ(c, Category::kSpot);
  EXPECT_TRUE(
      category_from_url("https://api.bybit.com/v5/market/instruments-info?&category=linear&limit=1", c));
  EXPECT_EQ(c, Category::kLinear);
  EXPECT_TRUE(category_from_url("wss://stream.bybit.com/v5/public/inverse?x=1", c));
  EXPECT_EQ(c, Category::kInverse);
  c = Category::kSpot;
  EXPECT_FALSE(category_from_url("wss://stream.bybit.com/v5/private", c));
  EXPECT_FALSE(category_from_url("https://x/y?subcategory=spot", c));
  EXPECT_FALSE(category_from_url("wss://stream.bybit.com/v5/public/futures", c));
  EXPECT_EQ(c, Category::kSpot);
}

}  // namespace
}  // namespace mm

namespace mm {
namespace {

// Reads every frame; returns how the stream ended (the open() error when it fails).

// The format used to accept flipped bits silently; every one is now found (checksums, or the structure).
TEST(Capture, EveryFlippedBitIsReported) {
  const std::string path = temp_path("flip_src.mmcap");
  const std::string bad = temp_path("flip.mmcap");
  write_sample(path, sample_frames());
  const std::string good = read_file(path);
  ASSERT_EQ(read_all(path), ReadResult::kEnd);
  size_t corrupt = 0, tried = 0;
  for (size_t bit = 0; bit < good.size() * 8; bit += 997) {
    std::string b = good;
    b[bit / 8] = static_cast<char>(b[bit / 8] ^ (1 << (bit % 8)));
    write_file(bad, b);
    const ReadResult res = read_all(bad);
    ASSERT_NE(res, ReadResult::kEnd) << "bit " << bit << " flipped and accepted";
    // The streamed read finds the same damage, with the same result and message.
    std::string map_err, stream_err;
    size_t map_n = 0, stream_n = 0;
    (void)read_all(bad, &map_n, &map_err);
    EXPECT_EQ(read_all(bad, &stream_n, &stream_err, CaptureReadMode::kStream), res) << "bit " << bit;
    EXPECT_EQ(stream_n, map_n) << "bit " << bit;
    EXPECT_EQ(stream_err, map_err) << "bit " << bit;
    corrupt += res == ReadResult::kCorrupt;
    ++tried;
  }
  EXPECT_GT(corrupt, tried * 3 / 4);
  // A payload byte of a frame: the block's checksum names its offsets, and no frame of the block is given
  // out.
  std::string b = good;
  b[kCaptureHeaderSize + 30] = static_cast<char>(b[kCaptureHeaderSize + 30] ^ 0x20);
  write_file(bad, b);
  size_t n = 0;
  std::string err;
  EXPECT_EQ(read_all(bad, &n, &err), ReadResult::kCorrupt);
  EXPECT_EQ(n, 0u);
  EXPECT_NE(err.find("checksum mismatch in the block at offsets [0, "), std::string::npos) << err;
  std::remove(path.c_str());
  std::remove(bad.c_str());
}

// Version 1 files (no checksum or end records) are still read to their end.
TEST(Capture, VersionOneFilesStillRead) {
  const std::string path = temp_path("v2.mmcap");
  const auto frames = sample_frames();
  write_sample(path, frames);
  const std::string v2 = read_file(path);
  std::string v1 = v2.substr(0, kCaptureHeaderSize);
  v1[8] = 1;
  for (size_t pos = kCaptureHeaderSize; pos < v2.size();) {
    uint32_t len = 0;
    std::memcpy(&len, v2.data() + pos, 4);
    if (v2[pos + 4] == 'F' || v2[pos + 4] == 'C') v1.append(v2, pos, kCaptureRecordHeaderSize + len);
    pos += kCaptureRecordHeaderSize + len;
  }
  write_file(path, v1);
  size_t n = 0;
  EXPECT_EQ(read_all(path, &n), ReadResult::kEnd);
  EXPECT_EQ(n, frames.size());
  n = 0;
  EXPECT_EQ(read_all(path, &n, nullptr, CaptureReadMode::kStream), ReadResult::kEnd);
  EXPECT_EQ(n, frames.size());
  std::remove(path.c_str());
}

// kStream: the same frames, offsets and padding as the mapping, through a window that slides (4 KiB over a
// ~100 KiB file) and grows once for a record larger than itself; no allocation per frame after that.
TEST(Capture, StreamModeYieldsWhatTheMappingYields) {
  const std::string path = temp_path("stream.mmcap");
  auto frames = sample_frames();
  std::string big(20000, 'b');  // > the 4 KiB window
  frames.insert(
      frames.begin() + 500,
      Expected{FrameKind::kHttp, 7, 9'000, big,
               "https://api.bybit.com/v5/market/instruments-info?category=linear", true, Category::kLinear});
  write_sample(path, frames);
  std::vector<uint64_t> map_offsets;
  {
    CaptureReader r;
    ASSERT_EQ(r.open(path), ReadResult::kOk) << r.error();
    Frame f;
    while (r.next(f) == ReadResult::kOk) map_offsets.push_back(r.offset());
  }
  ASSERT_EQ(map_offsets.size(), frames.size());
  CaptureReader r;
  CaptureReadOptions o;
  o.mode = CaptureReadMode::kStream;
  o.window_bytes = 4096;
  ASSERT_EQ(r.open(path, o), ReadResult::kOk) << r.error();
  EXPECT_EQ(r.header().flags, kCaptureFlagSynthetic);
  Frame f;
  size_t n = 0;
  ReadResult res;
  while ((res = r.next(f)) == ReadResult::kOk) {
    ASSERT_LT(n, frames.size());
    expect_frame(f, frames[n], n);
    EXPECT_EQ(r.offset(), map_offsets[n]);
    (void)touch_padding(f);
    ++n;
  }
  EXPECT_EQ(res, ReadResult::kEnd) << r.error();
  EXPECT_EQ(n, frames.size());
  // Reopened: the window has its initial size again; once it has grown past the large record, reading
  // allocates nothing more.
  ASSERT_EQ(r.open(path, o), ReadResult::kOk);
  for (size_t i = 0; i < 502; ++i) ASSERT_EQ(r.next(f), ReadResult::kOk) << i;
  mm::test::AllocScope scope;
  n = 502;
  while (r.next(f) == ReadResult::kOk) ++n;
  EXPECT_EQ(n, frames.size());
  EXPECT_EQ(scope.allocations(), 0u);
  std::remove(path.c_str());
}

// kStream reads the file as it reads it, so a file cut while it is read is an I/O error naming the offsets;
// every frame before the cut was yielded intact.
TEST(Capture, StreamModeReportsAFileThatShrinksWhileRead) {
  const std::string path = temp_path("shrink.mmcap");
  const std::string payload(300, 'p');
  constexpr int kFrames = 5000;  // ~1.6 MB: far more than the window holds
  {
    CaptureWriter w(1 << 16);
    ASSERT_EQ(w.open(path, 0), CaptureError::kOk);
    for (int i = 0; i < kFrames; ++i)
      ASSERT_EQ(w.write_frame(FrameKind::kRecv, 1, i, payload), CaptureError::kOk);
    ASSERT_EQ(w.close(), CaptureError::kOk);
  }
  const size_t size = read_file(path).size();
  CaptureReader r;
  CaptureReadOptions o;
  o.mode = CaptureReadMode::kStream;
  o.window_bytes = 4096;
  ASSERT_EQ(r.open(path, o), ReadResult::kOk);
  Frame f;
  ASSERT_EQ(r.next(f), ReadResult::kOk);
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(size / 2)), 0);
  int n = 1;
  ReadResult res;
  while ((res = r.next(f)) == ReadResult::kOk) {
    ASSERT_EQ(f.recv_ns, n);
    ASSERT_EQ(f.data, payload);
    ++n;
  }
  EXPECT_EQ(res, ReadResult::kIo);
  EXPECT_GT(n, 1);
  EXPECT_LT(n, kFrames);
  EXPECT_NE(r.error().find("shrink.mmcap"), std::string_view::npos) << r.error();
  EXPECT_NE(r.error().find("had " + std::to_string(size) + " bytes when it was opened"),
            std::string_view::npos)
      << r.error();
  EXPECT_EQ(r.next(f), ReadResult::kIo);  // sticky
  std::remove(path.c_str());
}

// An endless device is refused as soon as its first bytes arrive, not read into memory forever.
TEST(Capture, EndlessDeviceIsRefusedAtOnce) {
  std::string err;
  EXPECT_EQ(read_all("/dev/zero", nullptr, &err), ReadResult::kCorrupt);
  EXPECT_NE(err.find("bad magic"), std::string::npos) << err;
}

}  // namespace
}  // namespace mm
