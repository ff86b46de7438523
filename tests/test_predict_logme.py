"""LogME (xtask/predict/logme.py) against the log evidence of Bayesian linear regression written
out in full and maximised numerically: the fixed point must reach the maximum."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from xtask.predict import logme


def closed_form(features: np.ndarray, y: np.ndarray, alpha: float, beta: float) -> float:
    """log p(y | F, alpha, beta) / n with y ~ N(0, I / beta + F F' / alpha): no SVD, no shortcut."""
    n = features.shape[0]
    cov = np.eye(n) / beta + features @ features.T / alpha
    _, log_det = np.linalg.slogdet(cov)
    return float(-n / 2 * np.log(2 * np.pi) - log_det / 2 - y @ np.linalg.solve(cov, y) / 2) / n


def numerical_maximum(features: np.ndarray, y: np.ndarray) -> tuple:
    """(max over alpha, beta of the closed form, argmax), searched over log alpha and log beta."""
    best = None
    for start in ([0.0, 0.0], [2.0, -1.0], [-2.0, 2.0]):
        found = minimize(lambda p: -closed_form(features, y, np.exp(p[0]), np.exp(p[1])), start,
                         method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
        if best is None or found.fun < best.fun:
            best = found
    return -best.fun, np.exp(best.x)


@pytest.mark.parametrize("n,dim,seed", [(40, 5, 0), (25, 8, 1), (30, 20, 2), (60, 3, 3)])
def test_the_fixed_point_reaches_the_maximum_of_the_evidence(n: int, dim: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, dim))
    y = features @ rng.normal(size=dim) * 0.5 + rng.normal(size=n)
    d = logme.decompose(features)
    found = logme.maximise(d, y)
    assert found.converged
    # The SVD form of the evidence is the closed form, at any (alpha, beta).
    for alpha, beta in [(0.3, 2.0), (found.alpha, found.beta), (5.0, 0.1)]:
        assert logme.evidence_at(d, y, alpha, beta) == pytest.approx(closed_form(features, y, alpha, beta), abs=1e-9)
    best, (alpha, beta) = numerical_maximum(features, y)
    assert found.per_example == pytest.approx(best, abs=1e-7)
    assert found.per_example >= best - 1e-9  # nothing the optimiser finds beats the fixed point
    assert (found.alpha, found.beta) == pytest.approx((alpha, beta), rel=1e-3)


def test_a_wrong_update_would_fail_the_test() -> None:
    """The check above can fail: a step away from the fixed point lowers the evidence measurably."""
    rng = np.random.default_rng(5)
    features = rng.normal(size=(40, 5))
    y = features @ rng.normal(size=5) + rng.normal(size=40)
    d = logme.decompose(features)
    found = logme.maximise(d, y)
    best, _ = numerical_maximum(features, y)
    assert logme.evidence_at(d, y, found.alpha * 2, found.beta) < best - 1e-4
    assert logme.evidence_at(d, y, found.alpha, found.beta * 1.5) < best - 1e-4


def test_separable_features_score_higher_than_shuffled_labels() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=300)
    features = rng.normal(size=(300, 16)) * 0.3
    features[np.arange(300), labels] += 2.0  # each class lifts its own coordinate
    separable = logme.logme(features, labels)
    shuffled = logme.logme(features, rng.permutation(labels))
    assert separable > shuffled + 0.1


def test_the_score_is_the_mean_over_classes_of_one_vs_rest_evidence() -> None:
    rng = np.random.default_rng(1)
    features, labels = rng.normal(size=(50, 4)), rng.integers(0, 3, size=50)
    d = logme.decompose(features)
    per_class = [logme.maximise(d, (labels == c).astype(float)).per_example for c in range(3)]
    assert logme.logme(features, labels) == pytest.approx(np.mean(per_class))


def test_one_class_or_a_mismatch_is_refused() -> None:
    features = np.ones((5, 2))
    with pytest.raises(ValueError, match="two classes"):
        logme.logme(features, np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="labels for"):
        logme.logme(features, np.array([0, 1]))


def test_features_that_say_nothing_about_the_target_score_the_noise_only_model() -> None:
    """F orthogonal to y: the evidence is largest with zero weights (alpha = infinity), where it
    is that of y ~ N(0, ||y||^2 / n): a finite score, not an error."""
    rng = np.random.default_rng(3)
    y = rng.normal(size=40)
    features = rng.normal(size=(40, 4))
    features -= np.outer(y, y @ features) / (y @ y)
    found = logme.maximise(logme.decompose(features), y)
    beta = 40 / (y @ y)
    assert found.bound == "alpha"
    assert found.per_example == pytest.approx(0.5 * np.log(beta) - 0.5 * np.log(2 * np.pi) - 0.5, abs=1e-9)
    assert found.per_example == pytest.approx(numerical_maximum(features, y)[0], abs=1e-6)
