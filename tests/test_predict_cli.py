"""``xtask predict`` end to end on the mini data and the tiny model: a ranking per target, the
costs beside the grid's, phase-1 encoders trained through the cell's path into the shared cache,
and a second call that computes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from xtask.cli import main as xtask_main

GRID = ["inter=none,mnli,squad", "target=xnli,pawsx"]


def _boom(*args, **kwargs):
    raise AssertionError("computed although everything was stored")


def _tables(text: str) -> str:
    """The ranking tables (training logs before them left out)."""
    return text[text.index("xnli (tiny;"): text.index("prediction:")]


@pytest.mark.slow
def test_predict_ranks_every_target_and_a_second_call_is_free(tmp_path: Path, shared_cache: Path, capsys,
                                                              monkeypatch) -> None:
    import xtask.pipeline.cell
    import xtask.pipeline.retrieval
    from xtask.ops.plan import plan
    from xtask.predict.store import load_predictions
    from xtask.store import encoders

    paths = [f"paths.outputs={tmp_path / 'outputs'}", f"paths.cache={shared_cache}"]
    assert xtask_main(["predict", *GRID, *paths]) == 0
    first = capsys.readouterr().out
    for target in ("xnli", "pawsx"):
        table = first.split(f"{target} (tiny;")[1].split("\n\n")[0]
        assert "semb" in table and "logme_en" in table and "logme_zeroshot" in table
        rows = [line.split()[0] for line in table.splitlines()[2:] if line.startswith("  ") and "(" in line]
        assert sorted(rows) == ["mnli", "none", "squad"]
        assert "reference" in table  # inter=none has no intermediate data to compare
    assert "grid:        6 cells, 6 to run" in first and "from the store" in first
    # The encoders the LogME rows needed are in the shared cache, where the grid finds them.
    cells = plan([*GRID, *paths])
    assert all(encoders.is_complete(c.inter_entry) for c in cells if c.inter_entry is not None)
    table = load_predictions(tmp_path / "outputs")
    assert sorted(set(table["signal"])) == ["logme_en", "logme_zeroshot", "semb"]
    assert len(table) == 16  # semb 2 inters x 2 targets, LogME 3 x 2 each
    assert not ((table["signal"] == "semb") & (table["inter"] == "none")).any()

    # A second call reads everything from the store: no encoder loaded, nothing trained.
    monkeypatch.setattr(xtask.pipeline.retrieval.Encoder, "__init__", _boom)
    monkeypatch.setattr(xtask.pipeline.cell, "intermediate_encoder", _boom)
    assert xtask_main(["predict", *GRID, *paths]) == 0
    second = capsys.readouterr().out
    assert "0 signal value(s) computed" in second and "16 from the store" in second
    assert _tables(second) == _tables(first)


@pytest.mark.slow
def test_cached_only_lists_the_missing_encoders_and_trains_none(tmp_path: Path, shared_cache: Path, capsys,
                                                                monkeypatch) -> None:
    import xtask.pipeline.cell

    monkeypatch.setattr(xtask.pipeline.cell, "intermediate_encoder", _boom)
    args = ["predict", "inter=none,cosmosqa", "target=pawsx", f"paths.outputs={tmp_path}", f"paths.cache={shared_cache}",
            "train.inter.lr=0.00123", "--tier", "logme", "--cached-only", "--examples", "50"]
    assert xtask_main(args) == 0
    out = capsys.readouterr().out
    assert "not cached (--cached-only): cosmosqa-" in out
    cosmos = next(line for line in out.splitlines() if line.strip().startswith("cosmosqa"))
    none = next(line for line in out.splitlines() if line.strip().startswith("none"))
    assert "not cached" in cosmos and "(1)" in none  # inter=none needs no phase 1: it is scored
    assert "1 encoder(s) to train (+0 cached)" in out


@pytest.mark.slow
def test_retrieval_targets_are_scored_directly_and_bad_names_are_refused(tmp_path: Path, capsys) -> None:
    assert xtask_main(["predict", "inter=none", "target=tatoeba", f"paths.outputs={tmp_path}", "--tier", "semb"]) == 0
    assert "not predicted: tatoeba: scored directly (no phase 2 to save)" in capsys.readouterr().out
    assert xtask_main(["predict", "inter=mnlii", f"paths.outputs={tmp_path}"]) == 2
    assert "mnlii" in capsys.readouterr().err
    assert xtask_main(["predict", "inter=none", "--examples", "1"]) == 2
    assert "--examples 1" in capsys.readouterr().err
