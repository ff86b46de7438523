"""Which task the next multi-task batch comes from.

Strategies over per-task example counts ``n_i`` (each first capped at ``cap`` when set):
``proportional`` p_i ∝ n_i, ``uniform`` p_i = 1/k, ``temperature`` p_i ∝ n_i^(1/T) (T = 1 is
proportional, T → ∞ uniform; XLM-R and mT5 use this to up-sample small tasks). Tasks with a
fixed share (the masked-LM task) take that share first; the rest is split as above.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Dict, Mapping, Optional


STRATEGIES = ("proportional", "uniform", "temperature")


def task_probabilities(
    sizes: Mapping[str, int],
    strategy: str = "proportional",
    temperature: float = 1.0,
    cap: Optional[int] = None,
    fixed: Optional[Mapping[str, float]] = None,
) -> Dict[str, float]:
    fixed = dict(fixed or {})
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown sampling strategy {strategy!r}; valid: {', '.join(STRATEGIES)}")
    if temperature <= 0:
        raise ValueError(f"sampling temperature must be > 0, got {temperature}")
    reserved = sum(fixed.values())
    if any(share < 0 for share in fixed.values()) or reserved >= 1:
        raise ValueError(f"fixed task shares must be >= 0 and sum below 1, got {fixed}")
    sampled = {name: n for name, n in sizes.items() if name not in fixed}
    if not sampled:
        raise ValueError("no task to sample besides the fixed-share ones")
    empty = [name for name, n in sampled.items() if n <= 0]
    if empty:
        raise ValueError(f"task(s) {empty} have no training examples")
    capped = {name: min(n, cap) if cap else n for name, n in sampled.items()}
    if strategy == "uniform":
        weights = {name: 1.0 for name in capped}
    elif strategy == "temperature":
        weights = {name: n ** (1.0 / temperature) for name, n in capped.items()}
    else:
        weights = {name: float(n) for name, n in capped.items()}
    total = sum(weights.values())
    probs = {name: (1 - reserved) * w / total for name, w in weights.items()}
    probs.update(fixed)
    return probs


@dataclass
class TaskSampler:
    probabilities: Dict[str, float]
    seed: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._names = list(self.probabilities)
        self._weights = [self.probabilities[n] for n in self._names]

    def draw(self) -> str:
        return self._rng.choices(self._names, weights=self._weights, k=1)[0]
