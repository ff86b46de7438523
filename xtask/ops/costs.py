"""Measured costs: GPU-hours per intermediate training and per target cell, from finished cells.

``conf/costs.yaml`` is a rough prior (XLM-R Large on one A100). After a pilot run on your own
cluster (say one seed of every setting), ``xtask costs outputs/cells --model xlmr_large --out
conf/local/costs.yaml`` writes what was measured there in the same layout, and ``xtask plan
--costs conf/local/costs.yaml`` prices the full grid with it.

Each cell's ``results.json`` keeps its timings: ``inter_s`` (the phase-1 training, when this cell
built the shared encoder; 0 when it came from the cache), ``target_s`` and ``eval_s``. A phase
that took several attempts (preempted, killed, a full disk) counts all of them
(:mod:`xtask.pipeline.attempts`): that is the GPU time **paid**, lost work included, and what
the costs file gives ``xtask plan`` (``basis: paid``). Beside it, the **clean** time: what one
uninterrupted attempt takes (each phase's ``clean_seconds``), reported, and written under
``clean:`` for reference. Costs are medians over cells (robust to one slow node), in hours of
one job, which holds one GPU with the shipped launcher presets (``gpus_per_node: 1``).
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
    inter: Dict[str, List[float]] = field(default_factory=dict)  # paid: all attempts
    target: Dict[str, List[float]] = field(default_factory=dict)
    cells: int = 0
    inter_clean: Dict[str, List[float]] = field(default_factory=dict)  # one uninterrupted attempt
    target_clean: Dict[str, List[float]] = field(default_factory=dict)
    retried: int = 0  # cells with a phase that took more than one attempt
    last_attempt_only: int = 0  # cells of several attempts timed by an older xtask (last attempt only)


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
        inter, target = phases.get("inter") or {}, phases.get("target") or {}
        built = inter.get("cache") in ("built", "rebuilt")
        if built and timings.get("inter_s"):
            paid = float(timings["inter_s"])
            measured.inter.setdefault(view.spec.inter, []).append(paid)
            measured.inter_clean.setdefault(view.spec.inter, []).append(_clean(inter, paid))
        eval_s = float(timings.get("eval_s", 0.0))
        paid = float(timings.get("target_s", 0.0))
        measured.target.setdefault(view.spec.target, []).append(paid + eval_s)
        measured.target_clean.setdefault(view.spec.target, []).append(_clean(target, paid) + eval_s)
        phase_attempts = [int(p.get("attempts", 1) or 1) for p in ((inter if built else {}), target) if p]
        measured.retried += any(n > 1 for n in phase_attempts)
        cell_attempts = int((view.results.environment or {}).get("attempts") or 1)
        measured.last_attempt_only += cell_attempts > 1 and not any("attempts" in p for p in (inter, target))
    return measured


def _clean(phase: Dict[str, Any], paid: float) -> float:
    """A phase's clean seconds (one uninterrupted attempt); its paid seconds when it has none
    recorded (one attempt, or timed by an older xtask)."""
    clean = phase.get("clean_seconds")
    return min(float(clean), paid) if isinstance(clean, (int, float)) and paid else paid


def _hours(samples: Dict[str, List[float]]) -> Dict[str, float]:
    return {name: round(statistics.median(values) / SECONDS_PER_HOUR, 5) for name, values in sorted(samples.items())}


def costs_from(measured: Measured) -> Dict[str, Any]:
    """The costs file's content (see conf/costs.yaml); ``default`` = the median of the measured
    tasks, for the tasks the pilot did not run."""
    def priced(samples: Dict[str, List[float]]) -> Dict[str, float]:
        hours = _hours(samples)
        return {**hours, "default": round(statistics.median(hours.values()), 5) if hours else 0.0}

    return {
        "basis": "paid",  # GPU time of all attempts, lost work included (xtask plan prices with it)
        "inter": priced(measured.inter),
        "target": priced(measured.target),
        "model_scale": {measured.model: 1.0},
        "clean": {"inter": priced(measured.inter_clean), "target": priced(measured.target_clean)},
    }


def render(measured: Measured) -> str:
    """A table of what was measured: phase, task, jobs, median / min / max hours paid (all
    attempts, lost work included), and the median clean hours (one uninterrupted attempt)."""
    lines = [f"{'phase':<7} {'task':<15} {'jobs':>4} {'median h':>9} {'min h':>8} {'max h':>8} {'clean h':>8}"]
    for phase, samples, clean in (("inter", measured.inter, measured.inter_clean),
                                  ("target", measured.target, measured.target_clean)):
        for name, values in sorted(samples.items()):
            hours = [v / SECONDS_PER_HOUR for v in values]
            clean_h = statistics.median(clean.get(name) or values) / SECONDS_PER_HOUR
            lines.append(f"{phase:<7} {name:<15} {len(values):>4} {statistics.median(hours):>9.4f} "
                         f"{min(hours):>8.4f} {max(hours):>8.4f} {clean_h:>8.4f}")
    lines.append("(hours of GPU time paid: every attempt, lost work included; clean h: one uninterrupted attempt; "
                 f"{measured.retried} of {measured.cells} cells needed more than one attempt)")
    if measured.last_attempt_only:
        lines.append(f"({measured.last_attempt_only} cell(s) of several attempts were timed by an older xtask, "
                     "which kept the last attempt only: their paid time is too low)")
    return "\n".join(lines)


def to_yaml(measured: Measured) -> str:
    header = (
        f"# Measured by `xtask costs` on {date.today().isoformat()} from {measured.cells} finished cells of "
        f"model {measured.model}:\n"
        "# median hours of one job (phase-1 training per intermediate task; phase 2 + evaluation per target),\n"
        "# as GPU time paid: every attempt, lost work included (basis: paid); `clean` gives one uninterrupted attempt.\n"
        "# `default` (the median of the measured tasks) prices the tasks the pilot did not run.\n"
        f"# Other models than {measured.model} are priced at scale 1.0: measure them too.\n"
    )
    return header + yaml.safe_dump(costs_from(measured), sort_keys=False)
