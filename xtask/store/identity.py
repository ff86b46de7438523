"""A cell's identity: a short hash of the config fields that can change its results.

Two launches of the same (model, inter, target, seed, hyper-parameters, data) land in the
same folder, whatever their logging, paths or sweep name.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any, Dict, Iterable

# Dotted keys that do not change what a cell computes.
NON_RESULT_KEYS = (
    "logger",
    "paths",
    "sweep_name",
    "force",
    "retry_failed",
    "hydra",
    "data.cache_dir",
    "train.cpu_threads",
    "train.dataloader_workers",
)


def _drop(tree: Dict[str, Any], dotted: str) -> None:
    *parents, leaf = dotted.split(".")
    node: Any = tree
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(leaf, None)


def signature(resolved: Dict[str, Any], length: int = 10, ignore: Iterable[str] = ()) -> str:
    """Hash of ``resolved`` without :data:`NON_RESULT_KEYS` (and the dotted keys in ``ignore``)."""
    tree = copy.deepcopy(resolved)
    for key in (*NON_RESULT_KEYS, *ignore):
        _drop(tree, key)
    canonical = json.dumps(tree, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:length]


def cell_dir_name(resolved: Dict[str, Any]) -> str:
    """Readable prefix + signature, e.g. ``mnli__xnli__tiny__s1__3f2a9c01de``."""
    parts = (resolved["inter"]["name"], resolved["target"]["name"], resolved["model"]["name"])
    return "__".join(parts) + f"__s{resolved['seed']}__{signature(resolved)}"


def cell_dir(resolved: Dict[str, Any]) -> Path:
    return Path(resolved["paths"]["cells"]).resolve() / cell_dir_name(resolved)
