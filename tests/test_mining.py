"""Blocked search and margin mining (xtask.mining) against today's full-matrix implementation.

Three kinds of evidence, because BLAS rounds a row block's product slightly differently from the
full product (see xtask/mining.py):
- "lattice" embeddings whose every dot product is exact in float32 (entries +-1/2, four nonzero):
  any blocking or backend gives bit-identical similarities, and ties are everywhere;
- float embeddings fed through the same similarity values (``mining.mine`` on slices of the
  reference's own matrix): every decision must be bit-identical;
- float embeddings through the public functions: same pairs in the same order, scores within 1e-6.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tracemalloc
from typing import Callable, List, Optional, Tuple

import numpy as np
import pytest

from xtask import mining

HAS_FAISS = importlib.util.find_spec("faiss") is not None
IN_CI = os.environ.get("CI", "").strip().lower() == "true"  # nothing may skip there: the Makefile installs faiss-cpu
BACKENDS = ["numpy", pytest.param("faiss", marks=pytest.mark.skipif(not HAS_FAISS and not IN_CI,
                                                                     reason="faiss not installed")), "torch"]
SHAPES = [(1, 1), (1, 6), (6, 1), (3, 20), (20, 3), (4, 4), (57, 41), (41, 57), (120, 120)]
BLOCKS = [1, 7, None]


# --- reference: xtask/retrieval.py as of commit 89bb388 (full n x m matrices) --------------------


def reference_nearest(src: np.ndarray, tgt: np.ndarray) -> List[int]:
    return [int(i) for i in np.argmax(src @ tgt.T, axis=1)]


def reference_knn_means(sim: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    k_src, k_tgt = min(k, sim.shape[1]), min(k, sim.shape[0])
    src_knn = np.sort(sim, axis=1)[:, -k_src:].mean(axis=1)
    tgt_knn = np.sort(sim, axis=0)[-k_tgt:, :].mean(axis=0)
    return src_knn, tgt_knn


def reference_margin_candidates(src: np.ndarray, tgt: np.ndarray, k: int = 4) -> List[Tuple[float, int, int]]:
    sim = src @ tgt.T
    k_src, k_tgt = min(k, sim.shape[1]), min(k, sim.shape[0])
    src_knn = np.sort(sim, axis=1)[:, -k_src:].mean(axis=1)  # mean cosine of x's k nearest targets
    tgt_knn = np.sort(sim, axis=0)[-k_tgt:, :].mean(axis=0)
    margin = sim / ((src_knn[:, None] + tgt_knn[None, :]) / 2)
    pairs = {(int(i), int(j)) for i, j in enumerate(np.argmax(margin, axis=1))}
    pairs |= {(int(i), int(j)) for j, i in enumerate(np.argmax(margin, axis=0))}
    ranked = sorted(((float(margin[i, j]), i, j) for i, j in pairs), reverse=True)
    used_src, used_tgt, kept = set(), set(), []
    for score, i, j in ranked:
        if i not in used_src and j not in used_tgt:
            kept.append((score, i, j))
            used_src.add(i)
            used_tgt.add(j)
    return kept


# --- data -------------------------------------------------------------------------------------


def lattice(rng: np.random.Generator, n: int, dim: int = 10) -> np.ndarray:
    """Unit vectors with four entries +-1/2: every dot product is a multiple of 1/4, exact in any
    summation order, and a third of the rows repeat earlier ones (duplicate sentences)."""
    x = np.zeros((n, dim), np.float32)
    for row in x:
        row[rng.choice(dim, 4, replace=False)] = rng.choice([-0.5, 0.5], 4)
    if n > 2:
        copies = rng.choice(n, n // 3, replace=False)
        x[copies] = x[rng.integers(0, n, len(copies))]
    return x


def embeddings(rng: np.random.Generator, n: int, dim: int = 64, duplicates: bool = True) -> np.ndarray:
    """Unit float vectors around a common direction, like a real encoder's (positive cosines)."""
    x = rng.standard_normal((n, dim)).astype(np.float32) + np.float32(1.5)
    if duplicates and n > 2:
        x[1::5] = x[0::5][: len(x[1::5])]
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def distinct(rng: np.random.Generator, n: int) -> np.ndarray:
    """:func:`embeddings` without duplicates. Through BLAS, duplicate float rows do not tie
    exactly (their products are rounded at different positions of a block), so which duplicate
    wins is rounding noise in the reference too: the public functions are compared on these."""
    return embeddings(rng, n, duplicates=False)


def pair(shape: Tuple[int, int], make: Callable[..., np.ndarray], seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1000 * shape[0] + shape[1])
    return make(rng, shape[0]), make(rng, shape[1])


def rows_of(sim: np.ndarray, record: Optional[List[int]] = None) -> mining.SimRows:
    def rows(start: int, stop: int) -> np.ndarray:
        if record is not None:
            record.append(stop - start)
        return sim[start:stop]

    return rows


def assert_same_candidates(got: List[Tuple[float, int, int]], want: List[Tuple[float, int, int]]) -> None:
    """Same pairs with the same scores (to 1e-6), best first. Two pairs whose scores are equal to
    within rounding may come in either order: the block's product can round either one up."""
    assert len(got) == len(want)
    got_score, want_score = {(i, j): s for s, i, j in got}, {(i, j): s for s, i, j in want}
    assert got_score.keys() == want_score.keys()
    np.testing.assert_allclose([got_score[p] for p in want_score], list(want_score.values()), rtol=0, atol=1e-6)
    for (score, *pair_got), (_, *pair_want) in zip(got, want):
        assert pair_got == pair_want or abs(got_score[tuple(pair_want)] - score) <= 1e-6
    assert [s for s, _, _ in got] == sorted((s for s, _, _ in got), reverse=True)


# --- nearest and knn ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("block", BLOCKS)
def test_nearest_breaks_ties_like_argmax(shape: Tuple[int, int], block: Optional[int]) -> None:
    src, tgt = pair(shape, lattice)
    assert mining.nearest(src, tgt, block=block) == reference_nearest(src, tgt)


@pytest.mark.parametrize("block", BLOCKS)
def test_nearest_on_float_embeddings(block: Optional[int]) -> None:
    src, tgt = pair((300, 250), distinct)
    assert mining.nearest(src, tgt, block=block) == reference_nearest(src, tgt)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("k", [1, 4, 25])
def test_knn_is_a_stable_descending_sort(shape: Tuple[int, int], block: Optional[int], k: int) -> None:
    src, tgt = pair(shape, lattice)
    sim = src @ tgt.T
    order = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    scores, indices = mining.knn(src, tgt, k, block=block)
    assert indices.shape == scores.shape == (shape[0], min(k, shape[1]))
    np.testing.assert_array_equal(indices, order)
    np.testing.assert_array_equal(scores, np.take_along_axis(sim, order, axis=1))
    assert indices[:, 0].tolist() == reference_nearest(src, tgt)


def test_knn_on_float_embeddings() -> None:
    src, tgt = pair((200, 300), distinct)
    sim = src @ tgt.T
    order = np.argsort(-sim, axis=1, kind="stable")[:, :10]
    scores, indices = mining.knn(src, tgt, 10, block=7)
    np.testing.assert_array_equal(indices, order)
    np.testing.assert_allclose(scores, np.take_along_axis(sim, order, axis=1), rtol=0, atol=1e-6)


# --- margin mining -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_margin_candidates_identical_on_exact_similarities(
    shape: Tuple[int, int], block: Optional[int], backend: str,
) -> None:
    src, tgt = pair(shape, lattice)
    assert mining.margin_candidates(src, tgt, block=block, backend=backend) == reference_margin_candidates(src, tgt)


@pytest.mark.parametrize("shape", SHAPES + [(200, 150), (150, 200)])
@pytest.mark.parametrize("block", [1, 7, 64])
@pytest.mark.parametrize("k", [1, 3, 4])
def test_same_similarities_give_bit_identical_mining(shape: Tuple[int, int], block: int, k: int) -> None:
    """Every step after the product (knn means, margins, both argmaxes, ranking, greedy)."""
    src, tgt = pair(shape, embeddings)
    sim = src @ tgt.T
    blocks: List[int] = []
    got = mining.mine(rows_of(sim, blocks), *shape, k=k, block=block)
    assert got == reference_margin_candidates(src, tgt, k=k)
    assert max(blocks) <= block


@pytest.mark.parametrize("shape", SHAPES + [(200, 150), (150, 200)])
@pytest.mark.parametrize("block", [1, 7, 64])
@pytest.mark.parametrize("k", [1, 3, 4])
def test_same_similarities_give_bit_identical_mining_in_torch(shape: Tuple[int, int], block: int, k: int) -> None:
    """The torch scan (xtask/mining_torch.py) takes every decision numpy's does, given the same
    similarity values, and never holds more than ``block`` rows of them."""
    import torch

    from xtask import mining_torch

    src, tgt = pair(shape, embeddings)
    sim = torch.from_numpy(src @ tgt.T)
    blocks: List[int] = []

    def rows(start: int, stop: int):
        blocks.append(stop - start)
        return sim[start:stop]

    got = mining_torch.mine(rows, *shape, k=k, block=block, on=torch.device("cpu"))
    assert got == reference_margin_candidates(src, tgt, k=k)
    assert max(blocks) <= block


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("block", BLOCKS)
def test_nearest_in_torch_breaks_ties_like_argmax(shape: Tuple[int, int], block: Optional[int]) -> None:
    src, tgt = pair(shape, lattice)
    assert mining.nearest(src, tgt, block=block, backend="torch") == reference_nearest(src, tgt)


def test_auto_takes_torch_on_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from xtask import mining_torch

    called: List[str] = []
    monkeypatch.setattr(mining_torch, "margin_candidates", lambda *a, **kw: called.append("margin") or [])
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    src, tgt = pair((5, 5), lattice)
    mining.margin_candidates(src, tgt)
    assert called == ["margin"]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert mining.margin_candidates(src, tgt) == reference_margin_candidates(src, tgt) and called == ["margin"]


@pytest.mark.parametrize("shape", [(3, 20), (20, 3), (57, 41), (200, 150)])
@pytest.mark.parametrize("k", [1, 3, 4])
def test_knn_means_bit_identical(shape: Tuple[int, int], k: int) -> None:
    src, tgt = pair(shape, embeddings)
    sim = src @ tgt.T
    src_knn, tgt_knn = mining.knn_means(rows_of(sim), *shape, k=k, block=7)
    want_src, want_tgt = reference_knn_means(sim, k)
    assert src_knn.dtype == tgt_knn.dtype == np.float32
    np.testing.assert_array_equal(src_knn, want_src)
    np.testing.assert_array_equal(tgt_knn, want_tgt)


@pytest.mark.parametrize("shape", [(200, 150), (150, 200), (90, 90)])
@pytest.mark.parametrize("block", [7, None])
@pytest.mark.parametrize("backend", BACKENDS)
def test_margin_candidates_on_float_embeddings(shape: Tuple[int, int], block: Optional[int], backend: str) -> None:
    src, tgt = pair(shape, distinct)
    assert_same_candidates(
        mining.margin_candidates(src, tgt, block=block, backend=backend), reference_margin_candidates(src, tgt),
    )


def test_margin_candidates_with_planted_translations() -> None:
    """Half the sources have a noisy copy among the targets: those pairs are mined, best first."""
    rng = np.random.default_rng(3)
    src, tgt = distinct(rng, 150), distinct(rng, 120)
    tgt[:75] = src[::2] + 0.02 * rng.standard_normal((75, 64)).astype(np.float32)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    got = mining.margin_candidates(src, tgt, block=16)
    assert_same_candidates(got, reference_margin_candidates(src, tgt))
    assert {(i, j) for _, i, j in got[:75]} == {(2 * j, j) for j in range(75)}


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("block", [1, 3, None])
@pytest.mark.parametrize("backend", BACKENDS)
def test_zero_denominators_follow_the_reference(block: Optional[int], backend: str) -> None:
    """A source orthogonal to every target and a target orthogonal to every source have knn means
    0: their margin is 0/0 = NaN, which np.argmax takes as the maximum (first NaN wins)."""
    rng = np.random.default_rng(7)
    src, tgt = np.zeros((12, 30), np.float32), np.zeros((10, 30), np.float32)
    src[:, :10], tgt[:, :10] = lattice(rng, 12), lattice(rng, 10)
    src[[2, 5, 9], :10], src[[2, 5, 9], 10:20] = 0, lattice(rng, 3, dim=10)
    tgt[[1, 4, 6], :10], tgt[[1, 4, 6], 20:] = 0, lattice(rng, 3, dim=10)
    got = mining.margin_candidates(src, tgt, block=block, backend=backend)
    want = reference_margin_candidates(src, tgt)
    assert any(np.isnan(s) for s, _, _ in want)
    assert [(repr(s), i, j) for s, i, j in got] == [(repr(s), i, j) for s, i, j in want]


# --- the checks above can fail -----------------------------------------------------------------


def test_a_column_tie_break_favouring_later_rows_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def later_row_wins(self: mining._ColumnBest, start: int, margin: np.ndarray) -> None:
        rows = margin.shape[0] - 1 - np.argmax(margin[::-1], axis=0)  # last maximum, not first
        values = margin[rows, self.columns]
        if self.values is None:
            self.rows[:], self.values = rows + start, values
            return
        better = values >= self.values
        self.rows[better], self.values[better] = rows[better] + start, values[better]

    monkeypatch.setattr(mining._ColumnBest, "update", later_row_wins)
    src, tgt = pair((57, 41), lattice)
    assert mining.margin_candidates(src, tgt, block=7) != reference_margin_candidates(src, tgt)


def test_an_unstable_top_k_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    def unstable(sim: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
        values, indices = torch.topk(torch.from_numpy(sim), k, dim=1)
        return values.numpy(), indices.numpy()

    monkeypatch.setattr(mining, "_top_k", unstable)
    src, tgt = pair((57, 41), lattice)
    _, indices = mining.knn(src, tgt, 4, block=7)
    assert not np.array_equal(indices, np.argsort(-(src @ tgt.T), axis=1, kind="stable")[:, :4])


# --- memory, edges, backends -------------------------------------------------------------------


def peak_bytes(run: Callable[[], object]) -> int:
    """Peak of numpy and Python allocations during ``run`` (numpy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "name, run",
    [
        ("nearest", lambda s, t: mining.nearest(s, t, block=20)),
        ("knn", lambda s, t: mining.knn(s, t, 4, block=20)),
        ("margin_candidates", lambda s, t: mining.margin_candidates(s, t, block=20, backend="numpy")),
    ],
)
def test_no_full_similarity_matrix_is_allocated(name: str, run: Callable[..., object]) -> None:
    src, tgt = pair((1500, 1500), distinct)
    full_matrix = 1500 * 1500 * 4
    assert peak_bytes(lambda: reference_margin_candidates(src, tgt)) > 2 * full_matrix  # the probe sees it
    assert peak_bytes(lambda: run(src, tgt)) < full_matrix / 4, name


def test_block_rows_fit_the_budget() -> None:
    for m in (1, 1000, 400_000, 10**9):
        rows = mining.block_rows(m, budget=2**20)
        assert rows >= 1 and (rows == 1 or rows * m * 4 <= 2**20 < (rows + 1) * m * 4)
    assert mining.block_rows(400_000) * 400_000 * 4 <= mining.BLOCK_BYTES


def test_empty_sides() -> None:
    empty, some = np.zeros((0, 8), np.float32), pair((3, 3), lattice)[0]
    assert mining.margin_candidates(empty, some) == mining.margin_candidates(some, empty) == []
    assert mining.nearest(empty, some) == []
    assert mining.knn(empty, some, 4)[1].shape == (0, 3)
    with pytest.raises(ValueError):
        mining.nearest(some, empty)
    with pytest.raises(ValueError):
        mining.knn(some, some, 0)


def test_works_without_faiss(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faiss", None)  # import faiss raises ImportError
    src, tgt = pair((41, 57), lattice)
    assert mining.margin_candidates(src, tgt, block=7, backend="auto") == reference_margin_candidates(src, tgt)
    with pytest.raises(ImportError):
        mining.margin_candidates(src, tgt, backend="faiss")
    with pytest.raises(ValueError, match="backend"):
        mining.margin_candidates(src, tgt, backend="gpu")


def test_torch_empty_sides() -> None:
    empty, some = np.zeros((0, 8), np.float32), pair((3, 3), lattice)[0]
    assert mining.margin_candidates(empty, some, backend="torch") == mining.margin_candidates(some, empty, backend="torch") == []
    assert mining.nearest(empty, some, backend="torch") == []
    with pytest.raises(ValueError):
        mining.nearest(some, empty, backend="torch")
