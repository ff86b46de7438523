"""How many batch shapes an epoch has, and how much of it is padding: length-grouped batches
padded to their longest (xtask before), to a multiple of 8, and to length buckets.

    python bench/bench_shapes.py            # XNLI 128/256, UD-EWT 128/256, XQuAD 384 (~1 min, no model)
    python bench/bench_shapes.py --quick    # XNLI 128, UD-EWT 128

Real data as in bench/bench_padding.py (``$XTASK_REALDATA``; XLM-R's tokenizer; xtask's own
features), batches of 32 (QA: 16) in :class:`xtask.pipeline.batching.GroupedSampler` order.
The bucket lengths are chosen on the first epoch's batches (what a phase does); the figures
are those of the *second* epoch (another order: lengths not fitted to it). A shape is a
distinct (rows, padded length) of a training batch; "padding" is the share of pad tokens
over the epoch.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_padding import QUICK_ROWS, ROWS, encode, raw_rows  # noqa: E402

#: (name, buckets, multiple): 0 buckets = each batch padded to its longest (rounded to the multiple).
STRATEGIES = [("longest (before)", 0, 1), ("multiple of 8", 0, 8), ("<= 32 buckets", 32, 1),
              ("<= 32 buckets, x8 (GPU default)", 32, 8)]


def epoch(lengths: np.ndarray, batch_size: int, seed: int, number: int) -> Tuple[List[int], List[int]]:
    from xtask.pipeline.batching import GroupedSampler
    from xtask.pipeline.shapes import epoch_batches

    return epoch_batches(lengths, GroupedSampler(lengths, batch_size, seed).order(number), batch_size)


def measure(lengths: np.ndarray, batch_size: int, max_length: int, buckets: int, multiple: int) -> Tuple[int, float]:
    from xtask.pipeline.shapes import padded_length, round_up

    from xtask.pipeline.batching import GroupedSampler
    from xtask.pipeline.shapes import bounds_for

    first = GroupedSampler(lengths, batch_size, 1).order(0)
    bounds = bounds_for(lengths, first, batch_size, buckets, multiple) if buckets else None
    longest, sizes = epoch(lengths, batch_size, 1, 1)
    widths = [padded_length(n, bounds) if bounds else round_up(n, multiple) for n in longest]
    shapes = len(set(zip(sizes, widths)))
    padded = sum(s * w for s, w in zip(sizes, widths))
    return shapes, 1 - float(lengths.sum()) / padded


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cache", type=Path, default=REPO / "outputs" / "cache", help="where the e5 tokenizer is converted")
    parser.add_argument("--features", type=Path, default=None, help="a feature cache folder (faster reruns)")
    args = parser.parse_args(argv)
    from transformers import AutoTokenizer

    from xtask.models.e5_offline import ensure_e5_small
    from xtask.pipeline.batching import feature_lengths

    tokenizer = AutoTokenizer.from_pretrained(ensure_e5_small(args.cache))
    print("second epoch of length-grouped batches; bucket lengths chosen on the first epoch")
    print(f"{'data (max_length, batch)':<26} {'features':>8} {'batches':>7} {'padding':>30} {'shapes':>6} {'padding':>8}")
    raws: dict = {}
    for row in (QUICK_ROWS[:2] if args.quick else ROWS):
        raw = raws.setdefault(row.task, raw_rows(row.task))
        lengths = feature_lengths(encode(row, raw, tokenizer, args.features))
        batches = -(-len(lengths) // row.batch_size)
        for i, (name, buckets, multiple) in enumerate(STRATEGIES):
            shapes, pad = measure(lengths, row.batch_size, row.max_length, buckets, multiple)
            label = f"{row.label} ({row.max_length}, {row.batch_size})" if i == 0 else ""
            print(f"{label:<26} {len(lengths) if i == 0 else '':>8} {batches if i == 0 else '':>7} {name:>30} "
                  f"{shapes:>6} {100 * pad:>7.1f}%", flush=True)


if __name__ == "__main__":
    main()
