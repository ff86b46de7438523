"""The task registry matches XTREME's definitions; benchmarks are explicit lists."""

from __future__ import annotations

from xtask.scoring.xtreme import TASK_GROUPS
import yaml

from conftest import CONF, config_options
from xtask.tasks import INTERMEDIATE_TASKS, MULTITASK, NO_INTERMEDIATE, TARGET_TASKS, TASKS, TaskKind
from xtask.tasks.benchmarks import BENCHMARKS

XTREME = BENCHMARKS["xtreme"]


def test_nine_xtreme_targets() -> None:
    # Their language lists against XTREME's own: test_scoring.py::test_parity_with_xtreme_evaluate.
    assert set(XTREME) <= set(TARGET_TASKS) and len(XTREME) == 9


def test_forty_languages_overall() -> None:
    languages = set().union(*(TARGET_TASKS[name].languages for name in XTREME))
    assert len(languages) == 40


def test_kinds_follow_xtremes_groups() -> None:
    kinds = {"classification": (TaskKind.classification, TaskKind.multiple_choice), "tagging": (TaskKind.tagging,),
             "qa": (TaskKind.qa,), "retrieval": (TaskKind.retrieval,)}
    for group, tasks in TASK_GROUPS.items():
        for name in tasks:
            assert TARGET_TASKS[name].kind in kinds[group], name


def test_english_training_sources() -> None:
    assert TARGET_TASKS["xnli"].train_task == "mnli"
    assert TARGET_TASKS["xquad"].train_task == TARGET_TASKS["mlqa"].train_task == "squad"
    assert TARGET_TASKS["xcopa"].train_task == "copa"
    for own in ("pawsx", "udpos", "panx", "tydiqa"):
        assert TARGET_TASKS[own].train_task is None


def test_every_benchmark_task_is_a_registered_target() -> None:
    for name, members in BENCHMARKS.items():
        assert all(task in TARGET_TASKS for task in members), name
    assert "xcopa" in BENCHMARKS["xtreme_r"] and "xcopa" not in XTREME


def test_every_task_read_by_another_is_registered() -> None:
    for spec in TASKS.values():
        for other in (spec.train_task, spec.selection_task, *spec.parts):
            assert other is None or other in TASKS, (spec.name, other)


def test_config_options_are_the_registered_tasks() -> None:
    """A task needs its conf/ option and an option its task (docs/extending.md)."""
    assert set(config_options("target")) == set(TARGET_TASKS)
    assert set(config_options("inter")) == set(INTERMEDIATE_TASKS) | {NO_INTERMEDIATE, MULTITASK}
    for group in ("target", "inter"):
        for option in config_options(group):
            assert yaml.safe_load((CONF / group / f"{option}.yaml").read_text())["name"] == option, (group, option)


def test_every_trainable_kind_has_a_format_and_a_multitask_head() -> None:
    from xtask.pipeline.formats import format_for
    from xtask.pipeline.multitask.model import _HEAD_CLASSES

    for kind in TaskKind:
        if kind == TaskKind.retrieval:  # scored on the encoder, no head
            continue
        task = next((t for t in TASKS.values() if t.kind == kind), None)
        assert task is not None, f"no task of kind {kind.value}"
        # A mixture's head for the kind is the single-task format's.
        assert _HEAD_CLASSES.get(kind.value) == format_for(task).auto_model != "", kind


def test_every_encoder_family_has_a_tiny_build() -> None:
    from xtask.config import EncoderFamily, TinyArchitecture

    built = set()
    for option in config_options("model"):
        model = yaml.safe_load((CONF / "model" / f"{option}.yaml").read_text())
        if model.get("pretrained") is None and "tiny" in model:
            built.add(model["tiny"].get("family", TinyArchitecture().family.value))
    assert built == {family.value for family in EncoderFamily}
