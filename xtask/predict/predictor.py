"""Every prediction a grid asks for: which signals each (intermediate setting, target, model,
seed) gets, their keys, and computing those the store does not hold yet.

* ``semb`` (tier 1, nothing trained): :mod:`xtask.predict.semb` on the pretrained encoder;
* ``logme_en`` (tier 2, after phase 1): LogME (:mod:`xtask.predict.logme`) of the phase-1
  encoder's features (:mod:`xtask.predict.features`) on a sample of the target's English
  training set (the pretrained model's for ``inter=none``);
* ``logme_zeroshot`` (tier 2): the same on the target's labelled dev sets in its other
  languages, averaged over them (each language's value is kept).

A phase-1 encoder missing from the shared cache is trained by the code path a cell uses
(:func:`xtask.pipeline.cell.intermediate_encoder`: the grid launched later reuses it), unless
``cached_only``. Retrieval targets have no phase 2: they are not predicted.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from xtask.predict import features as feats
from xtask.predict import logme, semb
from xtask.predict import store
from xtask.predict.store import Prediction

log = logging.getLogger(__name__)

TIERS: Dict[str, Tuple[str, ...]] = {
    "semb": ("semb",),
    "logme": ("logme_en", "logme_zeroshot"),
    "all": ("semb", "logme_en", "logme_zeroshot"),
}
DEFAULT_EXAMPLES = 1000
LAST_LAYER = -1


@dataclass(frozen=True)
class Job:
    """One prediction to find or compute."""

    signal: str
    key: str
    inputs: Dict[str, Any]
    cell: Any  # the grid's first PlannedCell of this (setting, target, model, seed)
    languages: Tuple[str, ...] = ()  # logme_zeroshot: the dev languages scored


@dataclass
class Outcome:
    """What :func:`predict` found: every prediction of the grid (stored or computed now), the
    retrieval targets it left out, the encoders it trained or could not find, and its time."""

    predictions: List[Prediction] = field(default_factory=list)
    computed: int = 0
    cached: int = 0
    jobs: List[Job] = field(default_factory=list)
    direct: List[str] = field(default_factory=list)  # retrieval targets: scored directly
    missing: List[str] = field(default_factory=list)  # encoder cache entries absent (cached_only)
    trained: Dict[str, float] = field(default_factory=dict)  # entry -> training seconds
    seconds: float = 0.0  # wall time of the predictions, training excluded


# --------------------------------------------------------------------------- what each cell needs


def zero_shot_languages(plan: Any) -> Tuple[str, ...]:
    """The target's languages other than English that have a dev split in the data (labelled
    target-language data to score on; the plan's languages, where the source has them)."""
    from xtask.data.sources import available_languages

    target = plan.target
    if "dev" not in target.splits:
        return ()
    have, _ = available_languages(target, plan.data, "dev")
    lacking = target.lacks_split.get(target.split_aliases.get("dev", "dev"), ())
    return tuple(lang for lang in plan.languages if lang != "en" and lang in have and lang not in lacking)


def _model_identity(plan: Any) -> Any:
    from xtask.plan.identity import result_values

    return {"pretrained": result_values(dict(plan.model.identity))}


def _data(plan: Any, reads: List[Tuple[str, str, Tuple[str, ...]]]) -> Dict[str, Any]:
    from xtask.plan.resolve import data_identity

    return data_identity(plan.data, reads)


def _target_inputs(plan: Any, split: str, languages: Tuple[str, ...]) -> Dict[str, Any]:
    from xtask.data.sources import owner
    from xtask.pipeline.formats import format_for

    target = plan.target.resolve(plan.data)
    reads = [(owner(target, plan.data, "train", "en").name, "train", ("en",))] if split == "train" else [
        (target.name, split, languages)]
    return {"task": target.name, "split": split, "languages": list(languages), "data": _data(plan, reads),
            "features": format_for(target).feature_params(plan.phase2.hp)}


def _inter_inputs(plan: Any) -> Dict[str, Any]:
    from xtask.pipeline.formats import format_for
    from xtask.pipeline.intermediate import phase1_tasks

    phase1 = plan.phase1
    tasks = phase1_tasks(phase1, plan.data)
    return {"tasks": list(phase1.tasks), "data": _data(plan, [(t.name, "train", ("en",)) for t in tasks]),
            "features": {t.name: format_for(t).feature_params(phase1.hp) for t in tasks}}


def jobs_for(cells: List[Any], signals: Tuple[str, ...], examples: int) -> Tuple[List[Job], List[str]]:
    """The predictions the grid's cells ask for (one per key), and the retrieval targets."""
    jobs: Dict[str, Job] = {}
    direct: Dict[str, None] = {}
    for cell in cells:
        plan = cell.plan
        if not feats.predictable(plan.target):
            direct[plan.target.name] = None
            continue
        encoder = {"inter": cell.planned.inter_key} if plan.phase1 is not None else _model_identity(plan)
        common = {"examples": examples, "seed": plan.seed, "layer": LAST_LAYER}
        wanted: List[Tuple[str, Dict[str, Any], Tuple[str, ...]]] = []
        if "semb" in signals and plan.phase1 is not None:
            wanted.append(("semb", {"encoder": _model_identity(plan), "inter": _inter_inputs(plan),
                                    "target": _target_inputs(plan, "train", ("en",)), **common}, ()))
        if "logme_en" in signals:
            wanted.append(("logme_en", {"encoder": encoder, "target": _target_inputs(plan, "train", ("en",)), **common}, ()))
        languages = zero_shot_languages(plan)
        if "logme_zeroshot" in signals and languages:
            wanted.append(("logme_zeroshot", {"encoder": encoder, "target": _target_inputs(plan, "dev", languages),
                                              **common}, languages))
        for signal, inputs, langs in wanted:
            key = store.key_of(signal, inputs)
            jobs.setdefault(key, Job(signal, key, inputs, cell, langs))
    return list(jobs.values()), list(direct)


def phase1_entries(cells: List[Any], signals: Tuple[str, ...]) -> Tuple[Dict[Any, str], int]:
    """The phase-1 cache entries the LogME signals need that are not cached yet (entry -> its
    model's config name, for pricing), and how many they need that are."""
    from xtask.store import encoders

    if not any(signal.startswith("logme") for signal in signals):
        return {}, 0
    wanted = {c.inter_entry: c.model for c in cells if c.inter_entry is not None and feats.predictable(c.plan.target)}
    needed = {entry: model for entry, model in wanted.items() if not encoders.is_complete(entry)}
    return needed, len(wanted) - len(needed)


# --------------------------------------------------------------------------- computing


class _Encoders:
    """Encoders loaded once each (the pretrained model, phase-1 encoders), and their samples'
    example vectors remembered for SEmb."""

    def __init__(self, cached_only: bool, outcome: Outcome) -> None:
        self.cached_only, self.outcome = cached_only, outcome
        self._loaded: Dict[str, Any] = {}
        self.vectors: Dict[str, np.ndarray] = {}

    def _load(self, path: str, plan: Any) -> Any:
        if path not in self._loaded:
            import torch

            from xtask.pipeline.retrieval import Encoder, retrieval_dtype

            self._loaded.clear()  # one model in memory at a time (jobs come grouped by encoder)
            batch = plan.phase2.hp.eval_batch_size if plan.phase2.hp is not None else 64
            self._loaded[path] = Encoder(path, LAST_LAYER, plan.phase2.hp.max_length, batch,
                                         dtype=retrieval_dtype(plan.phase2.precision, torch.cuda.is_available()))
        return self._loaded[path]

    def pretrained(self, plan: Any) -> Any:
        from xtask.models.registry import pretrained_path

        return self._load(pretrained_path(plan.model, plan.run.cache), plan)

    def phase1(self, cell: Any) -> Optional[Any]:
        """The cell's phase-1 encoder (trained now if absent, unless cached_only: then None)."""
        from xtask.store import encoders

        entry = cell.inter_entry
        if not encoders.is_complete(entry):
            if self.cached_only:
                if entry.name not in self.outcome.missing:
                    self.outcome.missing.append(entry.name)
                return None
            self._train(cell)
        return self._load(str(entry / "encoder"), cell.plan)

    def _train(self, cell: Any) -> None:
        from xtask.models.registry import pretrained_path
        from xtask.pipeline.cell import intermediate_encoder, torch_threads

        plan, started = cell.plan, time.time()
        log.info("phase 1 %s is not cached: training it as a cell would (the grid reuses it)", cell.inter_entry.name)
        with torch_threads(plan.run.cpu_threads):
            intermediate_encoder(plan, pretrained_path(plan.model, plan.run.cache), cell.inter_entry, {})
        self.outcome.trained[cell.inter_entry.name] = time.time() - started


def _sampled(task: Any, ctx: Any, split: str, lang: str, examples: int, seed: int) -> Any:
    from xtask.data.sources import read_split

    return feats.sample(read_split(task, ctx, split, lang), examples, seed)


def _vectors(encoders: _Encoders, task: Any, plan: Any, hp: Any, examples: int) -> Tuple[np.ndarray, int]:
    """The pretrained encoder's example vectors of a sample of ``task``'s English training set,
    remembered by what they are made of (XNLI's training set is MNLI's: embedded once)."""
    from xtask.data.sources import owner
    from xtask.pipeline.features import cache_dir
    from xtask.pipeline.formats import format_for
    from xtask.store.identity import digest

    source = owner(task, plan.data, "train", "en").name
    memo_key = digest([source, _data(plan, [(source, "train", ("en",))]), format_for(task).feature_params(hp),
                       _model_identity(plan), examples, plan.seed])
    if memo_key not in encoders.vectors:
        encoder = encoders.pretrained(plan)
        rows = _sampled(task, plan.data, "train", "en", examples, plan.seed)
        encoded, _ = feats.encode(task, rows, encoder.tokenizer, hp, cache_dir(plan.run), plan.seed)
        encoders.vectors[memo_key] = feats.example_vectors(encoder, encoded)
    vectors = encoders.vectors[memo_key]
    return vectors, len(vectors)


def _semb(job: Job, encoders: _Encoders, examples: int) -> Prediction:
    from xtask.data.sources import read_split
    from xtask.pipeline.intermediate import phase1_tasks

    plan = job.cell.plan
    target = plan.target.resolve(plan.data)
    target_vectors, read = _vectors(encoders, target, plan, plan.phase2.hp, examples)
    tasks = phase1_tasks(plan.phase1, plan.data)
    embeddings = []
    for task in tasks:
        vectors, count = _vectors(encoders, task, plan, plan.phase1.hp, examples)
        embeddings.append(semb.task_embedding(vectors))
        read += count
    if len(embeddings) == 1:
        inter = embeddings[0]
    else:  # a mixture: its tasks weighed by their training sets' sizes
        sizes = [len(read_split(task, plan.data, "train", "en")) for task in tasks]
        inter = semb.mixture_embedding(embeddings, sizes)
    score = semb.similarity(inter, semb.task_embedding(target_vectors))
    return _prediction(job, score, read, read, {})


def _labelled(encoder: Any, plan: Any, task: Any, split: str, lang: str, examples: int) -> feats.Labelled:
    from xtask.pipeline.features import cache_dir

    rows = _sampled(task, plan.data, split, lang, examples, plan.seed)
    encoded, classes = feats.encode(task, rows, encoder.tokenizer, plan.phase2.hp, cache_dir(plan.run), plan.seed)
    return feats.labelled(encoder, encoded, classes)


def _logme(job: Job, encoder: Any, examples: int) -> Prediction:
    plan = job.cell.plan
    target = plan.target.resolve(plan.data)
    splits = [("train", "en")] if job.signal == "logme_en" else [("dev", lang) for lang in job.languages]
    scores: Dict[str, float] = {}
    read = rows = 0
    notes: List[str] = []
    for split, lang in splits:
        data = _labelled(encoder, plan, target, split, lang, examples)
        scores[lang] = logme.logme(data.features, data.labels)
        read, rows = read + data.examples, rows + len(data.labels)
        if len(data.labels) <= data.features.shape[1]:
            notes.append(f"{split} {lang}: {len(data.labels)} feature rows for {data.features.shape[1]} dimensions "
                         "(LogME is unreliable there: raise --examples)")
    score = float(np.mean(list(scores.values())))
    return _prediction(job, score, read, rows, scores if job.signal == "logme_zeroshot" else {}, tuple(notes))


def _prediction(job: Job, score: float, read: int, rows: int, languages: Dict[str, float],
                notes: Tuple[str, ...] = ()) -> Prediction:
    plan = job.cell.plan
    return Prediction(signal=job.signal, key=job.key, target=plan.target.name, inter=plan.inter, setting=plan.setting,
                      model=plan.model.name, seed=plan.seed, score=score, examples=read, rows=rows, seconds=0.0,
                      languages=languages, inputs=job.inputs, version=store.VERSIONS[job.signal], notes=notes)


def predict(cells: List[Any], signals: Tuple[str, ...], examples: int = DEFAULT_EXAMPLES,
            cached_only: bool = False) -> Outcome:
    """Find or compute every prediction ``cells`` (the grid's :class:`xtask.ops.plan.PlannedCell`)
    ask for; store the computed ones."""
    outcome = Outcome()
    jobs, outcome.direct = jobs_for(cells, signals, examples)
    outcome.jobs = jobs
    todo: List[Job] = []
    for job in jobs:
        found = store.read(job.cell.plan.run.outputs, job.signal, job.key)
        if found is not None:
            outcome.predictions.append(found)
            outcome.cached += 1
        else:
            todo.append(job)
    # Grouped by the encoder each reads (SEmb reads the pretrained one): each model loads once.
    todo.sort(key=lambda j: json_key(j.inputs["encoder"]))
    if todo:
        from xtask.pipeline.cell import torch_threads

        with torch_threads(todo[0].cell.plan.run.cpu_threads):
            _compute(todo, _Encoders(cached_only, outcome), examples, outcome)
    return outcome


def _compute(todo: List[Job], encoders: _Encoders, examples: int, outcome: Outcome) -> None:
    import dataclasses

    for job in todo:
        started = time.time()
        trained_before = sum(outcome.trained.values())
        if job.signal == "semb":
            prediction = _semb(job, encoders, examples)
        else:
            encoder = encoders.phase1(job.cell) if job.cell.plan.phase1 is not None else encoders.pretrained(job.cell.plan)
            if encoder is None:
                continue
            prediction = _logme(job, encoder, examples)
        seconds = time.time() - started - (sum(outcome.trained.values()) - trained_before)
        prediction = dataclasses.replace(prediction, seconds=seconds)
        store.write(job.cell.plan.run.outputs, prediction)
        outcome.predictions.append(prediction)
        outcome.computed += 1
        outcome.seconds += seconds


def json_key(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)


__all__ = ["DEFAULT_EXAMPLES", "Job", "Outcome", "TIERS", "jobs_for", "predict", "zero_shot_languages"]
