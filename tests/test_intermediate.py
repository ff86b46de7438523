"""Every intermediate task trains a few steps on the mini data and hands its encoder to a target."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from xtask.pipeline.formats.classification import ClassificationFormat
from xtask.tasks import INTERMEDIATE_TASKS

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("inter", list(INTERMEDIATE_TASKS))
def test_intermediate_task_feeds_its_encoder_to_the_target(run_cell_with, monkeypatch, inter: str) -> None:
    starts = []
    original = ClassificationFormat.load_model

    def recording_load(self, path, task):
        model = original(self, path, task)
        starts.append((path, {k: v.detach().clone() for k, v in model.base_model.state_dict().items()}))
        return model

    monkeypatch.setattr(ClassificationFormat, "load_model", recording_load)
    results = run_cell_with(f"inter={inter}", "target=xnli", "target.languages=[en]", "train.inter.max_steps=4",
                            "train.inter.batch_size=4")
    phase = results.results.phases["inter"]
    assert phase["task"] == inter and phase["train_steps"] == 4
    encoder_dir = Path(phase["cache_dir"]) / "encoder"
    ((path, start),) = [s for s in starts if s[0] == str(encoder_dir)]
    saved = load_file(str(encoder_dir / "model.safetensors"))
    for key in ("embeddings.word_embeddings.weight", "encoder.layer.1.attention.self.value.weight"):
        assert torch.equal(start[key], saved[key]), key
    assert not any(k.startswith(("classifier", "qa_outputs", "lm_head")) for k in saved)


def test_ccg_without_ccgbank_says_how_to_get_it(compose) -> None:
    from xtask.data.sources import DataContext, MissingDataError

    cfg = compose("inter=ccg", "data=hub")
    with pytest.raises(MissingDataError, match=r"LDC2005T13.*data\.ccgbank="):
        INTERMEDIATE_TASKS["ccg"].resolve(DataContext.from_config(cfg.data))


def test_translated_data_without_a_root_is_a_clear_error(run_cell_with, tmp_path: Path) -> None:
    import shutil

    from xtask.data.sources import BUNDLED_MINI_ROOT, MissingDataError

    root = tmp_path / "xtreme"  # has the evaluation file, so the cell gets as far as phase 1
    (root / "xnli").mkdir(parents=True)
    shutil.copy(BUNDLED_MINI_ROOT / "xnli" / "dev-en.tsv", root / "xnli" / "dev-en.tsv")
    with pytest.raises(MissingDataError, match="inter.translated.root"):
        run_cell_with("inter=mnli", "inter.translated.languages=[de]", "inter.translated.include_english=false",
                      "data=xtreme_dir", f"data.root={root}", "target.languages=[en]")


@pytest.mark.parametrize("inter,target", [("mnli", "xquad"), ("ccg", "tydiqa"), ("anli_plus", "mlqa"), ("mnli", "pawsx")])
def test_head_sizes_do_not_leak_across_phases(run_cell_with, inter: str, target: str) -> None:
    """A 3-way NLI (or CCG) encoder feeds QA (2 outputs) and binary heads of the right size."""
    results = run_cell_with(f"inter={inter}", f"target={target}", "target.languages=[en]",
                            "train.inter.max_steps=2", "train.inter.batch_size=4")
    assert results.results.scores.average is not None
    config = (Path(results.results.phases["inter"]["cache_dir"]) / "encoder" / "config.json").read_text()
    assert '"LABEL_2"' not in config and "entailment" not in config


def test_a_phase_that_selects_nothing_reports_its_dev_score_on_the_sample_asked(compose, monkeypatch,
                                                                                  tmp_path: Path) -> None:
    """eval_strategy=no: no checkpoint selection, so max_eval_examples is not part of phase 1's key,
    but the dev score reported once at the end is still taken on that sample, not the whole set."""
    from conftest import TINY_BUDGET
    from xtask.pipeline import cell, training

    limits = []
    real_cap = training.cap_examples

    def spy(dataset, limit, seed):
        limits.append(limit)
        return real_cap(dataset, limit, seed)

    monkeypatch.setattr(training, "cap_examples", spy)
    # Its own cache: an encoder another test of this worker built would be reused, and nothing would run.
    overrides = [*TINY_BUDGET, "inter=sst2", "target=xnli", "train.inter.max_eval_examples=5",
                 f"paths.cache={tmp_path / 'cache'}"]
    planned = cell.plan_cell(compose(*overrides, outputs=tmp_path))
    unsampled = cell.plan_cell(compose(*overrides, "train.inter.max_eval_examples=null", outputs=tmp_path))
    assert planned.inter_key == unsampled.inter_key  # the encoder is the same computation
    cell.run_phase1(planned)
    assert limits == [None, 5]  # the training set whole (max_train_examples unset), 5 dev examples
