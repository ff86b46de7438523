"""Task formats: how a kind of task is tokenised, modelled, predicted and scored."""

from __future__ import annotations

from typing import Dict

from xtask.pipeline.formats.base import Prediction, TaskFormat
from xtask.pipeline.formats.classification import ClassificationFormat
from xtask.pipeline.formats.multiple_choice import MultipleChoiceFormat
from xtask.pipeline.formats.qa import QAFormat
from xtask.pipeline.formats.tagging import TaggingFormat
from xtask.tasks.spec import TaskKind, TaskSpec as Task

_FORMATS: Dict[TaskKind, TaskFormat] = {
    TaskKind.classification: ClassificationFormat(),
    TaskKind.tagging: TaggingFormat(),
    TaskKind.qa: QAFormat(),
    TaskKind.multiple_choice: MultipleChoiceFormat(),
}


def format_for(task: Task) -> TaskFormat:
    try:
        return _FORMATS[task.kind]
    except KeyError:
        raise NotImplementedError(f"task {task.name!r}: no trainable format for kind {task.kind.value!r}") from None


__all__ = ["Prediction", "TaskFormat", "format_for"]
