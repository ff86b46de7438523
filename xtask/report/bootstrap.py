"""Bootstrap replicates of scores and deltas, vectorised (the maths of :mod:`xtask.report.stats`).

Test-set sampling: for each (target, language, evaluation size) one matrix of resample counts
``W`` (resamples x units) is drawn and shared by every cell evaluated there, so a language's
replicate scores of all cells are one matrix product ``num @ W.T / den @ W.T``, and two cells
on the same examples are compared resample by resample (a paired bootstrap, Koehn 2004). A
task score's replicate is the mean over its languages of their replicates (each language
resampled within itself).

Seeds: a configuration's replicate resamples its seeds (with replacement) and averages those
seeds' replicates on the same example resample (hierarchical: seeds, then examples; the test
set is one and the same for every seed). One seed, or a cell that does not depend on the seed,
gives example-only replicates. A delta resamples seeds paired by seed when both rows have the
same seeds, independently otherwise.

``scipy.stats.bootstrap`` does not fit: it resamples one data set per call, where here one
example resample must be shared by hundreds of cells (for pairing, and for speed).
"""

from __future__ import annotations

import functools
import math
import zlib
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

import numpy as np

RESAMPLES = 1000
LEVEL = 0.95
BLOCK = 256  # resamples drawn at once: bounds the count matrix's memory (block x units)
POISSON_FROM = 1000  # units from which a language is resampled by Poisson counts (see resample_counts)


def rng_for(seed: int, *key: object) -> np.random.Generator:
    """A generator that depends only on ``seed`` and ``key`` (reports are reproducible)."""
    return np.random.default_rng([seed, zlib.crc32("|".join(map(str, key)).encode())])


def resample_counts(rng: np.random.Generator, resamples: int, n: int) -> np.ndarray:
    """(resamples, n) float32: how often each unit is drawn in each resample.

    Up to :data:`POISSON_FROM` units, n draws with replacement (the classic bootstrap); above,
    independent Poisson(1) counts (the Poisson bootstrap: Hanley & MacGibbon 2006, Chamandy et
    al. 2012), which approximates it closely at that size and is cheaper: one table look-up of
    a random 16-bit number per count, where the classic one draws and bins n indices (39% less
    CPU for the paper grid's resampling, BENCHMARKS.md)."""
    if n >= POISSON_FROM:
        return _poisson_table()[rng.integers(0, 1 << 16, size=(resamples, n), dtype=np.uint16)]
    draws = rng.integers(0, n, size=(resamples, n))
    draws += (np.arange(resamples, dtype=draws.dtype) * n)[:, None]
    return np.bincount(draws.ravel(), minlength=resamples * n).reshape(resamples, n).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _poisson_table() -> np.ndarray:
    """Poisson(1)'s inverse CDF at the 2^16 midpoints of [0, 1): counts 0..8, each within
    2^-16 of its probability."""
    cdf = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(32)])
    return np.searchsorted(cdf, (np.arange(1 << 16) + 0.5) / (1 << 16)).astype(np.float32)


def ratio_replicates(num: np.ndarray, den: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    """(cells, resamples) replicate scores ``100 * sum(num) / sum(den)`` of cells (rows of
    ``num``/``den``, all on ``n`` units) under one shared set of resamples; 0 where a resample's
    denominator is 0 (seqeval and the pair F1 score 0 when nothing is predicted or gold)."""
    cells, n = num.shape
    out = np.empty((cells, resamples))
    num32, den32 = num.astype(np.float32), den.astype(np.float32)
    constant_den = n < POISSON_FROM and bool(np.all(den == 1))  # n draws: the weights sum to n
    for start in range(0, resamples, BLOCK):
        stop = min(resamples, start + BLOCK)
        counts = resample_counts(rng, stop - start, n)
        top = num32 @ counts.T
        bottom = np.float32(n) if constant_den else den32 @ counts.T
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, start:stop] = np.where(bottom > 0, 100.0 * top / bottom, 0.0)
    return out


def seed_draws(rng: np.random.Generator, resamples: int, k: int) -> np.ndarray:
    """(resamples, k) seed indices drawn with replacement (all 0 for one seed)."""
    return rng.integers(0, k, size=(resamples, k)) if k > 1 else np.zeros((resamples, 1), dtype=np.int64)


def seed_mean(replicates: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """(resamples,) mean over the drawn seeds of ``replicates`` (seeds x resamples), each
    resample with its own draw and the same example resample for every seed."""
    return replicates[draws, np.arange(replicates.shape[1])[:, None]].mean(axis=1)


def config_replicates(replicates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A configuration's replicates from its seeds' (seeds x resamples): seeds resampled."""
    return seed_mean(replicates, seed_draws(rng, replicates.shape[1], replicates.shape[0]))


def delta_replicates(a: Mapping[int, np.ndarray], b: Mapping[int, np.ndarray],
                     rng: np.random.Generator) -> Tuple[np.ndarray, bool]:
    """Replicates of mean(a) - mean(b) (each: seed -> replicates), and whether the seeds were
    paired (both sides have the same seeds, more than one)."""
    seeds_a, seeds_b = sorted(a), sorted(b)
    ra = np.stack([a[s] for s in seeds_a])
    rb = np.stack([b[s] for s in seeds_b])
    resamples = ra.shape[1]
    if seeds_a == seeds_b and len(seeds_a) > 1:
        draws = seed_draws(rng, resamples, len(seeds_a))
        return seed_mean(ra, draws) - seed_mean(rb, draws), True
    return seed_mean(ra, seed_draws(rng, resamples, len(seeds_a))) - seed_mean(rb, seed_draws(rng, resamples, len(seeds_b))), False


def interval(replicates: np.ndarray, level: float = LEVEL) -> Tuple[float, float]:
    """The percentile interval."""
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(replicates, [tail, 100 - tail])
    return float(low), float(high)


def p_value(delta: float, replicates: np.ndarray) -> float:
    """Two-sided p-value of delta = 0 from the bootstrap standard error (normal approximation:
    unlike counting resamples beyond 0 it is not floored at 1/resamples, which a correction for
    dozens of comparisons needs)."""
    from scipy.special import ndtr

    se = float(np.std(replicates, ddof=1))
    if se == 0 or not np.isfinite(se):
        return 1.0 if delta == 0 else 0.0
    return float(2 * ndtr(-abs(delta) / se))


def adjust(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (``scipy.stats.false_discovery_control``)."""
    from scipy.stats import false_discovery_control

    values = np.asarray(p_values, dtype=float)
    if values.size == 0:
        return values
    return false_discovery_control(values, method="bh")


def language_replicates(cells: Iterable[Tuple[str, np.ndarray, np.ndarray]], seed: int, key: Tuple[object, ...],
                        resamples: int = RESAMPLES) -> Dict[str, np.ndarray]:
    """Per cell id: its replicates of one language, cells grouped by evaluation size (one shared
    resample set per size; ``key`` names the language, e.g. (target, lang))."""
    by_size: Dict[int, List[Tuple[str, np.ndarray, np.ndarray]]] = {}
    for item in cells:
        by_size.setdefault(item[1].size, []).append(item)
    out: Dict[str, np.ndarray] = {}
    for n, items in by_size.items():
        num = np.stack([num for _, num, _ in items])
        den = np.stack([den for _, _, den in items])
        replicates = ratio_replicates(num, den, rng_for(seed, *key, n), resamples)
        out.update({cell: replicates[i] for i, (cell, _, _) in enumerate(items)})
    return out
