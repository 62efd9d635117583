// The dependency rule of DESIGN.md section 2, checked over the #include lines of every module folder.
//
// Why a test and not only the link graph: every module exports the repository root as its include directory,
// so a header-only include across the rule (strategy/ including an inline net/ header, say) compiles and
// links unnoticed. This test reads the sources themselves.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// module folder -> the project folders its sources may include (besides its own). DESIGN.md section 2.
const std::map<std::string, std::set<std::string>>& rule() {
  // clang-format off
  static const std::map<std::string, std::set<std::string>> r = {
      {"core", {}},
      {"risk", {"core"}},
      {"strategy", {"core", "risk"}},
      {"net", {"core"}},
      {"sim", {"core", "net"}},
      {"runtime", {"core", "risk", "strategy", "net", "sim"}},
  };
  // clang-format on
  return r;
}

// Every folder whose headers a project source can name: an include of any of these names a project module.
const std::set<std::string>& project_folders() {
  static const std::set<std::string> f = {"core",    "risk",  "strategy", "net",  "sim",
                                          "runtime", "tools", "bench",    "tests"};
  return f;
}

struct Violation {
  std::string file;
  int line;
  std::string include;
  std::string why;
};

// The quoted include target of one source line ("" when the line is not a quoted #include).
std::string quoted_include(const std::string& line) {
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string::npos || line[i] != '#') return "";
  i = line.find_first_not_of(" \t", i + 1);
  if (i == std::string::npos || line.compare(i, 7, "include") != 0) return "";
  const size_t open = line.find('"', i + 7);
  if (open == std::string::npos) return "";
  const size_t close = line.find('"', open + 1);
  if (close == std::string::npos) return "";
  return line.substr(open + 1, close - open - 1);
}

// Checks the lines of one source file of module `module`. `name` is only for the report.
std::vector<Violation> check_lines(const std::string& module, const std::string& name,
                                   const std::vector<std::string>& lines) {
  std::vector<Violation> out;
  const auto& allowed = rule().at(module);
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string inc = quoted_include(lines[n]);
    if (inc.empty()) continue;
    const int line_no = static_cast<int>(n + 1);
    // A path that climbs out of its folder hides which module it names; the project spells includes from
    // the root ("core/x.h").
    if (inc.find("..") != std::string::npos) {
      out.push_back({name, line_no, inc, "relative include climbing out of the folder"});
      continue;
    }
    const size_t slash = inc.find('/');
    if (slash == std::string::npos) continue;  // same-folder header
    const std::string top = inc.substr(0, slash);
    if (project_folders().count(top) == 0) continue;  // a third-party header such as "simdjson/..."
    if (top == module || allowed.count(top) != 0) continue;
    out.push_back({name, line_no, inc, module + "/ may not include " + top + "/"});
  }
  return out;
}

std::vector<Violation> check_tree(const fs::path& root) {
  std::vector<Violation> out;
  for (const auto& [module, allowed] : rule()) {
    (void)allowed;
    const fs::path dir = root / module;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      const auto ext = entry.path().extension();
      if (ext != ".h" && ext != ".cpp" && ext != ".hpp" && ext != ".inc") continue;
      std::ifstream f(entry.path());
      std::vector<std::string> lines;
      for (std::string l; std::getline(f, l);) lines.push_back(l);
      auto v = check_lines(module, fs::relative(entry.path(), root).string(), lines);
      out.insert(out.end(), v.begin(), v.end());
    }
  }
  return out;
}

TEST(DependencyRule, EveryModuleIncludesOnlyWhatDesignAllows) {
  const auto violations = check_tree(MM_SOURCE_DIR);
  for (const auto& v : violations) {
    ADD_FAILURE() << v.file << ":" << v.line << ": #include \"" << v.include << "\": " << v.why;
  }
  EXPECT_TRUE(violations.empty());
}

TEST(DependencyRule, TheCheckerCatchesACrossing) {
  // The header-only crossing the link graph cannot see, and the spellings that must pass.
  const std::vector<std::string> lines = {
      "#include \"net/ws_frame.h\"",       // strategy -> net: forbidden
      "  #  include \"sim/event.h\"",      // spacing does not hide it
      "#include \"../net/signer.h\"",      // climbing out
      "#include \"core/types.h\"",         // allowed
      "#include \"risk/risk_engine.h\"",   // allowed
      "#include \"strategy/quote.h\"",     // own module
      "#include \"quote.h\"",              // same folder
      "#include <vector>",                 // standard library
      "#include \"simdjson/ondemand.h\"",  // third party, not a project folder
      "// #include is mentioned in a comment",
  };
  const auto v = check_lines("strategy", "x.h", lines);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].line, 1);
  EXPECT_EQ(v[0].why, "strategy/ may not include net/");
  EXPECT_EQ(v[1].line, 2);
  EXPECT_EQ(v[1].why, "strategy/ may not include sim/");
  EXPECT_EQ(v[2].line, 3);
}

TEST(DependencyRule, CoreIncludesNothingOfTheProject) {
  const auto v =
      check_lines("core", "x.h", {"#include \"risk/trading_state.h\"", "#include \"tools/mm/x.h\""});
  EXPECT_EQ(v.size(), 2u);
}

TEST(DependencyRule, RuntimeMayComposeEveryLibraryModuleButNotTools) {
  const auto ok = check_lines("runtime", "x.h",
                              {"#include \"core/a.h\"", "#include \"risk/a.h\"", "#include \"strategy/a.h\"",
                               "#include \"net/a.h\"", "#include \"sim/a.h\""});
  EXPECT_TRUE(ok.empty());
  EXPECT_EQ(check_lines("runtime", "x.h", {"#include \"tools/mm/config.h\""}).size(), 1u);
}

}  // namespace
