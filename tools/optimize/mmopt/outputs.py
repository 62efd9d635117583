"""What mm optimize writes into --out: best.toml, trials.csv, summary.json, plots.html, and the stdout table."""
import csv
import datetime
import html
import json
import math
import os
import stat
import tempfile

import tomli_w

from . import metrics
from . import space as space_mod
from .study import is_feasible


def iso(ns):
    if ns is None:
        return None
    return datetime.datetime.fromtimestamp(ns / 1e9, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def _check_target(path):
    """Only regular files (or new names) are replaced: never a directory, device, FIFO or symbolic link."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode):
        raise OSError(f"{path}: not a regular file (a directory, device, FIFO or symbolic link); refusing to "
                      f"replace it")


class _AtomicFile:
    """A fresh temporary next to `path` (unpredictable name, O_EXCL: never an existing file or a planted link),
    synced and renamed over `path` on success; removed on failure, so `path` is complete or as it was."""

    def __init__(self, path, newline=None):
        self.path, self.newline = path, newline

    def __enter__(self):
        _check_target(self.path)
        d = os.path.dirname(os.path.abspath(self.path))
        fd, self.tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(self.path) + ".", suffix=".tmp")
        os.fchmod(fd, 0o644)
        self.f = os.fdopen(fd, "w", encoding="utf-8", newline=self.newline)
        return self.f

    def __exit__(self, kind, value, tb):
        try:
            if kind is None:
                self.f.flush()
                os.fsync(self.f.fileno())
            self.f.close()
            if kind is None:
                os.replace(self.tmp, self.path)
                return False
        except BaseException:
            _remove(self.tmp)
            raise
        _remove(self.tmp)
        return False


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _atomic_write(path, text):
    with _AtomicFile(path) as f:
        f.write(text)


def write_config(path, space, params, header_lines):
    """The base config with `params` merged in, as TOML that mm backtest reads (a ready config file)."""
    cfg = space_mod.apply(space.base, params)
    head = "".join(f"# {line}\n" for line in header_lines)
    _atomic_write(path, head + "\n" + tomli_w.dumps(cfg))


def config_header(space, trial, values, window):
    vals = ", ".join(f"{n} = {v:.10g}" for n, v in zip(space.objectives, values))
    lines = [f"Written by mm optimize: base {space.base_path} with trial {trial.number} of study "
             f"{trial_study_name(trial, space)} merged in.",
             f"Training window {iso(window[0])} .. {iso(window[1])}: {vals}.",
             "Parameters changed from the base config:"]
    for k, v in sorted(trial.params.items()):
        lines.append(f"  {k} = {v!r}")
    return lines


def trial_study_name(trial, space):
    return trial.user_attrs.get("study", space.study)


def _json_num(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def trial_record(t, space):
    rec = {"number": t.number, "state": t.state.name, "feasible": is_feasible(t),
           "values": [_json_num(v) for v in t.values] if t.values else None,
           "params": dict(t.params), "stats": {k: _json_num(v) for k, v in t.user_attrs.get("stats", {}).items()}}
    if "constraints" in t.user_attrs:
        rec["constraint_violations"] = [_json_num(c) for c in t.user_attrs["constraints"]]
    if "undefined" in t.user_attrs:
        rec["undefined"] = t.user_attrs["undefined"]
    if "error" in t.user_attrs:
        rec["error"] = t.user_attrs["error"]
    return rec


def write_trials_csv(path, trials, space):
    keys = [p.key for p in space.params]
    cols = (["number", "state", "feasible"] + space.objectives + [f"params.{k}" for k in keys] +
            [f"stats.{s}" for s in metrics.REPORTED_STATS] + ["duration_s", "error"])
    with _AtomicFile(path, newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for t in sorted(trials, key=lambda t: t.number):
            vals = list(t.values) if t.values else [None] * len(space.objectives)
            st = t.user_attrs.get("stats", {})
            dur = t.duration.total_seconds() if t.duration is not None else None
            w.writerow([t.number, t.state.name, is_feasible(t)] + vals + [t.params.get(k) for k in keys] +
                       [st.get(s) for s in metrics.REPORTED_STATS] +
                       [None if dur is None else round(dur, 4), t.user_attrs.get("error", "")])


def write_json(path, doc):
    _atomic_write(path, json.dumps(doc, indent=2, allow_nan=False, default=str) + "\n")


def _figures(study, space):
    """(title, figure or error text) for Optuna's plots of one study."""
    import optuna.visualization as vis

    from .importance import evaluator
    out = []
    multi = space.multi
    tname = space.objectives[0]

    def target(t):
        return t.values[0]

    def add(title, fn):
        try:
            out.append((title, fn()))
        except Exception as e:  # a plot that cannot be drawn (too few trials, one value) is a note, not a failure
            out.append((title, f"not drawn: {e}"))

    kw = {"target": target, "target_name": tname} if multi else {"target_name": tname}
    add("Optimization history", lambda: vis.plot_optimization_history(study, **kw))
    add("Parameter importances", lambda: vis.plot_param_importances(study, evaluator=evaluator(), **kw))
    add("Parallel coordinate", lambda: vis.plot_parallel_coordinate(study, **kw))
    add("Slice", lambda: vis.plot_slice(study, **kw))
    if multi and len(space.objectives) in (2, 3):
        from .study import constraints_func
        add("Pareto front", lambda: vis.plot_pareto_front(
            study, target_names=space.objectives,
            constraints_func=constraints_func if space.constraints else None))
    return out


def write_plots(path, sections):
    """One self-contained HTML file: plotly.js inlined once (no CDN, works offline), then every figure.
    `sections` is a list of (heading, study, space)."""
    import plotly.io as pio
    from plotly.offline import get_plotlyjs
    parts = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>mm optimize</title>",
             "<script type=\"text/javascript\">", get_plotlyjs(), "</script>",
             "<style>body{font-family:sans-serif;margin:1em 2em}h2{margin-top:2em}.note{color:#a00}</style>",
             "</head><body><h1>mm optimize</h1>"]
    for heading, study, space in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for title, fig in _figures(study, space):
            parts.append(f"<h3>{html.escape(title)}</h3>")
            if isinstance(fig, str):
                parts.append(f"<p class=\"note\">{html.escape(fig)}</p>")
            else:
                parts.append(pio.to_html(fig, full_html=False, include_plotlyjs=False))
    parts.append("</body></html>")
    _atomic_write(path, "\n".join(parts))


def format_table(rows, headers):
    cells = [[str(h) for h in headers]] + [[("-" if c is None else str(c)) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for j, r in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if j and i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fmt(v):
    if v is None:
        return None
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)
