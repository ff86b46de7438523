"""Before a cell trains anything: is every evaluation language's data there?

A language missing from the data folder (XTREME's download skipped one, a Hub config is
absent) would otherwise surface after phase 2 has trained, failing the cell and losing that
training. Each language is read first (and what was read is what the evaluation then uses);
the error lists every missing language at once and says how to go on without them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from xtask.data.sources import MissingDataError
from xtask.tasks.base import Task


def check_evaluation_data(task: Task, ctx, split: str, languages: List[str]) -> Dict[str, Any]:
    """Read ``split`` of every language of ``task``: language -> what ``task.read`` gave; one
    :class:`MissingDataError` for all that fail."""
    missing: List[Tuple[str, MissingDataError]] = []
    data: Dict[str, Any] = {}
    for lang in languages:
        try:
            data[lang] = task.read(ctx, split, lang)
        except MissingDataError as err:
            missing.append((lang, err))
    if not missing:
        return data
    present = [lang for lang in languages if lang not in dict(missing)]
    first = str(missing[0][1]).splitlines()
    lines = [
        f"target {task.name}: no {split} data for {len(missing)} of its {len(languages)} evaluation languages "
        f"({', '.join(lang for lang, _ in missing)}), found before any training.",
        f"First of them: {first[0]}",
        *first[1:],
    ]
    if present:
        lines.append(f"To evaluate only the languages that are there: target.languages=[{','.join(present)}]")
    raise MissingDataError("\n".join(lines))
