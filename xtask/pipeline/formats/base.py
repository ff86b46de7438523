"""What every task format provides: a model with a fresh head, encoding, a Trainer, and prediction.

A format turns a task's canonical columns into model features, builds the Trainer that selects
on the English dev set, and predicts an evaluation set into XTREME's submission format
(the spec's ``submission`` layout, xtask.scoring.files.write_labels) with the gold answers beside it when the set has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

import datasets

from xtask.tasks.spec import TaskSpec as Task


@dataclass
class Prediction:
    """One language's predictions; ``scores`` and ``gold`` are None for an unlabelled set."""

    predicted: Any
    gold: Optional[Any]
    scores: Optional[Dict[str, float]]
    size: int


class TaskFormat:
    auto_model: str = ""  # name of the transformers Auto class with the right head
    metric: str = ""  # the dev metric that selects checkpoints (the spec's headline metric)

    def load_model(self, init_path: str, task: Task) -> Any:
        import transformers

        auto = getattr(transformers, self.auto_model)
        return auto.from_pretrained(init_path, **self.head_kwargs(task))

    def head_kwargs(self, task: Task) -> Dict[str, Any]:
        return {
            "num_labels": task.num_labels,
            "id2label": dict(enumerate(task.labels)),
            "label2id": task.label2id,
        }

    def encode_train(self, dataset: datasets.Dataset, tokenizer: Any, max_length: int, task: Task) -> datasets.Dataset:
        """Model inputs with ``labels`` for training and for dev-set selection."""
        raise NotImplementedError

    def encode_for_training(self, dataset: datasets.Dataset, tokenizer: Any, task: Task, hp: Any) -> datasets.Dataset:
        """Training features (with labels) under a phase's train config."""
        return self.encode_train(dataset, tokenizer, hp.max_length, task)

    def collator(self, tokenizer: Any) -> Any:
        from transformers import DataCollatorWithPadding

        return DataCollatorWithPadding(tokenizer)

    def compute_metrics(self, task: Task) -> Optional[Callable[[Any], Dict[str, float]]]:
        return None

    def build_trainer(
        self, *, model: Any, args: Any, train_set: datasets.Dataset, dev_raw: datasets.Dataset,
        tokenizer: Any, task: Task, hp: Any,
    ) -> Any:
        """A Trainer that trains on ``train_set`` and evaluates on the English ``dev_raw``;
        ``hp`` is the phase's train config (max_length, and the QA window settings)."""
        from transformers import Trainer

        return Trainer(
            model=model,
            args=args,
            train_dataset=self.encode_for_training(train_set, tokenizer, task, hp),
            eval_dataset=self.encode_for_training(dev_raw, tokenizer, task, hp) if dev_raw is not None else None,
            processing_class=tokenizer,
            data_collator=self.collator(tokenizer),
            compute_metrics=self.compute_metrics(task),
        )

    def predict(self, trainer: Any, task: Task, raw: datasets.Dataset, hp: Any, lang: str) -> Prediction:
        raise NotImplementedError
