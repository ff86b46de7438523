"""Few batch shapes: every batch is padded to one of a small set of lengths (buckets).

Length-grouped batches (xtask/pipeline/batching.py) padded to their longest give nearly every
batch its own length, so ``torch.compile`` (and CUDA graphs) would compile again for most
batches. Here a phase pads each batch to the smallest of at most ``length_buckets`` lengths
that holds it (the fewest that add at most :data:`SLACK` of padding), each a multiple of ``pad_to_multiple_of`` (tensor-core friendly on a GPU), the
last one the longest training feature. The lengths are chosen for the phase's own training
batches (the first epoch's, in the sampler's order): the ones that leave the fewest padding
tokens over that epoch (an exact dynamic programme over the candidate lengths). Which
examples share a batch does not change, only how far each batch is padded (attention masks
hide the padding), so evaluation and prediction use the same lengths.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np

#: Buckets and padding multiple where a phase leaves them null: on a GPU (where compiled
#: kernels and tensor cores pay), at most 32 buckets of multiples of 8; on a CPU, none (each
#: batch padded to its longest, as before: compile is off on a CPU and padding costs compute).
GPU_BUCKETS, GPU_MULTIPLE = 32, 8
#: How much more padding (a share of the tokens) the buckets may add to padding each batch to its
#: own longest: the fewest buckets within it are used (bench/bench_shapes.py).
SLACK = 0.02


def round_up(length: int, multiple: int) -> int:
    return -(-int(length) // multiple) * multiple


def settings(hp: Any, on_gpu: bool) -> Dict[str, int]:
    """``{"buckets": n, "multiple": m}`` of a phase's train config (n = 0: no buckets)."""
    buckets = getattr(hp, "length_buckets", None)
    multiple = getattr(hp, "pad_to_multiple_of", None)
    return {"buckets": int(buckets if buckets is not None else (GPU_BUCKETS if on_gpu else 0)),
            "multiple": int(multiple if multiple is not None else (GPU_MULTIPLE if on_gpu else 1))}


def bucket_lengths(batch_lengths: Sequence[int], batch_sizes: Sequence[int], count: int, multiple: int,
                   longest: int, tokens: Optional[int] = None, slack: float = SLACK) -> List[int]:
    """At most ``count`` padded lengths, multiples of ``multiple`` (the last: ``longest``, the
    longest feature, rounded up), minimising the padded tokens of batches whose longest members
    are ``batch_lengths`` and sizes ``batch_sizes`` when each is padded to the smallest length
    that holds it. With ``tokens`` (the batches' real tokens): the fewest lengths whose padding
    share is within ``slack`` of padding each batch to its own longest (rounded up to the
    multiple), ``count`` at most."""
    if count < 1:
        raise ValueError(f"length_buckets={count}: need at least one bucket")
    top = round_up(longest, multiple)
    lengths = np.minimum(np.asarray(batch_lengths, dtype=np.int64), longest)
    rounded = np.minimum(-(-lengths // multiple) * multiple, top)
    candidates = np.unique(np.append(rounded, top))  # ascending, the top one last
    weight = np.zeros(len(candidates), dtype=np.float64)  # tokens' rows per candidate length
    np.add.at(weight, np.searchsorted(candidates, rounded), np.asarray(batch_sizes, dtype=np.float64))
    n = len(candidates)
    if n <= count:
        return [int(c) for c in candidates]
    prefix = np.concatenate([[0.0], np.cumsum(weight)])
    # best[k][j]: least padded tokens of candidates 0..j in k+1 buckets, the last one ending at j.
    inf = np.inf
    best = np.full((count, n), inf)
    cut = np.zeros((count, n), dtype=np.int64)
    best[0] = prefix[1:] * candidates
    for k in range(1, count):
        for j in range(k, n):
            # The last bucket holds candidates i..j (padded to candidates[j]); before it, k buckets end at i - 1.
            i = np.arange(k, j + 1)
            costs = best[k - 1][i - 1] + (prefix[j + 1] - prefix[i]) * candidates[j]
            pick = int(np.argmin(costs))
            best[k][j], cut[k][j] = costs[pick], i[pick]
    k = int(np.argmin(best[:, n - 1]))
    if tokens is not None:
        own = float((weight * candidates).sum())  # each batch at its own rounded length
        within = np.flatnonzero(1 - tokens / best[:, n - 1] <= 1 - tokens / own + slack)
        k = int(within[0]) if len(within) else k
    bounds, j = [], n - 1
    while k >= 0:
        bounds.append(int(candidates[j]))
        j = int(cut[k][j]) - 1 if k > 0 else -1
        k -= 1
    return sorted(bounds)


def epoch_batches(lengths: Sequence[int], order: Sequence[int], batch_size: int) -> tuple:
    """(longest length, size) of each batch of ``batch_size`` consecutive indices of ``order``."""
    lengths = np.asarray(lengths)
    longest, sizes = [], []
    for start in range(0, len(order), batch_size):
        batch = lengths[np.asarray(order[start : start + batch_size])]
        longest.append(int(batch.max()))
        sizes.append(len(batch))
    return longest, sizes


def padded_length(longest: int, bounds: Sequence[int], multiple: int = 1) -> int:
    """The smallest bucket length that holds ``longest``; past the last bucket (a prediction
    feature longer than every training one), ``longest`` rounded up to ``multiple``."""
    if longest > bounds[-1]:
        return round_up(longest, multiple)
    return int(bounds[int(np.searchsorted(bounds, longest))])


def _row_length(feature: Dict[str, Any]) -> int:
    ids = feature["input_ids"]
    if len(ids) and isinstance(ids[0], (list, tuple, np.ndarray)):
        return max(len(choice) for choice in ids)  # multiple choice: its longest choice
    return len(ids)


class PadToBuckets:
    """A collator that pads each batch to a bucket length: it sets the wrapped transformers
    collator (``DataCollatorWithPadding``, ``...ForTokenClassification``, ``...ForMultipleChoice``,
    or one wrapping one of them as ``.inner``) to pad to that length for the call."""

    def __init__(self, collator: Any, bounds: Sequence[int], multiple: int = 1) -> None:
        self.collator = collator
        self.bounds, self.multiple = list(bounds), int(multiple)
        inner = collator
        while hasattr(inner, "inner"):
            inner = inner.inner
        self.padder = inner

    def __call__(self, features: List[Dict[str, Any]]) -> Dict[str, Any]:
        saved = self.padder.padding, self.padder.max_length
        self.padder.padding = "max_length"
        self.padder.max_length = padded_length(max(_row_length(f) for f in features), self.bounds, self.multiple)
        try:
            return self.collator(features)
        finally:
            self.padder.padding, self.padder.max_length = saved


def bounds_for(lengths: Sequence[int], order: Optional[Sequence[int]], batch_size: int, count: int,
               multiple: int) -> List[int]:
    """Bucket lengths for a phase's training features of ``lengths``: ``order`` is the first
    epoch's (None: the features one by one, for a random order). Every training batch of any
    epoch fits the last one."""
    longest = int(np.max(lengths)) if len(lengths) else 1
    tokens = int(np.sum(lengths))
    if order is None:
        return bucket_lengths(lengths, np.ones(len(lengths)), count, multiple, longest, tokens)
    return bucket_lengths(*epoch_batches(lengths, order, batch_size), count=count, multiple=multiple, longest=longest,
                          tokens=tokens)


def apply(trainer: Any, hp: Any, on_gpu: bool) -> Optional[List[int]]:
    """Pad ``trainer``'s batches (training, evaluation, prediction) to the phase's bucket
    lengths, or to its padding multiple when it has no buckets; returns the bucket lengths
    (None without buckets). A no-op for a phase with neither (a CPU's default)."""
    import logging

    from xtask.pipeline.batching import GroupedSampler, feature_lengths

    chosen = settings(hp, on_gpu)
    buckets, multiple = chosen["buckets"], chosen["multiple"]
    if buckets == 0:
        if multiple > 1:
            padder = trainer.data_collator
            while hasattr(padder, "inner"):
                padder = padder.inner
            padder.pad_to_multiple_of = multiple
        return None
    lengths = feature_lengths(trainer.train_dataset)
    sampler = trainer._get_train_sampler()
    order = sampler.order(0) if isinstance(sampler, GroupedSampler) else None
    bounds = bounds_for(lengths, order, trainer.args.train_batch_size, buckets, multiple)
    trainer.data_collator = PadToBuckets(trainer.data_collator, bounds, multiple)
    logging.getLogger(__name__).info("batch shapes: %d padded lengths %s (multiple of %d)", len(bounds), bounds, multiple)
    return bounds
