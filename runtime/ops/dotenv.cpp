#include "runtime/ops/dotenv.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace mm {

std::string check_dotenv_private(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & (S_IROTH | S_IWOTH)) == 0) return "";
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return path + ": holds secrets but is " + ((st.st_mode & S_IROTH) != 0 ? "readable" : "writable") +
         " by every user of this machine (mode " + mode + "); run `chmod 600 " + path + "`";
}

std::string read_secret(std::string_view var, const std::string& dotenv_path, std::string& value) {
  value.clear();
  if (const char* v = std::getenv(std::string(var).c_str()); v != nullptr && *v != '\0') {
    value = v;
    return "";
  }
  std::ifstream in(dotenv_path);
  if (!in) return "";
  if (std::string e = check_dotenv_private(dotenv_path); !e.empty()) return e;
  for (std::string line; std::getline(in, line);) {
    std::string_view l = trim_blanks(line);
    if (l.substr(0, 7) == "export ") l = trim_blanks(l.substr(7));
    if (l.empty() || l.front() == '#') continue;
    const size_t eq = l.find('=');
    if (eq == std::string_view::npos || trim_blanks(l.substr(0, eq)) != var) continue;
    std::string_view v = trim_blanks(l.substr(eq + 1));
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
      v = v.substr(1, v.size() - 2);
    }
    value = std::string(v);
    return "";
  }
  return "";
}

std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace mm
