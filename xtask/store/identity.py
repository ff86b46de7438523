"""What names a result in the store: key digests, results versions and cell folder names.

The keys themselves are functions of a cell's plan (:mod:`xtask.plan.identity`); this module holds
only what the store needs to find and judge records, so that the store never imports the planner.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, Optional

# Bump the phase whose computation changes, and say why here.
PHASE_VERSIONS: Dict[str, int] = {
    # 1: xtask 0.1 (full-config signatures). 2: length-grouped training batches (same data, other order).
    "inter": 2,
    # 1: xtask 0.1. 2: length-grouped training batches; QA questions capped at max_query_length.
    "target": 2,
}
KEY_LENGTH = 12


def digest(payload: Any, length: int = KEY_LENGTH) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:length]


def cell_name(model: str, inter: str, target: str, seed: Optional[int], key: str) -> str:
    """Readable prefix + key, e.g. ``mnli__xnli__tiny__s1__3f2a9c01de12``; a cell that does not
    depend on the seed says ``det`` (deterministic) where the seed would be."""
    return f"{inter}__{target}__{model}__{'det' if seed is None else f's{seed}'}__{key}"
