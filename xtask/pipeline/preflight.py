"""Before a cell trains anything: read and validate every split it needs, once.

A missing language or a malformed line found after phase 1 (or phase 2) has trained would fail
the cell and lose that training. So every split a cell needs — the target's evaluation
languages, its English training and selection sets, and (when its encoder is not cached yet)
every intermediate task's training and dev sets — is read first; what was read is what the
phases then use, and one error lists every problem (file and line) at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from xtask.data.readers import MalformedDataError
from xtask.data.sources import MissingDataError, SplitUnavailable, read_selection, read_split


class DataProblems(MissingDataError):
    """Several splits a cell needs are missing or malformed; the message lists each."""


@dataclass
class CellData:
    evaluation: Dict[str, Any]  # language -> its canonical evaluation split
    train: Optional[Any] = None  # the target's English training set (None for retrieval)
    selection: Optional[Any] = None  # the English dev set that selects checkpoints
    # phase 1, when it must train: task -> (training set, selection set or None)
    inter: Dict[str, Tuple[Any, Optional[Any]]] = field(default_factory=dict)


class Reader:
    """Reads splits, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: List[str] = []

    def __call__(self, what: str, read: Any) -> Any:
        try:
            return read()
        except (MissingDataError, MalformedDataError) as err:
            lines = str(err).strip().splitlines()
            first = lines[0] if lines[0].startswith(what) else f"{what}: {lines[0]}"
            hint = f" ({lines[1]})" if len(lines) > 1 and not isinstance(err, DataProblems) else ""
            self.problems.append(first + hint)
            return None

    def raise_if_any(self, context: str) -> None:
        if self.problems:
            listed = "\n".join(f"  - {p}" for p in dict.fromkeys(self.problems))
            raise DataProblems(f"{context}: {len(self.problems)} problem(s) with the data, found before any training:\n{listed}")


def read_cell_data(plan: Any, target: Any, needs_inter: bool) -> CellData:
    """Every split the cell ``plan`` (:class:`xtask.plan.cellplan.CellPlan`) needs; phase 1's
    only when its encoder must be trained (``needs_inter``)."""
    ctx, languages, split = plan.data, list(plan.languages), plan.phase2.eval_split
    reader = Reader()
    evaluation = {lang: reader(f"{target.name} {split} {lang}", lambda lang=lang: read_split(target, ctx, split, lang))
                  for lang in languages}
    data = CellData(evaluation)
    if target.retrieval == "mining":
        for lang in languages:  # BUCC's threshold is chosen on dev gold
            reader(f"{target.name} dev {lang}", lambda lang=lang: read_split(target, ctx, "dev", lang))
    if target.retrieval is None:
        data.train = reader(f"{target.name} train en", lambda: read_split(target, ctx, "train", "en"))
        data.selection = reader(f"{target.name} selection set (English dev)", lambda: read_selection(target, ctx))
    if needs_inter and plan.phase1 is not None:
        data.inter = _phase1_data(plan, reader)
    reader.raise_if_any(f"cell {plan.inter} -> {target.name}")
    return data


def read_phase1_data(plan: Any) -> Dict[str, Any]:
    """The splits phase 1 of ``plan`` trains and selects on (task -> (train, dev)), and nothing
    of the target: for a job that trains the intermediate encoder only (adaptive grids)."""
    reader = Reader()
    data = _phase1_data(plan, reader) if plan.phase1 is not None else {}
    reader.raise_if_any(f"intermediate task {plan.inter}")
    return data


def _phase1_data(plan: Any, reader: "Reader") -> Dict[str, Any]:
    from xtask.pipeline.intermediate import phase1_tasks, training_set

    ctx, phase1, data = plan.data, plan.phase1, {}
    for task in phase1_tasks(phase1, ctx):  # English and/or its translations (translate-train), as phase 1 trains
        train = reader(f"{task.name} train", lambda task=task: training_set(task, ctx, phase1.translated))
        dev = (reader(f"{task.name} dev", lambda task=task: read_selection(task, ctx))
               if not phase1.is_mixture else None)  # a mixture selects nothing
        data[task.name] = (train, dev)
    return data


def check_evaluation_data(task: Any, ctx: Any, split: str, languages: List[str]) -> Dict[str, Any]:
    """Read ``split`` of every language of ``task``: language -> what ``task.read`` gave; one
    :class:`DataProblems` for all that fail, with the ``target.languages`` that would work."""
    reader = Reader()
    data = {lang: reader(f"{task.name} {split} {lang}", lambda lang=lang: read_split(task, ctx, split, lang)) for lang in languages}
    if reader.problems:
        present = [lang for lang in languages if data.get(lang) is not None]
        if present:
            reader.problems.append(f"to evaluate only the languages that are there: target.languages=[{','.join(present)}]"
                                   " (or target.languages=auto)")
        reader.raise_if_any(f"target {task.name}")
    return data


__all__ = ["CellData", "DataProblems", "SplitUnavailable", "check_evaluation_data", "read_cell_data"]
