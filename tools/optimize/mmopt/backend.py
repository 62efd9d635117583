"""The one place that talks to the C++ backtester (the pybind11 module `mmpy`, built next to the mm binary).

Everything else in mm optimize sees only `Backend`, so tests can drive the optimizer with a fake module
(tools/optimize/tests/fake_mmpy) and the real one is swapped in by PYTHONPATH alone.
"""
import importlib

from .errors import InputError, RunError


class ConfigRejected(Exception):
    """mmpy refused a config (its ValueError; the message names the bad key)."""


class Backend:
    def __init__(self, module_name="mmpy"):
        try:
            self._m = importlib.import_module(module_name)
        except ImportError as e:
            raise RunError(f"cannot import the backtest module {module_name!r} ({e}). Run through `mm optimize` "
                           f"(it puts the mm binary's directory on PYTHONPATH) or build the mmpy target") from None

    def load(self, paths, category):
        """Load the recordings once; the returned handle is shared by every trial (read-only)."""
        try:
            return self._m.load_data(list(paths), category=category)
        except (ValueError, OSError, RuntimeError) as e:
            raise InputError(f"--data: {e}") from None

    @staticmethod
    def span(data):
        return int(data.first_ns), int(data.last_ns), int(data.events)

    def run(self, config, data, from_ns=None, to_ns=None):
        """The `stats` dict of one backtest of `config` (nested dict) over [from_ns, to_ns). Releases the GIL."""
        try:
            res = self._m.run_backtest(config, data, from_ns=from_ns, to_ns=to_ns, series=False)
        except ValueError as e:
            raise ConfigRejected(str(e)) from None
        return res["stats"]
