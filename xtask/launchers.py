"""The local launcher (``hydra/launcher=local``): submitit's local executor, with what it lacks
on a shared machine.

submitit's local executor starts every job of a sweep at once and ignores ``cpus_per_task``:
a grid of 8 cells ran 17 processes, each training with as many threads as the machine has
cores (3x slower than running the cells one after another). Here each cell gets
``cpus_per_task`` threads (``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` in its environment, read by
torch when it starts) and at most ``cores // cpus_per_task`` cells run at once, the next one
starting when one ends; cells that ask for GPUs run one at a time (the local executor gives
every job the same devices). Cells still go down submitit's path (pickled job, submitit
folder, result pickles), as on SLURM.

Hydra only instantiates launchers defined under its ``hydra_plugins`` package: the launcher
class is ``hydra_plugins.xtask_launcher.LocalLauncher``; what it does is here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from typing import Any, Dict, Iterator, List

log = logging.getLogger(__name__)

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
POLL_S = 0.2


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity: a container's or a cgroup's share)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def parallel_jobs(cpus_per_task: int, gpus_per_node: int, cores: int) -> int:
    """How many cells run at once: as many as the cores hold at ``cpus_per_task`` threads each;
    one when cells use GPUs."""
    if gpus_per_node > 0:
        return 1
    return max(1, cores // max(1, cpus_per_task))


@contextlib.contextmanager
def thread_environment(threads: int) -> Iterator[None]:
    """``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` set while jobs are started (they inherit this
    process's environment), restored after."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update({name: str(threads) for name in THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_bounded(submit: Any, params: List[tuple], at_once: int, threads: int, poll_s: float = POLL_S) -> List[Any]:
    """``submit(*p)`` for each ``p`` of ``params`` in order, never more than ``at_once`` jobs
    unfinished (``job.done()``), each started with ``threads`` threads; all jobs, in order."""
    jobs: List[Any] = []
    running: Dict[int, Any] = {}
    while len(jobs) < len(params) or running:
        while len(jobs) < len(params) and len(running) < at_once:
            with thread_environment(threads):
                running[len(jobs)] = submit(*params[len(jobs)])
            jobs.append(running[len(jobs)])
        for index in [index for index, job in running.items() if job.done()]:
            del running[index]
        if running:
            time.sleep(poll_s)
    return jobs
