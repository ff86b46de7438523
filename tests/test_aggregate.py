"""``xtask aggregate`` over synthetic cell folders with known scores.

No training: results.json / status.json are written by hand (as tests/test_matrix.py does), so
every mean, standard deviation, average and delta below is computed by hand.
"""

from __future__ import annotations

import csv
import math
import statistics
import struct
import sys
import types
from pathlib import Path
from typing import Dict, List

import pandas as pd
import pytest

from cellfactory import make_cell
from xtask.cli import main as xtask_main
from xtask.report import aggregate, collect, heatmap, latex, paper, tables
from xtask.plan.resolve import MULTITASK_DEFAULT_STRATEGY, setting_label
from xtask.tasks import TARGET_TASKS
from xtask.tasks.benchmarks import BENCHMARKS

NINE = list(BENCHMARKS["xtreme"])
QA = ("xquad", "mlqa", "tydiqa")
LABEL = "tiny · data=mini"


def _done(root: Path, inter: str, target: str, seed: int, score: float, model: str = "tiny", **kwargs) -> Path:
    """A finished cell whose languages average to ``score`` (en = score + 1, de = score - 1)."""
    return make_cell(root, inter, target, seed, score, model=model, **kwargs)


def _failed(root: Path, inter: str, target: str, seed: int, model: str = "tiny", **kwargs) -> Path:
    return make_cell(root, inter, target, seed, state="failed", model=model, **kwargs)


def _long(*paths: Path, borrow: bool = True) -> pd.DataFrame:
    long, _ = collect.load_long(list(paths), borrow=borrow)
    return long


# --------------------------------------------------------------------------- partial grid


@pytest.fixture
def partial(tmp_path: Path) -> Path:
    """none x xnli: 40, 42, 44; mnli x xnli: 50, 60, 70; none x pawsx: 80 + a failed seed;
    mnli x pawsx: every seed failed; nothing at all for the seven other targets."""
    root = tmp_path / "cells"
    for seed, score in [(1, 40.0), (2, 42.0), (3, 44.0)]:
        _done(root, "none", "xnli", seed, score)
    for seed, score in [(1, 50.0), (2, 60.0), (3, 70.0)]:
        _done(root, "mnli", "xnli", seed, score)
    _done(root, "none", "pawsx", 1, 80.0)
    _failed(root, "none", "pawsx", 2)
    _failed(root, "mnli", "pawsx", 1)
    _failed(root, "mnli", "pawsx", 2)
    return root


def test_long_table_has_a_row_per_language_and_one_per_failed_cell(partial: Path) -> None:
    long = _long(partial)
    for column in ("report", "sweep", "model", "inter", "setting", "row", "target", "seed", "lang", "metric", "value",
                   "lang_score", "n", "task_score", "state", "partial", "dir"):
        assert column in long.columns
    done = long[long["state"] == "done"]
    assert len(done) == 7 * 2  # seven finished cells x (en, de)
    failed = long[long["state"] == "failed"]
    assert len(failed) == 3 and failed["lang"].isna().all() and failed["task_score"].isna().all()
    en = done[(done["inter"] == "mnli") & (done["seed"] == 2) & (done["lang"] == "en")].iloc[0]
    assert en["value"] == 61.0 and en["metric"] == "accuracy" and en["task_score"] == 60.0 and en["n"] == 10


@pytest.mark.slow
def test_means_stds_failed_and_missing_cells(partial: Path) -> None:
    report = aggregate.build(_long(partial), LABEL)
    stats = report.stats
    assert stats.loc[("mnli", "xnli"), "mean"] == pytest.approx(60.0)
    assert stats.loc[("mnli", "xnli"), "std"] == pytest.approx(statistics.stdev([50.0, 60.0, 70.0]))  # 10
    assert stats.loc[("none", "xnli"), "std"] == pytest.approx(2.0)
    text = report.text
    assert list(text.columns) == [*NINE, "avg"] and list(text.index) == ["none", "mnli"]
    assert text.loc["none", "xnli"] == "42.0 ± 2.0 (n=3)"
    assert text.loc["mnli", "xnli"] == "60.0 ± 10.0 (n=3)"
    assert text.loc["none", "pawsx"] == "80.0 (n=1; 1 failed)"  # mean of the finished seed, failure marked
    assert text.loc["mnli", "pawsx"] == "failed"
    assert text.loc["mnli", "udpos"] == "missing"
    # No row has all nine targets: the XTREME score is shown as missing, with how many exist.
    assert text.loc["none", "avg"] == "missing (2/9)" and text.loc["mnli", "avg"] == "missing (1/9)"
    assert math.isnan(report.avg["none"])
    # Delta: 60 - 42 on xnli; nothing where either side has no finished seed.
    assert report.delta.loc["mnli", "xnli"] == pytest.approx(18.0)
    assert math.isnan(report.delta.loc["mnli", "pawsx"]) and math.isnan(report.delta.loc["mnli", "avg"])
    assert math.isnan(report.summary["xtreme_best"])
    lines = report.matrix_md.splitlines()
    assert lines[0].startswith("| inter \\ target | xnli | pawsx | udpos |") and lines[0].endswith("| avg |")
    assert lines[2].startswith("| none | 42.0 ± 2.0 (n=3) | 80.0 (n=1; 1 failed) | missing |")


def test_per_language_table_is_the_mean_over_seeds(partial: Path) -> None:
    report = aggregate.build(_long(partial), LABEL)
    xnli = report.per_language["xnli"]
    assert list(xnli.columns) == ["de", "en"]  # the registry's XNLI language order
    assert xnli.loc["mnli", "en"] == pytest.approx(61.0) and xnli.loc["mnli", "de"] == pytest.approx(59.0)
    assert xnli.loc["none", "de"] == pytest.approx(41.0)
    assert "mnli" not in report.per_language["pawsx"].index  # no finished mnli x pawsx seed


# --------------------------------------------------------------------------- full grid, hand-computed

# Task scores per target, in XTREME order (xnli, pawsx, udpos, panx, xquad, mlqa, tydiqa, bucc2018, tatoeba).
GRID = {
    "none":  [40, 85, 60, 60, 60, 60, 60, 60, 60],  # sum 545: XTREME 60.56
    "mnli":  [65, 78, 70, 62, 72, 63, 55, 80, 75],  # sum 620: XTREME 68.89
    "squad": [62, 79, 69, 64, 76, 66, 60, 70, 70],  # sum 616: XTREME 68.44
}


@pytest.fixture
def full(tmp_path: Path) -> Path:
    """Every (row, target) with two seeds at score - 1 and score + 1: mean = score, std = sqrt(2)."""
    root = tmp_path / "cells"
    for inter, scores in GRID.items():
        for target, score in zip(NINE, scores):
            _done(root, inter, target, 1, score - 1.0)
            _done(root, inter, target, 2, score + 1.0)
    return root


def test_xtreme_average_and_delta(full: Path) -> None:
    report = aggregate.build(_long(full), LABEL)
    assert report.avg["none"] == pytest.approx(545 / 9)
    assert report.avg["mnli"] == pytest.approx(620 / 9)
    assert report.text.loc["none", "avg"] == "60.6" and report.text.loc["mnli", "avg"] == "68.9"
    assert report.text.loc["mnli", "xnli"] == "65.0 ± 1.4 (n=2)"
    assert report.delta.loc["mnli", "xnli"] == pytest.approx(25.0)
    assert report.delta.loc["mnli", "pawsx"] == pytest.approx(-7.0)
    assert report.delta.loc["mnli", "avg"] == pytest.approx(75 / 9)  # (620 - 545) / 9
    assert (report.delta.loc["none"] == 0).all()


def test_best_per_target_by_hand(full: Path) -> None:
    report = aggregate.build(_long(full), LABEL)
    best = report.best["best_inter"].to_dict()
    # Per target, the better of mnli and squad (none is not a candidate):
    # xnli mnli 65, pawsx squad 79, udpos mnli 70, panx squad 64, xquad squad 76, mlqa squad 66,
    # tydiqa squad 60, bucc2018 mnli 80, tatoeba mnli 75.
    assert best == {"xnli": "mnli", "pawsx": "squad", "udpos": "mnli", "panx": "squad", "xquad": "squad",
                    "mlqa": "squad", "tydiqa": "squad", "bucc2018": "mnli", "tatoeba": "mnli"}
    # XTREME of the best per target = (65+79+70+64+76+66+60+80+75) / 9 = 635 / 9 = 70.56;
    # none's = 545 / 9 = 60.56; gain = 90 / 9 = 10.0.
    assert report.summary["xtreme_best"] == pytest.approx(635 / 9)
    assert report.summary["gain"] == pytest.approx(10.0)
    # Keeping none where it is better (pawsx: 85 > 79): (635 - 79 + 85) / 9 = 641 / 9; gain 96 / 9.
    assert report.summary["xtreme_best_or_none"] == pytest.approx(641 / 9)
    assert report.summary["gain_best_or_none"] == pytest.approx(96 / 9)
    assert report.best.loc["pawsx", "delta"] == pytest.approx(-6.0)
    assert "XTREME score, best intermediate task per target: 70.6 (none: 60.6; gain +10.0)" in report.best_md


@pytest.mark.slow
def test_written_files_png_latex_markdown(full: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    (report,) = aggregate.run(_long(full), out)
    for name in ["cells_long.csv", "transfer_matrix.csv", "transfer_matrix.md", "transfer_matrix.tex",
                 "delta_matrix.csv", "delta_matrix.md", "delta_matrix.tex", "delta_heatmap.png",
                 "best_per_target.csv", "best_per_target.md", "report.md", "per_language/xnli.csv",
                 "per_language/xnli.md", "per_language/tatoeba.md"]:
        assert (out / name).is_file(), name
    # The PNG: a real PNG of the size heatmap.size_px promises: 3 rows x 10 columns (nine + avg)
    # -> (300 + 80 * 10, 180 + 40 * 3) = (1100, 300) pixels.
    data = (out / "delta_heatmap.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1100, 300) == heatmap.size_px(3, 10)
    import matplotlib.image

    assert matplotlib.image.imread(out / "delta_heatmap.png").shape[:2] == (300, 1100)
    scores = matplotlib.image.imread(out / "score_heatmap.png")
    assert scores.shape[:2] == (300, 1100) and scores[..., :3].std() > 0.05  # drawn, not blank
    # Per language: rows x the target's languages (en, de here), minus none.
    xnli = matplotlib.image.imread(out / "per_language" / "xnli_delta.png")
    assert xnli.shape[:2] == heatmap.size_px(2, 2)[::-1]  # mnli and squad, each minus none
    assert "![xnli](per_language/xnli_delta.png)" in (out / "report.md").read_text()
    tex = (out / "transfer_matrix.tex").read_text()
    assert r"\begin{tabular}" in tex and r"\end{tabular}" in tex and "mean over 2 seed(s)" in tex
    # The paper's names; mnli is the best on XNLI (bold), with its std over the two seeds.
    assert r" & XNLI & PAWS-X & POS & NER & XQuAD & MLQA & TyDiQA & BUCC & Tatoeba & Avg \\" in tex
    assert r"MNLI & \textbf{65.0}$_{\pm 1.4}$ & " in tex
    assert "MNLI & +25.0 & -7.0" in (out / "delta_matrix.tex").read_text()
    md = (out / "transfer_matrix.md").read_text()
    assert "| mnli | 65.0 ± 1.4 (n=2) |" in md and "| 68.9 |" in md
    assert "| mnli | +25.0 | -7.0 |" in (out / "delta_matrix.md").read_text()
    assert "| xnli | mnli | 65.0 ± 1.4 (n=2) | 40.0 | +25.0 |" in (out / "best_per_target.md").read_text()
    assert "| squad | 61.0 | 63.0 |" in (out / "per_language" / "xnli.md").read_text()
    delta = pd.read_csv(out / "delta_matrix.csv", index_col="inter")
    assert delta.loc["squad", "xquad"] == pytest.approx(16.0)
    best = pd.read_csv(out / "best_per_target.csv", index_col="target")
    assert best.loc["bucc2018", "best_inter"] == "mnli" and best.loc["bucc2018", "best_mean"] == pytest.approx(80.0)
    # QA per-language scores are (EM + F1) / 2: en = ((s - 4) + (s + 6)) / 2 = s + 1.
    assert report.per_language["xquad"].loc["squad", "en"] == pytest.approx(77.0)


def test_a_long_heatmap_title_is_wrapped_not_cut_at_the_edges(tmp_path: Path) -> None:
    """A real report's title (model, data source, mapping file) is longer than a 5-target figure
    is wide; it once ran off both edges. The outermost pixel columns must stay blank."""
    import matplotlib.image
    import numpy as np

    frame = pd.DataFrame([[0.0, 0.0, 0.0, 0.0, 0.0, math.nan], [-2.9, -1.6, 2.9, 0.4, -40.2, math.nan]],
                         index=["none", "sst2"], columns=["xnli", "udpos", "xquad", "tydiqa", "tatoeba", "avg"])
    title = ("Intermediate-task training minus none (e5_small_offline · data=files "
             "(sweeps/files/real_cpu.yaml); task score, points)")
    image = matplotlib.image.imread(heatmap.draw(frame, tmp_path / "delta.png", title))
    assert image.shape[:2] == heatmap.size_px(2, 6)[::-1]
    edges = image[:, [0, 1, -2, -1], :3]
    assert np.all(edges > 0.99), "something is drawn at the figure's left or right edge"


def test_latex_escapes_text_and_uses_the_papers_names() -> None:
    frame = pd.DataFrame({"xnli": ["60.0 ± 1.0 & 50%"]}, index=["anli_plus"])
    tex = latex.tabular(frame, "inter \\ target", "a caption")
    assert tex.splitlines()[:2] == ["% a caption", r"\begin{tabular}{lr}"]
    assert r"inter \textbackslash{} target & xnli \\" in tex
    assert r"anli\_plus & 60.0 $\pm$ 1.0 \& 50\% \\" in tex and r"\bottomrule" in tex
    assert latex.setting_name("anli_plus+mlm0.25") == "ANLI+ (+mlm0.25)" and latex.target_name("panx") == "NER"


# --------------------------------------------------------------------------- the paper


def test_bundled_paper_numbers_load_and_map_to_our_names() -> None:
    numbers = paper.load_paper()
    assert set(numbers["inter"]) == {"none", "anli_plus", "mnli", "qqp", "sst2", "squad", "hellaswag", "cosmosqa",
                                     "commonsenseqa", "ccg", "multitask", paper.HEADLINE}
    assert set(numbers["target"]) == {*NINE, "avg"}
    headline = numbers[(numbers["inter"] == paper.HEADLINE) & (numbers["target"] == "avg")]["value"]
    assert headline.tolist() == [5.4]  # the abstract's +5.4 for XLM-R Large
    value = {(r.inter, r.target): (r.value, r.split) for r in numbers.itertuples()}
    # The XTREME leaderboard entries (test sets): QA cells are (EM + F1) / 2.
    assert value[(paper.HEADLINE, "xnli")] == (80.0, "test")
    assert value[(paper.HEADLINE, "xquad")][0] == pytest.approx((63.3 + 78.7) / 2)
    assert value[("none", "tydiqa")][0] == pytest.approx((45.0 + 65.1) / 2)
    assert math.isnan(value[("mnli", "xnli")][0])  # the paper's own table: not transcribed


@pytest.mark.slow
def test_compare_puts_the_papers_numbers_beside_ours(full: Path, tmp_path: Path) -> None:
    theirs = tmp_path / "paper.csv"
    theirs.write_text(
        "# test numbers, not the paper's\n"
        "inter,target,metric,value,split,source\n"
        "XLM-R,XNLI,score,79.0,test,T\n"
        "MNLI,XNLI,score,80.1,test,T\n"
        "SQuAD,XQuAD,f1,80.0,test,T\n"
        "SQuAD,XQuAD,exact_match,60.0,test,T\n"
        "HellaSwag,XNLI,score,81.0,test,T\n"
        "MNLI,Avg,score,,test,T\n"
        "best per target,Avg,gain,5.4,test,abstract\n"
    )
    out = tmp_path / "report"
    assert xtask_main(["aggregate", str(full), "--out", str(out), "--compare", str(theirs)]) == 0
    md = (out / "compare_paper.md").read_text()
    assert "ours 65.0 ± 1.4 (n=2) \\| paper 80.1" in md  # mnli x xnli
    assert "ours 40.0 ± 1.4 (n=2) \\| paper 79.0" in md  # none x xnli
    assert "ours 68.9 \\| paper –" in md  # mnli avg: the paper's value is empty
    assert "hellaswag" not in md  # a row we do not have is left out
    assert "ours +10.0 | paper +5.4" in md
    rows = {(r["setting"], r["target"]): r for r in csv.DictReader((out / "compare_paper.csv").open())}
    assert float(rows[("squad", "xquad")]["paper"]) == pytest.approx(70.0)  # (F1 + EM) / 2
    assert float(rows[("squad", "xquad")]["ours_mean"]) == pytest.approx(76.0)
    assert float(rows[("mnli", "xnli")]["ours_minus_paper"]) == pytest.approx(65.0 - 80.1)
    assert float(rows[(paper.HEADLINE, "avg_gain")]["paper"]) == pytest.approx(5.4)
    assert xtask_main(["aggregate", str(full), "--out", str(tmp_path / "r2"), "--compare", "paper"]) == 0
    bundled = (tmp_path / "r2" / "compare_paper.md").read_text()
    assert "paper +5.4 (test)" in bundled
    # Our best intermediate task per target beside the paper's best model for it.
    assert "| best_per_target | ours 65.0 ± 1.4 (n=2) [mnli] \\| paper 80.0 (test) |" in bundled
    rows = {(r["setting"], r["target"]): r for r in csv.DictReader((tmp_path / "r2" / "compare_paper.csv").open())}
    assert rows[(paper.HEADLINE, "xquad")]["paper_split"] == "test"
    assert float(rows[("none", "xnli")]["ours_minus_paper"]) == pytest.approx(40.0 - 79.2)


def test_unknown_paper_name_is_an_error(tmp_path: Path, full: Path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("inter,target,metric,value\nRoBERTa,XNLI,score,1\n")
    assert xtask_main(["aggregate", str(full), "--out", str(tmp_path / "o"), "--compare", str(bad)]) == 1
    assert "unknown intermediate task name 'RoBERTa'" in capsys.readouterr().err


# --------------------------------------------------------------------------- CLI


@pytest.mark.slow
def test_cli_prints_matrix_and_best_and_exit_codes(full: Path, tmp_path: Path, capsys) -> None:
    assert xtask_main(["aggregate", str(full)]) == 0  # --out defaults to the first input folder
    out = capsys.readouterr().out
    assert "| inter \\ target | xnli |" in out and "65.0 ± 1.4 (n=2)" in out
    assert "XTREME score, best intermediate task per target: 70.6" in out
    assert (full / "transfer_matrix.md").is_file() and (full / "delta_heatmap.png").is_file()
    # The report files in the cells folder are not mistaken for cells on the next run.
    assert xtask_main(["aggregate", str(full)]) == 0
    (tmp_path / "nothing").mkdir()  # a folder without cells (a missing one: "does not exist", test_bad_inputs.py)
    assert xtask_main(["aggregate", str(tmp_path / "nothing")]) == 1
    assert "no cells found" in capsys.readouterr().err


@pytest.mark.slow
def test_parquet_when_pyarrow_is_there(full: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    out = tmp_path / "o"
    assert xtask_main(["aggregate", str(full), "--out", str(out), "--format", "parquet"]) == 0
    long = pd.read_parquet(out / "cells_long.parquet")
    assert len(long) == len(pd.read_csv(out / "cells_long.csv")) == 3 * 9 * 2 * 2


@pytest.mark.slow
def test_two_models_get_separate_reports(tmp_path: Path) -> None:
    root = tmp_path / "cells"
    _done(root, "none", "xnli", 1, 50.0, model="tiny")
    _done(root, "none", "xnli", 1, 70.0, model="xlmr_base")
    out = tmp_path / "o"
    reports = aggregate.run(_long(root), out)
    assert [r.model for r in reports] == ["tiny · data=mini", "xlmr_base · data=mini"]
    assert "50.0 (n=1)" in (out / "tiny___data_mini" / "transfer_matrix.md").read_text()
    assert "70.0 (n=1)" in (out / "xlmr_base___data_mini" / "transfer_matrix.md").read_text()
    assert (out / "cells_long.csv").is_file()


# --------------------------------------------------------------------------- what is averaged together


def test_only_cells_that_differ_in_the_seed_are_averaged(tmp_path: Path) -> None:
    """The issue's store: cells with target.languages=[en,de], another data source and the
    defaults for none x xnli. Each configuration is its own row (named by what differs) or
    report; nothing is averaged across them."""
    root = tmp_path / "cells"
    for seed, score in [(1, 70.0), (2, 72.0)]:  # the defaults, all languages
        _done(root, "none", "xnli", seed, score, per_language={"en": {"accuracy": score}, "de": {"accuracy": score},
                                                               "fr": {"accuracy": score}})
    for seed, score in [(1, 30.0), (2, 32.0)]:  # two languages only
        _done(root, "none", "xnli", seed, score)
    for seed, score in [(1, 90.0), (2, 92.0)]:  # another data source
        _done(root, "none", "xnli", seed, score, per_language={"en": {"accuracy": score}, "de": {"accuracy": score},
                                                               "fr": {"accuracy": score}}, data="xtreme_dir")
    _done(root, "mnli", "xnli", 1, 40.0, hp={"lr": 2e-5})
    _done(root, "mnli", "xnli", 1, 44.0, hp={"lr": 3e-5})
    reports = aggregate.build_all(_long(root))
    assert sorted(r.model for r in reports) == ["tiny · data=mini", "tiny · data=xtreme_dir"]
    mini = next(r for r in reports if r.model == "tiny · data=mini")
    stats = mini.stats
    assert list(stats["n"]) and max(stats["n"]) == 2  # never more than the two seeds of one configuration
    means = {row: stats.loc[(row, "xnli"), "mean"] for row, target in stats.index}
    assert sorted(means.values()) == [31.0, 40.0, 44.0, 71.0]
    rows = list(mini.text.index)
    assert any("target.languages=[\"de\",\"en\"]" in r for r in rows)
    assert any("train.target.lr=2e-05" in r for r in rows) and any("train.target.lr=3e-05" in r for r in rows)
    xtreme_dir = next(r for r in reports if r.model == "tiny · data=xtreme_dir")
    assert xtreme_dir.stats["mean"].tolist() == [91.0]


def test_a_failed_variant_has_its_own_row(tmp_path: Path) -> None:
    root = tmp_path / "cells"
    _done(root, "sst2", "xnli", 1, 50.0)
    _failed(root, "sst2", "xnli", 1, setting="sst2+mlm0.25", inter_hp={"mlm_share_stand_in": 1})
    report = aggregate.build(_long(root), LABEL)
    assert report.text.loc["sst2", "xnli"] == "50.0 (n=1)"
    variant = [row for row in report.text.index if row.startswith("sst2+mlm0.25")]
    assert len(variant) == 1 and report.text.loc[variant[0], "xnli"] == "failed"


def test_partial_and_unlabelled_cells_are_shown_as_such(tmp_path: Path) -> None:
    root = tmp_path / "cells"
    _done(root, "none", "udpos", 1, 80.0, left_out={"kk": "no dev split in the benchmark"})
    _done(root, "none", "xnli", 1, None, per_language={"en": {"accuracy": 0}, "de": {"accuracy": 0}}, unlabelled=True,
          split="test")
    report = aggregate.build(_long(root), LABEL)
    assert report.text.loc["none", "udpos"] == "80.0† (n=1)"
    assert report.text.loc["none", "xnli"] == "predictions only"
    assert any("udpos: † scores leave out kk (no dev split in the benchmark)" in note for note in report.notes)


def test_outputs_root_and_multirun_folders_find_cells(tmp_path: Path, capsys) -> None:
    outputs = tmp_path / "outputs"
    cell = _done(outputs / "cells", "none", "xnli", 1, 50.0)
    sweep = outputs / "multirun" / "2024-01-02_03-04-05_000001_demo"
    from xtask.store import cells as store

    store.write_pointer(sweep / "0", cell, "ran")
    (outputs / "cache" / "intermediate" / "mnli-abc-v2").mkdir(parents=True)
    for path in (outputs, outputs / "multirun", sweep, outputs / "cells"):
        assert xtask_main(["matrix", str(path)]) == 0, path
        assert "| none | 50.0 (n=1) |" in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    assert xtask_main(["matrix", str(tmp_path / "empty")]) == 1
    assert "looked for cell folders" in capsys.readouterr().err


def test_a_moved_outputs_tree_is_still_read(tmp_path: Path, capsys) -> None:
    from xtask.store import cells as store

    outputs = tmp_path / "scratch" / "outputs"
    cell = _done(outputs / "cells", "none", "xnli", 1, 50.0)
    sweep = outputs / "multirun" / "2024-01-02_03-04-05_000001_demo"
    store.write_plan(sweep, [cell, outputs / "cells" / "mnli__xnli__tiny__s1__never"])
    store.write_pointer(sweep / "0", cell, "ran")
    moved = tmp_path / "project" / "outputs"
    moved.parent.mkdir()
    outputs.rename(moved)
    long = _long(moved / "multirun")
    states = dict(zip(long["dir"].map(lambda d: Path(d).name), long["state"]))
    assert states[cell.name] == "done" and states["mnli__xnli__tiny__s1__never"] == "pending"
    assert xtask_main(["status", str(moved / "multirun")]) == 0
    out = capsys.readouterr().out
    assert "1 done, 1 pending" in out
    # A recorded cell whose folder is gone from both places is said to be not found.
    import shutil

    shutil.rmtree(moved / "cells" / cell.name)
    assert xtask_main(["status", str(moved / "multirun")]) == 1
    assert "not found" in capsys.readouterr().out


def test_results_with_a_failed_status_are_failed_everywhere(tmp_path: Path, capsys) -> None:
    from xtask.store import cells as store

    root = tmp_path / "cells"
    cell = _done(root, "none", "xnli", 1, 50.0)
    store.write_status(cell, "failed", error="RuntimeError: later attempt died")
    assert store.view(cell).state.value == "failed"
    report = aggregate.build(_long(root), LABEL)
    assert report.text.loc["none", "xnli"] == "failed"
    assert xtask_main(["status", str(root)]) == 1
    assert "failed" in capsys.readouterr().out


# --------------------------------------------------------------------------- sweeps, variants


def test_row_order() -> None:
    assert tables.row_order(["multitask+uniform", "squad", "anli_plus+mlm0.25", "multitask", "mnli", "zzz"]) == [
        "none", "mnli", "squad", "multitask", "anli_plus+mlm0.25", "multitask+uniform", "zzz"]


def test_variant_labels() -> None:
    from omegaconf import OmegaConf

    def label(**inter):
        return setting_label(OmegaConf.create({"name": "x", "mlm": {"share": 0.0}, "translated": {"languages": []},
                                                        "sampler": {"strategy": "temperature"}, "tasks": [], **inter}))

    assert label(name="mnli") == "mnli"
    assert label(name="anli_plus", mlm={"share": 0.25}) == "anli_plus+mlm0.25"
    assert label(name="mnli", translated={"languages": ["de", "zh"]}) == "mnli+tt(de,zh)"
    assert label(name="multitask", sampler={"strategy": "uniform"}) == "multitask+uniform"
    assert label(name="multitask") == "multitask"


def test_multitask_default_strategy_matches_the_config() -> None:
    import yaml

    conf = yaml.safe_load((Path(__file__).resolve().parents[1] / "conf" / "inter" / "multitask.yaml").read_text())
    assert conf["sampler"]["strategy"] == MULTITASK_DEFAULT_STRATEGY


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """A Hydra sweep folder: plan.json lists 4 cells; jobs 0-1 done, job 2 failed (an MLM
    variant), the 4th never started."""
    from xtask.store import cells as store

    cells, sweep_dir = tmp_path / "cells", tmp_path / "multirun" / "2024-01-02_03-04-05_000001_demo"
    planned = [
        _done(cells, "none", "xnli", 1, 40.0), _done(cells, "mnli", "xnli", 1, 50.0),
        _failed(cells, "anli_plus", "xnli", 1, setting="anli_plus+mlm0.25"), cells / "mnli__xnli__tiny__s2__never",
    ]
    store.write_plan(sweep_dir, planned)
    for num, cell in enumerate(planned[:3]):
        store.write_pointer(sweep_dir / str(num), cell)
    _done(cells, "squad", "xnli", 1, 99.0)  # another sweep's cell: not in this sweep
    return sweep_dir


def test_sweep_folder_planned_missing_and_failed_variant(sweep: Path) -> None:
    long = _long(sweep)
    assert "squad" not in set(long["inter"])
    states = dict(zip(long["dir"].map(lambda d: Path(d).name), long["state"]))
    assert states["mnli__xnli__tiny__s2__never"] == "pending"
    failed = long[long["state"] == "failed"].iloc[0]
    assert failed["setting"] == "anli_plus+mlm0.25" and failed["sweep"] == "demo"
    report = aggregate.build(long, LABEL)
    assert report.text.loc["mnli", "xnli"] == "50.0 (n=1; 1 pending)"  # the planned seed 2 never started
    assert report.text.loc["anli_plus+mlm0.25", "xnli"] == "failed"
    assert "anli_plus" not in report.text.index


def test_multirun_end_prints_and_writes_the_report(sweep: Path, capsys) -> None:
    from omegaconf import OmegaConf

    from xtask.hydra_callbacks import TransferMatrixOnMultirunEnd

    config = OmegaConf.create({"sweep_name": "demo", "hydra": {"sweep": {"dir": str(sweep)}}})
    with pytest.raises(SystemExit) as exit_:  # a failed cell: the matrix is printed, then exit 1
        TransferMatrixOnMultirunEnd().on_multirun_end(config)
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    out = captured.out
    assert "Transfer matrix of sweep 'demo'" in out
    assert f"(written to {sweep}" in out
    table = out[out.index("| inter \\ target | xnli |"):].splitlines()
    assert table[2].startswith("| none | 40.0 (n=1) |") and table[3].startswith("| mnli | 50.0 (n=1; 1 pending) |")
    assert "anli_plus+mlm0.25 | failed" in out
    assert "2 cell(s) did not finish (1 failed, 1 pending)" in captured.err
    for name in ("cells_long.csv", "delta_heatmap.png", "report.md", "transfer_matrix.tex"):
        assert (sweep / name).is_file()


# --------------------------------------------------------------------------- W&B


class _Run:
    def __init__(self, spec, state: str, summary: Dict) -> None:
        import dataclasses

        self.config = {"xtask_cell": {k: v for k, v in dataclasses.asdict(spec).items() if k != "config"}}
        self.config["xtask_cell"]["config"] = {"data": {"source": "mini"}}
        self.summary, self.state, self.id = summary, state, spec.key
        self.path = ["me", "xtask", self.id]


def test_wandb_runs_become_the_long_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from cellfactory import read_spec

    calls: List = []
    specs = [read_spec(_done(tmp_path, "mnli", "xnli", 1, 60.0)), read_spec(_done(tmp_path, "mnli", "xquad", 1, 65.0)),
             read_spec(_failed(tmp_path, "none", "xnli", 1))]

    class Api:
        def __init__(self, timeout: int = 0) -> None:
            pass

        def runs(self, path: str, filters: Dict) -> List[_Run]:
            calls.append((path, filters))
            return [
                _Run(specs[0], "finished", {"target/average": 60.0, "target/accuracy": 60.0,
                                            "per_language/en/accuracy": 61.0, "per_language/en/n": 5,
                                            "per_language/de/accuracy": 59.0, "per_language/de/n": 5}),
                _Run(specs[1], "finished", {"target/average": 65.0, "per_language/en/f1": 70.0,
                                            "per_language/en/exact_match": 60.0}),
                _Run(specs[2], "crashed", {}),
            ]

    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.setitem(sys.modules, "wandb", types.SimpleNamespace(Api=Api))
    long, _ = collect.load_wandb("demo", "xtask", "me")
    assert calls == [("me/xtask", {"group": "demo", "jobType": "target"})]
    de = long[(long["target"] == "xnli") & (long["lang"] == "de")].iloc[0]
    assert de["value"] == 59.0 and de["metric"] == "accuracy" and de["task_score"] == 60.0 and de["state"] == "done"
    xquad = long[long["target"] == "xquad"].iloc[0]
    assert xquad["metric"] == "f1" and xquad["lang_score"] == pytest.approx(65.0)
    assert long[long["inter"] == "none"]["state"].tolist() == ["failed"]


def test_wandb_offline_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    assert xtask_main(["aggregate", "--wandb-group", "demo", "--wandb-project", "xtask"]) == 1
    assert "needs W&B online" in capsys.readouterr().err


# --------------------------------------------------------------------------- borrowed baselines


@pytest.fixture
def store_with_sweep(tmp_path: Path) -> Path:
    """A cell store with a grid of mnli x xnli (seeds 1, 2), and earlier runs of none x xnli:
    seed 1 with the same phase-2 settings (its twin), seed 2 with another target lr (not a
    baseline), nothing for none x pawsx."""
    store = tmp_path / "cells"
    for seed, score in [(1, 50.0), (2, 54.0)]:
        _done(store, "mnli", "xnli", seed, score, inter_hp={"lr": 3e-5})
    _done(store, "mnli", "pawsx", 1, 70.0)
    _done(store, "none", "xnli", 1, 40.0)
    _done(store, "none", "xnli", 2, 99.0, hp={"lr": 2e-5})
    return store


def _cells(store: Path, prefix: str) -> List[Path]:
    return sorted(p for p in store.iterdir() if p.name.startswith(prefix))


def test_a_grid_without_none_borrows_its_twins_from_the_store(store_with_sweep: Path) -> None:
    grid = _cells(store_with_sweep, "mnli__")
    long, notes = collect.load_long(grid)
    none = long[long["inter"] == "none"]
    assert len(set(none["dir"])) == 1 and "none__xnli__tiny__s1__" in none["dir"].iloc[0]  # seed 2's twin differs
    assert "taken from the cell store" in notes[0]
    report = aggregate.build(long, LABEL)
    assert report.delta.loc["mnli", "xnli"] == pytest.approx(40.0 - 40.0 + 52.0 - 40.0)
    # pawsx has no none cell anywhere: the report says how to get one.
    assert any("no finished inter=none baseline for" in note and "pawsx" in note for note in report.notes)


@pytest.mark.slow
def test_aggregate_borrows_unless_told_not_to(store_with_sweep: Path, tmp_path: Path, capsys) -> None:
    cell = str(_cells(store_with_sweep, "mnli__xnli__tiny__s1")[0])
    assert xtask_main(["aggregate", cell, "--out", str(tmp_path / "a")]) == 0
    assert "| none | 40.0 (n=1) |" in capsys.readouterr().out
    assert "taken from the cell store" in (tmp_path / "a" / "report.md").read_text()
    assert xtask_main(["aggregate", cell, "--out", str(tmp_path / "b"), "--no-borrow"]) == 0
    captured = capsys.readouterr()
    assert "| none | missing |" in captured.out and "inter=none target=xnli" in captured.out
    import matplotlib.image

    assert matplotlib.image.imread(tmp_path / "b" / "delta_heatmap.png").shape[:2] == heatmap.size_px(2, 10)[::-1]


def test_latex_matrix_marks_failed_missing_and_fewer_seeds(partial: Path, tmp_path: Path) -> None:
    aggregate.run(_long(partial, borrow=False), tmp_path / "r")
    lines = (tmp_path / "r" / "transfer_matrix.tex").read_text().splitlines()
    assert "mean over 3 seed(s)" in lines[0]
    none = next(line for line in lines if line.startswith("None & "))
    mnli = next(line for line in lines if line.startswith("MNLI & "))
    # none x pawsx: one finished seed of two (the other failed): its n says so; no std from one seed.
    assert none.startswith(r"None & 42.0$_{\pm 2.0}$ & \textbf{80.0}\textsuperscript{n=1} & -- & ")
    assert mnli.startswith(r"MNLI & \textbf{60.0}$_{\pm 10.0}$ & failed & -- & ")
    assert mnli.endswith(r"& -- \\")  # no XTREME score without all nine targets


# --------------------------------------------------------------------------- submission


def _predicted_cell(root: Path, task: str, split: str, langs: List[str], tag: str = "") -> Path:
    folder = make_cell(root / tag if tag else root, "mnli", task, 1, None, split=split, unlabelled=True,
                       per_language={lang: {} for lang in langs})
    suffix = TARGET_TASKS[task].suffix
    for lang in langs:
        (folder / "predictions" / task).mkdir(parents=True, exist_ok=True)
        (folder / "predictions" / task / f"test-{lang}.{suffix}").write_text(f"{task} {lang}\n")
    return folder


def test_submission_folder_from_one_cell_per_target(tmp_path: Path, capsys) -> None:
    from xtask.ops.submission import SubmissionError, build

    cells = tmp_path / "cells"
    full = {task: _predicted_cell(cells, task, "test", list(TARGET_TASKS[task].languages)) for task in NINE}
    out = tmp_path / "submission"
    assert build(list(full.values()), out) == []
    assert sorted(p.name for p in out.iterdir()) == sorted(NINE)
    assert (out / "xquad" / "test-zh.json").read_text() == "xquad zh\n"
    assert len(list((out / "panx").iterdir())) == 40
    # Partial: two tasks, one of them without its German predictions -> written, and the gaps listed.
    partial = [full["xnli"], _predicted_cell(cells, "pawsx", "test", ["en", "fr"], tag="p")]
    assert xtask_main(["submission", *map(str, partial), "--out", str(out), "--zip"]) == 1
    err = capsys.readouterr().err
    assert "incomplete: task udpos: no cell" in err and "incomplete: task pawsx: no predictions for de, es, ja, ko, zh" in err
    assert sorted(p.name for p in out.iterdir()) == ["pawsx", "xnli"] and (tmp_path / "submission.zip").is_file()
    with pytest.raises(SubmissionError, match="evaluated on its dev split, not test: rerun it with target.eval_split=test"):
        build([_predicted_cell(cells, "xnli", "dev", ["en"], tag="d")], out)
    with pytest.raises(SubmissionError, match="two cells for xnli"):
        build([full["xnli"], _predicted_cell(cells, "xnli", "test", ["en"], tag="2")], out)
    assert sorted(p.name for p in out.iterdir()) == ["pawsx", "xnli"]  # a refused build leaves the last one
