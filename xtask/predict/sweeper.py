"""The halving sweeper (``launch.py -m GRID +adaptive=halving adaptive.top_k=K``): a Hydra
sweeper, as hydra-optuna-sweeper is one, that launches a grid in two batches through whatever
launcher the sweep has (in-process, ``hydra/launcher=local``, ``hydra/launcher=slurm``):

1. **phase 1**: one job per intermediate encoder the grid needs and the shared cache lacks
   (``adaptive.stage=phase1``: :func:`xtask.pipeline.cell.run_phase1`, the cells' own code
   path, so nothing is trained twice: the cells of step 3 find their encoders in the cache);
2. **predict**: the signal (``adaptive.signal``) of every (intermediate task, target) of the
   grid, as ``xtask predict`` computes it (stored ones are read, missing ones computed on the
   cached encoders), or the CSV ``adaptive.predictions``; :func:`xtask.predict.halving.select_top_k`
   chooses ``none`` and the top k intermediate tasks per target;
3. **cells**: one job per selected cell (every seed), as a plain multirun would run it.

Before step 3 it prints and writes ``halving.md``/``halving.csv`` into the sweep folder: what
runs per target and why, the GPU-hours against the full grid, and with ``adaptive.full=DIR``
(a finished full grid) the regret the selection incurs there. The sweep's plan (``xtask
status``, the end-of-sweep matrix) lists the selected cells only.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import pandas as pd
from hydra.plugins.sweeper import Sweeper

log = logging.getLogger(__name__)

PHASE1 = "adaptive.stage=phase1"
REPORT_MD = "halving.md"
REPORT_CSV = "halving.csv"


class HalvingSweeper(Sweeper):
    """See the module docstring; the settings are the config's ``adaptive`` block."""

    def __init__(self, max_batch_size: Optional[int] = None, params: Optional[Dict[str, str]] = None) -> None:
        super().__init__()
        self.max_batch_size = max_batch_size  # kept for the basic sweeper's interface: each batch is launched whole
        self.params = params or {}
        self.config: Any = None
        self.launcher: Any = None
        self.hydra_context: Any = None

    def setup(self, *, hydra_context: Any, task_function: Any, config: Any) -> None:
        from hydra.core.plugins import Plugins

        self.hydra_context, self.config = hydra_context, config
        self.launcher = Plugins.instance().instantiate_launcher(hydra_context=hydra_context, task_function=task_function,
                                                                config=config)

    def sweep(self, arguments: List[str]) -> Any:
        from omegaconf import OmegaConf

        from xtask.ops.plan import plan
        from xtask.predict import halving
        from xtask.store import cells as store
        from xtask.store import encoders

        settings = self.config.adaptive
        if int(settings.top_k) < 1:  # before anything is launched
            print(f"error: adaptive.top_k={settings.top_k}: keep at least 1 intermediate task per target beside none",
                  file=sys.stderr)
            raise SystemExit(2)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        arguments = [a for a in arguments if not a.startswith("adaptive.stage=")]
        cells = plan(arguments)  # the grid (with a named sweep's params), checked; none launched yet
        force = bool(self.config.get("force"))
        returns: List[Any] = []
        index = 0

        # 1. Phase 1: one job per encoder still to train.
        entries: Dict[Path, Any] = {}
        for cell in cells:
            if cell.inter_entry is not None and (force or not encoders.is_complete(cell.inter_entry)):
                entries.setdefault(cell.inter_entry, cell)
        if entries:
            batch = [[*cell.overrides, PHASE1] for cell in entries.values()]
            log.info("adaptive grid: phase 1 of %d intermediate encoder(s)", len(batch))
            returns.append(self.launcher.launch(batch, initial_job_idx=index))
            index += len(batch)
        notes = [f"phase 1 of {cell.inter} (seed {cell.plan.seed}) did not finish: its cells are kept (no prediction)"
                 for entry, cell in entries.items() if not encoders.is_complete(entry)]

        # 2. Predict and select.
        try:
            predictions = _predictions(settings, cells)
        except ValueError as err:  # PredictionError: no predictions, an unknown signal, a bad CSV
            print(f"error: {err}\n(phase 1 is in the cache: a relaunch reuses it)", file=sys.stderr)
            raise SystemExit(2) from None
        grid: Dict[str, List[str]] = {}
        for cell in cells:
            grid.setdefault(cell.target, [])
            if cell.inter not in grid[cell.target]:
                grid[cell.target].append(cell.inter)
        unfinished = {cell.inter for entry, cell in entries.items() if not encoders.is_complete(entry)}
        predictions = predictions[~predictions["inter"].isin(unfinished)]
        selection = halving.select_top_k(predictions, int(settings.top_k), grid, str(settings.signal))
        selected = halving.cells_to_run(cells, selection)
        costs_file = Path(settings.costs) if settings.costs else None
        from xtask.ops.plan import COSTS_FILE, load_costs

        spent = halving.saving(cells, selected, load_costs(costs_file), str(costs_file or COSTS_FILE.relative_to(
            COSTS_FILE.parents[1])), force)
        regrets = None
        if settings.full:
            from xtask.report import collect

            long, _ = collect.load_long([Path(settings.full)])
            regrets = halving.regret(selection, long) if not long.empty else None
            if regrets is None:
                notes.append(f"adaptive.full={settings.full}: no cells found there, so no regret")
        text = halving.render(selection, spent, regrets, notes)
        _write(sweep_dir, text, selection, regrets)
        print(f"\n{text}\n")
        store.write_plan(sweep_dir, list(dict.fromkeys(c.folder for c in selected)))

        # 3. The selected cells.
        batch = [list(cell.overrides) for cell in selected]
        if batch:
            returns.append(self.launcher.launch(batch, initial_job_idx=index))
        return returns


def _predictions(settings: Any, cells: Sequence[Any]) -> pd.DataFrame:
    """``target, inter, score`` of the chosen signal (``adaptive.signal``) for this grid: from the
    CSV ``adaptive.predictions``, or from ``xtask predict`` (:func:`xtask.predict.predictor.predict`)
    on the grid's cells, which reads those stored and computes the missing ones here, in the
    sweeper's process, on the phase-1 encoders just cached (on a cluster, run ``xtask predict``
    with the grid's overrides on a GPU node first: the sweeper then finds them stored)."""
    from xtask.predict import predictor, quality, store

    signal = str(settings.signal)
    if settings.predictions:
        where = Path(settings.predictions)
        if not where.is_file():
            raise quality.PredictionError(f"adaptive.predictions={where}: no such file (a CSV with columns "
                                          f"{', '.join(quality.REQUIRED)})")
        frame = quality.check_predictions(pd.read_csv(where), str(where))
        quality.signals_of(frame, signal)
    else:
        if signal not in store.SIGNALS:
            raise quality.PredictionError(f"adaptive.signal={signal}: not a signal xtask predict computes "
                                          f"({', '.join(store.SIGNALS)})")
        outcome = predictor.predict(list(cells), (signal,), cached_only=True)  # phase 1 ran in step 1
        frame = pd.DataFrame([{"signal": p.signal, "target": p.target, "inter": p.inter, "model": p.model,
                               "score": p.score} for p in outcome.predictions],
                             columns=["signal", "target", "inter", "model", "score"])
        # Several seeds of one setting: their mean, as xtask predict's tables rank.
        frame = frame.groupby(["signal", "target", "inter", "model"], as_index=False)["score"].mean()
    models = {cell.model for cell in cells}
    targets = {cell.target for cell in cells}
    mine = frame[(frame["signal"] == signal) & frame["model"].isin(models) & frame["target"].isin(targets)]
    if mine.empty:  # ranking nothing would run the whole grid: say so instead
        raise quality.PredictionError(f"no prediction of signal {signal} for model(s) {', '.join(sorted(models))} and "
                                      f"target(s) {', '.join(sorted(targets))}")
    return mine[["target", "inter", "score"]]


def _write(sweep_dir: Path, text: str, selection: Any, regrets: Optional[pd.DataFrame]) -> None:
    from xtask.atomic import write_text_atomic

    write_text_atomic(sweep_dir / REPORT_MD, text + "\n")
    records = []
    for target, chosen in selection.targets.items():
        for inter in chosen.kept + chosen.dropped:
            records.append({"target": target, "inter": inter, "kept": inter in chosen.kept,
                            "why": chosen.why.get(inter, "")})
    frame = pd.DataFrame(records, columns=["target", "inter", "kept", "why"])
    if regrets is not None:
        frame = frame.merge(regrets[["target", "regret", "regret_pct"]], on="target", how="left")
    write_text_atomic(sweep_dir / REPORT_CSV, frame.to_csv(index=False))
