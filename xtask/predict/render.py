"""``xtask predict``'s text: per target, the intermediate settings ranked by each signal, then
what the prediction cost beside what the grid would cost."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from xtask.predict.predictor import Outcome
from xtask.predict.store import SIGNALS

# The column a target's rows are sorted by: the first of these the tier computed.
SORT_ORDER = ("logme_en", "logme_zeroshot", "semb")


@dataclass(frozen=True)
class Costs:
    """The prediction's cost: phase-1 trainings it needs (GPU-hours as ``xtask plan`` prices
    them, or the reason there is no price), and the grid's (:func:`xtask.ops.plan.summarize`)."""

    phase1_needed: int
    phase1_cached: int
    phase1_hours: Optional[float]
    grid: Dict[str, Any]
    costs_path: Optional[Path]


def _fmt(value: float) -> str:
    return f"{value:.4f}"


def tables(outcome: Outcome, signals: Sequence[str]) -> str:
    """One table per target: a row per intermediate setting, a column per signal with its value
    (the mean over seeds) and its rank (1 = predicted best)."""
    import pandas as pd

    wanted = {job.key for job in outcome.jobs}
    records = [p for p in outcome.predictions if p.key in wanted]
    settings: Dict[str, List[str]] = {}
    for job in outcome.jobs:  # every setting of every predicted target, scored or not
        row = settings.setdefault(job.cell.plan.target.name, [])
        if job.cell.plan.setting not in row:
            row.append(job.cell.plan.setting)
    lines: List[str] = []
    frame = pd.DataFrame([{"target": p.target, "model": p.model, "setting": p.setting, "signal": p.signal,
                           "seed": p.seed, "score": p.score, "notes": "; ".join(p.notes)} for p in records])
    shown = [s for s in SIGNALS if s in signals]
    for target, rows in settings.items():
        part = frame[frame["target"] == target] if not frame.empty else frame
        means = part.groupby(["setting", "signal"])["score"].mean().unstack() if not part.empty else pd.DataFrame()
        seeds = part.groupby(["setting", "signal"])["seed"].nunique() if not part.empty else pd.Series(dtype=int)
        models = sorted(set(part["model"])) if not part.empty else []
        ranks = means.rank(ascending=False, method="min") if not means.empty else means
        key = next((s for s in SORT_ORDER if s in shown and s in means.columns), None)
        order = sorted(rows, key=lambda r: (-(means[key].get(r, float("-inf")) if key else 0), r)) if key else rows
        counts = sorted({int(n) for n in seeds.values}) if len(seeds) else []
        lines.append(f"{target} ({', '.join(models) or 'no prediction'}; "
                     f"{'/'.join(map(str, counts)) or 'no'} seed(s) per value; rank 1 = predicted best)")
        width = max(len(r) for r in rows + ["setting"])
        lines.append("  " + "setting".ljust(width) + "".join(f"  {s:>20}" for s in shown))
        for row in order:
            cells = []
            for signal in shown:
                if signal == "semb" and row == "none":
                    cells.append("reference")
                elif signal in means.columns and row in means.index and means[signal].notna().get(row, False):
                    cells.append(f"{_fmt(means[signal][row])} ({int(ranks[signal][row])})")
                elif signal == "logme_zeroshot" and not any(j.signal == signal for j in outcome.jobs
                                                            if j.cell.plan.target.name == target):
                    cells.append("no dev data")
                else:
                    cells.append("not cached")
            lines.append("  " + row.ljust(width) + "".join(f"  {c:>20}" for c in cells))
        if counts == [1]:
            lines.append("  one seed per value: how much a value moves with the seed is unknown")
        notes = sorted({n for n in part["notes"] if n}) if not part.empty else []
        lines += [f"  note: {n}" for n in notes]
        lines.append("")
    return "\n".join(lines)


def cost_lines(outcome: Outcome, costs: Costs) -> str:
    from xtask.ops.plan import costs_basis, format_hours, hours_text, unpriced_text

    basis = f"costs: {costs.costs_path or 'conf/costs.yaml'}: {costs_basis(costs.costs_path)}"
    priced = (f"{format_hours(costs.phase1_hours)} GPU-hours ({basis})" if costs.phase1_hours is not None
              else f"GPU-hours {unpriced_text(costs.grid, costs.costs_path)}")
    trained = sum(outcome.trained.values())
    lines = [
        f"prediction:  {outcome.computed} signal value(s) computed in {outcome.seconds:.1f} s here (forward passes; "
        f"not in the costs file), {outcome.cached} from the store (free)",
        f"             phase 1: {costs.phase1_needed} encoder(s) to train (+{costs.phase1_cached} cached): {priced}; "
        f"trained here in {trained:.1f} s; the grid reuses them",
        f"grid:        {costs.grid['cells']} cells, {costs.grid['to_run']} to run: {hours_text(costs.grid, costs.costs_path)}",
    ]
    if outcome.missing:
        lines.append(f"not cached (--cached-only): {', '.join(outcome.missing)}: `xtask predict` without "
                     "--cached-only trains them")
    if outcome.direct:
        lines.append(f"not predicted: {', '.join(outcome.direct)}: scored directly (no phase 2 to save)")
    return "\n".join(lines)
