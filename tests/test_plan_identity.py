"""A phase's key is a function of its plan: golden keys make every identity change a visible diff,
and perturbing each field of a plan moves the key exactly when the field can change a result."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest

from xtask.pipeline.cell import plan_cell
from xtask.plan import identity
from xtask.plan.cellplan import CellPlan

# One cell per task kind, with and without an intermediate task, a mixture, MLM, translate-train,
# a multiple-choice target and both retrieval kinds (tiny model, bundled mini data).
GOLDEN_CELLS: Dict[str, Tuple[str, ...]] = {
    "none-xnli": ("inter=none", "target=xnli"),
    "mnli-xnli": ("inter=mnli", "target=xnli"),
    "squad-xquad": ("inter=squad", "target=xquad"),
    "none-udpos": ("inter=none", "target=udpos"),
    "ccg-panx": ("inter=ccg", "target=panx"),
    "hellaswag-xcopa": ("inter=hellaswag", "target=xcopa"),
    "none-tatoeba": ("inter=none", "target=tatoeba"),
    "mnli-bucc": ("inter=mnli", "target=bucc2018"),
    "multitask-pawsx": ("inter=multitask", "target=pawsx"),
    "sst2mlm-tydiqa": ("inter=sst2", "inter.mlm.share=0.25", "target=tydiqa"),
    "mnlitt-xnli": ("inter=mnli", "inter.translated.languages=[de]", "target=xnli"),
    "none-xnli-s2-qaknobs": ("inter=none", "target=xnli", "seed=2", "train.target.doc_stride=8"),
}

# (phase-1 key or None, cell key), as this code computes them. A change here is a change of every
# store's keys: say in the commit why, and what happens to cells computed under the old keys
# (`xtask migrate`).
GOLDEN_KEYS: Dict[str, Tuple[Any, str]] = {
    "ccg-panx": ("b4e7fd3229e1-v2", "7cf1c6a120af"),
    "hellaswag-xcopa": ("eed4b620f55d-v2", "d1422cd90900"),
    "mnli-bucc": ("561de43cd76d-v2", "9216321841ea"),
    "mnli-xnli": ("561de43cd76d-v2", "0cfc0cfb2859"),
    "mnlitt-xnli": ("98d72220ae21-v2", "358158c67f7e"),
    "multitask-pawsx": ("036e78a4b5fd-v2", "e000f59d0d73"),
    "none-tatoeba": (None, "91de652e3407"),
    "none-udpos": (None, "bb73b2b3608a"),
    "none-xnli": (None, "e3085f8fe625"),
    "none-xnli-s2-qaknobs": (None, "d358a734321f"),
    "squad-xquad": ("8cfdf6513cd9-v2", "f7c607c541f9"),
    "sst2mlm-tydiqa": ("492cc2f0275d-v2", "3cb4205f9f2a"),
}


def _plan(compose: Any, overrides: Tuple[str, ...]) -> Any:
    return plan_cell(compose(*overrides))


@pytest.mark.parametrize("name", sorted(GOLDEN_CELLS))
def test_golden_keys(compose: Any, name: str) -> None:
    planned = _plan(compose, GOLDEN_CELLS[name])
    assert (planned.inter_key, planned.spec.key) == GOLDEN_KEYS[name]


def test_golden_key_of_a_files_cell(compose: Any, tmp_path: Any) -> None:
    """data=files: the key follows the files' content, not their paths."""
    from xtask.data.sources import BUNDLED_MINI_ROOT

    keys = []
    for copy in ("a", "b"):
        folder = tmp_path / copy
        folder.mkdir()
        mapping = folder / "map.yaml"
        lines = ["udpos:"]
        for split in ("train", "dev", "test"):
            src = BUNDLED_MINI_ROOT / "udpos" / f"{split}-en.tsv"
            dst = folder / f"{split}-en.tsv"
            dst.write_bytes(src.read_bytes())
            lines += [f"  {split}:", f"    en: {{path: {dst}, format: word_tag}}"]
        mapping.write_text("\n".join(lines) + "\n")
        keys.append(_plan(compose, ("inter=none", "target=udpos", "data=files", f"data.files={mapping}",
                                    "target.languages=[en]")).spec.key)
    assert keys[0] == keys[1]


@pytest.mark.slow
def test_seed_free_cells_share_one_key(compose: Any) -> None:
    """No training and no sampling: the seeds are one computation (one folder, one key)."""
    one, two = (_plan(compose, ("inter=none", "target=tatoeba", f"seed={s}")) for s in (1, 2))
    assert one.plan.seed_free and one.spec.seed_free
    assert one.folder == two.folder and "__det__" in one.folder.name
    sampled = [_plan(compose, ("inter=none", "target=tatoeba", f"seed={s}", "train.target.max_eval_examples=5"))
               for s in (1, 2)]
    assert not sampled[0].plan.seed_free and sampled[0].folder != sampled[1].folder
    trained = [_plan(compose, ("inter=mnli", "target=tatoeba", f"seed={s}")) for s in (1, 2)]
    assert not trained[0].plan.seed_free and trained[0].folder != trained[1].folder


# --------------------------------------------------------------------------- perturbations


def _leaves(node: Any, path: Tuple[str, ...] = (), parent_result: bool = True) -> Iterator[Tuple[Tuple[str, ...], bool, Any]]:
    """(path, whether it can change a result, value) of every field of a plan part that is not
    itself a plan part; a field inside a part marked not-a-result is not one either."""
    for spec in dataclasses.fields(node):
        value = getattr(node, spec.name)
        result = parent_result and spec.metadata.get("result", True) is not False
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            yield from _leaves(value, path + (spec.name,), result)
        else:
            yield path + (spec.name,), result, value


def _perturbed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 3
    if isinstance(value, float):
        return value * 2 + 0.5
    if isinstance(value, str):
        return value + "-other"
    if value is None:
        return 7
    if isinstance(value, tuple):
        return value + ("zz",)
    if isinstance(value, dict) or hasattr(value, "items"):
        return {**dict(value), "zz": 1}
    raise TypeError(f"no perturbation for {value!r}")


def _replaced(node: Any, path: Tuple[str, ...], value: Any) -> Any:
    if len(path) == 1:
        return dataclasses.replace(node, **{path[0]: value})
    return dataclasses.replace(node, **{path[0]: _replaced(getattr(node, path[0]), path[1:], value)})


PERTURBED_CELLS = ["mnli-xnli", "squad-xquad", "none-udpos", "none-tatoeba", "mnli-bucc", "multitask-pawsx",
                   "sst2mlm-tydiqa", "mnlitt-xnli"]


@pytest.mark.slow
def test_every_result_field_moves_its_key_and_no_other_does(compose: Any) -> None:
    seen: Set[Tuple[str, str]] = set()
    wrong: List[str] = []
    for name in PERTURBED_CELLS:
        plan: CellPlan = _plan(compose, GOLDEN_CELLS[name]).plan
        for phase_name, inputs in (("phase1", identity.phase1_inputs), ("phase2", identity.phase2_inputs)):
            phase = getattr(plan, phase_name)
            if phase is None:
                continue
            before = identity.digest(inputs(phase))
            for path, result, value in _leaves(phase):
                owner = _owner(phase, path)
                seen.add((type(owner).__name__, path[-1]))
                after = identity.digest(inputs(_replaced(phase, path, _perturbed(value))))
                if result and after == before:
                    wrong.append(f"{name} {phase_name}.{'.'.join(path)}: a result field that does not move the key")
                if not result and after != before:
                    wrong.append(f"{name} {phase_name}.{'.'.join(path)}: marked not-a-result but moves the key")
    assert wrong == [], "\n".join(wrong)
    # Every field of every plan part was perturbed in some cell (a new field is covered, or fails here).
    from xtask.plan import cellplan

    parts = [cellplan.Phase1Plan, cellplan.Phase2Plan, cellplan.TrainPlan, cellplan.RetrievalPlan, cellplan.MLMPlan,
             cellplan.TranslatedPlan, cellplan.SamplerPlan, cellplan.ModelPlan, cellplan.PrecisionPlan]
    missing = [f"{part.__name__}.{f.name}" for part in parts for f in dataclasses.fields(part)
               if (part.__name__, f.name) not in seen and f.name not in _PART_FIELDS]
    assert missing == []


# Fields that hold a plan part (perturbed through their own fields).
_PART_FIELDS = {"model", "hp", "precision", "mlm", "translated", "sampler", "retrieval", "tiny"}


def _owner(node: Any, path: Tuple[str, ...]) -> Any:
    for part in path[:-1]:
        node = getattr(node, part)
    return node


def test_the_perturbation_check_catches_an_unkeyed_result_field() -> None:
    """A result field marked not-a-result (the old allowlist's kind of hole) fails the check."""

    @dataclasses.dataclass(frozen=True)
    class Hole:
        prefix: str = dataclasses.field(default="", metadata={"result": False})
        layer: int = -1

    before = identity.digest(identity.result_values(Hole()))
    assert identity.digest(identity.result_values(Hole(prefix="query: "))) == before  # unkeyed: the hole
    assert identity.digest(identity.result_values(Hole(layer=3))) != before


def test_model_revision_is_part_of_the_key(compose: Any) -> None:
    plans = [_plan(compose, ("model=xlmr_base", "inter=none", "target=xnli", *extra)) for extra in ((), ("model.revision=v2",))]
    assert plans[0].spec.key != plans[1].spec.key


def test_plan_counts_a_seed_free_cell_once(tmp_path: Any, capsys: Any) -> None:
    from xtask.cli import main as xtask_main

    assert xtask_main(["plan", "--list", "inter=none", "target=tatoeba", "seed=1,2,3", f"paths.outputs={tmp_path}"]) == 0
    out = capsys.readouterr().out
    assert "cells:                   3 (3 pending); 1 to run" in out
    assert out.count("the same computation as above") == 2


def _baselines() -> Dict[str, Dict[str, Any]]:
    """Each plan class's result fields with a default: (class, field) -> the default, as hashed."""
    import inspect

    from xtask.plan import cellplan

    out: Dict[str, Dict[str, Any]] = {}
    for name, cls in inspect.getmembers(cellplan, inspect.isclass):
        if dataclasses.is_dataclass(cls) and cls.__module__ == cellplan.__name__:
            fields = {field: identity.result_values(default) for field, default in identity._result_fields(cls)
                      if default is not identity._MISSING}
            if fields:
                out[name] = fields
    return out


def test_plan_defaults_are_a_fixed_baseline() -> None:
    """A default is the value left out of the hash: moved, old cells that ran at it and new cells
    at the new one would share a key (tests/golden/plan_baselines.json records every default)."""
    import json
    from pathlib import Path

    recorded = json.loads((Path(__file__).parent / "golden" / "plan_baselines.json").read_text(encoding="utf-8"))
    current = _baselines()
    moved = [f"{cls}.{field}: {value!r} -> {current.get(cls, {}).get(field, '(removed)')!r}"
             for cls, fields in recorded.items() for field, value in fields.items()
             if current.get(cls, {}).get(field, "(removed)") != value]
    assert not moved, ("a plan default moved; a default is the identity's baseline and must stay (change the "
                       "config's default instead): " + "; ".join(moved))
    new = [f"{cls}.{field}" for cls, fields in current.items() for field in fields if field not in recorded.get(cls, {})]
    assert not new, f"record the defaults of new plan fields in tests/golden/plan_baselines.json: {', '.join(new)}"
