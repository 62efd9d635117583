#!/usr/bin/env bash
# The performance gate, locally, exactly as CI runs it (README "Performance"): builds the `ci` preset's
# perf_gate, counts the instructions of each fixed scenario under callgrind, compares them with
# bench/baseline.json (fails above +3 %, naming the functions that moved most) and prints the report-only
# ratios (mm against a floor of the same work, measured side by side).
#
#   tools/bench.sh                      the gate and the ratios
#   tools/bench.sh --no-ratios          the gate only
#   tools/bench.sh --write-baseline     re-take bench/baseline.json (commit it on its own, saying why)
#   tools/bench.sh --scenario NAME      one scenario (repeatable); other flags: bench/gate/perf_gate.py --help
#
# The full Google Benchmark suites are a separate, longer command (README "Performance").
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${MM_JOBS:-2}
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs" --target perf_gate >/dev/null
exec /usr/bin/python3 bench/gate/perf_gate.py --build-dir build/ci "$@"
