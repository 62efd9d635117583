"""mm optimize: the command line and the run (validate everything, load data once, optimize each window)."""
import argparse
import os
import shutil
import sys
import tempfile
import time

from . import metrics
from .errors import InputError, RunError

# outputs, space and study import optuna: they are imported in run(), after main() has checked that optuna is
# installed, so that a missing package gives a clear message instead of a traceback.
outputs = space_mod = None

PROG = "mm optimize"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: the mm convention (exit 2, message names the flag)
        self.print_usage(sys.stderr)
        print(f"{PROG}: {message}", file=sys.stderr)
        sys.exit(2)


def parse_args(argv):
    p = _Parser(prog=PROG, description="Optimize strategy parameters with Optuna over the C++ backtester.")
    p.add_argument("--space", required=True, help="search space TOML (see docs/optimize.md)")
    p.add_argument("--data", required=True, nargs="+", help="recordings or .events files, loaded once")
    p.add_argument("--trials", type=int, default=50, help="trials this worker runs (per walk-forward window)")
    p.add_argument("--seed", type=int, default=0, help="sampler seed (deterministic with --jobs 1)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--objective", help="pnl | sharpe | sortino | calmar (| drawdown | fills); "
                                       "comma-separated for a multi-objective study; overrides the space file")
    p.add_argument("--jobs", type=int, default=1, help="parallel trials (threads)")
    p.add_argument("--storage", help="Optuna storage URL, e.g. postgresql://user:pw@host:5432/db "
                                     "(default: SQLite file study.db in --out)")
    p.add_argument("--sampler", help="tpe | random | grid | cmaes; overrides the space file")
    p.add_argument("--study", help="study name; overrides the space file")
    p.add_argument("--no-plots", action="store_true", help="skip plots.html")
    a = p.parse_args(argv)
    if a.trials < 1:
        p.error(f"--trials: must be >= 1, got {a.trials}")
    if not 0 <= a.seed < 2**31:  # numpy's generators take 32-bit seeds; a shared storage adds the pid to it
        p.error(f"--seed: must be in 0..{2**31 - 1}, got {a.seed}")
    if a.jobs < 1:
        p.error(f"--jobs: must be >= 1, got {a.jobs}")
    return a


# Each window is a whole study (trials, baseline and test runs): beyond this a walk-forward is a mistake in the
# space file (a step of milliseconds), not an experiment.
MAX_WINDOWS = 1000


def windows(space, first_ns, last_ns):
    """[(train_from, train_to, test_from or None, test_to or None)], half-open ns intervals."""
    end = last_ns + 1
    wf = space.walk_forward
    if wf is None:
        return [(first_ns, end, None, None)]
    room = end - first_ns - wf.train_ns - wf.test_ns
    count = room // wf.step_ns + 1 if room >= 0 else 0
    if count > MAX_WINDOWS:
        raise InputError(f"walk_forward.step: {wf.step_ns / 1e9:.6g} s over {(end - first_ns) / 1e9:.6g} s of data "
                         f"makes {count} windows (at most {MAX_WINDOWS}); use a larger step")
    out = []
    start = first_ns
    while start + wf.train_ns + wf.test_ns <= end:
        mid = start + wf.train_ns
        out.append((start, mid, mid, mid + wf.test_ns))
        start += wf.step_ns
    if not out:
        raise InputError(f"walk_forward: the data spans {(end - first_ns) / 1e9:.3f} s; train + test = "
                         f"{(wf.train_ns + wf.test_ns) / 1e9:.3f} s does not fit")
    return out


def check_out_dir(out):
    """--out must be a directory we can create files in (or a new path whose nearest existing ancestor is one):
    checked by creating and removing a probe, which also holds for root, before any work or any output."""
    if os.path.lexists(out) and not os.path.isdir(out):
        raise InputError(f"--out: {out} exists and is not a directory")
    probe_dir = os.path.abspath(out)
    while not os.path.exists(probe_dir):
        probe_dir = os.path.dirname(probe_dir)
    if not os.path.isdir(probe_dir):
        raise InputError(f"--out: {out}: {probe_dir} is not a directory")
    try:
        tempfile.TemporaryDirectory(dir=probe_dir, prefix=".mm_optimize_probe.").cleanup()
    except OSError as e:
        raise InputError(f"--out: {out}: cannot create files in {probe_dir}: {e.strerror or e}") from None


def run(a):
    global outputs, space_mod
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    from . import outputs as outputs_
    from . import space as space_
    outputs, space_mod = outputs_, space_
    from . import study as study_mod
    from .backend import Backend, ConfigRejected

    space = space_mod.load(a.space, a.objective, a.sampler, a.study)
    for d in a.data:
        if not os.path.isfile(d):
            raise InputError(f"--data: no such file: {d}")
    check_out_dir(a.out)
    if a.storage is not None and not a.storage.startswith(("postgresql", "sqlite:///")):
        raise InputError(f"--storage: unsupported URL {study_mod.redact(a.storage)!r} "
                         f"(postgresql://user:pw@host:port/db or sqlite:///path; the default is SQLite in --out)")

    backend = Backend()
    category = space.base.get("market", {}).get("category", "linear")
    data = backend.load(a.data, category)
    first_ns, last_ns, events = backend.span(data)
    wins = windows(space, first_ns, last_ns)

    def base_stats(w0, w1, what):
        if space.walk_forward is None:
            w0 = w1 = None
        try:
            return backend.run(space.base, data, w0, w1)
        except ConfigRejected as e:
            raise InputError(f"base config {space.base_path} rejected by the backtester: {e}") from None

    # The base config runs first: a config the backtester refuses is a bad input, found before anything is
    # written.
    baseline0 = base_stats(wins[0][0], wins[0][1], "train")

    created_out = not os.path.exists(a.out)
    os.makedirs(a.out, exist_ok=True)
    url = a.storage or study_mod.default_storage_url(a.out)
    try:
        storage = study_mod.make_storage(url)
    except BaseException:
        if created_out:  # nothing was run: leave no half-created --out behind
            shutil.rmtree(a.out, ignore_errors=True)
        raise
    # Workers sharing a study through a server each mix their process id into the seed; otherwise two workers
    # started together would propose the same first points. One worker on its own storage stays reproducible.
    seed = a.seed if a.storage is None else (a.seed + os.getpid()) % 2**32
    parallel = a.jobs > 1 or a.storage is not None

    results = []
    sections = []
    t_all = time.perf_counter()
    total_trials = 0
    for i, w in enumerate(wins):
        name = space.study if space.walk_forward is None else f"{space.study}.wf{i}"
        label = "" if space.walk_forward is None else f"[window {i}] "
        sampler = study_mod.make_sampler(space, seed, parallel)
        st = study_mod.open_study(storage, name, space, sampler)
        # Without walk-forward the backtest runs over all the data (no bounds), exactly as `mm backtest` without
        # --from/--to does, so best.toml reproduces the best trial's figures there.
        bounds = (None, None) if space.walk_forward is None else (w[0], w[1])
        wall = study_mod.optimize(st, space, backend, data, bounds, a.trials, a.jobs, label)
        total_trials += a.trials
        trials = st.get_trials(deepcopy=False)
        best, front = study_mod.select_best(st, space)
        base_train = baseline0 if i == 0 else base_stats(w[0], w[1], "train")
        r = {"index": i, "study": name, "train": {"from": outputs.iso(w[0]), "to": outputs.iso(w[1]),
                                                  "from_ns": w[0], "to_ns": w[1]},
             "trials": {"run_by_this_worker": a.trials, "in_study": len(trials),
                        "complete": sum(t.state.name == "COMPLETE" for t in trials),
                        "failed": sum(t.state.name == "FAIL" for t in trials),
                        "infeasible": sum(t.state.name == "COMPLETE" and not study_mod.is_feasible(t)
                                          for t in trials)},
             "wall_s": round(wall, 3), "trials_per_minute": round(a.trials / wall * 60.0, 2) if wall > 0 else None,
             "baseline": {"train": _eval_record(space, base_train)}}
        if best is not None:
            r["best"] = outputs.trial_record(best, space)
            r["best"]["train"] = _eval_record(space, r["best"].pop("stats"))
        else:
            r["best"] = None
        if space.multi:
            r["pareto_front"] = [outputs.trial_record(t, space) for t in front]
        if w[2] is not None:
            r["test"] = {"from": outputs.iso(w[2]), "to": outputs.iso(w[3]), "from_ns": w[2], "to_ns": w[3]}
            r["baseline"]["test"] = _eval_record(space, base_stats(w[2], w[3], "test"))
            if best is not None:
                cfg = space_mod.apply(space.base, best.params)
                try:
                    r["best"]["test"] = _eval_record(space, backend.run(cfg, data, w[2], w[3]))
                except ConfigRejected as e:
                    r["best"]["test"] = {"error": str(e)}
        results.append((r, st, best, trials, front, w))
        sections.append((name if space.walk_forward is None else
                         f"Window {i}: {name}, train {outputs.iso(w[0])} .. {outputs.iso(w[1])}", st, space))
    wall_all = time.perf_counter() - t_all

    # Outputs. Per window under windows/<i>/ when walking forward; the top-level best.toml is the last window's
    # best (the parameters fitted on the most recent data).
    for r, st, best, trials, front, w in results:
        d = a.out if space.walk_forward is None else os.path.join(a.out, "windows", str(r["index"]))
        os.makedirs(d, exist_ok=True)
        outputs.write_trials_csv(os.path.join(d, "trials.csv"), trials, space)
        if best is not None:
            outputs.write_config(os.path.join(d, "best.toml"), space, best.params,
                                 outputs.config_header(space, best, best.values, w))
        if space.multi:
            pd = os.path.join(d, "pareto")
            os.makedirs(pd, exist_ok=True)
            for t in front:
                outputs.write_config(os.path.join(pd, f"trial_{t.number}.toml"), space, t.params,
                                     outputs.config_header(space, t, t.values, w))
    last = results[-1]
    if space.walk_forward is not None and last[2] is not None:
        outputs.write_config(os.path.join(a.out, "best.toml"), space, last[2].params,
                             outputs.config_header(space, last[2], last[2].values, last[5]))
    if not a.no_plots:
        outputs.write_plots(os.path.join(a.out, "plots.html"), sections)

    summary = {
        "study": space.study, "space": os.path.abspath(space.path), "base": space.base_path,
        "storage": study_mod.redact(url), "sampler": space.sampler, "seed": a.seed, "sampler_seed": seed,
        "objectives": space.objectives, "directions": metrics.directions(space.objectives),
        "stats_keys": [metrics.OBJECTIVES[n][0] for n in space.objectives],
        "constraints": space.constraints, "constraints_defaulted": space.defaulted_constraints, "jobs": a.jobs, "trials_per_window": a.trials,
        "params": {p.key: {"distribution": type(p.distribution).__name__, "base": p.base_value}
                   for p in space.params},
        "data": {"paths": [os.path.abspath(p) for p in a.data], "category": category, "first_ns": first_ns,
                 "last_ns": last_ns, "first": outputs.iso(first_ns), "last": outputs.iso(last_ns),
                 "events": events},
        "walk_forward": None if space.walk_forward is None else {
            "train_s": space.walk_forward.train_ns / 1e9, "test_s": space.walk_forward.test_ns / 1e9,
            "step_s": space.walk_forward.step_ns / 1e9},
        "windows": [r[0] for r in results],
        "best": results[-1][0]["best"],
        "baseline": results[-1][0]["baseline"],
        "timing": {"wall_s": round(wall_all, 3),
                   "trials_per_minute": round(total_trials / wall_all * 60.0, 2) if wall_all > 0 else None},
    }
    outputs.write_json(os.path.join(a.out, "summary.json"), summary)
    print(_table(space, results))
    _warn_few_fills(space, results)
    print(f"wrote {a.out}/summary.json" + ("" if last[2] is None else f", {a.out}/best.toml") +
          ("" if a.no_plots else f", {a.out}/plots.html"))

    if all(r[2] is None for r in results):
        errors = [t.user_attrs["error"] for r in results for t in r[3] if "error" in t.user_attrs]
        if errors:
            raise RunError(f"every trial failed; first error: {errors[0]}")
        raise RunError("no trial satisfied the constraints " + str(space.constraints) + "; no best.toml written")
    return 0


def _warn_few_fills(space, results):
    """A best trial resting on fewer than metrics.FEW_FILLS fills gets a warning: its objective is not evidence."""
    for r, _st, best, _trials, _front, _w in results:
        if best is None:
            continue
        fills = r["best"]["train"]["stats"].get("fills")
        if fills is not None and fills < metrics.FEW_FILLS:
            where = "" if space.walk_forward is None else f" of window {r['index']}"
            print(f"{PROG}: warning: the best trial{where} (#{best.number}) made only {int(fills)} fills (fewer than "
                  f"{metrics.FEW_FILLS}): its {', '.join(space.objectives)} rests on too few events to trust; raise "
                  f"constraints.min_fills or use more data", file=sys.stderr)


def _eval_record(space, stats):
    rec = {n: stats[metrics.OBJECTIVES[n][0]] for n in space.objectives}
    rec["stats"] = {k: outputs._json_num(v) for k, v in space_mod_stats(stats).items()}
    for n in rec:
        if n != "stats":
            rec[n] = outputs._json_num(float(rec[n]))
    return rec


def space_mod_stats(stats):
    return {k: stats[k] for k in metrics.REPORTED_STATS if k in stats}


def _table(space, results):
    o = space.objectives[0]
    wf = space.walk_forward is not None
    headers = ["window", "train from", "trials", "best trial", f"{o} train best", f"{o} train base"]
    if wf:
        headers += ["test from", f"{o} test best", f"{o} test base"]
    rows = []
    for r, st, best, trials, front, w in results:
        b = r["best"]
        row = [r["index"], r["train"]["from"], r["trials"]["in_study"], None if b is None else b["number"],
               outputs.fmt(None if b is None else b["values"][0]), outputs.fmt(r["baseline"]["train"][o])]
        if wf:
            bt = None if b is None else b.get("test", {}).get(o)
            row += [r["test"]["from"], outputs.fmt(bt), outputs.fmt(r["baseline"]["test"][o])]
        rows.append(row)
    lines = [f"mm optimize: study {space.study}, sampler {space.sampler}, objective {', '.join(space.objectives)}"]
    lines.append(outputs.format_table(rows, headers))
    last_best = results[-1][2]
    if last_best is not None:
        lines.append("best parameters: " + ", ".join(f"{k} = {v!r}" for k, v in sorted(last_best.params.items())))
    return "\n".join(lines)


def main(argv=None):
    # Ctrl-C anywhere (importing optuna takes a second) ends with a message and 130, never a traceback.
    try:
        try:
            import optuna  # noqa: F401
            import tomli_w  # noqa: F401
        except ImportError as e:
            print(f"{PROG}: missing Python package ({e}); install Debian's python3-optuna and python3-tomli-w "
                  f"(tools/setup.sh) and run with /usr/bin/python3", file=sys.stderr)
            return 1
        a = parse_args(sys.argv[1:] if argv is None else argv)
        try:
            return run(a)
        except (InputError, RunError) as e:
            print(f"{PROG}: {e}", file=sys.stderr)
            return e.exit_code
        except OSError as e:  # writing an output failed (full disk, permissions changed mid-run)
            print(f"{PROG}: {e}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
