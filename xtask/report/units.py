"""A finished cell's evaluation as resampling units: per language, one row per unit (example,
sentence, question, source sentence) with an additive numerator and denominator, such that the
language's score over any multiset of units is ``100 * sum(num) / sum(den)``.

Read from the cell's own ``predictions/`` and ``labels/`` files with the scorer's readers and
the metrics' per-unit terms (:mod:`xtask.scoring.metrics`), so a resample is scored by the same
rules as XTREME's ``evaluate.py``:

* accuracy (XNLI, PAWS-X, XCOPA, Tatoeba): an example (a Tatoeba query) is a unit, num = correct;
* span QA (XQuAD, MLQA, TyDiQA): a question, num = (EM + F1) / 2 with XTREME's normalisation;
* tagging (UD-POS, PAN-X): a sentence, num = 2 x correct entities, den = predicted + gold
  entities (seqeval's micro F1 of the resampled sentences);
* BUCC: a source sentence with its pairs, num = 2 x correct pairs, den = predicted + gold pairs
  (pair-set F1 of the resampled sources).

Nothing here reruns a model; a language without both files has no units (the report says so).
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

import numpy as np

from xtask.scoring import metrics
from xtask.scoring.files import ScoringError

log = logging.getLogger(__name__)

CACHE_VERSION = 1  # of the units' definition: a change to how units are made bumps it
POOL_FROM = 32  # uncached (cell, language) files from which load_many reads in several processes


@dataclass(frozen=True)
class Units:
    """One (cell, language): the per-unit terms, a digest of its labels file (equal digests =
    the same evaluation examples, so two cells can be compared example by example) and, when
    the predictions collapsed to one answer, why (see :func:`collapse`)."""

    num: np.ndarray
    den: np.ndarray
    labels_digest: str
    collapsed: Optional[str] = None

    @property
    def n(self) -> int:
        return int(self.num.size)

    def score(self) -> float:
        den = float(self.den.sum())
        return 100.0 * float(self.num.sum()) / den if den > 0 else 0.0


def files(folder: Path, target: str, lang: str) -> "tuple[Path, Path]":
    from xtask.tasks import TARGET_TASKS

    name = f"test-{lang}.{TARGET_TASKS[target].suffix}"
    return Path(folder) / "predictions" / target / name, Path(folder) / "labels" / target / name


def load(folder: Path, target: str, lang: str, cache: bool = True) -> Optional[Units]:
    """The units of one language of a cell; None when its predictions or labels are not on disk
    (an unlabelled split, a cell from W&B or an older xtask) or cannot be read (logged).

    ``cache``: keep them in the cell's ``stats/`` folder, valid while both files keep their
    size and modification time (reading a tagging language's files costs about a second per
    10,000 sentences; the cache, milliseconds). A store that cannot be written is just not cached."""
    prediction_file, label_file = files(folder, target, lang)
    if not (prediction_file.is_file() and label_file.is_file()):
        return None
    cached = cache_file(folder, target, lang)
    key = _cache_key(prediction_file, label_file)
    if cache:
        hit = _read_cache(cached, key)
        if hit is not None:
            return hit
    units = _read(folder, target, lang, prediction_file, label_file)
    if cache and units is not None:
        _write_cache(cached, key, units)
    return units


def cache_file(folder: Path, target: str, lang: str) -> Path:
    return Path(folder) / "stats" / target / f"units-{lang}.npz"


def _cache_key(*paths: Path) -> str:
    stats = [path.stat() for path in paths]
    return f"v{CACHE_VERSION}:" + ":".join(f"{s.st_size}-{s.st_mtime_ns}" for s in stats)


def _read_cache(path: Path, key: str) -> Optional[Units]:
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            return Units(data["num"], data["den"], str(data["labels_digest"]), str(data["collapsed"]) or None)
    except (OSError, KeyError, ValueError):
        return None


def _write_cache(path: Path, key: str, units: Units) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            np.savez(handle, key=key, num=units.num, den=units.den, labels_digest=units.labels_digest,
                     collapsed=units.collapsed or "")
        os.replace(tmp, path)
    except OSError as err:
        log.debug("not caching %s: %s", path, err)
        tmp.unlink(missing_ok=True)


def _read(folder: Path, target: str, lang: str, prediction_file: Path, label_file: Path) -> Optional[Units]:
    from xtask.scoring.xtreme import TASKS as SCORERS
    from xtask.tasks import TARGET_TASKS

    task, scorer = TARGET_TASKS[target], SCORERS[target]
    try:
        predictions = scorer.read_predictions(prediction_file)
        labels = scorer.read_labels(label_file)
        digest = hashlib.sha1(label_file.read_bytes()).hexdigest()[:16]
        if task.kind.value == "qa":
            _, exact, f1 = metrics.qa_per_question(labels, predictions, lang, task.qa_normalisation, task.unanswerable)
            num = (np.asarray(exact) + np.asarray(f1)) / 2
            den = np.ones_like(num)
        elif task.kind.value == "tagging":
            correct, guessed, gold = metrics.tagging_counts(labels, predictions, _gold_entities(digest, labels))
            num, den = 2.0 * correct, (guessed + gold).astype(float)
        elif task.retrieval == "mining":
            _, correct, guessed, gold = metrics.bucc_counts(labels, predictions)
            num, den = 2.0 * correct, (guessed + gold).astype(float)
        else:
            if len(labels) != len(predictions):
                raise ValueError(f"{len(predictions)} predictions for {len(labels)} labels")
            num = (np.asarray(labels, dtype=object) == np.asarray(predictions, dtype=object)).astype(float)
            den = np.ones_like(num)
    except (ScoringError, ValueError, OSError) as err:
        log.warning("%s %s: cannot read its predictions for the intervals: %s", Path(folder).name, lang, err)
        return None
    return Units(np.asarray(num, dtype=float), np.asarray(den, dtype=float), digest,
                 collapse(task.kind.value, task.retrieval, predictions))


_GOLD: Dict[str, object] = {}


def _gold_entities(digest: str, labels: object) -> object:
    """The label file's entities, kept for the next cell of the same (target, language): a
    report reads cell after cell of one language, which share one label file."""
    if digest not in _GOLD:
        _GOLD.clear()  # one file's worth (a PAN-X language's entities are tens of MB)
        _GOLD[digest] = metrics.tagging_entities(labels)  # type: ignore[arg-type]
    return _GOLD[digest]


def collapse(kind: str, retrieval: Optional[str], predictions: object) -> Optional[str]:
    """Why a language's predictions carry no information (one label for every example, one tag
    for every token, every answer empty, no pair mined), or None."""
    if kind == "qa":
        answers = list(predictions.values())  # type: ignore[union-attr]
        return "every answer is empty" if answers and not any(a.strip() for a in answers) else None
    if kind == "tagging":
        tags = {tag for sentence in predictions for tag in sentence}  # type: ignore[union-attr]
        return f"one tag ({next(iter(tags))}) for every token" if len(tags) == 1 else None
    if retrieval == "mining":
        return "no pair mined" if not any(line.strip() for line in predictions) else None  # type: ignore[union-attr]
    values = list(predictions)  # type: ignore[call-overload]
    distinct = set(values)
    return f"one prediction ({next(iter(distinct))}) for all {len(values)} examples" if len(values) > 1 and len(distinct) == 1 else None


def collapsed(folder: Path, target: str, lang: str) -> Optional[str]:
    """:func:`collapse` of one language's predictions, cheaply (for ``xtask status``): from the
    cell's cached units when valid, else from the predictions file alone (no metric)."""
    from xtask.scoring.xtreme import TASKS as SCORERS
    from xtask.tasks import TARGET_TASKS

    prediction_file, label_file = files(folder, target, lang)
    if not prediction_file.is_file():
        return None
    if label_file.is_file():
        hit = _read_cache(cache_file(folder, target, lang), _cache_key(prediction_file, label_file))
        if hit is not None:
            return hit.collapsed
    task = TARGET_TASKS[target]
    try:
        predictions = SCORERS[target].read_predictions(prediction_file)
    except (ScoringError, OSError):
        return None
    return collapse(task.kind.value, task.retrieval, predictions)


def load_many(wanted: "list[tuple[str, str, str]]", workers: Optional[int] = None) -> Dict["tuple[str, str]", Units]:
    """(folder, lang) -> units for each (folder, target, lang) wanted that has its files, read
    language by language (the cells of a language share a label file); the languages not yet
    cached are read by ``workers`` processes (default: the CPUs this process may use), as
    reading a tagging language costs about a second per 10,000 sentences."""
    groups: Dict["tuple[str, str]", "list[str]"] = {}
    for folder, target, lang in wanted:
        groups.setdefault((target, lang), []).append(folder)
    out: Dict["tuple[str, str]", Units] = {}
    cold = []
    for (target, lang), folders in sorted(groups.items()):
        missing = []
        for folder in folders:
            prediction_file, label_file = files(Path(folder), target, lang)
            if not (prediction_file.is_file() and label_file.is_file()):
                continue
            hit = _read_cache(cache_file(Path(folder), target, lang), _cache_key(prediction_file, label_file))
            if hit is not None:
                out[(folder, lang)] = hit
            else:
                missing.append(folder)
        if missing:
            cold.append((target, lang, missing))
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if len(cold) > 1 and workers > 1 and sum(len(folders) for _, _, folders in cold) >= POOL_FROM:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the report also runs at the end of a multirun, whose process holds
        # threads (W&B, tqdm) that a forked child would inherit mid-lock.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(cold)), mp_context=context) as pool:
            for found in pool.map(_load_language, cold):
                out.update(found)
    else:
        for job in cold:
            out.update(_load_language(job))
    return out


def _load_language(job: "tuple[str, str, list[str]]") -> Dict["tuple[str, str]", Units]:
    target, lang, folders = job
    found = {}
    for folder in folders:
        units = load(Path(folder), target, lang)
        if units is not None:
            found[(folder, lang)] = units
    return found


def load_cell(folder: Path, target: str, langs: "list[str]") -> Dict[str, Units]:
    """The units of each of ``langs`` that has both files."""
    out = {}
    for lang in langs:
        units = load(folder, target, lang)
        if units is not None:
            out[lang] = units
    return out
