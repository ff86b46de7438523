"""A real pretrained multilingual model through a whole cell, on real data: multilingual-e5-small
(converted offline, model=e5_small_offline) fine-tuned on real SST-2, then scored zero-shot on
real Tatoeba through the data=files mapping of ../shared/realdata.

Skips where the kit or the e5 packages are absent, fails under CI=true (the Makefile installs
the packages; CI has the kit beside the clone)."""

from __future__ import annotations

import pytest

from conftest import REALDATA, REPO, require

MAPPING = REPO / "sweeps" / "files" / "real_cpu.yaml"


def _e5_packages() -> bool:
    from xtask.models import e5_offline

    try:
        e5_offline.source_files()
    except Exception:
        return False
    return True


# 400 of each language's 1000 pairs (a seeded sample): the check is the same at 1 in 400.
COMMON = ("model=e5_small_offline", "target=tatoeba", "data=files", f"data.files={MAPPING}", "logger=none",
          "train.target.eval_batch_size=128", "train.target.max_eval_examples=400")


@pytest.mark.slow
@pytest.mark.realdata
def test_e5_retrieves_real_tatoeba_far_above_chance_before_and_after_sst2(run_cell_with) -> None:
    from xtask.models import e5_offline

    require(REALDATA.is_dir(), f"real data kit not found at {REALDATA}")
    require(_e5_packages(), f"the e5 packages are not installed ({e5_offline.INSTALL_HINT})")
    # inter=none scores the pretrained encoder itself: e5-small retrieves Tatoeba's German and
    # French for English nearly perfectly (the tiny untrained model scores near chance).
    none = run_cell_with(*COMMON, "inter=none", "target.languages=[de,fr]", budget=False).results.scores
    assert {lang: s.n for lang, s in none.per_language.items()} == {"de": 400, "fr": 400}
    assert none.extra["chance"] == {"de": pytest.approx(0.25), "fr": pytest.approx(0.25)}  # 1 in 400 candidates
    for lang, s in none.per_language.items():
        assert s.metrics["accuracy"] > 90, (lang, s.metrics)
    # After a few steps of real SST-2: the phase trains and evaluates on GLUE's labelled dev set,
    # and retrieval is still far above chance. (It does drop: 40 steps at lr 5e-5 took German
    # from about 95 to 79 here; the paper reports intermediate training hurting BUCC and Tatoeba.)
    after = run_cell_with(*COMMON, "inter=sst2", "target.languages=[de]",
                          "train.inter.max_steps=30", "train.inter.batch_size=16", "train.inter.max_length=64",
                          "train.inter.lr=2e-5", "train.inter.max_eval_examples=200", "train.inter.eval_strategy=no",
                          "train.inter.selection=last", budget=False)
    inter = after.results.phases["inter"]
    assert inter["train_steps"] == 30 and 0 < inter["train_loss"] < 1.0 and 0 <= inter["dev"]["accuracy"] <= 100, inter
    assert after.results.scores.per_language["de"].metrics["accuracy"] > 50
    assert after.folder.name.startswith("sst2__tatoeba__e5_small_offline__s1__")
