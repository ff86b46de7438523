"""What a task is, in one place: :class:`TaskSpec`.

A spec owns everything xtask knows about one task: its kind (how it is modelled), languages,
labels, the task whose English training set trains it, its metric and scoring rule, its display
names and benchmark group, and where its data lives on each source (files in the bundled mini
copy / XTREME's download layout, the Hub dataset and how to turn its rows into the canonical
columns). Reading, scoring, reports, retrieval, plan and the mini data all derive from specs;
nothing else lists tasks (a *benchmark* is an explicit list of task names, see
:mod:`xtask.tasks.benchmarks`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Dict, FrozenSet, Mapping, Optional, Tuple, Union

from xtask.tasks.kinds import kind_of


class TaskKind(str, Enum):
    classification = "classification"
    tagging = "tagging"
    qa = "qa"
    multiple_choice = "multiple_choice"
    retrieval = "retrieval"


class Role(str, Enum):
    """What a task is for: a target of phase 2, an intermediate task of phase 1, or only a
    dataset other tasks read (MNLI trains XNLI; ANLI rounds are parts of ANLI+)."""

    target = "target"
    inter = "inter"
    data = "data"


@dataclass(frozen=True)
class Local:
    """One split's file in a local layout: a path under ``data.root`` (``{lang}``, ``{iso3}``,
    ``{split}`` are filled in) and its format (:mod:`xtask.data.parsers`)."""

    path: str
    parser: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hub:
    """Where a task lives on the Hugging Face Hub. ``config``: the dataset config, ``{lang}``
    replaced by ``lang_names.get(lang, lang)``; ``splits``: our split -> the Hub's;
    ``convert(raw, read) -> (rows, labelled)`` (or a Bitext) turns its columns into ours;
    ``refuse``: why this source cannot serve the task (the read fails with that message)."""

    path: str
    config: Optional[str] = None
    splits: Mapping[str, str] = field(default_factory=dict)
    lang_names: Mapping[str, str] = field(default_factory=dict)
    convert: Optional[Callable[..., Any]] = field(default=None, repr=False, compare=False)
    revision: Optional[str] = None
    # A folder of the repo holding the split's parquet files (the Hub's automatic parquet
    # conversion, revision refs/convert/parquet, keeps one folder per config, e.g. "default").
    data_dir: Optional[str] = None
    refuse: Optional[str] = None


Layout = Mapping[str, Union[Local, Tuple[Local, ...]]]  # split -> file (or alternatives, first found)

# The task score of each metric, as XTREME computes it from a language's metrics.
SCORE_NAMES = {"accuracy": "accuracy", "f1": "F1", "em_f1": "(EM + F1) / 2"}


@dataclass(frozen=True)
class TaskSpec:
    name: str
    kind: TaskKind
    description: str
    roles: FrozenSet[Role]
    # Name in tables and figures (XTREME's), and in the paper's LaTeX tables; other spellings
    # a reference table may use (e.g. "POS", "WikiANN").
    display: str = ""
    paper_name: str = ""
    aliases: Tuple[str, ...] = ()
    # XTREME's test languages (English-only for intermediate tasks), in XTREME's order.
    languages: Tuple[str, ...] = ("en",)
    labels: Tuple[str, ...] = ()
    label_aliases: Mapping[str, str] = field(default_factory=dict)
    # Label sets that come from the data (CCG supertags): labels_from(ctx) -> labels.
    labels_from: Optional[Callable[[Any], Tuple[str, ...]]] = field(default=None, repr=False, compare=False)
    # Task whose English training split trains this one (xnli -> mnli); None = its own.
    train_task: Optional[str] = None
    # Task whose English dev split selects checkpoints (xquad -> squad); None = its own.
    selection_task: Optional[str] = None
    # False when there is no labelled English set apart from the evaluation data (TyDiQA-GoldP).
    has_selection_set: bool = True
    splits: Tuple[str, ...] = ("train", "dev", "test")
    # Splits that read another one (XQuAD has one evaluation set: dev and test both read it).
    split_aliases: Mapping[str, str] = field(default_factory=dict)
    # Languages a split does not exist for in the benchmark's release (UDPOS: no dev for kk th tl yo).
    lacks_split: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)
    # Files in the bundled mini copy's layout (XTREME's download layout for the targets, each
    # dataset's own release layout for the English tasks); ``xtreme_dir`` where XTREME's
    # download puts the data elsewhere (MNLI = xnli/train-en.tsv).
    local: Layout = field(default_factory=dict)
    xtreme_dir: Optional[Layout] = None
    hub: Optional[Hub] = None
    # A union of other tasks' data (ANLI+ = ANLI R1-R3 + SNLI + MNLI).
    parts: Tuple[str, ...] = ()
    # Scoring: accuracy | f1 (seqeval for tagging, pair-set F1 for BUCC) | em_f1 (QA).
    metric: str = "accuracy"
    qa_normalisation: str = "squad"  # squad | mlqa
    unanswerable: bool = False  # SQuAD 2.0: questions without answers mean "no answer"
    retrieval: Optional[str] = None  # nearest (Tatoeba) | mining (BUCC)
    # XTREME's task group (classification, structured prediction, question answering, retrieval).
    group: Optional[str] = None
    # Where the task's rows and columns go in tables: the paper's order (smaller first).
    order: int = 100
    # Files under another folder than data.root, whatever the source (CCGbank is licensed and
    # read from the local copy data.ccgbank names): local_root(ctx) -> that folder.
    local_root: Optional[Callable[[Any], Any]] = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ derived

    @property
    def num_labels(self) -> int:
        return len(self.labels)

    @property
    def label2id(self) -> Dict[str, int]:
        return {label: i for i, label in enumerate(self.labels)}

    @property
    def is_target(self) -> bool:
        return Role.target in self.roles

    @property
    def score_name(self) -> str:
        """What the task score is, in words (for logs and tables)."""
        return SCORE_NAMES[self.metric]

    @property
    def headline_metric(self) -> str:
        """The per-language metric the task score is made of (``f1`` for QA, beside EM)."""
        return "f1" if self.metric in ("f1", "em_f1") else "accuracy"

    @property
    def submission(self) -> str:
        """Its prediction/label files in XTREME's submission layout (its kind's)."""
        return kind_of(self).submission

    @property
    def suffix(self) -> str:
        """Extension of its prediction/label files in XTREME's submission layout."""
        return kind_of(self).suffix

    def task_score(self, scores: Mapping[str, float]) -> float:
        """One language's contribution to the task score (XTREME's ``avg_metric``)."""
        if self.metric == "em_f1":
            return (float(scores["exact_match"]) + float(scores["f1"])) / 2
        return float(scores[self.headline_metric])

    def resolve(self, ctx: Any) -> "TaskSpec":
        """This task with its label set filled in from the data when it depends on it."""
        if self.labels_from is None:
            return self
        return dataclasses.replace(self, labels=tuple(self.labels_from(ctx)), labels_from=None)
