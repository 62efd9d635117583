#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tools/mm/commands.h"

namespace mm::tools {

int finish(int code) {
  // stdio reports a failed write only through ferror() or the final flush/close; an unchecked stdout turns a
  // full disk behind `> report.json` into a silent success with the output lost.
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int flush_errno = errno;
  const bool clean = flushed && std::ferror(stdout) == 0;
  errno = 0;
  const bool closed = std::fclose(stdout) == 0;
  const int close_errno = errno;
  if (clean && closed) return code;
  const int e = !flushed ? flush_errno : close_errno;
  std::fprintf(stderr, "mm: writing standard output failed%s%s; the output is incomplete\n",
               e != 0 ? ": " : "", e != 0 ? std::strerror(e) : "");
  return code == kExitOk ? kExitFailed : code;
}

}  // namespace mm::tools
