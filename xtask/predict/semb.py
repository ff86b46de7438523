"""SEmb: how alike two tasks' English training data look to the pretrained encoder.

Vu et al. 2020 ("Exploring and Predicting Transferability across NLP Tasks", TextEmb) and Poth
et al. 2021 ("What to Pre-Train on? Efficient Intermediate Task Selection", SEmb): a task is
represented by the mean of its examples' embeddings under the *pretrained* encoder, and an
intermediate task is predicted to help a target the more its embedding points the way the
target's does (cosine similarity). Nothing is trained: this is the tier that costs forward
passes only.

Here an example's embedding is the unit-length mean of the last layer's token vectors over its
inputs as the task's format encodes them (:func:`xtask.predict.features.example_vectors`), and a
mixture of tasks (``inter=multitask``) is the mean of its tasks' embeddings weighted by their
training-set sizes. ``inter=none`` has no intermediate data, hence no SEmb score: it is shown as
the reference row.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def task_embedding(example_vectors: np.ndarray) -> np.ndarray:
    """The mean of a task's example embeddings (one row each)."""
    if len(example_vectors) == 0:
        raise ValueError("a task embedding needs at least one example")
    return np.asarray(example_vectors, dtype=np.float64).mean(axis=0)


def mixture_embedding(embeddings: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """The example-weighted mean of several tasks' embeddings (``sizes``: their training-set sizes)."""
    weights = np.asarray(sizes, dtype=np.float64)
    if len(embeddings) != len(weights) or not len(weights) or weights.sum() <= 0:
        raise ValueError(f"a mixture needs one positive size per task; got {list(sizes)} for {len(embeddings)} task(s)")
    return np.average(np.stack(embeddings), axis=0, weights=weights)


def similarity(inter: np.ndarray, target: np.ndarray) -> float:
    """Cosine similarity of two task embeddings (higher: predicted to transfer better)."""
    norm = float(np.linalg.norm(inter) * np.linalg.norm(target))
    if norm == 0:
        raise ValueError("a task embedding of zero length has no direction")
    return float(np.dot(inter, target) / norm)
