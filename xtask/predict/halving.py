"""Adaptive grids: which cells to run once phase 1 is trained and a prediction ranks the
intermediate tasks of each target, what that saves, and what it would have cost in regret.

Pure functions of tables (no training, no Hydra): the sweeper (:mod:`xtask.predict.sweeper`)
plans the grid, trains phase 1, gets the predictions, and asks here what to run next.

Selection rules, per target (:func:`select_top_k`):

* ``none`` is always kept: it is the baseline every delta is measured against;
* a retrieval target (Tatoeba, BUCC) keeps every row: it has no phase 2, its cells only score
  the phase-1 encoders the first batch trained, so there is nothing to save;
* the other intermediate tasks are ranked by the predicted score (higher = predicted better;
  several stored predictions of one pair, e.g. seeds, are averaged) and the ``k`` best kept,
  with every row tied with the k-th (a tie is no reason to drop one of them);
* an intermediate task of the grid without a prediction is kept, and said so: never dropped unseen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import pandas as pd

NONE = "none"


@dataclass(frozen=True)
class TargetSelection:
    """One target's rows: those kept (phase 2 runs), those dropped, and why, row by row."""

    target: str
    kept: Tuple[str, ...]
    dropped: Tuple[str, ...]
    why: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Selection:
    """Every target's :class:`TargetSelection` for one k and signal."""

    k: int
    signal: str
    targets: Mapping[str, TargetSelection]

    def keeps(self, inter: str, target: str) -> bool:
        chosen = self.targets.get(target)
        return chosen is not None and inter in chosen.kept


def select_top_k(predictions: pd.DataFrame, k: int, grid: Optional[Mapping[str, Sequence[str]]] = None,
                 signal: str = "") -> Selection:
    """The rows to run per target: ``none``, and the ``k`` intermediate tasks predicted best
    (module docstring). ``predictions``: columns ``target, inter, score`` (one signal, one
    model); ``grid``: target -> the grid's intermediate tasks (default: those predicted)."""
    from xtask.tasks import TARGET_TASKS

    if k < 1:
        raise ValueError(f"top_k must be at least 1 (got {k}): k intermediate tasks are kept per target beside none")
    missing = [c for c in ("target", "inter", "score") if c not in predictions.columns]
    if missing:
        raise ValueError(f"the predictions lack the column(s) {', '.join(missing)} (need target, inter, score)")
    means = predictions.groupby(["target", "inter"], sort=False)["score"].mean()
    if grid is None:
        grid = {t: list(dict.fromkeys(part.index.get_level_values("inter"))) for t, part in means.groupby(level="target")}
    out: Dict[str, TargetSelection] = {}
    for target, inters in grid.items():
        inters = list(dict.fromkeys(inters))
        why: Dict[str, str] = {}
        task = TARGET_TASKS.get(target)
        if task is not None and task.retrieval is not None:
            out[target] = TargetSelection(target, tuple(inters), (), {i: "scored directly: no phase 2 to save" for i in inters})
            continue
        scored = {i: float(means[(target, i)]) for i in inters if i != NONE and (target, i) in means.index}
        ranked = sorted(scored, key=lambda i: -scored[i])
        cut = scored[ranked[k - 1]] if len(ranked) >= k else -math.inf
        kept = []
        for inter in inters:
            if inter == NONE:
                kept.append(inter)
                why[inter] = "the baseline: always run"
            elif inter not in scored:
                kept.append(inter)
                why[inter] = "no prediction: kept rather than dropped unseen"
            else:
                rank = ranked.index(inter) + 1
                place = f"predicted {rank} of {len(ranked)} ({scored[inter]:.4g})"
                if scored[inter] >= cut:
                    kept.append(inter)
                    why[inter] = place + (" (tied with the last kept)" if rank > k else "")
                else:
                    why[inter] = place
        dropped = tuple(i for i in inters if i not in kept)
        out[target] = TargetSelection(target, tuple(kept), dropped, why)
    return Selection(k, signal, out)


def cells_to_run(cells: Sequence[Any], selection: Selection) -> List[Any]:
    """The cells (anything with ``inter`` and ``target``: planned cells) the selection keeps."""
    return [c for c in cells if selection.keeps(c.inter, c.target)]


# --------------------------------------------------------------------------- GPU-hours


@dataclass(frozen=True)
class Saving:
    """The full grid's cost beside the adaptive grid's (cells still to run; GPU-hours priced as
    ``xtask plan`` prices them, None where the costs file has no price for the grid's model)."""

    cells_full: int
    cells_adaptive: int
    hours_full: Optional[float]
    hours_adaptive: Optional[float]
    unpriced: Tuple[str, ...] = ()
    costs: str = ""

    def text(self) -> str:
        line = (f"cells to run: {self.cells_adaptive} of the full grid's {self.cells_full} "
                f"({self.cells_full - self.cells_adaptive} not run)")
        if self.hours_full is None or self.hours_adaptive is None:
            return (line + f"; GPU-hours: none: {self.costs} has no prices for model(s) {', '.join(self.unpriced)} "
                    "(`xtask costs CELLS --out FILE` measures them; adaptive.costs=FILE)")
        if self.hours_full == 0:
            return line + (f"; GPU-hours: 0 either way ({self.costs} prices this grid's model at 0, a CPU model, "
                           "or nothing is left to run)")
        saved = self.hours_full - self.hours_adaptive
        share = f" ({100 * saved / self.hours_full:.0f}%)" if self.hours_full > 0 else ""
        return (line + f"; GPU-hours: {_h(self.hours_adaptive)} instead of {_h(self.hours_full)}, {_h(saved)} saved{share} "
                f"(costs: {self.costs}; every intermediate training counted, the prediction itself not priced)")


def _h(value: float) -> str:
    return f"{value:.1f}" if value >= 10 or value == 0 else f"{value:.3g}"


def saving(full: Sequence[Any], selected: Sequence[Any], costs: Mapping[str, Any], costs_name: str = "",
           force: bool = False) -> Saving:
    """The full grid against the adaptive one: every intermediate training of the grid (phase
    1 runs for all of them) plus the selected cells' phase 2 (:func:`xtask.ops.plan.summarize`)."""
    from xtask.ops.plan import summarize

    whole = summarize(list(full), dict(costs), force)
    chosen = summarize(list(selected), dict(costs), force)
    if whole["gpu_hours"] is None:
        return Saving(whole["to_run"], chosen["to_run"], None, None, tuple(whole["unpriced"]), costs_name)
    adaptive = whole["gpu_hours"]["intermediate"] + (chosen["gpu_hours"]["target"] if chosen["gpu_hours"] else 0.0)
    return Saving(whole["to_run"], chosen["to_run"], whole["gpu_hours"]["total"], adaptive, (), costs_name)


# --------------------------------------------------------------------------- regret


REGRET_COLUMNS = ["target", "best_row", "best", "best_kept_row", "best_kept", "regret", "regret_pct", "note"]


def regret(selection: Selection, long: pd.DataFrame) -> pd.DataFrame:
    """Per target of the selection, on a finished full matrix (``long``: its long table): the
    best task score of the grid's rows minus the best of the rows the selection keeps (points,
    and % of the best); rows are the matrix's (the cells a report averages), matched by
    intermediate task. A target the matrix cannot judge says why."""
    from xtask.report import tables

    used = tables.used_cells(tables.cell_table(long))
    records = []
    for target, chosen in selection.targets.items():
        part = used[(used["target"] == target) & used["inter"].isin(chosen.kept + chosen.dropped)]
        rows_of = part.groupby("inter")["row"].nunique()
        several = sorted(rows_of[rows_of > 1].index)
        means = part.groupby("inter")["task_score"].mean()
        record: Dict[str, Any] = {"target": target, "best_row": "", "best": math.nan, "best_kept_row": "",
                                  "best_kept": math.nan, "regret": math.nan, "regret_pct": math.nan, "note": ""}
        lacking = [i for i in chosen.kept + chosen.dropped if i not in means.index]
        kept = means[means.index.isin(chosen.kept)]
        if several:
            record["note"] = f"several rows of {', '.join(several)} in the matrix: the selection names none of them"
        elif means.empty or kept.empty:
            record["note"] = "no finished cell of " + ("the grid's rows" if means.empty else "a kept row")
        else:
            record.update(best_row=str(means.idxmax()), best=float(means.max()), best_kept_row=str(kept.idxmax()),
                          best_kept=float(kept.max()))
            record["regret"] = record["best"] - record["best_kept"]
            record["regret_pct"] = 100 * record["regret"] / record["best"] if record["best"] > 0 else math.nan
            if lacking:
                record["note"] = f"no finished cell of {', '.join(lacking)}: judged without them"
        records.append(record)
    return pd.DataFrame(records, columns=REGRET_COLUMNS)


# --------------------------------------------------------------------------- rendering


def render(selection: Selection, spent: Saving, regrets: Optional[pd.DataFrame] = None,
           notes: Sequence[str] = ()) -> str:
    """The halving report (Markdown): per target what runs and why, the saving, the regret."""
    from xtask.report.tables import markdown

    lines = [f"# Adaptive grid: top {selection.k} per target by {selection.signal or 'the given predictions'}", ""]
    shown = pd.DataFrame(
        [{"kept (phase 2 runs)": ", ".join(f"{i} ({t.why.get(i, '')})" for i in t.kept),
          "dropped": ", ".join(f"{i} ({t.why.get(i, '')})" for i in t.dropped) or "-"}
         for t in selection.targets.values()], index=list(selection.targets))
    lines += [markdown(shown, "target"), "", spent.text()]
    if regrets is not None:
        lines += ["", "Regret on the finished full matrix (best row of the grid minus the best kept row, points):", ""]
        table = pd.DataFrame(
            [{"best": f"{r.best_row} {r.best:.1f}" if r.best_row else "-",
              "best kept": f"{r.best_kept_row} {r.best_kept:.1f}" if r.best_kept_row else "-",
              "regret": "" if math.isnan(r.regret) else f"{r.regret:.2f} ({r.regret_pct:.1f}%)", "note": r.note}
             for r in regrets.itertuples()], index=list(regrets["target"]))
        lines.append(markdown(table, "target"))
    lines += [f"* {note}" for note in notes]
    return "\n".join(lines)
