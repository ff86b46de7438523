"""Predictions on disk (xtask/predict/store.py): keys, atomic records, and the table the report reads."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from xtask.predict import store
from xtask.predict.store import Prediction

INPUTS = {"encoder": {"inter": "abc-v2"}, "target": {"task": "xnli", "data": {"mnli/train": "x"}}, "examples": 1000,
          "seed": 1}


def _prediction(signal: str = "logme_en", **changes) -> Prediction:
    key = store.key_of(signal, INPUTS)
    base = Prediction(signal=signal, key=key, target="xnli", inter="mnli", setting="mnli", model="tiny", seed=1,
                      score=-0.5, examples=1000, rows=1000, seconds=1.5, inputs=INPUTS,
                      version=store.VERSIONS[signal])
    return dataclasses.replace(base, **changes)


def test_the_key_moves_with_every_input_the_signal_and_its_version(monkeypatch) -> None:
    key = store.key_of("logme_en", INPUTS)
    assert store.key_of("logme_en", dict(INPUTS)) == key
    for name, other in [("encoder", {"inter": "abd-v2"}), ("examples", 500), ("seed", 2),
                        ("target", {"task": "xnli", "data": {"mnli/train": "y"}})]:
        assert store.key_of("logme_en", {**INPUTS, name: other}) != key, name
    assert store.key_of("logme_zeroshot", INPUTS) != key
    monkeypatch.setitem(store.VERSIONS, "logme_en", store.VERSIONS["logme_en"] + 1)
    assert store.key_of("logme_en", INPUTS) != key
    with pytest.raises(ValueError, match="signals: semb, logme_en, logme_zeroshot"):
        store.key_of("logme", INPUTS)


def test_a_written_prediction_reads_back_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    prediction = _prediction("logme_zeroshot", languages={"de": -0.4, "fr": -0.6}, notes=("a note",))
    path = store.write(tmp_path, prediction)
    assert path == tmp_path / "predictions" / f"logme_zeroshot-{prediction.key}" / "prediction.json"
    assert store.read(tmp_path, "logme_zeroshot", prediction.key) == prediction
    assert [p.name for p in path.parent.iterdir()] == ["prediction.json"]
    assert store.read(tmp_path, "logme_en", prediction.key) is None


def test_load_predictions_is_one_row_per_prediction_with_the_agreed_columns(tmp_path: Path) -> None:
    empty = store.load_predictions(tmp_path)
    assert empty.empty and {"signal", "target", "inter", "model", "score", "key"} <= set(empty.columns)
    store.write(tmp_path, _prediction("logme_en"))
    store.write(tmp_path, _prediction("semb", score=0.9))
    store.write(tmp_path, _prediction("logme_zeroshot", languages={"de": -0.4, "fr": -0.6}, score=-0.5))
    table = store.load_predictions(tmp_path / "predictions")  # the folder itself works too
    assert len(table) == 3 and list(table.columns[: len(store.COLUMNS)]) == list(store.COLUMNS)
    zero = table[table["signal"] == "logme_zeroshot"].iloc[0]
    assert (zero["lang_de"], zero["lang_fr"]) == (-0.4, -0.6)
    assert math.isnan(table[table["signal"] == "semb"].iloc[0]["lang_de"])
    assert store.load_predictions(tmp_path).equals(table)


def test_an_unreadable_or_older_prediction_is_left_out(tmp_path: Path, caplog) -> None:
    good = store.write(tmp_path, _prediction("logme_en"))
    broken = good.parent.with_name("logme_en-broken") / "prediction.json"
    broken.parent.mkdir()
    broken.write_text("{not json", encoding="utf-8")
    old = _prediction("semb", version=0)
    store.write(tmp_path, old)
    table = store.load_predictions(tmp_path)
    assert table["signal"].tolist() == ["logme_en"]
    assert "unreadable" in caplog.text and "logme_en-broken" in caplog.text
    assert json.loads(good.read_text())["score"] == -0.5
