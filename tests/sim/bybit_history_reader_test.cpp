#include "sim/bybit_history_reader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "sim/zip_reader.h"
#include "tests/sim/recording_test_util.h"

namespace mm {
namespace {

using namespace mm::testing;

// The 50 messages of the real sample, through the project's zip reader (stored entry).
std::vector<std::string> real_messages(Category category = Category::kLinear) {
  BybitHistoryReader reader(BybitHistoryOptions{category, size_t{64} << 20, {}});
  EXPECT_EQ(reader.open(kXrpZip), ReadResult::kOk) << reader.error();
  std::vector<std::string> out;
  Frame f;
  ReadResult r;
  while ((r = reader.next(f)) == ReadResult::kOk) out.emplace_back(f.data);
  EXPECT_EQ(r, ReadResult::kEnd) << reader.error();
  return out;
}

int64_t field_int(std::string_view msg, std::string_view key) {
  const size_t p = msg.find(key);
  if (p == std::string_view::npos) return -1;
  return std::strtoll(std::string(msg.substr(p + key.size(), 20)).c_str(), nullptr, 10);
}

TEST(BybitHistoryReader, RealZipYields50MessagesWithTsTimes) {
  BybitHistoryReader reader(BybitHistoryOptions{Category::kLinear, size_t{64} << 20, {}});
  ASSERT_EQ(reader.open(kXrpZip), ReadResult::kOk) << reader.error();
  Frame f;
  int n = 0;
  int64_t prev_u = 0;
  size_t bytes = 0;
  ReadResult r;
  while ((r = reader.next(f)) == ReadResult::kOk) {
    EXPECT_EQ(f.kind, FrameKind::kRecv);
    EXPECT_EQ(f.conn_id, 0u);
    EXPECT_TRUE(f.has_category);
    EXPECT_EQ(f.category, Category::kLinear);
    EXPECT_EQ(f.recv_ns, field_int(f.data, "\"ts\":") * 1'000'000);
    EXPECT_EQ(f.data.front(), '{');
    EXPECT_EQ(f.data.back(), '}');  // CR LF stripped
    const int64_t u = field_int(f.data, "\"u\":");
    if (n > 0) {
      EXPECT_EQ(u, prev_u + 1);
    }
    prev_u = u;
    bytes += f.data.size();
    (void)touch_padding(f);
    if (n == 0) {
      EXPECT_EQ(f.recv_ns, 1'733'011'200'691'000'000);
      constexpr std::string_view kStart =
          R"({"topic":"orderbook.500.XRPUSDT","type":"snapshot","ts":1733011200691,)";
      EXPECT_EQ(f.data.substr(0, kStart.size()), kStart);
    }
    ++n;
  }
  EXPECT_EQ(r, ReadResult::kEnd) << reader.error();
  EXPECT_EQ(n, 50);
  EXPECT_EQ(f.recv_ns, 1'733'011'205'490'000'000);  // last message
  EXPECT_EQ(prev_u, 20'254'918);
  EXPECT_EQ(bytes, 80'282u);  // 80,382 bytes minus 50 CR LF pairs
}

TEST(BybitHistoryReader, CategoryComesFromOptions) {
  BybitHistoryReader reader(BybitHistoryOptions{Category::kInverse, size_t{64} << 20, {}});
  ASSERT_EQ(reader.open(kXrpZip), ReadResult::kOk);
  Frame f;
  ASSERT_EQ(reader.next(f), ReadResult::kOk);
  EXPECT_EQ(f.category, Category::kInverse);
}

TEST(BybitHistoryReader, DeflatedZipMatchesStoredOne) {
  const std::vector<std::string> msgs = real_messages();
  ASSERT_EQ(msgs.size(), 50u);
  std::string data;
  for (const std::string& m : msgs) data += m + "\r\n";
  const std::string path = temp_path("deflated_ob500.data.zip");
  write_file(
      path, build_zip({{"readme.txt", "not this one", true}, {"2024-12-01_XRPUSDT_ob500.data", data, true}}));

  BybitHistoryReader reader;
  ASSERT_EQ(reader.open(path), ReadResult::kOk) << reader.error();
  Frame f;
  size_t n = 0;
  while (reader.next(f) == ReadResult::kOk) {
    ASSERT_LT(n, msgs.size());
    EXPECT_EQ(f.data, msgs[n]);
    (void)touch_padding(f);
    ++n;
  }
  EXPECT_EQ(n, msgs.size());
  std::remove(path.c_str());
}

TEST(BybitHistoryReader, ZipMadeByTheZipToolIfInstalled) {
  ASSERT_EQ(std::system("command -v zip >/dev/null 2>&1"), 0) << "zip is installed by tools/setup.sh";
  const std::vector<std::string> msgs = real_messages();
  std::string data;
  for (const std::string& m : msgs) data += m + "\n";
  const std::string dir = temp_path("ziptool");
  ASSERT_EQ(std::system(("mkdir -p '" + dir + "'").c_str()), 0);
  write_file(dir + "/x.data", data);
  // -fd: data descriptors are not forced, but streaming from stdin (-) makes zip use them.
  ASSERT_EQ(
      std::system(("cd '" + dir + "' && zip -q -9 a.zip x.data && cat x.data | zip -q b.zip -").c_str()), 0);
  for (const char* name : {"/a.zip", "/b.zip"}) {
    BybitHistoryReader reader(
        BybitHistoryOptions{Category::kLinear, size_t{64} << 20, name[1] == 'b' ? "-" : ""});
    ASSERT_EQ(reader.open(dir + name), ReadResult::kOk) << reader.error();
    Frame f;
    size_t n = 0;
    ReadResult r;
    while ((r = reader.next(f)) == ReadResult::kOk) {
      ASSERT_LT(n, msgs.size());
      EXPECT_EQ(f.data, msgs[n]);
      ++n;
    }
    EXPECT_EQ(r, ReadResult::kEnd) << reader.error();
    EXPECT_EQ(n, msgs.size()) << name;
  }
  ASSERT_EQ(std::system(("rm -rf '" + dir + "'").c_str()), 0);
}

TEST(BybitHistoryReader, PlainDataFileAndBadLines) {
  const std::string path = temp_path("plain.data");
  write_file(path,
             "{\"topic\":\"orderbook.200.X\",\"ts\":1000,\"type\":\"snapshot\",\"data\":{},\"cts\":999}\n"
             "{\"topic\":\"orderbook.200.X\",\"type\":\"delta\",\"data\":{},\"cts\":1001}\n"
             "\n"
             "{\"topic\":\"orderbook.200.X\",\"type\":\"delta\",\"ts\": 1002,\"data\":{}}");
  BybitHistoryReader reader;
  ASSERT_EQ(reader.open(path), ReadResult::kOk);
  Frame f;
  ASSERT_EQ(reader.next(f), ReadResult::kOk);
  EXPECT_EQ(f.recv_ns, 1'000'000'000);
  EXPECT_EQ(reader.next(f), ReadResult::kBadRecord);  // only "cts": never mistaken for "ts"
  EXPECT_NE(reader.error().find(":2:"), std::string_view::npos) << reader.error();
  ASSERT_EQ(reader.next(f), ReadResult::kOk);
  EXPECT_EQ(f.recv_ns, 1'002'000'000);
  (void)touch_padding(f);
  EXPECT_EQ(reader.next(f), ReadResult::kEnd);
  std::remove(path.c_str());
}

TEST(BybitHistoryReader, MissingEntryListsWhatIsThere) {
  const std::string path = temp_path("noentry.zip");
  write_file(path, build_zip({{"a.txt", "x", false}, {"b.csv", "y", true}}));
  BybitHistoryReader reader;
  EXPECT_EQ(reader.open(path), ReadResult::kCorrupt);
  EXPECT_NE(reader.error().find("a.txt, b.csv"), std::string_view::npos) << reader.error();
  std::remove(path.c_str());
}

TEST(FindMessageTs, Cases) {
  int64_t ts = 0;
  EXPECT_TRUE(find_message_ts_ms(R"({"ts":17,"cts":5})", ts));
  EXPECT_EQ(ts, 17);
  EXPECT_FALSE(find_message_ts_ms(R"({"cts":5})", ts));
  EXPECT_FALSE(find_message_ts_ms(R"({"ts":"5"})", ts));
  EXPECT_FALSE(find_message_ts_ms(R"({"ts":99999999999999999999})", ts));
}

}  // namespace
}  // namespace mm
