"""Token tagging (UDPOS, PAN-X, CCG): one tag per word, predicted on one of its subwords: its
first (``train.*.tagging_piece=first``, XTREME's choice) or its first that is not a bare "▁"
(``first_nonblank``: with ``is_split_into_words`` SentencePiece gives most Chinese words a bare
"▁" first, a piece that says nothing about the word).

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
from xtask.plan.cellplan import TrainPlan
from xtask.scoring.metrics import tagging_f1
from xtask.tasks.kinds import KINDS
from xtask.tasks.spec import TaskSpec as Task

IGNORE = -100  # label of special tokens and non-first subwords: no loss, no prediction
META = ("example", "word_start", "positions")  # per-chunk bookkeeping, not model inputs
BLANK_PIECE = "\u2581"  # SentencePiece's word-start mark alone


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


def tag_positions(word_ids: List[Any], pieces: Optional[List[str]] = None, piece: str = "first") -> List[int]:
    """Per word, the position of the subword that carries its tag: its first, or with
    ``piece="first_nonblank"`` its first that is not a bare "▁" (the first when all are)."""
    positions: List[int] = []
    for i, word_id in enumerate(word_ids):
        if word_id is None:
            continue
        if i == 0 or word_ids[i - 1] != word_id:
            positions.append(i)
        elif (piece == "first_nonblank" and pieces is not None and pieces[positions[-1]] == BLANK_PIECE
              and pieces[i] != BLANK_PIECE):
            positions[-1] = i  # the word's piece so far is a bare "▁": this one says more
    return positions


def align_labels(word_ids: List[Any], word_labels: List[int], positions: Optional[List[int]] = None) -> List[int]:
    """Label each word on one subword (``positions``; default its first); ignore special tokens
    and the word's other subwords."""
    labels = [IGNORE] * len(word_ids)
    if word_labels:
        for i in tag_positions(word_ids) if positions is None else positions:
            labels[i] = word_labels[word_ids[i]]
    return labels


class TaggingFormat(TaskFormat):
    metric = "f1"
    auto_model = KINDS["tagging"].head  # the kind's head (xtask/tasks/kinds.py)

    def _features(self, dataset: datasets.Dataset, tokenizer: Any, max_length: int, task: Task,
                  piece: str = "first") -> datasets.Dataset:
        """Model features plus, per chunk, its sentence index, first word and tagged-subword positions."""
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
                    positions = tag_positions(word_ids, enc.tokens(), piece)
                    out["input_ids"].append(enc["input_ids"])
                    out["attention_mask"].append(enc["attention_mask"])
                    out["labels"].append(align_labels(word_ids, tag_ids[start:end], positions))
                    out["example"].append(index)
                    out["word_start"].append(start)
                    out["positions"].append(positions)
            return out

        return dataset.map(encode, batched=True, with_indices=True, remove_columns=dataset.column_names)

    def encode_train(self, dataset: datasets.Dataset, tokenizer: Any, max_length: int, task: Task) -> datasets.Dataset:
        return self._features(dataset, tokenizer, max_length, task).remove_columns(list(META))

    def feature_params(self, hp: TrainPlan) -> Dict[str, Any]:
        return {"max_length": int(hp.max_length), "tagging_piece": _piece(hp)}

    def encode_for_training(self, dataset: datasets.Dataset, tokenizer: Any, task: Task, hp: TrainPlan,
                            cache: Optional[Path] = None) -> datasets.Dataset:
        return feature_cache.encode(
            cache, dataset, tokenizer, task=task, fmt=self, purpose="train", params=self.feature_params(hp),
            build=lambda: self._features(dataset, tokenizer, hp.max_length, task, _piece(hp)).remove_columns(list(META)))

    def encode_for_prediction(self, dataset: datasets.Dataset, tokenizer: Any, task: Task, hp: TrainPlan,
                              cache: Optional[Path] = None) -> datasets.Dataset:
        return feature_cache.encode(cache, dataset, tokenizer, task=task, fmt=self, purpose="predict",
                                    params=self.feature_params(hp),
                                    build=lambda: self._features(dataset, tokenizer, hp.max_length, task, _piece(hp)))

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

    def predict(self, trainer: Any, task: Task, raw: datasets.Dataset, hp: TrainPlan, lang: str) -> Prediction:
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


def _piece(hp: TrainPlan) -> str:
    """The phase's ``tagging_piece`` as a string (``first`` when the config has none)."""
    value = getattr(hp, "tagging_piece", None) or "first"
    return str(getattr(value, "value", value))
