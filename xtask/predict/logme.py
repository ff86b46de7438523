"""LogME: the log marginal evidence of a linear model on fixed features, a transferability estimate.

You, Liu, Wang & Long, "LogME: Practical Assessment of Pre-trained Models for Transfer
Learning", ICML 2021, Algorithm 1. For features ``F`` (n x D) and one target column ``y``
(n), Bayesian linear regression with the prior ``w ~ N(0, alpha^-1 I)`` and the noise
``y | F, w ~ N(F w, beta^-1 I)`` has the log evidence (the paper's equation (2), Bishop 2006, eq.
3.86)

    L(alpha, beta) = n/2 log beta + D/2 log alpha - n/2 log 2 pi
                     - beta/2 ||F m - y||^2 - alpha/2 m'm - 1/2 log |A|,
    A = alpha I + beta F'F,  m = beta A^-1 F'y.

LogME maximises it over (alpha, beta) by MacKay's fixed point (Algorithm 1, lines 5-10):
``gamma = sum_i beta s_i^2 / (alpha + beta s_i^2)``, ``alpha <- gamma / m'm``,
``beta <- (n - gamma) / ||F m - y||^2``, with ``F = U S V'`` decomposed once, so that each
update costs O(min(n, D)). A classification label gives one one-vs-rest column per class; the
score is the mean over the classes of ``L / n``. Higher means the features fit the labels
better with a simple linear model, which the paper finds tracks fine-tuned accuracy.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Tuple

import numpy as np

log = logging.getLogger(__name__)

# The fixed point stops when alpha and beta both move by less than this, relatively.
TOLERANCE = 1e-8
MAX_ITERATIONS = 1000
# Where a maximum at infinity is taken: see :func:`maximise`.
BOUND = 1e12


@dataclass(frozen=True)
class Evidence:
    """The maximised log evidence of one target column, divided by n, and where it is reached;
    ``bound``: the maximum lies at alpha = infinity (features that carry nothing about y: the
    weights are 0) or beta = infinity (features that fit y exactly), and the value is its limit."""

    per_example: float
    alpha: float
    beta: float
    iterations: int
    converged: bool
    bound: str = ""


@dataclass(frozen=True)
class Decomposition:
    """What the fixed point needs of ``F``, computed once for every column: ``U`` (n x k), the
    squared singular values (k), n and D (k = min(n, D))."""

    u: np.ndarray
    sigma2: np.ndarray
    n: int
    dim: int


def decompose(features: np.ndarray) -> Decomposition:
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"LogME needs a 2-D feature matrix of at least two rows; got shape {f.shape}")
    u, s, _ = np.linalg.svd(f, full_matrices=False)
    return Decomposition(u, s**2, f.shape[0], f.shape[1])


def _terms(d: Decomposition, z: np.ndarray, outside: float, alpha: float, beta: float) -> Tuple[float, float, float]:
    """(gamma, alpha m'm, ||F m - y||^2) in the basis of U: with ``z = U'y``, ``m = V diag(beta s /
    (alpha + beta s^2)) z`` and ``F m - y = -U diag(alpha / (alpha + beta s^2)) z - (y outside U)``."""
    denominator = alpha + beta * d.sigma2
    gamma = float(np.sum(beta * d.sigma2 / denominator))
    alpha_mm = float(np.sum(alpha * beta**2 * d.sigma2 * z**2 / denominator**2))
    residual = float(np.sum((alpha * z / denominator) ** 2)) + outside
    return gamma, alpha_mm, residual


def _projection(d: Decomposition, y: np.ndarray) -> Tuple[np.ndarray, float]:
    """``z = U'y`` and the squared norm of the part of y outside U's columns."""
    z = d.u.T @ y
    return z, max(float(y @ y - z @ z), 0.0)


def evidence_at(d: Decomposition, y: np.ndarray, alpha: float, beta: float) -> float:
    """``L(alpha, beta) / n`` (the equation in the module's docstring) for one column ``y``,
    written with ``log|A| - D log alpha = sum_i log(1 + beta s_i^2 / alpha)`` (the D - k
    directions outside F's rows contribute log alpha alone), which stays exact for a huge alpha."""
    z, outside = _projection(d, y)
    _, alpha_mm, residual = _terms(d, z, outside, alpha, beta)
    log_det_ratio = float(np.sum(np.log1p(beta * d.sigma2 / alpha)))
    total = (d.n / 2 * math.log(beta) - d.n / 2 * math.log(2 * math.pi)
             - beta / 2 * residual - alpha_mm / 2 - log_det_ratio / 2)
    return total / d.n


def maximise(d: Decomposition, y: np.ndarray) -> Evidence:
    """Algorithm 1's fixed point for one column, from alpha = beta = 1 (as the paper). When the
    maximum lies at infinity, the iteration stops once alpha exceeds ``beta * max s^2`` (the
    largest precision the data gives the weights) by :data:`BOUND`, or beta exceeds ``n / ||y||^2``
    by it, and the value is the limit there (its error is of order 1 / BOUND)."""
    y = np.asarray(y, dtype=np.float64)
    if not np.any(y):
        raise ValueError("LogME is undefined for a target of zeros")
    z, outside = _projection(d, y)
    top = float(d.sigma2.max()) if d.sigma2.size else 0.0
    noise_scale = d.n / float(y @ y)
    alpha, beta, converged, iterations, bound = 1.0, 1.0, False, 0, ""
    for iterations in range(1, MAX_ITERATIONS + 1):
        gamma, alpha_mm, residual = _terms(d, z, outside, alpha, beta)
        new_alpha = alpha * gamma / alpha_mm if alpha_mm > 0 else math.inf
        new_beta = (d.n - gamma) / residual if residual > 0 else math.inf
        if new_alpha > BOUND * new_beta * top:  # the weights go to 0: no linear signal in F
            alpha, beta, bound = BOUND * max(beta * top, 1.0), noise_scale, "alpha"
            converged = True
            break
        if new_beta > BOUND * noise_scale:  # F fits y exactly (n <= D)
            alpha, beta, bound = new_alpha, BOUND * noise_scale, "beta"
            converged = True
            break
        converged = abs(new_alpha - alpha) <= TOLERANCE * alpha and abs(new_beta - beta) <= TOLERANCE * beta
        alpha, beta = new_alpha, new_beta
        if converged:
            break
    if not converged:
        log.warning("LogME: the fixed point did not converge in %d iterations (alpha=%g, beta=%g)",
                    MAX_ITERATIONS, alpha, beta)
    return Evidence(evidence_at(d, y, alpha, beta), alpha, beta, iterations, converged, bound)


def logme(features: np.ndarray, labels: np.ndarray) -> float:
    """LogME of integer class ``labels`` (n) on ``features`` (n x D): the mean over the classes
    present of the maximised evidence of their one-vs-rest indicator, divided by n."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    if classes.size < 2:
        raise ValueError(f"LogME needs at least two classes among the labels; got {classes.tolist()}")
    if labels.shape[0] != np.shape(features)[0]:
        raise ValueError(f"{labels.shape[0]} labels for {np.shape(features)[0]} feature rows")
    d = decompose(features)
    return float(np.mean([maximise(d, (labels == c).astype(np.float64)).per_example for c in classes]))
