"""Shared fixtures: compose configs like launch.py does, and run cells on tiny budgets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, List

import pytest

# Before anything imports transformers/datasets: never touch the network, one thread.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_MODE", "offline")

REPO = Path(__file__).resolve().parents[1]
CONF = REPO / "conf"
REALDATA = REPO.parent / "shared" / "realdata"


def config_options(group: str) -> List[str]:
    """The options of a config group (conf/GROUP/*.yaml), sorted."""
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


SWEEPS: List[str] = sorted(p.stem for p in (REPO / "sweeps").glob("*.yaml"))  # the named sweeps


def require(ok: bool, reason: str) -> None:
    """Skip when a prerequisite is absent (``../shared/realdata``, optional packages), but fail
    under CI=true: nothing may skip there."""
    if ok:
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)

def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """For ``make test``'s parallel run (pytest-xdist, ``--dist loadgroup``): the SLURM tests
    share one worker (one cluster at a time on this machine), and the long tests are handed out
    first, so that no worker is left running one of them alone at the end."""
    for item in items:
        if item.get_closest_marker("slurm") is not None:
            item.add_marker(pytest.mark.xdist_group("slurm"))
    long_first = {id(item): item.get_closest_marker("slow") is None and item.get_closest_marker("slurm") is None
                  for item in items}
    items.sort(key=lambda item: long_first[id(item)])  # stable: the file order otherwise


# Small step budgets so that a whole cell trains in a few seconds.
TINY_BUDGET: List[str] = [
    "train.inter.max_steps=8",
    "train.target.max_steps=8",
    "train.inter.eval_strategy=no",
    "train.inter.selection=last",
    "train.target.eval_strategy=no",
    "train.target.selection=last",
    "train.target.max_eval_examples=24",
    "train.inter.max_eval_examples=24",
]


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model cache for the whole session: the tiny model is built once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def tiny_model(shared_cache: Path) -> Path:
    """The default tiny model's folder (TinyArchitecture()), built once per session."""
    from xtask.config import TinyArchitecture
    from xtask.models.tiny import ensure_tiny_model

    return ensure_tiny_model(TinyArchitecture(), shared_cache)


@pytest.fixture(scope="session")
def tokenizer(tiny_model: Path):
    """The tiny model's tokenizer."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


@pytest.fixture
def compose(tmp_path: Path, shared_cache: Path) -> Callable[..., object]:
    """compose(*overrides) -> the config launch.py would see, writing under tmp_path."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from xtask.config import register_configs

    register_configs()

    def _compose(*overrides: str, outputs: Path | None = None):
        GlobalHydra.instance().clear()
        base = [f"paths.outputs={outputs or tmp_path / 'outputs'}", f"paths.cache={shared_cache}"]
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            return hydra_compose(config_name="config", overrides=base + list(overrides))

    yield _compose
    GlobalHydra.instance().clear()


@pytest.fixture
def run_cell_with(compose: Callable[..., object]) -> Callable[..., dict]:
    """run_cell_with(*overrides) runs one cell on the tiny budget and returns its Outcome."""
    from xtask.pipeline.cell import run_cell

    def _run(*overrides: str, budget: bool = True, outputs: Path | None = None):
        cfg = compose(*((TINY_BUDGET if budget else []) + list(overrides)), outputs=outputs)
        return run_cell(cfg)

    return _run


@pytest.fixture(scope="session")
def mini_ctx():
    """The data context of the bundled mini copy (data=mini)."""
    from omegaconf import OmegaConf

    from xtask.config import DataConfig
    from xtask.data.sources import BUNDLED_MINI_ROOT, DataContext

    ctx = DataContext.from_config(OmegaConf.structured(DataConfig))
    assert ctx.root == BUNDLED_MINI_ROOT
    return ctx
