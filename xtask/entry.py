"""What a Hydra job does: set up the process, run the cell, leave a pointer for the sweep."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from omegaconf import DictConfig

from xtask.atomic import write_json_atomic

log = logging.getLogger(__name__)


def _quiet_libraries() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import datasets
    import transformers

    transformers.logging.set_verbosity_warning()
    datasets.logging.set_verbosity_warning()
    datasets.disable_progress_bars()  # tokenising small sets: bars would only add noise


def run_job(cfg: DictConfig) -> float:
    """Run the configured cell; returns its task score (Hydra's job return value; NaN for a
    failed cell that was skipped)."""
    from hydra.core.hydra_config import HydraConfig

    from xtask.pipeline.cell import run_cell
    from xtask.config import to_container
    from xtask.store.identity import cell_dir
    from xtask.ops.status import POINTER_FILE

    _quiet_libraries()
    pointer = None
    if HydraConfig.initialized():
        pointer = Path(HydraConfig.get().runtime.output_dir) / POINTER_FILE
        write_json_atomic(pointer, {"cell_dir": str(cell_dir(to_container(cfg)))})
    results = run_cell(cfg)
    if pointer is not None:
        write_json_atomic(pointer, {"cell_dir": results["cell"]["dir"], "action": results["action"]})
    if results["action"] == "skipped_failed":
        return float("nan")
    return float(results["target"]["average"])
