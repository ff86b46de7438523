"""``model.revision`` reaches every ``from_pretrained``: a Hub model is read from its snapshot at
that revision, here from a local Hugging Face cache laid out as the Hub client writes it
(``models--ORG--NAME/refs/REF`` -> commit, ``snapshots/COMMIT/…``) holding two revisions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_ID = "xtask-test/tiny-encoder"
COMMITS = {"main": "a" * 40, "v2": "b" * 40}


@pytest.fixture
def hub_cache(tmp_path: Path, shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two revisions of a tiny encoder (other initialisations) in an offline HF cache."""
    import huggingface_hub.constants

    from xtask.config import TinyArchitecture
    from xtask.models.tiny import ensure_tiny_model

    cache = tmp_path / "hf-hub"
    repo = cache / ("models--" + REPO_ID.replace("/", "--"))
    for ref, init_seed in (("main", 0), ("v2", 1)):
        built = ensure_tiny_model(TinyArchitecture(init_seed=init_seed), shared_cache)
        snapshot = repo / "snapshots" / COMMITS[ref]
        shutil.copytree(built, snapshot)
        (repo / "refs").mkdir(parents=True, exist_ok=True)
        (repo / "refs" / ref).write_text(COMMITS[ref])
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    return cache


def _weights(folder: str) -> bytes:
    return next(Path(folder).glob("*.safetensors")).read_bytes()


def test_the_revision_picks_its_snapshot(hub_cache: Path, compose) -> None:
    from xtask.models.registry import pretrained_path
    from xtask.pipeline.cell import plan_cell

    folders = {}
    for revision in ("main", "v2"):
        plan = plan_cell(compose("inter=none", "target=tatoeba", f"model.pretrained={REPO_ID}",
                                 f"model.revision={revision}", "model.name=hubtiny")).plan
        folders[revision] = pretrained_path(plan.model, plan.run.cache)
        assert Path(folders[revision]).name == COMMITS[revision]
    assert _weights(folders["main"]) != _weights(folders["v2"])
    # No revision: the Hub's default branch.
    plan = plan_cell(compose("inter=none", "target=tatoeba", f"model.pretrained={REPO_ID}", "model.name=hubtiny")).plan
    assert Path(pretrained_path(plan.model, plan.run.cache)).name == COMMITS["main"]


def test_a_cell_computes_on_its_revision(hub_cache: Path, compose) -> None:
    """The same retrieval cell at two revisions starts from two snapshots and scores each."""
    from xtask.pipeline.cell import run_cell

    outcomes = {}
    for revision in ("main", "v2"):
        cfg = compose("inter=none", "target=tatoeba", f"model.pretrained={REPO_ID}", f"model.revision={revision}",
                      "model.name=hubtiny", "target.languages=[de]", "train.target.max_eval_examples=40")
        outcomes[revision] = run_cell(cfg)
    assert outcomes["main"].folder != outcomes["v2"].folder
    for revision, outcome in outcomes.items():
        assert Path(outcome.results.started_from).name == COMMITS[revision]


def test_an_uncached_revision_offline_says_how_to_get_it(hub_cache: Path, compose) -> None:
    from xtask.models.registry import ModelUnavailable, pretrained_path
    from xtask.pipeline.cell import plan_cell

    plan = plan_cell(compose("inter=none", "target=tatoeba", f"model.pretrained={REPO_ID}", "model.revision=v9",
                             "model.name=hubtiny")).plan
    with pytest.raises(ModelUnavailable, match="v9.*hf download"):
        pretrained_path(plan.model, plan.run.cache)
