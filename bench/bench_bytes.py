"""Bytes a phase writes to the filesystem: one `selection=best` cell, four evaluations.

    python bench/bench_bytes.py                        # tiny model, then e5-small (offline copy)
    python bench/bench_bytes.py --models tiny          # tiny only (~20 s)
    python bench/bench_bytes.py --code /work/main      # the same cell on another checkout's code ("before")
    python bench/bench_bytes.py --models tiny train.target.save_steps=8   # with one resumable checkpoint

One cell (``inter=none target=xnli target.languages=[en]``) trained for 4 epochs with
``selection=best`` (an evaluation, and on the code before, a checkpoint, after each epoch), on a
small slice of the training data (bytes written do not depend on how many examples an epoch has,
only on how often and what is saved). What is counted:

- **phase**: the bytes the process wrote with write(2) while ``Trainer.train`` ran (``wchar`` of
  ``/proc/self/io``: files written and later removed by checkpoint rotation count too; log lines
  to the terminal are a few kB of it);
- **saves / optimizer states**: how many checkpoints the Trainer saved, and how many of them held
  an optimizer state (``optimizer.pt``);
- **cell**: the same counter over the whole cell (features, predictions, records);
- **model**: the model's parameter bytes (what one model-only save writes), the unit of the ratio.

``--code DIR`` runs the cell against the xtask package and configs of checkout ``DIR`` (for
the before figure), e.g. ``--code /work/main``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[1]

MODELS = {
    # name: the model overrides
    "tiny": ["model=tiny"],
    "e5": ["model=e5_small_offline"],
}


def wchar() -> int:
    """Bytes this process has written with write(2)/pwrite(2) so far."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise RuntimeError("/proc/self/io has no wchar line")


class Meter:
    """Wraps ``Trainer.train``: bytes written while it runs, the saves it makes, the model's size."""

    def __init__(self) -> None:
        self.phase_bytes = 0
        self.saves = 0
        self.optimizer_states = 0
        self.model_bytes = 0

    def install(self) -> None:
        from transformers import Trainer, TrainerCallback

        meter, original = self, Trainer.train

        class CountSaves(TrainerCallback):
            def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                meter.saves += 1
                folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
                meter.optimizer_states += (folder / "optimizer.pt").is_file()

        def train(trainer: Any, *args: Any, **kwargs: Any) -> Any:
            trainer.add_callback(CountSaves())
            meter.model_bytes = sum(p.numel() * p.element_size() for p in trainer.model.parameters())
            before = wchar()
            try:
                return original(trainer, *args, **kwargs)
            finally:
                meter.phase_bytes += wchar() - before

        Trainer.train = train


def compose(code: Path, overrides: List[str]) -> Any:
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from xtask.config import register_configs

    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(code / "conf"), version_base="1.3"):
        return hydra_compose(config_name="config", overrides=overrides)


def measure(code: Path, model: str, root: Path, cache: Path, examples: int, batch: int,
            extra: Sequence[str] = ()) -> Dict[str, Any]:
    from xtask.pipeline.cell import run_cell

    meter = Meter()
    meter.install()
    overrides = [
        *MODELS[model], "inter=none", "target=xnli", "target.languages=[en]", "logger=none",
        f"paths.outputs={root / model}", f"paths.cache={cache}",
        "train.target.epochs=4", "train.target.max_steps=-1", "train.target.eval_strategy=epoch",
        "train.target.selection=best", f"train.target.batch_size={batch}",
        f"train.target.max_train_examples={examples}", "train.target.max_eval_examples=32", *extra,
    ]
    cfg = compose(code, overrides)
    before, started = wchar(), time.perf_counter()
    outcome = run_cell(cfg)
    cell_bytes = wchar() - before
    phase = outcome.results.phases["target"]
    return {"model": model, "model_bytes": meter.model_bytes, "phase_bytes": meter.phase_bytes,
            "cell_bytes": cell_bytes, "saves": meter.saves, "optimizer_states": meter.optimizer_states,
            "steps": phase["train_steps"], "seconds": time.perf_counter() - started}


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=None, choices=list(MODELS), help="default: all")
    parser.add_argument("--quick", action="store_true", help="the tiny model only (make bench)")
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose xtask runs the cell")
    parser.add_argument("--cache", type=Path, default=REPO / "outputs" / "cache",
                        help="model cache (the tiny model and e5's offline conversion are built there once)")
    parser.add_argument("--examples", type=int, default=64, help="training examples (an epoch)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("overrides", nargs="*", help="more launch.py overrides, e.g. train.target.save_steps=8")
    args = parser.parse_args(argv)
    args.models = args.models or (["tiny"] if args.quick else list(MODELS))
    code = args.code.resolve()
    sys.path.insert(0, str(code))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import xtask

    print(f"code: {Path(xtask.__file__).parent.parent}; cell inter=none target=xnli, 4 epochs, selection=best, "
          f"{args.examples} training examples, batch {args.batch} {' '.join(args.overrides)}")
    print(f"{'model':<6} {'model MB':>9} {'phase MB':>9} {'x model':>8} {'saves':>6} {'optimizer states':>17} "
          f"{'cell MB':>8} {'steps':>6} {'s':>6}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_bytes_") as tmp:
        for model in args.models:
            row = measure(code, model, Path(tmp), args.cache, args.examples, args.batch, args.overrides)
            rows.append(row)
            mb = 2**20
            print(f"{model:<6} {row['model_bytes'] / mb:>9.2f} {row['phase_bytes'] / mb:>9.2f} "
                  f"{row['phase_bytes'] / row['model_bytes']:>7.2f}x {row['saves']:>6} {row['optimizer_states']:>17} "
                  f"{row['cell_bytes'] / mb:>8.2f} {row['steps']:>6} {row['seconds']:>6.1f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
