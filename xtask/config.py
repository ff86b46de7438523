"""Typed schema of the Hydra config tree.

Every YAML file under ``conf/`` is merged onto these dataclasses, so a misspelt key
(``train.inter.lrr=1``) or a value of the wrong type (``train.inter.lr=abc``) fails when
Hydra composes the config, before any job is launched. Group *choices* (``inter=mnlii``)
are checked by Hydra itself, which lists the available options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from xtask.errors import ConfigError  # noqa: F401  (raised by xtask.plan.validate; kept importable here)


class EvalStrategy(str, Enum):
    no = "no"
    steps = "steps"
    epoch = "epoch"


class EvalSplit(str, Enum):
    dev = "dev"
    test = "test"


class Selection(str, Enum):
    """Which checkpoint a phase keeps: the one with the best English dev score, or the last."""

    best = "best"
    last = "last"


class DataSource(str, Enum):
    mini = "mini"
    hub = "hub"
    xtreme_dir = "xtreme_dir"
    files = "files"


class TaggingPiece(str, Enum):
    """The subword of a word that carries its tag (tagging tasks). ``first``: its first piece, as
    XTREME's reference code does (comparable with published numbers); ``first_nonblank``: its
    first piece that is not a bare "▁" (SentencePiece gives most Chinese/Japanese words one).
    Measured (multilingual-e5-small, UD EWT 3000 sentences, 250 steps, one seed): UDPOS zh dev
    F1 24.0 -> 58.2 (word accuracy 33.8 -> 65.6), de and en unchanged (87.5/87.3, 93.3/93.4)."""

    first = "first"
    first_nonblank = "first_nonblank"


class OnBusy(str, Enum):
    skip = "skip"
    wait = "wait"


class LoggerBackend(str, Enum):
    none = "none"
    wandb = "wandb"


class EncoderFamily(str, Enum):
    """Encoder architectures the pipeline supports (described in xtask/models/families.py)."""

    xlmr = "xlmr"
    bert = "bert"
    deberta_v2 = "deberta_v2"


@dataclass
class TinyArchitecture:
    """Shape of the CPU-sized encoder built offline when ``model.pretrained`` is null."""

    hidden_size: int = 64
    num_hidden_layers: int = 2
    num_attention_heads: int = 2
    intermediate_size: int = 128
    vocab_size: int = 3000
    max_length: int = 128
    init_seed: int = 0
    # Which architecture and tokenizer conventions the tiny model follows.
    family: EncoderFamily = EncoderFamily.xlmr


@dataclass
class ModelConfig:
    name: str = MISSING
    # Hub id or local folder; null with build=tiny (or build unset) builds the tiny model offline.
    pretrained: Optional[str] = None
    # A model xtask builds offline instead: tiny (random init) or e5_small_q4 (PyPI's 4-bit
    # multilingual-e5-small, converted once); null = model.pretrained (or tiny when that is null).
    build: Optional[str] = None
    # A Hub revision (tag, branch or commit) of model.pretrained; part of the cells' identity.
    revision: Optional[str] = None
    tiny: TinyArchitecture = field(default_factory=TinyArchitecture)
    # Mixed precision on GPUs; ignored (float32) on CPU.
    bf16: bool = False
    # Layer whose mean-pooled output is the sentence embedding for retrieval tasks.
    retrieval_layer: int = -1
    # Text put before every sentence the retrieval targets embed (e5 models: "query: ").
    retrieval_prefix: str = ""


class SamplingStrategy(str, Enum):
    proportional = "proportional"
    uniform = "uniform"
    temperature = "temperature"


@dataclass
class SamplerConfig:
    """How a multi-task mixture picks the task of each batch (see xtask/multitask/sampler.py)."""

    strategy: SamplingStrategy = SamplingStrategy.proportional
    temperature: float = 2.0
    # Per-task example cap applied before computing the proportions; null = no cap.
    cap: Optional[int] = None


@dataclass
class MLMConfig:
    """Masked-LM batches mixed into intermediate training ("continued multilingual MLM")."""

    # Fraction of intermediate batches that are masked LM; 0 disables it.
    share: float = 0.0
    # A text file, or a folder of *.txt files, one sentence per line; null = the bundled mini corpus.
    corpus: Optional[str] = None
    max_lines: Optional[int] = None


@dataclass
class TranslatedConfig:
    """Machine-translated copies of the intermediate task's training data (translate-train)."""

    # Languages to read from ``root/LANG/`` (same files and layout as the English data).
    languages: List[str] = field(default_factory=list)
    # null = the bundled mini translations under data=mini.
    root: Optional[str] = None
    # Also train on the English original (false: translations only).
    include_english: bool = True


@dataclass
class InterConfig:
    """The intermediate (phase-1) task; ``none`` skips phase 1, ``multitask`` mixes ``tasks``."""

    name: str = MISSING
    # multitask only: the tasks of the mixture; empty = every intermediate task that has data.
    tasks: List[str] = field(default_factory=list)
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    mlm: MLMConfig = field(default_factory=MLMConfig)
    translated: TranslatedConfig = field(default_factory=TranslatedConfig)


@dataclass
class TargetConfig:
    """The target (phase-2) task."""

    name: str = MISSING
    # Languages to evaluate: null = every language the benchmark lists for the task (data=mini:
    # those the mini copy has); auto = those the data source has; or a list, e.g. [en,de].
    languages: Any = None
    # Split the per-language scores are reported on.
    eval_split: EvalSplit = EvalSplit.dev
    # Overrides train.target.max_length for this target (XTREME: 384 for QA); lowered to what
    # the model accepts.
    max_length: Optional[int] = None


@dataclass
class HubDataset:
    """Overrides of where one task's data lives on the Hugging Face Hub (its spec has the default)."""

    path: Optional[str] = None
    # Dataset config name; "{lang}" is replaced by the language code (or the name the Hub uses).
    name: Optional[str] = None
    splits: Dict[str, str] = field(default_factory=dict)
    revision: Optional[str] = None
    # A folder inside the repo that holds the parquet files (the Hub's refs/convert/parquet
    # revision keeps one per config, e.g. "default").
    data_dir: Optional[str] = None


@dataclass
class DataConfig:
    source: DataSource = DataSource.mini
    # Folder with the data (mini: null = the bundled copy; xtreme_dir: XTREME's download dir).
    root: Optional[str] = None
    # data=hub: per-task overrides of the Hub location in the task's spec (data.hub.TASK.path ...).
    hub: Dict[str, HubDataset] = field(default_factory=dict)
    # data=hub: a local folder holding copies of the Hub's dataset repos as owner/name/ (offline mirror).
    hub_mirror: Optional[str] = None
    # data=files: the mapping file (task -> split -> language -> file; see sweeps/files/example.yaml).
    files: Optional[str] = None
    # HF datasets cache; null = the library default (HF_HOME).
    cache_dir: Optional[str] = None
    # CCGbank's data/AUTO folder (licensed, never downloaded); null = the mini copy under data=mini.
    ccgbank: Optional[str] = None


@dataclass
class PhaseTrainConfig:
    """Hyper-parameters of one fine-tuning phase."""

    lr: float = 1e-5
    epochs: float = 3.0
    # > 0 overrides epochs.
    max_steps: int = -1
    batch_size: int = 32
    eval_batch_size: int = 64
    grad_accum: int = 1
    max_length: int = 128
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    eval_strategy: EvalStrategy = EvalStrategy.epoch
    eval_steps: Optional[int] = None
    selection: Selection = Selection.best
    logging_steps: int = 50
    # Full (resumable) checkpoint every N steps and/or every M minutes of training, with either
    # selection (a hard kill then loses at most N steps or M minutes); null: only on SLURM's
    # warning signal. Selection itself writes nothing (xtask/pipeline/checkpointing.py).
    save_steps: Optional[int] = None
    checkpoint_minutes: Optional[float] = None
    # Extractive QA: window overlap, longest question kept (tokens; longer ones are truncated,
    # as XTREME's reference scripts do), longest answer (tokens), candidates per window end.
    doc_stride: int = 128
    max_query_length: int = 64
    max_answer_length: int = 30
    n_best: int = 20
    # Tagging: the subword that carries each word's tag (TaggingPiece).
    tagging_piece: TaggingPiece = TaggingPiece.first
    # Caps for quick runs; null uses every example. max_eval_examples: a random sample of each
    # language's evaluation set (Tatoeba: of its pairs; BUCC is always whole), marked partial.
    max_train_examples: Optional[int] = None
    max_eval_examples: Optional[int] = None
    # Keep the input word embeddings fixed (they are most of a small multilingual encoder's
    # parameters: 96M of e5-small's 118M): about half the step time on a CPU.
    freeze_embeddings: bool = False
    # Training batches of similar lengths (HF's LengthGroupedSampler order, seeded): far less
    # padding. It changes which examples share a batch, so it is part of a phase's identity.
    group_by_length: bool = True
    # Speed/memory only (never part of a phase's identity: not_result in xtask/plan/cellplan.py):
    # recompute activations in the backward pass (less memory, ~20-30% slower), AdamW's fused
    # CUDA kernel, torch.compile of the model. Ignored on CPU, where they would only cost time.
    gradient_checkpointing: bool = False
    fused_adamw: bool = False
    compile: bool = False
    # Few batch shapes (xtask/pipeline/shapes.py): pad each batch to one of at most N lengths,
    # multiples of M; null: 32 and 8 on a GPU, none and 1 on a CPU; length_buckets=0: off.
    length_buckets: Optional[int] = None
    pad_to_multiple_of: Optional[int] = None


@dataclass
class TrainConfig:
    name: str = MISSING
    inter: PhaseTrainConfig = field(default_factory=PhaseTrainConfig)
    target: PhaseTrainConfig = field(default_factory=PhaseTrainConfig)
    # torch threads on CPU; null keeps torch's default.
    cpu_threads: Optional[int] = None
    # Processes collating training batches (0: in the training process). Speed only.
    dataloader_workers: int = 0
    # Mixed precision fp16 (bf16 is model.bf16; not both) and TF32 matmuls on Ampere+ GPUs:
    # they change results, so they are part of the identities (xtask.store.identity.precision).
    # Ignored on CPU.
    fp16: bool = False
    tf32: bool = False
    # Reuse tokenised features across cells and jobs (paths.cache/features/). Speed only.
    feature_cache: bool = True
    # Phase 2's examples per optimizer step by the target's kind (classification, tagging, qa,
    # multiple_choice), e.g. XTREME's {classification: 32, tagging: 32, qa: 16}: made of
    # micro-batches of train.target.batch_size (what fits the GPU) and gradient accumulation.
    # A kind not listed uses train.target.batch_size x grad_accum as given.
    target_effective_batch: Dict[str, int] = field(default_factory=dict)


@dataclass
class LoggerConfig:
    backend: LoggerBackend = LoggerBackend.none
    # online | offline (runs written under paths.outputs/wandb; `xtask sync` uploads them later)
    mode: str = "offline"
    project: str = "xtask"
    entity: Optional[str] = None
    # Seconds W&B may take to start before the run falls back to offline.
    init_timeout: float = 60.0
    # Seconds the one probe of the W&B server (per job) may take in all; unreachable: offline at once.
    probe_timeout: float = 2.0
    # A self-hosted W&B server; null = the W&B default (or WANDB_BASE_URL).
    base_url: Optional[str] = None


@dataclass
class PathsConfig:
    outputs: str = "outputs"
    # Built models, shared checkpoints and other reusable artefacts.
    cache: str = "${paths.outputs}/cache"
    cells: str = "${paths.outputs}/cells"


class AdaptiveStage(str, Enum):
    """What a job of an adaptive grid does (set by the halving sweeper, xtask/predict/sweeper.py)."""

    phase1 = "phase1"  # train the intermediate encoder into the shared cache; no cell
    cell = "cell"  # the whole cell, as without an adaptive grid


@dataclass
class AdaptiveConfig:
    """``+adaptive=halving`` (conf/adaptive/halving.yaml; docs/prediction.md, "Adaptive grids"):
    phase 1 for every intermediate task, a prediction, then phase 2 for the top ``top_k``
    intermediate tasks of each target (``none`` always). Nothing here enters a cell's key."""

    top_k: int = 2
    signal: str = "logme_en"
    # A CSV of predictions (columns signal, target, inter, model, score) to rank by instead of
    # the stored ones (xtask predict).
    predictions: Optional[str] = None
    # A finished full grid (a folder of its cells): the halving report adds the regret the
    # selection would have incurred on it.
    full: Optional[str] = None
    costs: Optional[str] = None  # the GPU-hour prices (default conf/costs.yaml, as xtask plan)
    stage: AdaptiveStage = AdaptiveStage.cell


@dataclass
class XTaskConfig:
    model: ModelConfig = MISSING
    inter: InterConfig = MISSING
    target: TargetConfig = MISSING
    data: DataConfig = MISSING
    train: TrainConfig = MISSING
    logger: LoggerConfig = MISSING
    paths: PathsConfig = field(default_factory=PathsConfig)
    seed: int = 1
    # Names the grid a cell belongs to (W&B group, report titles).
    sweep_name: str = "adhoc"
    # A relaunch skips finished cells and cells that failed; force recomputes everything (its
    # intermediate encoders too, once per sweep), retry_failed reruns the failed ones,
    # recompute_stale the ones computed by an older results version.
    force: bool = False
    retry_failed: bool = False
    recompute_stale: bool = False
    # A cell another live job holds: skip it (say who holds it) or wait for it.
    on_busy: OnBusy = OnBusy.skip
    # An adaptive grid's settings (+adaptive=halving); None for an ordinary grid.
    adaptive: Optional[AdaptiveConfig] = None


def register_configs() -> None:
    """Register the schemas so that ``conf/config.yaml`` can name them in its defaults list."""
    ConfigStore.instance().store(name="xtask_schema", node=XTaskConfig)


def to_container(cfg: Any) -> Dict[str, Any]:
    """Resolved plain-dict copy of a config (enums as strings), for JSON files."""
    from omegaconf import OmegaConf

    if isinstance(cfg, (dict, list)):  # a PlainConfig (or a part of one): already resolved
        return _plain_copy(cfg)
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)  # type: ignore[return-value]


class PlainConfig(dict):
    """A resolved config as read-only nested dicts with attribute access (``cfg.train.target.lr``),
    what :func:`to_container` gives wrapped: planning reads thousands of cells' configs, and
    reading a plain dict costs a microsecond where an OmegaConf node costs fifty. Built by
    :func:`plain_config`; read-only because the cells of one composition share its subtrees."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a PlainConfig is read-only (cells share it); copy it with to_container")

    __setitem__ = __delitem__ = update = pop = popitem = setdefault = clear = _read_only  # type: ignore[assignment]

    def __setattr__(self, name: str, value: Any) -> None:
        self._read_only()

    def __deepcopy__(self, memo: Dict[int, Any]) -> "PlainConfig":
        return self  # read-only: a copy would be the same

    def __reduce__(self) -> Any:  # pickle through the constructor (its item setter refuses)
        return PlainConfig, (dict(self),)


def plain_config(tree: Any) -> Any:
    """``to_container``'s output (dicts, lists, scalars) as :class:`PlainConfig` nodes."""
    if isinstance(tree, dict):
        return PlainConfig((key, plain_config(value)) for key, value in tree.items())
    if isinstance(tree, list):
        return [plain_config(value) for value in tree]
    return tree


def with_values(cfg: Any, values: Dict[str, Any]) -> Any:
    """``cfg`` with the dotted keys of ``values`` set. A :class:`PlainConfig` copies only the
    nodes on their paths (the rest is shared: a cell's config costs as many copies as its
    overrides have dots); an OmegaConf config is merged (its typed nodes check the values)."""
    if not isinstance(cfg, PlainConfig):
        from omegaconf import OmegaConf

        nested: Dict[str, Any] = {}
        for dotted, value in values.items():
            *parents, last = dotted.split(".")
            node = nested
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = value
        return OmegaConf.merge(cfg, nested)
    out = PlainConfig(cfg)
    for dotted, value in values.items():
        node, parts = out, dotted.split(".")
        for part in parts[:-1]:
            child = PlainConfig(node[part])
            dict.__setitem__(node, part, child)
            node = child
        dict.__setitem__(node, parts[-1], plain_config(value))
    return out


def _plain_copy(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {key: _plain_copy(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_plain_copy(value) for value in tree]
    return tree
