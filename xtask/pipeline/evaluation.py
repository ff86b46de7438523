"""Zero-shot evaluation of a phase-2 model on every language of its target task.

Writes predictions and gold labels in XTREME's submission layout (``TASK/test-LANG.tsv``; a dev
split's files are ``TASK/dev-LANG.tsv``, so they are never taken for test predictions), so the
scorer can rescore a finished cell, and returns per-language metrics and their average.
"""

from __future__ import annotations

import logging
import statistics
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from tqdm.auto import tqdm

from xtask.atomic import write_text_atomic
from xtask.pipeline.chance import chance
from xtask.pipeline.features import role as feature_role
from xtask.pipeline.formats import format_for
from xtask.pipeline.training import PhaseResult, cap_examples
from xtask.plan.cellplan import TrainPlan
from xtask.scoring.files import write_labels
from xtask.store.records import LanguageScore, TargetScores
from xtask.tasks.spec import TaskSpec as Task

log = logging.getLogger(__name__)


def evaluate_languages(
    result: PhaseResult,
    task: Task,
    data: Mapping[str, Any],
    split: str,
    hp: TrainPlan,
    seed: int,
    cell_dir: Path,
    majority: Optional[str] = None,
) -> TargetScores:
    """Predict and score ``split`` of each language in ``data`` (language -> its read data, as
    :func:`xtask.pipeline.preflight.read_cell_data` returns it). ``majority``: the English
    training set's most frequent tag (a tagging task's chance level)."""
    from transformers.trainer_callback import ProgressCallback

    fmt = format_for(task)
    # One progress bar over languages instead of one per language.
    result.trainer.remove_callback(ProgressCallback)
    per_language: Dict[str, Dict[str, float]] = {}
    sizes: Dict[str, int] = {}
    chances: Dict[str, Optional[float]] = {}
    sampled: Dict[str, int] = {}
    unlabelled: List[str] = []
    languages = list(data)
    for lang in tqdm(languages, desc=f"evaluating {task.name}", unit="lang"):
        raw = cap_examples(data[lang], hp.max_eval_examples, seed)
        if len(raw) < len(data[lang]):
            sampled[lang] = len(data[lang])
        with feature_role(f"{split} {lang}, for evaluation"):
            prediction = fmt.predict(result.trainer, task, raw, hp, lang)
        name = f"{split}-{lang}.{task.suffix}"  # XTREME's layout, named by the split it holds (test-LANG, dev-LANG)
        write_text_atomic(cell_dir / "predictions" / task.name / name, write_labels(task.submission, prediction.predicted))
        if prediction.scores is None:
            unlabelled.append(lang)
            log.info("%s %s %s has no gold labels: predictions only", task.name, split, lang)
            continue
        write_text_atomic(cell_dir / "labels" / task.name / name, write_labels(task.submission, prediction.gold))
        per_language[lang] = prediction.scores
        sizes[lang] = prediction.size
        chances[lang] = chance(task, prediction.gold, raw, majority)
        log.info("%s %s %s: %s=%.2f (n=%d)", task.name, split, lang, task.headline_metric,
                 prediction.scores[task.headline_metric], prediction.size)
    return summarize(task, split, languages, per_language, sizes, unlabelled, chances, sampled)


def summarize(
    task: Task,
    split: str,
    languages: List[str],
    per_language: Dict[str, Dict[str, float]],
    sizes: Dict[str, int],
    unlabelled: List[str],
    chances: Optional[Dict[str, Optional[float]]] = None,
    sampled: Optional[Dict[str, int]] = None,
) -> TargetScores:
    """The target's scores: per-language metrics, their means, the task score (XTREME's: the
    mean over languages of each language's score, (EM + F1) / 2 for QA); no task score when
    no language has labels. ``sampled``: language -> full size, for those scored on a sample
    (kept for the languages that have a score)."""
    metric_names = sorted({m for scores in per_language.values() for m in scores})
    known = [c for c in (chances or {}).values() if c is not None]
    extra = {"chance": dict(chances or {}),
             "chance_average": statistics.fmean(known) if known and len(known) == len(per_language) else None}
    return TargetScores(
        task=task.name, split=split, metric=task.headline_metric, score_name=task.score_name, languages=languages,
        per_language={lang: LanguageScore(dict(s), task.task_score(s), sizes[lang]) for lang, s in per_language.items()},
        averages={m: statistics.fmean(s[m] for s in per_language.values()) for m in metric_names},
        average=statistics.fmean(task.task_score(s) for s in per_language.values()) if per_language else None,
        unlabelled=unlabelled, extra=extra,
        sampled={lang: total for lang, total in (sampled or {}).items() if lang in per_language},
    )
