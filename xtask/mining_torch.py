"""Nearest-neighbour search and margin mining of :mod:`xtask.mining`, blockwise in torch on an
accelerator (CUDA when there is one, else the CPU).

The same scan as the numpy backend, step for step: row blocks of the similarity matrix
(``block_rows`` rows, never n x m), each source's and each target's k largest similarities,
their means (taken on the host by numpy's own reduction, so they are bit-identical given the
same similarities), ratio margins with the same float32 operations, first-index argmaxes (NaN
wins, as in numpy) and the same one-to-one ranking (:func:`xtask.mining.one_to_one`, on the
host). Given the same similarity values every decision is identical to numpy's
(tests/test_mining.py runs every mining test on both); the products themselves are rounded by
the device's own matrix kernels (on a GPU: TF32 stays off here, full float32).
"""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple

import numpy as np

from xtask.mining_common import Candidate, block_rows, one_to_one

#: Bytes of one float32 similarity block on a GPU (a scan holds about three at a time).
DEVICE_BLOCK_BYTES = 1024 * 2**20

TorchRows = Callable[[int, int], "object"]  # (start, stop) -> rows start:stop of the similarities (a tensor)


def device() -> "object":
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _spans(n: int, block: int):
    for start in range(0, n, block):
        yield start, min(start + block, n)


def _block(block: Optional[int], m: int, on: "object") -> int:
    if block is not None and block < 1:
        raise ValueError(f"block={block}: need at least one row per block")
    if block:
        return block
    return block_rows(m, DEVICE_BLOCK_BYTES) if getattr(on, "type", "cpu") == "cuda" else block_rows(m)


def _tensors(src: np.ndarray, tgt: np.ndarray, on: "object") -> Tuple["object", "object"]:
    import torch

    as_tensor = lambda x: torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(on)  # noqa: E731
    return as_tensor(src), as_tensor(tgt)


def similarity_rows(src: "object", tgt: "object") -> TorchRows:
    """Rows of ``src @ tgt.T`` in full float32 (TF32 matmuls off while they are computed)."""
    import torch

    tgt_t = tgt.T

    def rows(start: int, stop: int) -> "object":
        allowed = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = False
        try:
            return src[start:stop] @ tgt_t
        finally:
            torch.backends.cuda.matmul.allow_tf32 = allowed

    return rows


def _argmax(values: "object", dim: int) -> "object":
    """numpy's argmax: the first maximum, or the first NaN when there is one."""
    import torch

    nan = torch.isnan(values)
    found = torch.argmax(values, dim=dim)
    if bool(nan.any()):
        first_nan = torch.argmax(nan.to(torch.uint8), dim=dim)
        found = torch.where(nan.any(dim=dim), first_nan, found)
    return found


def knn_means(sim: TorchRows, n: int, m: int, k: int, block: int) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`xtask.mining.knn_means` on torch row blocks: the top-k on the device, the means on
    the host (numpy's reduction over the same ascending layout)."""
    import torch

    k_src, k_tgt = min(k, m), min(k, n)
    src_top: List[object] = []
    tgt_top = None
    for start, stop in _spans(n, block):
        values = sim(start, stop)
        src_top.append(torch.topk(values, k_src, dim=1).values.flip(1))
        block_top = torch.topk(values, min(k_tgt, stop - start), dim=0).values
        if tgt_top is not None:
            block_top = torch.topk(torch.cat([tgt_top, block_top]), min(k_tgt, len(tgt_top) + len(block_top)), dim=0).values
        tgt_top = block_top
    assert tgt_top is not None and len(tgt_top) == k_tgt
    src_values = torch.cat(src_top).cpu().numpy()
    tgt_values = np.ascontiguousarray(tgt_top.flip(0).cpu().numpy())
    return src_values.mean(axis=1), tgt_values.mean(axis=0)


def best_by_margin(
    sim: TorchRows, n: int, m: int, src_knn: np.ndarray, tgt_knn: np.ndarray, block: int, on: "object",
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`xtask.mining.best_by_margin` on torch row blocks (results on the host)."""
    import torch

    src_knn_t, tgt_knn_t = (torch.from_numpy(np.ascontiguousarray(x)).to(on) for x in (src_knn, tgt_knn))
    row_best = torch.empty(n, dtype=torch.int64, device=on)
    row_margin = torch.empty(n, dtype=torch.float32, device=on)
    column_rows = torch.zeros(m, dtype=torch.int64, device=on)
    column_values = None
    columns = torch.arange(m, device=on)
    for start, stop in _spans(n, block):
        margin = src_knn_t[start:stop, None] + tgt_knn_t[None, :]
        margin /= 2
        margin = torch.div(sim(start, stop), margin, out=margin)
        best = _argmax(margin, dim=1)
        row_best[start:stop] = best
        row_margin[start:stop] = margin[torch.arange(stop - start, device=on), best]
        rows = _argmax(margin, dim=0)
        values = margin[rows, columns]
        if column_values is None:
            column_rows, column_values = rows + start, values
            continue
        better = (values > column_values) | (torch.isnan(values) & ~torch.isnan(column_values))
        column_rows = torch.where(better, rows + start, column_rows)
        column_values = torch.where(better, values, column_values)
    assert column_values is not None
    host = lambda t: t.cpu().numpy()  # noqa: E731
    return host(row_best), host(row_margin), host(column_rows), host(column_values)


def mine(sim: TorchRows, n: int, m: int, k: int, block: int, on: "object") -> List[Candidate]:
    """:func:`xtask.mining.mine` on torch row blocks: two scans (one when one block holds every row)."""
    if n <= block:
        values = sim(0, n)
        sim = lambda start, stop: values[start:stop]  # noqa: E731
    src_knn, tgt_knn = knn_means(sim, n, m, k, block)
    return one_to_one(*best_by_margin(sim, n, m, src_knn, tgt_knn, block, on))


def margin_candidates(src: np.ndarray, tgt: np.ndarray, k: int, block: Optional[int] = None,
                      on: Optional["object"] = None) -> List[Candidate]:
    """:func:`xtask.mining.margin_candidates` in torch on ``on`` (default: CUDA if any, else CPU)."""
    on = on if on is not None else device()
    n, m = len(src), len(tgt)
    if not n or not m:
        return []
    if k < 1:
        raise ValueError(f"k={k}: the margin needs at least one neighbour")
    import torch

    with torch.no_grad():
        src_t, tgt_t = _tensors(src, tgt, on)
        return mine(similarity_rows(src_t, tgt_t), n, m, k, _block(block, m, on), on)


def nearest(src: np.ndarray, tgt: np.ndarray, block: Optional[int] = None, on: Optional["object"] = None) -> List[int]:
    """:func:`xtask.mining.nearest` in torch: each source's first nearest target."""
    import torch

    on = on if on is not None else device()
    n, m = len(src), len(tgt)
    if n and not m:
        raise ValueError("nearest: no target embeddings to retrieve from")
    found = np.empty(n, np.int64)
    with torch.no_grad():
        src_t, tgt_t = _tensors(src, tgt, on)
        sim = similarity_rows(src_t, tgt_t)
        for start, stop in _spans(n, _block(block, m, on)):
            found[start:stop] = _argmax(sim(start, stop), dim=1).cpu().numpy()
    return found.tolist()
