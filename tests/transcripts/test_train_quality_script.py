from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "train_quality.py"


def _script():
    spec = importlib.util.spec_from_file_location("train_quality", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("train_quality", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_without_data_it_says_so_and_exits_cleanly(tmp_path, capsys):
    assert _script().main(["--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "AnnoMI data not found" in out and "nothing to train" in out


def test_the_sign_constrained_fit_holds_a_wrong_signed_coefficient_at_zero():
    module = _script()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    y = (x[:, 0] - x[:, 1] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    free = module.SignConstrainedLogit(C=10.0, signs=(0, 0)).fit(x, y)
    assert free.coef_[0][0] > 0 > free.coef_[0][1]
    held = module.SignConstrainedLogit(C=10.0, signs=(+1, +1)).fit(x, y)
    assert held.coef_[0][0] > 0 and held.coef_[0][1] == 0.0
    assert held.predict_proba(x).shape == (200, 2)


def test_the_reference_gives_the_quartiles_of_each_ratings_held_out_estimates():
    proba = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.2, 0.4, 0.3])
    rated_high = np.array([1, 1, 1, 1, 1, 0, 0, 0])
    reference = _script().reference_scores(proba, rated_high)
    assert reference["high"] == {"q1": 0.6, "median": 0.7, "q3": 0.8}
    assert reference["low"] == {"q1": 0.25, "median": 0.3, "q3": 0.35}


def test_two_models_trained_the_same_day_get_different_versions():
    # rapport reanalyse-transcripts redoes estimates whose stored version differs from the
    # installed model's: a same-day retrain must not keep the old version.
    module = _script()
    model = {"intercept": 2.1, "features": [{"name": "f", "mean": 0.5, "scale": 1.0, "coef": 0.2}]}
    refit = {**model, "intercept": 2.2}
    first, second = module._version(model), module._version(refit)
    assert first.startswith("quality-") and first != second
    assert module._version(dict(model)) == first
