#include "runtime/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mm {
namespace {

struct TempFile {
  std::string path;
  TempFile() {
    char tmpl[] = "/tmp/mm-journal-test-XXXXXX";
    const int fd = mkstemp(tmpl);
    ::close(fd);
    path = tmpl;
    std::filesystem::remove(path);
  }
  ~TempFile() { std::filesystem::remove(path); }
};

TEST(Journal, BlocksNeverOverlapAcrossOpensAndOwnsOnlyReservedIdsOfItsPrefix) {
  TempFile f;
  uint64_t a = 0, b = 0;
  {
    Journal j;
    std::string w;
    ASSERT_EQ(j.open(f.path, w), "");
    EXPECT_EQ(w, "");
    ASSERT_EQ(j.reserve("mm", 100, 1, a), "");
    EXPECT_EQ(a, 1u);
  }
  Journal j;
  std::string w;
  ASSERT_EQ(j.open(f.path, w), "");
  ASSERT_EQ(j.reserve("other", 10, 2, b), "");
  EXPECT_EQ(b, 101u);  // after every earlier block, whatever its prefix
  EXPECT_TRUE(j.owns("mm-1"));
  EXPECT_TRUE(j.owns("mm-100"));
  EXPECT_FALSE(j.owns("mm-101"));  // in other's block, not mm's
  EXPECT_TRUE(j.owns("other-105"));
  EXPECT_FALSE(j.owns("mm-x"));
  EXPECT_FALSE(j.owns("someone-5"));
  EXPECT_FALSE(j.owns("-5"));
}

TEST(Journal, ATornLastRecordIsIgnoredWithAWarningAndTheNextRecordStartsOnItsOwnLine) {
  TempFile f;
  {
    std::ofstream o(f.path);
    o << "reserve mm 1 100 5\nreserve mm 101 2";  // a crash mid-write
  }
  Journal j;
  std::string w;
  ASSERT_EQ(j.open(f.path, w), "");
  EXPECT_NE(w.find(":2: an unfinished last record"), std::string::npos) << w;
  uint64_t first = 0;
  ASSERT_EQ(j.reserve("mm", 10, 6, first), "");
  EXPECT_EQ(first, 101u);
  Journal again;
  std::string w2;
  ASSERT_EQ(again.open(f.path, w2), "") << "the torn record must not corrupt the next one";
  EXPECT_EQ(again.blocks().size(), 2u);
}

TEST(Journal, AMalformedRecordIsAnErrorNamingTheLine) {
  TempFile f;
  {
    std::ofstream o(f.path);
    o << "reserve mm 1 100 5\ngarbage here\nreserve mm 101 200 6\n";
  }
  Journal j;
  std::string w;
  const std::string e = j.open(f.path, w);
  EXPECT_NE(e.find(f.path + ":2: not a journal record"), std::string::npos) << e;
}

}  // namespace
}  // namespace mm
