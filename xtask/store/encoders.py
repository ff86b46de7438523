"""Content-addressed cache of intermediate checkpoints, shared by every cell and sweep.

An intermediate encoder depends on the model, the intermediate task(s) and their data, the
phase-1 hyper-parameters, the seed and the code version, never on the target. Its key is a hash
of exactly those; the entry ``paths.cache/intermediate/<inter>-<key>/`` holds ``encoder/``, the
phase's metrics and a manifest. Builders take a file lock, so of N jobs that need one entry at
once one trains it and the others wait and reuse it; the lock is an OS lock (flock), which the
kernel releases when its holder dies. The entry is built in ``<entry>.partial`` (where a
preempted build leaves its Trainer checkpoints to resume from) and renamed into place with its
manifest written last, so a half-built entry never looks complete; a complete-looking entry
whose files do not match its manifest is rebuilt.
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
from typing import Any, Callable, Dict

from filelock import FileLock

from xtask import __version__
from xtask.atomic import write_json_atomic
from xtask.config import to_container

log = logging.getLogger(__name__)

# Bump when a change to the code changes what an intermediate training produces.
CACHE_FORMAT = 2  # 2: encoders saved without the label maps of their task head
MANIFEST = "MANIFEST.json"
METRICS = "metrics.json"


def intermediate_key(cfg: Any) -> str:
    resolved = to_container(cfg)
    model = dict(resolved["model"])
    if model.get("pretrained"):
        model.pop("tiny", None)  # the tiny architecture is irrelevant for a Hub model
    data = {k: v for k, v in resolved["data"].items() if k != "cache_dir"}
    payload = {
        "model": {k: v for k, v in model.items() if k != "retrieval_layer"},
        "inter": resolved["inter"],
        "hp": resolved["train"]["inter"],
        "data": data,
        "seed": resolved["seed"],
        "code": [__version__, CACHE_FORMAT],
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def entry_dir(cfg: Any) -> Path:
    return Path(cfg.paths.cache).resolve() / "intermediate" / f"{cfg.inter.name}-{intermediate_key(cfg)}"


def _manifest(folder: Path) -> Dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def is_complete(entry: Path) -> bool:
    """Complete = manifest present and every file it lists present with its size."""
    manifest = entry / MANIFEST
    if not manifest.is_file():
        return False
    try:
        expected = json.loads(manifest.read_text())["files"]
    except (ValueError, KeyError):
        return False
    return all((entry / name).is_file() and (entry / name).stat().st_size == size for name, size in expected.items())


@dataclass
class CachedIntermediate:
    encoder_dir: Path
    metrics: Dict[str, Any]
    # "built" by this job, "reused" as found, or "waited" for another job that built it.
    how: str


def ensure(entry: Path, build: Callable[[Path], Dict[str, Any]], wait_log_s: float = 60.0) -> CachedIntermediate:
    """Return the cached entry, building it with ``build(out_dir) -> metrics`` if needed."""
    if is_complete(entry):
        return CachedIntermediate(entry / "encoder", json.loads((entry / METRICS).read_text()), "reused")
    entry.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(entry) + ".lock")
    started = time.time()
    while True:
        try:
            lock.acquire(timeout=wait_log_s)
            break
        except TimeoutError:
            log.info("waiting for another job to build %s (%.0f s so far)", entry.name, time.time() - started)
    try:
        if is_complete(entry):
            return CachedIntermediate(entry / "encoder", json.loads((entry / METRICS).read_text()), "waited")
        if entry.exists():
            log.warning("cache entry %s is incomplete or corrupt: rebuilding it", entry)
            shutil.rmtree(entry)
        staging = entry.with_name(entry.name + ".partial")
        staging.mkdir(exist_ok=True)  # a preempted build's checkpoints are resumed from here
        write_json_atomic(staging / "BUILDER.json", {"host": socket.gethostname(), "pid": os.getpid(),
                                                     "slurm_job": os.environ.get("SLURM_JOB_ID"), "time": time.time()})
        metrics = build(staging)
        shutil.rmtree(staging / "trainer", ignore_errors=True)
        write_json_atomic(staging / METRICS, metrics)
        write_json_atomic(staging / MANIFEST, {"files": _manifest(staging), "time": time.time()})
        staging.rename(entry)
        return CachedIntermediate(entry / "encoder", metrics, "built")
    finally:
        lock.release()

