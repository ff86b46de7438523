"""Intervals, paired tests, learned-nothing marks and seeds needed (xtask.report.stats).

Cells are written by hand (tests/cellfactory.py) with prediction and label files whose scores
are computed by xtask's own scorer, so every interval below is of a known score; the
statistical properties (false-positive rate, power, coverage) are checked by simulation.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
import pandas as pd
import pytest

from cellfactory import make_cell
from xtask.cli import main as xtask_main
from xtask.report import aggregate, bootstrap, collect, heatmap, stats, tables, units
from xtask.report.tables import LEARNED_NOTHING_MARK
from xtask.scoring.files import write_labels
from xtask.scoring.xtreme import TASKS as SCORERS
from xtask.scoring.xtreme import score_language
from xtask.store import records
from xtask.tasks import TARGET_TASKS

XNLI = ("entailment", "neutral", "contradiction")


def _write_files(folder: Path, target: str, lang: str, labels: object, predictions: object) -> None:
    task = TARGET_TASKS[target]
    for kind, payload in (("labels", labels), ("predictions", predictions)):
        path = folder / kind / target / f"test-{lang}.{task.suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(write_labels(task.submission, payload), encoding="utf-8")


def _scored(tmp: Path, target: str, lang: str, labels: object, predictions: object) -> Dict[str, float]:
    _write_files(tmp, target, lang, labels, predictions)
    name = f"test-{lang}.{TARGET_TASKS[target].suffix}"
    return score_language(SCORERS[target], tmp / "predictions" / target / name, tmp / "labels" / target / name, lang)


def xnli_cell(root: Path, inter: str, seed: int, gold: Dict[str, Sequence[str]], guess: Dict[str, Sequence[str]],
              **kwargs) -> Path:
    """A finished XNLI cell whose results.json holds the scorer's accuracy of ``guess``."""
    per_language = {lang: {"accuracy": 100.0 * float(np.mean(np.asarray(gold[lang]) == np.asarray(guess[lang])))}
                    for lang in gold}
    folder = make_cell(root, inter, "xnli", seed, per_language=per_language, **kwargs)
    for lang in gold:
        _write_files(folder, "xnli", lang, list(gold[lang]), list(guess[lang]))
    return folder


def _system(rng: np.random.Generator, gold: np.ndarray, accuracy: float) -> np.ndarray:
    """Predictions right with probability ``accuracy``, else one of the two wrong labels."""
    right = rng.random(gold.size) < accuracy
    wrong = (np.array([XNLI.index(label) for label in gold]) + rng.integers(1, 3, gold.size)) % 3
    return np.where(right, gold, np.asarray(XNLI)[wrong])


# --------------------------------------------------------------------------- units = the scorer


def test_units_reproduce_the_scorer_for_every_kind_of_metric(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    tags = list(TARGET_TASKS["panx"].labels)

    def sentences(count: int) -> List[List[str]]:
        return [list(rng.choice(tags, size=int(rng.integers(1, 9)))) for _ in range(count)]

    gold_tags = sentences(60)
    guessed_tags = [[t if rng.random() < 0.7 else str(rng.choice(tags)) for t in s] for s in gold_tags]
    pos = list(TARGET_TASKS["udpos"].labels)
    gold_pos = [list(rng.choice(pos, size=int(rng.integers(1, 9)))) for _ in range(40)]
    guessed_pos = [[t if rng.random() < 0.6 else str(rng.choice(pos)) for t in s] for s in gold_pos]
    squad = [{"paragraphs": [{"qas": [{"id": f"q{i}", "answers": [{"text": f"The {w} of Paris!"}, {"text": w}]}
                                      for i, w in enumerate(["tower", "river bank", "Louvre", "old city", "café"])]}]}]
    answers = {"q0": "tower", "q1": "the river", "q2": "Louvre museum", "q3": "", "q4": "Café"}
    pairs = [f"de-{i}\ten-{i}" for i in range(30)]
    mined = [f"de-{i}\ten-{i if i % 4 else i + 1}" for i in range(0, 40, 2)]
    cases = [
        ("xnli", "de", list(rng.choice(XNLI, 50)), list(rng.choice(XNLI, 50))),
        ("tatoeba", "de", [str(i) for i in range(40)], [str(i if i % 3 else 0) for i in range(40)]),
        ("panx", "de", gold_tags, guessed_tags),
        ("udpos", "de", gold_pos, guessed_pos),
        ("xquad", "en", squad, answers),
        ("bucc2018", "de", pairs, mined),
    ]
    for target, lang, labels, predictions in cases:
        folder = tmp_path / target
        expected = TARGET_TASKS[target].task_score(_scored(folder, target, lang, labels, predictions))
        got = units.load(folder, target, lang)
        assert got is not None and got.score() == pytest.approx(expected, abs=1e-9), target
        assert 0 < expected < 100, target  # a case that tests something
    # Per-sentence entity counts add up to seqeval's micro F1 of any subset of sentences.
    tagged = units.load(tmp_path / "panx", "panx", "de")
    half = slice(0, 30)
    from xtask.scoring.metrics import tagging_f1

    assert 100 * tagged.num[half].sum() / tagged.den[half].sum() == pytest.approx(
        tagging_f1(gold_tags[half], guessed_tags[half])["f1"])


@pytest.mark.slow  # MLQA's normaliser scans the Unicode table once (a few seconds)
def test_units_reproduce_mlqa_normalisation(tmp_path: Path) -> None:
    squad = [{"paragraphs": [{"qas": [{"id": f"q{i}", "answers": [{"text": f"Der {w}, in Berlin."}, {"text": w}]}
                                      for i, w in enumerate(["Turm", "alte Brücke", "Dom", "Stadt"])]}]}]
    answers = {"q0": "der Turm", "q1": "Brücke", "q2": "„Dom“", "q3": ""}
    expected = TARGET_TASKS["mlqa"].task_score(_scored(tmp_path, "mlqa", "de", squad, answers))
    got = units.load(tmp_path, "mlqa", "de")
    assert 0 < expected < 100 and got.score() == pytest.approx(expected, abs=1e-9)


def test_collapsed_predictions_are_found() -> None:
    assert units.collapse("classification", None, ["neutral"] * 5) == "one prediction (neutral) for all 5 examples"
    assert units.collapse("classification", None, ["neutral", "entailment"]) is None
    assert units.collapse("tagging", None, [["O", "O"], ["O"]]) == "one tag (O) for every token"
    assert units.collapse("qa", None, {"a": "", "b": " "}) == "every answer is empty"
    assert units.collapse("qa", None, {"a": "", "b": "x"}) is None
    assert units.collapse("retrieval", "mining", []) == "no pair mined"


# --------------------------------------------------------------------------- the statistics


def _paired_trials(rng: np.random.Generator, trials: int, n: int, gain: float) -> np.ndarray:
    """Significance (p < 0.05) of B - A in ``trials`` constructed pairs of systems on the same
    ``n`` examples: A right with probability 0.7; B agrees with A except on about 10% of the
    examples, flipped so that B's true accuracy is A's + ``gain`` (points). The trials share
    one set of resamples (independent data, so each trial's test is still a bootstrap)."""
    a = (rng.random((trials, n)) < 0.7).astype(float)
    fix = rng.random((trials, n)) < (0.05 + gain / 200) / 0.3 * (1 - a)  # among A's errors
    spoil = rng.random((trials, n)) < (0.05 - gain / 200) / 0.7 * a  # among A's correct answers
    b = np.where(fix, 1.0, np.where(spoil, 0.0, a))
    both = np.vstack([a, b])
    reps = bootstrap.ratio_replicates(both, np.ones_like(both), rng, 1000)
    found = []
    for trial in range(trials):
        delta_reps, paired = bootstrap.delta_replicates({1: reps[trials + trial]}, {1: reps[trial]}, rng)
        found.append(bootstrap.p_value(100 * (b[trial].mean() - a[trial].mean()), delta_reps) < 0.05)
    return np.asarray(found)


def test_a_true_five_point_difference_is_significant_and_none_is_not() -> None:
    rng = np.random.default_rng(20)
    real = _paired_trials(rng, 200, 1000, gain=5.0)
    null = _paired_trials(rng, 200, 1000, gain=0.0)
    assert real.mean() >= 0.95  # power: the difference's standard error is about 1 point
    assert 0.01 <= null.mean() <= 0.10  # the test's level is 5% (200 trials: ±1.5% standard error)


def test_the_95_percent_interval_covers_the_truth_93_to_97_percent_of_the_time() -> None:
    rng = np.random.default_rng(7)
    trials, n, truth = 1000, 400, 0.7
    data = (rng.random((trials, n)) < truth).astype(float)
    replicates = bootstrap.ratio_replicates(data, np.ones_like(data), rng, 1000)
    low, high = np.percentile(replicates, [2.5, 97.5], axis=1)
    coverage = float(np.mean((low <= 100 * truth) & (100 * truth <= high)))
    assert 0.93 <= coverage <= 0.97, coverage


def test_the_poisson_bootstrap_of_large_sets_covers_93_to_97_percent_too() -> None:
    rng = np.random.default_rng(8)
    trials, n, truth = 1000, 2 * bootstrap.POISSON_FROM, 0.3
    data = (rng.random((trials, n)) < truth).astype(float)
    replicates = bootstrap.ratio_replicates(data, np.ones_like(data), rng, 1000)
    low, high = np.percentile(replicates, [2.5, 97.5], axis=1)
    coverage = float(np.mean((low <= 100 * truth) & (100 * truth <= high)))
    assert 0.93 <= coverage <= 0.97, coverage
    counts = bootstrap.resample_counts(rng, 200, n)
    assert abs(counts.mean() - 1) < 0.01 and abs(counts.var() - 1) < 0.02  # Poisson(1)


def test_ratio_replicates_resample_the_ratio_not_the_mean_of_ratios() -> None:
    # Two sentences: 2 correct of 2+2 entities, then 0 of 0+6: F1 = 4 / 10 = 40, and a resample
    # of the first sentence twice is 8 / 8 = 100, of the second twice 0 (0 / 12).
    num, den = np.array([[4.0, 0.0]]), np.array([[4.0, 6.0]])
    reps = bootstrap.ratio_replicates(num, den, np.random.default_rng(0), 400)[0]
    assert set(np.round(reps, 6)) == {100.0, 40.0, 0.0}


def test_benjamini_hochberg() -> None:
    adjusted = bootstrap.adjust([0.01, 0.04, 0.03, 0.5])
    assert adjusted == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])  # p * m / rank, then the running minimum from the top


# --------------------------------------------------------------------------- the report


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    """xnli, 3 seeds, 2 languages x 600 examples: none right 60% of the time, mnli 70% (a real
    10-point gain), sst2 60% with other errors (no gain)."""
    rng = np.random.default_rng(11)
    root = tmp_path / "cells"
    gold = {lang: rng.choice(XNLI, 600) for lang in ("de", "en")}
    for seed in (1, 2, 3):
        for inter, accuracy in (("none", 0.6), ("mnli", 0.7), ("sst2", 0.6)):
            xnli_cell(root, inter, seed, gold, {lang: _system(rng, gold[lang], accuracy) for lang in gold})
    return root


def test_aggregate_writes_intervals_and_delta_tests(grid: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "report"
    assert xtask_main(["aggregate", str(grid), "--out", str(out), "--seeds-needed", "1.0"]) == 0
    printed = capsys.readouterr().out
    transfer = pd.read_csv(out / "transfer_stats.csv").set_index(["row", "target"])
    for row in ("none", "mnli", "sst2"):
        entry = transfer.loc[(row, "xnli")]
        assert entry["ci_low"] < entry["mean"] < entry["ci_high"] and entry["ci_high"] - entry["ci_low"] < 10
        assert entry["ci_method"] == "bootstrap: 3 seeds and examples"
    deltas = pd.read_csv(out / "delta_stats.csv")
    assert list(deltas.columns[:7]) == ["row", "target", "delta", "ci_low", "ci_high", "p_value", "significant"]
    by_row = deltas.set_index(["row", "target"])
    assert bool(by_row.loc[("mnli", "xnli"), "significant"]) and by_row.loc[("mnli", "xnli"), "ci_low"] > 5
    assert not bool(by_row.loc[("sst2", "xnli"), "significant"])
    assert by_row.loc[("sst2", "xnli"), "ci_low"] < 0 < by_row.loc[("sst2", "xnli"), "ci_high"]
    assert by_row.loc[("mnli", "xnli"), "paired_seeds"] and by_row.loc[("mnli", "xnli"), "paired_examples"]
    page = (out / "report.md").read_text()
    assert "bootstrap" in page and "Benjamini-Hochberg" in page
    delta_md = (out / "delta_matrix.md").read_text()
    assert "*" in delta_md.split("| mnli |")[1].split("\n")[0]
    assert "(cell_intervals" not in page and (out / "cell_intervals.csv").is_file()
    languages = pd.read_csv(out / "cell_intervals.csv")
    assert len(languages) == 18 and (languages["ci_low"] < languages["score"]).all()
    assert "seeds per configuration for a 1-point difference" in printed
    line = next(l for l in printed.splitlines() if l.strip().startswith("xnli"))
    assert line.split()[1].isdigit() or "not reachable" in line


def test_a_single_seed_gets_an_example_interval_and_says_so(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    gold = {"en": rng.choice(XNLI, 300)}
    xnli_cell(tmp_path / "cells", "none", 1, gold, {"en": _system(rng, gold["en"], 0.6)})
    report = aggregate.build(collect.load_long([tmp_path / "cells"])[0], "x")
    entry = report.stats.loc[("none", "xnli")]
    assert entry["ci_method"] == "bootstrap: examples only (1 seed)" and entry["ci_low"] < entry["mean"] < entry["ci_high"]
    assert f"[{entry['ci_low']:.1f}, {entry['ci_high']:.1f}] (n=1)" in report.text.loc["none", "xnli"]


def test_seed_free_cells_count_once_and_are_labelled_deterministic(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    gold = {"en": rng.choice(XNLI, 200)}
    guess = _system(rng, gold["en"], 0.6)
    for seed in (1, 2, 3):
        folder = xnli_cell(tmp_path / "cells", "none", seed, gold, {"en": guess})
        spec = records.read_spec(folder)
        spec.seed_free = True
        records.write(folder, spec)
    report = aggregate.build(collect.load_long([tmp_path / "cells"])[0], "x")
    entry = report.stats.loc[("none", "xnli")]
    assert entry["n"] == 1 and math.isnan(entry["std"]) and entry["deterministic"]
    assert entry["ci_method"] == "bootstrap: examples (deterministic cell)"
    assert report.text.loc["none", "xnli"].endswith("(deterministic)") and "±" not in report.text.loc["none", "xnli"]


def test_an_old_spec_without_seed_free_reads_as_seeded(tmp_path: Path) -> None:
    folder = make_cell(tmp_path / "cells", "none", "xnli", 1, 50.0)
    data = json.loads((folder / "spec.json").read_text())
    data.pop("seed_free", None)
    (folder / "spec.json").write_text(json.dumps(data))
    assert records.read_spec(folder).seed_free is False


def test_a_cell_that_learned_nothing_is_marked_in_matrix_notes_and_status(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(5)
    gold = {"en": rng.choice(XNLI, 120)}
    xnli_cell(tmp_path / "cells", "none", 1, gold, {"en": _system(rng, gold["en"], 0.6)})
    dead = xnli_cell(tmp_path / "cells", "mnli", 1, gold, {"en": np.full(120, "neutral")})
    for _ in ("from the predictions file", "from the units the report cached"):
        xtask_main(["status", str(tmp_path / "cells")])
        line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith(dead.name))
        assert "learned nothing: en: one prediction (neutral)" in line
        report = aggregate.build(collect.load_long([tmp_path / "cells"])[0], "x")
    assert units.cache_file(dead, "xnli", "en").is_file()
    assert LEARNED_NOTHING_MARK in report.text.loc["mnli", "xnli"]
    assert LEARNED_NOTHING_MARK not in report.text.loc["none", "xnli"]
    assert any(dead.name in note and "one prediction (neutral) for all 120 examples" in note for note in report.notes)


def test_a_training_loss_at_chance_is_learned_nothing(tmp_path: Path) -> None:
    folder = make_cell(tmp_path / "cells", "mnli", "xnli", 1, 40.0)
    results = records.read_results(folder)
    results.phases = {"target": {"train_loss": 1.102}}
    records.write(folder, results)
    assert stats.loss_at_chance(folder, "xnli") == "training loss 1.102, a uniform guess ln(3) = 1.099"
    results.phases = {"target": {"train_loss": 0.9}}
    records.write(folder, results)
    assert stats.loss_at_chance(folder, "xnli") is None


def test_a_loss_near_chance_with_predictions_well_above_it_learned_something(tmp_path: Path) -> None:
    """The Trainer's loss is a mean over the run: a real XNLI cell averaged 1.085 (ln 3 = 1.099)
    and scored 54.5 on 4 x 200 examples against a chance of 33.3. Not 'learned nothing'; at 36.0
    (within two standard errors of chance) it still is."""
    from xtask.store.records import LanguageScore

    folder = make_cell(tmp_path / "cells", "sst2", "xnli", 3, 54.5)
    results = records.read_results(folder)
    results.phases = {"target": {"train_loss": 1.085}}
    results.scores.per_language = {lang: LanguageScore({"accuracy": 54.5}, 54.5, 200) for lang in ("de", "en", "sw", "ur")}
    results.scores.extra = {"chance": {lang: 100 / 3 for lang in ("de", "en", "sw", "ur")}}
    records.write(folder, results)
    assert stats.loss_at_chance(folder, "xnli") is None
    results.scores.per_language = {lang: LanguageScore({"accuracy": 36.0}, 36.0, 200) for lang in ("de", "en", "sw", "ur")}
    records.write(folder, results)
    assert stats.loss_at_chance(folder, "xnli") == "training loss 1.085, a uniform guess ln(3) = 1.099"


def test_cells_without_prediction_files_have_no_interval_and_say_why(tmp_path: Path) -> None:
    for seed, score in ((1, 40.0), (2, 42.0)):
        make_cell(tmp_path / "cells", "none", "xnli", seed, score)
    report = aggregate.build(collect.load_long([tmp_path / "cells"])[0], "x")
    entry = report.stats.loc[("none", "xnli")]
    assert math.isnan(entry["ci_low"]) and entry["ci_method"].startswith("none: no predictions and labels on disk")
    assert "[" not in report.text.loc["none", "xnli"]
    assert any(note.startswith("no interval or test for 1 entry") for note in report.notes)


def test_too_few_seeds_say_so(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    gold = {"en": rng.choice(XNLI, 200)}
    for inter in ("none", "mnli"):
        xnli_cell(tmp_path / "cells", inter, 1, gold, {"en": _system(rng, gold["en"], 0.6)})
    long = collect.load_long([tmp_path / "cells"])[0]
    report = aggregate.build(long, "x")
    table = stats.seeds_needed(tables.cell_table(long), report.analysis, 1.0)
    assert math.isnan(table.loc[0, "seeds_needed"]) and "too few seeds" in table.loc[0, "note"]


def test_seeds_needed_follows_the_power_formula() -> None:
    # seed sd 2 (2 configurations x 3 seeds: values 0, 2, 4 -> var 4), example var 0.25:
    # k = 2 z^2 * 4 / (delta^2 - z^2 * 0.25), z = 1.96 + 0.8416.
    cells = pd.DataFrame({"row": ["a"] * 3 + ["b"] * 3, "target": "xnli", "seed": [1, 2, 3] * 2,
                          "task_score": [0.0, 2.0, 4.0, 10.0, 12.0, 14.0], "state": "done", "group": ["a"] * 3 + ["b"] * 3,
                          "seed_free": False})
    analysis = stats.Analysis(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {}, example_variance={"xnli": 0.25})
    z = 1.959964 + 0.841621
    table = stats.seeds_needed(cells, analysis, 3.0)
    assert table.loc[0, "seeds_needed"] == math.ceil(2 * z * z * 4 / (9 - z * z * 0.25))
    assert "not reachable" in stats.seeds_needed(cells, analysis, 1.0).loc[0, "note"]


def test_delta_heatmap_scale_is_symmetric_with_a_floor() -> None:
    assert heatmap.delta_range(np.array([[0.3, -0.1]])) == heatmap.MIN_RANGE
    assert heatmap.delta_range(np.array([[7.2, -1.0], [np.nan, 0.0]])) == 8.0


def test_extra_baseline_row(grid: Path) -> None:
    long, _ = collect.load_long([grid])
    report = aggregate.build(long, "x", baselines=["mnli"])
    tests = report.delta_stats
    against = tests[(tests["baseline"] == "mnli") & (tests["target"] == "xnli")].set_index("row")
    assert set(against.index) == {"none", "sst2"}
    assert against.loc["none", "delta"] < 0 and bool(against.loc["none", "significant"])


@pytest.mark.slow  # a whole aggregate with --compare (about 5-10 s on the shared machine)
def test_the_papers_table_2_deltas_beside_ours(tmp_path: Path) -> None:
    from xtask.report import paper

    table = paper.load_deltas()
    assert len(table) == 16 * 10  # 8 rows x {no MLM, MLM} x (9 targets + avg)
    xquad = table[(table["inter"] == "squad") & ~table["mlm"] & (table["target"] == "xquad")].iloc[0]
    assert xquad["delta"] == pytest.approx((1.3 + 1.1) / 2)  # Table 2: SQuAD (no MLM), XQuAD F1 +1.3 / EM +1.1
    rng = np.random.default_rng(9)
    gold = {"en": rng.choice(XNLI, 400)}
    for inter, accuracy in (("none", 0.6), ("qqp", 0.6), ("mnli", 0.6)):  # v1 has no MNLI row
        xnli_cell(tmp_path / "cells", inter, 1, gold, {"en": _system(rng, gold["en"], accuracy)})
    out = tmp_path / "report"
    assert xtask_main(["aggregate", str(tmp_path / "cells"), "--out", str(out), "--compare", "paper"]) == 0
    compared = pd.read_csv(out / "compare_paper_deltas.csv")
    assert list(compared["row"]) == ["qqp"] and compared.loc[0, "paper_delta"] == -1.4
    assert compared.loc[0, "paper_inside"] == (compared.loc[0, "ci_low"] <= -1.4 <= compared.loc[0, "ci_high"])
    assert "v1 preprint" in (out / "compare_paper.md").read_text()


def test_compare_deltas_says_whether_the_papers_value_is_inside_our_interval() -> None:
    from xtask.report import paper

    ours = pd.DataFrame([
        {"row": "qqp", "target": "xnli", "delta": -1.0, "ci_low": -2.0, "ci_high": 0.5, "significant": False},
        {"row": "qqp+mlm0.5", "target": "xnli", "delta": 2.0, "ci_low": 1.0, "ci_high": 3.0, "significant": True},
        {"row": "qqp [x=1]", "target": "xnli", "delta": 2.0, "ci_low": 1.0, "ci_high": 3.0, "significant": True},
    ])
    frame, text = paper.compare_deltas(ours, paper.load_deltas())
    assert list(frame["row"]) == ["qqp", "qqp+mlm0.5"]
    assert list(frame["paper_delta"]) == [-1.4, -0.5]  # Table 2: QQP XNLI, no MLM -1.4, with MLM -0.5
    assert list(frame["paper_inside"]) == [True, False]
    assert "(inside)" in text and "(outside)" in text


@pytest.mark.slow  # composes the planned grid with Hydra (about 10 s)
def test_plan_with_a_pilot_prints_the_seeds_needed(grid: Path, tmp_path: Path, capsys) -> None:
    code = xtask_main(["plan", "inter=none,mnli", "target=xnli", "seed=1,2", "model=tiny", f"paths.outputs={tmp_path / 'o'}",
                       "--pilot", str(grid), "--seeds-needed", "8"])
    printed = capsys.readouterr().out
    assert code == 0
    line = next(l for l in printed.splitlines() if l.strip().startswith("xnli "))
    assert line.split()[1].isdigit() and "seed sd" in line
    assert "xnli: the plan has 2 seed(s) per configuration" in printed


def test_deltas_on_other_examples_are_not_called_paired(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    gold, other = {"en": rng.choice(XNLI, 300)}, {"en": rng.choice(XNLI, 300)}
    xnli_cell(tmp_path / "cells", "none", 1, gold, {"en": _system(rng, gold["en"], 0.6)})
    xnli_cell(tmp_path / "cells", "mnli", 1, other, {"en": _system(rng, other["en"], 0.6)})
    xnli_cell(tmp_path / "cells", "sst2", 1, gold, {"en": _system(rng, gold["en"], 0.6)})
    tests = aggregate.build(collect.load_long([tmp_path / "cells"])[0], "x").delta_stats.set_index("row")
    assert not tests.loc["mnli", "paired_examples"] and tests.loc["sst2", "paired_examples"]


def test_units_are_cached_in_the_cell_and_refreshed_when_the_files_change(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    gold = {"en": rng.choice(XNLI, 50)}
    folder = xnli_cell(tmp_path / "cells", "none", 1, gold, {"en": gold["en"]})
    first = units.load(folder, "xnli", "en")
    assert first.score() == 100.0 and units.cache_file(folder, "xnli", "en").is_file()
    prediction_file, _ = units.files(folder, "xnli", "en")
    prediction_file.write_text("neutral\n" * 50, encoding="utf-8")
    again = units.load(folder, "xnli", "en")
    assert again.score() == pytest.approx(100 * float(np.mean(gold["en"] == "neutral")))
    assert again.collapsed == "one prediction (neutral) for all 50 examples"
    assert units.load(folder, "xnli", "en").collapsed == again.collapsed  # from the cache, the same


@pytest.mark.slow  # starts two spawned processes (their imports: about 5 s here)
def test_load_many_reads_uncached_languages_in_processes_as_in_one(tmp_path: Path, monkeypatch) -> None:
    rng = np.random.default_rng(13)
    gold = {lang: rng.choice(XNLI, 40) for lang in ("de", "en", "fr")}
    folders = [xnli_cell(tmp_path / "cells", inter, 1, gold, {lang: _system(rng, gold[lang], 0.6) for lang in gold})
               for inter in ("none", "mnli")]
    wanted = [(str(f), "xnli", lang) for f in folders for lang in gold]
    monkeypatch.setattr(units, "POOL_FROM", 0)
    pooled = units.load_many(wanted, workers=2)
    for folder in folders:
        for lang in gold:
            assert units.cache_file(folder, "xnli", lang).is_file()
            units.cache_file(folder, "xnli", lang).unlink()
    single = units.load_many(wanted, workers=1)
    assert set(pooled) == set(single) == {(str(f), lang) for f in folders for lang in gold}
    assert all(np.array_equal(pooled[k].num, single[k].num) for k in pooled)
