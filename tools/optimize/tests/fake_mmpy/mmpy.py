"""A stand-in for the C++ `mmpy` module with the same API, for testing mm optimize's Python side alone.

The "backtest" is a smooth deterministic function of a few config keys with a known optimum
(strategy.half_spread_bps = 3.7, strategy.levels = 2, reference = "microprice"), scaled by the window length.
"""
import math
import os
import time


class Data:
    def __init__(self, paths):
        self.paths = paths
        self.first_ns = 1_700_000_000_000_000_000
        self.last_ns = self.first_ns + 3600 * 10**9 - 1
        self.events = 1000


def load_data(paths, category="linear"):
    for p in paths:
        if not os.path.isfile(p):
            raise ValueError(f"no such file: {p}")
    return Data(paths)


def run_backtest(config, data, from_ns=None, to_ns=None, series=False):
    if not isinstance(config, dict):
        raise ValueError("config: expected a dict")
    s = config["strategy"]
    if s.get("kind") != "fixed":
        raise ValueError(f"strategy.kind: unknown kind {s.get('kind')!r}")
    if s["levels"] > 4:
        raise ValueError("strategy.levels: at most 4 in the fake")
    lo = data.first_ns if from_ns is None else from_ns
    hi = data.last_ns + 1 if to_ns is None else to_ns
    hours = (hi - lo) / 3600e9
    phase = math.sin(lo / 1e12)
    hs = float(s["half_spread_bps"])
    pnl = (10.0 - (math.log(hs) - math.log(3.7 + 0.3 * phase)) ** 2 * 8 - abs(s["levels"] - 2) * 1.5 +
           (1.0 if s.get("reference") == "microprice" else 0.0)) * hours
    fills = int(200 * hours / hs * s["levels"])
    dd = 1.0 / hs + 0.1 * s["levels"]
    time.sleep(float(os.environ.get("FAKE_MMPY_SLEEP", "0")))
    stats = {k: 0.0 for k in ("gross_pnl", "fees", "rebates", "funding", "return_on_capital_pct", "maker_share_pct",
                              "inventory_mean_abs", "quote_uptime_pct")}
    stats.update(net_pnl=pnl, sharpe=pnl / 3.0, sortino=pnl / 2.0, calmar=pnl / dd, max_drawdown_pct=dd,
                 fills=fills, undefined=[])
    # As the real module writes an undefined statistic (e.g. Sharpe with fewer than 2 bars): null, listed.
    if str(s["levels"]) in os.environ.get("FAKE_MMPY_UNDEFINED_SHARPE_LEVELS", "").split(","):
        stats.update(sharpe=None, undefined=["sharpe"])
    return {"stats": stats, "run": {"events": data.events, "events_per_s": 1e6, "wall_s": 0.001}}
