"""The ``inter=none`` baseline of a grid that did not run it.

A sweep of intermediate tasks alone (``-m inter=squad,mnli target=xnli``) has no ``none`` row,
so nothing to subtract. Its baseline is the ``none`` cell that differs from the sweep's cells in
the intermediate task only: same model, data, target, phase-2 hyper-parameters and seed. All
cells live in one store (``paths.cells``), so if that cell was ever run it lies beside the
sweep's own cells, named ``none__TARGET__MODEL__sSEED__*``, with its resolved config in its
``results.json``. Such cells are borrowed into the report, and the report says which.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import pandas as pd

from xtask.pipeline.cell import read_results
from xtask.store.identity import signature
from xtask.report.collect import rows_from_results
from xtask.report.tables import NO_INTERMEDIATE

# Phase 1 does not run for inter=none: these keys cannot change a none cell's results.
PHASE1_KEYS = ("inter", "train.inter")

Triple = Tuple[str, str, int]  # (model, target, seed)


def baseline_key(config: Dict[str, Any]) -> str:
    """Equal for two resolved configs that differ only in their intermediate task."""
    return signature(config, ignore=PHASE1_KEYS)


def _results(folder: Path) -> Optional[Dict[str, Any]]:
    """The cell's results, when they keep the resolved config a baseline is matched on."""
    data = read_results(folder)
    return data if data is not None and isinstance(data.get("config"), dict) else None


def _wanted(long: pd.DataFrame) -> Dict[Triple, Dict[str, Set[Path]]]:
    """Per (model, target, seed) lacking a finished none cell: baseline key -> stores to look in."""
    finished = long[long["state"] == "done"]
    have = {
        (str(r.model), str(r.target), int(r.seed))
        for r in finished[finished["inter"] == NO_INTERMEDIATE].itertuples()
    }
    wanted: Dict[Triple, Dict[str, Set[Path]]] = {}
    for folder, group in finished[finished["inter"] != NO_INTERMEDIATE].groupby("dir", sort=False):
        first = group.iloc[0]
        triple = (str(first["model"]), str(first["target"]), int(first["seed"]))
        data = None if triple in have or str(folder).startswith("wandb:") else _results(Path(folder))
        if data is not None:
            wanted.setdefault(triple, {}).setdefault(baseline_key(data["config"]), set()).add(Path(folder).parent)
    return wanted


def _find(stores: Set[Path], triple: Triple, key: str) -> Optional[Tuple[Path, Dict[str, Any]]]:
    model, target, seed = triple
    for store in sorted(stores):
        for folder in sorted(store.glob(f"{NO_INTERMEDIATE}__{target}__{model}__s{seed}__*")):
            data = _results(folder)
            if data is not None and (data.get("target") or {}).get("average") is not None \
                    and baseline_key(data["config"]) == key:
                return folder, data
    return None


def borrow(long: pd.DataFrame) -> Tuple[pd.DataFrame, Dict[str, List[str]]]:
    """``long`` plus the rows of the none cells its finished cells lack, when found beside them;
    and per model the notes that say what was borrowed."""
    rows: List[Dict[str, Any]] = []
    borrowed: Dict[str, List[str]] = {}
    known = set(long["dir"])
    for triple, keys in _wanted(long).items():
        for key, stores in keys.items():
            match = _find(stores, triple, key)
            if match is None or str(match[0]) in known:
                continue
            folder, data = match
            known.add(str(folder))
            rows.extend(rows_from_results(data, str(folder), None))
            borrowed.setdefault(triple[0], []).append(str(folder))
    if not rows:
        return long, {}
    extra = pd.DataFrame(rows, columns=long.columns).astype(long.dtypes.to_dict())
    notes = {
        model: [f"baseline: {len(dirs)} inter=none cell(s) not run by this grid were taken from the cell store "
                "(same config apart from the intermediate task): " + ", ".join(Path(d).name for d in dirs)]
        for model, dirs in borrowed.items()
    }
    return pd.concat([long, extra], ignore_index=True), notes
