"""Every cell's results as one long table: a row per (cell, language), nothing dropped.

Cells are found like :func:`xtask.report.matrix.cell_folders` finds them (cell folders, cells
parents, Hydra sweep folders). On top of it, a sweep folder's ``plan.json`` adds the planned
cells that never got a folder (state ``missing``), so an interrupted grid shows its holes.
A cell that did not finish gets one row with ``lang=None``.

Rows are labelled with a *setting*: the intermediate task, plus a suffix for variants that
share its name but not its training (continued MLM, translate-train, a non-default multi-task
sampler), read from the cell's resolved config. Without that, a sweep of ``anli_plus+mlm`` cells
would be averaged into the plain ``anli_plus`` row.
"""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

import pandas as pd

from xtask.pipeline.cell import read_results, read_status
from xtask.report.matrix import cell_folders
from xtask.scoring.xtreme import TASK_GROUPS
from xtask.ops.status import PLAN_FILE, POINTER_FILE

log = logging.getLogger(__name__)

LONG_COLUMNS = [
    "sweep", "model", "inter", "setting", "target", "seed", "lang", "metric", "value", "lang_score", "n",
    "task_score", "state", "dir",
]
MULTITASK = "multitask"
# The sampler that conf/inter/multitask.yaml sets: cells using it are the plain ``multitask`` row.
MULTITASK_DEFAULT_STRATEGY = "temperature"
MISSING_STATE = "missing"
TARGET_F1 = ("udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc2018")


def setting_label(inter: str, config: Optional[Mapping[str, Any]]) -> str:
    """``inter`` plus ``+mlm0.25`` / ``+tt(de,zh)`` / ``+uniform`` for variants of its training."""
    block = (config or {}).get("inter") or {}
    tags: List[str] = []
    share = float(((block.get("mlm") or {}).get("share")) or 0.0)
    if share > 0:
        tags.append(f"mlm{share:g}")
    translated = block.get("translated") or {}
    languages = list(translated.get("languages") or [])
    if languages:
        english = "" if translated.get("include_english", True) else ",no-en"
        tags.append(f"tt({','.join(languages)}{english})")
    if inter == MULTITASK:
        strategy = str((block.get("sampler") or {}).get("strategy") or MULTITASK_DEFAULT_STRATEGY)
        strategy = strategy.rsplit(".", 1)[-1]  # "SamplingStrategy.uniform" from an unresolved enum
        if strategy != MULTITASK_DEFAULT_STRATEGY:
            tags.append(strategy)
        if block.get("tasks"):
            tags.append(f"{len(block['tasks'])}tasks")
    return inter + "".join(f"+{tag}" for tag in tags)


def lang_score(target: str, scores: Mapping[str, Any], metric: Optional[str]) -> float:
    """A language's share of the task score: (EM + F1) / 2 for QA, else the task's metric."""
    if target in TASK_GROUPS["qa"] and "exact_match" in scores and "f1" in scores:
        return (float(scores["exact_match"]) + float(scores["f1"])) / 2
    value = scores.get(metric) if metric else None
    return float(value) if value is not None else math.nan


def _float(value: Any) -> float:
    return float(value) if value is not None else math.nan


def rows_from_results(data: Mapping[str, Any], folder: str, config: Optional[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """The long rows of one finished cell (``results.json`` content)."""
    cell, target = data["cell"], data["target"]
    base: Dict[str, Any] = {
        "sweep": cell.get("sweep"),
        "model": cell["model"],
        "inter": cell["inter"],
        "setting": setting_label(cell["inter"], data.get("config") or config),
        "target": cell["target"],
        "seed": int(cell["seed"]),
        "task_score": _float(target.get("average")),
        # A cell whose languages all lacked gold labels has no task score to average.
        "state": "done" if target.get("average") is not None else "no_score",
        "dir": folder,
    }
    metric = target.get("metric")
    per_language: Mapping[str, Mapping[str, Any]] = target.get("per_language") or {}
    if not per_language:
        return [{**base, "lang": None, "metric": metric, "value": math.nan, "lang_score": math.nan, "n": None}]
    return [
        {
            **base, "lang": lang, "metric": metric, "value": _float(scores.get(metric)),
            "lang_score": lang_score(cell["target"], scores, metric), "n": scores.get("n"),
        }
        for lang, scores in per_language.items()
    ]


def row_without_results(folder: Path, state: str, sweep: Optional[str], config: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The single row of a cell that has no results: identity from its folder name
    (``inter__target__model__sSEED__signature``, see xtask.identity)."""
    parts = folder.name.split("__")
    if len(parts) != 5 or not parts[3].startswith("s") or not parts[3][1:].lstrip("-").isdigit():
        log.warning("skipping %s: not a cell folder name (inter__target__model__sSEED__signature)", folder)
        return None
    inter, target, model, seed, _ = parts
    return {
        "sweep": sweep, "model": model, "inter": inter, "setting": setting_label(inter, config), "target": target,
        "seed": int(seed[1:]), "lang": None, "metric": None, "value": math.nan, "lang_score": math.nan, "n": None,
        "task_score": math.nan, "state": state, "dir": str(folder),
    }


def _read_json(path: Path) -> Optional[Dict[str, Any]]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _job_config(job_dir: Path) -> Optional[Dict[str, Any]]:
    """The resolved config Hydra saved for a sweep job (``N/.hydra/config.yaml``), if any: the
    only place a failed cell's variant (e.g. its MLM share) can be read from."""
    path = job_dir / ".hydra" / "config.yaml"
    if not path.is_file():
        return None
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _sweep_name(sweep_dir: Path) -> Optional[str]:
    """``<date>_<time>_<microseconds>_<sweep>`` (conf/config.yaml's hydra.sweep.dir) -> ``<sweep>``."""
    parts = sweep_dir.name.split("_", 3)
    return parts[3] if len(parts) == 4 else None


def _sweep_context(paths: Iterable[Path]) -> tuple[Dict[Path, Path], Dict[Path, Optional[str]], List[Path]]:
    """For cells reached through sweep folders: cell -> job folder, cell -> sweep name, and the
    planned cells (``plan.json``) in plan order."""
    jobs: Dict[Path, Path] = {}
    sweeps: Dict[Path, Optional[str]] = {}
    planned: List[Path] = []
    for path in map(Path, paths):
        for pointer in sorted(path.glob(f"*/{POINTER_FILE}")):
            data = _read_json(pointer)
            if data and "cell_dir" in data:
                cell = Path(data["cell_dir"]).resolve()
                jobs[cell] = pointer.parent
                sweeps[cell] = _sweep_name(path)
        plan = _read_json(path / PLAN_FILE) if (path / PLAN_FILE).is_file() else None
        for cell_dir in (plan or {}).get("cells", []):
            cell = Path(cell_dir).resolve()
            planned.append(cell)
            sweeps.setdefault(cell, _sweep_name(path))
    return jobs, sweeps, planned


def load_long(paths: Iterable[Path]) -> pd.DataFrame:
    """One row per (cell, language) of every cell under ``paths``; see the module docstring."""
    paths = [Path(p) for p in paths]
    jobs, sweeps, planned = _sweep_context(paths)
    folders = list(dict.fromkeys([*cell_folders(paths), *planned]))
    rows: List[Dict[str, Any]] = []
    for folder in folders:
        job = jobs.get(folder)
        config = _job_config(job) if job is not None else None
        results = read_results(folder)
        if results is not None and "cell" in results and "target" in results:
            rows.extend(rows_from_results(results, str(folder), config))
            continue
        status = read_status(folder)
        state = str(status.get("state", "unknown")) if status else MISSING_STATE
        if state == "done":  # done without a readable results.json: nothing to average
            state = "no_results"
        row = row_without_results(folder, state, sweeps.get(folder), config)
        if row is not None:
            rows.append(row)
    return _frame(rows)


def _frame(rows: List[Dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=LONG_COLUMNS)
    frame["n"] = pd.to_numeric(frame["n"]).astype("Int64")  # example counts; <NA> for cells without results
    frame["seed"] = frame["seed"].astype("int64")
    return frame


def load_wandb(group: str, project: str, entity: Optional[str]) -> pd.DataFrame:
    """The long table from the W&B runs of a sweep (``group`` = sweep name, job type ``target``),
    from the summary keys xtask.pipeline.cell writes: ``target/average`` and ``per_language/LANG/METRIC``.

    Needs network access and a W&B API key; raises ``RuntimeError`` with a plain message when
    W&B is offline or unreachable."""
    if os.environ.get("WANDB_MODE", "").lower() in ("offline", "disabled", "dryrun"):
        raise RuntimeError(f"WANDB_MODE={os.environ['WANDB_MODE']}: pulling runs needs W&B online "
                           "(unset WANDB_MODE, log in with `wandb login`), or aggregate the local cell folders")
    try:
        import wandb

        api = wandb.Api(timeout=30)
        path = f"{entity}/{project}" if entity else project
        runs = list(api.runs(path, filters={"group": group, "jobType": "target"}))
    except Exception as err:  # wandb raises many kinds (CommError, auth, HTTP): one plain message
        raise RuntimeError(f"could not read W&B runs of group {group!r} in {project!r} "
                           f"({type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}); "
                           "W&B must be online with an API key") from err
    rows: List[Dict[str, Any]] = []
    for run in runs:
        rows.extend(_rows_from_run(run, group))
    return _frame(rows)


_RUN_STATES = {"finished": "done", "crashed": "failed", "failed": "failed", "killed": "failed", "running": "running"}


def _rows_from_run(run: Any, group: str) -> List[Dict[str, Any]]:
    config: Mapping[str, Any] = dict(run.config or {})
    summary: Mapping[str, Any] = dict(run.summary or {})
    inter = (config.get("inter") or {}).get("name")
    target = (config.get("target") or {}).get("name")
    model = (config.get("model") or {}).get("name")
    if not (inter and target and model):
        log.warning("W&B run %s has no inter/target/model in its config: skipped", getattr(run, "id", "?"))
        return []
    state = _RUN_STATES.get(str(getattr(run, "state", "")), str(getattr(run, "state", "unknown")))
    average = summary.get("target/average")
    if state == "done" and average is None:
        state = "no_results"
    base = {
        "sweep": config.get("sweep_name") or group, "model": model, "inter": inter,
        "setting": setting_label(inter, config), "target": target, "seed": int(config.get("seed", 0)),
        "task_score": _float(average) if state == "done" else math.nan, "state": state,
        "dir": "wandb:" + "/".join(map(str, getattr(run, "path", None) or [getattr(run, "id", "?")])),
    }
    per_language: Dict[str, Dict[str, Any]] = {}
    for key, value in summary.items():
        if key.startswith("per_language/") and key.count("/") == 2:
            _, lang, metric = key.split("/")
            per_language.setdefault(lang, {})[metric] = value
    if state != "done" or not per_language:
        return [{**base, "lang": None, "metric": None, "value": math.nan, "lang_score": math.nan, "n": None}]
    metric = _headline_metric(target, summary)
    return [
        {**base, "lang": lang, "metric": metric, "value": _float(scores.get(metric)),
         "lang_score": lang_score(target, scores, metric), "n": scores.get("n")}
        for lang, scores in sorted(per_language.items())
    ]


def _headline_metric(target: str, summary: Mapping[str, Any]) -> str:
    """The metric results.json would name (xtask.pipeline.formats / xtask.retrieval): accuracy for the
    classification targets and Tatoeba, F1 for tagging, QA and BUCC."""
    if target in ("xnli", "pawsx", "tatoeba"):
        return "accuracy"
    if target in TARGET_F1:
        return "f1"
    return "accuracy" if "target/accuracy" in summary else "f1"
