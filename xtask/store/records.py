"""A cell's records on disk, typed: what it is (``spec.json``), how it is doing (``status.json``)
and what it found (``results.json``). Each is a versioned dataclass written atomically; reading
one never raises on a damaged file: it comes back as :class:`Damaged`, naming the file and what
is wrong, so one bad record never stops a command that reads a thousand.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple, Type, TypeVar, Union

from xtask.atomic import write_json_atomic

SPEC_FILE = "spec.json"
STATUS_FILE = "status.json"
RESULTS_FILE = "results.json"
# On-disk layout version of the records (not of what a phase computes: see identity.PHASE_VERSIONS).
# 3: keys are functions of the cell's plan (xtask.plan.identity); ``xtask migrate`` re-keys a
# store of schema 2.
SCHEMA = 3


@dataclass(frozen=True)
class Damaged:
    """A record that exists but cannot be read: which file, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path.name} is damaged ({self.reason})"


@dataclass
class CellSpec:
    """What a cell is, written when it first starts and never changed: its identity."""

    key: str  # hash of the cell's explicit inputs (see xtask.store.identity)
    model: str
    inter: str
    setting: str  # inter plus its variant tags (e.g. sst2+mlm0.25): the report's row
    target: str
    seed: int
    versions: Dict[str, int]  # results version of each phase it runs (inter, target)
    inputs: Dict[str, Any]  # the explicit inputs the key hashes (fields at their default left out)
    inter_key: Optional[str] = None  # the phase-1 encoder's key (None for inter=none)
    inter_inputs: Optional[Dict[str, Any]] = None  # the inputs that key hashes
    # The key of this cell's inter=none twin (same model, target, data, phase-2 settings, seed):
    # the baseline a report subtracts, found in the store wherever it was run.
    baseline_key: Optional[str] = None
    # Grouping: cells that differ in nothing but the seed share it (reports average over them).
    group: str = ""
    config: Dict[str, Any] = field(default_factory=dict)  # the resolved config, for people
    # Nothing the cell computes depends on the seed (no training, no sampling: e.g. inter=none
    # Tatoeba on full test sets): the seeds of a grid are one computation (one folder), and
    # reports count it as one deterministic observation.
    seed_free: bool = False
    created: float = 0.0
    schema: int = SCHEMA


@dataclass
class Status:
    """How a cell is doing: written at each transition (running, interrupted, done, failed)."""

    state: str
    time: float
    attempts: int = 0
    host: Optional[str] = None
    pid: Optional[int] = None
    slurm_job: Optional[str] = None
    since: Optional[float] = None  # when this attempt started
    error: Optional[str] = None
    traceback: Optional[str] = None
    score: Optional[float] = None
    # For state failed: "input" (skipped by relaunches until the inputs change) or
    # "environment" (disk, network, node: a plain relaunch retries it); None in records written
    # before xtask told them apart (xtask.failures.kind_of_record reads their error text).
    failure: Optional[str] = None
    schema: int = SCHEMA


@dataclass
class LanguageScore:
    metrics: Dict[str, float]  # e.g. {"accuracy": 61.2} or {"exact_match": .., "f1": ..}
    score: float  # the language's share of the task score ((EM + F1) / 2 for QA)
    n: int


@dataclass
class TargetScores:
    """The target's evaluation: per-language metrics and the task score."""

    task: str
    split: str
    metric: str  # the headline metric (accuracy, f1)
    score_name: str  # what ``average`` is ("accuracy", "F1", "(EM + F1) / 2")
    languages: List[str]  # evaluated (predictions written for each)
    per_language: Dict[str, LanguageScore]  # only the labelled ones
    averages: Dict[str, float]  # each metric's mean over the labelled languages
    # The task score over the labelled languages; None when no language has labels (test
    # sets with hidden labels): predictions only.
    average: Optional[float]
    unlabelled: List[str] = field(default_factory=list)  # predictions only
    # Languages of the benchmark's list not evaluated, and why ("no dev split", "not requested").
    left_out: Dict[str, str] = field(default_factory=dict)
    # Languages scored on a random sample of their evaluation set (train.target.max_eval_examples),
    # with the full set's size (the sample's is per_language[lang].n).
    sampled: Dict[str, int] = field(default_factory=dict)
    extra: Dict[str, Any] = field(default_factory=dict)  # e.g. the retrieval layer

    @property
    def partial(self) -> bool:
        """Averaged over a subset of the benchmark's languages or of a language's examples: not
        comparable with published numbers."""
        return bool(self.left_out) or bool(self.unlabelled and self.per_language) or bool(self.sampled)


@dataclass
class Results:
    """What a finished cell found. Written last, atomically: its presence means complete."""

    key: str
    versions: Dict[str, int]
    scores: TargetScores
    phases: Dict[str, Any]  # per-phase training metrics (inter: from the cache entry)
    timings: Dict[str, float]
    environment: Dict[str, Any]  # library versions, git commit, host, SLURM job
    started_from: str  # the pretrained model or the phase-1 encoder folder
    schema: int = SCHEMA


Record = TypeVar("Record", CellSpec, Status, Results)


def write(folder: Path, record: Union[CellSpec, Status, Results]) -> None:
    name = {CellSpec: SPEC_FILE, Status: STATUS_FILE, Results: RESULTS_FILE}[type(record)]
    write_json_atomic(Path(folder) / name, _clean(dataclasses.asdict(record)))


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf as null (a wrong number is worse than none)."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _load(path: str) -> Union[None, Damaged, Dict[str, Any]]:
    """A record file's JSON object (``path`` a string: thousands are read per command, and a
    Path costs more than the read)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except OSError as err:
        return Damaged(Path(path), f"unreadable: {err.strerror or err}")
    try:
        data = json.loads(text)
    except ValueError as err:
        return Damaged(Path(path), f"not valid JSON: {err}" if text.strip() else "empty")
    if not isinstance(data, dict):
        return Damaged(Path(path), f"holds a JSON {type(data).__name__}, not an object")
    return data


@functools.lru_cache(maxsize=None)
def _fields(cls: type) -> Tuple[FrozenSet[str], Tuple[str, ...]]:
    """(every field, the required ones) of a record class."""
    fields = dataclasses.fields(cls)
    required = tuple(f.name for f in fields if f.default is dataclasses.MISSING
                     and f.default_factory is dataclasses.MISSING)  # type: ignore[misc]
    return frozenset(f.name for f in fields), required


def _typed(cls: Type[Record], data: Mapping[str, Any], path: str) -> Union[Record, Damaged]:
    names, required = _fields(cls)
    missing = [name for name in required if name not in data]
    if missing:
        return Damaged(Path(path), f"lacks {', '.join(missing)}")
    try:
        values = {k: v for k, v in data.items() if k in names}
        if cls is Results:
            scores = dict(values["scores"])
            scores["per_language"] = {lang: LanguageScore(**s) for lang, s in (scores.get("per_language") or {}).items()}
            values["scores"] = TargetScores(**scores)
        return cls(**values)
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        return Damaged(Path(path), f"unexpected content ({type(err).__name__}: {err})")


def read_spec(folder: Path) -> Union[None, Damaged, CellSpec]:
    path = os.path.join(folder, SPEC_FILE)
    data = _load(path)
    return data if data is None or isinstance(data, Damaged) else _typed(CellSpec, data, path)


def read_status(folder: Path) -> Union[None, Damaged, Status]:
    path = os.path.join(folder, STATUS_FILE)
    data = _load(path)
    if data is None or isinstance(data, Damaged):
        return data
    if not isinstance(data.get("state"), str):
        return Damaged(Path(path), "has no state")
    data.setdefault("time", 0.0)
    return _typed(Status, data, path)


def read_results(folder: Path) -> Union[None, Damaged, Results]:
    path = os.path.join(folder, RESULTS_FILE)
    data = _load(path)
    if data is None or isinstance(data, Damaged):
        return data
    if "scores" not in data and "target" in data:
        return Damaged(Path(path), "written by an older xtask (run `xtask migrate`)")
    return _typed(Results, data, path)
