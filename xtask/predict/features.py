"""What an encoder makes of a task's labelled rows: the (features, labels) LogME scores, and the
pooled vectors SEmb averages.

Rows are encoded by the task's own format (:mod:`xtask.pipeline.formats`, through the feature
cache), exactly as phase 2 would train on them, and run through the encoder's last layer
(:class:`xtask.pipeline.retrieval.Encoder`). Per kind (:data:`READERS`, one entry per trainable
kind of :mod:`xtask.tasks.kinds`):

* classification: the mean-pooled vector of the sentence (pair), labelled with its class;
* tagging: the vector of each word's tagged subword (the one phase 2 trains on), labelled with
  its tag;
* qa: context tokens of each window that holds the answer, labelled ``start``, ``end`` (a
  one-token answer gives its vector once as each) or ``other`` (a seeded sample of
  :data:`OTHERS_PER_WINDOW` other context tokens per window); windows without the answer are left
  out;
* multiple_choice: each choice's mean-pooled (context + question, choice) vector, labelled
  ``correct`` or ``incorrect``.

Retrieval kinds have no phase 2 and nothing to predict: they are scored directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from xtask.tasks.kinds import kind_of

OTHERS_PER_WINDOW = 8  # qa: "other" context tokens sampled per window


@dataclass(frozen=True)
class Encoded:
    """One encoded input of an example: model inputs, and the positions whose vectors are read
    with their class ids (no positions: the mean-pooled vector is read, with ``labels[0]``)."""

    inputs: Dict[str, List[int]]
    example: int
    positions: Tuple[int, ...] = ()
    labels: Tuple[int, ...] = ()


@dataclass(frozen=True)
class Labelled:
    """Feature rows and their class ids (``classes[i]`` names id i), from ``examples`` rows."""

    features: np.ndarray
    labels: np.ndarray
    classes: Tuple[str, ...]
    examples: int


Reader = Callable[[Any, Any, Any, Any, Any, int], Tuple[List[Encoded], Tuple[str, ...]]]


def _inputs(row: Dict[str, Any], names: Sequence[str]) -> Dict[str, List[int]]:
    return {name: list(row[name]) for name in names if name in row}


def _classification(task: Any, rows: Any, tokenizer: Any, hp: Any, cache: Any, seed: int):
    from xtask.pipeline.formats import format_for

    encoded = format_for(task).encode_for_training(rows, tokenizer, task, hp, cache)
    names = tokenizer.model_input_names
    out = [Encoded(_inputs(row, names), i, (), (int(row["labels"]),) if int(row["labels"]) >= 0 else ())
           for i, row in enumerate(encoded)]
    return out, tuple(task.labels)


def _tagging(task: Any, rows: Any, tokenizer: Any, hp: Any, cache: Any, seed: int):
    from xtask.pipeline.formats import format_for
    from xtask.pipeline.formats.tagging import IGNORE

    encoded = format_for(task).encode_for_prediction(rows, tokenizer, task, hp, cache)  # with each chunk's example
    names = tokenizer.model_input_names
    out = []
    for row in encoded:
        tagged = [(i, int(label)) for i, label in enumerate(row["labels"]) if label != IGNORE]
        out.append(Encoded(_inputs(row, names), int(row["example"]), tuple(i for i, _ in tagged),
                           tuple(label for _, label in tagged)))
    return out, tuple(task.labels)


QA_CLASSES = ("start", "end", "other")


def _qa(task: Any, rows: Any, tokenizer: Any, hp: Any, cache: Any, seed: int):
    from xtask.pipeline.formats import format_for

    fmt = format_for(task)
    # The same windows twice: with the answer's token positions, and with the context's offsets.
    positions = fmt.encode_for_training(rows, tokenizer, task, hp, cache)
    windows = fmt.encode_for_prediction(rows, tokenizer, task, hp, cache)
    names = tokenizer.model_input_names
    rng = np.random.default_rng(seed)
    out = []
    for train_row, window in zip(positions, windows):
        start, end, no_answer = int(train_row["start_positions"]), int(train_row["end_positions"]), int(window["cls_index"])
        inputs = _inputs(train_row, names)
        if start == no_answer:  # the answer is not in this window: no start or end to read
            out.append(Encoded(inputs, int(window["example"])))
            continue
        context = [i for i, offset in enumerate(window["offset_mapping"]) if offset is not None and i not in (start, end)]
        others = sorted(rng.choice(context, size=min(OTHERS_PER_WINDOW, len(context)), replace=False).tolist()) if context else []
        out.append(Encoded(inputs, int(window["example"]), (start, end, *others),
                           (0, 1, *([2] * len(others)))))
    return out, QA_CLASSES


MC_CLASSES = ("incorrect", "correct")


def _multiple_choice(task: Any, rows: Any, tokenizer: Any, hp: Any, cache: Any, seed: int):
    from xtask.pipeline.formats import format_for

    encoded = format_for(task).encode_for_training(rows, tokenizer, task, hp, cache)
    names = [name for name in tokenizer.model_input_names if name in encoded.column_names]
    out = []
    for i, row in enumerate(encoded):
        answer = int(row["labels"])
        for choice in range(len(row["input_ids"])):
            inputs = {name: list(row[name][choice]) for name in names}
            out.append(Encoded(inputs, i, (), (int(choice == answer),) if answer >= 0 else ()))
    return out, MC_CLASSES


# One reader per trainable kind (tests/test_predict_features.py checks that every one has one).
READERS: Dict[str, Reader] = {
    "classification": _classification,
    "tagging": _tagging,
    "qa": _qa,
    "multiple_choice": _multiple_choice,
}


def predictable(task: Any) -> bool:
    """Whether the task has a phase 2 to predict (retrieval targets score the encoder directly)."""
    return kind_of(task).trains


def sample(rows: Any, examples: Optional[int], seed: int) -> Any:
    """A seeded sample of ``examples`` rows (all of them when there are no more)."""
    if examples is None or len(rows) <= examples:
        return rows
    return rows.shuffle(seed=seed).select(range(examples))


def encode(task: Any, rows: Any, tokenizer: Any, hp: Any, cache: Any, seed: int) -> Tuple[List[Encoded], Tuple[str, ...]]:
    """Every encoded input of ``rows`` as the task's format makes it, and the class names."""
    return READERS[kind_of(task).name](task, rows, tokenizer, hp, cache, seed)


def _batches(encoder: Any, encoded: List[Encoded]) -> Iterator[Tuple[List[int], Any, Any]]:
    """(indices into ``encoded``, padded batch, hidden states): batches of similar length
    (little padding), padded by the tokenizer."""
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].inputs["input_ids"]))
    for start in range(0, len(order), encoder.batch_size):
        indices = order[start : start + encoder.batch_size]
        batch = encoder.tokenizer.pad([encoded[i].inputs for i in indices], return_tensors="pt")
        yield indices, batch, encoder.hidden(batch).float().cpu()


def labelled(encoder: Any, encoded: List[Encoded], classes: Tuple[str, ...]) -> Labelled:
    """The feature rows LogME scores, in the order of ``encoded``: each input's read positions
    (or its pooled vector), with their class ids."""
    from xtask.pipeline.retrieval import mean_pool

    items = [e for e in encoded if e.labels]
    if not items:
        raise ValueError("no labelled example to score (an unlabelled split?)")
    rows: List[np.ndarray] = [np.empty(0)] * len(items)
    for indices, batch, hidden in _batches(encoder, items):
        pooled = mean_pool(hidden, batch["attention_mask"]).numpy()
        for b, i in enumerate(indices):
            positions = list(items[i].positions)
            rows[i] = hidden[b, positions].numpy() if positions else pooled[b : b + 1]
    labels = [label for item in items for label in item.labels]
    return Labelled(np.concatenate(rows).astype(np.float64), np.asarray(labels), classes,
                    len({e.example for e in items}))


def example_vectors(encoder: Any, encoded: List[Encoded]) -> np.ndarray:
    """One unit vector per example (in example order): the mean of its inputs' mean-pooled,
    normalised vectors."""
    from xtask.pipeline.retrieval import mean_pool

    sums: Dict[int, np.ndarray] = {}
    counts: Dict[int, int] = {}
    for indices, batch, hidden in _batches(encoder, encoded):
        pooled = mean_pool(hidden, batch["attention_mask"]).numpy()
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        for b, i in enumerate(indices):
            example = encoded[i].example
            sums[example] = sums.get(example, 0) + pooled[b]
            counts[example] = counts.get(example, 0) + 1
    vectors = np.stack([sums[k] / counts[k] for k in sorted(sums)])
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
