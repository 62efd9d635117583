"""Objective names and constraints over the backtest's `stats` dict (keys fixed by mmpy / mm backtest --json)."""
import math

from .errors import InputError

# name -> (stats key, Optuna direction). The first four are the contract; drawdown and fills exist so that a
# multi-objective study can trade PnL against risk (e.g. objective = ["pnl", "drawdown"]).
OBJECTIVES = {
    "pnl": ("net_pnl", "maximize"),
    "sharpe": ("sharpe", "maximize"),
    "sortino": ("sortino", "maximize"),
    "calmar": ("calmar", "maximize"),
    "drawdown": ("max_drawdown_pct", "minimize"),
    "fills": ("fills", "maximize"),
}

# constraint key in the space file -> (stats key, kind). A trial is feasible when every violation is <= 0.
CONSTRAINTS = {
    "max_drawdown_pct": ("max_drawdown_pct", "max"),
    "min_fills": ("fills", "min"),
}

# A ratio objective (Sharpe, Sortino, Calmar) measured over a handful of fills is noise that a search happily
# maximizes (three lucky fills make a Sharpe of 20). When such an objective is studied and the space file sets no
# constraints.min_fills, this one applies (min_fills = 0 in the file turns it off).
RATIO_OBJECTIVES = ("sharpe", "sortino", "calmar")
DEFAULT_RATIO_MIN_FILLS = 30
# Below this many fills the best trial gets a warning on stderr whatever the objective: its figures rest on too
# few events to trust.
FEW_FILLS = 30

# Stats copied into each trial's record (trials.csv, summary.json), in this order.
REPORTED_STATS = ("net_pnl", "gross_pnl", "fees", "sharpe", "sortino", "calmar", "max_drawdown_pct", "fills",
                  "maker_share_pct", "inventory_mean_abs", "quote_uptime_pct")


def parse_objectives(value, where):
    """`value` is a name, a comma-separated list, or a list of names. Returns the list of names (validated)."""
    if isinstance(value, str):
        names = [v.strip() for v in value.split(",")]
    elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        names = [v.strip() for v in value]
    else:
        raise InputError(f"{where}: expected an objective name or a list of names, got {value!r}")
    for n in names:
        if n not in OBJECTIVES:
            raise InputError(f"{where}: unknown objective {n!r} (known: {', '.join(OBJECTIVES)})")
    if len(set(names)) != len(names):
        raise InputError(f"{where}: objective listed twice in {names!r}")
    return names


def directions(names):
    return [OBJECTIVES[n][1] for n in names]


def undefined_objectives(names, stats):
    """The objectives whose statistic is undefined on this run (null in the backtest's JSON, e.g. Sharpe with
    fewer than two bars): such a trial is infeasible, never ranked as if it had scored 0."""
    return [n for n in names if stats.get(OBJECTIVES[n][0]) is None]


def objective_values(names, stats):
    """Undefined objectives read as 0.0: the caller marks the trial infeasible (undefined_objectives)."""
    return [0.0 if stats.get(OBJECTIVES[n][0]) is None else float(stats[OBJECTIVES[n][0]]) for n in names]


def constraint_violations(constraints, stats):
    """One number per constraint, in the order of `constraints` (a dict key -> limit): <= 0 means satisfied."""
    out = []
    for key, limit in constraints.items():
        stat, kind = CONSTRAINTS[key]
        v = math.nan if stats.get(stat) is None else float(stats[stat])
        if math.isnan(v):
            out.append(math.inf)
        else:
            out.append(v - limit if kind == "max" else limit - v)
    return out


def is_better(a, b, direction):
    return a > b if direction == "maximize" else a < b
