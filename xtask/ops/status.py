"""``xtask status``: the state of every cell below a folder (a sweep, a cells folder, a whole
outputs tree), from the cells' own files through the store, so it works while a sweep runs (the
submitit launcher blocks until the array ends) and after the outputs were moved.

States (one rule, :func:`xtask.store.cells.view`): pending, running (its job holds the cell's
lock), interrupted and lost (resume on relaunch), done, stale (done by an older results
version: kept, recomputed with recompute_stale=true), failed, damaged (a record cannot be read:
recomputed on relaunch), not found (a sweep recorded it elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from xtask.store import cells as store

ATTENTION = ("failed", "lost", "damaged", "not found")


@dataclass
class CellStatus:
    name: str
    state: str
    score: Optional[float]
    attempts: Optional[int]  # None: no readable status (never started, or damaged)
    job: str
    note: str  # why it failed / is damaged / lost, or what the last launch did with it
    labelled: bool = True
    superseded: bool = False  # a failure a finished rerun of the same setting replaced

    @property
    def needs_attention(self) -> bool:
        return self.state in ATTENTION and not self.superseded


def collect(path: Path) -> List[CellStatus]:
    with store.collector_paused():
        return _collect(path)


def _collect(path: Path) -> List[CellStatus]:
    from xtask.store.superseded import superseded

    rows = []
    viewed = store.views(store.find([Path(path)]))
    replaced = superseded([view for _, view in viewed])
    for found, view in viewed:
        status = view.status
        note = view.problem
        if view.state == store.State.failed:
            kind = ("environment: a plain relaunch retries it" if view.retried_by_relaunch
                    else "input: skipped by relaunches until its inputs change, or retry_failed=true")
            note = f"{note} [{kind}]"
        if view.folder in replaced:
            note = f"superseded by {replaced[view.folder].name} (a finished rerun; `xtask prune` removes it): {note}"
        if not note and found.action == "skipped":
            note = "skipped (done before)"
        elif not note and found.action == "busy" and view.state not in store.FINISHED:
            note = "was running elsewhere when the sweep reached it"
        labelled = not (view.results is not None and view.results.scores.average is None)
        if not labelled:
            note = note or "predictions only (the split has no labels)"
        elif view.results is not None and view.spec is not None:
            nothing = learned_nothing(view.folder, view.spec.target, list(view.results.scores.per_language), view.results)
            if nothing:
                note = "; ".join(x for x in (note, f"learned nothing: {'; '.join(nothing)}") if x)
        rows.append(CellStatus(
            # A status that cannot be read has no attempts to count: "?" rather than 0.
            name=view.name, state=view.state.value, score=view.score, attempts=status.attempts if status else None,
            job=str(status.slurm_job or "") if status else "", note=note, labelled=labelled,
            superseded=view.folder in replaced,
        ))
    return sorted(rows, key=lambda r: r.name)


def learned_nothing(folder: Path, target: str, langs: List[str], results: object = None) -> List[str]:
    """Why a finished cell learned nothing (predictions collapsed, loss at chance), or []."""
    from xtask.report.stats import cell_problems

    return cell_problems(folder, target, langs, results)


def render(rows: List[CellStatus]) -> str:
    if not rows:
        return "(no cells)"
    width = max(len(r.name) for r in rows)
    lines = [f"{'cell':<{width}}  {'state':<11}  {'score':>7}  {'tries':>5}  {'slurm job':<12}  note"]
    for r in rows:
        score = f"{r.score:7.2f}" if r.score is not None else " " * 7
        tries = "?" if r.attempts is None and r.state == "damaged" else (r.attempts or 0)
        lines.append(f"{r.name:<{width}}  {r.state:<11}  {score}  {tries:>5}  {r.job:<12}  {r.note}")
    counts: Dict[str, int] = {}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    lines.append("")
    lines.append(", ".join(f"{n} {state}" for state, n in sorted(counts.items())) + f" ({len(rows)} cells)")
    return "\n".join(lines)
