"""What both mining backends share (:mod:`xtask.mining`, numpy; :mod:`xtask.mining_torch`):
the block size and the one-to-one ranking of candidate pairs, so their decisions agree."""

from __future__ import annotations

from typing import List, Set, Tuple

import numpy as np

#: Bytes of one float32 similarity block; a scan holds about three blocks at a time.
BLOCK_BYTES = 256 * 2**20
Candidate = Tuple[float, int, int]


def block_rows(m: int, budget: int = BLOCK_BYTES) -> int:
    """Rows per block such that one float32 block of ``rows x m`` similarities fits ``budget`` bytes."""
    return max(1, budget // (4 * max(m, 1)))


def one_to_one(
    row_best: np.ndarray, row_margin: np.ndarray, column_best: np.ndarray, column_margin: np.ndarray,
) -> List[Candidate]:
    """The union of both directions' best pairs, kept one-to-one best-first.

    The pair set is built, ranked and consumed exactly as the reference does it (same set
    construction, so even the order among NaN scores, which ``sorted`` leaves input-dependent,
    is the same)."""
    rows, row_scores = row_best.tolist(), row_margin.tolist()
    column_scores = column_margin.tolist()
    pairs: Set[Tuple[int, int]] = {(i, j) for i, j in enumerate(rows)}
    pairs |= {(i, j) for j, i in enumerate(column_best.tolist())}
    # A pair from both directions has one margin: both came from the same block entry.
    ranked = sorted(((row_scores[i] if rows[i] == j else column_scores[j], i, j) for i, j in pairs), reverse=True)
    used_src, used_tgt, kept = set(), set(), []
    for score, i, j in ranked:
        if i not in used_src and j not in used_tgt:
            kept.append((score, i, j))
            used_src.add(i)
            used_tgt.add(j)
    return kept
