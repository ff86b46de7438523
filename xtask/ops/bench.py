"""Throughput and memory of one phase's training step on this machine: a benchmark, not a test.

    python -m xtask.ops.bench model=xlmr_large target=xquad train=paper     # on a GPU node
    python -m xtask.ops.bench inter=squad --phase inter --steps 20

Composes the config as ``launch.py`` would, builds the phase's model (pretrained encoder +
the task's head) and its real training features, then times ``--steps`` optimizer steps after
``--warmup`` steps: steps/s, examples/s, tokens/s, and the peak memory (CUDA when there is a
GPU, else the process's peak RSS). One extra step at the full window (every sequence padded
to ``max_length``) gives the worst-case memory, the number that decides whether a batch size
fits. From the throughput and the training set's size it prints what one run of the phase
would take, the figure ``conf/costs.yaml`` wants.

The timed steps use what a run of the config uses on this machine: length-grouped batches
(``train.<phase>.group_by_length``: batches spread over a 50-batch sample ordered as training
orders it; the share of padding is printed), and the precision and speed knobs (bf16/fp16,
tf32, gradient checkpointing, fused AdamW, torch.compile), listed on a ``knobs:`` line, all off
on a CPU. Loader workers do not apply here (batches are collated before the timing).
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from xtask.atomic import write_json_atomic
from xtask.data.sources import read_split
from xtask.plan.cellplan import TrainPlan


def _device() -> Any:
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _peak_memory_mb(device: Any) -> float:
    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _phase(plan: Any, phase: str) -> tuple:
    """(task, effective train plan) of the phase of a cell's plan to measure."""
    from xtask.tasks import TaskKind, intermediate_task

    ctx = plan.data
    if phase == "inter":
        if plan.phase1 is None or plan.phase1.is_mixture:
            raise SystemExit(f"--phase inter needs a single intermediate task (inter={plan.inter}); e.g. inter=mnli")
        return intermediate_task(plan.phase1.tasks[0]).resolve(ctx), plan.phase1.hp
    task = plan.target.resolve(ctx)
    if task.kind == TaskKind.retrieval:
        raise SystemExit(f"target {task.name} does not train (retrieval scores the encoder): nothing to measure")
    return task, plan.phase2.hp


def measure(cfg: Any, phase: str = "target", steps: int = 10, warmup: int = 2) -> Dict[str, Any]:
    """Run the benchmark; returns its figures (see the module docstring)."""
    import torch
    from transformers import AutoTokenizer

    from xtask.models.registry import pretrained_path
    from xtask.pipeline.batching import GroupedSampler, feature_lengths
    from xtask.pipeline.formats import format_for
    from xtask.pipeline.training import TrainKnobs, cap_examples, fit_max_length, freeze_embeddings, speed_knobs
    from xtask.plan.resolve import resolve

    plan = resolve(cfg)
    ctx, seed = plan.data, plan.seed
    task, hp = _phase(plan, phase)
    init_from = pretrained_path(plan.model, plan.run.cache)
    tokenizer = AutoTokenizer.from_pretrained(init_from)
    hp = fit_max_length(hp, tokenizer)
    fmt = format_for(task)
    device = _device()
    knobs = TrainKnobs.from_plan(plan)
    on = speed_knobs(hp, knobs, device.type == "cuda")  # what a training run of this config uses here
    grouped = bool(hp.group_by_length)
    train_set = cap_examples(read_split(task, ctx, "train", "en"), hp.max_train_examples, seed)  # as finetune does
    # Grouped batches are cut from mega-batches of 50 batches (HF's order): encode that many so the
    # timed batches have the lengths a run's batches have.
    needed = hp.batch_size * max(steps + warmup, 50 if grouped else 0)
    sample = train_set.shuffle(seed=seed).select(range(min(len(train_set), needed)))
    features = fmt.encode_for_training(sample, tokenizer, task, hp, knobs.feature_cache)
    if len(features) < hp.batch_size:
        raise SystemExit(f"{task.name}: only {len(features)} training features, fewer than one batch of {hp.batch_size}")
    collate = fmt.collator(tokenizer)
    order = (GroupedSampler(feature_lengths(features), hp.batch_size * max(int(hp.grad_accum), 1), seed).order(0)
             if grouped else list(range(len(features))))
    rows = [features[i] for i in order]
    batches = [collate(rows[i : i + hp.batch_size]) for i in range(0, len(rows) - hp.batch_size + 1, hp.batch_size)]
    if len(batches) > steps + warmup:  # evenly spread over the epoch's batches, in a seeded order
        count = steps + warmup
        picked = np.unique(((np.arange(count) + 0.5) * len(batches) / count).astype(int))
        batches = [batches[i] for i in np.random.default_rng(seed).permutation(picked)]

    torch.manual_seed(seed)
    model = fmt.load_model(init_from, task).to(device)
    freeze_embeddings(model, hp)  # as finetune does: a frozen embedding matrix has no gradient or AdamW update
    model.train()
    if on["tf32"]:
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    if on["activation_checkpointing"]:
        model.gradient_checkpointing_enable()
    trained = [p for p in model.parameters() if p.requires_grad]  # what the Trainer's optimizer holds
    optimizer = torch.optim.AdamW(trained, lr=float(hp.lr), fused=on["optim"] == "adamw_torch_fused" or None)
    forward = torch.compile(model) if on["torch_compile"] else model
    half = torch.bfloat16 if on["bf16"] else torch.float16 if on["fp16"] else None
    scaler = torch.amp.GradScaler("cuda", enabled=on["fp16"])
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    def step(batch: Dict[str, Any]) -> None:
        batch = {k: v.to(device) for k, v in batch.items()}
        with torch.autocast(device.type, dtype=half or torch.float32, enabled=half is not None):
            loss = forward(**batch).loss
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    timed = batches[warmup : warmup + steps] or batches[-1:]
    for batch in batches[:warmup]:
        step(batch)
    sync()
    started = time.perf_counter()
    for batch in timed:
        step(batch)
    sync()
    seconds = time.perf_counter() - started
    examples = sum(int(b["input_ids"].shape[0]) for b in timed)
    padded_tokens = sum(int(b["attention_mask"].numel()) for b in timed) if "attention_mask" in timed[0] else 0
    tokens = sum(int(b["attention_mask"].sum()) for b in timed) if "attention_mask" in timed[0] else 0
    padding = 1 - tokens / padded_tokens if padded_tokens else 0.0
    typical_mb = _peak_memory_mb(device)
    # Worst case: the same batch size, every sequence padded to the full window.
    full = collate([{**row, **_pad(row, hp.max_length, tokenizer.pad_token_id)} for row in rows[: hp.batch_size]])
    step(full)
    sync()
    full_mb = _peak_memory_mb(device)

    steps_per_s = len(timed) / seconds
    # A run of the phase, in the micro-batches timed here (an optimizer step is grad_accum of them).
    accum = max(int(hp.grad_accum), 1)
    per_epoch = math.ceil(len(train_set) * len(features) / max(len(sample), 1) / hp.batch_size)
    micro_batches = int(hp.max_steps) * accum if int(hp.max_steps) > 0 else math.ceil(per_epoch * float(hp.epochs))
    return {
        "phase": phase, "task": task.name, "model": plan.model.name, "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "bf16": on["bf16"], "knobs": knob_summary(on, hp, knobs), "batch_size": int(hp.batch_size),
        "max_length": int(hp.max_length), "padding": padding,
        "parameters": sum(p.numel() for p in model.parameters()),
        "trained_parameters": sum(p.numel() for p in trained),
        "steps_timed": len(timed), "steps_per_s": steps_per_s, "examples_per_s": examples / seconds,
        "tokens_per_s": tokens / seconds, "peak_memory_mb": typical_mb, "peak_memory_full_window_mb": full_mb,
        "train_examples": len(train_set), "features_per_example": len(features) / max(len(sample), 1),
        "run_steps": math.ceil(micro_batches / accum), "run_hours": micro_batches / steps_per_s / 3600,
    }


def knob_summary(on: Dict[str, Any], hp: TrainPlan, knobs: Any) -> Dict[str, Any]:
    """The speed and precision knobs as a run of this config uses them on this machine."""
    return {
        "bf16": on["bf16"], "fp16": on["fp16"], "tf32": on["tf32"],
        "gradient_checkpointing": on["activation_checkpointing"], "fused_adamw": on["optim"] == "adamw_torch_fused",
        "compile": on["torch_compile"], "group_by_length": bool(hp.group_by_length),
        "dataloader_workers": on["dataloader_num_workers"], "feature_cache": knobs.feature_cache is not None,
        "grad_accum": int(hp.grad_accum), "effective_batch": int(hp.batch_size) * int(hp.grad_accum),
    }


def _pad(row: Dict[str, Any], length: int, pad_id: int) -> Dict[str, Any]:
    """A feature's sequence fields padded (right, with their neutral values) to ``length``."""
    fill = {"input_ids": pad_id, "attention_mask": 0, "token_type_ids": 0, "labels": -100}
    out: Dict[str, Any] = {}
    for key, value in row.items():
        if key in fill and isinstance(value, list) and value and not isinstance(value[0], list):
            if key == "labels" and len(value) != len(row.get("input_ids", [])):
                continue  # a sequence-level label, not one per token
            out[key] = list(value) + [fill[key]] * max(0, length - len(value))
        elif key in fill and isinstance(value, list) and value and isinstance(value[0], list):  # multiple choice
            out[key] = [list(v) + [fill[key]] * max(0, length - len(v)) for v in value]
    return out


def render(figures: Dict[str, Any]) -> str:
    f = figures
    return "\n".join([
        f"{f['phase']} phase, task {f['task']}, model {f['model']} ({f['parameters'] / 1e6:.1f} M parameters, "
        f"{f['trained_parameters'] / 1e6:.1f} M trained) "
        f"on {f['device_name']}{' bf16' if f['bf16'] else ''}",
        f"batch {f['batch_size']} x max_length {f['max_length']}, {f['steps_timed']} timed steps, "
        f"{100 * f['padding']:.0f}% of their tokens padding",
        "knobs: " + ", ".join(f"{k} {'on' if v is True else 'off' if v is False else v}" for k, v in f["knobs"].items()),
        f"  {f['steps_per_s']:.2f} steps/s   {f['examples_per_s']:.1f} examples/s   {f['tokens_per_s']:.0f} tokens/s",
        f"  peak memory ({'CUDA allocated' if f['device'].startswith('cuda') else 'process RSS'}) "
        f"{f['peak_memory_mb']:.0f} MiB; every sequence at max_length: {f['peak_memory_full_window_mb']:.0f} MiB",
        f"  one run of this phase's training: {f['run_steps']} optimizer steps over {f['train_examples']} examples "
        f"({f['features_per_example']:.2f} features each) ~ {f['run_hours']:.3g} h (evaluation not included)",
    ])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="xtask bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("overrides", nargs="*", help="launch.py overrides: model=..., target=..., train=...")
    parser.add_argument("--phase", choices=["target", "inter"], default="target")
    parser.add_argument("--steps", type=int, default=10, help="timed optimizer steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first (allocations, kernels)")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="also write the figures as JSON")
    args = parser.parse_intermixed_args(argv)  # overrides and options in any order
    from xtask.ops.plan import _compose

    from xtask.data.sources import MissingDataError

    cfg = _compose(args.overrides)
    try:
        figures = measure(cfg, args.phase, args.steps, args.warmup)
    except MissingDataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(render(figures))
    if args.json is not None:
        write_json_atomic(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
