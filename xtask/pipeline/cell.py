"""One grid cell end to end: (model, intermediate task, target task, seed) -> results.json.

Phase 1 fine-tunes the pretrained model on the intermediate task and keeps its encoder;
phase 2 puts a fresh head on that encoder, trains on the target's English data and evaluates
zero-shot on every target language. ``inter=none`` starts phase 2 from the pretrained model.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import subprocess
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, Optional

from omegaconf import DictConfig

from xtask import __version__, tracking
from xtask.pipeline import preemption
from xtask.atomic import write_json_atomic
from xtask.config import DataSource, to_container
from xtask.data.sources import MINI_LANGUAGES, DataContext
from xtask.store.identity import cell_dir, signature
from xtask.pipeline.intermediate import MULTITASK
from xtask.models.tiny import pretrained_path
from xtask.pipeline.preflight import check_evaluation_data
from xtask.tasks import NO_INTERMEDIATE, Task, TaskKind, intermediate_task, target_task

log = logging.getLogger(__name__)

RESULTS_FILE = "results.json"
STATUS_FILE = "status.json"
REPO_ROOT = Path(__file__).resolve().parents[2]


def resolve_languages(task: Task, requested: Optional[List[str]], ctx: DataContext) -> List[str]:
    if requested:
        unknown = [lang for lang in requested if lang not in task.languages]
        if unknown:
            raise ValueError(
                f"target {task.name!r} has no language(s) {unknown}; "
                f"its XTREME languages are: {', '.join(task.languages)}"
            )
        return list(requested)
    if ctx.source == DataSource.mini:
        return [lang for lang in task.languages if lang in MINI_LANGUAGES]
    return list(task.languages)


def _git_commit() -> Optional[str]:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def versions() -> Dict[str, Optional[str]]:
    import datasets
    import torch
    import transformers

    return {
        "xtask": __version__,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
    }


def _write_status(folder: Path, state: str, **extra: Any) -> None:
    write_json_atomic(folder / STATUS_FILE, {"state": state, "time": time.time(), **extra})


def job_info() -> Dict[str, Any]:
    """Where this attempt runs: host, pid, and the SLURM job (array) ids when under SLURM."""
    info: Dict[str, Any] = {"host": platform.node(), "pid": os.getpid()}
    for key, env in (("slurm_job_id", "SLURM_JOB_ID"), ("slurm_array_job_id", "SLURM_ARRAY_JOB_ID"),
                     ("slurm_array_task_id", "SLURM_ARRAY_TASK_ID"), ("slurm_restarts", "SLURM_RESTART_COUNT")):
        if os.environ.get(env):
            info[key] = os.environ[env]
    if "slurm_array_job_id" in info:
        info["slurm_job"] = f"{info['slurm_array_job_id']}_{info['slurm_array_task_id']}"
    elif "slurm_job_id" in info:
        info["slurm_job"] = info["slurm_job_id"]
    return info


def read_status(folder: Path) -> Dict[str, Any]:
    path = folder / STATUS_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}


def read_results(folder: Path) -> Optional[Dict[str, Any]]:
    """A cell's ``results.json``; None when it has none (not finished) or it cannot be read."""
    try:
        data = json.loads((folder / RESULTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def run_cell(cfg: DictConfig) -> Dict[str, Any]:
    """Run one cell, or skip it when a relaunch finds it done (or failed, without retry_failed).

    Returns the content of its results.json plus ``"action"``: ``ran``, ``resumed``,
    ``skipped`` (done before) or ``skipped_failed`` (failed before; rerun with retry_failed=true).
    """
    started = time.time()
    resolved = to_container(cfg)
    inter_name = cfg.inter.name
    folder = cell_dir(resolved)
    previous = read_status(folder)
    if not cfg.force and previous.get("state") == "done" and (folder / RESULTS_FILE).is_file():
        log.info("cell %s is done: skipped (force=true recomputes it)", folder.name)
        return {**json.loads((folder / RESULTS_FILE).read_text(encoding="utf-8")), "action": "skipped"}
    if not (cfg.force or cfg.retry_failed) and previous.get("state") == "failed":
        log.warning("cell %s failed before (%s): skipped; rerun it with retry_failed=true",
                    folder.name, previous.get("error", "?"))
        return {"cell": {"dir": str(folder)}, "action": "skipped_failed", "error": previous.get("error")}
    if cfg.force:
        shutil.rmtree(folder, ignore_errors=True)
    resuming = previous.get("state") in ("running", "interrupted") and any(folder.glob("*/trainer/checkpoint-*"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RESULTS_FILE).unlink(missing_ok=True)  # never leave an old result beside a new run
    attempts = int(previous.get("attempts", 0)) + 1
    _write_status(folder, "running", attempts=attempts, **job_info())
    log.info("cell %s -> %s", folder.name, folder)
    preemption.install()
    try:
        # Checked first, and inside the try: a bad task or language is this cell's failure.
        ctx = DataContext.from_config(cfg.data)
        target = target_task(cfg.target.name).resolve(ctx)
        if inter_name not in (NO_INTERMEDIATE, MULTITASK):
            intermediate_task(inter_name)
        languages = resolve_languages(target, cfg.target.languages, ctx)
        eval_data = check_evaluation_data(target, ctx, cfg.target.eval_split, languages)
        if cfg.train.cpu_threads:
            import torch

            torch.set_num_threads(cfg.train.cpu_threads)
        init_from = pretrained_path(cfg.model, Path(cfg.paths.cache))
        timings: Dict[str, float] = {}
        phases: Dict[str, Any] = {}
        if inter_name != NO_INTERMEDIATE:
            phase1 = intermediate_encoder(cfg, ctx, init_from)
            init_from = str(phase1.encoder_dir)
            phases["inter"] = {**phase1.metrics, "cache": phase1.how, "cache_dir": str(phase1.encoder_dir.parent)}
            timings["inter_s"] = phase1.metrics.get("seconds", 0.0) if phase1.how == "built" else 0.0

        sig = signature(resolved)
        with tracking.phase_run(cfg, f"{sig}-target", "target", f"{folder.name}-target", tracking.tags_for(cfg)) as run:
            scores = _target_phase(cfg, ctx, target, eval_data, init_from, folder, phases, timings,
                                   report_to="wandb" if run is not None else "none")
            tracking.log_summary(run, {
                "target": {"average": scores["average"], **scores["averages"]},
                "per_language": {lang: m for lang, m in scores["per_language"].items()},
            })
        timings["total_s"] = time.time() - started
        results = {
            "cell": {
                "model": cfg.model.name,
                "inter": inter_name,
                "target": target.name,
                "seed": cfg.seed,
                "signature": sig,
                "sweep": cfg.sweep_name,
                "dir": str(folder),
                "job": job_info(),
                "attempts": attempts,
                "started_from": init_from,
            },
            "target": scores,
            "phases": phases,
            "timings": timings,
            "versions": versions(),
            "config": resolved,
        }
        write_json_atomic(folder / RESULTS_FILE, results)
        _write_status(folder, "done", average=scores["average"], attempts=attempts, **job_info())
        log.info("%s task score (%s) = %s", target.name, scores["metric"], scores["average"])
        return {**results, "action": "resumed" if resuming else "ran"}
    except (preemption.Preempted, SystemExit, KeyboardInterrupt) as err:
        # Stopped from outside (SLURM warning signal, requeue, Ctrl-C): checkpoints are kept and
        # a rerun of the same cell resumes from them.
        _write_status(folder, "interrupted", error=f"{type(err).__name__}: {err}", attempts=attempts, **job_info())
        raise
    except BaseException as err:
        _write_status(
            folder,
            "failed",
            error=f"{type(err).__name__}: {err}",
            traceback=traceback.format_exc(limit=20),
            attempts=attempts,
            **job_info(),
        )
        raise
    finally:
        preemption.uninstall()


def _target_phase(
    cfg: DictConfig, ctx: DataContext, target: Task, eval_data: Dict[str, Any], init_from: str, folder: Path,
    phases: Dict[str, Any], timings: Dict[str, float], report_to: str,
) -> Dict[str, Any]:
    """Phase 2 (fine-tune on English, evaluate every language of ``eval_data``), or scoring the
    encoder directly for the retrieval targets. Fills ``phases`` and ``timings``; returns the
    target's scores."""
    from xtask.pipeline.evaluation import evaluate_languages
    from xtask.pipeline.retrieval import score_retrieval
    from xtask.pipeline.training import PhaseRun, finetune

    if target.kind == TaskKind.retrieval:
        # No training: the (intermediate) encoder is scored directly.
        eval_started = time.time()
        scores = score_retrieval(
            target, init_from, ctx, eval_data, cfg.target.eval_split, cfg.model.retrieval_layer,
            cfg.train.target.max_length, cfg.train.target.eval_batch_size, folder,
        )
        timings["eval_s"] = time.time() - eval_started
    else:
        phase2 = finetune(
            task=target,
            # The target's reader maps "train" to its English training task (xnli -> mnli).
            train_set=target.read(ctx, "train", "en"),
            dev_set=target.read_selection_set(ctx),
            run=PhaseRun(init_from, folder / "target", target_hp(cfg), cfg.seed, cfg.model.bf16, report_to,
                         f"{folder.name}-target"),
        )
        phases["target"] = {"task": target.name, "trained_on": target.train_task or target.name, **phase2.metrics}
        timings["target_s"] = phase2.seconds
        eval_started = time.time()
        scores = evaluate_languages(
            phase2, target, eval_data, cfg.target.eval_split, phase2.hp, cfg.seed, folder
        )
        timings["eval_s"] = time.time() - eval_started
    return scores


def target_hp(cfg: DictConfig) -> Any:
    """Phase 2's train config, with the target's own max_length when it sets one."""
    from omegaconf import OmegaConf

    if cfg.target.max_length is None:
        return cfg.train.target
    return OmegaConf.merge(cfg.train.target, {"max_length": cfg.target.max_length})


def intermediate_encoder(cfg: DictConfig, ctx: DataContext, init_from: str) -> Any:
    """The phase-1 encoder from the shared cache, trained by this job if nobody has yet."""
    from xtask.store import encoders as cache
    from xtask.pipeline.intermediate import run_intermediate

    entry = cache.entry_dir(cfg)

    def build(out_dir: Path) -> Dict[str, Any]:
        # One W&B run per shared encoder (its cache key), whichever cell happens to train it.
        run_id = f"inter-{entry.name}"
        with tracking.phase_run(cfg, run_id, "inter", entry.name, tracking.tags_for(cfg)[:2] + [f"seed:{cfg.seed}"]) as run:
            result = run_intermediate(cfg, ctx, init_from, out_dir, "wandb" if run is not None else "none", run_id)
            tracking.log_summary(run, {"inter": result.metrics})
        return {**result.metrics, "seconds": result.seconds}

    found = cache.ensure(entry, build)
    log.info("intermediate %s: %s (%s)", cfg.inter.name, found.how, entry)
    return found

