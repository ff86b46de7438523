"""Intermediate training on a mixture: several tasks (and/or masked LM) through one encoder.

Every optimisation step draws a task from the :class:`~xtask.pipeline.multitask.sampler.TaskSampler`
and takes one batch of it; a step budget of ``epochs`` means ``epochs`` passes over the
mixture's (capped) example count. The result is saved like a single-task phase: ``encoder/``
for phase 2, plus the heads so the multi-task checkpoint itself can be reloaded.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional

import datasets
import torch
from torch.utils.data import DataLoader

from xtask.pipeline.batching import GroupedSampler, epoch_seed, feature_lengths
from xtask.pipeline.formats import format_for
from xtask.pipeline.multitask.model import MLM_TASK, MultiTaskModel, head_spec
from xtask.pipeline.multitask.sampler import TaskSampler
from xtask.tasks.spec import TaskSpec as Task
from xtask.pipeline import attempts, preemption
from xtask.pipeline.training import (
    PhaseResult, PhaseRun, add_checkpoint_schedule, cap_examples, checkpoint_step, fit_max_length, freeze_embeddings,
    last_checkpoint, with_hp,
    training_arguments,
)

log = logging.getLogger(__name__)


class MixtureLoader:
    """``steps`` batches, each from the task the sampler draws; task loaders restart when spent."""

    def __init__(self, loaders: Mapping[str, DataLoader], sampler: TaskSampler, steps: int) -> None:
        self.loaders, self.sampler, self.steps = dict(loaders), sampler, steps
        self.drawn: Dict[str, int] = {name: 0 for name in loaders}

    def __len__(self) -> int:
        return self.steps

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        iterators: Dict[str, Iterator[Any]] = {}
        for _ in range(self.steps):
            name = self.sampler.draw()
            try:
                batch = next(iterators[name])
            except (KeyError, StopIteration):
                iterators[name] = iter(self.loaders[name])
                batch = next(iterators[name])
            self.drawn[name] += 1
            yield {**batch, "task": name}


def task_loaders(features: Mapping[str, datasets.Dataset], collators: Mapping[str, Any], hp: Any, seed: int,
                 workers: int = 0) -> Dict[str, DataLoader]:
    """One loader per task of the mixture: length-grouped batches (a :class:`GroupedSampler`
    per task, seeded by the run's seed and the task's position) when ``hp.group_by_length``,
    else shuffled by one shared generator; each restart of a loader is a new epoch's order."""
    if not bool(getattr(hp, "group_by_length", False)):
        generator = torch.Generator().manual_seed(seed)
        return {name: DataLoader(ds, batch_size=hp.batch_size, shuffle=True, collate_fn=collators[name],
                                 generator=generator, num_workers=workers)
                for name, ds in features.items()}
    return {
        name: DataLoader(ds, batch_size=hp.batch_size, collate_fn=collators[name], num_workers=workers,
                         sampler=GroupedSampler(feature_lengths(ds), hp.batch_size, epoch_seed(seed, 1_000 + position)))
        for position, (name, ds) in enumerate(features.items())
    }


def mlm_features(lines: datasets.Dataset, tokenizer: Any, max_length: int) -> datasets.Dataset:
    return lines.map(
        lambda batch: tokenizer(batch["text"], truncation=True, max_length=max_length),
        batched=True,
        remove_columns=lines.column_names,
    )


def _make_trainer_class() -> Any:
    from transformers import Trainer

    class MultiTaskTrainer(Trainer):
        """Trains a :class:`MultiTaskModel` on a :class:`MixtureLoader`; saves in its own layout."""

        mixture: MixtureLoader

        def get_train_dataloader(self) -> Any:
            return self.mixture

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # type: ignore[override]
            outputs = model(**inputs)
            return (outputs.loss, outputs) if return_outputs else outputs.loss

        def _save(self, output_dir: Optional[str] = None, state_dict: Any = None) -> None:
            self.model.save(Path(output_dir or self.args.output_dir), self.processing_class)

        def _load_from_checkpoint(self, resume_from_checkpoint: str, model: Any = None) -> None:
            restored = MultiTaskModel.load(Path(resume_from_checkpoint))
            (model or self.model).load_state_dict(restored.state_dict())

    return MultiTaskTrainer


def train_mixture(
    *,
    tasks: Mapping[str, Task],
    train_sets: Mapping[str, datasets.Dataset],
    mlm_lines: Optional[datasets.Dataset],
    probabilities_for: Any,
    run: PhaseRun,
) -> PhaseResult:
    """Train the shared encoder on the mixture. ``probabilities_for(sizes) -> {task: p}``."""
    init_from, out_dir, hp, seed = run.init_from, run.out_dir, run.hp, run.seed
    from transformers import AutoTokenizer, DataCollatorForLanguageModeling, set_seed

    ledger = attempts.Ledger.open(out_dir)  # this attempt, beside the earlier ones (xtask/pipeline/attempts.py)
    tokenizer = AutoTokenizer.from_pretrained(init_from)
    hp = fit_max_length(hp, tokenizer)
    set_seed(seed)
    specs = {name: head_spec(task) for name, task in tasks.items()}
    features: Dict[str, datasets.Dataset] = {}
    collators: Dict[str, Any] = {}
    knobs = run.settings
    for name, task in tasks.items():
        fmt = format_for(task)
        features[name] = fmt.encode_for_training(cap_examples(train_sets[name], hp.max_train_examples, seed), tokenizer,
                                                 task, hp, knobs.feature_cache)
        collators[name] = fmt.collator(tokenizer)
    if mlm_lines is not None:
        specs[MLM_TASK] = {"kind": MLM_TASK}
        features[MLM_TASK] = mlm_features(mlm_lines, tokenizer, hp.max_length)
        collators[MLM_TASK] = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)
    model = MultiTaskModel.from_encoder(init_from, specs)
    freeze_embeddings(model.encoder, hp)

    sizes = {name: len(ds) for name, ds in features.items()}
    probabilities = probabilities_for(sizes)
    loaders = task_loaders(features, collators, hp, seed, knobs.dataloader_workers)
    if hp.max_steps > 0:
        steps = hp.max_steps
    else:
        steps = math.ceil(hp.epochs * sum(sizes.values()) / (hp.batch_size * hp.grad_accum))
    mixture = MixtureLoader(loaders, TaskSampler(probabilities, seed=seed), steps * hp.grad_accum)
    log.info("mixture of %s: probabilities %s, %d steps", sorted(sizes), {k: round(v, 3) for k, v in probabilities.items()}, steps)

    # No dev-set selection for a mixture: train for the budget and keep the last step.
    phase_hp = with_hp(hp, eval_strategy="no", selection="last", max_steps=steps)
    args = training_arguments(phase_hp, out_dir, seed, knobs, run.report_to, run.run_name)
    args.remove_unused_columns = False
    args.label_names = []
    trainer = _make_trainer_class()(model=model, args=args, processing_class=tokenizer)
    trainer.mixture = mixture
    add_checkpoint_schedule(trainer, phase_hp)
    trainer.add_callback(preemption.callback())
    trainer.add_callback(ledger.callback())
    resume_from = last_checkpoint(out_dir)
    with ledger.recording(trainer):
        output = trainer.train(resume_from_checkpoint=resume_from)
    ledger.finish(output.global_step)
    whole = attempts.whole_phase(ledger, trainer.state.log_history, output.global_step, output.training_loss)
    ledger.remove()
    metrics = {
        "resumed_from_step": checkpoint_step(resume_from),
        "train_steps": output.global_step,
        **whole,  # train_loss, train_seconds, seconds, clean_seconds, attempts, steps_run: over all attempts
        "task_probabilities": probabilities,
        "batches_per_task": dict(mixture.drawn),
        "train_features": sizes,
    }
    return PhaseResult(model, tokenizer, trainer, metrics, whole["seconds"], hp)
