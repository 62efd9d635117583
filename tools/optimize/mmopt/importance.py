"""A parameter-importance evaluator that needs only numpy.

Optuna 3.1's evaluators (fANOVA, mean decrease impurity) need scikit-learn, which Debian's python3-optuna does not
pull in. When sklearn is importable mm optimize uses fANOVA; otherwise this one: each parameter's share of the
objective's variance explained by its main effect alone (the correlation ratio eta^2 over quantile bins, or per
category), normalized to sum to 1. It ignores interactions, which is what a first look at importances wants.
"""
from collections import OrderedDict

import numpy as np
import optuna
from optuna.importance import BaseImportanceEvaluator


def sklearn_available():
    try:
        import sklearn  # noqa: F401
        return True
    except ImportError:
        return False


class MainEffectImportanceEvaluator(BaseImportanceEvaluator):
    def __init__(self, bins=8):
        self._bins = bins

    def evaluate(self, study, params=None, *, target=None):
        trials = [t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))]
        if target is None:
            target = lambda t: t.value  # noqa: E731
        if params is None:
            names = sorted({k for t in trials for k in t.params})
        else:
            names = list(params)
        trials = [t for t in trials if all(n in t.params for n in names)]
        y = np.array([target(t) for t in trials], dtype=float)
        ok = np.isfinite(y)
        y = y[ok]
        trials = [t for t, k in zip(trials, ok) if k]
        raw = {}
        total = float(np.var(y)) if len(y) > 1 else 0.0
        for n in names:
            xs = [t.params[n] for t in trials]
            categorical = bool(trials) and isinstance(trials[0].distributions[n],
                                                      optuna.distributions.CategoricalDistribution)
            if categorical or not trials:
                groups = {}
                for x, v in zip(xs, y):
                    groups.setdefault(repr(x), []).append(v)
                labels = list(groups.values())
            else:
                x = np.array(xs, dtype=float)
                edges = np.unique(np.quantile(x, np.linspace(0, 1, self._bins + 1)))
                idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, max(len(edges) - 2, 0))
                labels = [y[idx == i] for i in np.unique(idx)]
            if total <= 0 or not labels:
                raw[n] = 0.0
                continue
            between = sum(len(g) * (float(np.mean(g)) - float(np.mean(y))) ** 2 for g in labels) / len(y)
            raw[n] = between / total
        s = sum(raw.values())
        out = {n: (v / s if s > 0 else 0.0) for n, v in raw.items()}
        return OrderedDict(sorted(out.items(), key=lambda kv: kv[1], reverse=True))


def evaluator():
    if sklearn_available():
        return optuna.importance.FanovaImportanceEvaluator(seed=0)
    return MainEffectImportanceEvaluator()
