"""The task registry matches XTREME's definitions; benchmarks are explicit lists."""

from __future__ import annotations

from xtask.scoring.xtreme import TASK_GROUPS, TASK_LANGUAGES
from xtask.tasks import TARGET_TASKS, TASKS, TaskKind
from xtask.tasks.benchmarks import BENCHMARKS

XTREME = BENCHMARKS["xtreme"]


def test_nine_xtreme_targets_with_xtremes_language_lists() -> None:
    assert set(XTREME) <= set(TARGET_TASKS) and len(XTREME) == 9
    for name in XTREME:
        assert tuple(TARGET_TASKS[name].languages) == tuple(TASK_LANGUAGES[name]), name


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
