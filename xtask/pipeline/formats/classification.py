"""Sentence(-pair) classification: MNLI, XNLI, PAWS-X, QQP, SST-2 ... with a fresh head per phase."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

import datasets
import numpy as np

from xtask.pipeline.batching import predict_in_order
from xtask.pipeline.formats.base import Prediction, TaskFormat
from xtask.plan.cellplan import TrainPlan
from xtask.scoring.metrics import accuracy
from xtask.tasks.kinds import KINDS
from xtask.tasks.spec import TaskSpec as Task

UNLABELLED = -1


class ClassificationFormat(TaskFormat):
    """Canonical columns in: ``text_a``, optional ``text_b``, ``label`` (int, -1 = unlabelled)."""

    metric = "accuracy"
    auto_model = KINDS["classification"].head  # the kind's head (xtask/tasks/kinds.py)

    def encode_train(self, dataset: datasets.Dataset, tokenizer: Any, max_length: int, task: Task) -> datasets.Dataset:
        has_pair = "text_b" in dataset.column_names

        def tokenize(batch: Dict[str, List[Any]]) -> Dict[str, Any]:
            pair = (batch["text_a"], batch["text_b"]) if has_pair else (batch["text_a"],)
            encoded = tokenizer(*pair, truncation=True, max_length=max_length)
            encoded["labels"] = batch["label"]
            return encoded

        return dataset.map(tokenize, batched=True, remove_columns=dataset.column_names)

    def compute_metrics(self, task: Task) -> Callable[[Any], Dict[str, float]]:
        def compute(eval_pred: Any) -> Dict[str, float]:
            predicted = np.argmax(eval_pred.predictions, axis=-1)
            return accuracy(list(eval_pred.label_ids), list(predicted))

        return compute

    def predict(self, trainer: Any, task: Task, raw: datasets.Dataset, hp: TrainPlan, lang: str) -> Prediction:
        encoded = self.prediction_features(trainer, task, raw, hp)
        logits = predict_in_order(trainer, encoded.remove_columns("labels"))
        predicted = [task.labels[i] for i in np.argmax(logits, axis=-1)]
        if any(label == UNLABELLED for label in raw["label"]):
            return Prediction(predicted, None, None, len(raw))
        gold = [task.labels[i] for i in raw["label"]]
        return Prediction(predicted, gold, accuracy(gold, predicted), len(raw))
