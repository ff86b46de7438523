"""Exact nearest-neighbour search and margin-based bitext mining in bounded memory.

The similarity matrix ``src @ tgt.T`` of BUCC 2018 (~400k x 400k per language pair) does not fit
in memory (~640 GB in float32), so everything here scans it in row blocks of at most
``block_rows(m)`` rows: memory is O(block x m + (n + m) x k), never n x m.

Same results as the full-matrix functions of :mod:`xtask.retrieval` (``np.argmax`` first-index
tie-breaking, the same knn means, margins, candidate set and greedy order). Only one thing can
differ: BLAS rounds a product of a row block differently from the same rows inside the full
product (the last bit of ~3% of entries; the full product itself changes with the BLAS thread
count in the same way), so a decision between two scores within ~1e-7 of each other can go either
way, in either implementation. Given the same similarity values every decision is identical
(tests/test_mining.py checks this bit for bit, and on embeddings whose dot products are exact).
"""

from __future__ import annotations

from typing import Callable, Iterator, List, Optional, Tuple

import numpy as np

from xtask.mining_common import BLOCK_BYTES, Candidate, block_rows, one_to_one  # noqa: F401  (this module's interface too)

MARGIN_K = 4
#: What ``backend="auto"`` uses. bench/bench_retrieval.py: faiss finds the k-NN means with two
#: products of its own (one per direction) where numpy reuses the block scan's one, and took
#: 1.1-1.8x numpy's CPU time at every measured size (n = m = 5k-50k, dims 384 and 1024; 1.15x
#: wall at 2 threads), with the same memory; so "auto" is numpy. Set "faiss" here if a machine
#: measures otherwise.
AUTO_BACKEND = "numpy"
#: "torch": the same scan in torch (xtask/mining_torch.py), on CUDA when there is one; "auto"
#: takes it whenever CUDA is there (the node's GPU, not its CPU), else :data:`AUTO_BACKEND`.
BACKENDS = ("numpy", "faiss", "torch", "auto")

#: ``sim(start, stop)`` returns rows ``start:stop`` of the similarity matrix as float32.
SimRows = Callable[[int, int], np.ndarray]


def _spans(n: int, block: int) -> Iterator[Tuple[int, int]]:
    for start in range(0, n, block):
        yield start, min(start + block, n)


def _float32(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


def _sim_rows(src: np.ndarray, tgt: np.ndarray) -> SimRows:
    tgt_t = tgt.T  # a view: BLAS reads it transposed, nothing is copied
    return lambda start, stop: src[start:stop] @ tgt_t


def _block(block: Optional[int], m: int) -> int:
    if block is not None and block < 1:
        raise ValueError(f"block={block}: need at least one row per block")
    return block or block_rows(m)


# --- k-NN search ----------------------------------------------------------------------------


def _top_k(sim: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` largest values, descending, equal values by ascending column: the first
    ``k`` columns of ``np.argsort(-sim, axis=1, kind="stable")``. ``k`` <= number of columns."""
    import torch

    rows, m = sim.shape
    if k == m:
        order = np.argsort(-sim, axis=1, kind="stable")
        return np.take_along_axis(sim, order, axis=1), order
    # One more than asked: where the k-th and (k+1)-th values differ, the top-k set is unique and
    # only its order needs fixing; where they tie, the row is redone below.
    values, indices = (t.numpy() for t in torch.topk(torch.from_numpy(sim), k + 1, dim=1))
    values, indices, boundary = values[:, :k], indices[:, :k], values[:, k]
    order = np.lexsort((indices, -values), axis=1)
    values, indices = np.take_along_axis(values, order, axis=1), np.take_along_axis(indices, order, axis=1)
    for row in np.flatnonzero(values[:, -1] == boundary):
        cols = np.flatnonzero(sim[row] >= boundary[row])  # every column tied at the boundary, ascending
        cols = cols[np.argsort(-sim[row, cols], kind="stable")[:k]]
        values[row], indices[row] = sim[row, cols], cols
    return values, indices


def knn(src: np.ndarray, tgt: np.ndarray, k: int, block: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` targets of each source by inner product: ``(scores, indices)``, both
    ``[n, min(k, m)]``, best first, equal scores by ascending target index (a stable sort)."""
    if k < 1:
        raise ValueError(f"k={k}: ask for at least one neighbour")
    src, tgt = _float32(src), _float32(tgt)
    n, m = len(src), len(tgt)
    k = min(k, m)
    scores, indices = np.empty((n, k), np.float32), np.empty((n, k), np.int64)
    if not k:
        return scores, indices
    sim = _sim_rows(src, tgt)
    for start, stop in _spans(n, _block(block, m)):
        scores[start:stop], indices[start:stop] = _top_k(sim(start, stop), k)
    return scores, indices


def nearest(src: np.ndarray, tgt: np.ndarray, block: Optional[int] = None, backend: str = "numpy") -> List[int]:
    """Index of each source embedding's nearest target: ``np.argmax(src @ tgt.T, axis=1)``
    (``backend``: "numpy", or "torch" / "auto" as for :func:`margin_candidates`)."""
    if backend != "numpy" and _resolve(backend) == "torch":
        from xtask import mining_torch

        return mining_torch.nearest(src, tgt, block)
    src, tgt = _float32(src), _float32(tgt)
    n, m = len(src), len(tgt)
    found = np.empty(n, np.int64)
    if n and not m:
        raise ValueError("nearest: no target embeddings to retrieve from")
    sim = _sim_rows(src, tgt)
    for start, stop in _spans(n, _block(block, m)):
        found[start:stop] = np.argmax(sim(start, stop), axis=1)
    return found.tolist()


# --- margin mining --------------------------------------------------------------------------


def _row_top(values: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` largest values, descending."""
    import torch

    return torch.topk(torch.from_numpy(values), k, dim=1).values.numpy()


def _merge_top(best: Optional[np.ndarray], block: np.ndarray, k: int) -> np.ndarray:
    """Largest ``k`` values of each column among ``best`` (``[<=k, m]``) and ``block``, descending."""
    import torch

    block_top = torch.topk(torch.from_numpy(block), min(k, len(block)), dim=0).values
    if best is not None:
        both = torch.cat([torch.from_numpy(best), block_top])
        block_top = torch.topk(both, min(k, len(both)), dim=0).values
    return block_top.numpy()


def knn_means(sim: SimRows, n: int, m: int, k: int, block: int) -> Tuple[np.ndarray, np.ndarray]:
    """``(src_knn [n], tgt_knn [m])``: mean similarity of each source's ``k`` nearest targets and
    of each target's ``k`` nearest sources, in one scan of the row blocks.

    The means are taken by the reference's own numpy reduction over values laid out the same way
    (ascending, rows ``[n, k]`` / columns ``[k, m]``): float32 sums depend on order and layout."""
    k_src, k_tgt = min(k, m), min(k, n)
    src_top = np.empty((n, k_src), np.float32)
    tgt_top: Optional[np.ndarray] = None
    for start, stop in _spans(n, block):
        values = sim(start, stop)
        src_top[start:stop] = _row_top(values, k_src)[:, ::-1]
        tgt_top = _merge_top(tgt_top, values, k_tgt)
    assert tgt_top is not None and len(tgt_top) == k_tgt
    return src_top.mean(axis=1), np.ascontiguousarray(tgt_top[::-1]).mean(axis=0)


def _knn_means_faiss(src: np.ndarray, tgt: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`knn_means` by faiss's exact search (its own BLAS blocks; no index copy)."""
    import faiss

    forward, _ = faiss.knn(src, tgt, min(k, len(tgt)), metric=faiss.METRIC_INNER_PRODUCT)
    backward, _ = faiss.knn(tgt, src, min(k, len(src)), metric=faiss.METRIC_INNER_PRODUCT)
    # faiss returns descending rows; reverse to the reference's ascending layout before the mean.
    src_knn = np.ascontiguousarray(forward[:, ::-1]).mean(axis=1)
    tgt_knn = np.ascontiguousarray(backward[:, ::-1].T).mean(axis=0)
    return src_knn, tgt_knn


def _margin(values: np.ndarray, src_knn: np.ndarray, tgt_knn: np.ndarray) -> np.ndarray:
    """``values / ((src_knn + tgt_knn) / 2)`` with the reference's float32 operations, in place of
    one temporary (the result overwrites the denominator)."""
    margin = src_knn[:, None] + tgt_knn[None, :]
    margin /= 2
    return np.divide(values, margin, out=margin)


class _ColumnBest:
    """Running ``np.argmax(margin, axis=0)`` over row blocks: first row of each column's maximum
    (a later block wins only if strictly larger, or if it is NaN and the best so far is not:
    numpy's argmax returns the first NaN)."""

    def __init__(self, m: int) -> None:
        self.rows = np.zeros(m, np.int64)
        self.values: Optional[np.ndarray] = None
        self.columns = np.arange(m)

    def update(self, start: int, margin: np.ndarray) -> None:
        rows = np.argmax(margin, axis=0)
        values = margin[rows, self.columns]
        if self.values is None:
            self.rows[:], self.values = rows + start, values
            return
        better = (values > self.values) | (np.isnan(values) & ~np.isnan(self.values))
        self.rows[better] = rows[better] + start
        self.values[better] = values[better]


def best_by_margin(
    sim: SimRows, n: int, m: int, src_knn: np.ndarray, tgt_knn: np.ndarray, block: int,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each source's best target and each target's best source by margin, over all pairs:
    ``(row_best [n], row_margin [n], column_best [m], column_margin [m])``."""
    row_best, row_margin = np.empty(n, np.int64), np.empty(n, np.float32)
    columns = _ColumnBest(m)
    for start, stop in _spans(n, block):
        margin = _margin(sim(start, stop), src_knn[start:stop], tgt_knn)
        row_best[start:stop] = np.argmax(margin, axis=1)
        row_margin[start:stop] = margin[np.arange(stop - start), row_best[start:stop]]
        columns.update(start, margin)
    assert columns.values is not None
    return row_best, row_margin, columns.rows, columns.values




def _resolve(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r}: expected one of {', '.join(BACKENDS)}")
    if backend != "auto":
        return backend
    import torch

    if torch.cuda.is_available():
        return "torch"
    if AUTO_BACKEND == "faiss":
        try:
            import faiss  # noqa: F401
        except ImportError:
            return "numpy"
    return AUTO_BACKEND


def _cached(values: np.ndarray) -> SimRows:
    return lambda start, stop: values[start:stop]


def mine(
    sim: SimRows, n: int, m: int, k: int, block: int, means: Optional[Tuple[np.ndarray, np.ndarray]] = None,
) -> List[Candidate]:
    """:func:`margin_candidates` on any row-block source of similarities (``means`` precomputed or
    found by :func:`knn_means`). Two scans; one when a single block holds every row."""
    if n <= block:
        sim = _cached(sim(0, n))
    src_knn, tgt_knn = means if means is not None else knn_means(sim, n, m, k, block)
    return one_to_one(*best_by_margin(sim, n, m, src_knn, tgt_knn, block))


def margin_candidates(
    src: np.ndarray, tgt: np.ndarray, k: int = MARGIN_K, block: Optional[int] = None, backend: str = "auto",
) -> List[Candidate]:
    """One-to-one candidate pairs ``(margin score, src index, tgt index)``, best first: ratio
    margin ``cos / ((src_knn + tgt_knn) / 2)`` of Artetxe & Schwenk (2019), candidates each
    source's and each target's best pair by margin, kept one-to-one by descending margin.

    ``block``: rows per block (default from :data:`BLOCK_BYTES`). ``backend``: how the k-NN
    means are found ("numpy": the blocks of the margin scan; "faiss": faiss's exact search;
    "torch": the whole scan in torch, on CUDA when there is one; "auto": torch on CUDA, else
    :data:`AUTO_BACKEND`); the margin scan is numpy but for "torch"."""
    resolved = _resolve(backend)
    src, tgt = _float32(src), _float32(tgt)
    n, m = len(src), len(tgt)
    if not n or not m:
        return []
    if k < 1:
        raise ValueError(f"k={k}: the margin needs at least one neighbour")
    if resolved == "torch":
        from xtask import mining_torch

        return mining_torch.margin_candidates(src, tgt, k, block)
    means = _knn_means_faiss(src, tgt, k) if resolved == "faiss" else None
    return mine(_sim_rows(src, tgt), n, m, k, _block(block, m), means)
