"""The task registry: every task xtask knows, by name, from the specs its modules declare.

Each module of this package that defines ``SPECS`` (a tuple of :class:`TaskSpec`) registers
them; adding a task is adding its spec (and its config file under ``conf/``), nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Dict, List, Tuple

from xtask.tasks.spec import Hub, Local, Role, TaskKind, TaskSpec

NO_INTERMEDIATE = "none"
MULTITASK = "multitask"


def _discover() -> Dict[str, TaskSpec]:
    found: Dict[str, TaskSpec] = {}
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        specs = getattr(importlib.import_module(f"{__name__}.{module.name}"), "SPECS", ())
        for spec in specs:
            if spec.name in found:
                raise RuntimeError(f"task {spec.name!r} is declared twice (second time in {module.name})")
            found[spec.name] = spec
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))


TASKS: Dict[str, TaskSpec] = _discover()
TARGET_TASKS: Dict[str, TaskSpec] = {n: t for n, t in TASKS.items() if Role.target in t.roles}
INTERMEDIATE_TASKS: Dict[str, TaskSpec] = {n: t for n, t in TASKS.items() if Role.inter in t.roles}

# Kept for the modules that name the old class.
Task = TaskSpec


class UnknownTaskError(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; show it plainly.
        return str(self.args[0])


def _lookup(name: str, table: Dict[str, TaskSpec], role: str, extra: Tuple[str, ...] = ()) -> TaskSpec:
    if name not in table:
        valid = sorted(table) + list(extra)
        raise UnknownTaskError(f"unknown {role} task {name!r}; valid {role} tasks: {', '.join(valid)}")
    return table[name]


def get_task(name: str) -> TaskSpec:
    return _lookup(name, TASKS, "")


def intermediate_task(name: str) -> TaskSpec:
    return _lookup(name, INTERMEDIATE_TASKS, "intermediate", (NO_INTERMEDIATE, MULTITASK))


def target_task(name: str) -> TaskSpec:
    return _lookup(name, TARGET_TASKS, "target")


def by_alias(name: str) -> str:
    """A task's name from any spelling a reference table may use ("POS", "WikiANN", "XQuAD")."""
    key = "".join(ch for ch in name.lower() if ch.isalnum())
    for spec in TASKS.values():
        spellings = {spec.name, spec.display, spec.paper_name, *spec.aliases}
        if key in {"".join(ch for ch in s.lower() if ch.isalnum()) for s in spellings if s}:
            return spec.name
    raise UnknownTaskError(f"unknown task name {name!r}")


def ordered(names: List[str]) -> List[str]:
    """Task names in the registry's (paper's) order; unknown names after, alphabetically."""
    rank = {name: i for i, name in enumerate(TASKS)}
    return sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n))


__all__ = [
    "Hub", "INTERMEDIATE_TASKS", "Local", "MULTITASK", "NO_INTERMEDIATE", "Role", "TARGET_TASKS", "TASKS", "Task",
    "TaskKind", "TaskSpec", "UnknownTaskError", "by_alias", "get_task", "intermediate_task", "ordered", "target_task",
]
