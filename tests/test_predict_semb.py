"""SEmb's arithmetic (xtask/predict/semb.py): task embeddings, mixtures, similarity."""

from __future__ import annotations

import numpy as np
import pytest

from xtask.predict import semb


def test_a_task_embedding_is_the_mean_of_its_examples() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert semb.task_embedding(vectors) == pytest.approx([2 / 3, 2 / 3])
    with pytest.raises(ValueError, match="at least one example"):
        semb.task_embedding(np.zeros((0, 2)))


def test_a_mixture_weighs_its_tasks_by_their_examples() -> None:
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert semb.mixture_embedding([a, b], [3, 1]) == pytest.approx([0.75, 0.25])
    assert semb.mixture_embedding([a], [7]) == pytest.approx(a)
    with pytest.raises(ValueError, match="one positive size per task"):
        semb.mixture_embedding([a, b], [1])


def test_similarity_is_the_cosine() -> None:
    assert semb.similarity(np.array([1.0, 0.0]), np.array([2.0, 0.0])) == pytest.approx(1.0)
    assert semb.similarity(np.array([1.0, 0.0]), np.array([0.0, 3.0])) == pytest.approx(0.0)
    assert semb.similarity(np.array([1.0, 1.0]), np.array([1.0, 0.0])) == pytest.approx(2**-0.5)
    with pytest.raises(ValueError, match="zero length"):
        semb.similarity(np.zeros(2), np.ones(2))


def test_semb_of_one_task_reads_its_training_set_once(tmp_path, monkeypatch) -> None:
    """A mixture weighs its tasks by their sizes; a single task needs no size, so its training set
    is read once, for its sample."""
    from xtask.data import sources
    from xtask.ops import plan as planner
    from xtask.predict import predictor

    reads = []
    real_read = sources.read_split

    def counting(task, ctx, split, lang, *args, **kwargs):
        reads.append((task.name, split, lang))
        return real_read(task, ctx, split, lang, *args, **kwargs)

    monkeypatch.setattr(sources, "read_split", counting)
    cells = planner.plan(["inter=mnli", "target=pawsx", f"paths.outputs={tmp_path}"])
    outcome = predictor.predict(cells, ("semb",), examples=20)
    assert outcome.computed == 1
    assert reads.count(("mnli", "train", "en")) == 1, reads
