"""Hydra callbacks: write the plan when a multirun starts; print the transfer matrix and write the
full ``xtask aggregate`` report into the sweep folder when it ends."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, List, Tuple

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from xtask.atomic import write_text_atomic

log = logging.getLogger(__name__)


class TransferMatrixOnMultirunEnd(Callback):
    """Writes the sweep's plan when it starts (for ``xtask status``) and prints its matrix when it
    ends. Reads the cells from their own files, so it works for every launcher."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from xtask.ops.plan import plan
        from xtask.ops.status import PLAN_FILE

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            cells = plan(list(config.hydra.overrides.task))
        except Exception as err:  # the plan is a convenience: never block a launch on it
            log.warning("could not write the sweep plan (%s): xtask status will list started cells only", err)
            return
        write_text_atomic(
            sweep_dir / PLAN_FILE,
            json.dumps({"cells": [str(c.cell_dir) for c in cells]}, indent=1) + "\n",
        )
        skipped = sum(c.state == "done" for c in cells)
        if skipped and not config.get("force"):
            log.info("%d of %d cells are done already and will be skipped", skipped, len(cells))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from xtask import tracking

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            reports = self._aggregate(sweep_dir)
            tables = [self._shown(report) for report in reports] or [
                ("(no cells found)", sweep_dir / "transfer_matrix.md", [])]
        except Exception as err:  # the report is a convenience: never fail a finished sweep on it
            log.warning("the full report failed (%s: %s): printing the simple matrix; "
                        "retry with `xtask aggregate %s`", type(err).__name__, err, sweep_dir)
            reports, tables = [], self._simple(sweep_dir)
        print(
            f"\nTransfer matrix of sweep '{config.sweep_name}' "
            "(rows: intermediate task, columns: target; XTREME task score, mean ± std over seeds):\n"
        )
        for text, path, notes in tables:
            print(text)
            for note in notes:
                print(f"\nnote: {note}")
            print(f"\n(written to {path}; full report beside it: report.md, score_heatmap.png, delta_heatmap.png, *.tex)")
        try:
            tracking.log_report(config, sweep_dir, reports)
        except Exception as err:  # W&B is a copy of the files just written: never fail the sweep on it
            log.warning("could not log the report to W&B (%s: %s)", type(err).__name__, err)

    @staticmethod
    def _aggregate(sweep_dir: Path) -> List[Any]:
        """Write xtask aggregate's report into the sweep folder; one Report per model."""
        from xtask.report import aggregate, collect

        long = collect.load_long([sweep_dir])
        if long.empty:
            return []
        return aggregate.run(long, sweep_dir, all_targets=False)  # this sweep's targets only

    @staticmethod
    def _shown(report: Any) -> Tuple[str, Path, List[str]]:
        """(matrix text, its file, notes) of one model's report."""
        path = report.out / "transfer_matrix.md"
        return path.read_text(encoding="utf-8").strip(), path, report.notes

    @staticmethod
    def _simple(sweep_dir: Path) -> List[Tuple[str, Path, List[str]]]:
        from xtask.report.matrix import format_matrix, load_cells

        table = format_matrix(load_cells([sweep_dir]))
        path = sweep_dir / "transfer_matrix.md"
        write_text_atomic(path, table + "\n")
        return [(table, path, [])]
