"""Predictions on disk, stored like cells: ``<paths.outputs>/predictions/<signal>-<key>/prediction.json``,
written atomically, found again by key (a repeated ``xtask predict`` computes nothing).

A prediction's key is a digest (:func:`xtask.store.identity.digest`) of its signal and the
signal's version (:data:`VERSIONS`, bumped when what a signal computes changes) and of what it
reads: the encoder (the phase-1 key, or the pretrained model's identity), the data by content
(the plan's data identities), the feature settings of the target's format, the sample size and
the seed. :func:`load_predictions` reads them all into one table, the contract with the report
(``xtask aggregate --compare prediction``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from xtask.atomic import write_json_atomic
from xtask.store.identity import digest

log = logging.getLogger(__name__)

SUBDIR = "predictions"
FILE = "prediction.json"
# Every signal, higher = predicted better; bump a version when what the signal computes changes.
VERSIONS: Dict[str, int] = {"semb": 1, "logme_en": 1, "logme_zeroshot": 1}
SIGNALS: Tuple[str, ...] = tuple(VERSIONS)
# The table's columns (load_predictions); ``lang_XX`` columns follow, one per zero-shot language.
COLUMNS = ("signal", "target", "inter", "setting", "model", "seed", "score", "key", "examples", "rows", "seconds")


@dataclass(frozen=True)
class Prediction:
    """One signal's value for one (intermediate setting, target, model, seed)."""

    signal: str
    key: str
    target: str
    inter: str
    setting: str
    model: str
    seed: int
    score: float
    examples: int  # rows of data read (target examples; for SEmb, target and intermediate examples)
    rows: int  # feature rows scored (LogME), or embedded examples (SEmb)
    seconds: float  # compute time of this prediction (forward passes and the signal), not training
    languages: Mapping[str, float] = field(default_factory=dict)  # logme_zeroshot: per language
    inputs: Mapping[str, Any] = field(default_factory=dict)  # what the key hashes
    version: int = 0
    notes: Tuple[str, ...] = ()


def key_of(signal: str, inputs: Mapping[str, Any]) -> str:
    if signal not in VERSIONS:
        raise ValueError(f"unknown signal {signal!r}; signals: {', '.join(SIGNALS)}")
    return digest({"signal": signal, "version": VERSIONS[signal], "inputs": dict(inputs)})


def folder(outputs: Path, signal: str, key: str) -> Path:
    return Path(outputs) / SUBDIR / f"{signal}-{key}"


def read(outputs: Path, signal: str, key: str) -> Optional[Prediction]:
    """The stored prediction of this key, or None (absent, or unreadable: then it is recomputed)."""
    return _load(folder(outputs, signal, key) / FILE)


def write(outputs: Path, prediction: Prediction) -> Path:
    path = folder(outputs, prediction.signal, prediction.key) / FILE
    write_json_atomic(path, asdict(prediction))
    return path


def _load(path: Path) -> Optional[Prediction]:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["notes"] = tuple(data.get("notes", ()))
        return Prediction(**data)
    except (OSError, ValueError, TypeError) as err:
        log.warning("prediction %s is unreadable (%s): ignored (a later xtask predict recomputes it)", path, err)
        return None


def all_predictions(outputs_root: Path) -> List[Prediction]:
    """Every readable prediction under ``outputs_root/predictions`` (or ``outputs_root`` itself
    when it is that folder), current versions only."""
    root = Path(outputs_root)
    base = root if root.name == SUBDIR and not (root / SUBDIR).is_dir() else root / SUBDIR
    found = [_load(path) for path in sorted(base.glob(f"*/{FILE}"))]
    return [p for p in found if p is not None and p.version == VERSIONS.get(p.signal)]


def load_predictions(outputs_root: Path) -> Any:
    """Every stored prediction as a ``pandas.DataFrame``: one row per prediction with the columns
    :data:`COLUMNS` (``signal`` one of :data:`SIGNALS`; ``score``: higher = predicted better;
    ``inter`` the intermediate task, ``setting`` the report's row name) and, for
    ``logme_zeroshot``, one ``lang_XX`` column per language (its LogME there; NaN elsewhere).
    Empty (with those columns) when there is none."""
    import pandas as pd

    records = []
    for p in all_predictions(outputs_root):
        record: Dict[str, Any] = {name: getattr(p, name) for name in COLUMNS}
        record.update({f"lang_{lang}": value for lang, value in p.languages.items()})
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    languages = sorted(c for c in frame.columns if c.startswith("lang_"))
    return frame[list(COLUMNS) + languages]
