"""``xtask submission``: the chosen cell of each target -> an XTREME submission folder.

The paper's headline is a leaderboard number: pick the best intermediate task of each target on
the development sets (``xtask aggregate``'s ``best_per_target``), run those cells with
``target.eval_split=test`` (their test labels are hidden, so the cells write predictions only),
and submit one folder ``TASK/test-LANG.{tsv,json}`` with every task and language. This module
builds that folder from the cells, refusing what the leaderboard would reject or misread: a
cell evaluated on another split, two cells for one task; a missing task or language is listed.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Dict, List

from xtask.store import cells as store
from xtask.store.records import Results
from xtask.tasks import TARGET_TASKS
from xtask.tasks.benchmarks import DEFAULT_BENCHMARK, benchmark


class SubmissionError(ValueError):
    """The cells cannot make a submission; the message says which and why."""


def _target_of(cell: Path) -> Dict[str, str]:
    view = store.view(cell)
    if view.state not in store.FINISHED or not isinstance(view.results, Results):
        raise SubmissionError(f"{cell}: not a finished cell ({view.state.value}{': ' + view.problem if view.problem else ''})")
    return {"task": view.results.scores.task, "split": view.results.scores.split}


def build(cells: List[Path], out: Path, split: str = "test", bench: str = DEFAULT_BENCHMARK) -> List[str]:
    """Copy each cell's ``predictions/TASK/`` into ``out/TASK/`` (written whole, then renamed into
    place); returns what is missing for a complete XTREME submission (tasks, languages)."""
    chosen: Dict[str, Path] = {}
    for cell in map(Path, cells):
        target = _target_of(cell)
        if target["split"] != split:
            raise SubmissionError(f"{cell.name} was evaluated on its {target['split']} split, not {split}: "
                                  f"rerun it with target.eval_split={split}")
        if target["task"] in chosen:
            raise SubmissionError(f"two cells for {target['task']}: {chosen[target['task']].name} and {cell.name}; "
                                  "a submission takes one per task")
        chosen[target["task"]] = cell
    missing: List[str] = [f"task {task}: no cell" for task in benchmark(bench) if task not in chosen]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for task, cell in chosen.items():
            source = cell / "predictions" / task
            files = sorted(source.glob("test-*")) if source.is_dir() else []
            if not files:
                raise SubmissionError(f"{cell.name}: no prediction files under {source}")
            (staging / task).mkdir()
            for file in files:
                shutil.copy2(file, staging / task / file.name)
            have = {f.name.split(".", 1)[0].removeprefix("test-") for f in files}
            lacking = [lang for lang in TARGET_TASKS[task].languages if lang not in have] if task in TARGET_TASKS else []
            if lacking:
                missing.append(f"task {task}: no predictions for {', '.join(lacking)}")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return missing
