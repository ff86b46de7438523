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


class EvalStrategy(str, Enum):
    no = "no"
    steps = "steps"
    epoch = "epoch"


class Selection(str, Enum):
    """Which checkpoint a phase keeps: the one with the best English dev score, or the last."""

    best = "best"
    last = "last"


class DataSource(str, Enum):
    mini = "mini"
    hub = "hub"
    xtreme_dir = "xtreme_dir"


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
    # Hub id or local directory; null builds the tiny model offline and caches it.
    pretrained: Optional[str] = None
    tiny: TinyArchitecture = field(default_factory=TinyArchitecture)
    # Mixed precision on GPUs; ignored (float32) on CPU.
    bf16: bool = False
    # Layer whose mean-pooled output is the sentence embedding for retrieval tasks.
    retrieval_layer: int = -1


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
    """The XTREME target (phase-2) task."""

    name: str = MISSING
    # Languages to evaluate; null means every language XTREME lists for the task.
    languages: Optional[List[str]] = None
    # Split the per-language scores are reported on ("dev" or "test").
    eval_split: str = "dev"
    # Overrides train.target.max_length for this target (XTREME: 384 for QA); lowered to what
    # the model accepts.
    max_length: Optional[int] = None


@dataclass
class HubDataset:
    """Where one task's data lives on the Hugging Face Hub."""

    path: str = MISSING
    # Dataset config name; "{lang}" is replaced by the language code.
    name: Optional[str] = None
    splits: Dict[str, str] = field(default_factory=dict)


@dataclass
class DataConfig:
    source: DataSource = DataSource.mini
    # Folder with the data (mini: null = the bundled copy; xtreme_dir: XTREME's download dir).
    root: Optional[str] = None
    hub: Dict[str, HubDataset] = field(default_factory=dict)
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
    # Checkpoint every N steps when selection=last (a hard kill then loses at most N steps);
    # null: checkpoints only on SLURM's warning signal.
    save_steps: Optional[int] = None
    # Extractive QA: window overlap, longest answer (tokens), candidates per window end.
    doc_stride: int = 128
    max_answer_length: int = 30
    n_best: int = 20
    # Caps for quick runs; null uses every example.
    max_train_examples: Optional[int] = None
    max_eval_examples: Optional[int] = None


@dataclass
class TrainConfig:
    name: str = MISSING
    inter: PhaseTrainConfig = field(default_factory=PhaseTrainConfig)
    target: PhaseTrainConfig = field(default_factory=PhaseTrainConfig)
    # torch threads on CPU; null keeps torch's default.
    cpu_threads: Optional[int] = None
    dataloader_workers: int = 0


@dataclass
class LoggerConfig:
    backend: LoggerBackend = LoggerBackend.none
    # online | offline (runs written under paths.outputs/wandb; `xtask sync` uploads them later)
    mode: str = "offline"
    project: str = "xtask"
    entity: Optional[str] = None
    # Seconds W&B may take to start before the run falls back to offline.
    init_timeout: float = 60.0
    # A self-hosted W&B server; null = the W&B default (or WANDB_BASE_URL).
    base_url: Optional[str] = None


@dataclass
class PathsConfig:
    outputs: str = "outputs"
    # Built models, shared checkpoints and other reusable artefacts.
    cache: str = "${paths.outputs}/cache"
    cells: str = "${paths.outputs}/cells"


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
    # A relaunch skips finished cells and cells that failed; force recomputes everything,
    # retry_failed reruns the failed ones.
    force: bool = False
    retry_failed: bool = False


def register_configs() -> None:
    """Register the schemas so that ``conf/config.yaml`` can name them in its defaults list."""
    ConfigStore.instance().store(name="xtask_schema", node=XTaskConfig)


def to_container(cfg: Any) -> Dict[str, Any]:
    """Resolved plain-dict copy of a config (enums as strings), for JSON files."""
    from omegaconf import OmegaConf

    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)  # type: ignore[return-value]
