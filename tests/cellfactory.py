"""Cell folders written by hand, in the store's layout (spec.json, status.json, results.json),
with known scores: report, status and plan tests build their stores from these, through the
store's own writers, so every number they check is computed by hand."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from xtask.store import cells as store
from xtask.store import identity, records
from xtask.store.records import CellSpec, LanguageScore, Results, TargetScores

QA = ("xquad", "mlqa", "tydiqa")


def inputs_of(target: str, seed: int, inter: Optional[str], *, languages=("de", "en"), hp: Optional[Mapping] = None,
              model: str = "tiny", data: str = "mini", inter_hp: Optional[Mapping] = None) -> Dict[str, Any]:
    """(cell inputs, inter inputs or None) as xtask.store.identity builds them, simplified."""
    model_id = {"tiny": model}
    inter_inputs = None
    if inter not in (None, "none"):
        inter_inputs = {"model": model_id, "precision": {}, "inter": {"name": inter}, "data": {inter: data},
                        "hp": dict(inter_hp or {}), "seed": seed}
    start = {"inter": identity.digest(inter_inputs)} if inter_inputs else {"pretrained": model_id}
    cell = {"start": start, "precision": {}, "target": {"languages": list(languages)}, "data": {target: data},
            "hp": dict(hp or {}), "seed": seed}
    return cell, inter_inputs


def make_cell(root: Path, inter: str, target: str, seed: int, score: Optional[float] = None, *, state: str = "done",
              model: str = "tiny", hp: Optional[Mapping] = None, inter_hp: Optional[Mapping] = None, data: str = "mini",
              setting: Optional[str] = None, per_language: Optional[Dict[str, Dict[str, float]]] = None,
              left_out: Optional[Dict[str, str]] = None, versions: Optional[Dict[str, int]] = None,
              split: str = "dev", error: str = "boom", unlabelled: bool = False) -> Path:
    """A cell whose languages average to ``score`` (en = score + 1, de = score - 1; QA: EM/F1
    around it) in the store under ``root``; ``state``: done, failed, running, interrupted."""
    from xtask.tasks import get_task

    task = get_task(target)
    languages = tuple(per_language) if per_language else ("de", "en")
    cell_inputs, inter_inputs = inputs_of(target, seed, inter, languages=languages, hp=hp, model=model, data=data,
                                          inter_hp=inter_hp)
    baseline_inputs, _ = inputs_of(target, seed, None, languages=languages, hp=hp, model=model, data=data)
    key = identity.digest(cell_inputs)
    spec = CellSpec(
        key=key, model=model, inter=inter, setting=setting or inter, target=target, seed=seed,
        versions=versions or ({"target": identity.PHASE_VERSIONS["target"]} | (
            {"inter": identity.PHASE_VERSIONS["inter"]} if inter != "none" else {})),
        inputs=cell_inputs, inter_key=identity.digest(inter_inputs) + "-v2" if inter_inputs else None,
        inter_inputs=inter_inputs, baseline_key=identity.digest(baseline_inputs),
        group=_group(cell_inputs, inter_inputs), config={"data": {"source": data}}, created=time.time(),
    )
    folder = store.locate(root, identity.cell_name(model, inter, target, seed, key))
    folder.mkdir(parents=True, exist_ok=True)
    store.write_spec(folder, spec)
    if state != "done":
        store.write_status(folder, state, error=error if state == "failed" else None, attempts=1)
        return folder
    if per_language is None and score is not None:
        if target in QA:
            per_language = {"en": {"exact_match": score - 4, "f1": score + 6}, "de": {"exact_match": score - 6, "f1": score + 4}}
        else:
            per_language = {"en": {task.headline_metric: score + 1}, "de": {task.headline_metric: score - 1}}
    scored = {} if unlabelled else {lang: LanguageScore(dict(m), task.task_score(m), 10) for lang, m in (per_language or {}).items()}
    average = None if unlabelled else (sum(s.score for s in scored.values()) / len(scored) if scored else None)
    metrics = sorted({k for m in (per_language or {}).values() for k in m})
    scores = TargetScores(
        task=target, split=split, metric=task.headline_metric, score_name=task.score_name, languages=list(languages),
        per_language=scored, averages={m: sum(s.metrics[m] for s in scored.values()) / len(scored) for m in metrics} if scored else {},
        average=average, unlabelled=list(languages) if unlabelled else [], left_out=dict(left_out or {}),
    )
    store.write_results(folder, Results(key=key, versions=spec.versions, scores=scores, phases={}, timings={"total_s": 1.0},
                                        environment={}, started_from=""))
    store.write_status(folder, "done", attempts=1, score=average)
    return folder


def read_spec(folder: Path) -> CellSpec:
    spec = records.read_spec(folder)
    assert isinstance(spec, CellSpec)
    return spec


def _group(cell_inputs: Mapping, inter_inputs: Optional[Mapping]) -> str:
    """As xtask.plan.identity.keys gives the group: the cell's and its encoder's inputs without the seed."""
    cell = {k: v for k, v in cell_inputs.items() if k not in ("seed", "start")}
    start = {k: v for k, v in inter_inputs.items() if k != "seed"} if inter_inputs else cell_inputs.get("start")
    return identity.digest({"cell": cell, "start": start})
