"""What a Hydra job does: set up the process, run the cell, leave a pointer for the sweep.

In a multirun a cell's failure is recorded in its status and the job returns NaN instead of
raising: Hydra's sweeper would otherwise stop at the first failed job's return value and never
call the end-of-sweep callback, which prints the matrix (with the failed cell shown as failed)
and then exits non-zero. A single run (``python launch.py ...``) fails loudly: a mistake of
the user's (a bad value, a missing file, an unknown name) as one clear message, anything else
with its traceback. Stops from outside (preemption, Ctrl-C) always propagate.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from pathlib import Path

from omegaconf import DictConfig

log = logging.getLogger(__name__)


def _limit_threads() -> None:
    """Under SLURM with ``--cpus-per-task``, train with that many threads unless
    ``OMP_NUM_THREADS`` says otherwise (without CPU binding torch takes every core of the node,
    whoever else runs there). Set before torch is imported; the local launcher sets
    ``OMP_NUM_THREADS`` itself (xtask/launchers.py)."""
    cpus = os.environ.get("SLURM_CPUS_PER_TASK", "")
    if not cpus.isdigit() or int(cpus) < 1 or "OMP_NUM_THREADS" in os.environ:
        return
    os.environ["OMP_NUM_THREADS"] = cpus
    os.environ.setdefault("MKL_NUM_THREADS", cpus)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(int(cpus))


def _quiet_libraries() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import datasets
    import transformers

    transformers.logging.set_verbosity_warning()
    datasets.logging.set_verbosity_warning()
    datasets.disable_progress_bars()  # tokenising small sets: bars would only add noise


def user_errors() -> tuple:
    """Errors that are the user's to fix (config, names, data): shown as a message, no traceback."""
    from xtask.config import ConfigError
    from xtask.data.readers import MalformedDataError
    from xtask.data.sources import MissingDataError
    from xtask.store.cells import StoreError
    from xtask.tasks import UnknownTaskError

    return ConfigError, MissingDataError, MalformedDataError, UnknownTaskError, StoreError


def run_job(cfg: DictConfig) -> float:
    """Run the configured cell; returns its task score (NaN when it has none: failed, skipped
    as failed, busy elsewhere, or predictions only). A single run that leaves its cell not done
    exits non-zero with one line saying why (a failure of the environment, a cell skipped as
    failed before, a cell running elsewhere); Ctrl-C says where the cell stopped."""
    from hydra.core.hydra_config import HydraConfig

    from xtask import failures
    from xtask.failures import EnvironmentFailure
    from xtask.models.sources import check_model_available
    from xtask.pipeline.cell import plan_cell, run_cell, run_phase1
    from xtask.pipeline.preemption import Preempted
    from xtask.store import cells as store

    _limit_threads()
    _quiet_libraries()
    multirun = HydraConfig.initialized() and HydraConfig.get().mode.name == "MULTIRUN"
    job_dir = Path(HydraConfig.get().runtime.output_dir) if HydraConfig.initialized() else None
    planned = None
    try:
        planned = plan_cell(cfg)
        check_model_available(cfg.model.pretrained, cfg.model.revision, cfg.model.build)
        if phase1_only(cfg):  # an adaptive grid's first batch: the encoder, no cell
            entry = run_phase1(planned)
            log.info("phase 1 of %s: %s", planned.plan.inter, entry or "nothing to train (inter=none)")
            return math.nan
        if job_dir is not None:
            store.write_pointer(job_dir, planned.folder)
        outcome = run_cell(cfg, planned)
    except (Preempted, SystemExit):
        raise
    except KeyboardInterrupt:
        print(f"interrupted: {failures.where_stopped(planned.folder if planned else None)}", file=sys.stderr)
        raise SystemExit(130) from None
    except (EnvironmentFailure, *user_errors()) as err:
        if multirun:
            log.error("cell failed: %s", err)
            return math.nan
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    except Exception:
        recorded = store.view(planned.folder) if planned is not None else None
        if recorded is not None and recorded.failure == failures.ENVIRONMENT:
            line = failures.environment_line(planned.folder.name, recorded.status.error or "",
                                             None if cfg.model.build else cfg.model.pretrained)
            if multirun:
                log.error(line)
                return math.nan
            print(f"error: {line}", file=sys.stderr)
            raise SystemExit(1) from None
        if multirun:
            log.exception("cell failed (its status.json keeps the traceback)")
            return math.nan
        raise
    if job_dir is not None:
        store.write_pointer(job_dir, outcome.folder, outcome.action)
    if not multirun and outcome.action in ("skipped_failed", "busy"):
        # A launch that leaves its cell not done says so in its exit status (scripts, CI).
        line = (f"cell {outcome.folder.name} failed before ({outcome.message}): skipped; retry_failed=true reruns it"
                if outcome.action == "skipped_failed"
                else f"{outcome.message}: this launch leaves it not done (on_busy=wait waits for it)")
        print(f"error: {line}", file=sys.stderr)
        raise SystemExit(1)
    return math.nan if outcome.score is None else float(outcome.score)


def phase1_only(cfg: DictConfig) -> bool:
    """Whether this job trains phase 1 only (``adaptive.stage=phase1``, set by the halving sweeper)."""
    adaptive = cfg.get("adaptive")
    stage = adaptive.get("stage") if adaptive is not None else None
    return getattr(stage, "value", stage) == "phase1"


def exit_now(code: int = 0) -> None:
    """End the process without tearing the interpreter down: with torch and transformers
    loaded, freeing every module's objects one by one takes over a second, for nothing. What
    an exit does that matters is done first: other (non-daemon) threads finish, atexit handlers
    run (logging's flush, W&B's finish, weakref finalizers, temporary folders), the standard
    streams are flushed. ``XTASK_CLEAN_EXIT=1`` exits the ordinary way."""
    import atexit
    import threading

    if os.environ.get("XTASK_CLEAN_EXIT") == "1":
        raise SystemExit(code)
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or gone (a pipe whose reader left)
            pass
    os._exit(code)
