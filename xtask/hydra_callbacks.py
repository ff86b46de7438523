"""Hydra callbacks: check and plan every cell when a multirun starts; print the transfer matrix,
write the ``xtask aggregate`` report into the sweep folder and set the exit status when it ends."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, List

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)

NOT_DONE = ("failed", "damaged", "lost", "running", "interrupted", "pending", "not found")


class TransferMatrixOnMultirunEnd(Callback):
    """Before any job starts: every cell's config is checked (a bad value fails the whole sweep
    at once, naming it) and the sweep's plan written (for ``xtask status``). When the sweep
    ends: its matrix is printed and its report written, failed cells shown as failed, and the
    process exits with 1 if any cell failed or was not computed. Reads the cells from their own
    files, so it works for every launcher."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from xtask.config import ConfigError
        from xtask.ops.plan import plan
        from xtask.store import cells as store

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            cells = plan(list(config.hydra.overrides.task))
        except ConfigError as err:
            print(f"error: the sweep has cells whose config cannot run (nothing was launched):\n{err}", file=sys.stderr)
            raise SystemExit(2) from None
        except Exception as err:  # the plan is a convenience: never block a launch on anything else
            log.warning("could not write the sweep plan (%s): xtask status will list started cells only", err)
            return
        sweep_dir.mkdir(parents=True, exist_ok=True)
        store.write_plan(sweep_dir, list(dict.fromkeys(c.folder for c in cells)))  # a seed-free cell once
        done = sum(c.state in ("done", "stale") for c in cells)
        if done and not config.get("force"):
            log.info("%d of %d cells are done already and will be skipped", done, len(cells))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from xtask import tracking
        from xtask.report import aggregate

        sweep_dir = Path(config.hydra.sweep.dir)
        reports: List[Any] = []
        try:
            reports = aggregate.aggregate_paths([sweep_dir], sweep_dir, all_targets=False)
        except Exception as err:  # the report is a convenience: never lose a finished sweep to it
            log.warning("the report failed (%s: %s); retry with `xtask aggregate %s`", type(err).__name__, err, sweep_dir)
        print(f"\nTransfer matrix of sweep '{config.sweep_name}' (rows: intermediate task, columns: target; "
              "task score, mean ± std over seeds):\n")
        for report in reports:
            print(report.console())
            print(f"\n(written to {report.out}: report.md, transfer_matrix.*, score_heatmap.png, delta_heatmap.png, *.tex)")
        if not reports:
            print("(no cells found)")
        try:
            tracking.log_report(config, sweep_dir, reports)
        except Exception as err:  # W&B is a copy of the files just written: never fail the sweep on it
            log.warning("could not log the report to W&B (%s: %s)", type(err).__name__, err)
        # Any requested cell left not done fails the launch (a script or CI must notice): failed
        # (now or before), damaged, lost, still running elsewhere, interrupted, never started.
        bad = [state for report in reports for state in report.unfinished_states() if state in NOT_DONE]
        if bad:
            counts = ", ".join(f"{bad.count(state)} {state}" for state in sorted(set(bad)))
            print(f"\n{len(bad)} cell(s) did not finish ({counts}): `xtask status {sweep_dir}` lists them with their errors",
                  file=sys.stderr)
            sys.exit(1)
