"""Content-addressed cache of intermediate encoders, shared by every cell and sweep.

An intermediate encoder depends on the model, the intermediate task(s) and their data, the
phase-1 hyper-parameters, the seed and the phase's results version, never on the target
(:func:`xtask.plan.identity.keys`). The entry ``paths.cache/intermediate/<inter>-<key>/``
holds ``encoder/``, the phase's metrics and a manifest listing every file with its size and
SHA-256.

* Builders take a file lock, so of N jobs that need one entry at once one trains it and the
  others wait (saying who builds it, where and for how long) and reuse it; the lock is an OS
  lock (flock), which the kernel releases when its holder dies.
* The entry is built in ``<entry>.partial`` (where a preempted build leaves its Trainer
  checkpoints to resume from) and renamed into place with its manifest written last, so a
  half-built entry never looks complete.
* Reuse verifies the checksums, once per job and entry (hashing an XLM-R Large encoder takes a
  few seconds, see bench/): an entry damaged in place, even without a change of size, is
  rebuilt with a warning naming it.
* ``force=true`` rebuilds an entry once per sweep (the manifest records which sweep built it);
  ``xtask cache rebuild ENTRY`` marks one entry for rebuilding.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from filelock import FileLock, Timeout

from xtask.atomic import write_json_atomic
from xtask.store.paths import absolute

log = logging.getLogger(__name__)

MANIFEST = "MANIFEST.json"
METRICS = "metrics.json"
BUILDER = "BUILDER.json"
MANIFEST_FORMAT = 3  # 3: SHA-256 per file, the sweep that built it
_verified: Dict[Tuple[str, float], bool] = {}  # (entry, manifest mtime) -> verified in this process


def entry_path(cache_root: Path, inter: str, key: str) -> Path:
    """``<cache>/intermediate/<inter>-<key>`` (the key: see xtask.plan.identity.keys)."""
    return absolute(Path(cache_root)) / "intermediate" / f"{inter}-{key}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(folder: Path) -> List[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST]


def write_manifest(folder: Path, sweep: Optional[str]) -> None:
    files = {str(p.relative_to(folder)): {"size": p.stat().st_size, "sha256": file_sha256(p)} for p in _files(folder)}
    write_json_atomic(folder / MANIFEST, {"format": MANIFEST_FORMAT, "files": files, "time": time.time(), "sweep": sweep})


def read_manifest(entry: Path) -> Optional[Dict[str, Any]]:
    try:
        data = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def check(entry: Path, content: bool = True) -> Optional[str]:
    """None when the entry is complete and intact; else what is wrong. ``content``: verify each
    file's SHA-256 (once per job: a verified entry is remembered by its manifest's mtime)."""
    manifest = read_manifest(entry)
    if manifest is None:
        return "no readable manifest (an interrupted build, or not an entry)"
    for name, expected in manifest["files"].items():
        path = entry / name
        size = expected["size"] if isinstance(expected, dict) else expected
        if not path.is_file():
            return f"{name} is missing"
        if path.stat().st_size != size:
            return f"{name} has {path.stat().st_size} bytes, the manifest says {size}"
    if not content:
        return None
    memo = (str(entry), (entry / MANIFEST).stat().st_mtime)
    if _verified.get(memo):
        return None
    for name, expected in manifest["files"].items():
        if not isinstance(expected, dict) or "sha256" not in expected:
            return f"the manifest has no checksum for {name} (written by an older xtask)"
        if file_sha256(entry / name) != expected["sha256"]:
            return f"{name} does not match its checksum (damaged in place)"
    _verified[memo] = True
    return None


def is_complete(entry: Path) -> bool:
    """Complete = manifest present and every file it lists present with its size (cheap; reuse
    verifies the checksums too)."""
    return check(entry, content=False) is None


@dataclass
class CachedIntermediate:
    encoder_dir: Path
    metrics: Dict[str, Any]
    # "built" by this job, "reused" as found, "waited" for another job that built it,
    # "rebuilt" after finding it damaged.
    how: str


def builder_text(entry: Path) -> str:
    """Who is building an entry (host, pid, SLURM job) and since when, from its BUILDER.json."""
    staging = entry.with_name(entry.name + ".partial")
    try:
        info = json.loads((staging / BUILDER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "builder unknown (no BUILDER.json yet)"
    since = float(info.get("time") or 0)
    parts = [f"host {info.get('host', '?')}", f"pid {info.get('pid', '?')}"]
    if info.get("slurm_job"):
        parts.append(f"SLURM job {info['slurm_job']}")
    if since:
        parts.append(f"started {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(since))}, {time.time() - since:.0f} s ago")
    return ", ".join(parts)


def ensure(entry: Path, build: Callable[[Path], Dict[str, Any]], wait_log_s: float = 60.0,
           force_sweep: Optional[str] = None, sweep: Optional[str] = None) -> CachedIntermediate:
    """Return the cached entry, building it with ``build(out_dir) -> metrics`` if needed.
    ``force_sweep``: rebuild the entry unless that sweep built it (``force=true``); ``sweep``:
    recorded in the manifest of a new build."""

    def usable() -> Optional[str]:
        if not (entry / MANIFEST).exists() and not entry.exists():
            return "absent"
        problem = check(entry)
        if problem is None and force_sweep is not None and (read_manifest(entry) or {}).get("sweep") != force_sweep:
            return "force=true"
        return problem

    if usable() is None:
        return CachedIntermediate(entry / "encoder", _metrics(entry), "reused")
    entry.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(entry) + ".lock", thread_local=False)
    started = time.time()
    while True:
        try:
            lock.acquire(timeout=wait_log_s)
            break
        except Timeout:
            log.info("waiting for %s: another job builds it (%s); %.0f s so far", entry.name, builder_text(entry),
                     time.time() - started)
    try:
        problem = usable()
        if problem is None:
            return CachedIntermediate(entry / "encoder", _metrics(entry), "waited")
        how = "built"
        if entry.exists():
            if problem != "force=true":
                log.warning("intermediate cache entry %s is damaged (%s): rebuilding it", entry, problem)
                how = "rebuilt"
            shutil.rmtree(entry)
        staging = entry.with_name(entry.name + ".partial")
        staging.mkdir(exist_ok=True)  # a preempted build's checkpoints are resumed from here
        write_json_atomic(staging / BUILDER, {"host": socket.gethostname(), "pid": os.getpid(),
                                              "slurm_job": os.environ.get("SLURM_JOB_ID"), "time": time.time()})
        metrics = build(staging)
        shutil.rmtree(staging / "trainer", ignore_errors=True)
        write_json_atomic(staging / METRICS, metrics)
        write_manifest(staging, sweep)
        staging.rename(entry)
        _verified[(str(entry), (entry / MANIFEST).stat().st_mtime)] = True
        return CachedIntermediate(entry / "encoder", metrics, how)
    finally:
        lock.release()


def _metrics(entry: Path) -> Dict[str, Any]:
    try:
        return json.loads((entry / METRICS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def mark_for_rebuild(entry: Path) -> None:
    """Make the next job that needs ``entry`` rebuild it: the entry is removed, under its lock
    (a job using it has already loaded it; cells keep their own results)."""
    with FileLock(str(entry) + ".lock", thread_local=False):
        shutil.rmtree(entry, ignore_errors=True)


def entries(cache_root: Path) -> List[Path]:
    folder = Path(cache_root) / "intermediate"
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.endswith(".partial")) if folder.is_dir() else []
