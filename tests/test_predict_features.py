"""What the predictor reads of an encoder, per task kind (xtask/predict/features.py), on the
mini data and the tiny model: the features phase 2 would train on, labelled as it would."""

from __future__ import annotations

import numpy as np
import pytest

from xtask.data.sources import read_split
from xtask.plan.cellplan import TrainPlan
from xtask.predict import features
from xtask.tasks import get_task
from xtask.tasks.kinds import trainable_kinds

HP = TrainPlan(max_length=64, doc_stride=16, max_query_length=24, tagging_piece="first")


@pytest.fixture(scope="module")
def encoder(tiny_model):
    from xtask.pipeline.retrieval import Encoder

    return Encoder(str(tiny_model), -1, 64, 16)


def _rows(name: str, mini_ctx, n: int = 12):
    task = get_task(name).resolve(mini_ctx)
    return task, features.sample(read_split(task, mini_ctx, "train", "en"), n, seed=1)


def test_every_trainable_kind_has_a_reader_and_retrieval_is_not_predicted() -> None:
    assert set(features.READERS) == set(trainable_kinds())
    assert not features.predictable(get_task("tatoeba")) and not features.predictable(get_task("bucc2018"))
    assert features.predictable(get_task("xnli"))


def test_classification_reads_one_pooled_vector_per_example_with_its_label(encoder, mini_ctx) -> None:
    task, rows = _rows("pawsx", mini_ctx)
    encoded, classes = features.encode(task, rows, encoder.tokenizer, HP, None, 1)
    data = features.labelled(encoder, encoded, classes)
    assert data.features.shape == (12, encoder.model.config.hidden_size)
    assert data.labels.tolist() == list(rows["label"])  # the batches run by length; the rows keep their labels
    assert classes == task.labels and data.examples == 12


def test_tagging_reads_each_words_tagged_subword_with_its_tag(encoder, mini_ctx) -> None:
    task, rows = _rows("udpos", mini_ctx)
    encoded, classes = features.encode(task, rows, encoder.tokenizer, HP, None, 1)
    data = features.labelled(encoder, encoded, classes)
    assert [classes[i] for i in data.labels] == [tag for tags in rows["tags"] for tag in tags]  # one row per word
    # The positions are the subwords phase 2 trains on: a word's first subword.
    word_ids = encoder.tokenizer(list(rows["tokens"][0]), is_split_into_words=True, truncation=True, max_length=64).word_ids()
    first = [i for i, w in enumerate(word_ids) if w is not None and (i == 0 or word_ids[i - 1] != w)]
    assert list(next(e for e in encoded if e.example == 0).positions) == first


def test_qa_reads_start_end_and_sampled_context_tokens(encoder, mini_ctx) -> None:
    task, rows = _rows("squad", mini_ctx, 6)
    encoded, classes = features.encode(task, rows, encoder.tokenizer, HP, None, 1)
    assert classes == ("start", "end", "other")
    answered = [e for e in encoded if e.labels]
    assert answered and all(e.labels[:2] == (0, 1) and set(e.labels[2:]) <= {2} for e in answered)
    assert all(len(e.labels) - 2 <= features.OTHERS_PER_WINDOW for e in answered)
    # The start token's text is where the answer begins.
    first = answered[0]
    row = rows[first.example]
    start_piece = encoder.tokenizer.convert_ids_to_tokens(first.inputs["input_ids"][first.positions[0]]).lstrip("\u2581")
    assert row["answers"]["text"][0].startswith(start_piece) or start_piece in row["answers"]["text"][0]
    data = features.labelled(encoder, encoded, classes)
    assert data.features.shape[0] == sum(len(e.labels) for e in answered)


def test_multiple_choice_reads_each_choice_as_correct_or_incorrect(encoder, mini_ctx) -> None:
    task, rows = _rows("hellaswag", mini_ctx, 8)
    encoded, classes = features.encode(task, rows, encoder.tokenizer, HP, None, 1)
    choices = len(rows["choices"][0])
    assert len(encoded) == 8 * choices and classes == ("incorrect", "correct")
    for i, label in enumerate(rows["label"]):
        mine = [e for e in encoded if e.example == i]
        assert [e.labels[0] for e in mine] == [int(c == label) for c in range(choices)]


def test_example_vectors_are_one_unit_vector_per_example(encoder, mini_ctx) -> None:
    task, rows = _rows("squad", mini_ctx, 6)
    encoded, _ = features.encode(task, rows, encoder.tokenizer, HP, None, 1)
    vectors = features.example_vectors(encoder, encoded)
    assert vectors.shape == (6, encoder.model.config.hidden_size)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_a_sample_is_seeded_and_never_larger_than_the_data(mini_ctx) -> None:
    task = get_task("pawsx")
    rows = read_split(task, mini_ctx, "train", "en")
    assert features.sample(rows, 10, 1)["id"] == features.sample(rows, 10, 1)["id"]
    assert features.sample(rows, 10, 1)["id"] != features.sample(rows, 10, 2)["id"]
    assert len(features.sample(rows, 10**6, 1)) == len(rows)
