"""Every option of every config group composes; bad overrides fail at compose time, clearly."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hydra.errors import ConfigCompositionException, MissingConfigException

from conftest import REPO, SWEEPS, config_options

GROUPS = ["model", "inter", "target", "data", "train", "logger"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "group,option", [(g, o) for g in GROUPS for o in config_options(g)], ids=lambda v: str(v)
)
def test_every_group_option_composes(compose, group: str, option: str) -> None:
    cfg = compose(f"{group}={option}")
    node = cfg[group]
    # The option's own file was merged onto the typed schema (no MISSING left).
    from omegaconf import OmegaConf

    assert not OmegaConf.missing_keys(node), f"{group}={option} leaves keys unset"
    if "name" in node:
        assert node.name == option


@pytest.mark.parametrize("sweep", SWEEPS)
def test_every_sweep_composes(compose, sweep: str) -> None:
    cfg = compose(f"+sweep={sweep}")
    assert cfg.sweep_name == sweep


def test_every_group_hasconfig_options() -> None:
    assert {"tiny", "xlmr_base", "xlmr_large"} <= set(config_options("model"))
    assert {"mini", "hub"} <= set(config_options("data"))
    assert {"none", "wandb_offline", "wandb"} <= set(config_options("logger"))


def test_cluster_models_point_at_the_hub(compose) -> None:
    large = compose("model=xlmr_large", "data=hub")
    assert large.model.pretrained == "FacebookAI/xlm-roberta-large"
    assert large.model.retrieval_layer == 14
    assert compose("model=xlmr_base").model.pretrained == "FacebookAI/xlm-roberta-base"
    from xtask.tasks import TASKS

    assert dict(large.data.hub) == {} and TASKS["xnli"].hub.path == "facebook/xnli"  # the spec owns it


def test_unknown_group_option_lists_valid_choices(compose) -> None:
    with pytest.raises(MissingConfigException) as err:
        compose("inter=mnlii")
    message = str(err.value)
    assert "inter/mnlii" in message
    # Hydra lists the available options of the group.
    assert "mnli" in message.replace("inter/mnlii", "") and "none" in message


@pytest.mark.parametrize(
    "override,expected",
    [
        ("train.inter.lr=abc", "could not be converted to Float"),
        ("train.target.selection=worst", "expected one of [best, last]"),
        ("train.inter.lrr=1", "Key 'lrr' not in 'PhaseTrainConfig'"),
        ("seed=one", "could not be converted to Integer"),
        ("data.source=s3", "expected one of [mini, hub, xtreme_dir, files]"),
    ],
)
def test_bad_values_fail_at_compose_time(compose, override: str, expected: str) -> None:
    with pytest.raises(ConfigCompositionException) as err:
        compose(override)
    assert expected in str(err.value.__cause__ or err.value)


def test_unknown_task_name_lists_valid_tasks() -> None:
    from xtask.tasks import UnknownTaskError, intermediate_task, target_task

    with pytest.raises(UnknownTaskError, match=r"valid intermediate tasks: .*mnli.*none"):
        intermediate_task("mnlii")
    with pytest.raises(UnknownTaskError, match=r"valid target tasks: .*xnli"):
        target_task("xnl")


def test_launch_reports_a_bad_override_without_running() -> None:
    """The real entry point: a typo exits non-zero with Hydra's message, before any training."""
    proc = subprocess.run(
        [sys.executable, "launch.py", "inter=mnlii"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode != 0
    assert "Could not find 'inter/mnlii'" in proc.stderr
    assert "Available options in 'inter'" in proc.stderr


def test_with_values_sets_dotted_keys_on_plain_and_omegaconf_configs() -> None:
    """One function overrides values in either kind of config: a PlainConfig (planning) shares
    the untouched nodes; an OmegaConf config stays one, so its typed nodes still check values."""
    from omegaconf import DictConfig, OmegaConf
    from omegaconf.errors import ValidationError

    from xtask.config import PhaseTrainConfig, plain_config, to_container, with_values

    typed = OmegaConf.structured({"target": PhaseTrainConfig(), "other": {"x": 1}})
    merged = with_values(typed, {"target.max_length": 64, "other.x": 2})
    assert isinstance(merged, DictConfig) and merged.target.max_length == 64 and merged.other.x == 2
    assert typed.target.max_length != 64  # the original is left alone
    with pytest.raises(ValidationError):
        with_values(typed, {"target.max_length": "long"})

    plain = plain_config(to_container(typed))
    changed = with_values(plain, {"target.max_length": 64})
    assert changed.target.max_length == 64 and plain.target.max_length != 64
    assert changed.other is plain.other  # untouched nodes are shared, not copied
