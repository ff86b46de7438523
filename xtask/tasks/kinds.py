"""What a kind of task owns, in one place: whether it trains, the phase settings only it reads,
its head, the layout of its prediction files, its per-language scorer and its chance level.

The planner, the scorer, the chance levels and the multi-task model ask a task's kind
(:func:`kind_of`) instead of branching on kinds or task names. How a kind is tokenised,
modelled and post-processed during training and prediction is its format
(:mod:`xtask.pipeline.formats`, keyed by the same name), which needs the heavy libraries that
planning and scoring do without.

Retrieval targets are two kinds: nearest-neighbour search (Tatoeba) and bitext mining (BUCC).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from xtask.scoring import metrics

Chance = Callable[[Any, Any, Any, Optional[str]], Optional[float]]
Score = Callable[[Any, Any, str], Dict[str, float]]  # (gold, predicted, language) -> {metric: percentage}


@dataclass(frozen=True)
class Kind:
    name: str
    trains: bool  # fine-tuned on English (phase 2), or an encoder scored directly (retrieval)
    submission: str  # file layout of its predictions and labels (xtask.scoring.files.write_labels)
    chance: Chance  # (task, gold, raw evaluation set, majority training tag) -> chance level
    # Phase settings only tasks of this kind read (others' plans leave them unset, unkeyed).
    hp_fields: Tuple[str, ...] = ()
    head: Optional[str] = None  # the transformers Auto class of its task head
    # Whether every gold item has exactly one prediction (QA's answers and BUCC's pairs do not).
    same_count: bool = True
    # The per-language scorer of a task of this kind (XTREME's metric; QA's normalisation is the task's).
    scorer: Callable[[Any], Score] = lambda task: _ignore_language(metrics.accuracy)

    @property
    def suffix(self) -> str:
        return {"squad": "json", "tag": "tsv", "jsonl": "jsonl", "label": "tsv"}[self.submission]


def _uniform_over_labels(task: Any, gold: Any, raw: Any, majority: Optional[str]) -> Optional[float]:
    return 100.0 / len(task.labels) if task.labels else None


def _uniform_over_choices(task: Any, gold: Any, raw: Any, majority: Optional[str]) -> Optional[float]:
    choices = len(raw["choices"][0]) if raw is not None and len(raw) else 0
    return 100.0 / choices if choices else None


def _majority_tag(task: Any, gold: Any, raw: Any, majority: Optional[str]) -> Optional[float]:
    """Always the most frequent English training tag, scored by the task's own scorer."""
    if majority is None:
        return None
    sentences: List[Sequence[str]] = list(gold)
    return metrics.tagging_f1(sentences, [[majority] * len(s) for s in sentences])["f1"]


def _uniform_over_candidates(task: Any, gold: Any, raw: Any, majority: Optional[str]) -> Optional[float]:
    return 100.0 / len(gold) if gold else None


def _nothing_by_chance(task: Any, gold: Any, raw: Any, majority: Optional[str]) -> Optional[float]:
    return 0.0  # no guess finds a span or a pair


def _ignore_language(metric: Callable[[Any, Any], Dict[str, float]]) -> Score:
    return lambda gold, predicted, lang: metric(gold, predicted)


def _qa_scorer(task: Any) -> Score:
    """SQuAD's EM/F1, or MLQA's language-aware normalisation where the task asks for it."""
    return metrics.mlqa_em_f1 if task.qa_normalisation == "mlqa" else _ignore_language(metrics.squad_em_f1)


KINDS: Dict[str, Kind] = {kind.name: kind for kind in (
    Kind("classification", True, "label", _uniform_over_labels, head="AutoModelForSequenceClassification"),
    Kind("multiple_choice", True, "jsonl", _uniform_over_choices, head="AutoModelForMultipleChoice"),
    Kind("tagging", True, "tag", _majority_tag, hp_fields=("tagging_piece",), head="AutoModelForTokenClassification",
         scorer=lambda task: _ignore_language(metrics.tagging_f1)),
    Kind("qa", True, "squad", _nothing_by_chance, head="AutoModelForQuestionAnswering", same_count=False,
         hp_fields=("doc_stride", "max_query_length", "max_answer_length", "n_best"), scorer=_qa_scorer),
    Kind("nearest", False, "label", _uniform_over_candidates),
    Kind("mining", False, "label", _nothing_by_chance, same_count=False,
         scorer=lambda task: _ignore_language(metrics.bucc_f1)),
)}


def kind_of(task: Any) -> Kind:
    """A task spec's kind (retrieval targets: their retrieval method)."""
    name = task.retrieval if task.retrieval else getattr(task.kind, "value", task.kind)
    return KINDS[name]


def trainable_kinds() -> List[str]:
    return [name for name, kind in KINDS.items() if kind.trains]


def most_frequent(tags: Any) -> Optional[str]:
    """The most frequent tag of a list of tag sequences (None when there is none)."""
    counts = Counter(tag for sequence in tags for tag in sequence)
    return counts.most_common(1)[0][0] if counts else None
