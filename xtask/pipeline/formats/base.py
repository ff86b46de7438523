"""What every task format provides: a model with a fresh head, encoding, a Trainer, and prediction.

A format turns a task's canonical columns into model features, builds the Trainer that selects
on the English dev set, and predicts an evaluation set into XTREME's submission format
(the spec's ``submission`` layout, xtask.scoring.files.write_labels) with the gold answers beside it when the set has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import datasets

from xtask.pipeline import batching, features
from xtask.plan.cellplan import TrainPlan
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
    # Bump when the format's encoding changes: cached features of older versions are not reused
    # (xtask/pipeline/features.py).
    features_version: int = 1

    def load_model(self, init_path: str, task: Task) -> Any:
        import transformers

        from xtask.models.load_report import load

        auto = getattr(transformers, self.auto_model)
        return load(auto, init_path, **self.head_kwargs(task))  # a fresh head: one line, not transformers' table

    def head_kwargs(self, task: Task) -> Dict[str, Any]:
        return {
            "num_labels": task.num_labels,
            "id2label": dict(enumerate(task.labels)),
            "label2id": task.label2id,
        }

    def encode_train(self, dataset: datasets.Dataset, tokenizer: Any, max_length: int, task: Task) -> datasets.Dataset:
        """Model inputs with ``labels`` for training and for dev-set selection."""
        raise NotImplementedError

    def feature_params(self, hp: TrainPlan) -> Dict[str, Any]:
        """The train-config settings this format's encoding depends on (part of the cache key)."""
        return {"max_length": int(hp.max_length)}

    def encode_for_training(self, dataset: datasets.Dataset, tokenizer: Any, task: Task, hp: TrainPlan,
                            cache: Optional[Path] = None) -> datasets.Dataset:
        """Training features (with labels) under a phase's train config; from the feature cache
        ``cache`` (a folder, or None) when it has them."""
        return features.encode(cache, dataset, tokenizer, task=task, fmt=self, purpose="train",
                               params=self.feature_params(hp),
                               build=lambda: self.encode_train(dataset, tokenizer, hp.max_length, task))

    def encode_for_prediction(self, dataset: datasets.Dataset, tokenizer: Any, task: Task, hp: TrainPlan,
                              cache: Optional[Path] = None) -> datasets.Dataset:
        """Features to predict ``dataset`` from, with what maps outputs back to its rows."""
        return self.encode_for_training(dataset, tokenizer, task, hp, cache)

    def collator(self, tokenizer: Any) -> Any:
        from transformers import DataCollatorWithPadding

        return DataCollatorWithPadding(tokenizer)

    def compute_metrics(self, task: Task) -> Optional[Callable[[Any], Dict[str, float]]]:
        return None

    def build_trainer(
        self, *, model: Any, args: Any, train_set: datasets.Dataset, dev_raw: Optional[datasets.Dataset],
        tokenizer: Any, task: Task, hp: TrainPlan, cache: Optional[Path] = None,
    ) -> Any:
        """A Trainer that trains on ``train_set`` and evaluates on the English ``dev_raw``;
        ``hp`` is the phase's train config (max_length, the QA window settings, group_by_length);
        ``cache``: the feature cache folder (None: encode in memory)."""
        with features.role("English dev set, for checkpoint selection"):
            dev = self.encode_for_training(dev_raw, tokenizer, task, hp, cache) if dev_raw is not None else None
        with features.role("training set"):
            train = self.encode_for_training(train_set, tokenizer, task, hp, cache)
        return batching.trainer_class()(
            model=model,
            args=args,
            train_dataset=train,
            # Longest first: less padding; accuracy and F1 do not depend on the rows' order.
            eval_dataset=batching.sort_by_length(dev) if dev is not None else None,
            processing_class=tokenizer,
            data_collator=self.collator(tokenizer),
            compute_metrics=self.compute_metrics(task),
            group_by_length=bool(hp.group_by_length),
            feature_cache=cache,
        )

    def predict(self, trainer: Any, task: Task, raw: datasets.Dataset, hp: TrainPlan, lang: str) -> Prediction:
        """Predictions for ``raw``'s rows, in their order (batches run longest first:
        :func:`xtask.pipeline.batching.predict_in_order`)."""
        raise NotImplementedError

    def prediction_features(self, trainer: Any, task: Task, raw: datasets.Dataset, hp: TrainPlan) -> datasets.Dataset:
        """:meth:`encode_for_prediction` with the trainer's tokenizer and feature cache."""
        return self.encode_for_prediction(raw, trainer.processing_class, task, hp, getattr(trainer, "feature_cache", None))
