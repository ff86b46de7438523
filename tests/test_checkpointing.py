"""What a phase writes while it trains: selection keeps the best model without writing a
checkpoint per evaluation; full checkpoints come only from save_steps, checkpoint_minutes and
the preemption signal; and a preempted selection resumes to the model an uninterrupted run
selects."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest
import torch

from xtask.config import TinyArchitecture
from xtask.plan.cellplan import TrainPlan
from xtask.models.tiny import ensure_tiny_model
from xtask.pipeline import checkpointing, preemption
from xtask.pipeline.formats.classification import ClassificationFormat
from xtask.pipeline.training import PhaseRun, finetune
from xtask.tasks import get_task, target_task
from xtask.data.sources import read_split


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    return str(ensure_tiny_model(TinyArchitecture(), tmp_path_factory.mktemp("cache")))


@pytest.fixture
def confidence_metric(monkeypatch):
    """Select on minus the mean |logit|: a tiny model grows more confident as it trains, so the
    first evaluation is the best and the last one is not (each test checks that it was so)."""

    def compute_metrics(self, task):
        return lambda pred: {"accuracy": -float(np.abs(pred.predictions).mean())}

    monkeypatch.setattr(ClassificationFormat, "compute_metrics", compute_metrics)


@pytest.fixture
def saves(monkeypatch) -> List[Dict[str, Any]]:
    """Every full checkpoint the Trainer writes: its step and whether it held an optimizer state."""
    from transformers import Trainer

    seen: List[Dict[str, Any]] = []
    original = Trainer._save_checkpoint

    def recording(self, model, trial):
        original(self, model, trial)
        folder = Path(self._get_output_dir(trial=trial)) / f"checkpoint-{self.state.global_step}"
        seen.append({"step": self.state.global_step, "optimizer": (folder / "optimizer.pt").is_file()})

    monkeypatch.setattr(Trainer, "_save_checkpoint", recording)
    return seen


def _run(tiny: str, out_dir: Path, mini_ctx: Any, **hp: Any) -> Any:
    """Train the tiny model on 48 MNLI pairs (batches of 8: 6 steps an epoch), select on 32 dev pairs."""
    task = target_task("xnli").resolve(mini_ctx)
    mnli = get_task("mnli").resolve(mini_ctx)
    train = read_split(mnli, mini_ctx, "train", "en").select(range(48))
    dev = read_split(mnli, mini_ctx, "dev", "en").select(range(32))
    base = {"max_length": 64, "batch_size": 8, "eval_batch_size": 16, "lr": 1e-3, "epochs": 4,
            "eval_strategy": "epoch", "selection": "best", "logging_steps": 1}
    plan = TrainPlan(**{**base, **hp})  # a phase's effective hyper-parameters, as the resolve step gives them
    return finetune(task=task, train_set=train, dev_set=dev, run=PhaseRun(init_from=tiny, out_dir=out_dir, hp=plan, seed=1))


def _evaluations(result: Any) -> List[float]:
    return [entry["eval_accuracy"] for entry in result.trainer.state.log_history
            if "eval_accuracy" in entry and "eval_runtime" in entry][:4]


@pytest.mark.slow
def test_selection_keeps_the_best_model_and_writes_no_checkpoint(tiny, tmp_path, mini_ctx, confidence_metric,
                                                                  saves) -> None:
    """Four epochs, selection=best: no checkpoint is written (the Trainer used to write a full
    one, optimizer included, at every evaluation), and the model kept is the best evaluated."""
    result = _run(tiny, tmp_path / "phase", mini_ctx)
    evaluations = _evaluations(result)
    assert len(evaluations) == 4
    assert int(np.argmax(evaluations)) != 3, evaluations  # the last model is not the best one
    assert result.metrics["dev"]["accuracy"] == pytest.approx(max(evaluations), abs=1e-6)
    assert saves == []


@pytest.mark.slow
def test_save_steps_are_honoured_under_selection_best(tiny, tmp_path, mini_ctx, saves) -> None:
    """save_steps writes resumable checkpoints at its own steps, also with selection=best (it
    was replaced by a save per evaluation)."""
    _run(tiny, tmp_path / "phase", mini_ctx, save_steps=5)
    assert [s["step"] for s in saves] == [5, 10, 15, 20] and all(s["optimizer"] for s in saves)


@pytest.mark.slow
def test_checkpoint_minutes_saves_on_a_clock(tiny, tmp_path, mini_ctx, saves, monkeypatch) -> None:
    """checkpoint_minutes=1 on a clock that advances 25 s at each look: a full checkpoint after
    every third step, none after the last one (step 24)."""
    clock = iter(range(25, 10**6, 25))
    monkeypatch.setattr(checkpointing.time, "monotonic", lambda: float(next(clock)))
    _run(tiny, tmp_path / "phase", mini_ctx, checkpoint_minutes=1)
    assert [s["step"] for s in saves] == list(range(3, 24, 3)) and all(s["optimizer"] for s in saves)


@pytest.mark.slow
def test_a_preempted_selection_resumes_to_the_same_model(tiny, tmp_path, mini_ctx, confidence_metric,
                                                         monkeypatch) -> None:
    """Preempted at step 8 (the best model is epoch 1's, step 6): the checkpoint carries that
    model's weights, and the resumed run selects exactly the weights an uninterrupted run does."""
    reference = _run(tiny, tmp_path / "uninterrupted", mini_ctx)
    assert int(np.argmax(_evaluations(reference))) == 0, _evaluations(reference)

    original = preemption.callback

    def signalling_callback():
        inner = original()

        class SignalAtStep8(type(inner)):
            def on_step_end(self, args, st, control, **kwargs):
                if st.global_step == 8:
                    os.kill(os.getpid(), signal.SIGUSR2)
                return super().on_step_end(args, st, control, **kwargs)

        return SignalAtStep8()

    preemption.install()
    try:
        monkeypatch.setattr(preemption, "callback", signalling_callback)
        with pytest.raises(preemption.Preempted):
            _run(tiny, tmp_path / "preempted", mini_ctx)
        monkeypatch.setattr(preemption, "callback", original)
        checkpoint = tmp_path / "preempted" / "trainer" / "checkpoint-8"
        assert (checkpoint / checkpointing.BEST_WEIGHTS).is_file() and (checkpoint / "optimizer.pt").is_file()
        resumed = _run(tiny, tmp_path / "preempted", mini_ctx)
    finally:
        preemption.uninstall()
    assert resumed.metrics["resumed_from_step"] == 8
    expected, got = reference.model.state_dict(), resumed.model.state_dict()
    assert expected.keys() == got.keys()
    for name in expected:
        assert torch.equal(expected[name], got[name]), name
    assert {k: resumed.metrics["dev"][k] for k in ("loss", "accuracy")} == \
        {k: reference.metrics["dev"][k] for k in ("loss", "accuracy")}
