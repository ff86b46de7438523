"""Every cell's results as one long table: a row per (cell, language), nothing dropped.

Cells are found below any folder given (an outputs tree, a cells folder, sweep folders, single
cells; :func:`xtask.store.cells.find`), with the planned cells a sweep never started (state
``pending``) and recorded ones not found where a sweep says (``not found``). A cell that did not
finish gets one row with ``lang`` empty.

**What is averaged together.** Cells are averaged only when they differ in the seed alone: the
``group`` column (see :func:`xtask.plan.identity.keys`). Each group is one entry of the
transfer matrix. Its row is named by its setting (``mnli``, ``sst2+mlm0.25``, ...) plus every
other setting that varies among the cells of the same target in the report (e.g.
``none [target.languages=[en,de]]``, ``mnli [train.inter.lr=2e-05]``), so a reader sees what
differs; two groups never share a row. Another model, or another data source, is another
report (``report`` column).
"""

from __future__ import annotations

import functools
import json
import logging
import math
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import pandas as pd

from xtask.store import cells as store
from xtask.store.superseded import superseded
from xtask.store.cells import CellView, Found, State
from xtask.store.identity import digest

log = logging.getLogger(__name__)

LONG_COLUMNS = [
    "report", "sweep", "model", "inter", "setting", "row", "baseline", "group", "key", "baseline_key", "target", "seed",
    "lang", "metric", "value", "lang_score", "n", "task_score", "chance", "state", "partial", "left_out", "dir", "seed_free",
]
# Settings of the inter phase: not a none cell's (its row ignores them when finding its baseline).
PHASE1_PREFIXES = ("inter.", "train.inter.", "inter_data", "inter_precision")


def flatten(tree: Any, prefix: str = "") -> Dict[str, str]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": "1"}`` (lists and scalars as compact JSON)."""
    if isinstance(tree, dict):
        out: Dict[str, str] = {}
        for key, value in tree.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    text = json.dumps(tree, separators=(",", ":"), sort_keys=True, default=str) if not isinstance(tree, str) else tree
    return {prefix: text} if prefix else {}


def facets(spec: Any) -> Dict[str, str]:
    """The settings of a cell a report may name (flat, dotted, non-default), besides its setting
    label, target and seed: phase-2 settings, phase-1 settings, and a digest of each phase's data."""
    inputs = spec.inputs
    if isinstance(inputs.get("target"), dict):  # keys of records schema 2: the target's settings as a block
        target = inputs["target"]
    else:  # a phase-2 plan's inputs (xtask.plan.identity)
        target = {k: inputs[k] for k in ("languages", "eval_split") if k in inputs}
    out = {**flatten(target, "target"), **flatten(inputs.get("hp") or {}, "train.target"),
           **flatten(inputs.get("retrieval") or {}, "retrieval"),
           **flatten(inputs.get("precision") or {}, "precision"), "data": digest(inputs.get("data"), 8),
           "model": digest(_model_identity(spec), 8)}
    inter = spec.inter_inputs or {}
    if inter:
        block = inter.get("inter") if isinstance(inter.get("inter"), dict) else {}  # schema 2 kept a block
        variant = {k: v for k, v in block.items() if k not in ("name", "mlm", "translated", "sampler", "tasks")}
        out.update(flatten(variant, "inter"))
        out.update(flatten(inter.get("hp") or {}, "train.inter"))
        out.update(flatten(inter.get("precision") or {}, "inter_precision"))
        out["inter_data"] = digest(inter.get("data"), 8)
    return out


def _model_identity(spec: Any) -> Any:
    """The pretrained model's identity, from phase 1's inputs or the cell's start."""
    model = (spec.inter_inputs or {}).get("model")
    if isinstance(model, dict) and "identity" in model:  # a phase-1 plan's model part
        model = model["identity"]
    return model or (spec.inputs.get("start") or {}).get("pretrained") or {}


def report_key(spec: Any) -> str:
    """Cells of different models or data sources are never in one report: its name."""
    data = (spec.config or {}).get("data") or {}
    source = str(data.get("source", "?"))
    where = data.get("root") or data.get("files") or ""
    return f"{spec.model} · data={source}" + (f" ({where})" if where else "")


# --------------------------------------------------------------------------- reading


def _cell_rows(found: Found, view: CellView) -> List[Dict[str, Any]]:
    spec = view.spec
    base: Dict[str, Any] = {
        "sweep": _sweep_name(found.sweep) if found.sweep else None,
        "model": spec.model if spec else None, "inter": spec.inter if spec else None,
        "setting": spec.setting if spec else None, "group": spec.group if spec else None,
        "key": spec.key if spec else None, "baseline_key": spec.baseline_key if spec else None,
        "target": spec.target if spec else None, "seed": spec.seed if spec else None,
        "seed_free": bool(getattr(spec, "seed_free", False)),
        "task_score": math.nan, "chance": math.nan, "state": view.state.value, "partial": False, "left_out": "",
        "dir": str(view.folder),
        "report": report_key(spec) if spec else None,
    }
    if spec is None:
        parsed = parse_name(view.folder.name)
        if parsed is None:
            log.warning("skipping %s: no spec.json and not a cell folder name", view.folder)
            return []
        base.update(parsed)
        base["setting"] = base["inter"]
    results = view.results if view.state in store.FINISHED else None
    if results is None:
        return [{**base, "lang": None, "metric": None, "value": math.nan, "lang_score": math.nan, "n": None}]
    scores = results.scores
    base["task_score"] = math.nan if scores.average is None else float(scores.average)
    base["partial"] = scores.partial
    chance = scores.extra.get("chance_average")
    base["chance"] = math.nan if chance is None else float(chance)
    base["left_out"] = partial_reason(scores)
    if scores.average is None:  # every language unlabelled: predictions only
        base["state"] = "predictions only" if view.state == State.done else base["state"]
    rows = [{**base, "lang": lang, "metric": scores.metric, "value": float(s.metrics.get(scores.metric, math.nan)),
             "lang_score": float(s.score), "n": s.n} for lang, s in scores.per_language.items()]
    return rows or [{**base, "lang": None, "metric": scores.metric, "value": math.nan, "lang_score": math.nan, "n": None}]


def partial_reason(scores: Any) -> str:
    """Why a score is partial, in words ("" when it is not): the languages left out, grouped by
    reason, and the samples scored ("100 of 1000 examples in de, fr; 100 of 205 in jv")."""
    by_reason: Dict[str, List[str]] = {}
    for lang, why in scores.left_out.items():
        by_reason.setdefault(why, []).append(lang)
    if scores.unlabelled and scores.per_language:
        by_reason.setdefault("no labels: predictions only", []).extend(scores.unlabelled)
    parts = [f"leave out {', '.join(langs)} ({why})" for why, langs in by_reason.items()]
    samples: Dict[Tuple[int, int], List[str]] = {}
    for lang, total in scores.sampled.items():
        if lang in scores.per_language:
            samples.setdefault((scores.per_language[lang].n, total), []).append(lang)
    if samples:
        parts.append("cover a sample: " + "; ".join(
            f"{n} of {total} examples in {', '.join(langs)}" for (n, total), langs in samples.items()))
    return "; ".join(parts)


def parse_name(name: str) -> Optional[Dict[str, Any]]:
    """``inter__target__model__sSEED__key`` (a cell folder's name) -> its parts."""
    parts = name.split("__")
    if len(parts) != 5 or not parts[3].startswith("s") or not parts[3][1:].isdigit():
        return None
    inter, target, model, seed, key = parts
    return {"inter": inter, "target": target, "model": model, "seed": int(seed[1:]), "key": key, "group": f"name:{name}",
            "report": model}


@functools.lru_cache(maxsize=None)
def _sweep_name(sweep_dir: Path) -> Optional[str]:
    """``<date>_<time>_<microseconds>_<sweep>`` (conf/config.yaml's hydra.sweep.dir) -> ``<sweep>``."""
    parts = Path(sweep_dir).name.split("_", 3)
    return parts[3] if len(parts) == 4 else None


def load_long(paths: Iterable[Path], borrow: bool = True) -> Tuple[pd.DataFrame, List[str]]:
    """The long table of every cell under ``paths``, with each row's name; and notes (cells
    borrowed as baselines, recorded cells not found). ``borrow``: add the ``inter=none`` cell
    that is each cell's baseline when the grid lacks it but the cell store beside it has it."""
    with store.collector_paused():
        return _load_long(paths, borrow)


def _load_long(paths: Iterable[Path], borrow: bool) -> Tuple[pd.DataFrame, List[str]]:
    found = store.find([Path(p) for p in paths])
    viewed = store.views(found)
    # Failed cells a finished rerun of the same setting replaced (inputs since repaired): hidden.
    hidden = superseded([view for _, view in viewed])
    viewed = [(item, view) for item, view in viewed if view.folder not in hidden]
    specs = {item.folder: view.spec for item, view in viewed}
    rows = [row for item, view in viewed for row in _cell_rows(item, view)]
    notes = [f"{view.problem}" for item, view in viewed if view.state == State.not_found]
    if hidden:
        notes.append(f"{len(hidden)} failed cell(s) not shown: a finished rerun of the same setting superseded them "
                     "(`xtask status` lists them, `xtask prune` removes them)")
    if borrow:
        borrowed, borrowed_specs = _borrow(viewed)
        rows += borrowed
        specs.update(borrowed_specs)
        if borrowed:
            names = sorted({Path(r["dir"]).name for r in borrowed})
            notes.append(f"baseline: {len(names)} inter=none cell(s) not run by this grid were taken from the cell store "
                         "(the same model, target, data, phase-2 settings and seed): " + ", ".join(names))
    frame = _adopt_reports(_frame(rows))
    return name_rows(frame, specs), notes


def _adopt_reports(frame: pd.DataFrame) -> pd.DataFrame:
    """A cell that never started has no spec, only a folder name with its model: it joins the
    report of the other cells of that model when there is exactly one."""
    if frame.empty:
        return frame
    named = frame["group"].fillna("").str.startswith("name:")
    known = frame[frame["key"].notna() & named.eq(False)]
    by_model = known.groupby("model")["report"].agg(lambda r: sorted(set(r)))
    only = {model: reports[0] for model, reports in by_model.items() if len(reports) == 1}
    adopted = frame.loc[named, "model"].map(lambda model: only.get(model))
    adopted = adopted[adopted.notna()]
    if not adopted.empty:
        frame.loc[adopted.index, "report"] = adopted
    return frame


def _borrow(viewed: List[Tuple[Found, CellView]]) -> Tuple[List[Dict[str, Any]], Dict[Path, Any]]:
    have = {view.spec.key for _, view in viewed if view.spec is not None}
    rows: List[Dict[str, Any]] = []
    specs: Dict[Path, Any] = {}
    for _, view in viewed:
        spec = view.spec
        if spec is None or spec.inter == "none" or not spec.baseline_key or spec.baseline_key in have:
            continue
        name = f"none__{spec.target}__{spec.model}__s{spec.seed}__{spec.baseline_key}"
        folder = view.folder.parent / name
        have.add(spec.baseline_key)
        if not folder.is_dir():
            continue
        twin = store.view(folder)
        if twin.state in store.FINISHED and twin.spec is not None:
            rows += _cell_rows(Found(folder), twin)
            specs[folder] = twin.spec
    return rows, specs


def _frame(rows: List[Dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=LONG_COLUMNS)
    frame["n"] = pd.to_numeric(frame["n"]).astype("Int64")
    frame["seed"] = pd.to_numeric(frame["seed"]).astype("Int64")
    return frame


# --------------------------------------------------------------------------- naming rows


def name_rows(frame: pd.DataFrame, specs: Mapping[Path, Any]) -> pd.DataFrame:
    """Fill ``row`` (the setting plus what else varies among the target's groups) and
    ``baseline`` (the row of the ``none`` group a row is compared with, per target)."""
    if frame.empty:
        return frame
    frame = frame.copy()
    cell_facets = {str(folder): facets(spec) for folder, spec in specs.items() if spec is not None}
    rows, baselines = {}, {}
    for (report, target), part in frame.groupby(["report", "target"], dropna=False, sort=False):
        groups = part.drop_duplicates("dir")
        groups = groups.loc[[str(d) in cell_facets for d in groups["dir"]]]  # a cell without spec has unknown settings
        by_group = {g: cell_facets[str(d)] for g, d in zip(groups["group"], groups["dir"])}
        setting_of = dict(zip(groups["group"], groups["setting"]))

        def varies(key: str, among: List[str]) -> bool:
            return len({by_group[g].get(key, "default") for g in among}) > 1

        keys = sorted({k for f in by_group.values() for k in f})
        # Phase-2 settings are compared across all of the target's groups; phase-1 settings only
        # among the groups of the same setting (mnli and sst2 read other data anyway).
        shared = [k for k in keys if not k.startswith(PHASE1_PREFIXES) and varies(k, list(by_group))]
        phase1 = {setting: [k for k in keys if k.startswith(PHASE1_PREFIXES)
                            and varies(k, [g for g in by_group if setting_of[g] == setting])]
                  for setting in set(setting_of.values())}
        for group, setting, inter in zip(groups["group"], groups["setting"], groups["inter"]):
            f = by_group.get(group, {})
            rows[group] = _label(setting, f, shared + ([] if inter == "none" else phase1[setting]))
            baselines[group] = _label("none", f, shared)
    frame["row"] = frame["group"].map(rows).fillna(frame["setting"])
    frame["baseline"] = frame["group"].map(baselines).fillna("none")
    return frame


def _label(setting: str, values: Mapping[str, str], keys: List[str]) -> str:
    shown = [f"{k}={values.get(k, 'default')}" for k in keys if k != "data" and not k.endswith("data")]
    shown += [f"{k}={values[k]}" for k in keys if (k == "data" or k.endswith("data")) and k in values]
    return setting + (f" [{', '.join(shown)}]" if shown else "")


# --------------------------------------------------------------------------- W&B


def load_wandb(group: str, project: str, entity: Optional[str]) -> Tuple[pd.DataFrame, List[str]]:
    """The long table from the W&B runs of a sweep (``group`` = sweep name, job type ``target``):
    each run's config holds the cell's spec (``xtask_cell``), its summary the scores. Needs
    network access and a W&B API key; raises ``RuntimeError`` with a plain message otherwise."""
    import os

    from xtask.store.records import CellSpec

    if os.environ.get("WANDB_MODE", "").lower() in ("offline", "disabled", "dryrun"):
        raise RuntimeError(f"WANDB_MODE={os.environ['WANDB_MODE']}: pulling runs needs W&B online "
                           "(unset WANDB_MODE, log in with `wandb login`), or aggregate the local cell folders")
    try:
        import wandb

        api = wandb.Api(timeout=30)
        path = f"{entity}/{project}" if entity else project
        runs = list(api.runs(path, filters={"group": group, "jobType": "target"}))
    except Exception as err:  # wandb raises many kinds (CommError, auth, HTTP): one plain message
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise RuntimeError(f"could not read W&B runs of group {group!r} in {project!r} ({type(err).__name__}: {first}); "
                           "W&B must be online with an API key") from err
    rows: List[Dict[str, Any]] = []
    specs: Dict[Path, Any] = {}
    for run in runs:
        data = dict(run.config or {}).get("xtask_cell")
        if not isinstance(data, dict):
            log.warning("W&B run %s has no xtask_cell in its config (logged by an older xtask): skipped", getattr(run, "id", "?"))
            continue
        spec = CellSpec(**{k: v for k, v in data.items() if k in CellSpec.__dataclass_fields__})
        where = Path("wandb:" + "/".join(map(str, getattr(run, "path", None) or [getattr(run, "id", "?")])))
        specs[where] = spec
        rows += _wandb_rows(run, spec, str(where), group)
    frame = _frame(rows)
    return name_rows(frame, specs), []


_RUN_STATES = {"finished": "done", "crashed": "failed", "failed": "failed", "killed": "failed", "running": "running"}


def _wandb_rows(run: Any, spec: Any, where: str, group: str) -> List[Dict[str, Any]]:
    summary: Mapping[str, Any] = dict(run.summary or {})
    state = _RUN_STATES.get(str(getattr(run, "state", "")), str(getattr(run, "state", "unknown")))
    average = summary.get("target/average")
    chance = summary.get("target/chance")
    base = {"report": report_key(spec), "sweep": group, "model": spec.model, "inter": spec.inter, "setting": spec.setting,
            "group": spec.group, "key": spec.key, "baseline_key": spec.baseline_key, "target": spec.target,
            "seed": spec.seed, "seed_free": bool(getattr(spec, "seed_free", False)),
            "task_score": float(average) if state == "done" and average is not None else math.nan,
            "chance": float(chance) if state == "done" and chance is not None else math.nan,
            "state": state if average is not None or state != "done" else "predictions only", "partial": False,
            "left_out": "", "dir": where}
    per_language: Dict[str, Dict[str, Any]] = {}
    for key, value in summary.items():
        if key.startswith("per_language/") and key.count("/") == 2:
            _, lang, metric = key.split("/")
            per_language.setdefault(lang, {})[metric] = value
    if state != "done" or not per_language:
        return [{**base, "lang": None, "metric": None, "value": math.nan, "lang_score": math.nan, "n": None}]
    from xtask.tasks import get_task

    task = get_task(spec.target)
    return [{**base, "lang": lang, "metric": task.headline_metric, "value": float(m.get(task.headline_metric, math.nan)),
             "lang_score": task.task_score(m) if all(k in m for k in ("exact_match", "f1")) or task.metric != "em_f1" else math.nan,
             "n": m.get("n")} for lang, m in sorted(per_language.items())]
