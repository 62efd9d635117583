#!/usr/bin/python3
"""The CI performance gate (README "Performance").

Runs bench/gate's perf_gate under valgrind's callgrind: each fixed scenario is one callgrind region of a fixed
number of operations, so its instruction count per operation is exact and identical from run to run on the same
binary. Compares every count with bench/baseline.json and fails (exit 1) when one is more than the tolerance
(3 %) above its baseline, naming the functions whose inclusive count moved most. Then measures the report-only
ratios natively (mm against a floor of the same work, side by side in one run) and prints them.

    bench/gate/perf_gate.py [--build-dir build/ci] [--baseline bench/baseline.json] [--scenario NAME]...
                            [--data DIR] [--exe PATH] [--tolerance PCT] [--no-ratios] [--json OUT]
                            [--write-baseline]

Exit status: 0 every count within the tolerance (or --write-baseline wrote the file); 1 a regression, a scenario
that failed, or a scenario without a baseline; 2 a usage or set-up error (message on stderr).

Why callgrind and not time: on a shared 2-vCPU VM wall-clock times move by tens of percent from run to run;
instruction counts do not move at all, so a 3 % threshold is meaningful. What counts cannot see (cache misses,
cross-core hops) is what the Google Benchmark suites and the ratios are for.
"""
import argparse
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOLERANCE_PCT = 3.0
# Functions kept per scenario in the baseline for the "moved most" list: those at or above this share of the
# scenario's count, at most TOP_STORED of them.
TOP_MIN_SHARE = 0.001
TOP_STORED = 60
TOP_SHOWN = 8
NAME_WIDTH = 100

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class GateError(Exception):
    """A set-up or input problem: the gate cannot say whether the build is slower (exit 2)."""


# ---------------------------------------------------------------------------------------------- measuring


def _run(cmd, **kw):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, **kw)
    except FileNotFoundError as e:
        raise GateError(f"cannot run {cmd[0]}: {e.strerror} (tools/setup.sh installs valgrind)") from e


def _json_lines(text, what):
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise GateError(f"{what}: not a JSON line: {line[:200]!r} ({e})") from e
    return out


def build_info(exe):
    p = _run([exe, "--build-info"])
    if p.returncode != 0:
        raise GateError(f"{exe} --build-info failed (exit {p.returncode}): {p.stderr.strip()}")
    info = _json_lines(p.stdout, f"{exe} --build-info")[0]
    v = _run(["valgrind", "--version"])
    info["valgrind"] = v.stdout.strip()
    return info


# "  1,234 (12.3%)  file:function [object]". Lines without "[object]" are the parts of a function inlined from
# other files (its cost split by source file); the line with the object is the whole function.
_ANNOTATE_LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*?)\s+\[[^\]]*\]\s*$")
# Entries that contain every scenario whole: they move with the total and say nothing about where.
_NOT_A_MOVER = re.compile(r"^(main|\(below main\)|__libc_start_\w+|0x[0-9a-f]+|mm::gate::.*)$")


_TRIGGER = "desc: Trigger: Client Request: "


def parse_dump_header(path):
    """(scenario name, total Ir) of one callgrind dump written by CALLGRIND_DUMP_STATS_AT(name)."""
    name = None
    total = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(_TRIGGER):
                name = line[len(_TRIGGER):].strip()
            elif line.startswith("totals:"):
                # Not "summary:": after instrumentation was switched off and on, callgrind 3.19 can write a
                # summary that is not the sum of the dump's costs; totals is.
                total = int(line.split()[1])
    return name, total


def inclusive_functions(path):
    """{function: inclusive Ir} of one dump, from callgrind_annotate --inclusive=yes (file prefix dropped)."""
    p = _run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", "--auto=no", path])
    if p.returncode != 0:
        raise GateError(f"callgrind_annotate {path} failed: {p.stderr.strip()}")
    funcs = {}
    in_table = False
    for line in p.stdout.splitlines():
        if "file:function" in line:
            in_table = True
            continue
        if in_table and not line.strip():
            break
        m = _ANNOTATE_LINE.match(line) if in_table else None
        if not m:
            continue
        where = m.group(2)
        # "file:function": a file name holds no colon, a function name often does ("mm::...").
        fn = where.split(":", 1)[1] if ":" in where and not where.startswith("0x") else where
        ir = int(m.group(1).replace(",", ""))
        funcs[fn] = funcs.get(fn, 0) + ir  # the same name in two objects or files (rare) adds up
    return funcs


def list_scenarios(exe):
    p = _run([exe, "--list"])
    if p.returncode != 0:
        raise GateError(f"{exe} --list failed (exit {p.returncode}): {p.stderr.strip()}")
    return _json_lines(p.stdout, f"{exe} --list")


def count_one(exe, name, data_dir, work):
    """One scenario in its own valgrind process, so its count does not depend on what ran before it in the
    process (first calls through the PLT, caches filled by another scenario's set-up)."""
    out = os.path.join(work, f"{name}.cg")
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
           f"--callgrind-out-file={out}", exe, "--scenario", name]
    if data_dir:
        cmd += ["--data", data_dir]
    p = _run(cmd)
    lines = [r for r in _json_lines(p.stdout, "perf_gate") if r.get("scenario") == name]
    if p.returncode not in (0, 1) or len(lines) != 1:
        tail = "\n".join(p.stderr.strip().splitlines()[-15:])
        raise GateError(f"valgrind perf_gate --scenario {name} failed (exit {p.returncode}):\n{tail}")
    r = lines[0]
    if r["status"] != "ran":
        return r
    dumps = [d for d in glob.glob(f"{out}.*") if parse_dump_header(d)[0] == name]
    if len(dumps) != 1:
        raise GateError(f"scenario {name} ran but callgrind wrote {len(dumps)} dumps for it, not 1")
    _, total = parse_dump_header(dumps[0])
    if total is None:
        raise GateError(f"callgrind dump {dumps[0]} of {name} has no totals line")
    ops = r["ops"]
    r["ir"] = total
    r["ir_per_op"] = total / ops
    funcs = inclusive_functions(dumps[0])
    top = sorted(((fn, ir / ops) for fn, ir in funcs.items()
                  if ir >= TOP_MIN_SHARE * total and not _NOT_A_MOVER.match(fn)), key=lambda x: -x[1])
    r["top"] = top[:TOP_STORED]
    r["all_functions"] = {fn: ir / ops for fn, ir in funcs.items()}
    return r


def measure_counts(exe, scenarios, data_dir):
    """Runs the scenarios (all when none is named) under callgrind, in perf_gate's order. Returns
    {name: {status, ops, op, reason?, ir?, ir_per_op?, top?, all_functions?}}."""
    known = [s["scenario"] for s in list_scenarios(exe)]
    for name in scenarios:
        if name not in known:
            raise GateError(f"unknown scenario '{name}' (perf_gate has {', '.join(known)})")
    work = tempfile.mkdtemp(prefix="mm_perf_gate_")
    try:
        return {name: count_one(exe, name, data_dir, work) for name in known if not scenarios or name in scenarios}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure_ratios(exe, data_dir):
    cmd = [exe, "--ratios"] + (["--data", data_dir] if data_dir else [])
    p = _run(cmd)
    if p.returncode != 0:
        raise GateError(f"perf_gate --ratios failed (exit {p.returncode}): {p.stderr.strip()}")
    return _json_lines(p.stdout, "perf_gate --ratios")


# ---------------------------------------------------------------------------------------------- baseline


def load_baseline(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError as e:
        raise GateError(f"{path}: no baseline file (take one with tools/bench.sh --write-baseline)") from e
    except json.JSONDecodeError as e:
        raise GateError(f"{path}: not JSON: line {e.lineno} column {e.colno}: {e.msg}") from e
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), dict):
        raise GateError(f"{path}: no \"scenarios\" object")
    for name, s in data["scenarios"].items():
        v = s.get("ir_per_op") if isinstance(s, dict) else None
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
            raise GateError(f"{path}: scenarios.{name}.ir_per_op must be a positive number, not {v!r}")
        top = s.get("top_inclusive", [])
        if not isinstance(top, list) or not all(isinstance(t, list) and len(t) == 2 for t in top):
            raise GateError(f"{path}: scenarios.{name}.top_inclusive must be a list of [function, count] pairs")
    tol = data.get("tolerance_pct", TOLERANCE_PCT)
    if not isinstance(tol, (int, float)) or isinstance(tol, bool) or tol <= 0:
        raise GateError(f"{path}: tolerance_pct must be a positive number, not {tol!r}")
    return data


def git_commit():
    p = _run(["git", "-C", SOURCE_DIR, "rev-parse", "HEAD"])
    if p.returncode != 0:
        return "unknown", False
    st = _run(["git", "-C", SOURCE_DIR, "status", "--porcelain", "--untracked-files=no"])
    changed = [line for line in st.stdout.splitlines() if not line.endswith("bench/baseline.json")]
    return p.stdout.strip(), bool(changed)


def baseline_document(results, info, tolerance):
    skipped = [f"{n} ({r.get('reason', r['status'])})" for n, r in results.items() if r["status"] != "ran"]
    if skipped:
        raise GateError("cannot write a baseline without every scenario: " + "; ".join(skipped))
    commit, dirty = git_commit()
    return {
        "about": "Instruction counts per operation of bench/gate's scenarios (callgrind Ir), the performance "
                 "gate's reference: CI fails when a count is more than tolerance_pct above. Re-take with "
                 "tools/bench.sh --write-baseline, in a commit of its own that says why.",
        "commit": commit,
        "dirty": dirty,
        "taken_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "compiler": info.get("compiler"),
        "build_type": info.get("build_type"),
        "flags": info.get("flags"),
        "valgrind": info.get("valgrind"),
        "tolerance_pct": tolerance,
        "scenarios": {
            name: {
                "op": r["op"],
                "ops": r["ops"],
                "ir_per_op": round(r["ir_per_op"], 3),
                "top_inclusive": [[fn, round(v, 1)] for fn, v in r["top"]],
            }
            for name, r in results.items()
        },
    }


# ---------------------------------------------------------------------------------------------- comparing


def compare(baseline, results, tolerance, selected=None):
    """Rows {scenario, baseline, new, delta_pct, verdict, note} and whether the gate fails.

    verdict: ok | REGRESSION | faster | skipped | FAILED | NO BASELINE | MISSING. Fails on REGRESSION, FAILED,
    NO BASELINE, and MISSING (a baselined scenario the executable no longer has, unless --scenario chose others).
    """
    rows = []
    fail = False
    base = baseline["scenarios"]
    for name, r in results.items():
        b = base.get(name)
        row = {"scenario": name, "baseline": b["ir_per_op"] if b else None, "new": r.get("ir_per_op"),
               "delta_pct": None, "verdict": "ok", "note": ""}
        if r["status"] == "skipped":
            row["verdict"], row["note"] = "skipped", r.get("reason", "")
        elif r["status"] != "ran":
            row["verdict"], row["note"] = "FAILED", r.get("reason", "")
            fail = True
        elif b is None:
            row["verdict"] = "NO BASELINE"
            row["note"] = "take one: tools/bench.sh --write-baseline, and commit bench/baseline.json"
            fail = True
        else:
            d = (r["ir_per_op"] - b["ir_per_op"]) / b["ir_per_op"] * 100.0
            row["delta_pct"] = d
            if d > tolerance:
                row["verdict"] = "REGRESSION"
                fail = True
            elif d < -tolerance:
                row["verdict"] = "faster"
                row["note"] = "lower the baseline in a commit of its own that says why"
        rows.append(row)
    for name, b in base.items():
        if name not in results and (selected is None or name in selected):
            rows.append({"scenario": name, "baseline": b["ir_per_op"], "new": None, "delta_pct": None,
                         "verdict": "MISSING", "note": "in the baseline but not run by perf_gate"})
            fail = True
    return rows, fail


def movers(baseline_entry, result):
    """The functions whose inclusive count per op moved most: [(function, baseline, new, delta)], largest
    increase first. A function below the baseline's stored list counts as 0 there."""
    base = {fn: v for fn, v in baseline_entry.get("top_inclusive", [])}
    new_all = result.get("all_functions", {})
    new_top = {fn for fn, _ in result.get("top", [])}
    out = []
    for fn in set(base) | new_top:
        if _NOT_A_MOVER.match(fn):
            continue
        b = base.get(fn, 0.0)
        n = new_all.get(fn, 0.0)
        out.append((fn, b if fn in base else None, n, n - b))
    # Equal moves (a function and its callers) list the innermost, the smallest inclusive count, first.
    out.sort(key=lambda x: (-round(abs(x[3]), 1), x[2]))
    return out[:TOP_SHOWN]


# ---------------------------------------------------------------------------------------------- printing


def _num(v, unit=""):
    if v is None:
        return "-"
    return f"{v:,.1f}{unit}"


def _short(fn):
    # Keep both ends: template arguments fill the middle, the method name and its parameters are at the end.
    if len(fn) <= NAME_WIDTH:
        return fn
    head = NAME_WIDTH * 2 // 5
    return fn[:head] + "..." + fn[-(NAME_WIDTH - head - 3):]


def format_counts(rows, baseline, info, baseline_path, tolerance):
    lines = [f"perf gate: instructions per operation (callgrind Ir), against {baseline_path} "
             f"(commit {str(baseline.get('commit', '?'))[:12]}), fail above +{tolerance:g} %"]
    if (baseline.get("compiler"), baseline.get("flags")) != (info.get("compiler"), info.get("flags")):
        lines.append(f"  note: the baseline was taken with {baseline.get('compiler')} [{baseline.get('flags')}], "
                     f"this build is {info.get('compiler')} [{info.get('flags')}]: counts are comparable only "
                     f"for the same compiler and flags")
    header = f"  {'benchmark':<18} {'baseline':>12} {'new':>12} {'delta':>9}  verdict"
    lines += [header, "  " + "-" * (len(header) - 2)]
    for r in rows:
        # abs() < 0.005 prints as +0.00, not -0.00 (the baseline keeps three decimals of the exact ratio).
        delta = "-" if r["delta_pct"] is None else f"{r['delta_pct'] if abs(r['delta_pct']) >= 0.005 else 0.0:+.2f} %"
        note = f"  ({r['note']})" if r["note"] else ""
        lines.append(f"  {r['scenario']:<18} {_num(r['baseline']):>12} {_num(r['new']):>12} {delta:>9}  "
                     f"{r['verdict']}{note}")
    return lines


def format_movers(name, baseline_entry, result, delta_pct):
    lines = [f"{name}: {delta_pct:+.2f} % (baseline {_num(baseline_entry['ir_per_op'])}, new "
             f"{_num(result['ir_per_op'])} instructions per operation: {result['op']}); inclusive counts per "
             f"operation that moved most:",
             f"  {'baseline':>12} {'new':>12} {'delta':>12}  function"]
    for fn, b, n, d in movers(baseline_entry, result):
        lines.append(f"  {_num(b) if b is not None else '(<0.1 %)':>12} {_num(n):>12} {d:>+12,.1f}  {_short(fn)}")
    return lines


def format_ratios(ratios):
    lines = ["ratios (report only, never a failure): mm against a floor of the same work, side by side in one run",
             f"  {'ratio':<18} {'mm':>14} {'floor':>14} {'mm cost':>9}  what"]
    for r in ratios:
        if "skipped" in r:
            lines.append(f"  {r['ratio']:<18} skipped: {r['skipped']}")
            continue
        unit = r["unit"]
        lines.append(f"  {r['ratio']:<18} {r['mm']:>10,.1f} {unit:<3} {r['floor']:>10,.1f} {unit:<3} "
                     f"{r['times']:>8.2f}x  {r['what']}")
    return lines


# ---------------------------------------------------------------------------------------------- main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(SOURCE_DIR, "build", "ci"),
                    help="the CMake build tree holding bench/gate/perf_gate (default build/ci)")
    ap.add_argument("--exe", help="the perf_gate executable (default <build-dir>/bench/gate/perf_gate)")
    ap.add_argument("--baseline", default=os.path.join(SOURCE_DIR, "bench", "baseline.json"))
    ap.add_argument("--scenario", action="append", help="run only this scenario (repeatable)")
    ap.add_argument("--data", help="folder of the shared recordings (default: the one perf_gate was built with)")
    ap.add_argument("--tolerance", type=float, help="percent above the baseline that fails (default: the "
                    "baseline's tolerance_pct, else 3)")
    ap.add_argument("--no-ratios", action="store_true", help="skip the report-only ratios")
    ap.add_argument("--json", help="also write the measured counts and ratios to this file")
    ap.add_argument("--write-baseline", action="store_true",
                    help="measure and write the baseline file instead of comparing")
    a = ap.parse_args(argv)
    exe = a.exe or os.path.join(a.build_dir, "bench", "gate", "perf_gate")
    try:
        if not os.access(exe, os.X_OK):
            raise GateError(f"{exe}: not built (cmake --build {a.build_dir} --target perf_gate)")
        if a.write_baseline and a.scenario and os.path.exists(a.baseline):
            raise GateError(f"{a.baseline}: --write-baseline with --scenario would drop the other scenarios' "
                            f"baselines; re-take them all (no --scenario), or write to a new file")
        info = build_info(exe)
        baseline = None if a.write_baseline else load_baseline(a.baseline)
        tolerance = a.tolerance or (baseline or {}).get("tolerance_pct", TOLERANCE_PCT)
        results = measure_counts(exe, a.scenario or [], a.data)
        if a.write_baseline:
            doc = baseline_document(results, info, tolerance)
            with open(a.baseline, "w", encoding="utf-8") as f:
                json.dump(doc, f, indent=1)
                f.write("\n")
            dirty = ", dirty tree" if doc["dirty"] else ""
            print(f"perf gate: wrote {a.baseline} (commit {doc['commit'][:12]}{dirty})")
            baseline = load_baseline(a.baseline)
        rows, fail = compare(baseline, results, tolerance, set(a.scenario) if a.scenario else None)
        print("\n".join(format_counts(rows, baseline, info, a.baseline, tolerance)))
        for row in rows:
            if row["verdict"] == "REGRESSION":
                print()
                print("\n".join(format_movers(row["scenario"], baseline["scenarios"][row["scenario"]],
                                              results[row["scenario"]], row["delta_pct"])))
        ratios = []
        if not a.no_ratios:
            print()
            ratios = measure_ratios(exe, a.data)
            print("\n".join(format_ratios(ratios)))
        if a.json:
            with open(a.json, "w", encoding="utf-8") as f:
                json.dump({"build": info, "rows": rows,
                           "counts": {n: {k: v for k, v in r.items() if k != "all_functions"}
                                      for n, r in results.items()},
                           "ratios": ratios}, f, indent=1)
        print()
        if fail:
            print("perf gate: FAILED (a count above its baseline, a failed scenario, or one without a baseline). "
                  "If the extra work is deliberate, re-take the baseline (tools/bench.sh --write-baseline) in a "
                  "commit of its own that says why.")
            return 1
        print("perf gate: passed")
        return 0
    except GateError as e:
        print(f"perf gate: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
