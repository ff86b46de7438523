"""Zero-shot evaluation of a phase-2 model on every language of its target task.

Writes predictions and gold labels in XTREME's submission layout (``TASK/test-LANG.tsv``), so
the scorer can rescore a finished cell, and returns per-language metrics and their average.
"""

from __future__ import annotations

import logging
import statistics
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping

from tqdm.auto import tqdm

from xtask.atomic import write_text_atomic
from xtask.pipeline.formats import format_for
from xtask.tasks.base import Task
from xtask.pipeline.training import PhaseResult, cap_examples

log = logging.getLogger(__name__)


def evaluate_languages(
    result: PhaseResult,
    task: Task,
    data: Mapping[str, Any],
    split: str,
    hp: Any,
    seed: int,
    cell_dir: Path,
) -> Dict[str, Any]:
    """Predict and score ``split`` of each language in ``data`` (language -> its read data, as
    :func:`xtask.pipeline.preflight.check_evaluation_data` returns it)."""
    from transformers.trainer_callback import ProgressCallback

    fmt = format_for(task)
    metric = fmt.metric
    # One progress bar over languages instead of one per language.
    result.trainer.remove_callback(ProgressCallback)
    per_language: Dict[str, Dict[str, float]] = {}
    unlabelled: List[str] = []
    languages = list(data)
    for lang in tqdm(languages, desc=f"evaluating {task.name}", unit="lang"):
        raw = cap_examples(data[lang], hp.max_eval_examples, seed)
        prediction = fmt.predict(result.trainer, task, raw, hp, lang)
        name = f"test-{lang}.{fmt.file_suffix}"  # XTREME names every evaluation file test-LANG
        write_text_atomic(cell_dir / "predictions" / task.name / name, fmt.serialize(prediction.predicted))
        if prediction.scores is None:
            unlabelled.append(lang)
            log.warning("%s %s %s has no gold labels: predictions only", task.name, split, lang)
            continue
        write_text_atomic(cell_dir / "labels" / task.name / name, fmt.serialize(prediction.gold))
        per_language[lang] = {**prediction.scores, "n": prediction.size}
        log.info("%s %s %s: %s=%.2f (n=%d)", task.name, split, lang, metric, prediction.scores[metric], prediction.size)
    return summarize(task, split, metric, languages, per_language, unlabelled, fmt.task_score)


def summarize(
    task: Task,
    split: str,
    metric: str,
    languages: List[str],
    per_language: Dict[str, Dict[str, float]],
    unlabelled: List[str],
    task_score: Callable[[Dict[str, float]], float],
) -> Dict[str, Any]:
    """The ``target`` block of results.json: per-language scores, their means, the task score."""
    scored = list(per_language.values())
    metric_names = [k for k in (scored[0] if scored else {}) if k != "n"]
    return {
        "task": task.name,
        "split": split,
        "metric": metric,
        "languages": languages,
        "per_language": per_language,
        "averages": {m: statistics.fmean(s[m] for s in scored) for m in metric_names},
        # XTREME's task score: the metric's mean over languages ((EM + F1) / 2 for QA).
        "average": statistics.fmean(task_score(s) for s in scored) if scored else None,
        "unlabelled_languages": unlabelled,
    }
