#include "sim/recording.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>

#include <string>
#include <vector>

#include "core/capture.h"
#include "sim/bybit_history_reader.h"
#include "sim/cryptofeed_reader.h"
#include "tests/sim/recording_test_util.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

using namespace mm::testing;

struct Copy {
  FrameKind kind;
  uint32_t conn;
  int64_t ns;
  bool has_category;
  Category category;
  std::string data;
  std::string url;
};

std::vector<Copy> read_all(const std::string& path, RecordingFormat expect_format,
                           ReadResult expect_end = ReadResult::kEnd) {
  OpenedRecording rec = open_recording(path);
  EXPECT_EQ(rec.status, ReadResult::kOk) << rec.message;
  EXPECT_EQ(rec.format, expect_format);
  std::vector<Copy> out;
  if (rec.source == nullptr) return out;
  Frame f;
  ReadResult r;
  while ((r = rec.source->next(f)) == ReadResult::kOk) {
    (void)touch_padding(f);
    out.push_back(
        {f.kind, f.conn_id, f.recv_ns, f.has_category, f.category, std::string(f.data), std::string(f.url)});
  }
  EXPECT_EQ(r, expect_end) << rec.source->error();
  return out;
}

TEST(Recording, DetectsFormats) {
  RecordingFormat fmt;
  std::string err;
  ASSERT_EQ(detect_recording_format(kCryptofeedZst, fmt, err), ReadResult::kOk);
  EXPECT_EQ(fmt, RecordingFormat::kCryptofeed);
  ASSERT_EQ(detect_recording_format(kXrpZip, fmt, err), ReadResult::kOk);
  EXPECT_EQ(fmt, RecordingFormat::kBybitHistory);

  // No helpful extension: the first line decides.
  const std::string cf = temp_path("noext1");
  write_file(cf, "{\"t\":\"recv\",\"conn\":\"A\",\"ts\":1,\"data\":\"{}\"}\n");
  ASSERT_EQ(detect_recording_format(cf, fmt, err), ReadResult::kOk);
  EXPECT_EQ(fmt, RecordingFormat::kCryptofeed);
  const std::string hist = temp_path("noext2");
  write_file(hist, "{\"topic\":\"orderbook.50.BTCUSDT\",\"ts\":5}\n");
  ASSERT_EQ(detect_recording_format(hist, fmt, err), ReadResult::kOk);
  EXPECT_EQ(fmt, RecordingFormat::kBybitHistory);
  const std::string junk = temp_path("junk.bin");
  write_file(junk, "\x01\x02garbage");
  EXPECT_EQ(detect_recording_format(junk, fmt, err), ReadResult::kUnsupported);
  EXPECT_NE(err.find(junk), std::string::npos) << err;

  OpenedRecording r = open_recording(junk);
  EXPECT_EQ(r.status, ReadResult::kUnsupported);
  EXPECT_EQ(r.source, nullptr);
  r = open_recording(junk + ".missing.mmcap");
  EXPECT_EQ(r.status, ReadResult::kIo);
  EXPECT_NE(r.message.find(".missing.mmcap"), std::string::npos) << r.message;
  // A .mmcap name with other content: the capture reader names the problem.
  const std::string fake = temp_path("fake.mmcap");
  write_file(fake, "{\"t\":\"recv\"}\n.............................");
  r = open_recording(fake);
  EXPECT_EQ(r.status, ReadResult::kCorrupt);
  EXPECT_NE(r.message.find("bad magic"), std::string::npos) << r.message;
  for (const std::string& p : {cf, hist, junk, fake}) std::remove(p.c_str());
}

TEST(Recording, ConvertCryptofeedRoundTrips) {
  const std::string out = temp_path("cf.mmcap");
  const ConvertResult res = convert_to_capture(kCryptofeedZst, out);
  ASSERT_TRUE(res.ok()) << res.message;
  EXPECT_EQ(res.frames, 3255u);
  const std::vector<Copy> src = read_all(kCryptofeedZst, RecordingFormat::kCryptofeed);
  const std::vector<Copy> dst = read_all(out, RecordingFormat::kCapture);
  ASSERT_EQ(src.size(), dst.size());
  for (size_t i = 0; i < src.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(src[i].kind, dst[i].kind);
    EXPECT_EQ(src[i].conn, dst[i].conn);
    EXPECT_EQ(src[i].ns, dst[i].ns);
    EXPECT_EQ(src[i].has_category, dst[i].has_category);
    EXPECT_EQ(src[i].category, dst[i].category);
    EXPECT_EQ(src[i].url, dst[i].url);
    ASSERT_EQ(src[i].data, dst[i].data);
  }
  std::remove(out.c_str());
}

TEST(Recording, ConvertBybitHistoryRoundTrips) {
  const std::string out = temp_path("xrp.mmcap");
  ConvertOptions opt;
  opt.created_ns = 42;
  const ConvertResult res = convert_to_capture(kXrpZip, out, opt);
  ASSERT_TRUE(res.ok()) << res.message;
  EXPECT_EQ(res.frames, 50u);
  const std::vector<Copy> src = read_all(kXrpZip, RecordingFormat::kBybitHistory);
  const std::vector<Copy> dst = read_all(out, RecordingFormat::kCapture);
  ASSERT_EQ(dst.size(), src.size() + 1);  // a connection-info record carries the category
  EXPECT_EQ(dst[0].kind, FrameKind::kConnect);
  EXPECT_EQ(dst[0].url, "wss://stream.bybit.com/v5/public/linear");
  for (size_t i = 0; i < src.size(); ++i) {
    SCOPED_TRACE(i);
    const Copy& d = dst[i + 1];
    EXPECT_EQ(d.kind, FrameKind::kRecv);
    EXPECT_EQ(d.ns, src[i].ns);
    EXPECT_TRUE(d.has_category);
    EXPECT_EQ(d.category, Category::kLinear);
    ASSERT_EQ(d.data, src[i].data);
  }
  CaptureReader r;
  ASSERT_EQ(r.open(out), ReadResult::kOk);
  EXPECT_EQ(r.header().created_ns, 42);

  // Same input, same options: the same bytes.
  const std::string out2 = temp_path("xrp2.mmcap");
  ASSERT_TRUE(convert_to_capture(kXrpZip, out2, opt).ok());
  EXPECT_EQ(read_file(out), read_file(out2));
  std::remove(out.c_str());
  std::remove(out2.c_str());
}

TEST(Recording, ConvertReportsBadRecordsAndTruncation) {
  const std::string in = temp_path("mixed.jsonl");
  write_file(in,
             "{\"t\":\"recv\",\"conn\":\"A\",\"ts\":1,\"data\":\"a\"}\n"
             "garbage\n"
             "{\"t\":\"recv\",\"conn\":\"A\",\"ts\":2,\"data\":\"b\"}\n"
             "{\"t\":\"recv\",\"conn\":\"A\",\"ts\":3,\"da");
  const std::string out = temp_path("mixed.mmcap");
  const ConvertResult res = convert_to_capture(in, out);
  EXPECT_FALSE(res.ok());
  EXPECT_EQ(res.frames, 2u);
  EXPECT_EQ(res.errors, 2u);
  EXPECT_EQ(res.status, ReadResult::kTruncated);
  EXPECT_NE(res.message.find(":2:"), std::string::npos) << res.message;
  const std::vector<Copy> dst = read_all(out, RecordingFormat::kCapture);
  ASSERT_EQ(dst.size(), 2u);
  EXPECT_EQ(dst[1].data, "b");

  const ConvertResult bad_out = convert_to_capture(kXrpZip, "/nonexistent-dir/x.mmcap");
  EXPECT_EQ(bad_out.status, ReadResult::kIo);
  EXPECT_NE(bad_out.message.find("/nonexistent-dir/x.mmcap"), std::string::npos);
  std::remove(in.c_str());
  std::remove(out.c_str());
}

// After a first pass has sized every buffer, reading frames allocates nothing (connection bookkeeping
// when a connection first appears is excluded: it happens once per connection, not per frame).
TEST(Recording, ReadersDoNotAllocatePerFrame) {
  {
    CryptofeedReader reader;
    Frame f;
    ASSERT_EQ(reader.open(kCryptofeedZst), ReadResult::kOk);
    while (reader.next(f) == ReadResult::kOk) {
    }
    ASSERT_EQ(reader.open(kCryptofeedZst), ReadResult::kOk);
    while (reader.line_number() < 2600 && reader.next(f) == ReadResult::kOk) {
    }  // past both connect records
    mm::test::AllocScope scope;
    size_t n = 0;
    while (reader.next(f) == ReadResult::kOk) ++n;
    EXPECT_GT(n, 600u);
    EXPECT_EQ(scope.allocations(), 0u) << "cryptofeed reader";
  }
  {
    BybitHistoryReader reader;
    Frame f;
    ASSERT_EQ(reader.open(kXrpZip), ReadResult::kOk);
    mm::test::AllocScope scope;
    size_t n = 0;
    while (reader.next(f) == ReadResult::kOk) ++n;
    EXPECT_EQ(n, 50u);
    EXPECT_EQ(scope.allocations(), 0u) << "history reader";
  }
}

}  // namespace
}  // namespace mm

namespace mm {
namespace {

// A recording is opened several times (sniff, instrument scan, read): a FIFO would lose its first bytes and
// hang or fail with "bad magic", /dev/zero would be read forever. Both are refused at once, by name.
TEST(Recording, NonRegularInputsAreRefusedClearly) {
  const std::string fifo = mm::testing::temp_path("in.fifo");
  std::remove(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& p :
       {fifo, std::string("/dev/zero"), std::string("/dev/null"), ::testing::TempDir()}) {
    const OpenedRecording r = open_recording(p);
    EXPECT_EQ(r.status, ReadResult::kUnsupported) << p;
    EXPECT_EQ(r.source, nullptr);
    EXPECT_NE(r.message.find(p + ": not a regular file"), std::string::npos) << r.message;
  }
  ConvertOptions o;
  const ConvertResult c = convert_to_capture("/dev/zero", mm::testing::temp_path("z.mmcap"), o);
  EXPECT_EQ(c.status, ReadResult::kUnsupported);
  std::remove(fifo.c_str());
}

// Empty archives and compressed files are errors, not empty recordings.
TEST(Recording, EmptyZipAndZstdAreErrors) {
  for (const char* name : {"empty.zip", "empty.data.zip", "empty.jsonl.zst", "empty.mmcap", "empty.jsonl"}) {
    const std::string p = mm::testing::temp_path(name);
    {
      FILE* f = std::fopen(p.c_str(), "wb");
      ASSERT_NE(f, nullptr);
      std::fclose(f);
    }
    OpenedRecording r = open_recording(p);
    ReadResult res = r.status;
    if (r.source) {
      Frame f;
      res = r.source->next(f);
    }
    EXPECT_NE(res, ReadResult::kOk) << name;
    EXPECT_NE(res, ReadResult::kEnd) << name << ": a 0-byte file read as an empty recording";
    std::remove(p.c_str());
  }
}

}  // namespace
}  // namespace mm
