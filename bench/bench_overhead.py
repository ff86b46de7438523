"""What a tiny cell spends outside training: wall time of ``python launch.py`` vs its training
and evaluation, and what its imports cost.

    python bench/bench_overhead.py                   # 3 runs of a tiny xnli cell (~30 s)
    python bench/bench_overhead.py --quick           # 1 run
    python bench/bench_overhead.py --before ../old   # also the same cell with another checkout's code
    python bench/bench_overhead.py --grid            # the demo grid x 2 targets (8 cells): the default
                                                     # (sequential) launcher vs hydra/launcher=local

Each run is ``python launch.py inter=none target=xnli train.target.max_steps=8 logger=none
force=true`` in a fresh process, from the checkout's own folder (its code on sys.path first).
``train`` and ``eval`` are the cell's own timings (results.json: target_s, eval_s); ``other`` is
the rest of the wall time: interpreter start, imports, Hydra, planning, model build and data
reading, writing records, interpreter exit. Then one run under ``-X importtime`` lists the
packages whose import costs most (cumulative, top-level imports of the process).

``--grid`` runs ``launch.py -m +sweep=demo target=xnli,pawsx`` (tiny budget) once per launcher
and samples, every 0.1 s, the processes below it and their threads (``/proc``): wall time, peak
processes, peak threads.
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


GRID = ["-m", "+sweep=demo", "target=xnli,pawsx", "train.inter.max_steps=8", "train.target.max_steps=8",
        "train.inter.eval_strategy=no", "train.target.eval_strategy=no", "train.inter.selection=last",
        "train.target.selection=last", "logger=none"]


def _tree(root: int) -> List[int]:
    """``root`` and every process below it (from /proc)."""
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack.extend(children.get(pid, []))
    return out


def _threads(pids: Sequence[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            pass
    return total


def run_grid(checkout: Path, launcher: Sequence[str]) -> Dict[str, float]:
    """Wall time, peak processes and peak threads of the demo grid under ``launcher`` overrides."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)
    env.pop("OMP_NUM_THREADS", None)  # what a user's shell has: the launcher decides
    with tempfile.TemporaryDirectory(prefix="xtask-bench-grid-") as tmp:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "launch.py", *GRID, *launcher, f"paths.outputs={tmp}"], cwd=checkout, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak_procs = peak_threads = 0
        while proc.poll() is None:
            pids = _tree(proc.pid)
            peak_procs, peak_threads = max(peak_procs, len(pids)), max(peak_threads, _threads(pids))
            time.sleep(0.1)
        wall = time.perf_counter() - started
        _, stderr = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"the grid failed under {launcher or 'the default launcher'}:\n{stderr[-3000:]}")
        done = len(list(Path(tmp, "cells").glob("*/results.json")))
    return {"wall": wall, "processes": peak_procs, "threads": peak_threads, "cells": done}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one run instead of three")
    parser.add_argument("--runs", type=int, default=None, help="runs per checkout (median kept; default 3)")
    parser.add_argument("--before", type=Path, default=None, help="another checkout to compare with (e.g. a git worktree)")
    parser.add_argument("--top", type=int, default=8, help="costliest imports to list (default 8)")
    parser.add_argument("--grid", action="store_true", help="the demo grid under the default and the local launcher")
    args = parser.parse_args(argv)
    checkouts = ([("before", args.before.resolve())] if args.before else []) + [("this", REPO)]
    if args.grid:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"launch.py {' '.join(GRID)}  ({cores} cores)")
        print(f"{'code':<7} {'launcher':<22} {'wall s':>7} {'cells':>6} {'peak processes':>15} {'peak threads':>13}")
        for code, checkout in checkouts:
            for name, launcher in (("default (sequential)", []), ("local", ["hydra/launcher=local"])):
                m = run_grid(checkout, launcher)
                print(f"{code:<7} {name:<22} {m['wall']:7.1f} {m['cells']:6d} {m['processes']:15d} {m['threads']:13d}",
                      flush=True)
        return 0
    runs = args.runs or (1 if args.quick else 3)
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
