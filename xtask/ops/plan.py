"""What a launch would do, without launching: the cells, which are done, the intermediate
trainings left after deduplication through the shared cache, and an estimate of GPU-hours.

The grid is expanded the way Hydra's basic sweeper does it: the ``hydra.sweeper.params`` of a
named sweep (``+sweep=paper``) and the command line's comma lists, as a cartesian product.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
from functools import partial
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CONF_DIR = REPO_ROOT / "conf"
COSTS_FILE = CONF_DIR / "costs.yaml"


@dataclass
class PlannedCell:
    overrides: List[str]
    folder: Path
    state: str  # the store's state (pending, running, interrupted, lost, done, stale, failed, damaged)
    inter: str
    target: str
    model: str
    inter_entry: Optional[Path]  # shared cache entry of its intermediate encoder (None for inter=none)
    planned: Any = field(default=None, repr=False)  # xtask.pipeline.cell.Planned

    @property
    def cfg(self) -> Any:
        return self.planned.cfg

    @property
    def cell_dir(self) -> Path:
        return self.folder


@contextlib.contextmanager
def _hydra() -> Iterator[None]:
    """Hydra's compose API initialised once for many compositions (each init costs ~0.1 s)."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from xtask.config import register_configs

    register_configs()
    if GlobalHydra.instance().is_initialized():
        yield
        return
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        yield


def _compose(overrides: Sequence[str], with_hydra: bool = False) -> Any:
    from hydra import compose

    with _hydra():
        return compose(config_name="config", overrides=list(overrides), return_hydra_config=with_hydra)


def _compose_many(jobs: List[List[str]]) -> List[Any]:
    """Compose every job; jobs that differ only in plain values (seed=2, train.inter.lr=...)
    share one composition of their config-group choices, the values set on a copy (a grid of
    351 cells composes 117 times instead of 351)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    parser = OverridesParser.create()
    composed: Dict[tuple, Any] = {}
    configs = []
    for job in jobs:
        structural, values = [], []
        for override in parser.parse_overrides(job):
            key = override.get_key_element()
            # Plain values of the job config; group choices, +/~ and hydra.* go through Hydra.
            plain = key == "seed" or (
                not override.is_sweep_override() and "." in key and not key.startswith(("+", "~", "hydra"))
            )
            (values if plain else structural).append(override)
        signature = tuple(o.input_line for o in structural)
        if signature not in composed:
            composed[signature] = _compose(list(signature))
        cfg = copy.deepcopy(composed[signature])
        for override in values:
            OmegaConf.update(cfg, override.get_key_element(), override.value(), merge=True)
        configs.append(cfg)
    return configs


def expand(overrides: Sequence[str]) -> List[List[str]]:
    """One override list per job of ``launch.py -m OVERRIDES``."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    parsed = parser.parse_overrides(list(overrides))
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    sweeps: Dict[str, List[str]] = {}
    base = _compose(fixed, with_hydra=True)
    for key, value in (base.hydra.sweeper.get("params") or {}).items():
        (param,) = parser.parse_overrides([f"{key}={value}"])
        sweeps[key] = list(param.sweep_string_iterator()) if param.is_sweep_override() else [param.value()]
    for override in parsed:  # the command line wins over a sweep file's params, as in Hydra
        key = override.get_key_element()
        if override.is_sweep_override():
            sweeps[key] = list(override.sweep_string_iterator())
        elif key in sweeps:
            sweeps[key] = [override.get_value_element_as_str()]
            fixed.remove(override.input_line)
    keys = list(sweeps)
    return [fixed + [f"{k}={v}" for k, v in zip(keys, values)] for values in itertools.product(*sweeps.values())]


def plan(overrides: Sequence[str]) -> List[PlannedCell]:
    """Every cell of ``launch.py -m OVERRIDES``, composed, checked (a bad value raises
    :class:`xtask.config.ConfigError` naming it) and located, with its state in the store."""
    from xtask.config import ConfigError
    from xtask.pipeline.cell import plan_cell
    from xtask.store import cells as store
    from xtask.store import encoders

    cells = []
    with _hydra():
        jobs = expand(overrides)
        configs = _compose_many(jobs)
    problems: Dict[str, List[str]] = {}
    for job, cfg in zip(jobs, configs):
        try:
            planned = plan_cell(cfg)
        except ConfigError as err:
            problems.setdefault(str(err), []).append(" ".join(job))
            continue
        state = store.view(planned.folder).state.value
        entry = None
        if planned.inter_key is not None:
            entry = encoders.entry_path(Path(cfg.paths.cache), cfg.inter.name, planned.inter_key)
        cells.append(PlannedCell(job, planned.folder, state, cfg.inter.name, planned.target.name, cfg.model.name,
                                 entry, planned))
    if problems:
        raise ConfigError("\n".join(f"{message}\n    in {len(where)} cell(s), e.g. {where[0]}" for message, where in problems.items()))
    return cells


def check_data(cells: List[PlannedCell]) -> Tuple[int, List[str]]:
    """Read every distinct split the cells still to run need (each target's evaluation languages,
    English training and selection sets; each intermediate task's training and dev sets unless
    its encoder is cached), once each: ``(splits checked, problems)``, each problem naming the
    file and line. For a login node, before a grid goes to the cluster."""
    from tqdm.auto import tqdm

    from xtask.data.sources import owner
    from xtask.pipeline.intermediate import mixture_tasks
    from xtask.pipeline.preflight import Reader
    from xtask.tasks import get_task
    from xtask.store import encoders
    from xtask.store.identity import digest

    reader = Reader()
    reads: Dict[Tuple[str, ...], Callable[[], Any]] = {}
    for cell in cells:
        if cell.state in ("done", "stale"):
            continue
        planned = cell.planned
        ctx, target, split = planned.ctx, planned.target.resolve(planned.ctx), str(getattr(cell.cfg.target.eval_split, "value", cell.cfg.target.eval_split))
        source = digest(str(ctx))
        for lang in planned.languages:
            reads.setdefault((source, target.name, split, lang), partial(target.read, ctx, split, lang))
        needs = [target] if target.retrieval is None else []
        if cell.inter_entry is not None and not encoders.is_complete(cell.inter_entry):
            needs += reader(f"{cell.inter} mixture", partial(mixture_tasks, cell.cfg.inter, ctx)) or []
        for task in needs:  # keyed by the task whose data it is (xnli's training set is MNLI's)
            trainer = owner(task, ctx, "train", "en")
            selector = get_task(task.selection_task) if task.selection_task else task
            reads.setdefault((source, trainer.name, "train", "en"), partial(task.read, ctx, "train", "en"))
            if task.has_selection_set:
                reads.setdefault((source, selector.name, "dev", "en"), partial(task.read_selection_set, ctx))
    for key, read in tqdm(list(reads.items()), desc="checking data", unit="split", leave=False):
        reader(" ".join(key[1:]), read)
    return len(reads), list(dict.fromkeys(reader.problems))


def load_costs(path: Optional[Path] = None) -> Dict[str, Any]:
    with open(path or COSTS_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def summarize(cells: List[PlannedCell], costs: Dict[str, Any], force: bool = False) -> Dict[str, Any]:
    """Counts, intermediate trainings left after the cache's deduplication, and GPU-hours from
    ``costs`` — None when ``costs`` has no scale for the grid's model (no estimate beats
    another model's)."""
    from xtask.store import encoders as cache

    to_run = [c for c in cells if force or c.state not in ("done", "stale")]
    entries = {c.inter_entry for c in to_run if c.inter_entry is not None}
    needed = {e for e in entries if force or not cache.is_complete(e)}
    models = sorted({c.model for c in cells})
    scales = costs.get("model_scale") or {}
    hours: Optional[Dict[str, float]] = None
    if models and all(m in scales for m in models):
        def inter_cost(entry: Path) -> float:
            name = entry.name.rsplit("-", 2)[0]
            return float(costs["inter"].get(name, costs["inter"].get("default", 0.0)))

        scale_of = {c.inter_entry: float(scales[c.model]) for c in to_run if c.inter_entry is not None}
        inter_hours = sum(scale_of[e] * inter_cost(e) for e in needed)
        target_hours = sum(float(scales[c.model]) * float(costs["target"].get(c.target, costs["target"].get("default", 0.0)))
                           for c in to_run)
        hours = {"intermediate": inter_hours, "target": target_hours, "total": inter_hours + target_hours}
    by_state: Dict[str, int] = {}
    for c in cells:
        by_state[c.state] = by_state.get(c.state, 0) + 1
    return {
        "cells": len(cells),
        "by_state": by_state,
        "to_run": len(to_run),
        "intermediate_trainings": len(needed),
        "intermediate_cached": len(entries) - len(needed),
        "intermediate_without_cache": sum(1 for c in to_run if c.inter_entry is not None),
        "gpu_hours": hours,
        "models": models,
        "unpriced": [m for m in models if m not in scales],
        "priced_models": sorted(scales),
    }
