"""Grids on a real SLURM cluster (tests/slurm_cluster.py): the launcher presets end to end.

The cluster needs root and Debian packages (installed on first use), so these tests skip where it
cannot start, unless CI=true: then a cluster that does not come up fails the run, so that CI
cannot go green by silently skipping the only tests of the SLURM path.

    .venv/bin/python -m pytest -m slurm -s --durations=0 tests/test_slurm.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from conftest import REPO
from slurm_cluster import SlurmCluster, SlurmClusterError, available

pytestmark = pytest.mark.slurm

# Small enough for the 2-CPU test node: both cells of a sweep run side by side.
TINY_SLURM_JOB: List[str] = [
    "hydra.launcher.gpus_per_node=0",
    "hydra.launcher.cpus_per_task=1",
    "hydra.launcher.mem_gb=2",
    "hydra.launcher.timeout_min=10",
]
TINY_CELL: List[str] = [
    "train.target.max_steps=8",
    "train.target.eval_strategy=no",
    "train.target.selection=last",
    "target.languages=[en]",
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _unavailable(reason: str) -> None:
    """Skip here; fail loudly in CI, where a skipped SLURM suite would hide a broken path."""
    if _in_ci():
        pytest.fail(f"CI=true but the SLURM test cluster cannot start: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlurmCluster]:
    """One cluster for the whole module (bring-up costs seconds), always torn down."""
    ok, reason = available()
    if not ok:
        _unavailable(reason)
    state_dir = tmp_path_factory.mktemp("slurm")
    short_dir = None
    try:
        cluster = SlurmCluster(state_dir)
    except ValueError:  # a long --basetemp: unix socket paths would not fit below it
        short_dir = Path(tempfile.mkdtemp(prefix="xtask-slurm-"))
        cluster = SlurmCluster(short_dir)
    try:
        try:
            cluster.start()
        except (SlurmClusterError, OSError, subprocess.SubprocessError) as err:
            # Full log tails in CI; skip reasons print on one line, so only the first one here.
            _unavailable(str(err) if _in_ci() else f"{str(err).splitlines()[0]} (logs: {cluster.log_dir})")
        print(f"\n[slurm] cluster up in {cluster.startup_seconds:.1f} s under {cluster.state_dir}")
        yield cluster
    finally:
        cluster.stop()
        if short_dir is not None:
            shutil.rmtree(short_dir, ignore_errors=True)


def _launch(cluster: SlurmCluster, *overrides: str, timeout: float = 600) -> subprocess.CompletedProcess:
    # A developer's conf/local/ (their real cluster's partition, module loads) must not leak into
    # jobs on the test cluster; `~local` fails when there is none, so pass it only when there is.
    local = ["~local"] if (REPO / "conf" / "local" / "default.yaml").exists() else []
    env: Dict[str, str] = {**cluster.env, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "launch.py", "-m", *local, "hydra/launcher=slurm", *overrides]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def _wait_for_sacct(cluster: SlurmCluster, job_id: str, n_rows: int, timeout_s: float = 60) -> List[Dict[str, str]]:
    """Accounting rows reach slurmdbd asynchronously, a few seconds after the jobs end."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows = cluster.sacct(job_id)
        finished = [r for r in rows if r["State"] not in ("PENDING", "RUNNING", "COMPLETING", "REQUEUED")]
        if len(finished) >= n_rows or time.monotonic() > deadline:
            return rows
        time.sleep(1)


def test_grid_runs_as_one_job_array(slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    t0 = time.monotonic()
    proc = _launch(
        slurm_cluster, "inter=none", "target=xnli", "seed=1,2", *TINY_SLURM_JOB, f"paths.outputs={outputs}",
        *TINY_CELL,
    )
    print(f"\n[slurm] launch.py -m (2 cells as a job array) took {time.monotonic() - t0:.1f} s")
    assert proc.returncode == 0, (
        f"launch.py failed ({proc.returncode}):\n{proc.stderr[-4000:]}\nsqueue: {slurm_cluster.squeue()}"
    )

    specs = [json.loads(p.read_text()) for p in sorted((outputs / "cells").glob("*/spec.json"))]
    assert sorted((c["inter"], c["target"], c["seed"]) for c in specs) == [("none", "xnli", 1), ("none", "xnli", 2)]
    assert len(list((outputs / "cells").glob("*/results.json"))) == 2

    # submitit names each task's folder after its SLURM id, ARRAYID_TASK (submitit_folder: .../%j).
    task_dirs = sorted(p.name for p in outputs.glob("multirun/*/.submitit/*_*") if p.is_dir())
    array_ids = {name.split("_")[0] for name in task_dirs}
    assert len(task_dirs) == 2 and len(array_ids) == 1, task_dirs
    (array_id,) = array_ids
    rows = _wait_for_sacct(slurm_cluster, array_id, n_rows=2)
    assert sorted(r["JobID"] for r in rows) == [f"{array_id}_0", f"{array_id}_1"], rows
    assert all(r["State"] == "COMPLETED" and r["ExitCode"] == "0:0" for r in rows), rows


def _results(outputs: Path) -> Dict[str, dict]:
    """Cell folder name -> its results.json, with its spec.json under "spec"."""
    return {p.parent.name: {**json.loads(p.read_text()), "spec": json.loads((p.parent / "spec.json").read_text())}
            for p in (outputs / "cells").glob("*/results.json")}


def test_grid_shares_one_intermediate_training_and_relaunch_skips(slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    grid = ["inter=none,mnli", "target=xnli,tatoeba", "seed=1", *TINY_SLURM_JOB, f"paths.outputs={outputs}",
            "train.inter.max_steps=8", "train.inter.eval_strategy=no", "train.inter.selection=last",
            *TINY_CELL[:-1], "target.languages=[de]"]  # German: in both XNLI's and Tatoeba's lists
    proc = _launch(slurm_cluster, *grid)
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = _results(outputs)
    assert len(results) == 4
    for result in results.values():  # every cell ran through SLURM, and says which job it was
        assert result["environment"]["slurm_job"].count("_") == 1, result["environment"]
    mnli = [r for r in results.values() if r["spec"]["inter"] == "mnli"]
    assert sorted(r["phases"]["inter"]["cache"] for r in mnli) in (["built", "waited"], ["built", "reused"])
    entries = [p for p in (outputs / "cache" / "intermediate").iterdir() if p.is_dir()]
    assert len(entries) == 1 and entries[0].name.startswith("mnli-"), entries

    relaunch = _launch(slurm_cluster, *grid)
    assert relaunch.returncode == 0, relaunch.stderr[-4000:]
    sweeps = sorted((outputs / "multirun").iterdir())
    pointers = [json.loads(p.read_text()) for p in sweeps[-1].glob("*/cell.json")]
    assert sorted(p["action"] for p in pointers) == ["skipped"] * 4
    status = subprocess.run([sys.executable, "-m", "xtask.cli", "status", str(sweeps[-1])],
                            capture_output=True, text=True, cwd=REPO)
    assert status.returncode == 0 and "4 done (4 cells)" in status.stdout, status.stdout


def test_failing_cell_is_reported_while_the_others_finish(slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    # CCG's licensed data is not where data.ccgbank says: that cell fails on its node (a bad
    # config value would stop the sweep before any job); the none cell finishes.
    proc = _launch(slurm_cluster, "inter=none,ccg", "target=xnli", "seed=1", *TINY_SLURM_JOB,
                   f"paths.outputs={outputs}", *TINY_CELL[:-1], "target.languages=[th]",
                   "data.ccgbank=/nonexistent/ccgbank/AUTO")
    assert proc.returncode != 0
    assert "| ccg | failed |" in proc.stdout  # the sweep's matrix is printed all the same
    (sweep,) = (outputs / "multirun").iterdir()
    status = subprocess.run([sys.executable, "-m", "xtask.cli", "status", str(sweep)],
                            capture_output=True, text=True, cwd=REPO)
    assert status.returncode == 1, status.stdout
    lines = status.stdout.splitlines()
    failed = [line for line in lines if "__" in line and " failed " in line]
    assert len(failed) == 1 and failed[0].startswith("ccg__") and "CCGbank folder not found" in failed[0], status.stdout
    assert any(line.startswith("none__") and " done " in line for line in lines), status.stdout


def test_signalled_job_checkpoints_requeues_and_resumes(slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    # save_steps: the first periodic checkpoint shows that training is under way (no guessing
    # with sleeps: the tiny model can run all 1500 steps in well under 20 s on an idle machine).
    long_cell = ["inter=none", "target=xnli", "seed=1", "target.languages=[en]", "train.target.max_steps=1500",
                 "train.target.eval_strategy=no", "train.target.selection=last", "train.target.batch_size=8",
                 "train.target.save_steps=100"]
    local = ["~local"] if (REPO / "conf" / "local" / "default.yaml").exists() else []
    env = {**slurm_cluster.env, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "launch.py", "-m", *local, "hydra/launcher=slurm", *TINY_SLURM_JOB,
           f"paths.outputs={outputs}", *long_cell]
    launcher = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        status_file = None
        while time.monotonic() < deadline:
            found = list((outputs / "cells").glob("*/status.json")) if (outputs / "cells").exists() else []
            training = list((outputs / "cells").glob("*/target/trainer/checkpoint-*")) if found else []
            if training and json.loads(found[0].read_text()).get("state") == "running":
                status_file = found[0]
                break
            time.sleep(0.2)
        assert status_file is not None, "the cell never got to its first checkpoint"
        job = json.loads(status_file.read_text())["slurm_job"]
        subprocess.run(["scancel", "--signal=USR2", job], env=slurm_cluster.env, check=True)
        out, err = launcher.communicate(timeout=480)
    finally:
        if launcher.poll() is None:
            launcher.kill()
    assert launcher.returncode == 0, err[-4000:]
    (result_file,) = (outputs / "cells").glob("*/results.json")
    result = json.loads(result_file.read_text())
    assert result["environment"]["attempts"] == 2, result["environment"]
    assert result["environment"].get("slurm_restarts") == "1", result["environment"]
    resumed_at = result["phases"]["target"]["resumed_from_step"]
    assert resumed_at and 0 < resumed_at < 1500, result["phases"]["target"]
    assert result["phases"]["target"]["train_steps"] == 1500


def test_an_adaptive_grid_runs_its_two_batches_as_job_arrays(slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    """+adaptive=halving through SLURM: phase 1 of mnli and squad as one job array, the prediction
    in the sweeper's process, then none and the predicted best as a second array."""
    outputs = tmp_path / "outputs"
    grid = ["inter=none,mnli,squad", "target=xnli", "seed=1", "+adaptive=halving", "adaptive.top_k=1",
            *TINY_SLURM_JOB, f"paths.outputs={outputs}", "train.inter.max_steps=4", "train.inter.eval_strategy=no",
            "train.inter.selection=last", *TINY_CELL]
    proc = _launch(slurm_cluster, *grid)
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = _results(outputs)
    assert len(results) == 2 and "none" in {r["spec"]["inter"] for r in results.values()}, sorted(results)
    for result in results.values():  # the selected cells ran through SLURM
        assert result["environment"]["slurm_job"].count("_") == 1, result["environment"]
    entries = sorted(p.name.split("-")[0] for p in (outputs / "cache" / "intermediate").iterdir() if p.is_dir())
    assert entries == ["mnli", "squad"]  # both phase-1 encoders, trained by the first batch
    task_dirs = sorted(p.name for p in outputs.glob("multirun/*/.submitit/*_*") if p.is_dir())
    assert len(task_dirs) == 4 and len({name.split("_")[0] for name in task_dirs}) == 2, task_dirs
    (sweep,) = (outputs / "multirun").iterdir()
    assert "cells to run: 2 of the full grid's 3" in (sweep / "halving.md").read_text()
