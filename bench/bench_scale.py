"""Planning, status and aggregate at scale: wall time of each command as a user runs it.

    python bench/bench_scale.py            # plan 5,031 cells (the paper grid x 43 seeds); status and
                                           # aggregate over 5,031 cell folders (~1-2 min, mostly making them)
    python bench/bench_scale.py --quick    # plan 468 cells (4 seeds); status/aggregate over 468 (< 1 min)

Each figure is one fresh ``python -m xtask.cli ...`` subprocess (imports included: what a user
waits for), with ``--repeat`` runs and the best kept:

- ``plan``: ``xtask plan +sweep=paper 'seed=range(1,N+1)' paths.outputs=TMP`` (13 x 9 x N cells);
- ``status``: ``xtask status SWEEP`` over the store below;
- ``aggregate``: ``xtask aggregate SWEEP --out TMP/report`` (long table, matrices, heatmaps, LaTeX).

The store is the same grid written by ``tests/cellfactory.make_cell`` (the store's own writers),
each finished cell scored on every language of its target's benchmark list (``--two-languages``:
en and de, make_cell's default; the report's per-language heatmaps are then small); of every 20 cells, 16 done, 1 failed, 1 running whose job is gone (lost: its lock is probed),
1 interrupted and 1 planned but never started; in a sweep folder with ``plan.json`` and a job
pointer per started cell, as a multirun leaves it. fsync is skipped while writing it (a fixture).
``--import-only`` also times ``python -m xtask.cli --help`` (the imports every command pays).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

REPO = Path(__file__).resolve().parents[1]
INTERS = ("none", "anli_plus", "mnli", "qqp", "sst2", "squad", "squad_v2", "hellaswag", "cosmosqa", "commonsenseqa",
          "socialiqa", "ccg", "multitask")
TARGETS = ("xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc2018", "tatoeba")
SWEEP = "2026-01-01_00-00-00_000000_paper"


def make_store(root: Path, seeds: int, all_languages: bool = True) -> Path:
    """The paper grid x ``seeds`` as cell folders under ``root/cells``; returns its sweep folder."""
    sys.path[:0] = [str(REPO), str(REPO / "tests")]  # this checkout's xtask, whatever is installed
    from cellfactory import make_cell

    from xtask.store import cells as store

    sweep = root / "multirun" / SWEEP
    planned: List[Path] = []
    fsync, os.fsync = os.fsync, lambda fd: None  # a fixture: durability is not what is measured
    try:
        for n, (inter, target, seed) in enumerate((i, t, s) for s in range(1, seeds + 1) for i in INTERS for t in TARGETS):
            kind = n % 20
            if kind == 19:  # planned, never started: no folder
                planned.append(root / "cells" / f"{inter}__{target}__tiny__s{seed}__{n:012x}")
                continue
            state = {16: "failed", 17: "running", 18: "interrupted"}.get(kind, "done")
            folder = make_cell(root / "cells", inter, target, seed, 50.0 + (n % 37) / 3, state=state,
                               per_language=_scores(target, n) if all_languages else None,
                               error="Traceback (most recent call last):\nRuntimeError: CUDA out of memory")
            if state == "running":
                (folder / store.LOCK_FILE).touch()  # a lock file nobody holds: the probe must try it
            planned.append(folder)
            store.write_pointer(sweep / str(n), folder, "ran")
        store.write_plan(sweep, planned)
    finally:
        os.fsync = fsync
    return sweep


def _scores(target: str, n: int) -> Dict[str, Dict[str, float]]:
    """A score per language of the target's benchmark list (PAN-X: 40), as a real grid has."""
    from xtask.tasks import get_task

    task = get_task(target)
    base = 40.0 + (n % 29)
    if task.metric == "em_f1":
        return {lang: {"exact_match": base - i % 7, "f1": base + 10 - i % 7} for i, lang in enumerate(task.languages)}
    return {lang: {task.headline_metric: base - i % 7} for i, lang in enumerate(task.languages)}


def timed(args: Sequence[str], repeat: int, code: Path = REPO) -> Tuple[float, str]:
    """Best wall time of ``python -m xtask.cli ARGS`` (``code``'s xtask) over ``repeat`` runs, and
    its last output line."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(code)}
    best, last = float("inf"), ""
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "xtask.cli", *args], cwd=code, env=env, capture_output=True, text=True)
        best = min(best, time.perf_counter() - started)
        if done.returncode not in (0, 1):  # status and aggregate exit 1 when cells failed: expected here
            raise SystemExit(f"xtask {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        last = lines[-1] if lines else ""
    return best, last


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4 seeds (468 cells) instead of 43 (5,031)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds of the paper grid (13 x 9 cells each)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per command, best kept (default 1)")
    parser.add_argument("--only", choices=["plan", "status", "aggregate"], action="append", help="run only these")
    parser.add_argument("--import-only", action="store_true", help="also time `xtask --help` (imports only)")
    parser.add_argument("--before", type=Path, default=None,
                        help="also run each command with another checkout's code (e.g. a worktree of an older commit)")
    parser.add_argument("--two-languages", action="store_true",
                        help="cells scored on en and de only (make_cell's default) instead of every benchmark language")
    args = parser.parse_args(argv)
    seeds = args.seeds or (4 if args.quick else 43)
    cells = len(INTERS) * len(TARGETS) * seeds
    only = set(args.only or ["plan", "status", "aggregate"])
    rows: List[Tuple[str, float, str]] = []
    codes = ([("before ", args.before.resolve())] if args.before else []) + [("", REPO)]
    with tempfile.TemporaryDirectory(prefix="xtask-bench-scale-") as tmp:
        root = Path(tmp)
        for name, code in codes:
            if args.import_only:
                rows.append((f"{name}imports (xtask --help)", *timed(["--help"], args.repeat, code)))
            if "plan" in only:
                rows.append((f"{name}plan {cells} cells", *timed(["plan", "+sweep=paper", f"seed=range(1,{seeds + 1})",
                                                                  f"paths.outputs={root / 'plan'}"], args.repeat, code)))
        if only & {"status", "aggregate"}:
            started = time.perf_counter()
            sweep = make_store(root / "store", seeds, all_languages=not args.two_languages)
            print(f"(made {cells} cells in {time.perf_counter() - started:.1f} s)", flush=True)
            for name, code in codes:
                if "status" in only:
                    rows.append((f"{name}status {cells} cells", *timed(["status", str(sweep)], args.repeat, code)))
                if "aggregate" in only:
                    rows.append((f"{name}aggregate {cells} cells",
                                 *timed(["aggregate", str(sweep), "--out", str(root / f"report{len(rows)}")], args.repeat,
                                        code)))
    width = max(len(name) for name, _, _ in rows)
    print(f"{'command':<{width}}  {'wall s':>7}  last line of its output")
    for name, seconds, last in rows:
        print(f"{name:<{width}}  {seconds:7.2f}  {last[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
