"""Scoring of XTREME predictions with the numbers of XTREME's official ``evaluate.py``."""

from xtask.scoring.files import (
    ScoringError,
    read_jsonl_labels,
    read_label_file,
    read_qa_predictions,
    read_squad_file,
    read_tag_file,
)
from xtask.scoring.metrics import (
    MLQA_LANGUAGES,
    accuracy,
    bucc_f1,
    mlqa_em_f1,
    squad_em_f1,
    squad_v2_em_f1,
    tagging_f1,
)
from xtask.scoring.xtreme import (
    TASK_GROUPS,
    TASK_LANGUAGES,
    TASKS,
    TaskSpec,
    format_scores,
    score_folders,
    score_task,
)

__all__ = [
    "MLQA_LANGUAGES",
    "ScoringError",
    "TASKS",
    "TASK_GROUPS",
    "TASK_LANGUAGES",
    "TaskSpec",
    "accuracy",
    "bucc_f1",
    "format_scores",
    "mlqa_em_f1",
    "read_jsonl_labels",
    "read_label_file",
    "read_qa_predictions",
    "read_squad_file",
    "read_tag_file",
    "score_folders",
    "score_task",
    "squad_em_f1",
    "squad_v2_em_f1",
    "tagging_f1",
]
