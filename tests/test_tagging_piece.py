"""Which subword carries a word's tag: XTREME's first piece (the default) or the first piece
that is not a bare "▁" (``train.target.tagging_piece=first_nonblank``)."""

from __future__ import annotations

import datasets
import pytest

from xtask.pipeline.formats.tagging import BLANK_PIECE, IGNORE, TaggingFormat, tag_positions
from xtask.tasks import get_task

WORDS = ["然而", "，", "這樣", "的", "處理", "也", "衍生", "了", "問題", "。", "Hello", "world"]
TAGS = ["ADV", "PUNCT", "PRON", "PART", "NOUN", "ADV", "VERB", "AUX", "NOUN", "PUNCT", "INTJ", "NOUN"]


def test_tag_positions_by_rule() -> None:
    word_ids = [None, 0, 0, 1, 2, 2, 2, 3, 3, None]
    pieces = ["<s>", BLANK_PIECE, "中", "▁x", BLANK_PIECE, BLANK_PIECE, "y", BLANK_PIECE, BLANK_PIECE, "</s>"]
    assert tag_positions(word_ids, pieces, "first") == [1, 3, 4, 7]
    assert tag_positions(word_ids, pieces, "first_nonblank") == [2, 3, 6, 7]  # word 3 is all blank: its first
    assert tag_positions(word_ids) == [1, 3, 4, 7]


def test_first_is_xtremes_bare_mark_and_first_nonblank_the_word(tokenizer) -> None:
    enc = tokenizer(WORDS, is_split_into_words=True)
    pieces, word_ids = enc.tokens(), enc.word_ids()
    first = tag_positions(word_ids, pieces, "first")
    nonblank = tag_positions(word_ids, pieces, "first_nonblank")
    assert len(first) == len(nonblank) == len(WORDS)
    assert sum(pieces[i] == BLANK_PIECE for i in first) >= 8  # most Chinese words start with a bare "▁"
    assert not any(pieces[i] == BLANK_PIECE for i in nonblank)
    assert [word_ids[i] for i in nonblank] == list(range(len(WORDS)))
    assert first[-2:] == nonblank[-2:]  # English words: the same piece


@pytest.mark.parametrize("piece", ["first", "first_nonblank"])
def test_features_round_trip_under_each_rule(tokenizer, compose, piece: str) -> None:
    """Labels sit on the positions prediction reads, and the tags come back in order."""
    task = get_task("udpos")
    hp = compose(f"train.target.tagging_piece={piece}", "train.target.max_length=12").train.target
    raw = datasets.Dataset.from_list([{"id": "s0", "tokens": WORDS, "tags": TAGS}])
    features = TaggingFormat()._features(raw, tokenizer, hp.max_length, task, piece)
    assert len(features) > 1  # cut into chunks
    rebuilt = [None] * len(WORDS)
    for row in features:
        labelled = [i for i, label in enumerate(row["labels"]) if label != IGNORE]
        assert labelled == row["positions"]
        for offset, i in enumerate(labelled):
            rebuilt[row["word_start"] + offset] = task.labels[row["labels"][i]]
    assert rebuilt == TAGS
    trained = TaggingFormat().encode_for_training(raw, tokenizer, task, hp)
    assert trained["labels"] == features["labels"]  # the phase's setting reaches training


def test_the_rule_enters_phase_identity_only_when_it_is_read(compose) -> None:
    from xtask.pipeline.cell import plan_cell

    def keys(target: str, *extra: str) -> str:
        return plan_cell(compose("inter=none", f"target={target}", *extra)).spec.key

    assert keys("udpos", "train.target.tagging_piece=first_nonblank") != keys("udpos")
    assert keys("xnli", "train.target.tagging_piece=first_nonblank") == keys("xnli")  # an XNLI cell never reads it
    with pytest.raises(Exception, match="tagging_piece"):
        compose("train.target.tagging_piece=second")
