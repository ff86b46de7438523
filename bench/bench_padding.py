"""Training throughput on real length distributions: pad-to-max vs random dynamic padding vs
length-grouped batches (xtask's default), side by side.

    python bench/bench_padding.py            # XLM-R-shaped model (hidden 256, 4 layers), 5 rows, median of 3 (~5 min)
    python bench/bench_padding.py --quick    # hidden 64, 2 layers, 3 rows, 1 repetition (< 1 min)

Data (``$XTASK_REALDATA``, default ``../shared/realdata`` beside the repository; English): XNLI dev pairs (2490, the English columns of
myXNLI), UD English-EWT train sentences (12544, UPOS), XQuAD questions (1190) cut into windows
(384 tokens, stride 128, questions <= 64 tokens). Tokenizer: XLM-R's 250k SentencePiece
vocabulary (multilingual-e5-small's, converted offline by xtask.models.e5_offline), features
from xtask's own formats, so lengths are the ones training sees.

Strategies, each over one epoch of the data in batches of 32 (QA: 16, XTREME's batch sizes):

- ``pad-to-max``: every batch padded to max_length (XTREME's reference scripts);
- ``random``: shuffled, each batch padded to its longest (xtask before grouping; HF's default);
- ``grouped``: :class:`xtask.pipeline.batching.GroupedSampler` order (HF's LengthGroupedSampler:
  mega-batches of 50 batches sorted by length), each batch padded to its longest.

"padding" is the exact share of pad tokens over the whole epoch. Throughput: a training step
(forward, backward, AdamW) of a randomly initialised XLM-R-shaped encoder (vocabulary 250002)
with the task's head, in CPU seconds of the single-threaded process (other processes on a
shared machine disturb them less than wall time). Each strategy times ``--batches`` of its
batches (the middle batch of each of k equal slices of its epoch ranked by padded length);
strategies are interleaved. A step's time depends on its padded length (same batch size, same
model), so the row's timed steps (all strategies) fit t(L) = a + b L + c L^2, and a
strategy's epoch time is the sum of t over every batch of its epoch: examples/s = examples /
that sum. The fit is redone per repetition; the table gives the median. ("timed" gives the
plain mean over the timed batches, for comparison: it over- or under-weights the longest
batches of a skewed epoch.) The word embeddings are frozen unless ``--train-embeddings``: on this CPU
the AdamW update of the 250k x hidden table (a fixed ~0.4-1.5 s per step, whatever the
padding) would hide the compute the padding costs; on a GPU that update is a few ms (fused)
against the encoder's compute.
One thread (``OMP_NUM_THREADS=1``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
REALDATA = Path(os.environ.get("XTASK_REALDATA", REPO.parent / "shared" / "realdata"))
STRATEGIES = ("pad-to-max", "random", "grouped")


@dataclass(frozen=True)
class Row:
    task: str  # xtask task name (its spec and format)
    label: str
    max_length: int
    batch_size: int


ROWS = [
    Row("xnli", "XNLI pairs", 128, 32), Row("xnli", "XNLI pairs", 256, 32),
    Row("udpos", "UD-EWT tagging", 128, 32), Row("udpos", "UD-EWT tagging", 256, 32),
    Row("xquad", "XQuAD windows", 384, 16),
]
QUICK_ROWS = [ROWS[0], ROWS[2], ROWS[4]]
SOURCES = {
    "xnli": ("tsv", "xnli/en_my.myxnli.dev.tsv.gz",
             {"columns": {"text_a": "sentence1_en", "text_b": "sentence2_en", "label": "label"}}),
    "udpos": ("conllu", "ud/en_ewt-ud-train.conllu.gz", {}),
    "xquad": ("squad_json", "xquad/xquad.en.json", {}),
}


def raw_rows(task: str) -> Any:
    import datasets

    from xtask.data import parsers
    from xtask.tasks import get_task

    parser, path, options = SOURCES[task]
    rows, _ = getattr(parsers, parser)(REALDATA / path, get_task(task), options)
    return datasets.Dataset.from_list(rows)


def encode(row: Row, raw: Any, tokenizer: Any, cache: Optional[Path] = None) -> Any:
    """``raw`` encoded as a phase trains on it (``cache``: a feature cache folder, or None)."""
    from omegaconf import OmegaConf

    from xtask.config import PhaseTrainConfig
    from xtask.pipeline.formats import format_for
    from xtask.tasks import get_task

    hp = OmegaConf.merge(OmegaConf.structured(PhaseTrainConfig),
                         {"max_length": row.max_length, "doc_stride": 128, "max_query_length": 64})
    task = get_task(row.task)
    return format_for(task).encode_for_training(raw, tokenizer, task, hp, cache)


def plan(strategy: str, lengths: np.ndarray, batch_size: int, max_length: int, seed: int) -> List[Tuple[List[int], int]]:
    """(indices, padded length) of each full batch of one epoch."""
    from xtask.pipeline.batching import GroupedSampler

    if strategy == "grouped":
        order = GroupedSampler(lengths, batch_size, seed).order(0)
    else:
        order = np.random.default_rng(seed).permutation(len(lengths)).tolist()
    out = []
    for start in range(0, len(order) - batch_size + 1, batch_size):
        batch = order[start : start + batch_size]
        out.append((batch, max_length if strategy == "pad-to-max" else int(lengths[batch].max())))
    return out


def padding(batches: Sequence[Tuple[List[int], int]], lengths: np.ndarray) -> float:
    real = sum(int(lengths[b].sum()) for b, _ in batches)
    return 1 - real / sum(len(b) * width for b, width in batches)


def stratified(batches: Sequence[Tuple[List[int], int]], k: int) -> List[Tuple[List[int], int]]:
    """The batches at the middle of each of k equal slices of the epoch ranked by padded length."""
    ranked = sorted(batches, key=lambda b: b[1])
    return [ranked[int((i + 0.5) * len(ranked) / k)] for i in range(k)]


def model_for(task: str, args: argparse.Namespace) -> Any:
    import torch
    import transformers
    from transformers import XLMRobertaConfig

    from xtask.tasks import get_task

    spec = get_task(task)
    head = {"xnli": "XLMRobertaForSequenceClassification", "udpos": "XLMRobertaForTokenClassification",
            "xquad": "XLMRobertaForQuestionAnswering"}[task]
    config = XLMRobertaConfig(vocab_size=250002, hidden_size=args.hidden, num_hidden_layers=args.layers,
                              num_attention_heads=args.hidden // 64 or 1, intermediate_size=4 * args.hidden,
                              max_position_embeddings=514, num_labels=2 if task == "xquad" else spec.num_labels)
    torch.manual_seed(0)
    model = getattr(transformers, head)(config)
    model.train()
    if not args.train_embeddings:
        model.roberta.embeddings.word_embeddings.weight.requires_grad_(False)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    return model, optimizer


def collate(task: str, tokenizer: Any, rows: List[Dict[str, Any]], width: int) -> Dict[str, Any]:
    from transformers import DataCollatorForTokenClassification, DataCollatorWithPadding

    if task == "udpos":
        return DataCollatorForTokenClassification(tokenizer, padding="max_length", max_length=width,
                                                  label_pad_token_id=-100)(rows)
    return DataCollatorWithPadding(tokenizer, padding="max_length", max_length=width)(rows)


def step_seconds(model: Any, optimizer: Any, batch: Dict[str, Any]) -> float:
    """CPU seconds of one training step (one thread: less sensitive than wall time to the other
    processes of a shared machine)."""
    started = time.process_time()
    loss = model(**batch).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return time.process_time() - started


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="hidden 64 x 2 layers, 3 rows, 3 batches, 1 repetition")
    parser.add_argument("--hidden", type=int, default=None, help="hidden size (default 256; --quick 64)")
    parser.add_argument("--layers", type=int, default=None, help="layers (default 4; --quick 2)")
    parser.add_argument("--batches", type=int, default=None, help="timed batches per strategy (default 5; --quick 3)")
    parser.add_argument("--repeats", type=int, default=None, help="repetitions (default 3; --quick 1)")
    parser.add_argument("--train-embeddings", action="store_true", help="also update the 250k-row word embeddings")
    parser.add_argument("--cache", type=Path, default=REPO / "outputs" / "cache", help="where the e5 tokenizer is converted")
    args = parser.parse_args(argv)
    args.hidden = args.hidden or (64 if args.quick else 256)
    args.layers = args.layers or (2 if args.quick else 4)
    k = args.batches or (3 if args.quick else 5)
    repeats = args.repeats or (1 if args.quick else 3)
    import torch
    from transformers import AutoTokenizer

    from xtask.models.e5_offline import ensure_e5_small
    from xtask.pipeline.batching import feature_lengths

    torch.set_num_threads(1)
    tokenizer = AutoTokenizer.from_pretrained(ensure_e5_small(args.cache))
    rows = QUICK_ROWS if args.quick else ROWS
    print(f"model: XLM-R-shaped, hidden {args.hidden}, {args.layers} layers, vocabulary 250002, word embeddings "
          f"{'trained' if args.train_embeddings else 'frozen'}; {k} timed batches per strategy (stratified), "
          f"median of {repeats}; torch {torch.__version__}, {torch.get_num_threads()} thread")
    print("ex/cpu-s: training examples per CPU second over the whole epoch (step time fitted on the padded "
          "length); timed: the plain mean over the timed batches")
    print(f"{'data (max_length, batch)':<32} {'features':>8} {'mean len':>8} {'strategy':>10} {'padding':>8} "
          f"{'ex/cpu-s':>10} {'vs pad-to-max':>13} {'vs random':>9} {'timed':>8}")
    raws: Dict[str, Any] = {}
    models: Dict[str, Any] = {}
    for row in rows:
        raw = raws.setdefault(row.task, raw_rows(row.task))
        features = encode(row, raw, tokenizer)
        lengths = feature_lengths(features)
        model, optimizer = models.setdefault(row.task, model_for(row.task, args))
        epochs = {s: plan(s, lengths, row.batch_size, row.max_length, seed=1) for s in STRATEGIES}
        timed = {s: stratified(b, k) for s, b in epochs.items()}
        tensors = {s: [collate(row.task, tokenizer, [features[i] for i in idx], width) for idx, width in batches]
                   for s, batches in timed.items()}
        step_seconds(model, optimizer, tensors["random"][0])  # warm-up (allocations)
        fitted: Dict[str, List[float]] = {s: [] for s in STRATEGIES}
        plain: Dict[str, List[float]] = {s: [] for s in STRATEGIES}
        for rep in range(repeats):
            points: List[Tuple[int, float]] = []
            for strategy in (STRATEGIES if rep % 2 == 0 else STRATEGIES[::-1]):  # interleaved
                seconds = [step_seconds(model, optimizer, batch) for batch in tensors[strategy]]
                points += [(width, t) for (_, width), t in zip(timed[strategy], seconds)]
                plain[strategy].append(row.batch_size / statistics.fmean(seconds))
            cost = np.poly1d(np.polyfit(*zip(*points), deg=2))
            for strategy, batches in epochs.items():
                fitted[strategy].append(len(batches) * row.batch_size / float(sum(cost(w) for _, w in batches)))
        median = {s: statistics.median(r) for s, r in fitted.items()}
        label = f"{row.label} ({row.max_length}, {row.batch_size})"
        for strategy in STRATEGIES:
            first = strategy == STRATEGIES[0]
            print(f"{label if first else '':<32} {len(features) if first else '':>8} "
                  f"{f'{lengths.mean():.1f}' if first else '':>8} {strategy:>10} "
                  f"{100 * padding(epochs[strategy], lengths):>7.1f}% {median[strategy]:>10.1f} "
                  f"{median[strategy] / median['pad-to-max']:>12.2f}x {median[strategy] / median['random']:>8.2f}x "
                  f"{statistics.median(plain[strategy]):>8.1f}", flush=True)


if __name__ == "__main__":
    main()
