"""What a phase writes to disk while it trains, and when.

Selecting the best checkpoint (``selection=best``) writes nothing: :class:`KeepsBest` keeps a
copy of the best weights in host memory at each evaluation that improves the dev metric, and
puts it back into the model when training ends (the same weights the Trainer's
``load_best_model_at_end`` reloaded from a full checkpoint saved at every evaluation, with its
optimizer state: 3x the model's bytes per evaluation).

Full, resumable Trainer checkpoints are written only where a resume needs one: SLURM's warning
signal (xtask/pipeline/preemption.py), every ``save_steps`` steps, and every
``checkpoint_minutes`` minutes of training (:func:`schedule`), never after the last step. A
checkpoint written while a better earlier model is held carries that model's weights too
(``xtask-best.safetensors``, written before the Trainer's state file, which marks the
checkpoint complete), so a resumed run ends with the same selected model as an uninterrupted
one.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

log = logging.getLogger(__name__)

BEST_WEIGHTS = "xtask-best.safetensors"
BEST_RECORD = "xtask-best.json"


def host_copy(model: Any) -> Dict[str, Any]:
    """Every tensor of ``model``'s state, copied to host memory (tied tensors copied apiece)."""
    return {name: tensor.detach().to("cpu", copy=True) for name, tensor in model.state_dict().items()}


@dataclass
class Best:
    """The best model so far: the step of its evaluation, its metric and its weights (host memory)."""

    step: int
    metric: float
    state: Dict[str, Any]


def write_best(best: Best, folder: Path, step: int) -> None:
    """Record ``best`` in the checkpoint ``folder`` of ``step``: its weights unless they are the
    checkpoint's own (``best.step == step``), then the record naming its step."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    if best.step != step:
        save_file({k: v.contiguous() for k, v in best.state.items()}, str(folder / BEST_WEIGHTS))
    (folder / BEST_RECORD).write_text(json.dumps({"step": best.step, "metric": best.metric}), encoding="utf-8")


def read_best(folder: Path, model: Any) -> Optional[Best]:
    """The best model recorded in checkpoint ``folder`` (``model`` holds the checkpoint's own
    weights, already loaded), or None when none was recorded."""
    record = folder / BEST_RECORD
    if not record.is_file():
        return None
    meta = json.loads(record.read_text(encoding="utf-8"))
    step = int(folder.name.rsplit("-", 1)[1])
    if int(meta["step"]) == step:
        return Best(step, float(meta["metric"]), host_copy(model))
    from safetensors.torch import load_file

    return Best(int(meta["step"]), float(meta["metric"]), load_file(str(folder / BEST_WEIGHTS)))


class KeepsBest:
    """Trainer mixin: selection by the dev metric (``args.metric_for_best_model``) with the best
    weights in host memory; nothing written per evaluation."""

    best: Optional[Best] = None

    @property
    def selects(self) -> bool:
        return getattr(self.args, "metric_for_best_model", None) is not None  # type: ignore[attr-defined]

    def _determine_best_metric(self, metrics: Dict[str, float], trial: Any) -> bool:
        improved = super()._determine_best_metric(metrics, trial)  # type: ignore[misc]
        if improved and self.selects:
            state = self.state  # type: ignore[attr-defined]
            self.best = Best(state.global_step, float(state.best_metric), host_copy(self.model))  # type: ignore[attr-defined]
        return improved

    def _save_checkpoint(self, model: Any, trial: Any) -> None:
        if self.best is not None:
            step = self.state.global_step  # type: ignore[attr-defined]
            folder = Path(self._get_output_dir(trial=trial)) / f"checkpoint-{step}"  # type: ignore[attr-defined]
            write_best(self.best, folder, step)
        super()._save_checkpoint(model, trial)  # type: ignore[misc]

    def _load_from_checkpoint(self, resume_from_checkpoint: str, model: Any = None) -> None:
        super()._load_from_checkpoint(resume_from_checkpoint, model)  # type: ignore[misc]
        self.best = read_best(Path(resume_from_checkpoint), model if model is not None else self.model)  # type: ignore[attr-defined]

    def train(self, *args: Any, **kwargs: Any) -> Any:
        output = super().train(*args, **kwargs)  # type: ignore[misc]
        if self.selects and self.best is not None:
            log.info("selected the model of step %d (%s %.4f)", self.best.step,
                     self.args.metric_for_best_model, self.best.metric)  # type: ignore[attr-defined]
            self.model.load_state_dict(self.best.state)  # type: ignore[attr-defined]
        return output


def schedule(minutes: Optional[float]) -> Any:
    """A TrainerCallback for when full checkpoints are written besides ``save_steps``: after
    the first step that ends ``minutes`` after the start of training or the last save (None:
    no timed saves), and never after the last step (the Trainer's own final save: the phase
    removes its checkpoints as soon as training ends). Add it before the preemption callback,
    which asks for a save after any step, the last one included."""
    from transformers import TrainerCallback

    class Checkpoints(TrainerCallback):
        def __init__(self) -> None:
            self.interval = float(minutes) * 60 if minutes else None
            self.last = time.monotonic() if minutes else 0.0

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self.interval:
                self.last = time.monotonic()

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            if self.interval and time.monotonic() - self.last >= self.interval:
                control.should_save = True
            if state.max_steps and state.global_step >= state.max_steps:
                control.should_save = False
            return control

        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self.interval:
                self.last = time.monotonic()

    return Checkpoints()
