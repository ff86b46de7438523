"""A phase's identity is a function of its plan.

Every field of a phase's plan enters its key unless the field's definition says it cannot change a
result (``metadata={"result": False}``, :data:`xtask.plan.cellplan.NOT_RESULT`), and a field at its
default value stays out of the hash (a new field with a default re-keys nothing). Since a plan
holds effective values (after the model's length limit, with evaluation settings only where a
phase evaluates), two settings that compute the same thing get one key.

* phase 1 (an intermediate encoder): its :class:`Phase1Plan` — the model's identity, the tasks,
  their data's identities, the effective hyper-parameters, precision, the seed;
* phase 2 (a cell): its :class:`Phase2Plan` — phase 1's key (or the model), the target, its
  languages, data, effective hyper-parameters or retrieval settings, precision, and the seed
  unless nothing depends on it.

What a phase computes from the same inputs can change with the code: each phase has a results
version (:data:`xtask.store.identity.PHASE_VERSIONS`), bumped when that happens.
"""

from __future__ import annotations

import dataclasses
import functools
from enum import Enum
from typing import Any, Dict, Tuple

from xtask.data.sources import remembered
from xtask.plan.cellplan import CellPlan, Phase1Plan, Phase2Plan
from xtask.store.identity import PHASE_VERSIONS, digest

_MISSING = object()


@functools.lru_cache(maxsize=None)
def _result_fields(cls: type) -> Tuple[Tuple[str, Any], ...]:
    """(name, default) of a plan class's result fields (``_MISSING`` for no default)."""
    out = []
    for spec in dataclasses.fields(cls):
        if not is_result(spec):
            continue
        if spec.default is not dataclasses.MISSING:
            default = spec.default
        elif spec.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = spec.default_factory()  # type: ignore[misc]
        else:
            default = _MISSING
        out.append((spec.name, default))
    return tuple(out)


def is_result(spec: dataclasses.Field) -> bool:
    return spec.metadata.get("result", True) is not False


def result_values(value: Any) -> Any:
    """``value`` as plain JSON data holding only what can change a result: a plan dataclass's
    result fields that are not at their default (nested plans the same way; a nested plan with
    nothing left is left out too)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Plan parts are frozen and shared by many cells of a grid (one TrainPlan, one model):
        # while a grid is planned, each part's values are worked out once.
        return remembered(("result values", id(value)), lambda: (value, _dataclass_values(value)))[1]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): result_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [result_values(v) for v in value]
    return value


def _dataclass_values(value: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for name, default in _result_fields(type(value)):
        inner = getattr(value, name)
        if default is not _MISSING and inner == default:
            continue
        reduced = result_values(inner)
        if reduced == {} and dataclasses.is_dataclass(inner) and dataclasses.is_dataclass(default):
            continue
        out[name] = reduced
    return out


def phase1_inputs(phase1: Phase1Plan) -> Dict[str, Any]:
    """Phase 1's hashed inputs; while a grid is planned, once per shared phase-1 plan."""
    return remembered(("phase 1 inputs", id(phase1)), lambda: (phase1, result_values(phase1)))[1]


def phase1_digest(phase1: Phase1Plan) -> str:
    """Phase 1's key without its version (what a cell's ``start`` names); once per shared plan."""
    return remembered(("phase 1 digest", id(phase1)), lambda: (phase1, digest(phase1_inputs(phase1))))[1]


def phase2_inputs(phase2: Phase2Plan) -> Dict[str, Any]:
    return result_values(phase2)


def versioned(inputs: Dict[str, Any], phase: str) -> str:
    """A key that carries its phase's results version (an encoder of a new version is another entry)."""
    return f"{digest(inputs)}-v{PHASE_VERSIONS[phase]}"


def keys(plan: CellPlan) -> Dict[str, Any]:
    """Every identity of a cell, each input hashed once: ``phase1_inputs`` and ``inter_key`` (None
    for ``inter=none``), ``inputs`` and ``key`` (phase 2), ``baseline_key`` and ``group``."""
    phase1 = phase1_inputs(plan.phase1) if plan.phase1 is not None else None
    phase2 = phase2_inputs(plan.phase2)
    twin = {**phase2, "start": {"pretrained": result_values(dict(plan.model.identity))}}
    cell = {k: v for k, v in phase2.items() if k not in ("seed", "start")}
    start = ({k: v for k, v in phase1.items() if k != "seed"} if phase1 is not None
             else result_values(dict(plan.model.identity)))
    return {
        "phase1_inputs": phase1,
        "inter_key": f"{phase1_digest(plan.phase1)}-v{PHASE_VERSIONS['inter']}" if plan.phase1 is not None else None,
        "inputs": phase2, "key": digest(phase2), "baseline_key": digest(twin),
        "group": digest({"cell": cell, "start": start}),
    }


def cell_versions(plan: CellPlan) -> Dict[str, int]:
    versions = {"target": PHASE_VERSIONS["target"]}
    if plan.phase1 is not None:
        versions["inter"] = PHASE_VERSIONS["inter"]
    return versions
