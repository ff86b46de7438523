"""A prepared check for a machine with one GPU (under 5 minutes): what a paper grid's cells cost there.

    bash bench/gpu_check.sh            # on a GPU node: XLM-R Large shapes, bf16, the paper's lengths
    python bench/gpu_check.py --cpu    # the CPU mode (tiny shapes; what CI runs): the GPU parts are skipped

Prints, each on its own ``name: figures`` line:

- ``training <kind>``: a training step (forward, backward, fused AdamW) of a randomly initialised
  XLM-R-Large-shaped model (24 layers, hidden 1024, vocabulary 250002; the task kind's head) in
  bf16 autocast at the paper's shapes (``train=paper``: batch 32 x 256 tokens for classification
  and tagging, 16 x 384 for QA windows, 32 x 4 choices x 256 for multiple choice): tokens/s,
  MFU (the 6 x N x tokens/s bound, N = parameters outside the embedding tables, attention's own
  flops left out, against the card's dense bf16 peak), and the peak GPU memory of that kind;
- ``bytes written``: one tiny ``selection=best`` cell of 4 epochs (bench/bench_bytes.py: bytes the
  phase wrote, in model sizes), and what that makes for an XLM-R Large phase (computed);
- ``retrieval encoding``: sentences/s of the XLM-R-Large-shaped encoder up to layer 14 in bf16
  (batches of 128 sentences of 32 tokens, Tatoeba/BUCC-like);
- ``mining``: margin mining (xtask/mining_torch.py) of n = m = 50k embeddings of dim 1024 on the GPU.

On a CPU (no CUDA device, or ``--cpu``) every part runs at tiny sizes, so that the script
itself is checked (tests/test_gpu_check.py), and the output says that the GPU parts were
skipped: its figures are not XLM-R Large's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

#: Dense bf16 peaks (flop/s) by a substring of the device name; MFU is left out for other cards.
BF16_PEAK = {"H200": 989e12, "H100 PCIe": 756e12, "H100": 989e12, "A100": 312e12, "L40S": 362e12, "A10": 125e12}
XLMR_LARGE = dict(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096,
                  vocab_size=250002, max_position_embeddings=514)
TINY = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128, vocab_size=3000,
            max_position_embeddings=130)


@dataclass(frozen=True)
class Shape:
    kind: str
    head: str
    batch: int
    length: int
    choices: int = 1


PAPER_SHAPES = [Shape("classification", "XLMRobertaForSequenceClassification", 32, 256),
                Shape("tagging", "XLMRobertaForTokenClassification", 32, 256),
                Shape("qa", "XLMRobertaForQuestionAnswering", 16, 384),
                Shape("multiple choice", "XLMRobertaForMultipleChoice", 32, 256, 4)]
TINY_SHAPES = [Shape(s.kind, s.head, 4, 32, s.choices) for s in PAPER_SHAPES]


def peak_flops(name: str) -> Optional[float]:
    for key, value in BF16_PEAK.items():
        if key in name:
            return value
    return None


def _sync(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def batch_for(shape: Shape, vocab: int, device: Any) -> Dict[str, Any]:
    import torch

    dims = (shape.batch, shape.choices, shape.length) if shape.choices > 1 else (shape.batch, shape.length)
    ids = torch.randint(5, vocab, dims, device=device)
    batch: Dict[str, Any] = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    if shape.kind == "classification":
        batch["labels"] = torch.randint(0, 3, (shape.batch,), device=device)
    elif shape.kind == "tagging":
        batch["labels"] = torch.randint(0, 17, (shape.batch, shape.length), device=device)
    elif shape.kind == "qa":
        batch["start_positions"] = torch.randint(0, shape.length, (shape.batch,), device=device)
        batch["end_positions"] = torch.randint(0, shape.length, (shape.batch,), device=device)
    else:
        batch["labels"] = torch.randint(0, shape.choices, (shape.batch,), device=device)
    return batch


def training(shape: Shape, arch: Dict[str, int], device: Any, steps: int, peak: Optional[float]) -> str:
    import torch
    import transformers

    torch.manual_seed(0)
    labels = {"classification": 3, "tagging": 17, "qa": 2, "multiple choice": 1}[shape.kind]
    config = transformers.XLMRobertaConfig(**arch, num_labels=labels)
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    with torch.device(device):
        model = getattr(transformers, shape.head)(config)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=device.type == "cuda")
    batch = batch_for(shape, arch["vocab_size"], device)
    on_gpu = device.type == "cuda"

    def step() -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=on_gpu):
            loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    step()  # warm-up: kernels, optimizer state
    _sync(device)
    started = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    seconds = (time.perf_counter() - started) / steps
    tokens = shape.batch * shape.choices * shape.length / seconds
    embeddings = sum(p.numel() for n, p in model.named_parameters() if "embeddings" in n)
    dense = sum(p.numel() for p in model.parameters()) - embeddings
    achieved = 6 * dense * tokens
    if not on_gpu:
        mfu = "MFU: GPU only"
    else:
        mfu = f"MFU {100 * achieved / peak:.1f}% of {peak / 1e12:.0f} TFLOP/s" if peak else "MFU: this card's peak unknown"
    memory = (f"peak memory {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB" if on_gpu else "peak memory: GPU only")
    del model, optimizer
    dims = f"{shape.batch}x{shape.choices}x{shape.length}" if shape.choices > 1 else f"{shape.batch}x{shape.length}"
    return (f"training {shape.kind}: {dims} tokens, {seconds * 1000:.1f} ms/step, {tokens:,.0f} tokens/s, "
            f"6N = {6 * dense / 1e6:,.1f} MFLOP/token ({achieved / 1e12:.3f} TFLOP/s), {mfu}, {memory}")


def bytes_written(cache: Path, model_params: int) -> str:
    from bench_bytes import measure

    import contextlib

    with tempfile.TemporaryDirectory(prefix="gpu_check_bytes_") as tmp, contextlib.redirect_stdout(sys.stderr):
        row = measure(REPO, "tiny", Path(tmp), cache, examples=32, batch=16)  # the Trainer's log lines go to stderr
    ratio = row["phase_bytes"] / row["model_bytes"]
    large = model_params * 4 / 1e9  # float32 weights
    return (f"bytes written: tiny selection=best cell, 4 epochs: phase {row['phase_bytes'] / 2**20:.2f} MiB = "
            f"{ratio:.2f}x its model ({row['model_bytes'] / 2**20:.2f} MiB), {row['saves']} checkpoint saves, "
            f"{row['optimizer_states']} optimizer states; XLM-R Large phase (computed): {ratio * large:.2f} GB "
            f"(model {large:.2f} GB; a full checkpoint, when one is written, ~{3 * large:.1f} GB)")


def retrieval_encoding(arch: Dict[str, int], device: Any, batches: int, batch: int, length: int, layer: int) -> str:
    import torch
    import transformers

    config = transformers.XLMRobertaConfig(**{**arch, "num_hidden_layers": layer})  # stops at its layer
    with torch.device(device):
        model = transformers.XLMRobertaModel(config, add_pooling_layer=False).eval()
    ids = torch.randint(5, arch["vocab_size"], (batch, length), device=device)
    mask = torch.ones_like(ids)
    on_gpu = device.type == "cuda"

    def encode() -> Any:
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=on_gpu):
            hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        return torch.nn.functional.normalize(hidden.float().mean(1), dim=-1)

    encode()
    _sync(device)
    started = time.perf_counter()
    for _ in range(batches):
        encode()
    _sync(device)
    rate = batches * batch / (time.perf_counter() - started)
    return (f"retrieval encoding: {rate:,.0f} sentences/s ({length} tokens, batches of {batch}, layer {layer}, "
            f"{'bf16' if on_gpu else 'float32'})")


def mining(n: int, dim: int, device: Any) -> str:
    import numpy as np

    from xtask import mining_torch

    rng = np.random.default_rng(0)
    src, tgt = (rng.standard_normal((n, dim), dtype=np.float32) + np.float32(0.5) for _ in range(2))
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    mining_torch.margin_candidates(src[:64], tgt[:64], 4, on=device)  # warm-up
    started = time.perf_counter()
    found = mining_torch.margin_candidates(src, tgt, 4, on=device)
    _sync(device)
    seconds = time.perf_counter() - started
    return (f"mining: n = m = {n:,}, dim {dim}, torch on {device.type}: {seconds:.2f} s, "
            f"{n * n / seconds / 1e9:.2f} G pairs/s, {len(found)} candidates")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpu", action="store_true", help="the CPU mode even where there is a GPU")
    parser.add_argument("--quick", action="store_true", help="the same as --cpu (make bench)")
    parser.add_argument("--steps", type=int, default=None, help="timed training steps per kind (GPU 5, CPU 1)")
    parser.add_argument("--cache", type=Path, default=REPO / "outputs" / "cache", help="where the tiny model is built")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    args.cpu = args.cpu or args.quick
    on_gpu = torch.cuda.is_available() and not args.cpu
    device = torch.device("cuda" if on_gpu else "cpu")
    started = time.perf_counter()
    if on_gpu:
        name = torch.cuda.get_device_name(0)
        print(f"device: {name}, torch {torch.__version__}, CUDA {torch.version.cuda}")
        arch, shapes, steps, peak = XLMR_LARGE, PAPER_SHAPES, args.steps or 5, peak_flops(name)
        encode, mine = dict(batches=20, batch=128, length=32, layer=14), dict(n=50_000, dim=1024)
    else:
        why = "--cpu" if args.cpu else "no CUDA device"
        print(f"device: CPU ({why}), torch {torch.__version__}")
        print("GPU parts skipped: XLM-R Large training, MFU, GPU memory, bf16 retrieval and GPU mining need a GPU; "
              "every part runs at tiny sizes instead (figures below are not XLM-R Large's)")
        arch, shapes, steps, peak = TINY, TINY_SHAPES, args.steps or 1, None
        encode, mine = dict(batches=2, batch=16, length=16, layer=2), dict(n=500, dim=64)
    for shape in shapes:
        print(training(shape, arch, device, steps, peak), flush=True)
    large_params = 559_893_507  # XLM-R Large with a 3-way classification head (XLMRobertaForSequenceClassification)
    print(bytes_written(args.cache, large_params), flush=True)
    print(retrieval_encoding(arch, device, **encode), flush=True)
    print(mining(device=device, **mine), flush=True)
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
