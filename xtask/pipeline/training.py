"""One fine-tuning phase with the HF Trainer: ``finetune(task, train_set, dev_set, run) -> model + metrics``.

Both phases of a cell use this: phase 1 on the intermediate task (then the encoder is saved
without its head), phase 2 on the target's English training data (then it is evaluated per
language). Model selection uses the English dev set of the phase's own task, as XTREME does.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional

import datasets

from xtask.config import EvalStrategy, Selection
from xtask.pipeline import attempts, preemption
from xtask.pipeline.formats import format_for
from xtask.plan.cellplan import CellPlan, TrainPlan
from xtask.tasks.spec import TaskSpec as Task

log = logging.getLogger(__name__)


@dataclass
class PhaseResult:
    model: Any
    tokenizer: Any
    trainer: Any
    metrics: Dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    # The train config the phase really used (max_length clamped to what the model accepts).
    hp: Optional[TrainPlan] = None
    # What the phase started from (save_encoder restores its pooler: xtask/models/pooler.py).
    init_from: Optional[str] = None


def dev_sample(hp: TrainPlan) -> Optional[int]:
    """How many dev examples a phase scores: its selection sample, or (selecting nothing) the
    sample it reports once at the end."""
    return hp.max_eval_examples if hp.max_eval_examples is not None else hp.report_eval_examples


def cap_examples(dataset: datasets.Dataset, limit: Optional[int], seed: int) -> datasets.Dataset:
    if limit is None or limit >= len(dataset):
        return dataset
    return dataset.shuffle(seed=seed).select(range(limit))


def _enum_value(value: Any) -> str:
    return str(getattr(value, "value", value))


@dataclass(frozen=True)
class TrainKnobs:
    """Run-wide settings of a phase that are not its hyper-parameters: precision (bf16/fp16/tf32
    change results and are in the identities, xtask.store.identity.precision), loader workers
    and the feature cache folder (speed only). GPU-only knobs are ignored on CPU."""

    bf16: bool = False
    fp16: bool = False
    tf32: bool = False
    dataloader_workers: int = 0
    feature_cache: Optional[Path] = None

    @classmethod
    def from_plan(cls, plan: CellPlan) -> "TrainKnobs":
        """From a cell's :class:`xtask.plan.cellplan.CellPlan`."""
        from xtask.pipeline.features import cache_dir

        precision = plan.phase2.precision
        return cls(bf16=precision.bf16, fp16=precision.fp16, tf32=precision.tf32,
                   dataloader_workers=plan.run.loader_workers, feature_cache=cache_dir(plan.run))


def speed_knobs(hp: TrainPlan, knobs: TrainKnobs, on_gpu: bool) -> Dict[str, Any]:
    """TrainingArguments of the speed/memory knobs that are on where they apply (all but the
    loader workers need a GPU): what the run will really use, for its log and ``xtask bench``."""
    return {
        "bf16": knobs.bf16 and on_gpu,
        "fp16": knobs.fp16 and on_gpu,
        "tf32": knobs.tf32 and on_gpu,
        "activation_checkpointing": bool(getattr(hp, "gradient_checkpointing", False)) and on_gpu,
        "optim": "adamw_torch_fused" if bool(getattr(hp, "fused_adamw", False)) and on_gpu else "adamw_torch",
        "torch_compile": bool(getattr(hp, "compile", False)) and on_gpu,
        "dataloader_num_workers": int(knobs.dataloader_workers),
    }


def training_arguments(hp: TrainPlan, out_dir: Path, seed: int, knobs: "TrainKnobs | bool", report_to: str,
                       run_name: str) -> Any:
    """The Trainer's arguments for one phase. ``knobs``: a :class:`TrainKnobs` (a bool is
    read as bf16, as before)."""
    import torch
    from transformers import TrainingArguments

    if isinstance(knobs, bool):
        knobs = TrainKnobs(bf16=knobs)
    eval_strategy = _enum_value(hp.eval_strategy)
    select_best = _enum_value(hp.selection) == Selection.best.value
    if select_best and eval_strategy == EvalStrategy.no.value:
        raise ValueError(
            "selection=best needs an evaluation to select on: set eval_strategy to epoch or steps, "
            "or selection=last"
        )
    on_gpu = torch.cuda.is_available()
    speed = speed_knobs(hp, knobs, on_gpu)
    if not speed["tf32"]:
        speed.pop("tf32")  # None: leave torch's own default alone
    workers = speed["dataloader_num_workers"]
    log.info("training knobs (%s): %s, group_by_length=%s", "GPU" if on_gpu else "CPU",
             ", ".join(f"{k}={v}" for k, v in speed.items()), bool(getattr(hp, "group_by_length", False)))
    return TrainingArguments(
        output_dir=str(out_dir / "trainer"),
        run_name=run_name,
        seed=seed,
        data_seed=seed,
        learning_rate=hp.lr,
        num_train_epochs=hp.epochs,
        max_steps=hp.max_steps,
        per_device_train_batch_size=hp.batch_size,
        per_device_eval_batch_size=hp.eval_batch_size,
        gradient_accumulation_steps=hp.grad_accum,
        warmup_steps=hp.warmup_ratio,  # a float in [0, 1) is a ratio of the total steps
        weight_decay=hp.weight_decay,
        eval_strategy=eval_strategy,
        eval_steps=hp.eval_steps,
        # Full checkpoints only where a resume needs one: every save_steps, every
        # checkpoint_minutes (a callback) and on SLURM's warning signal (xtask/preemption.py).
        # Selection keeps the best weights in host memory (xtask/pipeline/checkpointing.py),
        # never a checkpoint per evaluation.
        save_strategy="steps" if hp.save_steps else "no",
        save_steps=hp.save_steps,
        save_total_limit=1,
        load_best_model_at_end=False,
        metric_for_best_model=None,  # set by the caller (selection=best) once the task's metric is known
        logging_steps=hp.logging_steps,
        report_to=report_to,
        use_cpu=not on_gpu,
        dataloader_persistent_workers=workers > 0,
        dataloader_pin_memory=on_gpu,
        save_only_model=False,
        **speed,
    )


@dataclass(frozen=True)
class PhaseRun:
    """Where one training phase starts from and writes to, and with which settings."""

    init_from: str  # Hub id or folder of the model to start from
    out_dir: Path  # the phase's folder (Trainer checkpoints go to out_dir/trainer)
    hp: TrainPlan  # the phase's effective hyper-parameters (phase1.hp or phase2.hp)
    seed: int
    bf16: bool = False  # used when knobs is None
    report_to: str = "none"
    run_name: str = ""
    knobs: Optional[TrainKnobs] = None  # precision, loader workers, feature cache

    @property
    def settings(self) -> TrainKnobs:
        return self.knobs if self.knobs is not None else TrainKnobs(bf16=self.bf16)


def finetune(
    *, task: Task, train_set: datasets.Dataset, dev_set: Optional[datasets.Dataset], run: PhaseRun
) -> PhaseResult:
    """Fine-tune ``run.init_from`` on ``train_set``; select on ``dev_set``; return the model."""
    init_from, out_dir, hp, seed = run.init_from, run.out_dir, run.hp, run.seed
    import torch
    from transformers import AutoTokenizer, set_seed

    from xtask.pipeline import shapes

    ledger = attempts.Ledger.open(out_dir)  # this attempt, beside the earlier ones (xtask/pipeline/attempts.py)
    fmt = format_for(task)
    if dev_set is None:
        log.info("%s has no English selection set: no evaluation, the last checkpoint is kept", task.name)
        hp = with_hp(hp, eval_strategy="no", selection="last")
    tokenizer = AutoTokenizer.from_pretrained(init_from)
    hp = fit_max_length(hp, tokenizer)
    set_seed(seed)  # the fresh head's initialisation depends on it
    model = fmt.load_model(init_from, task)
    freeze_embeddings(model, hp)
    knobs = run.settings
    args = training_arguments(hp, out_dir, seed, knobs, run.report_to, run.run_name)
    if _enum_value(hp.selection) == Selection.best.value:  # KeepsBest selects on it
        args.metric_for_best_model = fmt.metric
        args.greater_is_better = True
    trainer = fmt.build_trainer(
        model=model,
        args=args,
        train_set=cap_examples(train_set, hp.max_train_examples, seed),
        dev_raw=cap_examples(dev_set, dev_sample(hp), seed) if dev_set is not None else None,
        tokenizer=tokenizer,
        task=task,
        hp=hp,
        cache=knobs.feature_cache,
    )
    shapes.apply(trainer, hp, on_gpu=torch.cuda.is_available())
    add_checkpoint_schedule(trainer, hp)
    trainer.add_callback(preemption.callback())
    trainer.add_callback(ledger.callback())
    resume_from = last_checkpoint(out_dir)
    if resume_from:
        log.info("%s: resuming from %s", task.name, resume_from)
    with ledger.recording(trainer):
        train_output = trainer.train(resume_from_checkpoint=resume_from)
    dev_metrics = trainer.evaluate() if trainer.eval_dataset is not None else {}
    ledger.finish(train_output.global_step)
    whole = attempts.whole_phase(ledger, trainer.state.log_history, train_output.global_step, train_output.training_loss)
    ledger.remove()
    # Checkpoints were only needed to pick the best one; the caller saves what it keeps.
    shutil.rmtree(out_dir / "trainer", ignore_errors=True)
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        out_dir.rmdir()
    metrics = {
        "resumed_from_step": checkpoint_step(resume_from),
        "train_steps": train_output.global_step,
        **whole,  # train_loss, train_seconds, seconds, clean_seconds, attempts, steps_run: over all attempts
        "train_features": len(trainer.train_dataset),
        "dev_features": len(trainer.eval_dataset) if trainer.eval_dataset is not None else 0,
        "dev": {k.removeprefix("eval_"): v for k, v in dev_metrics.items()},
    }
    return PhaseResult(model, tokenizer, trainer, metrics, whole["seconds"], hp, init_from)


def add_checkpoint_schedule(trainer: Any, hp: TrainPlan) -> None:
    """A full checkpoint every ``hp.checkpoint_minutes`` of training (none when null), none
    after the last step. Before the preemption callback (a signal still saves at any step)."""
    from xtask.pipeline.checkpointing import schedule

    trainer.add_callback(schedule(getattr(hp, "checkpoint_minutes", None)))


def with_hp(hp: TrainPlan, **values: Any) -> TrainPlan:
    """``hp`` with ``values`` set: a :class:`xtask.plan.cellplan.TrainPlan` (frozen) is replaced,
    a config is merged."""
    import dataclasses

    if dataclasses.is_dataclass(hp):
        return dataclasses.replace(hp, **values)
    from omegaconf import OmegaConf

    return OmegaConf.merge(hp, values)


def freeze_embeddings(model: Any, hp: TrainPlan) -> None:
    """With ``freeze_embeddings``, the input word embeddings are not trained (nor tied outputs)."""
    if getattr(hp, "freeze_embeddings", False):
        model.get_input_embeddings().weight.requires_grad_(False)


def fit_max_length(hp: TrainPlan, tokenizer: Any) -> TrainPlan:
    """``hp`` with ``max_length`` lowered to the longest input the model accepts (e.g. QA asks for
    384 tokens, XTREME's window; the tiny CPU model has 128 positions)."""
    limit = int(getattr(tokenizer, "model_max_length", hp.max_length) or hp.max_length)
    if hp.max_length <= limit:
        return hp
    log.info("max_length %d exceeds the model's %d: using %d", hp.max_length, limit, limit)
    stride = getattr(hp, "doc_stride", None)
    return with_hp(hp, max_length=limit, **({"doc_stride": min(stride, limit // 4)} if stride is not None else {}))


def complete_checkpoint(folder: Path) -> bool:
    """A Trainer checkpoint is complete once its state file is there (written last, after the
    model, optimizer, scheduler and RNG states) and readable, with its weights and optimizer."""
    import json

    state = folder / "trainer_state.json"
    try:
        json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    has_weights = any(folder.glob("*.safetensors")) or any(folder.glob("*.bin")) or (folder / "heads.json").is_file()
    return has_weights and (folder / "optimizer.pt").is_file()


def last_checkpoint(out_dir: Path) -> Optional[str]:
    """The newest *complete* Trainer checkpoint of a phase (left by a preempted or killed run),
    if any. Newer incomplete ones (a save cut short by a full disk or a kill) are removed, with
    a warning, so the run resumes from the last good one instead of from step 0."""
    folder = out_dir / "trainer"
    if not folder.is_dir():
        return None
    steps = sorted((p for p in folder.glob("checkpoint-*") if p.is_dir() and p.name.split("-")[-1].isdigit()),
                   key=lambda p: int(p.name.split("-")[-1]), reverse=True)
    for checkpoint in steps:
        if complete_checkpoint(checkpoint):
            return str(checkpoint)
        log.warning("checkpoint %s is incomplete (a save was cut short): removed; resuming from an earlier one", checkpoint)
        shutil.rmtree(checkpoint, ignore_errors=True)
    return None


def checkpoint_step(checkpoint: Optional[str]) -> Optional[int]:
    """The global step of a ``checkpoint-N`` folder (None for no checkpoint)."""
    return int(checkpoint.rsplit("-", 1)[1]) if checkpoint else None


def neutralize_head_config(config: Any) -> None:
    """Drop the task head's label maps from an encoder's config before saving it: the next phase
    builds its own head, whose size must not come from this one (a QA head needs 2 outputs)."""
    default = type(config)()
    config.id2label, config.label2id = default.id2label, default.label2id
    config.problem_type = None


def save_encoder(result: PhaseResult, dest: Path) -> None:
    """Save the encoder without its task head, so the next phase starts with a fresh head; its
    pooler is the pretrained one, or none (the pooler policy of xtask/models/pooler.py)."""
    from xtask.models.pooler import handed_on_state, pretrained_pooler

    if result.init_from is None:
        raise ValueError("save_encoder needs the phase's init_from (PhaseResult.init_from) for the pooler policy")
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    base = result.model.base_model
    neutralize_head_config(base.config)
    base.save_pretrained(staging, state_dict=handed_on_state(base.state_dict(), pretrained_pooler(result.init_from)))
    result.tokenizer.save_pretrained(staging)
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
