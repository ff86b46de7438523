"""Multiruns through the real entry point: a grid of cells and the matrix printed at the end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, TINY_BUDGET

pytestmark = pytest.mark.slow


def _launch(*args: str, outputs: Path, cache: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "launch.py", *args, f"paths.outputs={outputs}", f"paths.cache={cache}", *TINY_BUDGET]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_demo_sweep_runs_its_grid_and_prints_the_matrix(tmp_path: Path, shared_cache: Path) -> None:
    proc = _launch("-m", "+sweep=demo", outputs=tmp_path, cache=shared_cache)
    specs = [json.loads(p.read_text()) for p in sorted((tmp_path / "cells").glob("*/spec.json"))]
    assert sorted((c["inter"], c["target"], c["seed"]) for c in specs) == [
        ("mnli", "xnli", 1), ("mnli", "xnli", 2), ("none", "xnli", 1), ("none", "xnli", 2),
    ]
    results = [json.loads(p.read_text()) for p in sorted((tmp_path / "cells").glob("*/results.json"))]
    assert len(results) == 4 and all(r["environment"]["sweep"] == "demo" for r in results)
    out = proc.stdout
    assert "Transfer matrix of sweep 'demo'" in out
    table = out[out.index("| inter \\ target | xnli |"):].splitlines()
    assert table[2].startswith("| none | ") and "(n=2)" in table[2]
    assert table[3].startswith("| mnli | ") and "(n=2)" in table[3]
    sweep_dirs = list((tmp_path / "multirun").glob("*_demo"))
    assert len(sweep_dirs) == 1
    matrix = (sweep_dirs[0] / "transfer_matrix.md").read_text()
    assert matrix[: matrix.index("\n\nCells:")] in out  # the printed matrix is the written one


def test_single_cell_run_from_the_command_line(tmp_path: Path, shared_cache: Path) -> None:
    _launch("inter=none", "target=xnli", "seed=7", "target.languages=[en,zh]", outputs=tmp_path, cache=shared_cache)
    (result,) = (tmp_path / "cells").glob("none__xnli__tiny__s7__*/results.json")
    assert sorted(json.loads(result.read_text())["scores"]["per_language"]) == ["en", "zh"]


def test_a_failed_cell_is_shown_in_the_matrix_of_its_own_sweep(tmp_path: Path, shared_cache: Path) -> None:
    """The first multirun in which a cell fails still prints its matrix (the failed cell as
    failed) and writes its report; the process exits 1."""
    cmd = [sys.executable, "launch.py", "-m", "inter=none,ccg", "target=xnli", "target.languages=[en]",
           "data.ccgbank=/nonexistent/ccgbank/AUTO", f"paths.outputs={tmp_path}", f"paths.cache={shared_cache}",
           "logger=none", *TINY_BUDGET]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr[-3000:]
    out = proc.stdout
    table = out[out.index("| inter \\ target | xnli |"):].splitlines()
    assert table[2].startswith("| none | ") and "(n=1" in table[2]
    assert table[3].startswith("| ccg | failed |")
    assert "1 cell(s) did not finish (1 failed)" in proc.stderr
    (sweep,) = (tmp_path / "multirun").glob("*_adhoc")
    assert (sweep / "report.md").is_file() and "| ccg | failed |" in (sweep / "transfer_matrix.md").read_text()


def test_a_bad_value_stops_the_sweep_before_any_job(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "launch.py", "-m", "inter=none,mnli", "train.target.epochs=-1",
                           f"paths.outputs={tmp_path}", "logger=none"], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2
    assert "nothing was launched" in proc.stderr and "Value -1.0 is not valid for train.target.epochs" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "cells").exists()
