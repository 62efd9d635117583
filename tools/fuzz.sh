#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (the `fuzz` preset: clang, ASan + UBSan + libFuzzer), seeds their corpora
# from the real recordings (fuzz/seed_corpus.py) and runs each harness for a bounded time. Prints, per harness, the
# executions run and the coverage libFuzzer reached (edges "cov" and features "ft"). Exits 1 if any harness finds
# a crash, a leak, a timeout or an out-of-memory input; the reproducer is left in build/fuzz/crashes/.
#
# usage: tools/fuzz.sh [--seconds N] [--harness NAME]... [--no-build]
#   --seconds N   run time per harness (default 20: the CI budget); the long run is --seconds 3600
#   --harness X   run only this harness (repeatable); default: all of fuzz/CMakeLists.txt
#   --skip X      leave this harness out (repeatable)
#   --no-build    use the harnesses already built in build/fuzz
# The corpus each harness grows is kept in build/fuzz/corpus/<harness> and reused by the next run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
harnesses=()
skip=()
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --harness) harnesses+=("$2"); shift 2 ;;
    --skip) skip+=("$2"); shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ ${#harnesses[@]} -eq 0 ]; then
  mapfile -t harnesses < <(sed -n 's/^mm_fuzzer(\([a-z_]*\)_fuzz).*/\1/p' fuzz/CMakeLists.txt)
fi
for s in "${skip[@]}"; do
  for i in "${!harnesses[@]}"; do [ "${harnesses[$i]}" = "$s" ] && unset 'harnesses[i]'; done
done
harnesses=("${harnesses[@]}")
jobs=${MM_JOBS:-2}
data=${MM_SHARED_DATA:-$(cd .. && pwd)/shared/data}

if [ "$build" = 1 ]; then
  cmake --preset fuzz >/dev/null
  targets=()
  for h in "${harnesses[@]}"; do targets+=("${h}_fuzz"); done
  cmake --build build/fuzz -j "$jobs" --target "${targets[@]}"
fi

seed_dir=build/fuzz/seeds
mm_arg=()
if [ -x build/fuzz/tools/mm ]; then mm_arg=(--mm build/fuzz/tools/mm); fi
/usr/bin/python3 fuzz/seed_corpus.py --data "$data" --out "$seed_dir" "${mm_arg[@]}" >/dev/null
mkdir -p build/fuzz/crashes
failed=()
printf '%-16s %10s %8s %8s %8s %s\n' harness execs exec/s cov ft corpus
for h in "${harnesses[@]}"; do
  corpus=build/fuzz/corpus/$h
  mkdir -p "$corpus"
  log=build/fuzz/$h.log
  # -rss_limit_mb: the harnesses hold at most a few MB per input; -timeout: any input slower than 10 s is a hang.
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "./build/fuzz/fuzz/${h}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build/fuzz/crashes/$h-" "$corpus" "$seed_dir/$h" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$h")
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  printf '%-16s %10s %8s %8s %8s %s %s\n' "$h" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "$(find "$corpus" -type f | wc -l)" "$status"
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (logs build/fuzz/<harness>.log, reproducers build/fuzz/crashes/)" >&2
  exit 1
fi
echo "fuzz: ${#harnesses[@]} harnesses ran ${seconds}s each without a finding"
