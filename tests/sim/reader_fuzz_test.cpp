// Fuzz-style robustness of the readers (issue 15): mutated captures, event files, zip archives and zstd
// streams give a clear error or a correct result, never a crash, a hang or unbounded memory. Each format's
// loop runs in a child process under an address-space limit and an alarm, so a regression fails the test
// instead of taking the suite down; the mutations are seeded, so a failure reproduces.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "core/capture.h"
#include "sim/event_convert.h"
#include "sim/event_file.h"
#include "sim/market_generator.h"
#include "sim/recording.h"
#include "sim/sim_rng.h"

namespace mm {
namespace {

namespace fs = std::filesystem;

const std::string kData = std::string(MM_SHARED_DATA) + "/bybit/";

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void spit(const std::string& p, const std::string& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(b.data(), static_cast<std::streamsize>(b.size()));
}

// One mutation of `b`: bit flips, a byte range overwritten with random or extreme bytes, a cut, a duplicated
// or deleted range.
std::string mutate(const std::string& b, SimRng& rng) {
  std::string m = b;
  if (m.empty()) return m;
  const int kind = static_cast<int>(rng.below(6));
  const size_t at = static_cast<size_t>(rng.below(m.size()));
  const size_t len = 1 + static_cast<size_t>(rng.below(std::min<size_t>(64, m.size() - at)));
  switch (kind) {
    case 0:
      for (int i = 0; i < 1 + static_cast<int>(rng.below(4)); ++i) {
        const size_t p = static_cast<size_t>(rng.below(m.size()));
        m[p] = static_cast<char>(m[p] ^ (1 << rng.below(8)));
      }
      break;
    case 1:
      for (size_t i = 0; i < len; ++i) m[at + i] = static_cast<char>(rng.next());
      break;
    case 2:
      for (size_t i = 0; i < len; ++i) m[at + i] = rng.below(2) == 0 ? '\xff' : '\0';
      break;
    case 3:
      m.resize(at);
      break;
    case 4:
      m.insert(at, m.substr(at, len));
      break;
    default:
      m.erase(at, len);
      break;
  }
  return m;
}

// Runs body() in a child limited to 2 GiB of address space and `seconds` of wall time; the child's exit code
// is the number of failed checks (0 = pass).
void in_child(const std::function<int()>& body, unsigned seconds = 300) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)  // sanitizers reserve terabytes of shadow
    rlimit as{size_t{2} << 30, size_t{2} << 30};
    ::setrlimit(RLIMIT_AS, &as);
#endif
    ::alarm(seconds);
    const int bad = body();
    ::_exit(bad > 100 ? 100 : bad);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_FALSE(WIFSIGNALED(status)) << "the reader died of signal " << WTERMSIG(status)
                                    << (WTERMSIG(status) == SIGALRM ? " (hang)" : "");
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "mutated inputs gave a result without a clear error (see stderr)";
}

// Reads every frame of `path` through open_recording; returns false (and says why) when an error has no
// message or the reader yields far more frames than the intact input holds (a loop).
bool read_recording(const std::string& path, uint64_t frame_cap) {
  OpenedRecording r = open_recording(path);
  if (!r.source) {
    if (r.message.empty()) std::fprintf(stderr, "open failed without a message\n");
    return !r.message.empty();
  }
  Frame f;
  uint64_t n = 0;
  for (;;) {
    const ReadResult res = r.source->next(f);
    if (res == ReadResult::kEnd) return true;
    if (res == ReadResult::kOk || res == ReadResult::kBadRecord) {
      if (++n > frame_cap) {
        std::fprintf(stderr, "%s: more than %llu frames\n", path.c_str(),
                     static_cast<unsigned long long>(frame_cap));
        return false;
      }
      if (res == ReadResult::kBadRecord && r.source->error().empty()) return false;
      continue;
    }
    if (r.source->error().empty()) {
      std::fprintf(stderr, "%s: %s without a message\n", path.c_str(), std::string(to_string(res)).c_str());
      return false;
    }
    return true;
  }
}

class ReaderFuzz : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mm_fuzz_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& n) const { return (dir_ / n).string(); }

  void fuzz_recording(const std::string& source, const std::string& name, int rounds, uint64_t seed) {
    const std::string good = slurp(source);
    ASSERT_FALSE(good.empty()) << source;
    const std::string p = path(name);
    in_child([&]() {
      SimRng rng(seed);
      int bad = 0;
      for (int i = 0; i < rounds; ++i) {
        spit(p, mutate(good, rng));
        if (!read_recording(p, 1'000'000)) {
          std::fprintf(stderr, "%s: round %d (seed %llu)\n", name.c_str(), i,
                       static_cast<unsigned long long>(seed));
          ++bad;
        }
      }
      return bad;
    });
  }
  fs::path dir_;
};

TEST_F(ReaderFuzz, Capture) {
  GenParams g;
  g.seconds = 5;
  ASSERT_EQ(generate_market_file(g, path("src.mmcap")).status, CaptureError::kOk);
  fuzz_recording(path("src.mmcap"), "m.mmcap", 400, 11);
}

TEST_F(ReaderFuzz, Zip) {
  fuzz_recording(kData + "2024-12-01_XRPUSDT_ob500.data.zip", "m.data.zip", 150, 12);
}

TEST_F(ReaderFuzz, Zstd) {
  fuzz_recording(kData + "cryptofeed-BYBIT-2026-08-09.jsonl.zst", "m.jsonl.zst", 60, 13);
}

TEST_F(ReaderFuzz, Events) {
  ASSERT_EQ(convert_to_events(kData + "2024-12-01_XRPUSDT_ob500.data.zip", path("src.events")).status,
            ReadResult::kOk);
  const std::string good = slurp(path("src.events"));
  const std::string p = path("m.events");
  in_child([&]() {
    SimRng rng(14);
    int bad = 0;
    for (int i = 0; i < 400; ++i) {
      const std::string m = mutate(good, rng);
      spit(p, m);
      EventFileReader r;
      const EventFileError e = r.open(p);
      if (e != EventFileError::kOk) {
        if (r.error().empty()) ++bad;
        continue;
      }
      // Accepted: then it must be the intact file (a mutation that changed nothing, e.g. a bit flipped
      // twice).
      if (m != good) {
        std::fprintf(stderr, "events: round %d: a changed file was accepted\n", i);
        ++bad;
      }
      uint64_t sum = 0;
      for (const Event& ev : r.events()) sum += static_cast<uint64_t>(ev.price);
      (void)sum;
    }
    return bad;
  });
}

}  // namespace
}  // namespace mm
