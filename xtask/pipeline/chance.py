"""What a guess scores: each evaluation's chance level, in the task score's units, so a number
can be read against it (a zero-shot 36 on XNLI means little beside a chance of 33.3).

* classification and multiple choice: a uniform guess, 100 / number of labels (choices);
* tagging: always the most frequent tag of the English training set, scored by the task's own
  scorer (seqeval F1, as XTREME; it reads a run of one POS tag as one chunk, so this is low);
* retrieval (Tatoeba): a uniform guess among the candidates, 100 / candidates;
* extractive QA and BUCC mining: 0 (no guess finds a span or a pair by chance).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, List, Optional, Sequence

from xtask.tasks.spec import TaskKind, TaskSpec


def majority_tag(train: Any) -> Optional[str]:
    """The most frequent tag of a tagging training set (None for other data)."""
    if train is None or "tags" not in getattr(train, "column_names", ()):
        return None
    counts = Counter(tag for tags in train["tags"] for tag in tags)
    return counts.most_common(1)[0][0] if counts else None


def chance(task: TaskSpec, gold: Any, raw: Any = None, majority: Optional[str] = None) -> Optional[float]:
    """The chance level of one language's evaluation (None when it cannot be told)."""
    if task.kind == TaskKind.classification:
        return 100.0 / len(task.labels) if task.labels else None
    if task.kind == TaskKind.multiple_choice:
        choices = len(raw["choices"][0]) if raw is not None and len(raw) else 0
        return 100.0 / choices if choices else None
    if task.kind == TaskKind.tagging:
        if majority is None:
            return None
        from xtask.scoring.metrics import tagging_f1

        sentences: List[Sequence[str]] = list(gold)
        return tagging_f1(sentences, [[majority] * len(s) for s in sentences])["f1"]
    if task.retrieval == "nearest":
        return 100.0 / len(gold) if gold else None
    return 0.0
