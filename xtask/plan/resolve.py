"""Composed config -> :class:`CellPlan`, once per cell, with every check and its clear error.

Everything a cell's phases will do is decided here: which tasks phase 1 trains on, the data each
phase reads (with its content identity), the effective hyper-parameters (the model's length
limit, the target kind's effective batch, evaluation only where a phase selects a checkpoint,
kind-specific settings only for their kind), the retrieval settings, the languages, and whether
the seed matters at all. Below this module nothing reads the config.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from xtask.config import PlainConfig, to_container
from xtask.data.digest import content_digest
from xtask.data.errors import MissingDataError
from xtask.data.identity import location
from xtask.data.sources import (BUNDLED_MINI_ROOT, DataContext, available_languages, evaluation_languages,
                                owner, remembered)
from xtask.models.sources import check_model_source
from xtask.plan.cellplan import (CellPlan, MLMPlan, ModelPlan, Phase1Plan, Phase2Plan, PrecisionPlan,
                                 RetrievalPlan, RunSettings, SamplerPlan, TinyPlan, TrainPlan, TranslatedPlan)
from xtask.plan.identity import phase1_digest
from xtask.errors import ConfigError
from xtask.plan.validate import validate
from xtask.tasks import (INTERMEDIATE_TASKS, MULTITASK, NO_INTERMEDIATE, TaskSpec, get_task, intermediate_task,
                         target_task)
from xtask.tasks.kinds import KINDS

# The sampler conf/inter/multitask.yaml sets: cells using it are the plain ``multitask`` row.
MULTITASK_DEFAULT_STRATEGY = "temperature"


def value(node: Any) -> Any:
    """An enum's value (configs hold enums or their strings)."""
    return getattr(node, "value", node)


def resolve(cfg: Any, check: bool = True) -> CellPlan:
    """The plan of the cell ``cfg`` describes; ``check`` runs :func:`validate` first (a
    :class:`xtask.errors.ConfigError` listing every bad value)."""
    if check:
        # The checks read these subtrees and the seed; a grid's cells share the subtrees.
        problem = _memo((cfg.train, cfg.inter, cfg.target, cfg.model), ("validation", int(cfg.seed) >= 0),
                        lambda: _problem_of(cfg))
        if problem is not None:
            raise problem
        # A model folder that does not exist, or a name that is no Hub id: refused before any cell exists.
        _memo((cfg.model,), ("model source",), lambda: check_model_source(cfg.model.pretrained, cfg.model.revision,
                                                                          cfg.model.build))
    ctx = DataContext.from_config(cfg.data)
    target = target_task(str(cfg.target.name))
    inter_name = str(cfg.inter.name)
    if inter_name not in (NO_INTERMEDIATE, MULTITASK):
        intermediate_task(inter_name)
    split = str(value(cfg.target.eval_split))
    requested = cfg.target.languages
    requested = list(requested) if requested is not None and not isinstance(requested, str) else requested
    languages, left_out = _memo((cfg.target, cfg.data), ("languages",),
                                lambda: evaluation_languages(target, requested, ctx, split))
    cache = str(cfg.paths.cache)
    model = _memo((cfg.model,), ("model plan", cache), lambda: model_plan(cfg.model, Path(cache)))
    precision = PrecisionPlan(bf16=bool(cfg.model.bf16), fp16=bool(cfg.train.fp16), tf32=bool(cfg.train.tf32))
    seed = int(cfg.seed)
    phase1 = None
    if inter_name != NO_INTERMEDIATE:  # shared by every target (and language choice) of a grid
        workers = int(cfg.train.dataloader_workers)
        phase1 = _memo((cfg.inter, cfg.train.inter, cfg.model, cfg.data), ("phase 1", cache, seed, workers, precision),
                       lambda: phase1_plan(cfg, ctx, model, precision, seed))
    phase2 = phase2_plan(cfg, ctx, target, tuple(languages), split, model, phase1, precision, seed)
    # A planning copy (PlainConfig) is read-only and shared: kept as it is, not copied per cell.
    config = cfg if isinstance(cfg, PlainConfig) else to_container(cfg)
    return CellPlan(
        model=model, inter=inter_name, setting=_memo((cfg.inter,), ("setting",), lambda: setting_label(cfg.inter)),
        target=target, languages=tuple(languages), left_out=dict(left_out), phase1=phase1, phase2=phase2, seed=seed,
        data=ctx, run=_memo((cfg.paths, cfg.logger, cfg.train), ("run", *_run_values(cfg)), lambda: run_settings(cfg)),
        config=config,
    )


def _problem_of(cfg: Any) -> Optional[Exception]:
    try:
        validate(cfg)
    except ConfigError as err:
        return err
    return None


def _memo(objects: Tuple[Any, ...], what: Tuple[Any, ...], compute: Any) -> Any:
    """``compute()``, once per (``what``, the read-only ``objects``) while planning a grid
    (:func:`xtask.data.sources.remembering_files`); every time for configs that may change."""
    if not all(isinstance(obj, PlainConfig) for obj in objects):
        return compute()
    return remembered((*what, *map(id, objects)), lambda: (objects, compute()))[1]


def _run_values(cfg: Any) -> Tuple[Any, ...]:
    """The root-level run settings (copied per cell by a planning copy, so not shared by id)."""
    return (str(cfg.sweep_name), bool(cfg.force), bool(cfg.retry_failed), bool(cfg.recompute_stale), str(value(cfg.on_busy)))


# --------------------------------------------------------------------------- model


def model_plan(model_cfg: Any, cache_root: Path) -> ModelPlan:
    from xtask.models import registry

    build = registry.build_of(model_cfg)
    tiny = TinyPlan(**{k: value(v) for k, v in to_container(model_cfg.tiny).items()}) if build == "tiny" else None
    return ModelPlan(
        identity=registry.identity(model_cfg, cache_root), name=str(model_cfg.name),
        pretrained=None if build else str(model_cfg.pretrained), revision=model_cfg.revision or None,
        build=build or None, tiny=tiny, max_positions=registry.max_positions(model_cfg, cache_root),
    )


# --------------------------------------------------------------------------- phase 1


def mixture_names(inter_cfg: Any, ctx: DataContext) -> List[str]:
    """The tasks phase 1 trains on: the named one, or the multitask list (default: the paper's
    mixture, every intermediate task of the paper — a ``paper_name`` — whose data the source has,
    judged without reading it; tasks xtask adds, such as ``udpos_en``, only when listed)."""
    if inter_cfg.name != MULTITASK:
        return [intermediate_task(str(inter_cfg.name)).name]
    if inter_cfg.tasks:
        return [intermediate_task(str(name)).name for name in inter_cfg.tasks]
    names = [task.name for task in INTERMEDIATE_TASKS.values() if task.paper_name and has_data(task, ctx)]
    if not names:
        raise MissingDataError("multitask: no intermediate task has training data under this data config")
    return names


def has_data(task: TaskSpec, ctx: DataContext) -> bool:
    """Whether the source has the task's English training set (files exist; the Hub has all
    tasks that have a Hub dataset), without reading it."""
    parts = [get_task(p) for p in task.parts] if task.parts else [owner(task, ctx, "train", "en")]
    for part in parts:
        try:
            if part.local_root is not None:
                ctx.local_file(part, "train", "en")
            elif ctx.source.value == "hub":
                if part.hub is None and part.name not in ctx.hub:
                    return False
            elif not available_languages(part, ctx, "train")[0]:
                return False
        except (MissingDataError, ValueError):
            return False
    return True


def translated_root(ctx: DataContext, translated_cfg: Any) -> Path:
    """The folder holding one sub-folder of translations per language."""
    if translated_cfg.root is not None:
        return Path(os.path.expanduser(str(translated_cfg.root))).resolve()
    if ctx.root is not None and ctx.root == BUNDLED_MINI_ROOT:
        return BUNDLED_MINI_ROOT / "translated"
    raise MissingDataError(
        "inter.translated.languages is set but inter.translated.root is not: point it at a folder "
        "with one sub-folder per language laid out like the English data (see docs/configuration.md)")


def mlm_corpus(mlm_cfg: Any) -> Path:
    return Path(os.path.expanduser(str(mlm_cfg.corpus))) if mlm_cfg.corpus else BUNDLED_MINI_ROOT / "corpus"


def phase1_plan(cfg: Any, ctx: DataContext, model: ModelPlan, precision: PrecisionPlan, seed: int) -> Phase1Plan:
    inter = cfg.inter
    names = tuple(mixture_names(inter, ctx))
    kinds = tuple(sorted({get_task(name).kind.value for name in names}))
    share = float(inter.mlm.share)
    mlm = None
    if share > 0:
        corpus = mlm_corpus(inter.mlm)
        mlm = MLMPlan(share=share, corpus_content=content_digest(corpus), max_lines=inter.mlm.max_lines,
                      corpus=str(corpus))
    translated = None
    if list(inter.translated.languages):
        root = translated_root(ctx, inter.translated)
        langs = tuple(str(lang) for lang in inter.translated.languages)
        translated = TranslatedPlan(languages=langs, include_english=bool(inter.translated.include_english),
                                    content={lang: content_digest(root / lang) for lang in langs}, root=str(root))
    mixture = len(names) > 1 or mlm is not None
    sampler = None
    if inter.name == MULTITASK or mixture:
        sampler = SamplerPlan(strategy=str(value(inter.sampler.strategy)), temperature=float(inter.sampler.temperature),
                              cap=inter.sampler.cap)
    reads: List[Tuple[str, str, Tuple[str, ...]]] = []
    for name in names:
        reads.append((name, "train", ("en",)))
        if not mixture:  # a mixture selects nothing: it never reads a dev set
            reads.append((name, "dev", ("en",)))
    has_selection = not mixture and all(get_task(n).has_selection_set for n in names)
    hp = train_plan(cfg.train.inter, kinds, model, mixture=mixture, has_selection=has_selection,
                    mlm_workers=int(cfg.train.dataloader_workers) if mlm is not None else 0,
                    loader_workers=int(cfg.train.dataloader_workers))
    return Phase1Plan(model=model, inter=str(inter.name), tasks=names, kinds=kinds, sampler=sampler, mlm=mlm,
                      translated=translated, data=data_identity(ctx, reads), hp=hp, precision=precision, seed=seed)


# --------------------------------------------------------------------------- phase 2


def phase2_plan(cfg: Any, ctx: DataContext, target: TaskSpec, languages: Tuple[str, ...], split: str,
                model: ModelPlan, phase1: Optional[Phase1Plan], precision: PrecisionPlan, seed: int) -> Phase2Plan:
    start: Mapping[str, Any] = ({"inter": phase1_digest(phase1)} if phase1 is not None
                                else {"pretrained": dict(model.identity)})
    hp_cfg = cfg.train.target
    max_length = int(cfg.target.max_length) if cfg.target.max_length is not None else int(hp_cfg.max_length)
    reads: List[Tuple[str, str, Tuple[str, ...]]] = [(target.name, split, languages)]
    hp = retrieval = None
    phase_seed: Optional[int] = seed
    if target.retrieval:
        if target.retrieval == "mining":
            reads.append((target.name, "dev", languages))  # the threshold is chosen on dev
        sampled = target.retrieval == "nearest" and hp_cfg.max_eval_examples is not None
        retrieval = RetrievalPlan(
            layer=int(cfg.model.retrieval_layer), prefix=str(cfg.model.retrieval_prefix),
            max_length=capped(max_length, model.max_positions),
            max_eval_examples=int(hp_cfg.max_eval_examples) if sampled else None,
            batch_size=int(hp_cfg.eval_batch_size))
        phase_seed = seed if sampled else None
    else:
        if "train" in target.splits:
            reads.append((owner(target, ctx, "train", "en").name, "train", ("en",)))
            if target.has_selection_set:
                selector = get_task(target.selection_task) if target.selection_task else target
                reads.append((selector.name, "dev", ("en",)))
        effective = (cfg.train.target_effective_batch or {}).get(target.kind.value)
        hp = _memo((cfg.train, cfg.target, cfg.model), ("phase 2 hp", target.name),  # one per (target, settings)
                   lambda: train_plan(hp_cfg, (target.kind.value,), model, mixture=False,
                                      has_selection=target.has_selection_set, evaluates_languages=True,
                                      max_length=max_length, effective_batch=effective,
                                      loader_workers=int(cfg.train.dataloader_workers)))
    return Phase2Plan(start=start, target=target.name, languages=languages, eval_split=split,
                      data=data_identity(ctx, reads), hp=hp, retrieval=retrieval, precision=precision, seed=phase_seed)


# --------------------------------------------------------------------------- shared parts


def capped(length: int, limit: Optional[int]) -> int:
    return min(length, limit) if limit else length


def train_plan(hp: Any, kinds: Tuple[str, ...], model: ModelPlan, *, mixture: bool, has_selection: bool,
               evaluates_languages: bool = False, max_length: Optional[int] = None, effective_batch: Optional[int] = None, mlm_workers: int = 0,
               loader_workers: int = 0) -> TrainPlan:
    """A phase's effective hyper-parameters (what :func:`xtask.pipeline.training.finetune` runs)."""
    requested = int(max_length if max_length is not None else hp.max_length)
    length = capped(requested, model.max_positions)
    selection = str(value(hp.selection))
    eval_strategy = str(value(hp.eval_strategy))
    if mixture or not has_selection:  # nothing to select on: the last step is kept, nothing evaluated
        selection, eval_strategy = "last", "no"
    batch, accum = int(hp.batch_size), int(hp.grad_accum)
    if effective_batch:
        batch = min(batch, int(effective_batch))
        accum = int(effective_batch) // batch
    # Settings only some kinds read (xtask.tasks.kinds.Kind.hp_fields): set for those, unset (unkeyed) elsewhere.
    own = {name: value(getattr(hp, name)) for kind in kinds for name in KINDS[kind].hp_fields}
    if "doc_stride" in own and length < requested:  # as fit_max_length does when the model is shorter than asked
        own["doc_stride"] = min(int(own["doc_stride"]), length // 4)
    return TrainPlan(
        lr=float(hp.lr), epochs=float(hp.epochs), max_steps=int(hp.max_steps), batch_size=batch, grad_accum=accum,
        max_length=length, warmup_ratio=float(hp.warmup_ratio), weight_decay=float(hp.weight_decay),
        eval_strategy=eval_strategy,
        eval_steps=int(hp.eval_steps) if eval_strategy == "steps" and hp.eval_steps is not None else None,
        selection=selection, max_train_examples=hp.max_train_examples,
        # Phase 2 samples each language's evaluation set with it; phase 1 only its selection set.
        max_eval_examples=hp.max_eval_examples if evaluates_languages or eval_strategy != "no" else None,
        report_eval_examples=None if evaluates_languages or eval_strategy != "no" else hp.max_eval_examples,
        freeze_embeddings=bool(hp.freeze_embeddings), group_by_length=bool(hp.group_by_length),
        mlm_loader_workers=mlm_workers or None,
        eval_batch_size=int(hp.eval_batch_size), logging_steps=int(hp.logging_steps), save_steps=hp.save_steps,
        checkpoint_minutes=_get(hp, "checkpoint_minutes"), gradient_checkpointing=bool(hp.gradient_checkpointing),
        fused_adamw=bool(hp.fused_adamw), compile=bool(hp.compile), loader_workers=loader_workers,
        pad_to_multiple_of=_get(hp, "pad_to_multiple_of"), length_buckets=_get(hp, "length_buckets"), **own)


def _get(node: Any, key: str) -> Any:
    return node.get(key) if hasattr(node, "get") else getattr(node, key, None)


def data_identity(ctx: DataContext, reads: List[Tuple[str, str, Tuple[str, ...]]]) -> Dict[str, Any]:
    """Where each (task, split, languages) a phase reads comes from, by content where it is local:
    editing one task's files re-keys only the phases that read that task."""
    key = ("data identity", id(ctx), tuple(reads))
    return remembered(key, lambda: (ctx, _data_identity(ctx, reads)))[1]


def _data_identity(ctx: DataContext, reads: List[Tuple[str, str, Tuple[str, ...]]]) -> Dict[str, Any]:
    merged: Dict[str, Tuple[str, str, Dict[str, None]]] = {}
    for task, split, languages in reads:  # e.g. dev read for evaluation and for selection: one entry
        merged.setdefault(f"{task}/{split}", (task, split, {}))[2].update(dict.fromkeys(languages))
    return {name: location(ctx, task, split, tuple(langs)) for name, (task, split, langs) in merged.items()}


def setting_label(inter_cfg: Any) -> str:
    """``inter`` plus ``+mlm0.25`` / ``+tt(de,zh)`` / ``+uniform`` / ``+3tasks`` for variants of its
    training: the report's row (variants never share a row with the plain task)."""
    block = inter_cfg if isinstance(inter_cfg, dict) else to_container(inter_cfg)
    name = str(block.get("name"))
    tags: List[str] = []
    share = float(((block.get("mlm") or {}).get("share")) or 0.0)
    if share > 0:
        tags.append(f"mlm{share:g}")
    translated = block.get("translated") or {}
    languages = list(translated.get("languages") or [])
    if languages:
        english = "" if translated.get("include_english", True) else ",no-en"
        tags.append(f"tt({','.join(languages)}{english})")
    if name == MULTITASK:
        strategy = str(value((block.get("sampler") or {}).get("strategy")) or MULTITASK_DEFAULT_STRATEGY).rsplit(".", 1)[-1]
        if strategy != MULTITASK_DEFAULT_STRATEGY:
            tags.append(strategy)
        if block.get("tasks"):
            tags.append(f"{len(block['tasks'])}tasks")
    return name + "".join(f"+{tag}" for tag in tags)


def run_settings(cfg: Any) -> RunSettings:
    paths = cfg.paths
    return RunSettings(
        outputs=Path(str(paths.outputs)), cache=Path(str(paths.cache)), cells=Path(str(paths.cells)),
        sweep_name=str(cfg.sweep_name), force=bool(cfg.force), retry_failed=bool(cfg.retry_failed),
        recompute_stale=bool(cfg.recompute_stale), on_busy=str(value(cfg.on_busy)),
        cpu_threads=cfg.train.cpu_threads, feature_cache=bool(cfg.train.feature_cache),
        loader_workers=int(cfg.train.dataloader_workers),
        logger=cfg.logger if isinstance(cfg.logger, PlainConfig) else to_container(cfg.logger),
    )


def describe(plan: CellPlan) -> str:
    """The plan as indented JSON (every field, result or not), for ``xtask plan --show``."""
    import dataclasses

    def plain(node: Any) -> Any:
        if dataclasses.is_dataclass(node) and not isinstance(node, type):
            return {f.name: plain(getattr(node, f.name)) for f in dataclasses.fields(node) if f.name != "config"}
        if isinstance(node, TaskSpec):
            return node.name
        if hasattr(node, "items"):
            return {str(k): plain(v) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [plain(v) for v in node]
        return node if isinstance(node, (str, int, float, bool, type(None))) else str(node)

    return json.dumps(plain(plan), indent=2, sort_keys=False)
