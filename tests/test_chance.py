"""Chance levels: what a guess scores, recorded with each evaluation and shown under the matrix,
so a small zero-shot number can be read against it."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from xtask.pipeline.chance import chance, majority_tag
from xtask.scoring.metrics import tagging_f1
from xtask.tasks import get_task


def test_classification_and_retrieval_chance_is_a_uniform_guess() -> None:
    assert chance(get_task("xnli"), ["entailment"] * 7) == pytest.approx(100 / 3)
    assert chance(get_task("pawsx"), ["0", "1"]) == pytest.approx(50.0)
    assert chance(get_task("tatoeba"), [str(i) for i in range(40)]) == pytest.approx(2.5)


def test_span_qa_and_mining_have_no_chance() -> None:
    assert chance(get_task("xquad"), None) == 0.0
    assert chance(get_task("bucc2018"), ["a\tb"]) == 0.0


def test_tagging_chance_is_the_f1_of_always_the_most_frequent_training_tag() -> None:
    gold = [["NOUN"], ["VERB"], ["NOUN"]]
    assert chance(get_task("udpos"), gold, majority="NOUN") == pytest.approx(200 / 3)  # 2 of 3 found, 2 of 3 right
    # scored by the task's own scorer (seqeval, as XTREME): runs of one tag are one chunk
    runs = [["NOUN", "VERB", "NOUN"], ["DET", "NOUN"]]
    assert chance(get_task("udpos"), runs, majority="NOUN") == tagging_f1(runs, [["NOUN"] * 3, ["NOUN"] * 2])["f1"]
    assert chance(get_task("panx"), [["B-PER", "O"]], majority="O") == 0.0  # "O" finds no entity
    assert chance(get_task("udpos"), gold) is None  # no training set: cannot tell


def test_majority_tag_counts_tags_not_sentences(mini_ctx) -> None:
    from xtask.data.sources import read_split as read

    train = read(get_task("udpos"), mini_ctx, "train", "en")
    expected = Counter(tag for tags in train["tags"] for tag in tags).most_common(1)[0][0]
    assert majority_tag(train) == expected
    assert Counter(tag for tags in train["tags"] for tag in tags)[expected] > max(
        Counter(tags[0] for tags in train["tags"]).values()) / 2  # many per sentence
    assert majority_tag(read(get_task("xnli"), mini_ctx, "train", "en")) is None


@pytest.mark.slow
def test_a_cell_records_its_chance_and_the_matrix_shows_it(run_cell_with, tmp_path, capsys) -> None:
    from xtask.cli import main as xtask_main
    from xtask.report.tables import CHANCE_ROW

    outcome = run_cell_with("inter=none", "target=xnli", "target.languages=[en,de]")
    extra = outcome.results.scores.extra
    assert extra["chance"] == {"en": pytest.approx(100 / 3), "de": pytest.approx(100 / 3)}
    assert extra["chance_average"] == pytest.approx(100 / 3)
    assert xtask_main(["matrix", str(outcome.folder.parent)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith(f"| {CHANCE_ROW}"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[0] == CHANCE_ROW
    assert "33.3" in cells  # the xnli column
    assert cells[-1] == ""  # avg: the other eight targets have no chance level here


@pytest.mark.slow
def test_reports_of_cells_without_chance_levels_show_no_chance_row(run_cell_with, capsys) -> None:
    """Results written before chance levels existed read as before (no row, no crash)."""
    import json

    from xtask.cli import main as xtask_main

    outcome = run_cell_with("inter=none", "target=xnli", "target.languages=[en]")
    path = outcome.folder / "results.json"
    record = json.loads(path.read_text())
    record["scores"]["extra"] = {}
    path.write_text(json.dumps(record))
    assert xtask_main(["matrix", str(outcome.folder.parent)]) == 0
    out = capsys.readouterr().out
    assert "| none |" in out and "chance" not in out
    assert re.search(r"\| none \| \d+\.\d", out)  # still scored
