"""Failed cells that a later finished cell has superseded, and removing cells (``xtask prune``).

A cell that failed for its input (say a missing data file) has another key than its rerun once
the input is repaired: the data's identity is part of the key. Its folder stays, failed,
beside the finished one, and a report would show two rows (``none [data=64fee862] failed``
beside ``none [data=aeabffbe] 94.8``). Such a failure is **superseded**: a finished cell has the
same model, setting, target and seed and the same inputs but for the data they read (and, for a
local model, the model's content). Reports hide superseded failures (their notes count them),
``xtask status`` lists them as such, and ``xtask prune`` removes them (or every failed or stale
cell), with a dry run by default.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from xtask.store import cells as store
from xtask.store.cells import CellView, State

# Inputs a repair changes without making another experiment: the data read, a model's content.
REPAIRABLE = ("data",)


def _without_repairable(inputs: Optional[Dict[str, Any]]) -> str:
    if not inputs:
        return ""
    kept = {k: v for k, v in inputs.items() if k not in REPAIRABLE}
    start = kept.get("start")
    if isinstance(start, dict) and isinstance(start.get("pretrained"), dict) and "local" in start["pretrained"]:
        kept["start"] = {**start, "pretrained": {"local": "<content>"}}
    model = kept.get("model")
    if isinstance(model, dict) and "local" in model:
        kept["model"] = {**model, "local": "<content>"}
    return json.dumps(kept, sort_keys=True, default=str)


def _setting(view: CellView) -> Optional[Tuple[str, ...]]:
    spec = view.spec
    if spec is None:
        return None
    return (spec.model, spec.setting, spec.target, str(spec.seed), _without_repairable(spec.inputs),
            _without_repairable(spec.inter_inputs))


def superseded(views: Iterable[CellView]) -> Dict[Path, Path]:
    """Failed cell folder -> the finished cell that supersedes it (finished after it failed)."""
    finished: Dict[Tuple[str, ...], List[CellView]] = {}
    failed: List[CellView] = []
    for view in views:
        setting = _setting(view)
        if setting is None:
            continue
        if view.state in store.FINISHED:
            finished.setdefault(setting, []).append(view)
        elif view.state == State.failed:
            failed.append(view)
    out = {}
    for view in failed:
        failed_at = view.status.time if view.status is not None else 0.0
        later = [done for done in finished.get(_setting(view), [])
                 if done.status is not None and done.status.time >= failed_at and done.folder != view.folder]
        if later:
            out[view.folder] = max(later, key=lambda done: done.status.time).folder
    return out


@dataclass
class Pruned:
    folder: Path
    why: str
    removed: bool = False
    skipped: str = ""  # why it was kept (running)


def prune(paths: List[Path], failed: bool, stale: bool, apply: bool) -> List[Pruned]:
    """The cells below ``paths`` to remove: superseded failures always, every failed cell with
    ``failed``, every stale one with ``stale``. Removed only with ``apply`` (a cell a live job
    holds is kept); otherwise a dry run."""
    viewed = [view for _, view in store.views(store.find([Path(p) for p in paths]))]
    by_failure = superseded(viewed)
    chosen = []
    for view in viewed:
        if view.folder in by_failure:
            chosen.append(Pruned(view.folder, f"failed, superseded by {by_failure[view.folder].name}"))
        elif failed and view.state == State.failed:
            chosen.append(Pruned(view.folder, f"failed ({view.failure} failure: {view.problem})"))
        elif stale and view.state == State.stale:
            chosen.append(Pruned(view.folder, f"stale ({view.problem})"))
    if apply:
        for item in chosen:
            lock = store.CellLock(item.folder)
            try:
                lock.acquire(wait=False)
            except store.Busy as busy:
                item.skipped = str(busy)
                continue
            try:
                for child in item.folder.iterdir():
                    if child.name != store.LOCK_FILE:
                        shutil.rmtree(child) if child.is_dir() else child.unlink()
                item.removed = True
            finally:
                lock.release()
            shutil.rmtree(item.folder, ignore_errors=True)
    return chosen
