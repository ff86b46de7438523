"""``xtask migrate``: move the cells of a store written by xtask 0.1 to their new keys.

xtask 0.1 named a cell folder by a hash of its whole resolved config and kept that config in
``results.json``. From the stored config this computes the cell's key under today's rule (each
phase's explicit, non-default inputs: :mod:`xtask.store.identity`), converts ``results.json``
to today's typed record, writes ``spec.json`` and renames the folder; relaunches then find the
cell. Migrated cells keep their numbers and carry results version 1 of each phase: computed
by older code, so they show as ``stale`` (kept and reported; ``recompute_stale=true``
recomputes them). Cells that never finished kept no config and are left in place (a relaunch
recomputes them). Nothing is deleted; a folder whose new name is taken is left and reported.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from xtask.store import cells as store
from xtask.store import records
from xtask.store.records import LanguageScore, Results, Status, TargetScores

log = logging.getLogger(__name__)

LEGACY_VERSIONS = {"inter": 1, "target": 1}


@dataclass
class MigrationReport:
    moved: List[Tuple[str, str]] = field(default_factory=list)
    left: List[Tuple[str, str]] = field(default_factory=list)  # (folder, why)
    failed: List[Tuple[str, str]] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"{old} -> {new}" for old, new in self.moved]
        lines += [f"left {name}: {why}" for name, why in self.left]
        lines += [f"FAILED {name}: {why}" for name, why in self.failed]
        lines.append(f"{len(self.moved)} cell(s) migrated (stale: results version 1), {len(self.left)} left in place, "
                     f"{len(self.failed)} failed")
        return "\n".join(lines)


def _legacy(folder: Path) -> Optional[Dict[str, Any]]:
    try:
        data = json.loads((folder / records.RESULTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "target" in data and "config" in data and "scores" not in data else None


def _config(stored: Dict[str, Any], cells_root: Path) -> Any:
    """The stored resolved config on today's schema (fields added since take their defaults)."""
    from omegaconf import OmegaConf

    from xtask.config import XTaskConfig

    stored = json.loads(json.dumps(stored))
    stored.setdefault("paths", {})["cells"] = str(cells_root)
    data = stored.get("data") or {}
    # 0.1 kept the whole Hub table in the config; today's specs own it (overrides only), so keep
    # the entries that differ from the specs', the only ones that identify what was read.
    hub = data.get("hub") or {}
    data["hub"] = {task: entry for task, entry in hub.items() if _differs_from_spec(task, entry)}
    schema = OmegaConf.structured(XTaskConfig)
    OmegaConf.set_struct(schema, False)
    merged = OmegaConf.merge(schema, stored)
    OmegaConf.set_struct(merged, True)
    return merged


def _differs_from_spec(task: str, entry: Dict[str, Any]) -> bool:
    from xtask.tasks import TASKS

    spec = TASKS.get(task)
    hub = spec.hub if spec is not None else None
    if hub is None:
        return False  # anli_r1.. keys map onto parts that have their own specs
    return entry.get("path") != hub.path or (entry.get("name") or None) != hub.config


def _results(legacy: Dict[str, Any], key: str, spec: Any) -> Results:
    target = legacy["target"]
    per_language = {}
    from xtask.tasks import get_task

    task = get_task(spec.target)
    for lang, metrics in (target.get("per_language") or {}).items():
        values = {k: float(v) for k, v in metrics.items() if k != "n"}
        per_language[lang] = LanguageScore(values, task.task_score(values), int(metrics.get("n") or 0))
    scores = TargetScores(
        task=task.name, split=str(target.get("split")), metric=task.headline_metric, score_name=task.score_name,
        languages=list(target.get("languages") or per_language), per_language=per_language,
        averages=dict(target.get("averages") or {}), average=target.get("average"),
        unlabelled=list(target.get("unlabelled_languages") or []),
        extra={k: v for k, v in target.items() if k == "layer"},
    )
    return Results(key=key, versions=dict(LEGACY_VERSIONS) if spec.inter != "none" else {"target": 1}, scores=scores,
                   phases=legacy.get("phases") or {}, timings=legacy.get("timings") or {},
                   environment={**(legacy.get("versions") or {}), "migrated_from": "xtask 0.1"},
                   started_from=str((legacy.get("cell") or {}).get("started_from", "")))


def migrate(path: Path, dry_run: bool = False) -> MigrationReport:
    from xtask.pipeline.cell import plan_cell

    report = MigrationReport()
    moved: Dict[Path, Path] = {}
    for found in store.find([Path(path)]):
        folder = found.folder
        if not found.found:
            continue
        if (folder / records.SPEC_FILE).exists():
            _rekey(folder, report, moved, dry_run)
            continue
        legacy = _legacy(folder)
        if legacy is None:
            status = records.read_status(folder)
            if isinstance(status, Status) and status.state != "done":
                report.left.append((folder.name, f"{status.state}: no config kept (a relaunch recomputes it)"))
            continue
        try:
            # Not re-validated: it ran under 0.1's rules; only its identity is computed.
            planned = plan_cell(_config(legacy["config"], folder.parent), check=False)
        except Exception as err:  # a config today's code cannot plan: say why, move nothing
            report.failed.append((folder.name, f"{type(err).__name__}: {err}"))
            continue
        spec = planned.spec
        spec.versions = {phase: LEGACY_VERSIONS[phase] for phase in spec.versions}
        new = folder.parent / planned.folder.name
        if new.exists():
            report.left.append((folder.name, f"{new.name} exists already"))
            continue
        report.moved.append((folder.name, new.name))
        if dry_run:
            continue
        results = _results(legacy, spec.key, spec)
        store.write_spec(folder, spec)
        store.write_results(folder, results)
        status = records.read_status(folder)
        if not isinstance(status, Status):
            store.write_status(folder, "done", score=results.scores.average)
        folder.rename(new)
        moved[folder.resolve()] = new.resolve()
    if moved:
        _repoint(Path(path), moved)
    return report


# A setting the keys of schema 2 named but the code did not honour: cells computed with it were
# computed without it (model.revision never reached from_pretrained), so they are marked stale.
UNHONOURED = ("model", "revision")


def _rekey(folder: Path, report: MigrationReport, moved: Dict[Path, Path], dry_run: bool) -> None:
    """A cell written under keys of records schema 2 (an allowlist of inputs) gets the key of its
    plan (:mod:`xtask.plan.identity`), from the resolved config its spec keeps; the same
    computation, so its results stay current, except where schema 2 keyed a setting the code
    did not honour (``model.revision``): stale. Its intermediate encoder entry is renamed too."""
    from xtask.pipeline.cell import plan_cell
    from xtask.store import encoders

    spec = records.read_spec(folder)
    if not isinstance(spec, records.CellSpec) or spec.schema >= records.SCHEMA or not spec.config:
        return
    try:
        planned = plan_cell(_config(spec.config, folder.parent), check=False)
    except Exception as err:
        report.failed.append((folder.name, f"{type(err).__name__}: {err}"))
        return
    new_spec = planned.spec
    new_spec.created = spec.created
    unhonoured = (spec.config.get(UNHONOURED[0]) or {}).get(UNHONOURED[1])
    new_spec.versions = ({phase: 1 for phase in new_spec.versions} if unhonoured else dict(spec.versions))
    new = folder.parent / planned.folder.name
    if new != folder and new.exists():
        report.left.append((folder.name, f"{new.name} exists already"))
        return
    report.moved.append((folder.name, new.name))
    if dry_run:
        return
    cache = Path(str((spec.config.get("paths") or {}).get("cache") or folder.parent.parent / "cache"))
    if spec.inter_key and new_spec.inter_key and spec.inter_key != new_spec.inter_key:
        old_entry = encoders.entry_path(cache, spec.inter, spec.inter_key)
        new_entry = encoders.entry_path(cache, spec.inter, new_spec.inter_key)
        if old_entry.is_dir() and not new_entry.exists():
            old_entry.rename(new_entry)
    results = records.read_results(folder)
    if isinstance(results, Results):
        results.key, results.versions = new_spec.key, dict(new_spec.versions)
        store.write_results(folder, results)
    store.write_spec(folder, new_spec)
    if new != folder:
        folder.rename(new)
        moved[folder.resolve()] = new.resolve()


def _repoint(root: Path, moved: Dict[Path, Path]) -> None:
    """Sweep folders' pointers and plans that name a moved cell name its new folder."""
    for directory, names in store.walk(root):
        if store.POINTER_FILE in names:
            pointer = store.read_pointer(directory)
            if pointer is not None and pointer[0].resolve() in moved:
                store.write_pointer(directory, moved[pointer[0].resolve()], pointer[2])
        if store.PLAN_FILE in names:
            planned = store.read_plan(directory)
            if any(cell.resolve() in moved for cell, _ in planned):
                store.write_plan(directory, [moved.get(cell.resolve(), cell) for cell, _ in planned])
