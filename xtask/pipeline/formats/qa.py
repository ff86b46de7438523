"""Extractive QA (SQuAD, XQuAD, MLQA, TyDiQA-GoldP): sliding windows over the context, n-best
span post-processing, answers cut from the original context text by character offsets.

Conventions follow the HF ``run_qa`` example and XTREME: question first, context second and
truncated (``only_second``) into windows of ``max_length`` tokens that overlap by ``doc_stride``;
a window that does not contain the whole answer is trained to point at its CLS token (``<s>`` for
XLM-R, ``[CLS]`` for BERT and DeBERTa: :func:`cls_index`); at prediction time the best-scoring
span (start logit + end logit, at most ``max_answer_length`` tokens, inside the context) over all
windows of a question is its answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import datasets
import numpy as np

from xtask.pipeline import batching, features
from xtask.pipeline.batching import predict_in_order
from xtask.pipeline.formats.base import Prediction, TaskFormat
from xtask.plan.cellplan import TrainPlan
from xtask.scoring.metrics import mlqa_em_f1, squad_em_f1, squad_v2_em_f1
from xtask.tasks.kinds import KINDS
from xtask.tasks.spec import TaskSpec as Task

META = ("example", "offset_mapping", "cls_index")


def cls_index(input_ids: List[int], tokenizer: Any) -> int:
    """Position of the tokenizer's CLS token (BOS when it has no CLS) in one window: the
    "no answer" position of extractive QA."""
    cls_id = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    if cls_id is None or cls_id not in input_ids:
        raise ValueError(f"QA windows need a CLS/BOS token; {type(tokenizer).__name__} added none")
    return input_ids.index(cls_id)


def squad_json(raw: datasets.Dataset) -> Dict[str, Any]:
    """The gold answers of ``raw`` as a SQuAD v1.1 file (one paragraph per question)."""
    articles = [
        {
            "title": ex["title"],
            "paragraphs": [
                {
                    "context": ex["context"],
                    "qas": [
                        {
                            "id": ex["id"],
                            "question": ex["question"],
                            "answers": [
                                {"text": t, "answer_start": s}
                                for t, s in zip(ex["answers"]["text"], ex["answers"]["answer_start"])
                            ],
                        }
                    ],
                }
            ],
        }
        for ex in raw
    ]
    return {"version": "1.1", "data": articles}


def truncate_questions(questions: List[str], tokenizer: Any, max_query_length: int) -> Tuple[List[str], int]:
    """Questions cut to ``max_query_length`` tokens (as XTREME's and HF's reference scripts do:
    a longer question would leave no room for the context), and the longest one's token count.
    Leading spaces are dropped (they only waste window room)."""
    questions = [q.lstrip() for q in questions]
    enc = tokenizer(questions, add_special_tokens=False, return_offsets_mapping=True)
    kept, longest = [], 0
    for question, ids, offsets in zip(questions, enc["input_ids"], enc["offset_mapping"]):
        if len(ids) > max_query_length:
            question = question[: offsets[max_query_length - 1][1]]
            ids = ids[:max_query_length]
        kept.append(question)
        longest = max(longest, len(ids))
    return kept, longest


def window_stride(tokenizer: Any, max_length: int, doc_stride: int, longest_question: int) -> int:
    """The overlap of consecutive windows: ``doc_stride``, but below the room the longest
    question leaves for context (the tokenizer cannot overlap windows by more than that)."""
    room = max_length - longest_question - tokenizer.num_special_tokens_to_add(pair=True)
    if room < 2:
        raise ValueError(f"max_length={max_length} leaves no room for the context after a {longest_question}-token "
                         "question: raise max_length or lower max_query_length")
    return max(0, min(doc_stride, room - 1))


def encode_windows(
    raw: datasets.Dataset, tokenizer: Any, max_length: int, doc_stride: int, with_positions: bool,
    max_query_length: int = 64,
) -> datasets.Dataset:
    """One feature per window; ``start_positions``/``end_positions`` when ``with_positions``,
    else the bookkeeping needed to map predicted tokens back to context characters."""
    if tokenizer.padding_side != "right":
        raise ValueError("QA windows assume right padding (question first, then context)")

    def encode(batch: Dict[str, List[Any]], indices: List[int]) -> Dict[str, Any]:
        questions, longest = truncate_questions(batch["question"], tokenizer, max_query_length)
        enc = tokenizer(
            questions,
            batch["context"],
            truncation="only_second",
            max_length=max_length,
            stride=window_stride(tokenizer, max_length, doc_stride, longest),
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
        )
        sample_map = enc.pop("overflow_to_sample_mapping")
        offsets = enc.pop("offset_mapping")
        starts, ends, examples, kept_offsets, no_answer = [], [], [], [], []
        for i, sample in enumerate(sample_map):
            sequence_ids = enc.sequence_ids(i)
            context_mask = [sid == 1 for sid in sequence_ids]
            examples.append(indices[sample])
            kept_offsets.append([o if keep else None for o, keep in zip(offsets[i], context_mask)])
            no_answer.append(cls_index(enc["input_ids"][i], tokenizer))
            answers = batch["answers"][sample]
            if not answers["answer_start"]:
                starts.append(no_answer[-1])
                ends.append(no_answer[-1])
                continue
            char_start = answers["answer_start"][0]
            char_end = char_start + len(answers["text"][0])
            first = context_mask.index(True)
            last = len(context_mask) - 1 - context_mask[::-1].index(True)
            if offsets[i][first][0] > char_start or offsets[i][last][1] < char_end:
                starts.append(no_answer[-1])  # the answer is not (wholly) in this window: point at CLS
                ends.append(no_answer[-1])
                continue
            token_start = first
            while token_start <= last and offsets[i][token_start][1] <= char_start:
                token_start += 1
            token_end = last
            while token_end >= first and offsets[i][token_end][0] >= char_end:
                token_end -= 1
            starts.append(token_start)
            ends.append(token_end)
        if with_positions:
            enc["start_positions"], enc["end_positions"] = starts, ends
        else:
            enc["example"], enc["offset_mapping"], enc["cls_index"] = examples, kept_offsets, no_answer
        return enc

    return raw.map(encode, batched=True, with_indices=True, remove_columns=raw.column_names)


def best_spans(
    raw: datasets.Dataset,
    features: datasets.Dataset,
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    n_best: int,
    max_answer_length: int,
    allow_no_answer: bool = False,
) -> Dict[str, str]:
    """Pick each question's best span over all its windows; an empty string if none is valid.

    With ``allow_no_answer`` (SQuAD 2.0) the answer is empty when the CLS ("no answer") score
    of the question's windows, their minimum as in HF's run_qa, beats the best span."""
    by_example: Dict[int, List[int]] = {}
    for row, example in enumerate(features["example"]):
        by_example.setdefault(example, []).append(row)
    offsets_all, null_at = features["offset_mapping"], features["cls_index"]
    answers: Dict[str, str] = {}
    for index, ex in enumerate(raw):
        best: Tuple[float, str] = (-np.inf, "")
        null_score = min((float(start_logits[row][null_at[row]] + end_logits[row][null_at[row]])
                          for row in by_example.get(index, [])), default=np.inf)
        for row in by_example.get(index, []):
            offsets: List[Optional[List[int]]] = offsets_all[row]
            starts = np.argsort(start_logits[row])[::-1][:n_best]
            ends = np.argsort(end_logits[row])[::-1][:n_best]
            for s in starts:
                for e in ends:
                    if s >= len(offsets) or e >= len(offsets) or offsets[s] is None or offsets[e] is None:
                        continue
                    if e < s or e - s + 1 > max_answer_length:
                        continue
                    score = float(start_logits[row][s] + end_logits[row][e])
                    if score > best[0]:
                        best = (score, ex["context"][offsets[s][0] : offsets[e][1]])
        answers[ex["id"]] = "" if allow_no_answer and null_score > best[0] else best[1]
    return answers


class QAFormat(TaskFormat):
    auto_model = KINDS["qa"].head  # the kind's head (xtask/tasks/kinds.py)
    metric = "f1"  # selects checkpoints; the task score is (EM + F1) / 2 as in XTREME

    def head_kwargs(self, task: Task) -> Dict[str, Any]:
        # Start and end logits. Explicit: an encoder saved after a 3-way NLI task (or CCG) would
        # otherwise hand its num_labels to the QA head.
        return {"num_labels": 2}

    def feature_params(self, hp: TrainPlan) -> Dict[str, Any]:
        return {"max_length": int(hp.max_length), "doc_stride": int(hp.doc_stride),
                "max_query_length": int(hp.max_query_length)}

    def encode_for_training(self, dataset: datasets.Dataset, tokenizer: Any, task: Task, hp: TrainPlan,
                            cache: Optional[Path] = None) -> datasets.Dataset:
        return features.encode(cache, dataset, tokenizer, task=task, fmt=self, purpose="train",
                               params=self.feature_params(hp),
                               build=lambda: encode_windows(dataset, tokenizer, hp.max_length, hp.doc_stride,
                                                            with_positions=True, max_query_length=hp.max_query_length))

    def encode_for_prediction(self, dataset: datasets.Dataset, tokenizer: Any, task: Task, hp: TrainPlan,
                              cache: Optional[Path] = None) -> datasets.Dataset:
        """Windows with their bookkeeping (:data:`META`): question, context offsets, CLS position."""
        return features.encode(cache, dataset, tokenizer, task=task, fmt=self, purpose="predict",
                               params=self.feature_params(hp),
                               build=lambda: encode_windows(dataset, tokenizer, hp.max_length, hp.doc_stride,
                                                            with_positions=False, max_query_length=hp.max_query_length))

    def score(self, raw: datasets.Dataset, answers: Dict[str, str], task: Task, lang: str) -> Dict[str, float]:
        data = squad_json(raw)["data"]
        if task.qa_normalisation == "mlqa":
            return mlqa_em_f1(data, answers, lang)
        if task.unanswerable:
            return squad_v2_em_f1(data, answers)
        return squad_em_f1(data, answers)

    def answer(self, trainer: Any, raw: datasets.Dataset, hp: TrainPlan, task: Task,
               windows: Optional[datasets.Dataset] = None) -> Dict[str, str]:
        """Each question's best span; ``windows``: ``raw``'s prediction features if already encoded."""
        if windows is None:
            windows = self.prediction_features(trainer, task, raw, hp)
        start_logits, end_logits = predict_in_order(trainer, windows.remove_columns(list(META)))[:2]
        return best_spans(raw, windows, start_logits, end_logits, hp.n_best, hp.max_answer_length,
                          allow_no_answer=task.unanswerable)

    def build_trainer(self, *, model, args, train_set, dev_raw, tokenizer, task, hp, cache=None):  # type: ignore[override]
        fmt = self
        with features.role("training set"):
            train_features = self.encode_for_training(train_set, tokenizer, task, hp, cache)
        with features.role("English dev set, for checkpoint selection"):
            dev_windows = self.encode_for_prediction(dev_raw, tokenizer, task, hp, cache) if dev_raw is not None else None

        class QuestionAnsweringTrainer(batching.trainer_class()):  # type: ignore[misc]
            """Evaluates by answering the dev questions, since window logits are not a metric."""

            def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix="eval"):  # type: ignore[override]
                answers = fmt.answer(self, dev_raw, hp, task, dev_windows)
                metrics = {f"{metric_key_prefix}_{k}": v for k, v in fmt.score(dev_raw, answers, task, "en").items()}
                self.log(metrics)
                self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
                return metrics

        return QuestionAnsweringTrainer(
            model=model,
            args=args,
            train_dataset=train_features,
            eval_dataset=dev_windows.remove_columns(list(META)) if dev_windows is not None else None,
            processing_class=tokenizer,
            data_collator=self.collator(tokenizer),
            group_by_length=bool(hp.group_by_length),
            feature_cache=cache,
        )

    def predict(self, trainer: Any, task: Task, raw: datasets.Dataset, hp: TrainPlan, lang: str) -> Prediction:
        answers = self.answer(trainer, raw, hp, task)
        if not task.unanswerable and not any(raw["answers"][i]["text"] for i in range(len(raw))):
            return Prediction(answers, None, None, len(raw))
        return Prediction(answers, squad_json(raw), self.score(raw, answers, task, lang), len(raw))
