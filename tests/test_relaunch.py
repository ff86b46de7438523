"""Relaunching a grid: done cells are skipped, failed ones only rerun on request, and an
interrupted cell resumes from its checkpoint to the same result as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from xtask.pipeline import preemption
from xtask.pipeline.cell import run_cell

pytestmark = pytest.mark.slow

STEPS = [
    "train.target.max_steps=24", "train.target.eval_strategy=no", "train.target.selection=last",
    "train.target.max_eval_examples=30", "target.languages=[en,de]", "inter=none", "target=xnli",
]


def test_done_cells_are_skipped_and_force_recomputes(compose) -> None:
    first = run_cell(compose(*STEPS))
    assert first.action == "ran"
    again = run_cell(compose(*STEPS))
    assert again.action == "skipped" and again.results == first.results
    forced = run_cell(compose(*STEPS, "force=true"))
    assert forced.action == "ran" and str(forced.folder) == str(first.folder)


def test_failed_cells_rerun_only_with_retry_failed(compose, monkeypatch) -> None:
    import xtask.pipeline.evaluation

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(xtask.pipeline.evaluation, "evaluate_languages", boom)
    with pytest.raises(RuntimeError):
        run_cell(compose(*STEPS))
    monkeypatch.undo()
    skipped = run_cell(compose(*STEPS))
    assert skipped.action == "skipped_failed" and "disk full" in skipped.message
    status = json.loads((Path(str(skipped.folder)) / "status.json").read_text())
    assert status["state"] == "failed" and "RuntimeError: disk full" in status["error"]
    assert run_cell(compose(*STEPS, "retry_failed=true")).action == "ran"


def test_preempted_cell_resumes_to_the_uninterrupted_result(compose, tmp_path, monkeypatch) -> None:
    reference = run_cell(compose(*STEPS, outputs=tmp_path / "uninterrupted"))

    original = preemption.callback

    def signalling_callback():
        inner = original()

        class SignalAtStep10(type(inner)):
            def on_step_end(self, args, st, control, **kwargs):
                if st.global_step == 10:
                    os.kill(os.getpid(), signal.SIGUSR2)  # SLURM's warning signal
                return super().on_step_end(args, st, control, **kwargs)

        return SignalAtStep10()

    monkeypatch.setattr(preemption, "callback", signalling_callback)
    cfg = compose(*STEPS, outputs=tmp_path / "preempted")
    with pytest.raises(preemption.Preempted):
        run_cell(cfg)
    monkeypatch.undo()
    folder = Path(str(reference.folder).replace("uninterrupted", "preempted"))
    assert json.loads((folder / "status.json").read_text())["state"] == "interrupted"
    assert (folder / "target" / "trainer" / "checkpoint-10" / "trainer_state.json").is_file()
    assert signal.getsignal(signal.SIGUSR2) in (signal.SIG_DFL, None)  # handler removed again

    resumed = run_cell(compose(*STEPS, outputs=tmp_path / "preempted"))
    assert resumed.action == "resumed"
    assert resumed.results.phases["target"]["resumed_from_step"] == 10
    assert resumed.results.phases["target"]["train_steps"] == 24
    # Same seed, CPU: the resumed run ends where the uninterrupted one does (tolerance 1e-6).
    for lang, metrics in {l: s.metrics for l, s in reference.results.scores.per_language.items()}.items():
        assert resumed.results.scores.per_language[lang].metrics["accuracy"] == pytest.approx(metrics["accuracy"], abs=1e-6)
    # (train_loss is not compared: after a resume the Trainer averages it over the resumed steps only.)
    ref_dir = Path(str(reference.folder))
    for lang in ("en", "de"):
        name = f"predictions/xnli/dev-{lang}.tsv"
        assert (folder / name).read_text() == (ref_dir / name).read_text(), lang
