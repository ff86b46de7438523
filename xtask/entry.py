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
    as failed, busy elsewhere, or predictions only)."""
    from hydra.core.hydra_config import HydraConfig

    from xtask.pipeline.cell import plan_cell, run_cell
    from xtask.pipeline.preemption import Preempted
    from xtask.store import cells as store

    _quiet_libraries()
    multirun = HydraConfig.initialized() and HydraConfig.get().mode.name == "MULTIRUN"
    job_dir = Path(HydraConfig.get().runtime.output_dir) if HydraConfig.initialized() else None
    try:
        planned = plan_cell(cfg)
        if job_dir is not None:
            store.write_pointer(job_dir, planned.folder)
        outcome = run_cell(cfg, planned)
    except (Preempted, KeyboardInterrupt, SystemExit):
        raise
    except user_errors() as err:
        if multirun:
            log.error("cell failed: %s", err)
            return math.nan
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    except Exception:
        if multirun:
            log.exception("cell failed (its status.json keeps the traceback)")
            return math.nan
        raise
    if job_dir is not None:
        store.write_pointer(job_dir, outcome.folder, outcome.action)
    if outcome.action == "busy" and not multirun:
        print(f"note: {outcome.message}", file=sys.stderr)
    return math.nan if outcome.score is None else float(outcome.score)
