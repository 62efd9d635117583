// AtomicFile: complete or absent, never through a link, never over a device; the old file survives failures.
#include "core/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mm {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mm_atomic_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& n) const { return (dir_ / n).string(); }
  size_t entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {})); }
  fs::path dir_;
};

TEST_F(AtomicFileTest, CreatesAndReplacesRegularFiles) {
  EXPECT_EQ(write_file_atomically(path("a.json"), "first"), "");
  EXPECT_EQ(slurp(path("a.json")), "first");
  ::chmod(path("a.json").c_str(), 0600);
  EXPECT_EQ(write_file_atomically(path("a.json"), "second"), "");
  EXPECT_EQ(slurp(path("a.json")), "second");
  struct stat st {};
  ASSERT_EQ(::stat(path("a.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "a replaced file keeps its permissions";
  EXPECT_EQ(entries(), 1u) << "no temporary left behind";
}

TEST_F(AtomicFileTest, TargetUntouchedUntilCommitAndKeptOnAbort) {
  std::ofstream(path("keep.mmcap")) << "old content";
  {
    AtomicFile f;
    ASSERT_TRUE(f.open(path("keep.mmcap"))) << f.error();
    EXPECT_EQ(fs::path(f.temp_path()).parent_path(), dir_);
    EXPECT_EQ(fs::path(f.temp_path()).filename().string().rfind(".keep.mmcap.", 0), 0u) << f.temp_path();
    ASSERT_TRUE(f.write("new content that never lands"));
    EXPECT_EQ(slurp(path("keep.mmcap")), "old content");
    f.abort();
    EXPECT_EQ(entries(), 1u);
  }
  {
    AtomicFile f;  // destroyed without commit: same as abort
    ASSERT_TRUE(f.open(path("keep.mmcap")));
    ASSERT_TRUE(f.write("x"));
  }
  EXPECT_EQ(slurp(path("keep.mmcap")), "old content");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, TemporaryNamesAreFreshEachTime) {
  AtomicFile a, b;
  ASSERT_TRUE(a.open(path("x")));
  ASSERT_TRUE(b.open(path("x")));
  EXPECT_NE(a.temp_path(), b.temp_path());
}

TEST_F(AtomicFileTest, RefusesDevicesDirectoriesFifosAndSymlinks) {
  fs::create_directory(path("d"));
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  std::ofstream(path("real")) << "precious";
  fs::create_symlink(path("real"), path("link"));
  const std::pair<std::string, const char*> cases[] = {
      {"/dev/full", "character device"}, {"/dev/null", "character device"},
      {path("d"), "directory"},          {path("fifo"), "FIFO"},
      {path("link"), "symbolic link"},
  };
  for (const auto& [p, what] : cases) {
    AtomicFile f;
    EXPECT_FALSE(f.open(p)) << p;
    EXPECT_NE(f.error().find(what), std::string::npos) << f.error();
    EXPECT_NE(f.error().find(p), std::string::npos) << f.error();
    EXPECT_NE(write_file_atomically(p, "x"), "") << p;
  }
  EXPECT_EQ(slurp(path("real")), "precious");
  EXPECT_TRUE(fs::is_symlink(path("link")));
  EXPECT_EQ(entries(), 4u) << "nothing created next to the refused targets";
  EXPECT_NE(check_output_path(path("no_such_dir/x.json")), "");
  EXPECT_EQ(check_output_path(path("new.json")), "");
}

// A write that fails part-way (here the file-size limit, standing in for a full disk) leaves the old file and
// no temporary.
TEST_F(AtomicFileTest, FailedWriteKeepsTheOldFile) {
  std::ofstream(path("out.events")) << "the old, complete file";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    const std::string err = write_file_atomically(path("out.events"), std::string(1 << 20, 'x'));
    ::_exit(err.find("write failed") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the write error was not reported";
  EXPECT_EQ(slurp(path("out.events")), "the old, complete file");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, SameFileSeesThroughLinks) {
  std::ofstream(path("in.mmcap")) << "data";
  fs::create_symlink(path("in.mmcap"), path("sym.mmcap"));
  fs::create_hard_link(path("in.mmcap"), path("hard.mmcap"));
  EXPECT_TRUE(same_file(path("in.mmcap"), path("sym.mmcap")));
  EXPECT_TRUE(same_file(path("in.mmcap"), path("hard.mmcap")));
  EXPECT_TRUE(same_file(path("in.mmcap"), path("./../") + dir_.filename().string() + "/in.mmcap"));
  EXPECT_FALSE(same_file(path("in.mmcap"), path("missing")));
  const std::string inputs[] = {path("other"), path("in.mmcap")};
  EXPECT_NE(check_output_not_input(path("hard.mmcap"), inputs).find("same file as the input"),
            std::string::npos);
  EXPECT_EQ(check_output_not_input(path("new.mmcap"), inputs), "");
}

}  // namespace
}  // namespace mm
