"""XCOPA (XTREME-R), added in one place (its spec, its config, its mini data): it reads, trains
and scores end to end, and it is part of the xtreme_r benchmark's report but not of XTREME's."""

from __future__ import annotations

from pathlib import Path

import pytest

from cellfactory import make_cell
from mini import xcopa as mini_xcopa
from xtask.report import aggregate, collect
from xtask.tasks import TARGET_TASKS, get_task
from xtask.tasks.benchmarks import BENCHMARKS
from xtask.data.sources import read_selection, read_split


def test_copa_and_xcopa_read_from_their_release_layout(mini_ctx) -> None:
    copa = read_split(get_task("copa"), mini_ctx, "train")
    assert len(copa) == mini_xcopa.COPA_SIZES["train"] and set(copa["label"]) == {0, 1}
    assert all(len(choices) == 2 for choices in copa["choices"])
    assert set(copa["question"]) == {"What was the cause?", "What happened as a result?"}
    for lang in mini_xcopa.XCOPA_LANGUAGES:
        test = read_split(TARGET_TASKS["xcopa"], mini_ctx, "test", lang)
        assert len(test) == mini_xcopa.XCOPA_SIZES["test"]
    # XCOPA trains on COPA's English training set, and selects on COPA's dev set.
    assert read_split(TARGET_TASKS["xcopa"], mini_ctx, "train")["id"] == copa["id"]
    assert len(read_selection(TARGET_TASKS["xcopa"], mini_ctx)) == mini_xcopa.COPA_SIZES["val"]


def test_xcopa_is_in_xtreme_r_not_in_xtreme(tmp_path: Path) -> None:
    root = tmp_path / "cells"
    for target in set(BENCHMARKS["xtreme"]) | set(BENCHMARKS["xtreme_r"]):
        make_cell(root, "none", target, 1, 50.0)
    make_cell(root, "none", "xcopa", 2, 70.0, state="done")
    long, _ = collect.load_long([root])
    (xtreme,) = aggregate.build_all(long, benchmark="xtreme")
    (xtreme_r,) = aggregate.build_all(long, benchmark="xtreme_r")
    # XTREME: its nine columns in its order, XCOPA after them, and a score over the nine alone.
    assert list(xtreme.text.columns) == [*BENCHMARKS["xtreme"], "xcopa", "avg"]
    assert xtreme.avg["none"] == pytest.approx(50.0)
    assert list(xtreme_r.text.columns)[:len(BENCHMARKS["xtreme_r"])] == list(BENCHMARKS["xtreme_r"])
    # XTREME-R: xcopa (mean 60 over its two seeds) is part of the score.
    assert xtreme_r.avg["none"] == pytest.approx((50.0 * 7 + 60.0) / 8)
    assert "pawsx" in xtreme_r.text.columns  # present in the store: shown, not scored
