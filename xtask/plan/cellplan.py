"""A cell, resolved: the frozen, typed plan every phase, the store and the reports read.

:func:`xtask.plan.resolve.resolve` turns a composed config into a :class:`CellPlan` once per
cell; nothing below it reads the config. A plan holds *effective* values: the length after the
model's limit, the batch after the target kind's effective batch, evaluation settings only where
the phase evaluates, kind-specific settings only for that kind. So two configs that run the same
computation resolve to equal plans, and a plan's fields are its identity.

Identity (:mod:`xtask.plan.identity`): every field enters its phase's key unless its definition
says it cannot change a result, ``field(metadata=NOT_RESULT)`` — the denylist sits on the field,
not in a second list — and a field at its default value stays out of the hash, so a new field
with a default re-keys nothing.

A plan field's default is therefore the *identity's baseline*, not the config's default, and is
never changed: ``TrainPlan.lr = 1e-5`` looks like a copy of ``PhaseTrainConfig.lr``, but if it
followed the config, moving the config's default to 2e-5 would give the new runs the old runs'
key (both at "the default"). Frozen here, a changed config default is a hashed value: a new key.
The golden keys (tests/test_plan_identity.py) fail if a baseline moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Tuple

# Field metadata: this value cannot change what a phase computes (speed, memory, logging, where
# things are written), or what it says is already in another field (a folder's content id).
NOT_RESULT: Mapping[str, Any] = {"result": False}


def not_result(default: Any = None, why: str = "") -> Any:
    """A field that stays out of the key (``why``: the reason, for people reading the plan)."""
    return field(default=default, metadata={**NOT_RESULT, "why": why})


def result_field(default: Any = None) -> Any:
    return field(default=default)


# --------------------------------------------------------------------------- parts


@dataclass(frozen=True)
class TinyPlan:
    """Shape of the CPU-sized encoder xtask builds offline (``model.build=tiny``)."""

    hidden_size: int = 64
    num_hidden_layers: int = 2
    num_attention_heads: int = 2
    intermediate_size: int = 128
    vocab_size: int = 3000
    max_length: int = 128
    init_seed: int = 0
    family: str = "xlmr"


@dataclass(frozen=True)
class ModelPlan:
    """The pretrained starting point. ``identity`` is what identifies its weights (a Hub id and
    revision, a local folder's content, the tiny model's build key); where it is read from is not
    part of the key (a copied folder is the same model)."""

    identity: Mapping[str, Any] = field(default_factory=dict)
    name: str = not_result("", "a display name")
    # A Hub id, or a local folder; None for a model xtask builds (``build``).
    pretrained: Optional[str] = not_result(None, "in identity (Hub id or the folder's content)")
    revision: Optional[str] = not_result(None, "in identity")
    build: Optional[str] = not_result(None, "in identity")
    tiny: Optional[TinyPlan] = not_result(None, "in identity (the tiny model's build key)")
    # Longest input (tokens) the model accepts, when known before loading it; None = unknown.
    max_positions: Optional[int] = not_result(None, "lengths above it are cut in the phases' effective max_length")

    @property
    def is_hub(self) -> bool:
        return "hub" in self.identity


@dataclass(frozen=True)
class PrecisionPlan:
    """Numeric settings that change results on a GPU (ignored, float32, on a CPU)."""

    bf16: bool = False
    fp16: bool = False
    tf32: bool = False


@dataclass(frozen=True)
class TrainPlan:
    """One fine-tuning phase's effective hyper-parameters."""

    lr: float = 1e-5
    epochs: float = 3.0
    max_steps: int = -1
    batch_size: int = 32
    grad_accum: int = 1
    max_length: int = 128
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    # Evaluation during training exists only to select a checkpoint: under selection=last (and in
    # a mixture, which always keeps its last step) it is "no", and eval_steps is set only under
    # eval_strategy=steps.
    eval_strategy: str = "epoch"
    eval_steps: Optional[int] = None
    selection: str = "best"
    max_train_examples: Optional[int] = None
    # Phase 1: a sample of the selection set (only with selection=best); phase 2: a sample of
    # each language's evaluation set.
    max_eval_examples: Optional[int] = None
    freeze_embeddings: bool = False
    group_by_length: bool = True
    # Kind-specific: set only for a phase that trains a task of that kind.
    doc_stride: Optional[int] = None
    max_query_length: Optional[int] = None
    max_answer_length: Optional[int] = None
    n_best: Optional[int] = None
    tagging_piece: Optional[str] = None
    # Masked-LM masks are drawn in the loader's worker processes, each with its own random
    # stream: with an MLM share the worker count changes the masks, so it is part of the key
    # there (None elsewhere, where it is speed only: ``loader_workers`` below).
    mlm_loader_workers: Optional[int] = None
    eval_batch_size: int = not_result(64, "batching of inference")
    logging_steps: int = not_result(50, "logging")
    save_steps: Optional[int] = not_result(None, "checkpoints for resuming; a resumed run computes the same")
    checkpoint_minutes: Optional[float] = not_result(None, "checkpoints for resuming")
    gradient_checkpointing: bool = not_result(False, "memory only")
    fused_adamw: bool = not_result(False, "speed only")
    compile: bool = not_result(False, "speed only")
    loader_workers: int = not_result(0, "speed only (see mlm_loader_workers)")
    pad_to_multiple_of: Optional[int] = not_result(None, "padding is masked out")
    length_buckets: Optional[int] = not_result(None, "padding is masked out (the same batches, fewer shapes)")
    # A phase that selects nothing (eval_strategy "no") still scores its dev set once at the end,
    # for its metrics.json: on this sample of it (max_eval_examples), which the weights never see.
    report_eval_examples: Optional[int] = not_result(None, "the end-of-phase dev score is reported, not selected on")

    @property
    def select_best(self) -> bool:
        return self.selection == "best"


@dataclass(frozen=True)
class RetrievalPlan:
    """How a retrieval target embeds sentences (no training)."""

    layer: int = -1
    prefix: str = ""
    max_length: int = 128
    # Tatoeba: a seeded sample of each language's pairs (BUCC is always scored whole).
    max_eval_examples: Optional[int] = None
    batch_size: int = not_result(64, "batching of inference")


@dataclass(frozen=True)
class MLMPlan:
    """Masked-LM batches mixed into phase 1; the corpus is identified by its content."""

    share: float = 0.0
    corpus_content: str = ""
    max_lines: Optional[int] = None
    corpus: Optional[str] = not_result(None, "in corpus_content")


@dataclass(frozen=True)
class TranslatedPlan:
    """Translate-train: machine-translated copies of the training data, by content."""

    languages: Tuple[str, ...] = ()
    include_english: bool = True
    content: Mapping[str, str] = field(default_factory=dict)  # language -> content id of its folder
    root: Optional[str] = not_result(None, "in content")


@dataclass(frozen=True)
class SamplerPlan:
    strategy: str = "proportional"
    temperature: float = 2.0
    cap: Optional[int] = None


@dataclass(frozen=True)
class Phase1Plan:
    """The intermediate encoder: shared by every cell whose phase-1 plan is equal."""

    model: ModelPlan
    inter: str  # the intermediate task, or "multitask"
    tasks: Tuple[str, ...]  # what it trains on (one task, or the mixture)
    kinds: Tuple[str, ...] = not_result((), "follows from tasks")
    sampler: Optional[SamplerPlan] = None  # mixtures only
    mlm: Optional[MLMPlan] = None
    translated: Optional[TranslatedPlan] = None
    data: Mapping[str, Any] = field(default_factory=dict)  # "task/split" -> where its data comes from
    hp: TrainPlan = field(default_factory=TrainPlan)
    precision: PrecisionPlan = field(default_factory=PrecisionPlan)
    seed: int = 1

    @property
    def is_mixture(self) -> bool:
        return len(self.tasks) > 1 or self.mlm is not None


@dataclass(frozen=True)
class Phase2Plan:
    """The target phase: fine-tune on English and evaluate every language, or score the
    encoder directly (retrieval). ``start``: the phase-1 key (without its version, so a new
    phase-1 version makes the cell stale) or the pretrained model's identity."""

    start: Mapping[str, Any]
    target: str
    languages: Tuple[str, ...]
    eval_split: str = "dev"
    data: Mapping[str, Any] = field(default_factory=dict)
    hp: Optional[TrainPlan] = None  # None for retrieval targets
    retrieval: Optional[RetrievalPlan] = None
    precision: PrecisionPlan = field(default_factory=PrecisionPlan)
    # None when nothing the cell computes depends on the seed (no training, no sampling): the
    # seeds of a grid are then one computation.
    seed: Optional[int] = 1


@dataclass(frozen=True)
class RunSettings:
    """How and where a cell runs: never part of a key."""

    outputs: Path
    cache: Path
    cells: Path
    sweep_name: str = "adhoc"
    force: bool = False
    retry_failed: bool = False
    recompute_stale: bool = False
    on_busy: str = "skip"
    cpu_threads: Optional[int] = None
    feature_cache: bool = True
    loader_workers: int = 0
    logger: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CellPlan:
    """One grid cell, resolved once: what runs (``phase1``, ``phase2``), what it is called in
    reports, and how it runs (``run``). ``data`` is the data source (a
    :class:`xtask.data.sources.DataContext`); ``config`` is the resolved config, kept for people."""

    model: ModelPlan
    inter: str
    setting: str  # the report's row: inter plus its variant tags
    target: Any  # the target's TaskSpec
    languages: Tuple[str, ...]
    left_out: Mapping[str, str]
    phase1: Optional[Phase1Plan]
    phase2: Phase2Plan
    seed: int
    data: Any
    run: RunSettings
    config: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def seed_free(self) -> bool:
        """Nothing the cell computes depends on the seed: no phase 1 (which trains) and a phase 2
        that neither trains nor samples."""
        return self.phase1 is None and self.phase2.seed is None

    @property
    def precision(self) -> PrecisionPlan:
        return self.phase2.precision

