"""The performance gate's own tests (bench/gate/perf_gate.py).

CompareTest and BaselineFileTest check the comparison and the baseline file on made-up figures (no valgrind).
GateRunTest runs the real thing under callgrind: the unchanged perf_gate passes against a baseline it took and
counts exactly the same instructions twice; perf_gate_slow (built with MM_GATE_SLOW_SEND: one extra pass over
every encoded order frame in net/recording_venue.cpp) fails, naming the send path among the functions that moved.

ctest runs this with MM_PERF_GATE and MM_PERF_GATE_SLOW set to the two executables (bench/gate/CMakeLists.txt).
"""
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SOURCE_DIR, "bench", "gate"))
import perf_gate  # noqa: E402

RECORDING = os.path.join(SOURCE_DIR, "..", "shared", "data", "bybit", "cryptofeed-BYBIT-2026-08-09.jsonl.zst")


def ran(ir_per_op, ops=100, top=()):
    return {"status": "ran", "ops": ops, "op": "one tick", "ir": ir_per_op * ops, "ir_per_op": ir_per_op,
            "top": list(top), "all_functions": dict(top)}


def baseline(**scenarios):
    return {"commit": "abc", "compiler": "g++ 12", "flags": "-O2", "tolerance_pct": 3.0,
            "scenarios": {n: {"ir_per_op": v, "top_inclusive": t} for n, (v, t) in scenarios.items()}}


class CompareTest(unittest.TestCase):
    def test_within_tolerance_passes_and_reports_the_delta(self):
        rows, fail = perf_gate.compare(baseline(a=(1000.0, [])), {"a": ran(1029.0)}, 3.0)
        self.assertFalse(fail)
        self.assertEqual(rows[0]["verdict"], "ok")
        self.assertAlmostEqual(rows[0]["delta_pct"], 2.9)

    def test_above_tolerance_fails(self):
        rows, fail = perf_gate.compare(baseline(a=(1000.0, []), b=(50.0, [])),
                                       {"a": ran(1031.0), "b": ran(50.0)}, 3.0)
        self.assertTrue(fail)
        self.assertEqual([r["verdict"] for r in rows], ["REGRESSION", "ok"])

    def test_faster_is_noted_not_failed(self):
        rows, fail = perf_gate.compare(baseline(a=(1000.0, [])), {"a": ran(900.0)}, 3.0)
        self.assertFalse(fail)
        self.assertEqual(rows[0]["verdict"], "faster")
        self.assertIn("lower the baseline", rows[0]["note"])

    def test_skipped_scenario_is_reported_not_failed(self):
        results = {"a": {"status": "skipped", "ops": 0, "op": "x", "reason": "recording not found"}}
        rows, fail = perf_gate.compare(baseline(a=(1000.0, [])), results, 3.0)
        self.assertFalse(fail)
        self.assertEqual((rows[0]["verdict"], rows[0]["note"]), ("skipped", "recording not found"))

    def test_failed_scenario_fails_with_its_reason(self):
        results = {"a": {"status": "failed", "ops": 0, "op": "x", "reason": "not every tick amended"}}
        rows, fail = perf_gate.compare(baseline(a=(1000.0, [])), results, 3.0)
        self.assertTrue(fail)
        self.assertEqual((rows[0]["verdict"], rows[0]["note"]), ("FAILED", "not every tick amended"))

    def test_scenario_without_baseline_fails(self):
        rows, fail = perf_gate.compare(baseline(), {"new": ran(10.0)}, 3.0)
        self.assertTrue(fail)
        self.assertEqual(rows[0]["verdict"], "NO BASELINE")

    def test_baselined_scenario_not_run_fails_unless_another_was_chosen(self):
        rows, fail = perf_gate.compare(baseline(a=(1.0, []), gone=(2.0, [])), {"a": ran(1.0)}, 3.0)
        self.assertTrue(fail)
        self.assertEqual(rows[1]["verdict"], "MISSING")
        _, fail = perf_gate.compare(baseline(a=(1.0, []), gone=(2.0, [])), {"a": ran(1.0)}, 3.0, {"a"})
        self.assertFalse(fail)

    def test_movers_put_the_largest_move_first_and_mark_functions_new_to_the_list(self):
        base = {"ir_per_op": 1000.0, "top_inclusive": [["mm::Quoter::update", 400.0], ["mm::Book::apply", 300.0],
                                                       ["main", 1000.0]]}
        new = ran(1100.0, top=[("mm::Quoter::update", 405.0), ("mm::Book::apply", 300.0),
                               ("mm::RecordingVenue::send_amends", 90.0), ("main", 1100.0)])
        m = perf_gate.movers(base, new)
        self.assertEqual(m[0], ("mm::RecordingVenue::send_amends", None, 90.0, 90.0))
        self.assertEqual(m[1][0], "mm::Quoter::update")
        self.assertNotIn("main", [x[0] for x in m])  # it holds everything: it says nothing about where
        text = "\n".join(perf_gate.format_movers("t", base, new, 10.0))
        self.assertIn("(<0.1 %)", text)
        self.assertIn("+90.0", text)

    def test_counts_table_names_benchmark_baseline_new_and_delta(self):
        b = baseline(a=(1000.0, []))
        rows, _ = perf_gate.compare(b, {"a": ran(1100.0)}, 3.0)
        text = "\n".join(perf_gate.format_counts(rows, b, {"compiler": "g++ 12", "flags": "-O2"}, "bl.json", 3.0))
        self.assertIn("benchmark", text)
        self.assertRegex(text, r"a\s+1,000.0\s+1,100.0\s+\+10.00 %\s+REGRESSION")
        self.assertNotIn("note:", text)
        other = "\n".join(perf_gate.format_counts(rows, b, {"compiler": "clang", "flags": "-O2"}, "bl.json", 3.0))
        self.assertIn("comparable only for the same compiler and flags", other)


class BaselineFileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.path = os.path.join(self.dir, "baseline.json")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, text):
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text)

    def test_missing_file_says_how_to_take_one(self):
        with self.assertRaisesRegex(perf_gate.GateError, r"baseline.json: no baseline file.*--write-baseline"):
            perf_gate.load_baseline(self.path)

    def test_bad_json_names_line_and_column(self):
        self.write('{"scenarios": {\n  "a": }\n}')
        with self.assertRaisesRegex(perf_gate.GateError, r"baseline.json: not JSON: line 2 column"):
            perf_gate.load_baseline(self.path)

    def test_bad_count_names_the_key(self):
        self.write(json.dumps({"scenarios": {"tick": {"ir_per_op": "fast"}}}))
        with self.assertRaisesRegex(perf_gate.GateError, r"scenarios.tick.ir_per_op must be a positive number"):
            perf_gate.load_baseline(self.path)
        self.write(json.dumps({"scenarios": {"tick": {"ir_per_op": 0}}}))
        with self.assertRaisesRegex(perf_gate.GateError, r"scenarios.tick.ir_per_op"):
            perf_gate.load_baseline(self.path)

    def test_bad_top_list_and_tolerance_name_the_key(self):
        self.write(json.dumps({"scenarios": {"t": {"ir_per_op": 5, "top_inclusive": [["f"]]}}}))
        with self.assertRaisesRegex(perf_gate.GateError, r"scenarios.t.top_inclusive"):
            perf_gate.load_baseline(self.path)
        self.write(json.dumps({"tolerance_pct": -1, "scenarios": {}}))
        with self.assertRaisesRegex(perf_gate.GateError, r"tolerance_pct must be a positive number"):
            perf_gate.load_baseline(self.path)

    def test_no_scenarios_object(self):
        self.write("[]")
        with self.assertRaisesRegex(perf_gate.GateError, r'no "scenarios" object'):
            perf_gate.load_baseline(self.path)

    def test_a_baseline_needs_every_scenario(self):
        results = {"a": ran(10.0), "b": {"status": "skipped", "ops": 0, "op": "x", "reason": "no recording"}}
        with self.assertRaisesRegex(perf_gate.GateError, r"without every scenario: b \(no recording\)"):
            perf_gate.baseline_document(results, {}, 3.0)

    def test_document_keeps_the_build_and_the_top_functions(self):
        doc = perf_gate.baseline_document({"a": ran(10.04, top=[("f", 7.06)])},
                                          {"compiler": "g++ 12", "flags": "-O2", "build_type": "RelWithDebInfo",
                                           "valgrind": "valgrind-3.19.0"}, 3.0)
        self.assertEqual(doc["scenarios"]["a"], {"op": "one tick", "ops": 100, "ir_per_op": 10.04,
                                                 "top_inclusive": [["f", 7.1]]})
        for key in ("commit", "compiler", "flags", "build_type", "valgrind", "taken_utc", "tolerance_pct"):
            self.assertIn(key, doc)


GATE = os.environ.get("MM_PERF_GATE")
GATE_SLOW = os.environ.get("MM_PERF_GATE_SLOW")
MARCH = os.environ.get("MM_PERF_GATE_MARCH", "")
# ISAs valgrind 3.19 runs (no AVX-512): the ci preset builds x86-64-v2, the callgrind preset x86-64-v3.
VALGRIND_MARCH = ("x86-64", "x86-64-v2", "x86-64-v3")


@unittest.skipUnless(GATE and GATE_SLOW, "MM_PERF_GATE / MM_PERF_GATE_SLOW not set (ctest sets them)")
@unittest.skipUnless(MARCH in VALGRIND_MARCH, f"built with -march={MARCH}: valgrind may meet AVX-512 it cannot run; "
                     "the ci preset (x86-64-v2) runs these")
@unittest.skipUnless(shutil.which("valgrind"), "valgrind is not installed (tools/setup.sh installs it)")
class GateRunTest(unittest.TestCase):
    """The real gate on tick_to_quote_1, the cheapest scenario whose region holds the send path."""

    SCENARIO = "tick_to_quote_1"

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="perf_gate_test_")
        cls.baseline = os.path.join(cls.dir, "baseline.json")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def gate(self, exe, *args, baseline=None):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = perf_gate.main(["--exe", exe, "--baseline", baseline or self.baseline, "--no-ratios", *args])
        return rc, out.getvalue(), err.getvalue()

    @unittest.skipUnless(os.path.exists(RECORDING), f"{RECORDING} not beside this checkout")
    def test_unchanged_build_passes_identically_and_slower_build_fails(self):
        baseline = os.path.join(self.dir, "taken.json")
        first = os.path.join(self.dir, "first.json")
        rc, out, err = self.gate(GATE, "--scenario", self.SCENARIO, "--write-baseline", "--json", first,
                                 baseline=baseline)
        self.assertEqual(rc, 0, out + err)

        again = os.path.join(self.dir, "again.json")
        rc, out, err = self.gate(GATE, "--scenario", self.SCENARIO, "--json", again, baseline=baseline)
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(out, self.SCENARIO + r"\s+[\d,.]+\s+[\d,.]+\s+\+0.00 %\s+ok")
        self.assertIn("perf gate: passed", out)
        with open(first, encoding="utf-8") as f1, open(again, encoding="utf-8") as f2:
            a, b = json.load(f1)["counts"][self.SCENARIO], json.load(f2)["counts"][self.SCENARIO]
        # Exactly the same instructions on every run of the same binary: what makes a 3 % threshold usable.
        self.assertEqual(a["ir"], b["ir"])
        self.assertGreater(a["ir"], 0)

        rc, out, err = self.gate(GATE_SLOW, "--scenario", self.SCENARIO, baseline=baseline)
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(out, self.SCENARIO + r"\s+[\d,.]+\s+[\d,.]+\s+\+\d+\.\d\d %\s+REGRESSION")
        self.assertIn("perf gate: FAILED", out)
        movers = out.split("moved most:", 1)[1]
        self.assertIn("gate_slow_send_work", movers)
        self.assertIn("mm::RecordingVenue::", movers)

    def test_missing_recording_skips_the_scenario_and_passes(self):
        with open(self.baseline, "w", encoding="utf-8") as f:
            json.dump({"scenarios": {self.SCENARIO: {"ir_per_op": 1000.0}}}, f)
        rc, out, err = self.gate(GATE, "--scenario", self.SCENARIO, "--data", os.path.join(self.dir, "none"))
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(out, self.SCENARIO + r".*skipped\s+\(.*cryptofeed-BYBIT-2026-08-09.jsonl.zst not found")

    def test_unknown_scenario_is_a_usage_error(self):
        with open(self.baseline, "w", encoding="utf-8") as f:
            json.dump({"scenarios": {}}, f)
        rc, out, err = self.gate(GATE, "--scenario", "tick_to_qoute_1")
        self.assertEqual(rc, 2, out + err)
        self.assertIn("unknown scenario 'tick_to_qoute_1'", err)

    def test_partial_retake_never_drops_the_other_baselines(self):
        path = os.path.join(self.dir, "full.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"scenarios": {"parse_book": {"ir_per_op": 5.0}, self.SCENARIO: {"ir_per_op": 9.0}}}, f)
        rc, out, err = self.gate(GATE, "--scenario", self.SCENARIO, "--write-baseline", baseline=path)
        self.assertEqual(rc, 2, out + err)
        self.assertIn("would drop the other scenarios' baselines", err)
        with open(path, encoding="utf-8") as f:
            self.assertEqual(set(json.load(f)["scenarios"]), {"parse_book", self.SCENARIO})

    def test_executable_not_built_says_which_target(self):
        rc, _, err = self.gate(os.path.join(self.dir, "nope"))
        self.assertEqual(rc, 2)
        self.assertIn("not built", err)

    def test_perf_gate_lists_every_scenario_of_the_issue(self):
        p = subprocess.run([GATE, "--list"], capture_output=True, text=True, check=True)
        names = [json.loads(line)["scenario"] for line in p.stdout.splitlines()]
        self.assertEqual(names, ["parse_book", "tick_to_quote_1", "tick_to_quote_5", "ring_hop", "backtest_event"])


if __name__ == "__main__":
    unittest.main()
