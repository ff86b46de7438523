"""Sentence embedding for the retrieval targets: xtask's encoder (stops at the retrieval layer,
batches of similar length) vs a full-depth encoder in file order, side by side.

    python bench/bench_retrieval_encoder.py            # Tatoeba deu-eng, 1000 + 1000 sentences, median of 3 (~2 min)
    python bench/bench_retrieval_encoder.py --quick    # 200 + 200 sentences, 1 repetition (< 1 min)

Model: multilingual-e5-small (12 layers, converted offline by xtask.models.e5_offline) with
its "query: " prefix, reading layer ``--layer`` (default 7: about where XTREME reads XLM-R
Large, layer 14 of 24). Sentences: the German and English sides of Tatoeba deu-eng
(``$XTASK_REALDATA/tatoeba``, default ``../shared/realdata``). ``file order`` is the encoder before that change: every
layer computed, batches of ``--batch`` consecutive sentences padded to their longest.
Both embed the same sentences; the table gives sentences/s (median over repetitions,
interleaved), the padding share of each, and the largest difference between the two
embeddings (they must agree). One thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
REALDATA = Path(os.environ.get("XTASK_REALDATA", REPO.parent / "shared" / "realdata"))


def file_order_embeddings(model, tokenizer, texts: List[str], layer: int, batch: int, max_length: int) -> np.ndarray:
    """The encoder before the change: full depth, consecutive batches."""
    import torch

    out = []
    for start in range(0, len(texts), batch):
        enc = tokenizer(texts[start : start + batch], padding=True, truncation=True, max_length=max_length,
                        return_tensors="pt")
        with torch.no_grad():
            hidden = model(**enc, output_hidden_states=True).hidden_states[layer]
        mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        out.append(torch.nn.functional.normalize(pooled.float(), dim=-1).numpy())
    return np.concatenate(out)


def padding_share(lengths: Sequence[int], order: Sequence[int], batch: int) -> float:
    from xtask.pipeline.batching import padding_fraction

    return padding_fraction(lengths, order, batch)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 sentences per side, 1 repetition")
    parser.add_argument("--layer", type=int, default=7)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=REPO / "outputs" / "cache", help="where e5 is converted")
    parser.add_argument("--precision", action="store_true",
                        help="instead: bf16 and fp16 against float32, top-1 agreement on Tatoeba deu-eng (e5's own layer)")
    args = parser.parse_args(argv)
    if args.precision:
        return precision(args)
    import torch
    from transformers import AutoModel

    from xtask.models.e5_offline import ensure_e5_small
    from xtask.pipeline.retrieval import Encoder

    torch.set_num_threads(1)
    per_side = 200 if args.quick else 1000
    repeats = args.repeats or (1 if args.quick else 3)
    folder = str(ensure_e5_small(args.cache))
    sides = [REALDATA / "tatoeba" / f"tatoeba.deu-eng.{s}" for s in ("deu", "eng")]
    sentences = [line.strip() for path in sides for line in path.read_text(encoding="utf-8").splitlines()[:per_side]]
    prefix = "query: "
    ours = Encoder(folder, args.layer, args.max_length, args.batch, prefix)
    full = AutoModel.from_pretrained(folder, add_pooling_layer=False).eval()
    texts = [prefix + s for s in sentences]
    lengths = [len(x) for x in ours.tokenizer(texts, truncation=True, max_length=args.max_length)["input_ids"]]
    rates = {"file order, full depth": [], "sorted, stops at layer": []}
    results = {}
    ours(texts[: args.batch])  # warm-up
    for rep in range(repeats):
        names = list(rates) if rep % 2 == 0 else list(rates)[::-1]
        for name in names:
            started = time.perf_counter()
            if name.startswith("file"):
                results[name] = file_order_embeddings(full, ours.tokenizer, texts, args.layer, args.batch, args.max_length)
            else:
                results[name] = ours(sentences)
            rates[name].append(len(texts) / (time.perf_counter() - started))
    base = statistics.median(rates["file order, full depth"])
    diff = float(np.abs(results["file order, full depth"] - results["sorted, stops at layer"]).max())
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    pads = {"file order, full depth": padding_share(lengths, list(range(len(texts))), args.batch),
            "sorted, stops at layer": padding_share(lengths, order, args.batch)}
    print(f"multilingual-e5-small (12 layers), layer {args.layer}, Tatoeba deu-eng {len(texts)} sentences "
          f"(mean {np.mean(lengths):.1f} tokens), batch {args.batch}, median of {repeats}, 1 thread")
    print(f"{'encoder':<24} {'layers run':>10} {'padding':>8} {'sentences/s':>12} {'speed-up':>9}")
    for name, runs in rates.items():
        depth = 12 if name.startswith("file") else max(args.layer, 1)
        rate = statistics.median(runs)
        print(f"{name:<24} {depth:>10} {100 * pads[name]:>7.1f}% {rate:>12.1f} {rate / base:>8.2f}x")
    print(f"largest |difference| between the two embeddings: {diff:.1e}")


def precision(args: argparse.Namespace) -> None:
    """The encoder in bf16 / fp16 (autocast, as on a GPU with model.bf16; here on the CPU) against
    float32: each German sentence's nearest English one, e5-small's retrieval layer (the last)."""
    import torch

    from xtask.models.e5_offline import ensure_e5_small
    from xtask.pipeline.retrieval import Encoder, nearest

    torch.set_num_threads(1)
    per_side = 200 if args.quick else 1000
    folder = str(ensure_e5_small(args.cache))
    sides = [REALDATA / "tatoeba" / f"tatoeba.deu-eng.{s}" for s in ("deu", "eng")]
    deu, eng = ([line.strip() for line in path.read_text(encoding="utf-8").splitlines()[:per_side]] for path in sides)
    found, seconds = {}, {}
    for name, dtype in (("float32", None), ("bf16", torch.bfloat16), ("fp16", torch.float16)):
        encoder = Encoder(folder, -1, args.max_length, args.batch, "query: ", dtype=dtype)
        started = time.perf_counter()
        source = encoder(deu)
        found[name] = (nearest(source, encoder(eng)), source)
        seconds[name] = time.perf_counter() - started
    print(f"multilingual-e5-small, last layer, Tatoeba deu-eng {per_side} pairs, batch {args.batch}, CPU autocast, 1 thread"
          "; s: wall seconds to embed both sides")
    print(f"{'precision':<9} {'accuracy':>8} {'top-1 = float32':>15} {'min cosine to float32':>22} {'s':>6}")
    reference, reference_emb = found["float32"]
    for name, (top1, emb) in found.items():
        accuracy = np.mean([p == i for i, p in enumerate(top1)])
        agree = np.mean([a == b for a, b in zip(top1, reference)])
        cosine = float((emb * reference_emb).sum(1).min())
        print(f"{name:<9} {100 * accuracy:>7.1f}% {100 * agree:>14.1f}% {cosine:>22.4f} {seconds[name]:>6.1f}")


if __name__ == "__main__":
    main()
