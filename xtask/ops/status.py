"""``xtask status``: the state of every cell of a sweep (or of a cells folder), from the cells'
own files, so it works while the sweep runs (the submitit launcher blocks until the array ends).

States: pending (no attempt yet), running, interrupted (stopped, will resume), done, failed,
lost (says running, but its SLURM job or local process is gone).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from xtask.pipeline.cell import RESULTS_FILE, read_status

PLAN_FILE = "plan.json"  # written into the sweep folder when a multirun starts
POINTER_FILE = "cell.json"


@dataclass
class CellStatus:
    name: str
    state: str
    score: Optional[float]
    attempts: int
    job: str
    error: str
    action: str  # what the last launch did with it: ran, resumed, skipped, skipped_failed, ""


def _alive(status: Dict[str, Any]) -> Optional[bool]:
    """Is the attempt that wrote ``running`` still alive? None when it cannot be told."""
    job = status.get("slurm_job") or status.get("slurm_job_id")
    if job and shutil.which("squeue"):
        try:
            out = subprocess.run(["squeue", "-h", "-j", str(job), "-o", "%T"], capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.returncode == 0 and bool(out.stdout.strip())
    if status.get("host") == platform.node() and status.get("pid"):
        try:
            os.kill(int(status["pid"]), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return None


def _cell_folders(path: Path) -> Dict[Path, str]:
    """Cell folder -> last launch action, from a sweep folder's plan/pointers or a cells folder."""
    folders: Dict[Path, str] = {}
    plan = path / PLAN_FILE
    if plan.is_file():
        for cell in json.loads(plan.read_text(encoding="utf-8"))["cells"]:
            folders[Path(cell)] = ""
    for pointer in sorted(path.glob(f"*/{POINTER_FILE}")):
        data = json.loads(pointer.read_text(encoding="utf-8"))
        folders[Path(data["cell_dir"])] = data.get("action", "")
    if not folders:
        for status in sorted(path.glob("*/status.json")):
            folders[status.parent] = ""
    return folders


def collect(path: Path) -> List[CellStatus]:
    rows = []
    for folder, action in _cell_folders(Path(path)).items():
        status = read_status(folder)
        state = status.get("state", "pending")
        if state == "running" and _alive(status) is False:
            state = "lost"
        score = None
        if state == "done" and (folder / RESULTS_FILE).is_file():
            score = json.loads((folder / RESULTS_FILE).read_text(encoding="utf-8"))["target"]["average"]
        error = (status.get("error") or "").strip().splitlines()
        rows.append(CellStatus(
            name=folder.name, state=state, score=score, attempts=int(status.get("attempts", 0)),
            job=str(status.get("slurm_job", "")), error=error[-1] if error else "", action=action,
        ))
    return rows


def render(rows: List[CellStatus]) -> str:
    if not rows:
        return "(no cells)"
    width = max(len(r.name) for r in rows)
    lines = [f"{'cell':<{width}}  {'state':<11}  {'score':>7}  {'tries':>5}  {'slurm job':<12}  note"]
    for r in rows:
        score = f"{r.score:7.2f}" if r.score is not None else " " * 7
        note = r.error if r.state in ("failed", "interrupted", "lost") else ("skipped (done before)" if r.action == "skipped" else "")
        lines.append(f"{r.name:<{width}}  {r.state:<11}  {score}  {r.attempts:>5}  {r.job:<12}  {note}")
    counts: Dict[str, int] = {}
    for r in rows:
        counts[r.state] = counts.get(r.state, 0) + 1
    lines.append("")
    lines.append(", ".join(f"{n} {state}" for state, n in sorted(counts.items())) + f" ({len(rows)} cells)")
    return "\n".join(lines)
