"""Loading an encoder with a new task head: transformers' load-report table (UNEXPECTED /
MISSING keys) is one summarised line when the differences are the expected ones (a fresh head,
a dropped pretraining head), and stays loud when an encoder weight is missing."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest


def test_a_fresh_head_is_one_line_and_a_missing_encoder_weight_stays_loud(shared_cache: Path, tmp_path: Path,
                                                                          caplog, capfd) -> None:
    from transformers import AutoModelForMaskedLM, AutoModelForSequenceClassification, AutoTokenizer

    from xtask.config import TinyArchitecture
    from xtask.models.load_report import load
    from xtask.models.tiny import ensure_tiny_model

    folder = str(ensure_tiny_model(TinyArchitecture(), shared_cache))
    with caplog.at_level(logging.INFO, logger="xtask.models.load_report"):
        load(AutoModelForSequenceClassification, folder, num_labels=3)
    printed = capfd.readouterr()
    assert "LOAD REPORT" not in printed.err + printed.out + caplog.text
    (line,) = [r.getMessage() for r in caplog.records if r.name == "xtask.models.load_report"]
    assert "fresh classifier.* (4); dropped lm_head.* (5) (expected: heads and poolers, not the encoder)" in line
    caplog.clear()

    # An encoder weight missing from the checkpoint: a real problem, loud.
    model = AutoModelForMaskedLM.from_pretrained(folder)
    state = {k: v for k, v in model.state_dict().items() if "layer.0.attention.self.query.weight" not in k}
    model.save_pretrained(tmp_path / "broken", state_dict=state)
    AutoTokenizer.from_pretrained(folder).save_pretrained(tmp_path / "broken")
    with caplog.at_level(logging.INFO):
        load(AutoModelForSequenceClassification, str(tmp_path / "broken"), num_labels=3)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("unexpected differences in the encoder: roberta.encoder.layer.0.attention.self.query.weight" in w
               for w in warnings), warnings
    assert any("LOAD REPORT" in w for w in warnings) or "LOAD REPORT" in capfd.readouterr().err
    caplog.clear()
    # The same weight missing for a bare encoder (AutoModel, as retrieval loads it): loud too.
    from transformers import AutoModel

    with caplog.at_level(logging.INFO):
        load(AutoModel, str(tmp_path / "broken"), add_pooling_layer=False)
    assert any("unexpected differences in the encoder: encoder.layer.0.attention.self.query.weight" in r.getMessage()
               for r in caplog.records if r.levelno >= logging.WARNING), caplog.text


@pytest.mark.slow
def test_feature_logs_say_what_the_features_are_for(run_cell_with, caplog, tmp_path: Path) -> None:
    """Dev and evaluation sets are encoded like training sets (with labels); the log names what
    each is for instead of calling them all 'train'. (A cache of its own: every set is encoded.)"""
    with caplog.at_level(logging.INFO, logger="xtask.pipeline.features"):
        run_cell_with("inter=none", "target=xnli", "target.languages=[en,de]", "train.target.max_steps=4",
                      "train.target.eval_strategy=steps", "train.target.eval_steps=4", "train.target.selection=best",
                      "train.target.max_eval_examples=20", f"paths.cache={tmp_path / 'cache'}", budget=False)
    logged = [r.getMessage() for r in caplog.records if r.name == "xtask.pipeline.features"]
    assert any("(English dev set, for checkpoint selection, 20 rows)" in m for m in logged), logged
    assert any("(training set, " in m for m in logged) and any("(dev de, for evaluation, 20 rows)" in m for m in logged)
    assert not any("(train," in m for m in logged)
