"""The cell store: where cells live, the one rule that decides a cell's state, the per-cell lock,
and finding cells below any folder. The only code that reads or writes a cell's files (with
:mod:`xtask.store.records`); reports, status, plan and the pipeline all go through it.

A cell folder ``<cells>/<inter>__<target>__<model>__s<seed>__<key>/`` holds ``spec.json`` (what
it is), ``status.json`` (how it is doing), ``results.json`` (what it found, written last),
``predictions/`` and ``labels/`` in XTREME's layout, and while it trains ``target/trainer/``.
Sweep folders point at their cells with paths relative to themselves (``cell.json`` per job,
``plan.json`` per sweep), so an outputs tree moved as a whole (scratch to project space) is
still read correctly; a recorded cell that is not found is reported as ``not found``.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import logging
import os
import platform
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from filelock import FileLock, Timeout

from xtask import failures
from xtask.atomic import write_json_atomic
from xtask.store.paths import absolute
from xtask.store import records
from xtask.store.records import CellSpec, Damaged, Results, Status

log = logging.getLogger(__name__)

LOCK_FILE = ".lock"
RESERVE_FILE = ".reserve"  # freed to make room for the failure status on a full disk
RESERVE_BYTES = 256 * 1024
POINTER_FILE = "cell.json"  # in a sweep's job folder: which cell the job ran
PLAN_FILE = "plan.json"  # in a sweep folder: the cells the sweep planned


class State(str, Enum):
    pending = "pending"  # no attempt yet
    running = "running"  # its holder is alive (holds the cell's lock)
    interrupted = "interrupted"  # stopped from outside (preempted, Ctrl-C): resumes on relaunch
    lost = "lost"  # says running, but nothing holds its lock: its job died; resumes on relaunch
    done = "done"  # results.json complete, computed by the current code
    stale = "stale"  # done, but by an older results version of a phase: kept, recomputed on request
    failed = "failed"  # raised an error: input ones skipped by relaunches unless retry_failed=true, environment ones retried
    damaged = "damaged"  # a record cannot be read: treated as not done (recomputed on relaunch)
    not_found = "not found"  # a sweep recorded it, but the folder is not where it says


FINISHED = (State.done, State.stale)


@dataclass
class CellView:
    """Everything known about one cell, read once: its state and records."""

    folder: Path
    state: State
    spec: Optional[CellSpec] = None
    status: Optional[Status] = None
    results: Optional[Results] = None
    problem: str = ""  # why damaged / failed / lost / not found, in one line

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def failure(self) -> Optional[str]:
        """For a failed cell: ``input`` or ``environment`` (see :mod:`xtask.failures`)."""
        if self.state != State.failed or self.status is None:
            return None
        return failures.kind_of_record(self.status.failure, self.status.error)

    @property
    def retried_by_relaunch(self) -> bool:
        """A failure of the environment (disk, network, node): a plain relaunch retries it."""
        return self.failure == failures.ENVIRONMENT

    @property
    def score(self) -> Optional[float]:
        return self.results.scores.average if self.results is not None and self.state in FINISHED else None


def _held(folder: Path) -> bool:
    """Whether a live process holds the cell's lock (an OS lock: released when its holder dies)."""
    lock_path = os.path.join(folder, LOCK_FILE)
    if not os.path.exists(lock_path):
        return False
    lock = FileLock(lock_path, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False  # read-only store: nobody can be writing it either
    lock.release()
    return False


def view(folder: Path, current_versions: Optional[Dict[str, int]] = None) -> CellView:
    """The one rule for a cell's state, used by the pipeline, status, plan and reports.

    done   <=> status says done AND results.json is complete and readable (and of the cell's key);
    stale  <=> done, but a phase's results version is older than the code's;
    failed <=> status says failed (even if an older results.json exists: the failure is newer);
               of the input (skipped by relaunches) or of the environment (retried by them);
    running/lost <=> status says running and the cell's lock is / is not held;
    damaged <=> a record exists but cannot be read, or status says done without results.
    """
    from xtask.store.identity import PHASE_VERSIONS

    folder = folder if isinstance(folder, Path) else Path(folder)
    if not os.path.isdir(folder):
        return CellView(folder, State.pending)
    spec, status, results = records.read_spec(folder), records.read_status(folder), records.read_results(folder)
    for record in (spec, status, results):
        if isinstance(record, Damaged):
            return CellView(folder, State.damaged, problem=str(record),
                            spec=spec if isinstance(spec, CellSpec) else None)
    if status is None:
        if results is not None:  # results without status: written, then the status write failed
            return CellView(folder, State.damaged, spec, None, results, "results.json without status.json")
        return CellView(folder, State.pending, spec)
    state = status.state
    if state == "done":
        if results is None:
            return CellView(folder, State.damaged, spec, status, None, "status says done but results.json is missing")
        if spec is not None and results.key != spec.key:
            return CellView(folder, State.damaged, spec, status, results,
                            f"results.json is of another cell (key {results.key}, this cell is {spec.key})")
        versions = current_versions or PHASE_VERSIONS
        old = {phase: v for phase, v in results.versions.items() if v < versions.get(phase, v)}
        if old:
            why = ", ".join(f"{phase} v{v} < v{versions[phase]}" for phase, v in old.items())
            return CellView(folder, State.stale, spec, status, results, f"computed by an older results version ({why})")
        return CellView(folder, State.done, spec, status, results)
    if state == "failed":
        return CellView(folder, State.failed, spec, status, None, _last_line(status.error))
    if state == "interrupted":
        return CellView(folder, State.interrupted, spec, status, None, _last_line(status.error))
    if state == "running":
        if _held(folder):
            return CellView(folder, State.running, spec, status)
        holder = f"{status.host or '?'} pid {status.pid or '?'}" + (f", SLURM job {status.slurm_job}" if status.slurm_job else "")
        return CellView(folder, State.lost, spec, status, None,
                        f"its job ({holder}) is gone without a final status; a relaunch resumes it")
    return CellView(folder, State.damaged, spec, status, None, f"status.json has an unknown state {state!r}")


def _last_line(text: Optional[str]) -> str:
    lines = (text or "").strip().splitlines()
    return lines[-1] if lines else ""


# --------------------------------------------------------------------------- writing


def job_info() -> Dict[str, Any]:
    """Where this attempt runs: host, pid, and the SLURM job (array) id when under SLURM."""
    info: Dict[str, Any] = {"host": platform.node(), "pid": os.getpid()}
    array, task, job = (os.environ.get(k) for k in ("SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_JOB_ID"))
    if array and task:
        info["slurm_job"] = f"{array}_{task}"
    elif job:
        info["slurm_job"] = job
    return info


def slurm_restarts() -> Optional[str]:
    """How often SLURM requeued this job (SLURM_RESTART_COUNT), if it did."""
    return os.environ.get("SLURM_RESTART_COUNT") or None


def write_status(folder: Path, state: str, **fields: Any) -> None:
    """Write the cell's status. On a full disk (or quota), the space kept in reserve at the
    start is freed and the write retried, so that the reason of a failure survives. A failure
    is recorded with its kind (:mod:`xtask.failures`: input or environment), from its error
    unless the caller says."""
    if state == "failed" and fields.get("failure") is None:
        fields["failure"] = failures.kind_of_record(None, fields.get("error"))
    status = Status(state=state, time=time.time(), **{**job_info(), **fields})
    try:
        records.write(folder, status)
    except OSError as err:
        if err.errno not in (errno.ENOSPC, errno.EDQUOT) or not (folder / RESERVE_FILE).exists():
            raise
        (folder / RESERVE_FILE).unlink()
        records.write(folder, status)


def disk_note(folder: Path, below: int = 2 * RESERVE_BYTES) -> str:
    """`` (the disk holding FOLDER is full: N bytes free)`` when it is, else "": libraries report a
    full disk in their own words (torch: "iostream error"), so a failure's reason says it."""
    try:
        stat = os.statvfs(folder)
    except OSError:
        return ""
    free = stat.f_bavail * stat.f_frsize
    return f" (the disk holding {folder} is full: {free} bytes free)" if free < below else ""


def reserve_space(folder: Path) -> None:
    """Keep a little disk space for the final status (see :func:`write_status`)."""
    path = folder / RESERVE_FILE
    if path.exists():
        return
    with open(path, "wb") as handle:
        handle.write(b"\0" * RESERVE_BYTES)
        handle.flush()
        os.fsync(handle.fileno())


def release_reserve(folder: Path) -> None:
    (folder / RESERVE_FILE).unlink(missing_ok=True)


class StoreError(OSError):
    """The store cannot be written (read-only, full, missing): the message says where and what to check."""


class Busy(Exception):
    """Another live job holds the cell; the message says who and since when."""


class CellLock:
    """Exactly one job computes a cell: an OS lock on ``<cell>/.lock`` (flock; released by the
    kernel when its holder dies, so a dead holder's lock is simply taken over)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.lock = FileLock(str(self.folder / LOCK_FILE), thread_local=False)

    def acquire(self, wait: bool, poll_s: float = 30.0) -> None:
        """Take the lock; if another job holds it, raise :class:`Busy` naming it (``wait``:
        wait for it instead, saying every ``poll_s`` seconds who holds it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        started = time.time()
        first = True
        while True:
            try:
                # Waiting: a first look that does not block, so the holder is named at once.
                self.lock.acquire(timeout=(0 if first else poll_s) if wait else 5.0)
                return
            except Timeout:
                holder = holder_text(self.folder)
                if not wait:
                    raise Busy(f"{self.folder.name} is running elsewhere ({holder})") from None
                log.info("waiting for %s, held by %s (%.0f s so far; on_busy=skip moves on instead)",
                         self.folder.name, holder, time.time() - started)
                first = False

    def release(self) -> None:
        if self.lock.is_locked:
            self.lock.release()


def holder_text(folder: Path) -> str:
    """Who holds a cell (from its status): host, pid, SLURM job, since when."""
    status = records.read_status(folder)
    if not isinstance(status, Status):
        return "holder unknown"
    parts = [f"host {status.host or '?'}", f"pid {status.pid or '?'}"]
    if status.slurm_job:
        parts.append(f"SLURM job {status.slurm_job}")
    since = status.since or status.time
    if since:
        parts.append(f"since {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(since))}, {time.time() - since:.0f} s ago")
    return ", ".join(parts)


# --------------------------------------------------------------------------- pointers


def write_pointer(job_dir: Path, cell: Path, action: str = "") -> None:
    """The job folder's note of its cell: relative to the job folder (and absolute, as a fallback)."""
    job_dir = Path(job_dir)
    write_json_atomic(job_dir / POINTER_FILE, {"cell": os.path.relpath(cell, job_dir), "absolute": str(Path(cell).resolve()),
                                               "action": action})


def write_plan(sweep_dir: Path, cells: List[Path]) -> None:
    sweep_dir = Path(sweep_dir)
    write_json_atomic(sweep_dir / PLAN_FILE, {"cells": [os.path.relpath(c, sweep_dir) for c in cells],
                                              "absolute": [str(Path(c).resolve()) for c in cells]})


class RealPaths:
    """``Path.resolve()`` of many paths below the same few folders, each folder resolved once
    (``os.path.realpath`` lstat's every component of every path: 10 system calls per cell)."""

    def __init__(self) -> None:
        self._real: Dict[str, str] = {}
        self._paths: Dict[str, Path] = {}

    def __call__(self, path: Union[str, Path]) -> Path:
        text = os.fspath(path)
        real = self._resolve(text if os.path.isabs(text) else os.path.join(os.getcwd(), text))
        if real not in self._paths:
            self._paths[real] = Path(real)
        return self._paths[real]

    def _resolve(self, path: str) -> str:
        """As posixpath.realpath: symlinks followed, ``..`` taken after the folder it leaves is
        resolved; a component that does not exist is kept as it is."""
        if path not in self._real:
            head, name = os.path.split(path)
            if not name or head == path:
                real = os.path.realpath(path)
            else:
                parent = self._resolve(head)
                if name == ".":
                    real = parent
                elif name == "..":
                    real = os.path.dirname(parent)
                else:
                    joined = os.path.join(parent, name)
                    real = self._real.get(joined) or (os.path.realpath(joined) if os.path.islink(joined) else joined)
                    self._real[joined] = real
            self._real[path] = real
        return self._real[path]


def _resolve(base: Path, relative: Optional[str], absolute: Optional[str],
             resolve: Optional[RealPaths] = None) -> Tuple[Path, bool]:
    """(folder, found): the relative path first (survives moving the tree), then the absolute one."""
    first = None
    if relative:
        first = (resolve or RealPaths())(os.path.join(base, relative))
        if os.path.isdir(first):
            return first, True
    if absolute:
        if os.path.isdir(absolute):
            return Path(absolute), True
        first = first or Path(absolute)
    return first or Path(base), False


def read_pointer(job_dir: Path, resolve: Optional[RealPaths] = None) -> Optional[Tuple[Path, bool, str]]:
    """(cell folder, found, action) of a job folder's pointer; None when it has none or it is damaged."""
    try:
        with open(os.path.join(job_dir, POINTER_FILE), encoding="utf-8") as handle:
            data = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    relative = data.get("cell")
    absolute = data.get("absolute") or (relative if relative and os.path.isabs(relative) else None)
    if "cell_dir" in data:  # xtask 0.1 wrote absolute paths only
        relative, absolute = None, data["cell_dir"]
    folder, found = _resolve(job_dir, relative if relative and not os.path.isabs(relative) else None, absolute, resolve)
    return folder, found, str(data.get("action") or "")


def read_plan(sweep_dir: Path, resolve: Optional[RealPaths] = None) -> List[Tuple[Path, bool]]:
    try:
        data = json.loads((Path(sweep_dir) / PLAN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    cells = data.get("cells") or [] if isinstance(data, dict) else []
    absolute = data.get("absolute") or [None] * len(cells)
    resolve = resolve or RealPaths()
    parents: Dict[Path, bool] = {}
    out = []
    for rel, abs_ in zip(cells, absolute):
        if os.path.isabs(rel):  # xtask 0.1 wrote absolute paths only
            rel, abs_ = None, rel
        folder, found = _resolve(Path(sweep_dir), rel, abs_, resolve)
        # A planned cell that has not started has no folder yet: it is pending where its
        # store is (the relative path's parent), not lost.
        if not found:
            if folder.parent not in parents:
                parents[folder.parent] = folder.parent.is_dir()
            found = parents[folder.parent]
        out.append((folder, found))
    return out


# --------------------------------------------------------------------------- finding cells

SKIP_DIRS = {"cache", "wandb", ".hydra", "predictions", "labels", "target", "trainer", "encoder", "__pycache__"}


def is_cell(folder: Path) -> bool:
    return any((folder / name).is_file() for name in (records.SPEC_FILE, records.STATUS_FILE, records.RESULTS_FILE))


@dataclass
class Found:
    """A cell found below some folder, and how: ``sweeps`` names the sweep folders that point at
    it (a sweep's plan or job pointers), ``action`` what its last launch did."""

    folder: Path
    found: bool = True
    sweep: Optional[Path] = None
    job_dir: Optional[Path] = None
    action: str = ""


def find(paths: List[Path]) -> List[Found]:
    """Every cell below ``paths`` (cell folders, cells folders, sweep folders, an outputs tree):
    cell folders found by walking, and the cells sweep folders point at (so a sweep's cells
    are found wherever the store is), including planned cells that never started."""
    found: Dict[Path, Found] = {}
    resolve = RealPaths()
    for path in map(Path, paths):
        for directory, names in walk(path):
            if records.SPEC_FILE in names or records.STATUS_FILE in names or records.RESULTS_FILE in names:
                real = resolve(directory)
                found.setdefault(real, Found(real))
            if PLAN_FILE in names:
                for cell, ok in read_plan(directory, resolve):
                    entry = found.setdefault(cell, Found(cell, ok))
                    entry.sweep = entry.sweep or directory
            if POINTER_FILE in names:
                pointer = read_pointer(directory, resolve)
                if pointer is not None:
                    cell, ok, action = pointer
                    entry = found.setdefault(cell, Found(cell, ok))
                    entry.found = entry.found and ok  # a job ran it: its folder must exist
                    entry.sweep, entry.job_dir, entry.action = directory.parent, directory, action or entry.action
    return list(found.values())


def walk(root: Path) -> Iterator[Tuple[Path, List[str]]]:
    """(folder, file names) below ``root``, not descending into cells (their insides are not
    cells) nor into caches."""
    if not root.is_dir():
        return
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        files = [e.name for e in entries if e.is_file()]
        yield directory, files
        if any(name in files for name in (records.SPEC_FILE, records.STATUS_FILE, records.RESULTS_FILE)):
            continue
        stack.extend(Path(e.path) for e in sorted(entries, key=lambda e: e.name, reverse=True)
                     if e.is_dir(follow_symlinks=False) and e.name not in SKIP_DIRS and not e.name.startswith("."))


def views(found: List[Found]) -> List[Tuple[Found, CellView]]:
    out = []
    with collector_paused():
        for item in found:
            if not item.found:
                out.append((item, CellView(item.folder, State.not_found, problem=f"recorded at {item.folder}, not there")))
            else:
                out.append((item, view(item.folder)))
    return out


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while thousands of records are read (and turned
    into tables): every object they make lives on, and each collection would scan them all
    again (a third of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def locate(cells_root: Path, name: str) -> Path:
    return absolute(cells_root) / name


def write_spec(folder: Path, spec: CellSpec) -> None:
    records.write(folder, spec)


def write_results(folder: Path, results: Results) -> None:
    records.write(folder, results)


def read_results(folder: Path) -> Union[None, Damaged, Results]:
    return records.read_results(folder)
