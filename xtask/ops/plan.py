"""What a launch would do, without launching: the cells, which are done, the intermediate
trainings left after deduplication through the shared cache, and an estimate of GPU-hours.

The grid is expanded the way Hydra's basic sweeper does it: the ``hydra.sweeper.params`` of a
named sweep (``+sweep=paper``) and the command line's comma lists, as a cartesian product.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
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
    cell_dir: Path
    state: str  # pending, running, interrupted, done, failed
    inter: str
    target: str
    model: str
    inter_entry: Optional[Path]  # shared cache entry of its intermediate encoder (None for inter=none)
    cfg: Any = field(default=None, repr=False)  # its composed config


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
    from xtask.store import encoders as cache
    from xtask.pipeline.cell import RESULTS_FILE, read_status
    from xtask.config import to_container
    from xtask.store.identity import cell_dir

    cells = []
    with _hydra():
        jobs = expand(overrides)
        configs = _compose_many(jobs)
    for job, cfg in zip(jobs, configs):
        folder = cell_dir(to_container(cfg))
        state = read_status(folder).get("state", "pending")
        if state == "done" and not (folder / RESULTS_FILE).is_file():
            state = "pending"
        entry = None if cfg.inter.name == "none" else cache.entry_dir(cfg)
        cells.append(PlannedCell(job, folder, state, cfg.inter.name, cfg.target.name, cfg.model.name, entry, cfg))
    return cells


def check_data(cells: List[PlannedCell]) -> Tuple[int, List[str]]:
    """Read every distinct dataset the cells still to run need (each target's evaluation
    languages and English training set, each intermediate task's training set), once each:
    ``(needs checked, problems)``. For a login node, before a grid goes to the cluster."""
    from functools import partial

    from omegaconf import OmegaConf
    from tqdm.auto import tqdm

    from xtask.pipeline.cell import resolve_languages
    from xtask.data.sources import DataContext, MissingDataError
    from xtask.pipeline.intermediate import MULTITASK
    from xtask.pipeline.preflight import check_evaluation_data
    from xtask.tasks import NO_INTERMEDIATE, TaskKind, intermediate_task, target_task

    def read(task: Any, ctx: Any, *args: str) -> None:  # resolving can fail too (CCG's tags come from its data)
        task.resolve(ctx).read(ctx, *args)

    def evaluation(task: Any, ctx: Any, split: str, languages: List[str]) -> None:
        check_evaluation_data(task.resolve(ctx), ctx, split, languages)

    checks: Dict[Tuple[str, ...], Callable[[], None]] = {}
    bad_languages: Dict[str, None] = {}  # ordered set of messages
    for cell in cells:
        if cell.state == "done" or cell.cfg is None:
            continue
        cfg = cell.cfg
        data_key = json.dumps(OmegaConf.to_container(cfg.data, resolve=True), sort_keys=True, default=str)
        ctx = DataContext.from_config(cfg.data)
        target = target_task(cfg.target.name)
        try:
            languages = resolve_languages(target, cfg.target.languages, ctx)
        except ValueError as err:  # a language the target does not have
            bad_languages[str(err)] = None
            continue
        split = str(cfg.target.eval_split)
        checks.setdefault((data_key, "eval", target.name, split, *languages),
                          partial(evaluation, target, ctx, split, languages))
        if target.kind != TaskKind.retrieval:
            checks.setdefault((data_key, "train", target.name), partial(read, target, ctx, "train", "en"))
        inter_names = list(cfg.inter.tasks or []) if cfg.inter.name == MULTITASK else [cfg.inter.name]
        for name in inter_names:  # a default mixture takes whatever has data: nothing to require
            if name != NO_INTERMEDIATE:
                checks.setdefault((data_key, "inter", name), partial(read, intermediate_task(name), ctx, "train"))
    problems = list(bad_languages)
    for check in tqdm(list(checks.values()), desc="checking data", unit="dataset", leave=False):
        try:
            check()
        except MissingDataError as err:
            problems.append(str(err).splitlines()[0])
    return len(checks) + len(bad_languages), problems


def load_costs(path: Optional[Path] = None) -> Dict[str, Any]:
    with open(path or COSTS_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def summarize(cells: List[PlannedCell], costs: Dict[str, Any], force: bool = False) -> Dict[str, Any]:
    from xtask.store import encoders as cache

    to_run = [c for c in cells if force or c.state != "done"]
    entries = {c.inter_entry for c in to_run if c.inter_entry is not None}
    needed = {e for e in entries if not cache.is_complete(e)}
    scale = float(costs.get("model_scale", {}).get(cells[0].model, 1.0)) if cells else 1.0

    def inter_cost(entry: Path) -> float:
        name = entry.name.rsplit("-", 1)[0]
        return float(costs["inter"].get(name, costs["inter"].get("default", 0.0)))

    inter_hours = scale * sum(inter_cost(e) for e in needed)
    target_hours = scale * sum(float(costs["target"].get(c.target, costs["target"].get("default", 0.0))) for c in to_run)
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
        "gpu_hours": {"intermediate": inter_hours, "target": target_hours, "total": inter_hours + target_hours},
        "model_scale": scale,
    }
