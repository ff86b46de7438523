"""What a guess scores: each evaluation's chance level, in the task score's units, so a number
can be read against it (a zero-shot 36 on XNLI means little beside a chance of 33.3).

* classification and multiple choice: a uniform guess, 100 / number of labels (choices);
* tagging: always the most frequent tag of the English training set, scored by the task's own
  scorer (seqeval F1, as XTREME; it reads a run of one POS tag as one chunk, so this is low);
* retrieval (Tatoeba): a uniform guess among the candidates, 100 / candidates;
* extractive QA and BUCC mining: 0 (no guess finds a span or a pair by chance).
"""

from __future__ import annotations

from typing import Any, Optional

from xtask.tasks.kinds import kind_of, most_frequent
from xtask.tasks.spec import TaskSpec


def majority_tag(train: Any) -> Optional[str]:
    """The most frequent tag of a tagging training set (None for other data)."""
    if train is None or "tags" not in getattr(train, "column_names", ()):
        return None
    return most_frequent(train["tags"])


def chance(task: TaskSpec, gold: Any, raw: Any = None, majority: Optional[str] = None) -> Optional[float]:
    """The chance level of one language's evaluation (None when it cannot be told): its kind's rule."""
    return kind_of(task).chance(task, gold, raw, majority)
