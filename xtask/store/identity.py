"""Identities: what a phase's result depends on, hashed into its key.

Each phase's key hashes **its own explicit inputs** and nothing else (after Tango's steps:
``VERSION`` + the arguments that are not at their default; after Dora's signatures):

* phase 1 (an intermediate encoder): the pretrained model (its Hub id, or the content of a local
  model's weights), the intermediate task(s) and their variant settings, the data they read
  (only those tasks' locations), the phase-1 hyper-parameters, the seed;
* phase 2 (a cell): the phase-1 key (or the pretrained model for ``inter=none``), the target
  task, its languages and split, the data it reads (its evaluation set, its English training
  and selection sets), the phase-2 hyper-parameters, the seed.

A field at its schema default does not enter the hash, so a new field with a default re-keys
nothing; fields that cannot change results (logging, paths, threads, loader workers, speed-only
knobs) never do. What a phase computes from the same inputs can change with the code: each
phase has a **results version** (:data:`PHASE_VERSIONS`), bumped in code when that happens.
The cache key of an encoder carries its version (a new version trains a new encoder); a cell
folder is found by its inputs, and a cell computed under an older version is *stale*: kept and
reported as such, recomputed only when asked (``recompute_stale=true``).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from xtask.config import InterConfig, PhaseTrainConfig, TargetConfig, to_container

# Bump the phase whose computation changes, and say why here.
PHASE_VERSIONS: Dict[str, int] = {
    # 1: xtask 0.1 (full-config signatures). 2: length-grouped training batches (same data, other order).
    "inter": 2,
    # 1: xtask 0.1. 2: length-grouped training batches; QA questions capped at max_query_length.
    "target": 2,
}
# Phase hyper-parameters that cannot change what a phase computes.
NON_RESULT_HP = ("logging_steps", "eval_batch_size", "save_steps", "checkpoint_minutes", "gradient_checkpointing", "compile",
                 "fused_adamw", "length_buckets", "pad_to_multiple_of")
# Of the phase-2 hyper-parameters, those a retrieval target (no training) depends on.
RETRIEVAL_HP = {"nearest": ("max_length", "max_eval_examples"), "mining": ("max_length",)}
# Settings only one kind of task reads (an XNLI cell's key never depends on QA windows).
KIND_HP = {"qa": ("doc_stride", "max_query_length", "max_answer_length", "n_best"), "tagging": ("tagging_piece",)}
KEY_LENGTH = 12


def digest(payload: Any, length: int = KEY_LENGTH) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:length]


def non_default(value: Any, default: Any) -> Any:
    """``value`` without the (nested) fields equal to ``default``'s; ``{}`` when all are."""
    if isinstance(value, dict) and isinstance(default, dict):
        out = {}
        for key, inner in value.items():
            if key in default:
                reduced = non_default(inner, default[key])
                if reduced != {} or not isinstance(inner, dict):
                    if not (not isinstance(inner, dict) and inner == default[key]):
                        out[key] = reduced
            else:
                out[key] = inner
        return out
    return value


@functools.lru_cache(maxsize=None)
def _defaults(name: str) -> Dict[str, Any]:
    from omegaconf import OmegaConf

    schema = {"phase": PhaseTrainConfig, "inter": InterConfig, "target": TargetConfig}[name]
    return OmegaConf.to_container(OmegaConf.structured(schema), resolve=False, enum_to_str=True)  # type: ignore[return-value]


def _plain(node: Any) -> Any:
    """A config node as fresh plain dicts/lists (an OmegaConf node or a PlainConfig's)."""
    from omegaconf import DictConfig, ListConfig

    return to_container(node) if isinstance(node, (DictConfig, ListConfig, dict, list)) else node


# --------------------------------------------------------------------------- model


def model_identity(model_cfg: Any, cache_root: Path) -> Dict[str, Any]:
    """The pretrained starting point: a Hub id, the content id of a local or converted model
    (re-converting other weights into the same folder never reuses stale results), or the
    tiny model's build key. Names, the retrieval layer and unused architecture fields are not
    part of it."""
    from xtask.config import PlainConfig
    from xtask.data.sources import remembered_for
    from xtask.models import registry

    if not isinstance(model_cfg, PlainConfig):
        return registry.identity(model_cfg, Path(cache_root))
    # Read-only, so the same object is the same model: once per planning.
    found = remembered_for(model_cfg, ("model identity", str(cache_root)),
                           lambda: registry.identity(model_cfg, Path(cache_root)))
    return copy.deepcopy(found)


# --------------------------------------------------------------------------- data


def data_identity(ctx: Any, reads: List[Tuple[str, str, Tuple[str, ...]]]) -> Dict[str, Any]:
    """Where each (task, split, languages) a phase reads comes from, and nothing else: editing
    one task's Hub id re-keys only the phases that read that task."""
    from xtask.data.identity import location

    merged: Dict[str, Tuple[str, str, Dict[str, None]]] = {}
    for task, split, languages in reads:  # e.g. dev read for evaluation and for selection: one entry, all languages
        merged.setdefault(f"{task}/{split}", (task, split, {}))[2].update(dict.fromkeys(languages))
    return {name: location(ctx, task, split, tuple(languages)) for name, (task, split, languages) in merged.items()}


def _phase1_reads(cfg: Any, ctx: Any) -> List[Tuple[str, str, Tuple[str, ...]]]:
    from xtask.pipeline.intermediate import mixture_names

    reads = []
    for name in mixture_names(cfg.inter, ctx):
        reads += [(name, "train", ("en",)), (name, "dev", ("en",))]
    return reads


def _phase1_kinds(cfg: Any, ctx: Any) -> Tuple[str, ...]:
    from xtask.pipeline.intermediate import mixture_names
    from xtask.tasks import get_task

    return tuple(sorted({get_task(name).kind.value for name in mixture_names(cfg.inter, ctx)}))


def _phase2_reads(cfg: Any, ctx: Any, target: Any, languages: List[str]) -> List[Tuple[str, str, Tuple[str, ...]]]:
    from xtask.data.sources import owner
    from xtask.tasks import get_task

    split = _value(cfg.target.eval_split)
    reads = [(target.name, split, tuple(languages))]
    if target.retrieval == "mining":
        reads.append((target.name, "dev", tuple(languages)))  # the threshold is chosen on dev
    if "train" in target.splits and target.retrieval is None:
        reads.append((owner(target, ctx, "train", "en").name, "train", ("en",)))
        if target.has_selection_set:
            selector = get_task(target.selection_task) if target.selection_task else target
            reads.append((selector.name, "dev", ("en",)))
    return reads


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


# --------------------------------------------------------------------------- phases


def phase_hp(hp: Any, kinds: Tuple[str, ...], only: Optional[Tuple[str, ...]] = None) -> Dict[str, Any]:
    """A phase's hyper-parameters that can change its result for tasks of ``kinds``."""
    values = non_default(_plain(hp), _defaults("phase"))
    unread = {key for kind, keys in KIND_HP.items() if kind not in kinds for key in keys}
    values = {k: v for k, v in values.items() if k not in NON_RESULT_HP and k not in unread}
    return {k: v for k, v in values.items() if k in only} if only is not None else values


def inter_variant(inter_cfg: Any) -> Dict[str, Any]:
    """The intermediate task's own settings that change its training (not its name)."""
    values = non_default(_plain(inter_cfg), _defaults("inter"))
    values.pop("name", None)
    if inter_cfg.name != "multitask":
        values.pop("tasks", None)
        values.pop("sampler", None)
    if float(inter_cfg.mlm.share) <= 0:
        values.pop("mlm", None)
    if not list(inter_cfg.translated.languages):
        values.pop("translated", None)
    return values


def inter_inputs(cfg: Any, ctx: Any) -> Dict[str, Any]:
    return {
        "model": model_identity(cfg.model, Path(cfg.paths.cache)),
        "precision": precision(cfg),
        "inter": {"name": cfg.inter.name, **inter_variant(cfg.inter)},
        "data": data_identity(ctx, _phase1_reads(cfg, ctx)),
        "hp": phase_hp(cfg.train.inter, _phase1_kinds(cfg, ctx)),
        "seed": int(cfg.seed),
    }


def versioned(inputs: Dict[str, Any], phase: str) -> str:
    """A key that carries its phase's results version (an encoder of a new version is another entry)."""
    return f"{digest(inputs)}-v{PHASE_VERSIONS[phase]}"


def inter_key(cfg: Any, ctx: Any) -> str:
    """The phase-1 encoder's cache key: its inputs' hash and its results version."""
    return versioned(inter_inputs(cfg, ctx), "inter")


def precision(cfg: Any) -> Dict[str, Any]:
    """Numeric settings that change results (bf16/fp16/tf32), at their non-default values."""
    out = {}
    for key in ("bf16", "fp16", "tf32"):
        value = _select(cfg, f"model.{key}") if key == "bf16" else _select(cfg, f"train.{key}")
        if value:
            out[key] = value
    return out


def _select(cfg: Any, dotted: str) -> Any:
    """``OmegaConf.select`` (None when absent), for a PlainConfig too."""
    from omegaconf import OmegaConf

    if not isinstance(cfg, dict):
        return OmegaConf.select(cfg, dotted)
    for part in dotted.split("."):
        if not isinstance(cfg, dict) or part not in cfg:
            return None
        cfg = cfg[part]
    return cfg


def cell_inputs(cfg: Any, ctx: Any, target: Any, languages: List[str], inter: Optional[str]) -> Dict[str, Any]:
    """Phase 2's explicit inputs. ``inter``: the phase-1 key without its version (so that a new
    phase-1 version makes the cell stale rather than another cell), None for ``inter=none``."""
    from xtask.pipeline.cell import target_hp

    target_values = non_default(_plain(cfg.target), _defaults("target"))
    target_values.pop("max_length", None)  # enters through the effective hp below
    target_values["languages"] = list(languages)
    start: Dict[str, Any] = ({"inter": inter} if inter is not None else
                             {"pretrained": model_identity(cfg.model, Path(cfg.paths.cache))})
    hp = phase_hp(target_hp(cfg), (target.kind.value,), RETRIEVAL_HP[target.retrieval] if target.retrieval else None)
    if target.retrieval:
        hp["retrieval_layer"] = int(cfg.model.retrieval_layer)
    return {
        "start": start,
        "precision": precision(cfg),
        "target": target_values,
        "data": data_identity(ctx, _phase2_reads(cfg, ctx, target, languages)),
        "hp": hp,
        "seed": int(cfg.seed),
    }


def cell_versions(cfg: Any, target: Any) -> Dict[str, int]:
    versions = {"target": PHASE_VERSIONS["target"]}
    if cfg.inter.name != "none":
        versions["inter"] = PHASE_VERSIONS["inter"]
    return versions


def group_of(inputs: Mapping[str, Any], inter: Optional[Mapping[str, Any]]) -> str:
    """Cells that differ in nothing but the seed share this (reports average only within it):
    the cell's inputs and its encoder's, both without the seed."""
    cell = {k: v for k, v in inputs.items() if k not in ("seed", "start")}
    start = {k: v for k, v in (inter or {}).items() if k != "seed"} if inter is not None else inputs.get("start")
    return digest({"cell": cell, "start": start})


def setting_label(inter_cfg: Any) -> str:
    """``inter`` plus ``+mlm0.25`` / ``+tt(de,zh)`` / ``+uniform`` / ``+3tasks`` for variants of its
    training: the report's row (variants never share a row with the plain task)."""
    block = _plain(inter_cfg) or {}
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
    if name == "multitask":
        strategy = str((block.get("sampler") or {}).get("strategy") or MULTITASK_DEFAULT_STRATEGY).rsplit(".", 1)[-1]
        if strategy != MULTITASK_DEFAULT_STRATEGY:
            tags.append(strategy)
        if block.get("tasks"):
            tags.append(f"{len(block['tasks'])}tasks")
    return name + "".join(f"+{tag}" for tag in tags)


# The sampler conf/inter/multitask.yaml sets: cells using it are the plain ``multitask`` row.
MULTITASK_DEFAULT_STRATEGY = "temperature"


def cell_name(model: str, inter: str, target: str, seed: int, key: str) -> str:
    """Readable prefix + key, e.g. ``mnli__xnli__tiny__s1__3f2a9c01de12``."""
    return f"{inter}__{target}__{model}__s{seed}__{key}"
