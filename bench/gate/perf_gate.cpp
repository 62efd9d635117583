// perf_gate: the scenarios of the CI performance gate (scenarios.h) and the report-only ratios (ratios.h).
// It prints one JSON object per line on stdout; bench/gate/perf_gate.py runs it (under callgrind for the
// counts, natively for the ratios), compares with bench/baseline.json and prints the tables.
//
//   perf_gate [--scenario NAME]... [--data DIR]   run scenarios (all by default): {"scenario", "status",
//   "ops",
//                                                  "op"[, "reason"]} per scenario
//   perf_gate --list                               {"scenario", "op", "needs_recording"} per scenario
//   perf_gate --build-info                         {"compiler", "build_type", "flags"}
//   perf_gate --ratios [--data DIR]                {"ratio", "what", "unit", "mm", "floor", "times"[,
//   "skipped"]}
// Exit: 0; 1 when a scenario failed (its line says why); 2 on a usage error (message on stderr).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/gate/callgrind_region.h"
#include "bench/gate/ratios.h"
#include "bench/gate/scenarios.h"
#include "tools/mm/json_writer.h"

namespace {

using mm::gate::ScenarioOutcome;
using mm::tools::JsonWriter;

void print(const JsonWriter& w) {
  std::printf("%s\n", w.str().c_str());
}

int usage(const std::string& why) {
  std::fprintf(stderr,
               "perf_gate: %s\nusage: perf_gate [--scenario NAME]... [--data DIR] | --list | --build-info | "
               "--ratios [--data DIR]\n",
               why.c_str());
  return 2;
}

const char* status_name(ScenarioOutcome::Status s) {
  switch (s) {
    case ScenarioOutcome::Status::kRan:
      return "ran";
    case ScenarioOutcome::Status::kSkipped:
      return "skipped";
    case ScenarioOutcome::Status::kFailed:
      return "failed";
  }
  return "failed";
}

void list() {
  for (const mm::gate::Scenario& s : mm::gate::scenarios()) {
    JsonWriter w;
    w.begin_object()
        .key("scenario")
        .value(s.name)
        .key("op")
        .value(s.op)
        .key("needs_recording")
        .value(s.needs_recording);
    print(w.end_object());
  }
}

void build_info() {
  JsonWriter w;
  w.begin_object()
      .key("compiler")
      .value("g++ " __VERSION__)
      .key("build_type")
      .value(MM_GATE_BUILD_TYPE)
      .key("flags")
      .value(MM_GATE_FLAGS);
  print(w.end_object());
}

void ratios(const mm::gate::GateOptions& o) {
  for (const mm::gate::RatioRow& r : mm::gate::measure_ratios(o)) {
    JsonWriter w;
    w.begin_object().key("ratio").value(r.name).key("what").value(r.what).key("unit").value(r.unit);
    if (!r.skipped.empty()) {
      w.key("skipped").value(r.skipped);
    } else {
      w.key("mm").value(r.mm).key("floor").value(r.floor).key("times").value(r.ratio);
    }
    print(w.end_object());
    std::fflush(stdout);
  }
}

int run(const mm::gate::GateOptions& o, const std::vector<std::string>& wanted) {
  for (const std::string& name : wanted) {
    bool known = false;
    for (const mm::gate::Scenario& s : mm::gate::scenarios()) known |= name == s.name;
    if (!known) return usage("unknown scenario '" + name + "' (--list shows them)");
  }
  int rc = 0;
  for (const mm::gate::Scenario& s : mm::gate::scenarios()) {
    bool selected = wanted.empty();
    for (const std::string& name : wanted) selected |= name == s.name;
    if (!selected) continue;
    const ScenarioOutcome out = s.run(o);
    JsonWriter w;
    w.begin_object().key("scenario").value(s.name).key("status").value(status_name(out.status));
    w.key("ops").value(out.ops).key("op").value(s.op);
    if (!out.reason.empty()) w.key("reason").value(out.reason);
    print(w.end_object());
    std::fflush(stdout);
    if (out.status == ScenarioOutcome::Status::kFailed) rc = 1;
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  mm::gate::GateOptions o;
  o.data_dir = MM_SHARED_DATA;
  std::vector<std::string> wanted;
  enum class Mode { kRun, kList, kBuildInfo, kRatios } mode = Mode::kRun;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--scenario" && has_value) {
      wanted.emplace_back(argv[++i]);
    } else if (a == "--data" && has_value) {
      o.data_dir = argv[++i];
    } else if (a == "--list") {
      mode = Mode::kList;
    } else if (a == "--build-info") {
      mode = Mode::kBuildInfo;
    } else if (a == "--ratios") {
      mode = Mode::kRatios;
    } else {
      return usage("unknown or incomplete argument '" + a + "'");
    }
  }
  switch (mode) {
    case Mode::kList:
      list();
      return 0;
    case Mode::kBuildInfo:
      build_info();
      return 0;
    case Mode::kRatios:
      if (mm::gate::under_valgrind())
        return usage("--ratios times wall clock: run it natively, not under valgrind");
      ratios(o);
      return 0;
    case Mode::kRun:
      return run(o, wanted);
  }
  return 2;
}
