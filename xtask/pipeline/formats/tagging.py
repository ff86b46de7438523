"""Token tagging (UDPOS, PAN-X, CCG): one tag per word, predicted on the word's first subword.

A sentence longer than the model's window is cut into consecutive chunks of whole words (as
XTREME's preprocessing does), each predicted on its own and put back together, so every word
of every sentence gets exactly one predicted tag.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import datasets
import numpy as np

from xtask.pipeline import features as feature_cache
from xtask.pipeline.batching import predict_in_order
from xtask.pipeline.formats.base import Prediction, TaskFormat
from xtask.scoring.metrics import tagging_f1
from xtask.tasks.spec import TaskSpec as Task

IGNORE = -100  # label of special tokens and non-first subwords: no loss, no prediction
META = ("example", "word_start", "positions")  # per-chunk bookkeeping, not model inputs


def _word_pieces(tokenizer: Any, words: List[str]) -> Tuple[List[str], List[int]]:
    """Words (unknown-token for words that tokenise to nothing) and their subword counts."""
    encoded = tokenizer(words, is_split_into_words=True, add_special_tokens=False)
    counts = [0] * len(words)
    for word_id in encoded.word_ids():
        if word_id is not None:
            counts[word_id] += 1
    safe = [w if n else tokenizer.unk_token for w, n in zip(words, counts)]
    return safe, [max(n, 1) for n in counts]


def chunk_words(counts: List[int], budget: int) -> List[Tuple[int, int]]:
    """Split word indices into ``[start, end)`` chunks whose subword total fits ``budget``."""
    chunks, start, used = [], 0, 0
    for i, n in enumerate(counts):
        if used + n > budget and i > start:
            chunks.append((start, i))
            start, used = i, 0
        used += n
    chunks.append((start, len(counts)))
    return chunks


def align_labels(word_ids: List[Any], word_labels: List[int]) -> List[int]:
    """Label the first subword of each word; ignore special tokens and later subwords."""
    labels, previous = [], None
    for word_id in word_ids:
        if word_id is None or word_id == previous:
            labels.append(IGNORE)
        else:
            labels.append(word_labels[word_id] if word_labels else IGNORE)
        previous = word_id
    return labels


class TaggingFormat(TaskFormat):
    metric = "f1"
    auto_model = "AutoModelForTokenClassification"

    def _features(self, dataset: datasets.Dataset, tokenizer: Any, max_length: int, task: Task) -> datasets.Dataset:
        """Model features plus, per chunk, its sentence index, first word and first-subword positions."""
        budget = max_length - tokenizer.num_special_tokens_to_add(pair=False)
        label2id = task.label2id

        def encode(batch: Dict[str, List[Any]], indices: List[int]) -> Dict[str, List[Any]]:
            out: Dict[str, List[Any]] = {key: [] for key in ("input_ids", "attention_mask", "labels", *META)}
            for index, words, tags in zip(indices, batch["tokens"], batch["tags"]):
                words, counts = _word_pieces(tokenizer, list(words))
                tag_ids = [label2id.get(t, IGNORE) for t in tags]  # unseen CCG categories: no loss
                for start, end in chunk_words(counts, budget):
                    enc = tokenizer(words[start:end], is_split_into_words=True, truncation=True, max_length=max_length)
                    word_ids = enc.word_ids()
                    out["input_ids"].append(enc["input_ids"])
                    out["attention_mask"].append(enc["attention_mask"])
                    out["labels"].append(align_labels(word_ids, tag_ids[start:end]))
                    out["example"].append(index)
                    out["word_start"].append(start)
                    out["positions"].append(
                        [i for i, w in enumerate(word_ids) if w is not None and (i == 0 or word_ids[i - 1] != w)]
                    )
            return out

        return dataset.map(encode, batched=True, with_indices=True, remove_columns=dataset.column_names)

    def encode_train(self, dataset: datasets.Dataset, tokenizer: Any, max_length: int, task: Task) -> datasets.Dataset:
        return self._features(dataset, tokenizer, max_length, task).remove_columns(list(META))

    def encode_for_prediction(self, dataset: datasets.Dataset, tokenizer: Any, task: Task, hp: Any,
                              cache: Optional[Path] = None) -> datasets.Dataset:
        return feature_cache.encode(cache, dataset, tokenizer, task=task, fmt=self, purpose="predict",
                               params=self.feature_params(hp),
                               build=lambda: self._features(dataset, tokenizer, hp.max_length, task))

    def collator(self, tokenizer: Any) -> Any:
        from transformers import DataCollatorForTokenClassification

        return DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORE)

    def compute_metrics(self, task: Task) -> Callable[[Any], Dict[str, float]]:
        def compute(eval_pred: Any) -> Dict[str, float]:
            predicted = np.argmax(eval_pred.predictions, axis=-1)
            gold_seqs, pred_seqs = [], []
            for pred_row, gold_row in zip(predicted, eval_pred.label_ids):
                keep = gold_row != IGNORE
                gold_seqs.append([task.labels[i] for i in gold_row[keep]])
                pred_seqs.append([task.labels[i] for i in pred_row[keep]])
            return tagging_f1(gold_seqs, pred_seqs)

        return compute

    def predict(self, trainer: Any, task: Task, raw: datasets.Dataset, hp: Any, lang: str) -> Prediction:
        features = self.prediction_features(trainer, task, raw, hp)
        logits = predict_in_order(trainer, features.remove_columns([*META, "labels"]))
        predicted: List[List[str]] = [[""] * len(tokens) for tokens in raw["tokens"]]
        for row, (example, start, positions) in enumerate(
            zip(features["example"], features["word_start"], features["positions"])
        ):
            tag_ids = np.argmax(logits[row][positions], axis=-1)
            for offset, tag_id in enumerate(tag_ids):
                predicted[example][start + offset] = task.labels[int(tag_id)]
        gold = [list(tags) for tags in raw["tags"]]
        if any(not tags for tags in gold):
            return Prediction(predicted, None, None, len(raw))
        return Prediction(predicted, gold, tagging_f1(gold, predicted), len(raw))
