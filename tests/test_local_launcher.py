"""hydra/launcher=local: a bounded number of cells at a time, each with cpus_per_task threads."""

from __future__ import annotations

import os
import sys
from typing import List

import pytest

from xtask import entry, launchers


def test_cells_at_once_fill_the_cores_and_gpu_cells_run_one_at_a_time() -> None:
    assert launchers.parallel_jobs(cpus_per_task=1, gpus_per_node=0, cores=16) == 16
    assert launchers.parallel_jobs(cpus_per_task=4, gpus_per_node=0, cores=16) == 4
    assert launchers.parallel_jobs(cpus_per_task=8, gpus_per_node=0, cores=2) == 1
    assert launchers.parallel_jobs(cpus_per_task=1, gpus_per_node=1, cores=16) == 1


class _Job:
    def __init__(self, log: List[str], name: str, polls: int) -> None:
        self.log, self.name, self.polls = log, name, polls
        self.threads = os.environ.get("OMP_NUM_THREADS")

    def done(self) -> bool:
        self.polls -= 1
        if self.polls <= 0 and f"end {self.name}" not in self.log:
            self.log.append(f"end {self.name}")
        return self.polls <= 0


def test_jobs_start_in_order_never_more_than_allowed_with_their_threads(monkeypatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    log: List[str] = []
    unfinished: List[int] = []

    def submit(name: str, polls: int) -> _Job:
        unfinished.append(sum(1 for line in log if line.startswith("start")) - sum(1 for line in log if line.startswith("end")))
        log.append(f"start {name}")
        return _Job(log, name, polls)

    jobs = launchers.run_bounded(submit, [("a", 3), ("b", 1), ("c", 1), ("d", 2), ("e", 1)], at_once=2, threads=3,
                                 poll_s=0)
    assert [job.name for job in jobs] == ["a", "b", "c", "d", "e"]
    assert max(unfinished) < 2  # a job starts only while fewer than 2 are unfinished
    assert log.index("start c") > log.index("end b") and all(f"end {n}" in log for n in "abcde")
    assert {job.threads for job in jobs} == {"3"}
    assert os.environ["OMP_NUM_THREADS"] == "7"  # the launcher's own environment is restored


def test_the_local_launcher_is_a_hydra_plugin_the_config_names() -> None:
    """Hydra instantiates launchers from its hydra_plugins package only."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.plugins import Plugins

    from conftest import CONF
    from xtask.config import register_configs

    assert "hydra_plugins.xtask_launcher.LocalLauncher" in Plugins.instance().class_name_to_class
    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["hydra/launcher=local"], return_hydra_config=True)
    GlobalHydra.instance().clear()
    assert cfg.hydra.launcher._target_ == "hydra_plugins.xtask_launcher.LocalLauncher"
    assert cfg.hydra.launcher.cpus_per_task == 1


@pytest.mark.parametrize("slurm,omp,expected", [("4", None, "4"), ("4", "2", "2"), (None, None, None), ("x", None, None)])
def test_a_slurm_job_trains_with_its_cpus(monkeypatch, slurm, omp, expected) -> None:
    for name, value in (("SLURM_CPUS_PER_TASK", slurm), ("OMP_NUM_THREADS", omp)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.delitem(sys.modules, "torch", raising=False)  # as in a job before it imports torch
    entry._limit_threads()
    assert os.environ.get("OMP_NUM_THREADS") == expected
