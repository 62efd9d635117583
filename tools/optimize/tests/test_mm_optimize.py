"""Python-side tests of mm optimize against the fake backtester (tests/fake_mmpy), no build needed:

    /usr/bin/python3 -m unittest discover -s tools/optimize/tests -v

The end-to-end tests through the real mm binary and mmpy are tests/tools/optimize_test.cpp.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # tools/
SCRIPT = os.path.join(ROOT, "optimize", "mm_optimize.py")
FIXED = os.path.join(os.path.dirname(ROOT), "examples", "fixed.toml")
sys.path.insert(0, os.path.join(ROOT, "optimize"))

from mmopt import space as space_mod  # noqa: E402
from mmopt.errors import InputError  # noqa: E402

SPACE = f"""base = "{FIXED}"
study = "t"
{{top}}
[params]
"strategy.half_spread_bps" = {{{{ type = "float", low = 0.5, high = 10.0, log = true }}}}
"strategy.levels" = {{{{ type = "int", low = 1, high = 4 }}}}
"strategy.reference" = {{{{ type = "categorical", choices = ["mid", "microprice"] }}}}
"""


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.data = os.path.join(self.dir, "data.bin")
        open(self.data, "w").close()

    def tearDown(self):
        self.tmp.cleanup()

    def space(self, top=""):
        p = os.path.join(self.dir, "space.toml")
        with open(p, "w") as f:
            f.write(SPACE.format(top=top))
        return p

    def run_opt(self, *args):
        env = dict(os.environ, PYTHONPATH=os.path.join(HERE, "fake_mmpy"))
        return subprocess.run(["/usr/bin/python3", SCRIPT, "--data", self.data, *args], env=env,
                              capture_output=True, text=True)


class SpaceTest(Base):
    def test_parses_and_merges_in_the_base_type(self):
        s = space_mod.load(self.space('objective = ["pnl", "drawdown"]\nsampler = "random"'))
        self.assertEqual(s.objectives, ["pnl", "drawdown"])
        self.assertTrue(s.multi)
        self.assertEqual([p.key for p in s.params],
                         ["strategy.half_spread_bps", "strategy.levels", "strategy.reference"])
        cfg = space_mod.apply(s.base, {"strategy.half_spread_bps": 3, "risk.max_order_qty": 0.004})
        self.assertEqual(cfg["strategy"]["half_spread_bps"], 3.0)
        self.assertIsInstance(cfg["strategy"]["half_spread_bps"], float)
        self.assertEqual(cfg["risk"]["max_order_qty"], "0.004")  # decimal strings stay strings
        self.assertEqual(s.base["strategy"]["half_spread_bps"], 0.08)  # examples/fixed.toml, not modified

    def test_durations(self):
        self.assertEqual(space_mod.parse_duration_ns("90s", "k"), 90 * 10**9)
        self.assertEqual(space_mod.parse_duration_ns("1.5h", "k"), 5400 * 10**9)
        self.assertEqual(space_mod.parse_duration_ns("250ms", "k"), 250 * 10**6)
        self.assertEqual(space_mod.parse_duration_ns(2, "k"), 2 * 10**9)
        with self.assertRaisesRegex(InputError, "^k: duration must be positive"):
            space_mod.parse_duration_ns("0s", "k")

    def test_grid_values(self):
        s = space_mod.load(self.space())
        import optuna
        self.assertEqual(space_mod.grid_values(optuna.distributions.FloatDistribution(1.0, 2.0, step=0.25)),
                         [1.0, 1.25, 1.5, 1.75, 2.0])
        self.assertEqual(space_mod.grid_values(s.params[1].distribution), [1, 2, 3, 4])


class RunTest(Base):
    def test_deterministic_with_a_seed_and_beats_the_base(self):
        sp = self.space()
        outs = []
        for name in ("a", "b"):
            out = os.path.join(self.dir, name)
            r = self.run_opt("--space", sp, "--trials", "20", "--seed", "4", "--out", out, "--no-plots")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "trials.csv")) as f:
                rows = [{k: v for k, v in row.items() if k != "duration_s"} for row in csv.DictReader(f)]
            outs.append(rows)
            summary = json.load(open(os.path.join(out, "summary.json")))
            self.assertGreater(summary["best"]["values"][0], summary["baseline"]["train"]["pnl"])
        self.assertEqual(outs[0], outs[1])
        self.assertEqual(len(outs[0]), 20)

    def test_progress_only_on_a_terminal(self):
        from mmopt.study import progress_suffix
        self.assertEqual(progress_suffix(5, 10, 10.0), "  [##########..........] 5/10 trials  30.0/min  ETA 10s")
        self.assertEqual(progress_suffix(0, 10, 0.0), "  [....................] 0/10 trials")
        self.assertIn("ETA 1m30s", progress_suffix(1, 10, 10.0))
        # stderr is a pipe here: the trial lines carry no progress suffix.
        out = os.path.join(self.dir, "o")
        r = self.run_opt("--space", self.space(), "--trials", "3", "--seed", "1", "--out", out, "--no-plots")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("trial 2:", r.stderr)
        self.assertNotIn("ETA", r.stderr)

    def test_bad_input_writes_nothing(self):
        out = os.path.join(self.dir, "o")
        r = self.run_opt("--space", self.space(), "--trials", "2", "--out", out, "--objective", "alpha")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown objective 'alpha'", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_constraints_exclude_infeasible_trials(self):
        out = os.path.join(self.dir, "o")
        r = self.run_opt("--space", self.space("[constraints]\nmax_drawdown_pct = 0.35"), "--trials", "25",
                         "--seed", "1", "--out", out, "--no-plots")
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.load(open(os.path.join(out, "summary.json")))
        self.assertLessEqual(s["best"]["train"]["stats"]["max_drawdown_pct"], 0.35)
        self.assertGreater(s["windows"][0]["trials"]["infeasible"], 0)

    def test_undefined_objective_is_infeasible_not_zero(self):
        # Every defined Sharpe of the fake is negative at 4 levels, so an undefined Sharpe read as 0 would win.
        out = os.path.join(self.dir, "o")
        sp = self.space("[constraints]\nmin_fills = 0")  # the fake's fills here are few: no default floor
        with open(sp) as f:
            text = f.read().replace("low = 0.5, high = 10.0", "low = 50.0, high = 100.0")
        with open(sp, "w") as f:
            f.write(text)
        env_before = os.environ.get("FAKE_MMPY_UNDEFINED_SHARPE_LEVELS")
        os.environ["FAKE_MMPY_UNDEFINED_SHARPE_LEVELS"] = "1"
        try:
            r = self.run_opt("--space", sp, "--trials", "20", "--seed", "3", "--out", out, "--no-plots",
                             "--sampler", "random", "--objective", "sharpe")
        finally:
            if env_before is None:
                del os.environ["FAKE_MMPY_UNDEFINED_SHARPE_LEVELS"]
            else:
                os.environ["FAKE_MMPY_UNDEFINED_SHARPE_LEVELS"] = env_before
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(infeasible: sharpe undefined)", r.stderr)
        with open(os.path.join(out, "trials.csv")) as f:
            rows = [x for x in csv.DictReader(f) if x["state"] == "COMPLETE"]
        one = [x for x in rows if x["params.strategy.levels"] == "1"]
        self.assertTrue(one)
        self.assertTrue(all(x["feasible"] == "False" for x in one))
        with open(os.path.join(out, "summary.json")) as f:
            s = json.load(f)
        self.assertNotEqual(s["best"]["params"]["strategy.levels"], 1)
        self.assertLess(s["best"]["values"][0], 0)

    def test_a_ratio_objective_gets_a_default_min_fills(self):
        # Issue 14: a Sharpe over a handful of fills is noise; without constraints.min_fills the study requires
        # metrics.DEFAULT_RATIO_MIN_FILLS, says so in summary.json, and pnl studies get no floor.
        for objective, floor in (("sharpe", 30), ("calmar", 30), ("pnl", None)):
            sp = space_mod.load(self.space(f'objective = "{objective}"'), None, None, None)
            self.assertEqual(sp.constraints.get("min_fills"), floor, objective)
            self.assertEqual(sp.defaulted_constraints, [] if floor is None else ["min_fills"], objective)
        sp = space_mod.load(self.space('objective = "sharpe"\n[constraints]\nmin_fills = 0'), None, None, None)
        self.assertEqual(sp.constraints, {"min_fills": 0})
        self.assertEqual(sp.defaulted_constraints, [])
        # End to end: trials under 30 fills (the fake makes 200 / half_spread_bps per level-hour) are infeasible.
        out = os.path.join(self.dir, "o")
        sp = self.space('objective = "sharpe"')
        with open(sp) as f:
            text = f.read().replace("low = 0.5, high = 10.0", "low = 5.0, high = 10.0")
        with open(sp, "w") as f:
            f.write(text)
        r = self.run_opt("--space", sp, "--trials", "20", "--seed", "4", "--out", out, "--no-plots",
                         "--sampler", "random")
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.load(open(os.path.join(out, "summary.json")))
        self.assertEqual(s["constraints"], {"min_fills": 30})
        self.assertEqual(s["constraints_defaulted"], ["min_fills"])
        self.assertGreaterEqual(s["best"]["train"]["stats"]["fills"], 30)
        self.assertGreater(s["windows"][0]["trials"]["infeasible"], 0)
        self.assertNotIn("warning: the best trial", r.stderr)

    def test_a_best_trial_with_few_fills_is_warned_about(self):
        out = os.path.join(self.dir, "o")
        sp = self.space()
        with open(sp) as f:
            text = f.read().replace("low = 0.5, high = 10.0", "low = 50.0, high = 100.0")
        with open(sp, "w") as f:
            f.write(text)
        r = self.run_opt("--space", sp, "--trials", "5", "--seed", "1", "--out", out, "--no-plots")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"mm optimize: warning: the best trial \(#\d+\) made only \d+ fills \(fewer than "
                                   r"30\): its pnl rests on too few events")

    def test_unsatisfiable_constraints_exit_1_without_best(self):
        out = os.path.join(self.dir, "o")
        r = self.run_opt("--space", self.space("[constraints]\nmin_fills = 100000000"), "--trials", "3",
                         "--out", out, "--no-plots")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no trial satisfied the constraints", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "best.toml")))
        self.assertIsNone(json.load(open(os.path.join(out, "summary.json")))["best"])

    def test_rejected_trial_configs_fail_and_the_study_goes_on(self):
        out = os.path.join(self.dir, "o")
        sp = self.space()
        with open(sp) as f:
            text = f.read().replace("high = 4", "high = 8")  # the fake refuses levels > 4
        with open(sp, "w") as f:
            f.write(text)
        r = self.run_opt("--space", sp, "--trials", "20", "--seed", "2", "--out", out, "--no-plots",
                         "--sampler", "random")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "trials.csv")) as f:
            rows = list(csv.DictReader(f))
        failed = [x for x in rows if x["state"] == "FAIL"]
        self.assertTrue(failed)
        self.assertTrue(all("strategy.levels" in x["error"] for x in failed))

    def test_walk_forward_and_pareto(self):
        out = os.path.join(self.dir, "o")
        top = ('objective = ["pnl", "drawdown"]\n[walk_forward]\ntrain = "20m"\ntest = "10m"\nstep = "15m"')
        r = self.run_opt("--space", self.space(top), "--trials", "8", "--seed", "3", "--out", out, "--jobs", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.load(open(os.path.join(out, "summary.json")))
        # 60 min of data: windows start at 0, 15, 30 min (30 + 20 + 10 = 60 fits; 45 does not).
        self.assertEqual(len(s["windows"]), 3)
        for i, w in enumerate(s["windows"]):
            self.assertEqual(w["test"]["from_ns"], w["train"]["to_ns"])
            self.assertIn("pnl", w["best"]["test"])
            self.assertTrue(w["pareto_front"])
            self.assertTrue(os.path.exists(os.path.join(out, "windows", str(i), "best.toml")))
        html = open(os.path.join(out, "plots.html")).read()
        self.assertIn("Pareto front", html)
        self.assertNotIn("<script src=", html[:200] + html[-2000:])  # no external script: plotly.js is inline
        self.assertTrue(html.startswith("<!DOCTYPE html>"))


if __name__ == "__main__":
    unittest.main()
