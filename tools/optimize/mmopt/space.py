"""The search-space file (TOML): which config keys to vary, over what ranges, for what objective.

Format (docs/optimize.md has the full reference; examples/fixed_space.toml is a worked example):

    base = "fixed.toml"            # the config the parameters override (relative to this file)
    study = "fixed"                # study name in the storage (default: this file's stem)
    objective = "pnl"              # or ["pnl", "drawdown"] for a multi-objective study (Pareto front)
    sampler = "tpe"                # tpe | random | grid | cmaes

    [constraints]                  # optional; a trial breaking one is infeasible (never "best")
    max_drawdown_pct = 5.0
    min_fills = 10                 # default 30 when an objective is sharpe, sortino or calmar; 0 turns it off

    [walk_forward]                 # optional; without it the whole data is one training window
    train = "2h"                   # durations: "500ms", "90s", "30m", "6h", "1d" or a number of seconds
    test = "30m"
    step = "30m"                   # default: test

    [params]                       # one entry per config key path
    "strategy.half_spread_bps" = { type = "float", low = 0.5, high = 10.0, log = true }
    "strategy.levels" = { type = "int", low = 1, high = 5 }
    "strategy.reference" = { type = "categorical", choices = ["mid", "microprice"] }

Every error names the offending key (`params."strategy.levels".low`, `walk_forward.train`, ...).
"""
import math
import os
import re
import tomllib
from dataclasses import dataclass, field

import optuna

from . import metrics
from .errors import InputError

SAMPLERS = ("tpe", "random", "grid", "cmaes")
_TOP_KEYS = {"base", "study", "objective", "sampler", "constraints", "walk_forward", "params"}
_PARAM_KEYS = {"float": {"type", "low", "high", "log", "step"}, "int": {"type", "low", "high", "log", "step"},
               "categorical": {"type", "choices"}}


@dataclass
class Param:
    key: str                   # dotted config path, e.g. "strategy.half_spread_bps"
    distribution: object       # optuna.distributions.*
    base_value: object         # the value the base config has (the default the optimizer competes with)


@dataclass
class WalkForward:
    train_ns: int
    test_ns: int
    step_ns: int


@dataclass
class Space:
    path: str
    base_path: str
    base: dict
    study: str
    objectives: list
    sampler: str
    constraints: dict = field(default_factory=dict)
    defaulted_constraints: list = field(default_factory=list)  # keys of `constraints` the file did not set
    walk_forward: WalkForward = None
    params: list = field(default_factory=list)

    @property
    def multi(self):
        return len(self.objectives) > 1


def _is_num(v):
    """A finite int or float (TOML allows nan and inf, which no search range or limit can mean)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


_DUR = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_NS = {"ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9, "d": 86400 * 10**9}


def parse_duration_ns(value, where):
    if _is_num(value):
        ns = int(round(float(value) * 1e9))
    elif isinstance(value, str) and _DUR.match(value):
        num, unit = _DUR.match(value).groups()
        ns = int(round(float(num) * _UNIT_NS[unit or "s"]))
    else:
        raise InputError(f"{where}: expected a duration like \"90s\", \"30m\", \"6h\", \"1d\" or seconds, "
                         f"got {value!r}")
    if ns <= 0:
        raise InputError(f"{where}: duration must be positive, got {value!r}")
    return ns


def lookup(config, dotted):
    """The value at a dotted key path in a nested dict, or KeyError."""
    node = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(dotted)
        node = node[part]
    return node


def apply(base, values):
    """A deep copy of `base` with each dotted key of `values` set, converted to the base value's TOML type
    (a decimal string stays a string, an integer stays an integer)."""
    import copy
    out = copy.deepcopy(base)
    for dotted, v in values.items():
        parts = dotted.split(".")
        node = out
        for p in parts[:-1]:
            node = node[p]
        old = node[parts[-1]]
        if isinstance(old, str) and not isinstance(v, str):
            v = repr(float(v)) if isinstance(v, float) else str(v)
        elif isinstance(old, float) and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        node[parts[-1]] = v
    return out


def _check_keys(table, allowed, where):
    for k in table:
        if k not in allowed:
            raise InputError(f"{where}.{k}: unknown key (allowed: {', '.join(sorted(allowed))})")


def _param(key, spec, base):
    where = f'params."{key}"'
    if not isinstance(spec, dict):
        raise InputError(f"{where}: expected a table like {{ type = \"float\", low = 1.0, high = 2.0 }}")
    try:
        base_value = lookup(base, key)
    except KeyError:
        raise InputError(f"{where}: unknown parameter key: the base config has no key {key!r} "
                         f"(a parameter overrides a key the base config sets)") from None
    if isinstance(base_value, (dict, list)):
        raise InputError(f"{where}: the base config's {key!r} is a table or an array; only scalars can be varied")
    kind = spec.get("type")
    if kind not in _PARAM_KEYS:
        raise InputError(f"{where}.type: expected \"float\", \"int\" or \"categorical\", got {kind!r}")
    _check_keys(spec, _PARAM_KEYS[kind], where)
    if kind == "categorical":
        choices = spec.get("choices")
        if not isinstance(choices, list) or not choices:
            raise InputError(f"{where}.choices: expected a non-empty array")
        for c in choices:
            if not isinstance(c, (bool, int, float, str)):
                raise InputError(f"{where}.choices: {c!r} is not a string, number or boolean")
            if type(c) is not type(base_value) and not (_is_num(c) and _is_num(base_value) and
                                                          not isinstance(base_value, int)):
                raise InputError(f"{where}.choices: {c!r} has not the base value's type "
                                 f"({type(base_value).__name__}, base {base_value!r})")
        if len(set(map(repr, choices))) != len(choices):
            raise InputError(f"{where}.choices: a choice is listed twice")
        return Param(key, optuna.distributions.CategoricalDistribution(choices), base_value)
    for b in ("low", "high"):
        if b not in spec:
            raise InputError(f"{where}.{b}: missing")
        if not _is_num(spec[b]):
            raise InputError(f"{where}.{b}: expected a finite number, got {spec[b]!r}")
    low, high = spec["low"], spec["high"]
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise InputError(f"{where}.log: expected true or false")
    step = spec.get("step")
    if step is not None and (not _is_num(step) or step <= 0):
        raise InputError(f"{where}.step: expected a positive number, got {step!r}")
    if low > high:
        raise InputError(f"{where}: bad range: low {low} > high {high}")
    if log and low <= 0:
        raise InputError(f"{where}.low: a log-scale range needs low > 0, got {low}")
    if log and step is not None:
        raise InputError(f"{where}: log and step cannot be combined")
    if isinstance(base_value, bool) or not (_is_num(base_value) or isinstance(base_value, str)):
        raise InputError(f"{where}: the base value {base_value!r} is not a number; use type = \"categorical\"")
    if kind == "int":
        for b, v in (("low", low), ("high", high), ("step", step)):
            if v is not None and (not isinstance(v, int) and not float(v).is_integer()):
                raise InputError(f"{where}.{b}: an int parameter needs an integer, got {v!r}")
        return Param(key, optuna.distributions.IntDistribution(int(low), int(high), log=log,
                                                               step=int(step) if step else 1), base_value)
    if isinstance(base_value, int):
        raise InputError(f"{where}.type: the base config's {key!r} is an integer ({base_value}); use type = \"int\"")
    if step is not None:
        n = (high - low) / step
        if abs(n - round(n)) > 1e-9:
            raise InputError(f"{where}.step: (high - low) = {high - low} is not a multiple of step {step}")
    return Param(key, optuna.distributions.FloatDistribution(float(low), float(high), log=log,
                                                             step=float(step) if step else None), base_value)


def load(path, objective_override=None, sampler_override=None, study_override=None):
    """Parse and validate a space file. Raises InputError naming the key on any problem."""
    if not os.path.isfile(path):
        raise InputError(f"--space: no such file: {path}")
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{path}: invalid TOML: {e}") from None
    _check_keys(doc, _TOP_KEYS, "space")
    if "base" not in doc or not isinstance(doc["base"], str):
        raise InputError("base: missing (the config file the parameters override, relative to the space file)")
    base_path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), doc["base"]))
    if not os.path.isfile(base_path):
        raise InputError(f"base: no such file: {base_path}")
    try:
        with open(base_path, "rb") as f:
            base = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"base: {base_path}: invalid TOML: {e}") from None

    study = study_override or doc.get("study") or os.path.splitext(os.path.basename(path))[0]
    if not isinstance(study, str) or not study:
        raise InputError("study: expected a non-empty string")
    if objective_override is not None:
        objectives = metrics.parse_objectives(objective_override, "--objective")
    else:
        objectives = metrics.parse_objectives(doc.get("objective", "pnl"), "objective")
    sampler = sampler_override if sampler_override is not None else doc.get("sampler", "tpe")
    where = "--sampler" if sampler_override is not None else "sampler"
    if sampler not in SAMPLERS:
        raise InputError(f"{where}: unknown sampler {sampler!r} (known: {', '.join(SAMPLERS)})")
    if sampler == "cmaes" and len(objectives) > 1:
        raise InputError(f"{where}: cmaes is single-objective; a multi-objective study needs tpe, random or grid")

    constraints = doc.get("constraints", {})
    if not isinstance(constraints, dict):
        raise InputError("constraints: expected a table")
    _check_keys(constraints, set(metrics.CONSTRAINTS), "constraints")
    for k, v in constraints.items():
        if not _is_num(v) or (k == "min_fills" and v < 0) or (k == "max_drawdown_pct" and v < 0):
            raise InputError(f"constraints.{k}: expected a non-negative number, got {v!r}")
    constraints = dict(constraints)
    defaulted = []
    if "min_fills" not in constraints and any(o in metrics.RATIO_OBJECTIVES for o in objectives):
        constraints["min_fills"] = metrics.DEFAULT_RATIO_MIN_FILLS
        defaulted.append("min_fills")

    wf = None
    if "walk_forward" in doc:
        t = doc["walk_forward"]
        if not isinstance(t, dict):
            raise InputError("walk_forward: expected a table")
        _check_keys(t, {"train", "test", "step"}, "walk_forward")
        for k in ("train", "test"):
            if k not in t:
                raise InputError(f"walk_forward.{k}: missing")
        train = parse_duration_ns(t["train"], "walk_forward.train")
        test = parse_duration_ns(t["test"], "walk_forward.test")
        step = parse_duration_ns(t["step"], "walk_forward.step") if "step" in t else test
        wf = WalkForward(train, test, step)

    ptable = doc.get("params")
    if not isinstance(ptable, dict) or not ptable:
        raise InputError("params: missing or empty (at least one parameter to vary)")
    params = [_param(k, v, base) for k, v in ptable.items()]
    if sampler == "grid":
        for p in params:
            d = p.distribution
            if isinstance(d, optuna.distributions.FloatDistribution) and d.step is None:
                raise InputError(f'params."{p.key}".step: the grid sampler needs a step for float parameters')
    return Space(path=path, base_path=base_path, base=base, study=study, objectives=objectives, sampler=sampler,
                 constraints=constraints, defaulted_constraints=defaulted, walk_forward=wf, params=params)


def grid_values(dist):
    """Every value of a discrete distribution (the grid sampler's axis)."""
    if isinstance(dist, optuna.distributions.CategoricalDistribution):
        return list(dist.choices)
    if isinstance(dist, optuna.distributions.IntDistribution):
        return list(range(dist.low, dist.high + 1, dist.step))
    n = int(round((dist.high - dist.low) / dist.step))
    return [round(dist.low + i * dist.step, 12) for i in range(n + 1)]


def grid_size(space):
    return math.prod(len(grid_values(p.distribution)) for p in space.params)
