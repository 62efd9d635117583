#include "sim/cryptofeed_reader.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "sim/detail/byte_source.h"
#include "tests/sim/recording_test_util.h"

namespace mm {
namespace {

using namespace mm::testing;

struct Tally {
  std::map<std::pair<uint32_t, FrameKind>, int> by_conn_kind;
  size_t data_bytes = 0;
  size_t frames = 0;
};

// Decompresses the real recording with the project's own zstd source, for the plain .jsonl path.
std::string decompressed_copy() {
  const std::string path = temp_path("cryptofeed.jsonl");
  detail::FileByteSource file;
  EXPECT_EQ(file.open(kCryptofeedZst), ReadResult::kOk);
  detail::ZstdByteSource z(file, kCryptofeedZst);
  std::string all;
  char buf[1 << 16];
  size_t got = 0;
  ReadResult r;
  while ((r = z.read(buf, sizeof(buf), got)) == ReadResult::kOk) all.append(buf, got);
  EXPECT_EQ(r, ReadResult::kEnd) << z.error();
  write_file(path, all);
  return path;
}

void check_real_file(const std::string& path) {
  CryptofeedReader reader;
  ASSERT_EQ(reader.open(path), ReadResult::kOk) << reader.error();
  Frame f;
  Tally t;
  ReadResult r;
  bool saw_known_recv = false, saw_known_send = false;
  unsigned sink = 0;
  while ((r = reader.next(f)) == ReadResult::kOk) {
    ++t.frames;
    ++t.by_conn_kind[{f.conn_id, f.kind}];
    t.data_bytes += f.data.size();
    sink += touch_padding(f);
    const std::vector<std::string> names = reader.connection_names();
    ASSERT_LT(f.conn_id, names.size());
    const std::string& name = names[f.conn_id];
    if (name == "BYBIT.ws.2") {
      ASSERT_TRUE(f.has_category);
      EXPECT_EQ(f.category, Category::kLinear);
      EXPECT_EQ(f.url, "wss://stream.bybit.com/v5/public/linear");
    } else if (name == "BYBIT.ws.3") {
      ASSERT_TRUE(f.has_category);
      EXPECT_EQ(f.category, Category::kSpot);
    } else {
      ASSERT_EQ(name, "BYBIT.http.1");
      ASSERT_EQ(f.kind, FrameKind::kHttp);
      ASSERT_TRUE(f.has_category);
      EXPECT_TRUE(f.url.find("instruments-info") != std::string_view::npos);
      EXPECT_EQ(f.category,
                f.url.find("category=spot") != std::string_view::npos ? Category::kSpot : Category::kLinear);
      EXPECT_EQ(f.data.substr(0, 13), R"({"retCode":0,)");
    }
    if (f.kind != FrameKind::kConnect) {
      ASSERT_FALSE(f.data.empty());
      EXPECT_EQ(f.data.front(), '{');
      EXPECT_EQ(f.data.back(), '}');
    }
    // Line 23:
    // {"t":"recv","conn":"BYBIT.ws.2","ts":1786310819.5264041,"data":"{\"topic\":\"tickers.BTCUSDT\",...
    if (reader.line_number() == 23) {
      saw_known_recv = true;
      EXPECT_EQ(f.kind, FrameKind::kRecv);
      EXPECT_EQ(f.recv_ns, 1'786'310'819'526'404'100);
      EXPECT_EQ(f.data.substr(0, 51), R"({"topic":"tickers.BTCUSDT","type":"delta","data":{")");
    }
    if (reader.line_number() == 6) {
      saw_known_send = true;
      EXPECT_EQ(f.kind, FrameKind::kSend);
      EXPECT_EQ(f.recv_ns, 1'786'310'819'228'715'000);
      EXPECT_EQ(f.data, R"({"op":"subscribe","args":["orderbook.200.BTCUSDT"]})");
    }
    if (reader.line_number() == 4) {
      EXPECT_EQ(f.kind, FrameKind::kConnect);
      EXPECT_EQ(f.recv_ns, 1'786'310'818'223'514'800);
      EXPECT_TRUE(f.data.empty());
    }
  }
  (void)sink;
  ASSERT_EQ(r, ReadResult::kEnd) << reader.error();
  EXPECT_EQ(reader.line_number(), 3256u);
  EXPECT_TRUE(saw_known_recv);
  EXPECT_TRUE(saw_known_send);

  const std::vector<std::string> names = reader.connection_names();
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "BYBIT.http.1");  // dense ids in order of first appearance
  EXPECT_EQ(names[1], "BYBIT.ws.2");
  EXPECT_EQ(names[2], "BYBIT.ws.3");
  EXPECT_EQ((t.by_conn_kind[{1, FrameKind::kRecv}]), 2546);
  EXPECT_EQ((t.by_conn_kind[{2, FrameKind::kRecv}]), 681);
  EXPECT_EQ((t.by_conn_kind[{1, FrameKind::kSend}] + t.by_conn_kind[{2, FrameKind::kSend}]), 24);
  EXPECT_EQ((t.by_conn_kind[{0, FrameKind::kHttp}]), 2);
  EXPECT_EQ((t.by_conn_kind[{1, FrameKind::kConnect}] + t.by_conn_kind[{2, FrameKind::kConnect}]), 2);
  EXPECT_EQ(t.frames, 3255u);  // every line but the header
  // Sum of the unescaped `data` lengths, computed independently with Python's json module.
  EXPECT_EQ(t.data_bytes, 1'996'949u);
}

TEST(CryptofeedReader, RealZstdRecording) {
  check_real_file(kCryptofeedZst);
}

TEST(CryptofeedReader, RealPlainJsonl) {
  const std::string path = decompressed_copy();
  check_real_file(path);
  std::remove(path.c_str());
}

TEST(CryptofeedReader, ParsesSecondsExactly) {
  int64_t ns = 0;
  ASSERT_TRUE(parse_seconds_to_ns("1786310818.2235148", ns));
  EXPECT_EQ(ns, 1'786'310'818'223'514'800);
  ASSERT_TRUE(parse_seconds_to_ns("1786310819.52652", ns));
  EXPECT_EQ(ns, 1'786'310'819'526'520'000);
  ASSERT_TRUE(parse_seconds_to_ns("17", ns));
  EXPECT_EQ(ns, 17'000'000'000);
  ASSERT_TRUE(parse_seconds_to_ns("0.1234567899", ns));  // below 1 ns: truncated
  EXPECT_EQ(ns, 123'456'789);
  ASSERT_TRUE(parse_seconds_to_ns("9223372035.999999999", ns));
  EXPECT_EQ(ns, 9'223'372'035'999'999'999);
  for (const char* bad : {"", ".5", "1.", "-1.5", "1e9", "1.5e3", "abc", "1.2.3", "92233720370.0", " 1"}) {
    EXPECT_FALSE(parse_seconds_to_ns(bad, ns)) << bad;
  }
}

TEST(CryptofeedReader, UnescapesDataAndSkipsBadLines) {
  const std::string path = temp_path("escapes.jsonl");
  write_file(path,
             "{\"t\":\"header\",\"format\":2}\n"
             "{\"t\":\"connect\",\"conn\":\"A\",\"ts\":1.5,\"addr\":\"wss://stream.bybit.com/v5/public/"
             "inverse\"}\r\n"
             "{\"conn\":\"A\",\"data\":\"{\\\"k\\\":\\\"caf\\u00e9 "
             "\\ud83d\\ude00\\\\n\\/\\\"}\",\"ts\":2,\"t\":\"recv\"}\n"
             "\n"
             "not json at all\n"
             "{\"t\":\"recv\",\"conn\":\"A\",\"ts\":\"3\",\"data\":\"x\"}\n"
             "{\"t\":\"bogus\",\"conn\":\"A\",\"ts\":3,\"data\":\"x\"}\n"
             "{\"t\":\"recv\",\"conn\":\"A\",\"ts\":4}\n"
             "{\"t\":\"recv\",\"conn\":\"B\",\"ts\":5,\"data\":\"y\"}\n");
  CryptofeedReader reader;
  ASSERT_EQ(reader.open(path), ReadResult::kOk);
  Frame f;
  ASSERT_EQ(reader.next(f), ReadResult::kOk);
  EXPECT_EQ(f.kind, FrameKind::kConnect);
  EXPECT_EQ(f.category, Category::kInverse);
  ASSERT_EQ(reader.next(f), ReadResult::kOk) << reader.error();  // keys in another order
  EXPECT_EQ(f.data, "{\"k\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\\n/\"}");
  EXPECT_EQ(f.recv_ns, 2'000'000'000);
  EXPECT_EQ(f.conn_id, 0u);
  EXPECT_TRUE(f.has_category);
  EXPECT_EQ(f.category, Category::kInverse);
  (void)touch_padding(f);
  for (int line : {5, 6, 7, 8}) {
    ASSERT_EQ(reader.next(f), ReadResult::kBadRecord) << line;
    EXPECT_NE(reader.error().find(":" + std::to_string(line) + ":"), std::string_view::npos)
        << reader.error();
    EXPECT_NE(reader.error().find(path), std::string_view::npos) << reader.error();
  }
  ASSERT_EQ(reader.next(f), ReadResult::kOk);  // the stream goes on after bad lines
  EXPECT_EQ(f.data, "y");
  EXPECT_EQ(f.conn_id, 1u);
  EXPECT_FALSE(f.has_category);  // connection B never said where it goes
  EXPECT_EQ(reader.next(f), ReadResult::kEnd);
  std::remove(path.c_str());
}

TEST(CryptofeedReader, TruncatedLastLineIsReportedAfterCompleteOnes) {
  const std::string path = temp_path("cut.jsonl");
  write_file(path,
             "{\"t\":\"recv\",\"conn\":\"A\",\"ts\":1,\"data\":\"a\"}\n"
             "{\"t\":\"recv\",\"conn\":\"A\",\"ts\":2,\"data\":\"b\"}\n"
             "{\"t\":\"recv\",\"conn\":\"A\",\"ts\":3,\"da");
  CryptofeedReader reader;
  ASSERT_EQ(reader.open(path), ReadResult::kOk);
  Frame f;
  ASSERT_EQ(reader.next(f), ReadResult::kOk);
  ASSERT_EQ(reader.next(f), ReadResult::kOk);
  EXPECT_EQ(f.data, "b");
  EXPECT_EQ(reader.next(f), ReadResult::kTruncated);
  EXPECT_NE(reader.error().find("incomplete"), std::string_view::npos) << reader.error();
  EXPECT_EQ(reader.next(f), ReadResult::kTruncated);
  std::remove(path.c_str());
}

TEST(CryptofeedReader, TruncatedZstdStream) {
  const std::string src = read_file(kCryptofeedZst);
  ASSERT_GT(src.size(), 100'000u);
  const std::string path = temp_path("cut.jsonl.zst");
  write_file(path, src.substr(0, src.size() / 2));
  CryptofeedReader reader;
  ASSERT_EQ(reader.open(path), ReadResult::kOk);
  Frame f;
  size_t n = 0;
  ReadResult r;
  while ((r = reader.next(f)) == ReadResult::kOk) ++n;
  EXPECT_GT(n, 100u);
  EXPECT_EQ(r, ReadResult::kTruncated) << reader.error();
  std::remove(path.c_str());
}

TEST(CryptofeedReader, LineLimitGivesTooLarge) {
  CryptofeedReader reader(CryptofeedOptions{1 << 16});
  ASSERT_EQ(reader.open(kCryptofeedZst), ReadResult::kOk);
  Frame f;
  EXPECT_EQ(reader.next(f), ReadResult::kTooLarge);  // the first http body is 0.68 MB
  EXPECT_NE(reader.error().find("limit"), std::string_view::npos);
  EXPECT_EQ(reader.open(kCryptofeedZst + ".missing"), ReadResult::kIo);
  EXPECT_NE(reader.error().find(".missing"), std::string_view::npos);
}

}  // namespace
}  // namespace mm
