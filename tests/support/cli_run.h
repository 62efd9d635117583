#pragma once
// Running a command line from a test, as a user would: stdout and stderr captured together, the exit code
// decoded. Shared by the CLI suites (tests/tools/*_cli_test.cpp, mmpy_test.cpp).
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mm::test {

struct CliRun {
  int code;         // exit code; -1 when the command could not run or was killed
  std::string out;  // stdout + stderr
};

// Runs `cmd` through the shell with stderr folded into stdout.
inline CliRun run_shell(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, ""};
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The shell prefix a command needs when it starts /usr/bin/python3 importing this build's mmpy (directly, or
// through `mm optimize`): "" except in the sanitizer build (preset asan-ubsan). There mmpy is
// ASan-instrumented, and ASan's runtime must be the first library of the process, which the uninstrumented
// interpreter does not load: it is preloaded (MM_ASAN_RUNTIME, tests/CMakeLists.txt). libstdc++ is preloaded
// with it: ASan looks up the real __cxa_throw when it starts, and python3 does not link libstdc++, so without
// it the first C++ exception thrown in mmpy aborts ("CHECK failed ... real___cxa_throw"). The interpreter's
// own memory still held at exit is not ours, so leak detection is off in that process (later ASAN_OPTIONS
// entries win).
inline std::string python_env() {
#ifdef MM_ASAN_RUNTIME
  return "LD_PRELOAD='" MM_ASAN_RUNTIME
         " libstdc++.so.6' ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 ";
#else
  return "";
#endif
}

// The whole file ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace mm::test
