"""A phase's figures cover all its attempts: a phase interrupted right after a checkpoint (a
real SIGINT, as Ctrl-C sends) and resumed reports the loss of its logged history, the seconds of
both attempts and two attempts, not only the last attempt's (which, resumed with no step left,
was ``train_loss 0.0`` and a millisecond); ``xtask costs`` reports the GPU time paid (all attempts) and the clean time apart,
and ``xtask plan`` says which it prices with."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import yaml

from cellfactory import make_cell
from xtask.cli import main as xtask_main

STEPS = 12
LAST_CHECKPOINT = 6  # save_steps=6; no checkpoint is written after the last step (xtask/pipeline/checkpointing.py)
CELL = ["inter=none", "target=xnli", "target.languages=[en]", f"train.target.max_steps={STEPS}",
        "train.target.save_steps=6", "train.target.logging_steps=3", "train.target.eval_strategy=no",
        "train.target.selection=last", "train.target.max_eval_examples=24", "logger=none"]


@pytest.mark.slow
def test_a_phase_resumed_with_no_step_left_reports_the_whole_phase(run_cell_with, monkeypatch, tmp_path: Path,
                                                                  capsys, request) -> None:
    from transformers import TrainerCallback

    from xtask.pipeline import preemption
    from xtask.store import cells as store

    real_callback = preemption.callback

    class CtrlCAfterTheLastCheckpoint(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            if state.global_step == LAST_CHECKPOINT:
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, right after the last checkpoint is written

    monkeypatch.setattr(preemption, "callback", lambda: CtrlCAfterTheLastCheckpoint())
    # Ctrl-C as in a terminal: Python's own handler, whatever an earlier test or a pytest-xdist
    # worker left installed for SIGINT.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    request.addfinalizer(lambda: signal.signal(signal.SIGINT, previous))
    with pytest.raises(KeyboardInterrupt):
        run_cell_with(*CELL, budget=False)
    (folder,) = (tmp_path / "outputs" / "cells").iterdir()
    assert store.view(folder).state == store.State.interrupted
    assert (folder / "target" / "trainer" / f"checkpoint-{LAST_CHECKPOINT}" / "trainer_state.json").is_file()
    first = yaml.safe_load((folder / "target" / "attempts.json").read_text())["attempts"]
    assert len(first) == 1 and first[0]["to_step"] == LAST_CHECKPOINT and first[0]["train_seconds"] > 0
    monkeypatch.setattr(preemption, "callback", real_callback)

    outcome = run_cell_with(*CELL, budget=False)  # resumes at step 6 of 12
    target = outcome.results.phases["target"]
    # (The Trainer of transformers 5, resumed, may run one step more: train_steps may be
    # STEPS + 1; the figures below count whatever it ran.)
    assert target["resumed_from_step"] == LAST_CHECKPOINT and target["train_steps"] in (STEPS, STEPS + 1)
    assert target["attempts"] == 2 and target["steps_run"] == target["train_steps"], target
    assert target["train_loss"] is not None and target["train_loss"] > 0.1  # the logged history's, not 0.0
    assert target["train_seconds"] >= first[0]["train_seconds"]  # the first attempt's training is counted
    assert target["seconds"] >= first[0]["seconds"] and target["clean_seconds"] <= target["seconds"]
    assert outcome.results.timings["target_s"] == pytest.approx(target["seconds"])
    assert not (folder / "target").exists()  # the ledger goes with the checkpoints

    # xtask costs: the paid time includes the first attempt; the clean time is reported apart.
    out = tmp_path / "costs.yaml"
    assert xtask_main(["costs", str(tmp_path / "outputs" / "cells"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1 of 1 cells needed more than one attempt" in printed
    measured = yaml.safe_load(out.read_text())
    paid_h = (target["seconds"] + outcome.results.timings["eval_s"]) / 3600
    assert measured["basis"] == "paid" and measured["target"]["xnli"] == pytest.approx(paid_h, abs=1e-5)
    assert measured["clean"]["target"]["xnli"] <= measured["target"]["xnli"]


def test_costs_report_paid_and_clean_time_and_plan_says_which_it_prices_with(tmp_path: Path, capsys) -> None:
    """A cell whose phase 2 took three attempts (10 h paid, 4 h clean) and one that took one
    (2 h): the file prices with the paid hours (median of 10 + 1 and 2 + 1), and lists the clean
    ones; cells timed by an older xtask, with several attempts, are counted and flagged."""
    from xtask.store import cells as store
    from xtask.store import records

    cells = tmp_path / "cells"
    hour = 3600.0
    for seed, (paid, clean, attempts) in enumerate([(10.0, 4.0, 3), (2.0, 2.0, 1), (6.0, None, None)], start=1):
        folder = make_cell(cells, "none", "xnli", seed, 50.0, model="xlmr_large")
        results = records.read_results(folder)
        target = {"seconds": paid * hour} if clean is None else {
            "seconds": paid * hour, "clean_seconds": clean * hour, "attempts": attempts}
        results.phases = {"target": target}
        results.timings = {"target_s": paid * hour, "eval_s": hour}
        results.environment = {"attempts": 2 if clean is None else 1}  # an older record of two attempts
        store.write_results(folder, results)
    out = tmp_path / "costs.yaml"
    assert xtask_main(["costs", str(cells), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "target  xnli               3    7.0000   3.0000  11.0000   5.0000" in printed  # paid 11, 3, 7; clean 5, 3, 7
    assert "1 of 3 cells needed more than one attempt" in printed
    assert "1 cell(s) of several attempts were timed by an older xtask" in printed
    measured = yaml.safe_load(out.read_text())
    assert measured["basis"] == "paid" and measured["target"]["xnli"] == pytest.approx(7.0)
    assert measured["clean"]["target"]["xnli"] == pytest.approx(5.0)
    assert xtask_main(["plan", "target=xnli", "model=xlmr_large", f"paths.outputs={tmp_path / 'o'}",
                       "--costs", str(out)]) == 0
    assert "GPU time paid, all attempts and lost work included" in capsys.readouterr().out


def test_the_logged_loss_weighs_each_log_by_its_steps() -> None:
    from xtask.pipeline.attempts import logged_loss

    history = [{"loss": 2.0, "step": 3}, {"loss": 1.0, "step": 6}, {"loss": 0.5, "step": 12},
               {"loss": 9.0, "step": 6},  # an interrupted attempt's log of steps a checkpoint did not keep
               {"train_loss": 0.0, "step": 12}]  # the resumed attempt's own summary: not a logged loss
    assert logged_loss(history) == pytest.approx((2.0 * 3 + 1.0 * 3 + 0.5 * 6) / 12)
    assert logged_loss([{"train_runtime": 0.001, "step": 12}]) is None
