"""The real matrix to check transfer prediction against: ``+sweep=real_cpu_predict``
(docs/real-experiment.md). It is real_cpu with 8 intermediate settings; the cells it shares with
real_cpu must be real_cpu's own cells (same keys, same intermediate encoders), so that a store
holding real_cpu's results skips them; and its parts, as the docs list them, cover it exactly."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import List, Set, Tuple

import pytest

from conftest import REALDATA, REPO, require
from xtask.ops import plan as planner

SETTINGS = ("none", "sst2", "socialiqa", "hellaswag", "commonsenseqa", "cosmosqa", "squad", "udpos_en")
TARGETS = ("udpos", "xnli", "xquad", "tydiqa", "tatoeba")
DOC = REPO / "docs" / "real-experiment.md"


def _grid(overrides: List[str]) -> Set[Tuple[str, str, str]]:
    """(inter, target, seed) of every job ``launch.py -m OVERRIDES`` would run."""
    def value(job: List[str], key: str) -> str:
        (found,) = [o.split("=", 1)[1] for o in job if o.startswith(f"{key}=")]
        return found

    return {(value(job, "inter"), value(job, "target"), value(job, "seed")) for job in planner.expand(overrides)}


def test_it_is_8_intermediate_settings_by_the_5_real_targets_per_seed() -> None:
    grid = _grid(["+sweep=real_cpu_predict"])
    seeds = sorted({seed for _, _, seed in grid})
    assert seeds == ["1", "2", "3"]
    assert grid == set(itertools.product(SETTINGS, TARGETS, seeds))
    real_cpu = _grid(["+sweep=real_cpu", "seed=1,2,3"])
    assert real_cpu < grid and {t for _, t, _ in real_cpu} == set(TARGETS)  # real_cpu's grid is inside it


def _documented_parts() -> List[str]:
    """The overrides of each part in docs/real-experiment.md's table (`make real-predict PART=n`)."""
    text = DOC.read_text(encoding="utf-8")
    return re.findall(r"^\| (\d+) \| `([^`]+)` \|", text, flags=re.M)


def test_the_documented_parts_cover_the_sweep_exactly_once() -> None:
    parts = _documented_parts()
    assert [int(n) for n, _ in parts] == list(range(1, len(parts) + 1)) and len(parts) >= 2
    grid = _grid(["+sweep=real_cpu_predict"])
    covered: List[Tuple[str, str, str]] = []
    for _, overrides in parts:
        covered += sorted(_grid(["+sweep=real_cpu_predict", *overrides.split()]))
    assert sorted(covered) == sorted(grid)  # every cell in exactly one part


def test_make_real_predict_runs_the_documented_part() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for n, overrides in _documented_parts():
        assert f"PART{n} := {overrides}\n" in makefile, n


@pytest.mark.slow
@pytest.mark.realdata
def test_its_real_cpu_cells_are_real_cpus_cells(tmp_path: Path) -> None:
    """Same folders (keys) and same intermediate encoders as ``+sweep=real_cpu`` for the cells
    both have; 40 cells per seed."""
    from xtask.models import e5_offline

    require(REALDATA.is_dir(), f"real data kit not found at {REALDATA}")
    try:
        e5_offline.source_files()
    except Exception:
        require(False, f"the e5 packages are not installed ({e5_offline.INSTALL_HINT})")
    where = [f"paths.outputs={tmp_path}", "seed=1"]
    predict = {(c.inter, c.target): c for c in planner.plan(["+sweep=real_cpu_predict", *where])}
    real_cpu = {(c.inter, c.target): c for c in planner.plan(["+sweep=real_cpu", *where])}
    assert set(predict) == set(itertools.product(SETTINGS, TARGETS))
    assert set(real_cpu) < set(predict) and len(real_cpu) == 15
    for pair, cell in real_cpu.items():
        assert predict[pair].folder == cell.folder, pair
        assert predict[pair].inter_entry == cell.inter_entry, pair
    assert len({c.folder for c in predict.values()}) == 40
