"""One grid cell end to end: (model, intermediate task, target task, seed) -> results.json.

Phase 1 fine-tunes the pretrained model on the intermediate task and keeps its encoder in the
shared cache; phase 2 puts a fresh head on that encoder, trains on the target's English data
and evaluates zero-shot on every target language. ``inter=none`` starts phase 2 from the
pretrained model; retrieval targets score the encoder without phase 2.

Guarantees (README "Guarantees"): one job computes a cell (a per-cell OS lock; another job
finding it held reports who holds it and moves on, or waits with ``on_busy=wait``); the data a
cell needs is read and validated before anything trains; a result is written last and
atomically; a failure's reason is written even on a full disk (space kept in reserve).
"""

from __future__ import annotations

import contextlib
import logging
import platform
import shutil
import subprocess
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from xtask import __version__, tracking
from xtask.data.sources import DataContext
from xtask.plan.cellplan import CellPlan
from xtask.plan.resolve import resolve
from xtask.store import cells as store
from xtask.store.cells import State
from xtask.store.identity import cell_name
from xtask.store.records import CellSpec, Results, TargetScores
from xtask.tasks import TaskSpec

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Planned:
    """A cell, resolved: its plan, identity and folder, before anything runs."""

    plan: CellPlan
    inter_key: Optional[str]
    spec: CellSpec
    folder: Path

    # Views of the plan that callers read often.
    @property
    def target(self) -> TaskSpec:
        return self.plan.target

    @property
    def languages(self) -> List[str]:
        return list(self.plan.languages)

    @property
    def left_out(self) -> Dict[str, str]:
        return dict(self.plan.left_out)

    @property
    def ctx(self) -> DataContext:
        return self.plan.data


def plan_cell(cfg: Any, check: bool = True) -> Planned:
    """Resolve the composed config into the cell's plan (checking it, ``check``), and from the
    plan its identity and folder (cheap: no model, no data read beyond what identifies it)."""
    return plan_of(resolve(cfg, check=check))


def plan_of(plan: CellPlan) -> Planned:
    """The identity and folder of a resolved cell."""
    from xtask.plan import identity

    keys = identity.keys(plan)
    key, inter_key = keys["key"], keys["inter_key"]
    spec = CellSpec(
        key=key, model=plan.model.name, inter=plan.inter, setting=plan.setting, target=plan.target.name,
        seed=plan.seed, versions=identity.cell_versions(plan), inputs=keys["inputs"],
        inter_key=inter_key, inter_inputs=keys["phase1_inputs"], baseline_key=keys["baseline_key"],
        group=keys["group"], config=plan.config, seed_free=plan.seed_free,
    )
    name = cell_name(spec.model, spec.inter, spec.target, None if plan.seed_free else spec.seed, key)
    return Planned(plan, inter_key, spec, store.locate(plan.run.cells, name))


def split_of(plan: CellPlan) -> str:
    return plan.phase2.eval_split


@dataclass
class Outcome:
    """What running a cell did: ``action`` is ran, resumed, skipped (done before), skipped_stale,
    skipped_failed (rerun with retry_failed=true) or busy (another job holds it)."""

    folder: Path
    action: str
    score: Optional[float] = None
    results: Optional[Results] = None
    message: str = ""


def run_cell(cfg: Any = None, planned: Optional[Planned] = None) -> Outcome:
    """Run one cell (from its composed config, or already planned), or skip it as its state
    says (see :func:`xtask.store.cells.view`)."""
    started = time.time()
    planned = planned or plan_cell(cfg)
    folder = planned.folder
    lock = store.CellLock(folder)
    # A seed-free cell is one computation for every seed of a grid: another job holding it is
    # computing this very result, so wait for it rather than skip.
    wait = planned.plan.run.on_busy == "wait" or planned.plan.seed_free
    try:
        lock.acquire(wait=wait)
    except store.Busy as busy:
        log.warning("%s: skipped (on_busy=wait waits for it)", busy)
        return Outcome(folder, "busy", message=str(busy))
    except OSError as err:
        raise store.StoreError(f"cannot write the cell folder {folder} ({err.strerror or err}): check that "
                               "paths.outputs (or XTASK_OUTPUTS) is writable and has space; nothing was changed") from err
    try:
        return _run_locked(planned, started)
    finally:
        lock.release()


def _run_locked(planned: Planned, started: float) -> Outcome:
    run, folder = planned.plan.run, planned.folder
    current = store.view(folder)
    if not run.force:
        if current.state == State.done:
            log.info("cell %s is done: skipped (force=true recomputes it)", folder.name)
            return Outcome(folder, "skipped", current.score, current.results)
        if current.state == State.stale and not run.recompute_stale:
            log.warning("cell %s is stale (%s): kept; recompute_stale=true recomputes it", folder.name, current.problem)
            return Outcome(folder, "skipped_stale", current.score, current.results)
        if current.state == State.failed and not run.retry_failed and not current.retried_by_relaunch:
            log.warning("cell %s failed before (%s): skipped; rerun it with retry_failed=true", folder.name, current.problem)
            return Outcome(folder, "skipped_failed", message=current.problem)
    if run.force or current.state in (State.stale, State.damaged):
        if current.state == State.damaged:
            log.warning("cell %s: %s; recomputing it", folder.name, current.problem)
        _clear(folder)
    resuming = current.state in (State.interrupted, State.lost) and any(folder.glob("*/trainer/checkpoint-*"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").unlink(missing_ok=True)  # never leave an old result beside a new run
    attempts = (current.status.attempts if current.status is not None and not run.force else 0) + 1
    planned.spec.created = time.time()
    try:
        store.write_spec(folder, planned.spec)
        store.reserve_space(folder)
        store.write_status(folder, "running", attempts=attempts, since=started)
    except OSError as err:
        raise store.StoreError(f"cannot write the cell folder {folder} ({err.strerror or err}): check that "
                               "paths.outputs (or XTASK_OUTPUTS) is writable and has space") from err
    log.info("cell %s -> %s", folder.name, folder)
    from xtask.pipeline import preemption

    preemption.install()
    try:
        with torch_threads(run.cpu_threads):
            results = _compute(planned, started, attempts)
        store.write_results(folder, results)
        store.write_status(folder, "done", attempts=attempts, since=started, score=results.scores.average)
        store.release_reserve(folder)
        shown = "predictions only (no labels)" if results.scores.average is None else f"{results.scores.average:.2f}"
        log.info("%s task score (%s) = %s", planned.target.name, results.scores.score_name, shown)
        return Outcome(folder, "resumed" if resuming else "ran", results.scores.average, results)
    except (preemption.Preempted, SystemExit, KeyboardInterrupt) as err:
        # Stopped from outside (SLURM warning signal, requeue, Ctrl-C): checkpoints are kept and
        # a rerun of the same cell resumes from them.
        _record(folder, "interrupted", err, attempts, started)
        raise
    except BaseException as err:
        _record(folder, "failed", err, attempts, started, traceback.format_exc(limit=20))
        raise
    finally:
        preemption.uninstall()


def _record(folder: Path, state: str, err: BaseException, attempts: int, started: float, trace: Optional[str] = None) -> None:
    """Write the cell's final status; if even that fails (a read-only store), say so in the log
    and let the original error through (never mask it)."""
    error = f"{type(err).__name__}: {err}{store.disk_note(folder)}"
    try:
        store.write_status(folder, state, error=error, traceback=trace, attempts=attempts, since=started)
    except OSError as write_err:
        log.error("could not record %s in %s (%s); the cell's error was %s: %s", state, folder / "status.json",
                  write_err, type(err).__name__, err)


def _clear(folder: Path) -> None:
    """Empty a cell folder for a recomputation, keeping its lock file (held by this job)."""
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if child.name == store.LOCK_FILE:
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


@contextlib.contextmanager
def torch_threads(count: Optional[int]) -> Iterator[None]:
    """torch's CPU threads set to ``count`` (train.cpu_threads) for one cell, then put back: a
    process that runs several cells (tests, notebooks) keeps its own setting."""
    if not count:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(int(count))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _compute(planned: Planned, started: float, attempts: int) -> Results:
    from xtask.models.registry import pretrained_path
    from xtask.pipeline.preflight import read_cell_data
    from xtask.store import encoders

    plan, folder = planned.plan, planned.folder
    target = plan.target.resolve(plan.data)
    entry = (encoders.entry_path(plan.run.cache, plan.inter, planned.inter_key)
             if planned.inter_key is not None else None)
    needs_inter = entry is not None and (plan.run.force or not encoders.is_complete(entry))
    data = read_cell_data(plan, target, needs_inter)
    init_from = pretrained_path(plan.model, plan.run.cache)
    timings: Dict[str, float] = {}
    phases: Dict[str, Any] = {}
    if entry is not None:
        phase1 = intermediate_encoder(plan, init_from, entry, data.inter)
        init_from = str(phase1.encoder_dir)
        phases["inter"] = {**phase1.metrics, "cache": phase1.how, "entry": entry.name, "cache_dir": str(entry)}
        timings["inter_s"] = phase1.metrics.get("seconds", 0.0) if phase1.how in ("built", "rebuilt") else 0.0

    run_id = f"{planned.spec.key}-target"
    import dataclasses

    cell_record = {k: v for k, v in dataclasses.asdict(planned.spec).items() if k != "config"}
    with tracking.phase_run(plan, run_id, "target", f"{folder.name}-target", tracking.tags_for(plan),
                            extra={"xtask_cell": cell_record}) as run:
        scores = _target_phase(planned, target, data, init_from, phases, timings,
                               report_to="wandb" if run is not None else "none")
        tracking.log_summary(run, {
            "target": {"average": scores.average, **scores.averages, "chance": scores.extra.get("chance_average")},
            "per_language": {lang: s.metrics for lang, s in scores.per_language.items()},
        })
    timings["total_s"] = time.time() - started
    return Results(
        key=planned.spec.key, versions=planned.spec.versions, scores=scores, phases=phases, timings=timings,
        environment={**versions(), **store.job_info(), "attempts": attempts, "sweep": plan.run.sweep_name,
                     "slurm_restarts": store.slurm_restarts()},
        started_from=init_from,
    )


def _target_phase(planned: Planned, target: TaskSpec, data: Any, init_from: str, phases: Dict[str, Any],
                  timings: Dict[str, float], report_to: str) -> TargetScores:
    """Phase 2 (fine-tune on English, evaluate every language), or scoring the encoder
    directly for the retrieval targets. Fills ``phases`` and ``timings``."""
    from xtask.pipeline.chance import majority_tag
    from xtask.pipeline.evaluation import evaluate_languages
    from xtask.pipeline.retrieval import score_retrieval
    from xtask.pipeline.training import PhaseRun, TrainKnobs, finetune

    plan, folder = planned.plan, planned.folder
    phase2 = plan.phase2
    split = phase2.eval_split
    eval_started = time.time()
    if phase2.retrieval is not None:
        scores = score_retrieval(target, init_from, plan.data, data.evaluation, split, phase2.retrieval, folder,
                                 plan.seed, precision=phase2.precision)
    else:
        assert phase2.hp is not None
        result = finetune(
            task=target, train_set=data.train, dev_set=data.selection,
            run=PhaseRun(init_from, folder / "target", phase2.hp, plan.seed, phase2.precision.bf16, report_to,
                         f"{folder.name}-target", TrainKnobs.from_plan(plan)),
        )
        phases["target"] = {"task": target.name, "trained_on": target.train_task or target.name, **result.metrics}
        timings["target_s"] = result.seconds
        eval_started = time.time()
        scores = evaluate_languages(result, target, data.evaluation, split, result.hp, plan.seed, folder,
                                    majority_tag(data.train))
    scores.left_out = dict(plan.left_out)
    timings["eval_s"] = time.time() - eval_started
    return scores


def run_phase1(planned: Planned) -> Optional[Path]:
    """Phase 1 only: the cell's intermediate encoder in the shared cache, trained by this job if
    nobody has yet (an adaptive grid's first batch, ``adaptive.stage=phase1``); no cell folder
    is written. The cache entry, or None for ``inter=none`` (nothing to train)."""
    from xtask.models.registry import pretrained_path
    from xtask.pipeline.preflight import read_phase1_data
    from xtask.store import encoders

    plan = planned.plan
    if planned.inter_key is None:
        return None
    entry = encoders.entry_path(plan.run.cache, plan.inter, planned.inter_key)
    data = read_phase1_data(plan) if plan.run.force or not encoders.is_complete(entry) else {}
    with torch_threads(plan.run.cpu_threads):
        intermediate_encoder(plan, pretrained_path(plan.model, plan.run.cache), entry, data)
    return entry


def intermediate_encoder(plan: CellPlan, init_from: str, entry: Path, data: Dict[str, Any]) -> Any:
    """The phase-1 encoder from the shared cache, trained by this job if nobody has yet."""
    from xtask.pipeline.intermediate import run_intermediate
    from xtask.store import encoders

    assert plan.phase1 is not None

    def build(out_dir: Path) -> Dict[str, Any]:
        # One W&B run per shared encoder (its cache key), whichever cell happens to train it.
        run_id = f"inter-{entry.name}"
        with tracking.phase_run(plan, run_id, "inter", entry.name, tracking.tags_for(plan)[:2] + [f"seed:{plan.seed}"]) as run:
            result = run_intermediate(plan, init_from, out_dir, "wandb" if run is not None else "none", run_id, data)
            tracking.log_summary(run, {"inter": result.metrics})
        return {**result.metrics, "seconds": result.seconds}

    sweep = sweep_id()
    found = encoders.ensure(entry, build, force_sweep=sweep if plan.run.force else None, sweep=sweep)
    log.info("intermediate %s: %s (%s)", plan.inter, found.how, entry)
    return found


def sweep_id() -> Optional[str]:
    """The sweep (or single run) this job belongs to: its Hydra output folder's parent."""
    try:
        from hydra.core.hydra_config import HydraConfig

        if HydraConfig.initialized():
            cfg = HydraConfig.get()
            return str(Path(cfg.sweep.dir).resolve()) if cfg.mode.name == "MULTIRUN" else str(Path(cfg.run.dir).resolve())
    except Exception:  # outside Hydra (tests, xtask bench): this process is the "sweep"
        pass
    return _PROCESS_ID


_PROCESS_ID = f"process-{platform.node()}-{__import__('os').getpid()}-{time.time():.0f}"


def _git_commit() -> Optional[str]:
    try:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def versions() -> Dict[str, Optional[str]]:
    import datasets
    import torch
    import transformers

    return {
        "xtask": __version__, "git_commit": _git_commit(), "python": platform.python_version(),
        "torch": torch.__version__, "transformers": transformers.__version__, "datasets": datasets.__version__,
    }
