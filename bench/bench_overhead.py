"""What a tiny cell spends outside training: wall time of ``python launch.py`` vs its training
and evaluation, and what its imports cost.

    python bench/bench_overhead.py                   # 3 runs of a tiny xnli cell (~30 s)
    python bench/bench_overhead.py --quick           # 1 run
    python bench/bench_overhead.py --before ../old   # also the same cell with another checkout's code

Each run is ``python launch.py inter=none target=xnli train.target.max_steps=8 logger=none
force=true`` in a fresh process, from the checkout's own folder (its code on sys.path first).
``train`` and ``eval`` are the cell's own timings (results.json: target_s, eval_s); ``other`` is
the rest of the wall time: interpreter start, imports, Hydra, planning, model build and data
reading, writing records, interpreter exit. Then one run under ``-X importtime`` lists the
packages whose import costs most (cumulative, top-level imports of the process).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

REPO = Path(__file__).resolve().parents[1]
CELL = ["inter=none", "target=xnli", "train.target.max_steps=8", "logger=none", "force=true"]


def run_cell(checkout: Path, outputs: Path, extra: Sequence[str] = ()) -> Tuple[float, Dict[str, float], str]:
    """(wall seconds, the cell's timings, stderr) of one ``python launch.py`` of the tiny cell."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *extra, "launch.py", *CELL, f"paths.outputs={outputs}"], cwd=checkout,
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the cell failed in {checkout}:\n{done.stderr[-3000:]}")
    (results,) = (outputs / "cells").glob("*/results.json")
    return wall, json.loads(results.read_text())["timings"], done.stderr


def import_costs(stderr: str, top: int) -> Tuple[float, List[Tuple[str, float]]]:
    """(seconds of all top-level imports, the ``top`` costliest top-level packages) from ``-X importtime``."""
    costs: Dict[str, float] = {}
    for line in stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", line)
        if found and not found.group(2):  # top level: not imported by another module
            package = found.group(3).split(".")[0]
            costs[package] = costs.get(package, 0.0) + int(found.group(1)) / 1e6
    ranked = sorted(costs.items(), key=lambda item: -item[1])
    return sum(costs.values()), ranked[:top]


def measure(checkout: Path, runs: int) -> Dict[str, float]:
    walls, trains, evals = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="xtask-bench-overhead-") as tmp:
            wall, timings, _ = run_cell(checkout, Path(tmp))
        walls.append(wall)
        trains.append(timings.get("target_s", 0.0))
        evals.append(timings.get("eval_s", 0.0))
    wall, train, evaluation = statistics.median(walls), statistics.median(trains), statistics.median(evals)
    return {"wall": wall, "train": train, "eval": evaluation, "other": wall - train - evaluation}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one run instead of three")
    parser.add_argument("--runs", type=int, default=None, help="runs per checkout (median kept; default 3)")
    parser.add_argument("--before", type=Path, default=None, help="another checkout to compare with (e.g. a git worktree)")
    parser.add_argument("--top", type=int, default=8, help="costliest imports to list (default 8)")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    checkouts = ([("before", args.before.resolve())] if args.before else []) + [("this", REPO)]
    print(f"tiny cell: python launch.py {' '.join(CELL)}  (median of {runs} run(s))")
    print(f"{'code':<8} {'wall s':>7} {'train s':>8} {'eval s':>7} {'other s':>8} {'other %':>8}")
    for name, checkout in checkouts:
        m = measure(checkout, runs)
        print(f"{name:<8} {m['wall']:7.2f} {m['train']:8.2f} {m['eval']:7.2f} {m['other']:8.2f} {100 * m['other'] / m['wall']:7.0f}%")
    for name, checkout in checkouts:
        with tempfile.TemporaryDirectory(prefix="xtask-bench-overhead-") as tmp:
            _, _, stderr = run_cell(checkout, Path(tmp), ["-X", "importtime"])
        total, ranked = import_costs(stderr, args.top)
        listed = ", ".join(f"{package} {seconds:.2f}" for package, seconds in ranked)
        print(f"{name}: imports {total:.2f} s (under -X importtime); costliest: {listed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
