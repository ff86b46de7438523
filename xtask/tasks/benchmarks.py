"""Benchmarks: explicit, named lists of target tasks. A benchmark's score is the mean of its
tasks' scores, defined only when every one of them has one; a task registered but not listed
(XCOPA in XTREME) never enters another benchmark's score."""

from __future__ import annotations

from typing import Dict, Tuple

BENCHMARKS: Dict[str, Tuple[str, ...]] = {
    # XTREME (Hu et al., 2020), in its paper's order: the benchmark Phang et al. (2020) report.
    "xtreme": ("xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc2018", "tatoeba"),
    # XTREME-R (Ruder et al., 2021), the tasks of it xtask supports (not Mewsli-X, LAReQA).
    "xtreme_r": ("xnli", "xcopa", "udpos", "panx", "xquad", "mlqa", "tydiqa", "tatoeba"),
}
DEFAULT_BENCHMARK = "xtreme"


def benchmark(name: str) -> Tuple[str, ...]:
    if name not in BENCHMARKS:
        raise KeyError(f"unknown benchmark {name!r}; benchmarks: {', '.join(BENCHMARKS)}")
    return BENCHMARKS[name]
