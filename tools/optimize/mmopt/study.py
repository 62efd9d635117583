"""Storage, samplers and one optimization run (one training window) of mm optimize."""
import logging
import math
import os
import signal
import socket
import sys
import threading
import time
import warnings

import optuna

from . import metrics
from . import space as space_mod
from .backend import ConfigRejected
from .errors import InputError, RunError


def default_storage_url(out_dir):
    return "sqlite:///" + os.path.join(os.path.abspath(out_dir), "study.db")


def redact(url):
    """The storage URL without its password (it goes into summary.json)."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    cred, host = rest.rsplit("@", 1)
    user = cred.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in cred else url


def connect_timeout():
    v = os.environ.get("MM_OPTIMIZE_CONNECT_TIMEOUT", "10")
    try:
        t = int(v)
    except ValueError:
        raise InputError(f"MM_OPTIMIZE_CONNECT_TIMEOUT: expected whole seconds, got {v!r}") from None
    if t < 1:
        raise InputError(f"MM_OPTIMIZE_CONNECT_TIMEOUT: must be >= 1, got {t}")
    return t


def make_storage(url):
    """An Optuna RDB storage. Several workers may create the schema at the same moment on a fresh PostgreSQL
    database; the loser of that race sees an integrity/programming error, so creation is retried."""
    import sqlalchemy.exc
    if url.startswith("sqlite"):
        # Threads of one process share the file; wait for the writer instead of failing with "locked".
        kwargs = {"connect_args": {"timeout": 120}}
    elif url.startswith("postgresql"):
        # libpq's connect_timeout bounds the whole connection set-up: a server that accepts and never answers
        # is given up on instead of hanging the run (MM_OPTIMIZE_CONNECT_TIMEOUT seconds, default 10).
        kwargs = {"pool_pre_ping": True, "connect_args": {"connect_timeout": connect_timeout()}}
    else:
        raise InputError(f"--storage: unsupported URL {redact(url)!r} (use postgresql://user:pass@host:port/db; "
                         f"the default is SQLite in --out)")
    last = None
    for attempt in range(20):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError, sqlalchemy.exc.InternalError) as e:
            last = e
            time.sleep(0.2 + 0.1 * attempt)
        except sqlalchemy.exc.ArgumentError as e:
            raise InputError(f"--storage: {e}") from None
        except sqlalchemy.exc.OperationalError as e:
            raise RunError(f"--storage: cannot connect to {redact(url)}: {str(e).splitlines()[0]}") from None
        except ImportError as e:
            raise RunError(f"--storage: missing database driver: {e}") from None
    raise RunError(f"--storage: could not create the schema in {redact(url)}: {last}")


class _NoInterruptTraceback(logging.Filter):
    """Optuna logs a trial that Ctrl-C interrupted as a failed trial with its traceback; mm optimize reports
    the interruption itself (one line, exit 130), so the traceback is dropped from that one record."""

    def filter(self, record):
        if record.exc_info and record.exc_info[0] is KeyboardInterrupt:
            record.exc_info = None
            record.exc_text = None
        return True


# A logger's filters do not see records that propagate from child loggers; its handlers' filters do.
for _h in optuna.logging.get_logger("optuna").handlers:
    _h.addFilter(_NoInterruptTraceback())


def make_sampler(space, seed, parallel):
    """The sampler the space names, seeded. `parallel` (threads or other workers) turns on TPE's constant liar
    so that concurrent trials do not all probe the same point."""
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    # Always: an undefined objective makes a trial infeasible even when the space sets no constraint.
    cf = constraints_func
    if space.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed, constant_liar=parallel, constraints_func=cf)
    if space.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if space.sampler == "grid":
        grid = {p.key: space_mod.grid_values(p.distribution) for p in space.params}
        return optuna.samplers.GridSampler(grid, seed=seed)
    if space.sampler == "cmaes":
        # Categorical parameters are outside CMA-ES; they are sampled at random (seeded) without a warning per
        # trial.
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False,
                                            independent_sampler=optuna.samplers.RandomSampler(seed=seed))
    raise InputError(f"sampler: unknown sampler {space.sampler!r}")


def constraints_func(trial):
    return trial.user_attrs.get("constraints", [])


def suggest(trial, p):
    d = p.distribution
    if isinstance(d, optuna.distributions.FloatDistribution):
        return trial.suggest_float(p.key, d.low, d.high, step=d.step, log=d.log)
    if isinstance(d, optuna.distributions.IntDistribution):
        return trial.suggest_int(p.key, d.low, d.high, step=d.step, log=d.log)
    return trial.suggest_categorical(p.key, d.choices)


def stats_subset(stats):
    return {k: stats[k] for k in metrics.REPORTED_STATS if k in stats}


def open_study(storage, name, space, sampler):
    try:
        study = optuna.create_study(storage=storage, sampler=sampler, study_name=name,
                                    directions=metrics.directions(space.objectives), load_if_exists=True)
    except ValueError as e:
        raise InputError(f"study {name!r}: {e}") from None
    want = [optuna.study.StudyDirection.MAXIMIZE if d == "maximize" else optuna.study.StudyDirection.MINIMIZE
            for d in metrics.directions(space.objectives)]
    if list(study.directions) != want:
        raise InputError(f"study {name!r} already exists in the storage with other directions "
                         f"({[d.name.lower() for d in study.directions]}); the objective {space.objectives} "
                         f"needs {metrics.directions(space.objectives)}: use another --out or study name")
    return study


def optimize(study, space, backend, data, window, n_trials, jobs, label):
    """Run `n_trials` trials of `study` on [window[0], window[1]) with `jobs` threads. Returns wall seconds."""
    lock = threading.Lock()
    names = space.objectives
    worker = f"{socket.gethostname()}:{os.getpid()}"

    def objective(trial):
        # Which worker ran the trial: a study shared through a server shows every worker's share.
        trial.set_user_attr("worker", worker)
        values = {p.key: suggest(trial, p) for p in space.params}
        config = space_mod.apply(space.base, values)
        try:
            stats = backend.run(config, data, window[0], window[1])
        except ConfigRejected as e:
            trial.set_user_attr("error", str(e))
            raise
        trial.set_user_attr("stats", stats_subset(stats))
        # The space's constraints, then one more: "every objective is defined" (violated: +inf).
        cons = metrics.constraint_violations(space.constraints, stats) if space.constraints else []
        undefined = metrics.undefined_objectives(names, stats)
        cons.append(math.inf if undefined else 0.0)
        trial.set_user_attr("constraints", cons)
        if undefined:
            trial.set_user_attr("undefined", undefined)
        vals = metrics.objective_values(names, stats)
        return vals[0] if len(vals) == 1 else tuple(vals)

    tty = sys.stderr.isatty()  # the progress suffix is for a person at a terminal, not for a log or a pipe
    finished = [0]

    def progress(study_, trial):
        with lock:
            finished[0] += 1
            label_end = progress_suffix(finished[0], n_trials, time.perf_counter() - t0) if tty else ""
            if trial.state == optuna.trial.TrialState.COMPLETE:
                vals = ", ".join(f"{n}={v:.6g}" for n, v in zip(names, trial.values))
                undef = trial.user_attrs.get("undefined")
                feas = "" if is_feasible(trial) else (f" (infeasible: {', '.join(undef)} undefined)" if undef
                                                      else " (infeasible)")
                print(f"{label}trial {trial.number}: {vals}{feas}{label_end}", file=sys.stderr, flush=True)
            else:
                msg = trial.user_attrs.get("error", trial.state.name.lower())
                print(f"{label}trial {trial.number}: failed: {msg}{label_end}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    with _StopOnCtrlC(study) as ctrl_c:
        study.optimize(objective, n_trials=n_trials, n_jobs=jobs, catch=(ConfigRejected,),
                       callbacks=[progress, ctrl_c.callback], gc_after_trial=False, show_progress_bar=False)
    if ctrl_c.interrupted:
        raise KeyboardInterrupt  # the caller's one line and exit 130; every finished trial is in the storage
    return time.perf_counter() - t0


class _StopOnCtrlC:
    """Ctrl-C during study.optimize() stops the study after the trials in flight instead of raising inside them.

    Why: a KeyboardInterrupt raised while Optuna writes a trial to its storage (SQLAlchemy) escapes Optuna's own
    bookkeeping as `UnboundLocalError: frozen_trial` (Optuna 3.1, Debian 12) with a traceback, and may leave the
    trial half-written. A flag set by the handler and read by a callback after each trial is safe. A second
    Ctrl-C ends the process at once (130) for a user who will not wait for a long backtest."""

    def __init__(self, study):
        self.study = study
        self.interrupted = False
        self.previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self.on_sigint)
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False

    def on_sigint(self, signum, frame):
        if self.interrupted:
            print("mm optimize: interrupted", file=sys.stderr, flush=True)
            os._exit(130)
        self.interrupted = True
        print("mm optimize: interrupt: stopping after the trials in flight (Ctrl-C again to stop now)",
              file=sys.stderr, flush=True)

    def callback(self, study, trial):
        if self.interrupted:
            study.stop()


def progress_suffix(done, total, elapsed_s):
    """'  [####......] 4/10 trials  12.0/min  ETA 30s': the progress after `done` of `total` trials."""
    width = 20
    done = min(done, total)
    filled = width * done // total if total > 0 else width
    text = f"  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} trials"
    if done > 0 and elapsed_s > 0:
        rate = done / elapsed_s
        left = round((total - done) / rate)
        eta = f"{left // 60}m{left % 60:02d}s" if left >= 60 else f"{left}s"
        text += f"  {rate * 60:.1f}/min  ETA {eta}"
    return text


def is_feasible(trial):
    return all(c <= 0 for c in trial.user_attrs.get("constraints", []))


def complete_trials(study):
    return [t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
            if all(math.isfinite(v) for v in t.values)]


def _dominates(a, b, dirs):
    better = False
    for x, y, d in zip(a, b, dirs):
        if metrics.is_better(y, x, d):
            return False
        if metrics.is_better(x, y, d):
            better = True
    return better


def pareto_front(trials, dirs):
    front = [t for t in trials if not any(_dominates(o.values, t.values, dirs) for o in trials if o is not t)]
    return sorted(front, key=lambda t: t.number)


def select_best(study, space):
    """(best trial or None, Pareto front list). Only feasible, finite, complete trials count. For a
    multi-objective study the best is the Pareto trial that is best on the first objective (ties: lower
    number), so that best.toml always exists."""
    feasible = [t for t in complete_trials(study) if is_feasible(t)]
    if not feasible:
        return None, []
    dirs = metrics.directions(space.objectives)
    front = pareto_front(feasible, dirs) if space.multi else []
    pool = front if space.multi else feasible
    best = pool[0]
    for t in pool[1:]:
        if metrics.is_better(t.values[0], best.values[0], dirs[0]):
            best = t
    return best, front
