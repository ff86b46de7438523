"""Scoring of a predictions folder against a labels folder like XTREME's ``evaluate.py``.

Both folders hold ``TASK/test-LANG.{tsv,json,jsonl}``. Each task is scored per language; its
``avg_<metric>`` is the mean over languages and its ``avg_metric`` the number XTREME ranks by.
Group scores need all tasks of the group, the benchmark score (``all_task``) all its tasks.
What a task is (languages, files, metric) comes from its spec (:mod:`xtask.tasks`); which tasks
make the score, from the benchmark (``xtreme``: the nine; ``xtreme_r``: the XTREME-R tasks
xtask supports, with xtask's language lists — XTREME's, for the tasks the two share).

Differences from XTREME, on purpose (each an error that names the file, where XTREME would
crash, assert or silently score 0):

* A task folder in one of the two folders but not the other, and a language with one of its
  two files, are errors unless ``partial`` (then they are skipped and listed).
* A language with neither file is skipped, listed in ``detailed[task]["missing_languages"]``
  and the task marked ``"partial": True``; its averages are then over the languages present, so
  NOT comparable with XTREME's numbers. With nothing missing the numbers equal XTREME's.
* A label outside the task's label set (``entail`` for ``entailment``), in either file, is an
  error naming the file, the line and the valid labels.
* Example counts that differ, tagged sentences of different lengths and malformed files raise
  :class:`ScoringError` naming the file(s). Files of languages outside a task's list are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from xtask.scoring.files import (
    ScoringError,
    read_jsonl_labels,
    read_label_file,
    read_qa_predictions,
    read_squad_file,
    read_tag_file,
)
from xtask.scoring.metrics import Scores
from xtask.tasks import TARGET_TASKS
from xtask.tasks.kinds import kind_of
from xtask.tasks.benchmarks import BENCHMARKS, DEFAULT_BENCHMARK

Metric = Callable[[Any, Any, str], Scores]


@dataclass(frozen=True)
class TaskSpec:
    """How one task's files are read and scored (derived from its xtask spec)."""

    name: str
    group: str
    languages: Tuple[str, ...]
    suffix: str
    read_labels: Callable[[Path], Any]
    read_predictions: Callable[[Path], Any]
    metric: Metric  # (labels, predictions, lang) -> {metric: percentage}
    same_count: bool  # predictions and labels must pair up one to one (not QA, not BUCC's pair sets)
    label_set: Optional[Tuple[str, ...]] = None  # valid labels / tags, when the task has a fixed set

    def headline(self, averages: Mapping[str, float]) -> float:
        """XTREME's ``avg_metric``: mean of EM and F1 for QA, else F1 where there is one, else accuracy."""
        if self.group == "qa":
            return (averages["avg_exact_match"] + averages["avg_f1"]) / 2
        if "avg_f1" in averages:
            return averages["avg_f1"]
        return averages["avg_accuracy"]


# The prediction and label readers of each submission layout (xtask.tasks.kinds.Kind.submission).
READERS: Mapping[str, Tuple[Callable[..., Any], Callable[..., Any]]] = {
    "squad": (read_squad_file, read_qa_predictions),
    "tag": (read_tag_file, read_tag_file),
    "jsonl": (read_jsonl_labels, read_jsonl_labels),
    "label": (read_label_file, read_label_file),
}


def score_spec(name: str) -> TaskSpec:
    """The scorer's view of a registered target task: its kind's files and scorer."""
    spec = TARGET_TASKS[name]
    kind = kind_of(spec)
    read_labels, read_predictions = READERS[kind.submission]
    # A closed label set is checked where predictions are labels (classification) or tags.
    label_set = tuple(spec.labels) if kind.name in ("classification", "tagging") and spec.labels else None
    return TaskSpec(name, spec.group or spec.kind.value, tuple(spec.languages), kind.suffix, read_labels,
                    read_predictions, kind.scorer(spec), same_count=kind.same_count, label_set=label_set)


TASKS: Mapping[str, TaskSpec] = {name: score_spec(name) for name in TARGET_TASKS}


def task_groups(benchmark: str = DEFAULT_BENCHMARK) -> Dict[str, Tuple[str, ...]]:
    """The benchmark's groups (its tasks' XTREME group), in its order."""
    groups: Dict[str, List[str]] = {}
    for task in BENCHMARKS[benchmark]:
        groups.setdefault(TASKS[task].group, []).append(task)
    return {group: tuple(tasks) for group, tasks in groups.items()}


TASK_GROUPS: Mapping[str, Tuple[str, ...]] = task_groups()
TASK_LANGUAGES: Mapping[str, Tuple[str, ...]] = {task: TASKS[task].languages for task in BENCHMARKS[DEFAULT_BENCHMARK]}


def _size(examples: Any) -> str:
    return f"{len(examples)} {'sentences' if examples and isinstance(examples[0], list) else 'examples'}"


def check_labels(spec: TaskSpec, path: Path) -> None:
    """Every label (tag) of ``path`` is one of the task's; else an error naming file, line and the
    valid labels (a misspelt label would otherwise just count as wrong)."""
    if spec.label_set is None:
        return
    valid = set(spec.label_set)
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            value = line.strip()
            if (value or spec.group != "tagging") and value not in valid:
                raise ScoringError(f"{path}:{number}: unknown {spec.name} label {value!r}; valid labels: "
                                   f"{', '.join(spec.label_set)}")


def score_language(spec: TaskSpec, prediction_file: Path, label_file: Path, lang: str) -> Scores:
    """Metrics of one prediction file against its label file."""
    predictions = spec.read_predictions(prediction_file)
    labels = spec.read_labels(label_file)
    for path in (label_file, prediction_file):
        check_labels(spec, path)
    if spec.same_count and len(predictions) != len(labels):
        raise ScoringError(
            f"{prediction_file} has {_size(predictions)} but {label_file} has {_size(labels)}; "
            "write one prediction per labelled example, in the same order"
        )
    if spec.group == "tagging":
        for index, (guess, gold) in enumerate(zip(predictions, labels)):
            if len(guess) != len(gold):
                raise ScoringError(
                    f"{prediction_file}: sentence {index + 1} (counting from 1) has {len(guess)} tags "
                    f"but {len(gold)} in {label_file}; write one tag per token"
                )
    try:
        return spec.metric(labels, predictions, lang)
    except ValueError as err:
        raise ScoringError(f"cannot score {prediction_file} against {label_file}: {err}") from err


def score_task(task: str, predictions_dir: Path, labels_dir: Path, partial: bool = False) -> Dict[str, Any]:
    """``{metric: {lang: value}}``, ``avg_<metric>``, ``avg_metric``, ``partial``, ``missing_languages``.

    ``predictions_dir`` and ``labels_dir`` are the task's own folders. A language with one of its
    two files is an error, unless ``partial`` (then it is skipped as missing)."""
    spec = TASKS[task]
    per_metric: Dict[str, Dict[str, float]] = {}
    missing: List[str] = []
    split = split_of_folder(Path(predictions_dir), Path(labels_dir), spec.suffix)
    for lang in spec.languages:
        name = f"{split}-{lang}.{spec.suffix}"
        prediction_file, label_file = Path(predictions_dir) / name, Path(labels_dir) / name
        has_prediction, has_label = prediction_file.exists(), label_file.exists()
        if not (has_prediction and has_label):
            if has_prediction != has_label and not partial:
                if not has_label:
                    raise ScoringError(f"no label file {label_file} for prediction file {prediction_file}; add it, "
                                       "remove the prediction, or pass --partial to skip it")
                raise ScoringError(f"no prediction file {prediction_file} for label file {label_file}; predict "
                                   f"{task}/{lang}, remove its labels, or pass --partial to skip it")
            missing.append(lang)
            continue
        for metric, value in score_language(spec, prediction_file, label_file, lang).items():
            per_metric.setdefault(metric, {})[lang] = value
    if not per_metric:
        raise ScoringError(
            f"task folders {predictions_dir} and {labels_dir} hold no pair of {split}-LANG.{spec.suffix} files "
            f"for any {task} language ({', '.join(spec.languages)})"
        )
    result: Dict[str, Any] = dict(per_metric)
    averages = {f"avg_{metric}": sum(values.values()) / len(values) for metric, values in per_metric.items()}
    result.update(averages)
    result["avg_metric"] = spec.headline(averages)
    result["partial"] = bool(missing)
    result["missing_languages"] = missing
    return result


SPLITS = ("test", "dev")  # file prefixes: XTREME's test-LANG, and dev-LANG for a cell evaluated on dev


def split_of_folder(predictions_dir: Path, labels_dir: Path, suffix: str) -> str:
    """The split a task folder's files are named by: ``test`` (XTREME's submission layout) unless
    the folders hold only ``dev-LANG`` files (a cell evaluated on its dev split)."""
    for split in SPLITS:
        if any(next(Path(folder).glob(f"{split}-*.{suffix}"), None) is not None for folder in (predictions_dir, labels_dir)):
            return split
    return "test"


def _task_folders(root: Path, role: str, names: Sequence[str]) -> List[str]:
    if not root.is_dir():
        raise ScoringError(f"{role} folder {root} does not exist or is not a folder")
    return [task for task in names if (root / task).is_dir()]


def unknown_entries(root: Path, benchmark: str) -> List[str]:
    """What a predictions or labels folder holds that scoring would pass over without a word: a
    folder that names no task (a typo: ``xnil``), and in each task folder a file that is not
    ``test-LANG.SUFFIX`` of one of the task's languages. Each with what was expected."""
    import difflib

    out = []
    members = BENCHMARKS[benchmark]
    for entry in sorted(Path(root).iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            out.append(f"{entry}: a file where task folders are expected ({', '.join(members)})")
            continue
        if entry.name not in TASKS:
            close = difflib.get_close_matches(entry.name, list(TASKS), n=1)
            out.append(f"{entry}: no task {entry.name!r}{f' (did you mean {close[0]}?)' if close else ''}; "
                       f"the tasks of {benchmark}: {', '.join(members)}")
            continue
        if entry.name not in members:
            continue  # another benchmark's task: score_folders says so
        spec = TASKS[entry.name]
        expected = {f"{split}-{lang}.{spec.suffix}" for lang in spec.languages for split in SPLITS}
        for file in sorted(entry.iterdir()):
            if file.name not in expected and not file.name.startswith("."):
                out.append(f"{file}: not a {entry.name} file (expected test-LANG.{spec.suffix} or dev-LANG.{spec.suffix}, "
                           f"LANG one of {', '.join(spec.languages)})")
    return out


def score_folders(predictions_dir: Path, labels_dir: Path, benchmark: str = DEFAULT_BENCHMARK,
                  partial: bool = False, ignore_unknown: bool = False) -> Tuple[Dict[str, float], Dict[str, Dict[str, Any]]]:
    """Score the benchmark's task folders: ``(overall, detailed)`` as XTREME's ``evaluate``.

    A task folder in only one of the two folders is an error unless ``partial`` (then it is
    left out); a folder or file that would not be scored (a misspelt task or file name, see
    :func:`unknown_entries`) is an error unless ``ignore_unknown``. ``overall`` has ``all_task`` (the benchmark score) when all its tasks are
    scored, and a score per group whose tasks are all scored; it includes partial tasks, which
    ``detailed[task]["partial"]`` marks.
    """
    predictions_dir, labels_dir = Path(predictions_dir), Path(labels_dir)
    members = BENCHMARKS[benchmark]
    predicted = _task_folders(predictions_dir, "predictions", members)
    labelled = _task_folders(labels_dir, "labels", members)
    unpaired = [t for t in members if (t in predicted) != (t in labelled)]
    if unpaired and not partial:
        lines = [f"{t}: {'predictions' if t in predicted else 'labels'} only "
                 f"({(predictions_dir if t in predicted else labels_dir) / t})" for t in unpaired]
        raise ScoringError("task folder(s) without their counterpart: " + "; ".join(lines)
                           + ". Add the missing folder, or pass --partial to score the tasks that have both")
    shared = [task for task in predicted if task in labelled]
    if not shared:
        raise ScoringError(
            f"{predictions_dir} (tasks: {', '.join(predicted) or 'none'}) and {labels_dir} "
            f"(tasks: {', '.join(labelled) or 'none'}) share no task folder of benchmark {benchmark}; "
            f"expected some of {', '.join(members)}"
        )
    unknown = [] if ignore_unknown else unknown_entries(predictions_dir, benchmark) + unknown_entries(labels_dir, benchmark)
    if unknown:
        raise ScoringError(f"{len(unknown)} unknown entr{'y' if len(unknown) == 1 else 'ies'}, which would not be "
                           "scored: " + "; ".join(unknown) + ". Rename or remove them, or pass --ignore-unknown")
    detailed = {task: score_task(task, predictions_dir / task, labels_dir / task, partial) for task in shared}

    overall: Dict[str, float] = {}
    if len(detailed) == len(members):
        overall["all_task"] = sum(detailed[task]["avg_metric"] for task in members) / len(members)
    for group, tasks in task_groups(benchmark).items():
        if all(task in detailed for task in tasks):
            overall[group] = sum(detailed[task]["avg_metric"] for task in tasks) / len(tasks)
    return overall, detailed


# --------------------------------------------------------------------------- printing


def is_partial(name: str, detailed: Mapping[str, Mapping[str, Any]], benchmark: str = DEFAULT_BENCHMARK) -> bool:
    """Whether a task, a group or ``all_task`` rests on a partial task."""
    members = task_groups(benchmark).get(name, tuple(BENCHMARKS[benchmark]) if name == "all_task" else (name,))
    return any(detailed[task]["partial"] for task in members if task in detailed)


def format_task(task: str, scores: Mapping[str, Any]) -> str:
    """One task as a table: a row per language, a column per metric, then the averages."""
    metrics = [key for key, value in scores.items() if isinstance(value, dict)]
    langs = [lang for lang in TASKS[task].languages if lang in scores[metrics[0]]]
    title = task
    if scores["partial"]:
        missing = scores["missing_languages"]
        title += f"  (partial: {len(missing)} of {len(TASKS[task].languages)} languages missing: {', '.join(missing)})"
    width = max(len(m) for m in metrics) + 2
    lines = [title, "  lang" + "".join(f"{m:>{width}}" for m in metrics)]
    for lang in langs:
        lines.append(f"  {lang:<4}" + "".join(f"{scores[m][lang]:>{width}.2f}" for m in metrics))
    lines.append("  avg " + "".join(f"{scores['avg_' + m]:>{width}.2f}" for m in metrics))
    lines.append(f"  metric: {scores['avg_metric']:.2f}")
    return "\n".join(lines)


def format_scores(overall: Mapping[str, float], detailed: Mapping[str, Mapping[str, Any]],
                  benchmark: str = DEFAULT_BENCHMARK) -> str:
    """The readable report of ``score_folders``: each task, then groups, then the benchmark score."""
    blocks = [format_task(task, scores) for task, scores in detailed.items()]
    groups = [g for g in task_groups(benchmark) if g in overall]
    if groups:
        rows = [f"  {g:<15}{overall[g]:>7.2f}{'  (partial)' if is_partial(g, detailed, benchmark) else ''}" for g in groups]
        blocks.append("groups\n" + "\n".join(rows))
    name = benchmark.upper().replace("_", "-")
    if "all_task" in overall:
        note = f"  (partial: not comparable with {name})" if is_partial("all_task", detailed, benchmark) else ""
        blocks.append(f"{name} score: {overall['all_task']:.2f}{note}")
    return "\n\n".join(blocks)
