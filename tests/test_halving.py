"""Adaptive grids (xtask/predict/halving.py, the halving sweeper): which cells run after the
prediction, the GPU-hours saved against the full grid and the regret on a finished one; and the
whole thing end to end on the mini data with the tiny model."""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pandas as pd
import pytest

from cellfactory import make_cell
from conftest import REPO, TINY_BUDGET
from xtask.predict import halving
from xtask.report import collect


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["target", "inter", "score"])


GRID = {"xnli": ["none", "mnli", "squad", "hellaswag"], "pawsx": ["none", "mnli", "squad", "hellaswag"]}
PREDICTED = _frame([("xnli", "mnli", 3.0), ("xnli", "squad", 1.0), ("xnli", "hellaswag", 2.0), ("xnli", "none", 9.0),
                    ("pawsx", "mnli", 1.0), ("pawsx", "squad", 5.0), ("pawsx", "squad", 1.0),  # squad: mean 3
                    ("pawsx", "hellaswag", 2.0)])


def test_select_top_k_keeps_none_and_the_k_best_per_target() -> None:
    chosen = halving.select_top_k(PREDICTED, 1, GRID, "logme_en")
    assert chosen.targets["xnli"].kept == ("none", "mnli")  # none's own prediction does not take a place
    assert chosen.targets["xnli"].dropped == ("squad", "hellaswag")
    assert chosen.targets["pawsx"].kept == ("none", "squad")  # the mean of its two predictions, 3
    two = halving.select_top_k(PREDICTED, 2, GRID)
    assert two.targets["xnli"].kept == ("none", "mnli", "hellaswag")
    assert halving.select_top_k(PREDICTED, 9, GRID).targets["xnli"].dropped == ()


def test_select_top_k_keeps_ties_unpredicted_rows_and_retrieval_targets() -> None:
    tied = _frame([("xnli", "mnli", 2.0), ("xnli", "squad", 2.0), ("xnli", "hellaswag", 1.0)])
    chosen = halving.select_top_k(tied, 1, {"xnli": ["none", "mnli", "squad", "hellaswag", "sst2"],
                                            "tatoeba": ["none", "mnli"]})
    xnli = chosen.targets["xnli"]
    assert xnli.kept == ("none", "mnli", "squad", "sst2") and xnli.dropped == ("hellaswag",)
    assert "tied with the last kept" in xnli.why["squad"] and "no prediction" in xnli.why["sst2"]
    assert chosen.targets["tatoeba"].kept == ("none", "mnli") and "scored directly" in chosen.targets["tatoeba"].why["mnli"]
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        halving.select_top_k(tied, 0, GRID)


@dataclass
class _Cell:
    inter: str
    target: str
    model: str = "xlmr_large"
    folder: Path = Path("x")
    state: str = "pending"
    inter_entry: Optional[Path] = None


def _cells():
    cells = []
    for target, inters in GRID.items():
        for inter in inters:
            for seed in (1, 2):
                entry = None if inter == "none" else Path(f"/nowhere/{inter}-k{seed}-v2")
                cells.append(_Cell(inter, target, folder=Path(f"/nowhere/{inter}_{target}_{seed}"), inter_entry=entry))
    return cells


def test_the_saving_is_the_dropped_cells_phase_2_priced_like_plan() -> None:
    cells = _cells()
    chosen = halving.select_top_k(PREDICTED, 1, GRID)
    selected = halving.cells_to_run(cells, chosen)
    assert len(selected) == 8  # none and one task, two targets, two seeds
    costs = {"inter": {"mnli": 8.0, "squad": 3.0, "hellaswag": 2.5}, "target": {"xnli": 9.0, "pawsx": 1.5},
             "model_scale": {"xlmr_large": 1.0}}
    spent = halving.saving(cells, selected, costs, "costs.yaml")
    inter = 2 * (8.0 + 3.0 + 2.5)  # every encoder of both seeds is trained either way
    assert spent.hours_full == pytest.approx(inter + 2 * 4 * (9.0 + 1.5))
    assert spent.hours_adaptive == pytest.approx(inter + 2 * 2 * (9.0 + 1.5))
    assert "8 of the full grid's 16" in spent.text()
    unpriced = halving.saving(cells, selected, {**costs, "model_scale": {"tiny": 0.0}}, "costs.yaml")
    assert unpriced.hours_full is None and "no prices for model(s) xlmr_large" in unpriced.text()


def test_regret_on_a_finished_full_matrix(tmp_path: Path) -> None:
    root = tmp_path / "cells"
    for inter, scores in {"none": [40.0, 42.0], "mnli": [50.0, 52.0], "squad": [60.0, 62.0], "hellaswag": [45.0]}.items():
        for seed, score in enumerate(scores, 1):
            make_cell(root, inter, "xnli", seed, score)
    long, _ = collect.load_long([root])
    found = halving.regret(halving.select_top_k(PREDICTED, 1, {"xnli": GRID["xnli"]}), long).set_index("target")
    assert found.loc["xnli", "best_row"] == "squad" and found.loc["xnli", "best_kept_row"] == "mnli"
    assert found.loc["xnli", "regret"] == pytest.approx(61.0 - 51.0)
    assert found.loc["xnli", "regret_pct"] == pytest.approx(100 * 10 / 61)
    two = halving.regret(halving.select_top_k(PREDICTED, 3, {"xnli": GRID["xnli"]}), long).set_index("target")
    assert two.loc["xnli", "regret"] == 0


@pytest.mark.slow
def test_an_adaptive_grid_runs_phase_1_then_none_and_the_top_1_per_target(tmp_path: Path, shared_cache: Path) -> None:
    """inter=none,mnli,squad x target=xnli,pawsx, top_k=1: two phase-1 jobs, the predictions
    computed on their encoders (logme_en, stored like xtask predict's), then none and the
    predicted best of each target: four cells."""
    from xtask.predict import store

    outputs = tmp_path / "outputs"
    cmd = [sys.executable, "launch.py", "-m", "inter=none,mnli,squad", "target=xnli,pawsx", "+adaptive=halving",
           "adaptive.top_k=1", f"paths.outputs={outputs}", f"paths.cache={shared_cache}", *TINY_BUDGET]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    predicted = store.load_predictions(outputs).query("signal == 'logme_en'")
    assert {(r.target, r.inter) for r in predicted.itertuples()} == {
        (t, i) for t in ("xnli", "pawsx") for i in ("none", "mnli", "squad")}
    best = {target: rows.loc[rows["inter"] != "none"].sort_values("score").iloc[-1]["inter"]
            for target, rows in predicted.groupby("target")}
    cells = sorted(tuple(p.name.split("__")[:2]) for p in (outputs / "cells").iterdir())
    assert cells == sorted([("none", "xnli"), ("none", "pawsx"), (best["xnli"], "xnli"), (best["pawsx"], "pawsx")])
    assert len(list((shared_cache / "intermediate").glob("mnli-*"))) >= 1  # phase 1 went through the shared cache
    (sweep,) = (outputs / "multirun").iterdir()
    rows = {(r["target"], r["inter"]): r["kept"] for r in csv.DictReader((sweep / "halving.csv").open())}
    dropped = {"xnli": {"mnli", "squad"} - {best["xnli"]}, "pawsx": {"mnli", "squad"} - {best["pawsx"]}}
    assert all(rows[(target, inter)] == "False" for target, inters in dropped.items() for inter in inters)
    assert "cells to run: 4 of the full grid's 6" in proc.stdout
    assert f"| {best['xnli']} |" in (sweep / "transfer_matrix.md").read_text()  # the end-of-sweep report


@pytest.mark.slow
def test_an_adaptive_grid_without_predictions_or_with_k_0_stops_with_one_line(tmp_path: Path, shared_cache: Path) -> None:
    predictions = tmp_path / "predictions.csv"
    predictions.write_text("signal,target,inter,model,score\nsemb,xnli,mnli,tiny,2\n")
    base = [sys.executable, "launch.py", "-m", "inter=none", "target=xnli", "+adaptive=halving",
            f"adaptive.predictions={predictions}", f"paths.outputs={tmp_path / 'outputs'}", f"paths.cache={shared_cache}"]
    proc = subprocess.run(base, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "error: no predictions of signal 'logme_en'; the predictions have: semb" in proc.stderr
    assert not (tmp_path / "outputs" / "cells").exists()  # nothing ran
    proc = subprocess.run(base + ["adaptive.top_k=0"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "adaptive.top_k=0: keep at least 1" in proc.stderr
