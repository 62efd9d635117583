#include "core/capture.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

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
                               std::string("\x01\x00\x00\x00\x20\x00\x00\x00", 8) +
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
  EXPECT_EQ(b, expected);
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
    const size_t complete =
        static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin());
    CaptureReader r;
    ASSERT_EQ(r.open(cut_path), ReadResult::kOk) << r.error();
    Frame f;
    size_t n = 0;
    ReadResult res;
    while ((res = r.next(f)) == ReadResult::kOk) {
      expect_frame(f, frames[n], n);
      (void)touch_padding(f);
      ++n;
    }
    ASSERT_EQ(n, complete) << "cut at " << cut;
    const bool on_boundary = cut == kCaptureHeaderSize || (complete > 0 && ends[complete - 1] == cut);
    if (on_boundary) {
      EXPECT_EQ(res, ReadResult::kEnd) << "cut at " << cut;
    } else {
      EXPECT_EQ(res, ReadResult::kTruncated) << "cut at " << cut;
      EXPECT_NE(r.error().find("cut.mmcap"), std::string_view::npos) << r.error();
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
  write_file(path, read_file(path) + std::string(4096, '\0'));
  CaptureReader r;
  ASSERT_EQ(r.open(path), ReadResult::kOk);
  Frame f;
  size_t n = 0;
  ReadResult res;
  while ((res = r.next(f)) == ReadResult::kOk) ++n;
  EXPECT_EQ(n, frames.size());
  EXPECT_EQ(res, ReadResult::kTruncated);
  EXPECT_NE(r.error().find("zero-filled"), std::string_view::npos) << r.error();
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
  EXPECT_NE(r.error().find("unknown record type"), std::string_view::npos) << r.error();
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
  EXPECT_NE(r.error().find("format limit"), std::string_view::npos) << r.error();
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

  // A full device turns writes into kIo, and the writer stays failed.
  if (::access("/dev/full", W_OK) == 0) {
    CaptureWriter full(4096);
    ASSERT_EQ(full.open("/dev/full", 0), CaptureError::kOk);
    const std::string big(10000, 'x');
    EXPECT_EQ(full.write_frame(FrameKind::kRecv, 0, 0, big), CaptureError::kIo);
    EXPECT_NE(full.error().find("write failed"), std::string_view::npos) << full.error();
    EXPECT_EQ(full.write_frame(FrameKind::kRecv, 0, 0, "x"), CaptureError::kIo);
    EXPECT_EQ(full.close(), CaptureError::kIo);
  }
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
