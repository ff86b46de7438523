"""The transfer matrix: rows = intermediate task, columns = target task, cell = mean over seeds.

Cells are read from their own files (``results.json`` when done, ``status.json`` otherwise), so
the matrix can be built from any set of cell folders, while or after a sweep runs. Cells that
failed or have not finished are shown as such rather than dropped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import pandas as pd

from xtask.pipeline.cell import RESULTS_FILE, STATUS_FILE
from xtask.ops.status import POINTER_FILE
from xtask.tasks import INTERMEDIATE_TASKS, NO_INTERMEDIATE, TARGET_TASKS

COLUMNS = ["sweep", "model", "inter", "target", "seed", "metric", "score", "state", "dir"]


def _row_from_cell(folder: Path) -> Optional[Dict[str, object]]:
    results = folder / RESULTS_FILE
    if results.is_file():
        data = json.loads(results.read_text(encoding="utf-8"))
        cell, target = data["cell"], data["target"]
        return {
            "sweep": cell.get("sweep"),
            "model": cell["model"],
            "inter": cell["inter"],
            "target": cell["target"],
            "seed": cell["seed"],
            "metric": target["metric"],
            "score": float(target["average"]),
            "state": "done",
            "dir": str(folder),
        }
    status = folder / STATUS_FILE
    if not status.is_file():
        return None
    state = json.loads(status.read_text(encoding="utf-8")).get("state", "unknown")
    # Folder name: inter__target__model__sSEED__signature (see xtask.identity).
    inter, target, model, seed, _ = folder.name.split("__")
    return {
        "sweep": None, "model": model, "inter": inter, "target": target, "seed": int(seed[1:]),
        "metric": None, "score": float("nan"), "state": state, "dir": str(folder),
    }


def cell_folders(paths: Iterable[Path]) -> List[Path]:
    """Cell folders under ``paths``: cell folders themselves, cell parents, or Hydra sweep dirs."""
    found: List[Path] = []
    for path in map(Path, paths):
        if (path / STATUS_FILE).is_file() or (path / RESULTS_FILE).is_file():
            found.append(path)
            continue
        for pointer in sorted(path.glob(f"*/{POINTER_FILE}")):
            found.append(Path(json.loads(pointer.read_text(encoding="utf-8"))["cell_dir"]))
        for status in sorted(path.glob(f"*/{STATUS_FILE}")):
            found.append(status.parent)
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique


def load_cells(paths: Iterable[Path]) -> pd.DataFrame:
    rows = [row for row in map(_row_from_cell, cell_folders(paths)) if row is not None]
    return pd.DataFrame(rows, columns=COLUMNS)


def _ordered(values: Iterable[str], canonical: List[str]) -> List[str]:
    """Known names in registry order (``none`` first), then unknown ones alphabetically."""
    rank = {name: i for i, name in enumerate(canonical)}
    return sorted(set(values), key=lambda v: (rank.get(v, len(rank)), v))


def transfer_matrix(cells: pd.DataFrame) -> pd.DataFrame:
    """Mean, std and count of finished seeds per (inter, target), plus cells not finished."""
    done = cells[cells["state"] == "done"]
    stats = (
        done.groupby(["inter", "target"])["score"]
        .agg(mean="mean", std="std", n="count")
        .reindex(pd.MultiIndex.from_frame(cells[["inter", "target"]].drop_duplicates()))
    )
    stats["n"] = stats["n"].fillna(0).astype(int)
    not_done = cells[cells["state"] != "done"].groupby(["inter", "target"])["state"].agg(
        lambda states: ",".join(sorted(set(states)))
    )
    stats["not_done"] = not_done.reindex(stats.index)
    return stats


def _format_cell(row: pd.Series) -> str:
    if row["n"] == 0:
        return str(row["not_done"] or "missing")
    text = f"{row['mean']:.1f}" + (f" ± {row['std']:.1f}" if row["n"] > 1 else "") + f" (n={row['n']})"
    if isinstance(row["not_done"], str):
        text += f" +{row['not_done']}"
    return text


def format_matrix(cells: pd.DataFrame) -> str:
    """Markdown table of the transfer matrix (task scores in points, as XTREME reports them)."""
    if cells.empty:
        return "(no cells found)"
    stats = transfer_matrix(cells)
    rows = _ordered(cells["inter"], [NO_INTERMEDIATE, *INTERMEDIATE_TASKS])
    cols = _ordered(cells["target"], list(TARGET_TASKS))
    text = stats.apply(_format_cell, axis=1).unstack("target").reindex(index=rows, columns=cols)
    header = "| inter \\ target | " + " | ".join(cols) + " |"
    lines = [header, "|" + "---|" * (len(cols) + 1)]
    for inter in rows:
        values = [text.loc[inter, col] if isinstance(text.loc[inter, col], str) else "" for col in cols]
        lines.append(f"| {inter} | " + " | ".join(values) + " |")
    return "\n".join(lines)
