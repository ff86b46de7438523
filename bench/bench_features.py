"""Tokenise once: preparing features with and without xtask's feature cache, and what share of
a tiny cell's wall time is not training.

    python bench/bench_features.py            # 3 real-data tasks + 3 tiny cells x 3 runs, median of 3 (~5 min)
    python bench/bench_features.py --quick    # the same once, 1 tiny cell on a shorter budget (< 1 min)

Part 1, real data (``$XTASK_REALDATA``, as bench_padding.py) with XLM-R's 250k SentencePiece tokenizer
(multilingual-e5-small's, xtask.models.e5_offline): XNLI English dev pairs (classification),
UD English-EWT train (tagging, 12544 sentences), XQuAD English (QA windows of 384, stride
128; training windows and prediction windows with their offsets). For each: encoding in
memory (``train.feature_cache=false``, what every cell did before), the first cached
preparation (encode + write the entry) and the second (what every later cell and job does:
hash the tokenizer and the rows, read the entry; the tokenizer's hash memo is cleared first,
as in a new job); wall seconds, median of 3 (each repetition with a fresh cache).

Part 2, whole cells (tiny model, bundled mini data, ``train=cpu``, ``inter=none``; one cell
per target kind): wall time, the part spent in ``Trainer.train`` (``train_seconds``), the
share that is not training and, of that, the zero-shot evaluation (every mini language), for (a) no feature cache, (b) a first cell filling the cache,
(c) a second cell (another learning rate, the same data) reading it; median of 3 repetitions
(the feature cache emptied before each). Each cell writes to a fresh outputs folder; the
model cache is shared (the tiny model is built before timing).
One thread (``OMP_NUM_THREADS=1``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_padding import raw_rows  # noqa: E402  (same real-data readers)

TASKS = [("xnli", "XNLI en dev pairs", ("train",)), ("udpos", "UD-EWT train", ("train",)),
         ("xquad", "XQuAD en windows", ("train", "predict"))]
CELLS = ["xnli", "udpos", "xquad"]


def _hp(task: str) -> Any:
    from omegaconf import OmegaConf

    from xtask.config import PhaseTrainConfig

    return OmegaConf.merge(OmegaConf.structured(PhaseTrainConfig),
                           {"max_length": 384 if task == "xquad" else 128, "doc_stride": 128, "max_query_length": 64})


def prepare(task_name: str, purpose: str, raw: Any, tokenizer: Any, cache: Optional[Path]) -> float:
    from xtask.pipeline import features
    from xtask.pipeline.formats import format_for
    from xtask.tasks import get_task

    task = get_task(task_name)
    fmt = format_for(task)
    encode = fmt.encode_for_training if purpose == "train" else fmt.encode_for_prediction
    features._tokenizer_ids.clear()  # as in a new job
    started = time.perf_counter()
    out = encode(raw, tokenizer, task, _hp(task_name), cache)
    assert len(out) >= len(raw)
    return time.perf_counter() - started


def part_one(cache_root: Path, model_cache: Path, repeats: int) -> None:
    import datasets
    from transformers import AutoTokenizer

    from xtask.models.e5_offline import ensure_e5_small

    tokenizer = AutoTokenizer.from_pretrained(ensure_e5_small(model_cache))
    print(f"Part 1: feature preparation, real data, XLM-R tokenizer (seconds, median of {repeats})")
    print(f"{'data':<27} {'rows':>6} {'features':>8} {'in memory':>10} {'1st cached':>11} {'2nd cached':>11} "
          f"{'speed-up':>9} {'entry MiB':>9}")
    raws = {name: raw_rows(name) for name, _, _ in TASKS}
    prepare("xnli", "train", raws["xnli"].select(range(8)), tokenizer, cache_root / "warm-up")  # imports, first calls
    for name, label, purposes in TASKS:
        raw = raws[name]
        for purpose in purposes:
            times: Dict[str, List[float]] = {"memory": [], "first": [], "second": []}
            for rep in range(repeats):
                root = cache_root / f"{name}-{purpose}-{rep}"
                times["memory"].append(prepare(name, purpose, raw, tokenizer, None))
                times["first"].append(prepare(name, purpose, raw, tokenizer, root))
                times["second"].append(prepare(name, purpose, raw, tokenizer, root))
            memory, first, second = (statistics.median(times[k]) for k in ("memory", "first", "second"))
            entry = next(p for p in root.iterdir() if p.is_dir())
            size = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file()) / 2**20
            count = len(datasets.load_from_disk(str(entry)))
            print(f"{label + f' ({purpose})':<27} {len(raw):>6} {count:>8} {memory:>10.2f} {first:>11.2f} "
                  f"{second:>11.3f} {memory / second:>8.0f}x {size:>9.1f}", flush=True)


def compose(overrides: List[str]) -> Any:
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from xtask.config import register_configs

    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        return hydra_compose(config_name="config", overrides=overrides)


def cell(target: str, outputs: Path, cache: Path, extra: List[str]) -> Dict[str, float]:
    from xtask.pipeline.cell import run_cell

    overrides = [f"paths.outputs={outputs}", f"paths.cache={cache}", "inter=none", f"target={target}",
                 "logger=none", *extra]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):  # progress bars, logs
        outcome = run_cell(compose(overrides))
    assert outcome.action == "ran", outcome
    total = outcome.results.timings["total_s"]
    train = outcome.results.phases["target"]["train_seconds"]
    return {"total": total, "train": train, "other": total - train, "eval": outcome.results.timings["eval_s"]}


def part_two(work: Path, quick: bool, repeats: int) -> None:
    import logging

    logging.disable(logging.WARNING)
    cache = work / "cache"
    budget = ["train.target.max_steps=20", "train.target.max_eval_examples=50"] if quick else []
    targets = CELLS[:1] if quick else CELLS
    cell("xnli", work / "warm-up", cache, ["train.target.max_steps=2", "train.target.max_eval_examples=4",
                                            "train.feature_cache=false"])  # builds the tiny model
    runs = ["no feature cache (before)", "1st cell, fills the cache", "2nd cell, reads the cache"]
    found: Dict[tuple, List[Dict[str, float]]] = {}
    for rep in range(repeats):
        for target in targets:
            shutil.rmtree(cache / "features", ignore_errors=True)
            lr = f"train.target.lr={0.001 + rep * 1e-5:g}"
            extras = [["train.feature_cache=false", lr], ["train.feature_cache=true", lr],
                      ["train.feature_cache=true", f"train.target.lr={0.002 + rep * 1e-5:g}"]]
            for i, extra in enumerate(extras):
                found.setdefault((target, i), []).append(cell(target, work / f"{target}-{rep}-{i}", cache, budget + extra))
    print(f"\nPart 2: tiny cells (model=tiny data=mini train=cpu inter=none{', ' + ' '.join(budget) if budget else ''}),"
          f" seconds, median of {repeats}")
    print(f"{'target':<8} {'run':<26} {'wall':>6} {'training':>9} {'not training':>13} {'share':>6} "
          f"{'of which evaluation':>20}")
    for target in targets:
        for i, label in enumerate(runs):
            t = {k: statistics.median(r[k] for r in found[(target, i)]) for k in ("total", "train", "other", "eval")}
            print(f"{target if i == 0 else '':<8} {label:<26} {t['total']:>6.2f} {t['train']:>9.2f} {t['other']:>13.2f} "
                  f"{100 * t['other'] / t['total']:>5.0f}% {t['eval']:>20.2f}", flush=True)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one tiny cell with a 20-step budget")
    parser.add_argument("--cache", type=Path, default=REPO / "outputs" / "cache", help="where the e5 tokenizer is converted")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="bench-features-"))
    try:
        part_one(work / "features", args.cache, 1 if args.quick else 3)
        part_two(work, args.quick, 1 if args.quick else 3)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
