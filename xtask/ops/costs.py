"""Measured costs: GPU-hours per intermediate training and per target cell, from finished cells.

``conf/costs.yaml`` is a rough prior (XLM-R Large on one A100). After a pilot run on your own
cluster (say one seed of every setting), ``xtask costs outputs/cells --model xlmr_large --out
conf/local/costs.yaml`` writes what was measured there in the same layout, and ``xtask plan
--costs conf/local/costs.yaml`` prices the full grid with it.

Each cell's ``results.json`` keeps its timings: ``inter_s`` (the phase-1 training, when this cell
built the shared encoder; 0 when it came from the cache), ``target_s`` and ``eval_s``. Costs
are medians over cells (robust to one slow node), in hours of one job, which holds one GPU with
the shipped launcher presets (``gpus_per_node: 1``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterable, List

import yaml

from xtask.store import cells as store

SECONDS_PER_HOUR = 3600.0


@dataclass
class Measured:
    """Seconds per job, keyed by intermediate task / target, for one model."""

    model: str
    inter: Dict[str, List[float]] = field(default_factory=dict)
    target: Dict[str, List[float]] = field(default_factory=dict)
    cells: int = 0


def _finished(paths: Iterable[Path]) -> Iterable[Any]:
    """The store's views of the finished cells below ``paths`` (current or stale)."""
    for _, view in store.views(store.find(list(paths))):
        if view.state in store.FINISHED and view.spec is not None and view.results is not None:
            yield view


def models_in(paths: Iterable[Path]) -> List[str]:
    return sorted({view.spec.model for view in _finished(paths)})


def measure(paths: Iterable[Path], model: str) -> Measured:
    """Timings of the finished cells of ``model`` under ``paths``."""
    measured = Measured(model)
    for view in _finished(paths):
        if view.spec.model != model:
            continue
        measured.cells += 1
        timings, phases = view.results.timings, view.results.phases
        built = (phases.get("inter") or {}).get("cache") in ("built", "rebuilt")
        if built and timings.get("inter_s"):
            measured.inter.setdefault(view.spec.inter, []).append(float(timings["inter_s"]))
        target_s = float(timings.get("target_s", 0.0)) + float(timings.get("eval_s", 0.0))
        measured.target.setdefault(view.spec.target, []).append(target_s)
    return measured


def _hours(samples: Dict[str, List[float]]) -> Dict[str, float]:
    return {name: round(statistics.median(values) / SECONDS_PER_HOUR, 5) for name, values in sorted(samples.items())}


def costs_from(measured: Measured) -> Dict[str, Any]:
    """The costs file's content (see conf/costs.yaml); ``default`` = the median of the measured
    tasks, for the tasks the pilot did not run."""
    inter, target = _hours(measured.inter), _hours(measured.target)
    return {
        "inter": {**inter, "default": round(statistics.median(inter.values()), 5) if inter else 0.0},
        "target": {**target, "default": round(statistics.median(target.values()), 5) if target else 0.0},
        "model_scale": {measured.model: 1.0},
    }


def render(measured: Measured) -> str:
    """A table of what was measured: phase, task, jobs, median / min / max hours."""
    lines = [f"{'phase':<7} {'task':<15} {'jobs':>4} {'median h':>9} {'min h':>8} {'max h':>8}"]
    for phase, samples in (("inter", measured.inter), ("target", measured.target)):
        for name, values in sorted(samples.items()):
            hours = [v / SECONDS_PER_HOUR for v in values]
            lines.append(f"{phase:<7} {name:<15} {len(values):>4} {statistics.median(hours):>9.4f} "
                         f"{min(hours):>8.4f} {max(hours):>8.4f}")
    return "\n".join(lines)


def to_yaml(measured: Measured) -> str:
    header = (
        f"# Measured by `xtask costs` on {date.today().isoformat()} from {measured.cells} finished cells of "
        f"model {measured.model}:\n"
        "# median hours of one job (phase-1 training per intermediate task; phase 2 + evaluation per target).\n"
        "# `default` (the median of the measured tasks) prices the tasks the pilot did not run.\n"
        f"# Other models than {measured.model} are priced at scale 1.0: measure them too.\n"
    )
    return header + yaml.safe_dump(costs_from(measured), sort_keys=False)
