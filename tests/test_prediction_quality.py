"""How good a predicted ranking is (xtask/predict/quality.py) and ``xtask aggregate --compare
prediction``: metrics on rankings whose values follow from their definitions by hand, the random
baseline's exact expectation against brute force over every permutation, and the report on a
small grid of finished cells (written by hand, tests/cellfactory.py)."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cellfactory import make_cell
from xtask.cli import main as xtask_main
from xtask.predict import quality
from xtask.report import collect

TRUE = [10.0, 20.0, 30.0, 40.0]


# --------------------------------------------------------------------------- metrics


def test_a_perfect_ranking_has_rho_1_no_regret_and_ndcg_1() -> None:
    found = quality.metrics([1, 2, 3, 4], TRUE)
    assert found == {"spearman": 1.0, "ndcg3": 1.0, "regret1": 0.0, "regret1_pct": 0.0, "regret3": 0.0,
                     "regret3_pct": 0.0}


def test_a_reversed_ranking_has_rho_minus_1_and_the_whole_spread_as_regret() -> None:
    found = quality.metrics([4, 3, 2, 1], TRUE)
    assert found["spearman"] == -1.0
    assert found["regret1"] == 40 - 10 and found["regret1_pct"] == pytest.approx(75.0)
    assert found["regret3"] == 40 - 30  # the top 3 predicted are 10, 20, 30


def test_ndcg_at_3_of_a_known_order() -> None:
    # Predicted order: 20, 40, 10, 30 -> gains (score - 10) 10, 30, 0; the ideal order gains 30, 20, 10.
    dcg = 10 / math.log2(2) + 30 / math.log2(3) + 0 / math.log2(4)
    ideal = 30 / math.log2(2) + 20 / math.log2(3) + 10 / math.log2(4)
    assert quality.ndcg_at([2, 4, 1, 3], TRUE, 3) == pytest.approx(dcg / ideal)
    assert quality.regret_at([2, 4, 1, 3], TRUE, 1) == 40 - 20
    assert quality.regret_at([2, 4, 1, 3], TRUE, 3) == 0


def test_undefined_when_every_row_scores_the_same() -> None:
    assert math.isnan(quality.spearman([1, 2, 3], [5, 5, 5]))
    assert math.isnan(quality.ndcg_at([1, 2, 3], [5, 5, 5]))
    assert quality.regret_at([1, 2, 3], [5, 5, 5], 1) == 0


def _orders(predicted, true):
    """Every order of the rows consistent with the predicted scores (ties in any order), as ranks."""
    n = len(predicted)
    for perm in itertools.permutations(range(n)):
        if all(predicted[perm[i]] >= predicted[perm[i + 1]] for i in range(n - 1)):
            ranks = np.empty(n)
            ranks[list(perm)] = np.arange(n, 0, -1)  # strictly decreasing: a tie-free prediction
            yield ranks


@pytest.mark.parametrize("true", [[10.0, 20.0, 30.0, 40.0, 55.0], [3.0, 7.0, 7.0, 1.0, 9.0], [50.0, 50.0, 49.0, 60.0]])
def test_the_random_baseline_is_the_mean_over_all_permutations(true) -> None:
    by_permutation = [quality.metrics(ranks, true) for ranks in _orders([0] * len(true), true)]
    assert len(by_permutation) == math.factorial(len(true))
    expected = quality.random_expectation(true)
    for name in quality.METRICS:
        assert expected[name] == pytest.approx(np.mean([m[name] for m in by_permutation]), abs=1e-12), name


def test_tied_predictions_count_as_every_order_of_the_tie() -> None:
    predicted, true = [3, 2, 2, 2, 0], [30.0, 10.0, 50.0, 20.0, 40.0]
    orders = [quality.metrics(ranks, true) for ranks in _orders(predicted, true)]
    assert len(orders) == 6
    found = quality.metrics(predicted, true)
    for name in ("ndcg3", "regret1", "regret3"):
        assert found[name] == pytest.approx(np.mean([m[name] for m in orders])), name
    assert found["regret3"] == pytest.approx(50 - (1 / 3 * 30 + 2 / 3 * 50))  # the tie's best joins the top 3 in 2 of 3 picks


def test_seed_intervals() -> None:
    rng = np.random.default_rng(0)
    one_seed = [np.array([10.0]), np.array([20.0]), np.array([30.0])]
    assert quality.seed_intervals([1, 2, 3], one_seed, 200, rng) == {}
    apart = [np.array([10.0, 11.0]), np.array([20.0, 22.0]), np.array([30.0])]  # no resample swaps two rows
    found = quality.seed_intervals([1, 2, 3], apart, 200, rng)
    assert found["spearman"] == (1.0, 1.0) and found["regret1"] == (0.0, 0.0)
    close = [np.array([10.0, 30.0]), np.array([20.0, 21.0]), np.array([5.0])]  # the first row's seeds straddle the second
    found = quality.seed_intervals([2, 1, 0], close, 400, rng)
    low, high = found["regret1"]
    assert low == 0.0 and high == pytest.approx(21.0 - 10.0)


# --------------------------------------------------------------------------- against a matrix


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    """xnli: none 40, mnli 60/62, squad 50/54, hellaswag 45 (one seed), sst2 failed; pawsx: none 80,
    mnli 85 (two rows: too short); tatoeba: none 30 (scored directly)."""
    root = tmp_path / "cells"
    for inter, scores in {"none": [40.0, 40.0], "mnli": [60.0, 62.0], "squad": [50.0, 54.0], "hellaswag": [45.0]}.items():
        for seed, score in enumerate(scores, 1):
            make_cell(root, inter, "xnli", seed, score)
    make_cell(root, "sst2", "xnli", 1, state="failed")
    make_cell(root, "none", "pawsx", 1, 80.0)
    make_cell(root, "mnli", "pawsx", 1, 85.0)
    make_cell(root, "none", "tatoeba", 1, 30.0)
    return root


def _predictions() -> pd.DataFrame:
    rows = [("logme_en", "xnli", "mnli", 3.0), ("logme_en", "xnli", "squad", 2.0), ("logme_en", "xnli", "hellaswag", 1.0),
            ("logme_en", "xnli", "none", 0.0), ("logme_en", "xnli", "sst2", 5.0), ("logme_en", "xnli", "qqp", 4.0),
            ("semb", "xnli", "none", 3.0), ("semb", "xnli", "squad", 1.0), ("semb", "xnli", "mnli", 0.0),
            ("logme_en", "pawsx", "mnli", 1.0), ("logme_en", "pawsx", "none", 0.0),
            ("logme_en", "xnli", "mnli", 9.0)]  # another model's prediction: not this matrix's
    frame = pd.DataFrame(rows, columns=["signal", "target", "inter", "score"])
    frame["model"] = ["tiny"] * (len(rows) - 1) + ["xlmr_large"]
    frame["key"] = [f"k{i}" for i in range(len(rows))]
    return frame


def test_compare_ranks_each_target_and_lists_what_is_missing(grid: Path) -> None:
    long, _ = collect.load_long([grid])
    found = {(c.target, c.signal): c for c in quality.compare(long, _predictions(), ["xnli", "pawsx", "tatoeba"], 200)}
    logme = found[("xnli", "logme_en")]
    assert logme.status == quality.RANKED
    assert logme.rows == ("mnli", "squad", "hellaswag", "none") and logme.true == (61.0, 52.0, 45.0, 40.0)
    assert logme.values["spearman"] == 1.0 and logme.values["regret1"] == 0.0 and logme.values["ndcg3"] == 1.0
    assert logme.random["regret1"] == pytest.approx(61 - (61 + 52 + 45 + 40) / 4)
    assert logme.intervals["spearman"] == (1.0, 1.0)  # resampled seeds never swap these rows
    assert logme.seeds == (2, 2, 1, 2)
    assert logme.lacking_matrix == ("sst2 (no finished cell: failed)", "qqp (no cell)")
    semb = found[("xnli", "semb")]
    assert semb.rows == ("none", "squad", "mnli") and semb.values["spearman"] == -1.0
    assert semb.values["regret1"] == 61 - 40 and semb.values["regret1_pct"] == pytest.approx(100 * 21 / 61)
    assert semb.lacking_prediction == ("hellaswag",)
    assert found[("pawsx", "logme_en")].status == quality.TOO_SHORT
    assert found[("pawsx", "semb")].status == quality.NO_PREDICTION
    assert found[("tatoeba", "")].status == quality.SCORED_DIRECTLY
    with pytest.raises(quality.PredictionError, match="no predictions of signal 'esm'; the predictions have: logme_en, semb"):
        quality.compare(long, _predictions(), ["xnli"], 0, signal="esm")
    with pytest.raises(quality.PredictionError, match="lack the column"):
        quality.compare(long, _predictions().drop(columns="score"), ["xnli"], 0)


def _seeded(seed: int, reverse: bool = False) -> pd.DataFrame:
    """The tiny model's logme_en predictions for xnli as seed ``seed``'s phase-1 encoders made
    them: right (mnli > squad > hellaswag > none) or, with ``reverse``, exactly wrong."""
    order = ["none", "hellaswag", "squad", "mnli"]
    scores = range(4, 0, -1) if reverse else range(1, 5)
    return pd.DataFrame({"signal": "logme_en", "target": "xnli", "inter": order, "score": list(map(float, scores)),
                         "model": "tiny", "seed": seed, "key": [f"s{seed}-{i}" for i in order]})


def test_predictions_are_judged_from_the_matrix_seeds_encoders(grid: Path) -> None:
    """The grid has seeds 1 and 2; seed 3's phase-1 encoders (wrong here) are no part of it, so
    they are left out, unless asked for (a prediction judged on held-out seeds)."""
    long, _ = collect.load_long([grid])
    both = pd.concat([_seeded(1), _seeded(3, reverse=True)], ignore_index=True)

    def judged(**kwargs) -> quality.TargetComparison:
        (found,) = [c for c in quality.compare(long, both, ["xnli"], 0, **kwargs) if c.signal == "logme_en"]
        return found

    default = judged()
    assert default.values["spearman"] == 1.0 and default.from_seeds.startswith("predictions of seed(s) 1 (the matrix's")
    held_out = judged(prediction_seeds=[3])
    assert held_out.values["spearman"] == -1.0 and "seed(s) 3 (as asked" in held_out.from_seeds
    mixed = judged(prediction_seeds=[1, 3])  # the mean of the two ties every row: a random ranking
    assert math.isnan(mixed.values["spearman"]) and mixed.values["regret1"] == pytest.approx(mixed.random["regret1"])
    only_other = pd.concat([_seeded(3, reverse=True), _seeded(4, reverse=True)], ignore_index=True)
    (found,) = [c for c in quality.compare(long, only_other, ["xnli"], 0) if c.signal == "logme_en"]
    assert found.values["spearman"] == -1.0 and "held out" in found.from_seeds and "seed(s) 3, 4" in found.from_seeds
    with pytest.raises(quality.PredictionError, match=r"no predictions of seed\(s\) 7; the predictions have seed\(s\) 1, 3"):
        judged(prediction_seeds=[7])
    assert "Judged: the predictions of seed(s) 1" in quality.markdown(quality.compare(long, both, ["xnli"], 0), "tiny")


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    """Predictions in an outputs tree, written through xtask predict's store."""
    from xtask.predict import store

    root = tmp_path / "outputs"
    for row in _predictions().itertuples():
        store.write(root, store.Prediction(signal=row.signal, key=row.key, target=row.target, inter=row.inter,
                                           setting=row.inter, model=row.model, seed=1, score=row.score, examples=10,
                                           rows=10, seconds=0.0, version=store.VERSIONS[row.signal]))
    return root


@pytest.mark.slow
def test_aggregate_compare_prediction_writes_and_prints(grid: Path, stored: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "report"
    assert xtask_main(["aggregate", str(grid), "--out", str(out), "--resamples", "50", "--compare", "prediction",
                       "--predictions", str(stored), "--signal", "logme_en"]) == 0
    printed = capsys.readouterr().out
    md = (out / "compare_prediction.md").read_text()
    assert md in printed and "compare_prediction.md" in printed
    assert "tatoeba: scored directly" in md
    assert "pawsx, logme_en: too short to judge: 2 ranked row(s)" in md
    assert "semb" not in md  # --signal logme_en
    rows = {(r["target"], r["signal"]): r for r in csv.DictReader((out / "compare_prediction.csv").open())}
    assert float(rows[("xnli", "logme_en")]["spearman"]) == 1.0
    assert float(rows[("xnli", "logme_en")]["regret1_random"]) == pytest.approx(61 - 49.5)
    assert rows[("pawsx", "logme_en")]["spearman"] == ""
    page = (out / "report.md").read_text()
    assert "Predicted rankings against this matrix: logme_en over 1 target(s): mean Spearman +1.00" in page


def test_aggregate_compare_prediction_errors(grid: Path, stored: Path, tmp_path: Path, capsys) -> None:
    assert xtask_main(["aggregate", str(grid), "--out", str(tmp_path / "o"), "--signal", "semb"]) == 2
    assert "--signal chooses among stored predictions: it needs --compare prediction" in capsys.readouterr().err
    assert xtask_main(["aggregate", str(grid), "--out", str(tmp_path / "o"), "--compare", "prediction",
                       "--predictions", str(stored), "--signal", "esm"]) == 2
    assert "no predictions of signal 'esm'; the predictions have: logme_en, semb" in capsys.readouterr().err


def test_aggregate_prediction_seeds(grid: Path, stored: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "o"
    assert xtask_main(["aggregate", str(grid), "--out", str(out), "--prediction-seeds", "1"]) == 2
    assert "--prediction-seeds chooses among stored predictions: it needs --compare prediction" in capsys.readouterr().err
    assert xtask_main(["aggregate", str(grid), "--out", str(out), "--compare", "prediction", "--predictions", str(stored),
                       "--prediction-seeds", "2,3"]) == 2
    assert "no predictions of seed(s) 2, 3; the predictions have seed(s) 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        xtask_main(["aggregate", str(grid), "--compare", "prediction", "--prediction-seeds", "one"])
    assert "give seeds as integers separated by commas" in capsys.readouterr().err
    assert xtask_main(["aggregate", str(grid), "--out", str(out), "--resamples", "0", "--compare", "prediction",
                       "--predictions", str(stored), "--prediction-seeds", "1"]) == 0
    rows = list(csv.DictReader((out / "compare_prediction.csv").open()))
    assert {r["prediction_seeds"] for r in rows if r["status"] == quality.RANKED} == {
        "predictions of seed(s) 1 (as asked; mean over them)"}
