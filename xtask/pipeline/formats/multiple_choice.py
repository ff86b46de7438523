"""Multiple choice (HellaSwag, CosmosQA, CommonsenseQA, SocialIQa): one score per choice.

Each choice is encoded as the pair ``(context + question, choice)``, truncating only the first
segment so that a long context never cuts a choice; the model scores every pair with one shared
linear layer and a softmax over the choices picks the answer.
Canonical columns: ``id``, ``context``, ``question`` ("" when the task has none),
``choices`` (list of str, the same count for every row of a task), ``label`` (index, -1 = unlabelled).
"""

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


class _UnlabelledToo:
    """transformers' multiple-choice collator, also for prediction features without labels
    (it requires a label column: prediction would fail with ``KeyError: 'labels'``)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, examples: List[Dict[str, Any]]) -> Dict[str, Any]:
        if "labels" in examples[0] or "label" in examples[0]:
            return self.inner(examples)
        batch = self.inner([{**example, "labels": 0} for example in examples])
        batch.pop("labels")
        return batch


class MultipleChoiceFormat(TaskFormat):
    auto_model = KINDS["multiple_choice"].head  # the kind's head (xtask/tasks/kinds.py)
    metric = "accuracy"

    def head_kwargs(self, task: Task) -> Dict[str, Any]:
        # One logit per (context, choice) pair whatever the number of choices; the label maps of
        # an earlier phase's head do not apply.
        return {"num_labels": 1, "id2label": {0: "score"}, "label2id": {"score": 0}}

    def encode_train(self, dataset: datasets.Dataset, tokenizer: Any, max_length: int, task: Task) -> datasets.Dataset:
        def encode(batch: Dict[str, List[Any]]) -> Dict[str, Any]:
            firsts, seconds, sizes = [], [], []
            for context, question, choices in zip(batch["context"], batch["question"], batch["choices"]):
                for choice in choices:
                    firsts.append(f"{context} {question}".strip())
                    seconds.append(choice)
                sizes.append(len(choices))
            flat = tokenizer(firsts, seconds, truncation="only_first", max_length=max_length)
            out: Dict[str, List[Any]] = {key: [] for key in flat.keys()}
            start = 0
            for size in sizes:  # regroup: one row per question, one sequence per choice
                for key, values in flat.items():
                    out[key].append(values[start : start + size])
                start += size
            out["labels"] = batch["label"]
            return out

        return dataset.map(encode, batched=True, remove_columns=dataset.column_names)

    def collator(self, tokenizer: Any) -> Any:
        from transformers import DataCollatorForMultipleChoice

        return _UnlabelledToo(DataCollatorForMultipleChoice(tokenizer))

    def compute_metrics(self, task: Task) -> Callable[[Any], Dict[str, float]]:
        def compute(eval_pred: Any) -> Dict[str, float]:
            predicted = np.argmax(eval_pred.predictions, axis=-1)
            return accuracy([str(x) for x in eval_pred.label_ids], [str(x) for x in predicted])

        return compute

    def predict(self, trainer: Any, task: Task, raw: datasets.Dataset, hp: TrainPlan, lang: str) -> Prediction:
        encoded = self.prediction_features(trainer, task, raw, hp)
        logits = predict_in_order(trainer, encoded.remove_columns("labels"))
        predicted = [str(int(i)) for i in np.argmax(logits, axis=-1)]
        if any(label == UNLABELLED for label in raw["label"]):
            return Prediction(predicted, None, None, len(raw))
        gold = [str(label) for label in raw["label"]]
        return Prediction(predicted, gold, accuracy(gold, predicted), len(raw))
