"""The report's bootstrap on the paper grid: 1,000 resamples of every cell of 13 intermediate
settings x 9 targets x 3 seeds (351 cells), with XTREME-sized evaluation sets.

    python bench/bench_bootstrap.py            # the whole grid, 1,000 resamples, best of --repeat 2
    python bench/bench_bootstrap.py --quick    # one seed per cell (117 cells), 200 resamples

Two figures:

- ``resampling``: what :func:`xtask.report.stats.analyse` computes once the cells' units are
  in memory: each language's replicates for every cell (:func:`bootstrap.language_replicates`,
  one shared count matrix per language), each cell's task score, each configuration's
  hierarchical interval and each delta's paired test with Benjamini-Hochberg. The units are
  synthetic (0/1 correctness, QA scores in [0, 1], tagging/BUCC counts), one array per cell and
  language at the sizes below: XTREME's test sets, rounded up (PAN-X: 10,000 sentences in
  every language, its largest).
- ``reading``: :func:`xtask.report.units.load` of one cell's prediction and label files,
  per target (written in XTREME's layout with the store's writer; the files' content is
  synthetic, their sizes as above; two languages timed, scaled to the target's languages;
  the label file's tagging entities already read, as for every cell of a language but the
  first), i.e. what each of the grid's cells adds before resampling.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from xtask.report import bootstrap, units  # noqa: E402
from xtask.scoring.files import write_labels  # noqa: E402
from xtask.tasks import TARGET_TASKS  # noqa: E402

INTERS = 13
# target -> (languages, units per language): XTREME's evaluation sets, rounded up.
SIZES: Dict[str, Tuple[int, int]] = {
    "xnli": (15, 5010), "pawsx": (7, 2000), "udpos": (33, 2000), "panx": (40, 10000), "xquad": (11, 1190),
    "mlqa": (7, 11590), "tydiqa": (9, 1400), "bucc2018": (5, 10000), "tatoeba": (37, 1000),
}


def synthetic_units(rng: np.random.Generator, target: str, n: int) -> Tuple[np.ndarray, np.ndarray]:
    kind = TARGET_TASKS[target].kind.value
    if kind == "qa":
        return rng.random(n).round(2), np.ones(n)
    if kind == "tagging" or target == "bucc2018":
        gold = rng.integers(0, 6, n).astype(float)
        return 2 * np.minimum(gold, rng.integers(0, 6, n)), gold + rng.integers(0, 6, n)
    return (rng.random(n) < 0.7).astype(float), np.ones(n)


def resampling(seeds: int, resamples: int) -> Tuple[float, int]:
    """Seconds for the whole grid's resampling, and the number of cells."""
    rng = np.random.default_rng(0)
    data = {(t, lang, inter, seed): synthetic_units(rng, t, n)
            for t, (langs, n) in SIZES.items() for lang in range(langs) for inter in range(INTERS) for seed in range(seeds)}
    start = time.perf_counter()
    cell_reps: Dict[Tuple[str, int, int], List[np.ndarray]] = {}
    for target, (langs, _) in SIZES.items():
        for lang in range(langs):
            items = [((inter, seed), *data[(target, lang, inter, seed)]) for inter in range(INTERS) for seed in range(seeds)]
            for (inter, seed), reps in bootstrap.language_replicates(items, 0, (target, lang), resamples).items():
                cell_reps.setdefault((target, inter, seed), []).append(reps)
    scores = {key: np.mean(reps, axis=0) for key, reps in cell_reps.items()}
    p_values = []
    for target in SIZES:
        by_inter = {inter: {seed: scores[(target, inter, seed)] for seed in range(seeds)} for inter in range(INTERS)}
        for inter in range(INTERS):
            reps = bootstrap.config_replicates(np.stack(list(by_inter[inter].values())), rng)
            bootstrap.interval(reps)
            if inter:
                delta, _ = bootstrap.delta_replicates(by_inter[inter], by_inter[0], rng)
                bootstrap.interval(delta)
                p_values.append(bootstrap.p_value(float(np.mean(delta)), delta))
    bootstrap.adjust(p_values)
    return time.perf_counter() - start, len(scores)


def reading(root: Path, measured: int = 2) -> Dict[str, float]:
    """Seconds to read one cell's files into units, per target: ``measured`` languages timed
    (real language codes: MLQA's normaliser depends on them), scaled to the target's count."""
    rng = np.random.default_rng(1)
    out = {}
    for target, (langs, n) in SIZES.items():
        task = TARGET_TASKS[target]
        folder = root / target
        codes = list(task.languages[:measured])
        for lang in codes:
            gold, guess = _files(rng, target, n)
            for kind, payload in (("labels", gold), ("predictions", guess)):
                path = folder / kind / target / f"test-{lang}.{task.suffix}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(write_labels(task.submission, payload), encoding="utf-8")
        seconds = 0.0
        for lang in codes:
            # The first load pays first-use costs (MLQA's Unicode scan, seqeval's import) and the
            # label file's entities, which every other cell of the language reuses: timed apart.
            assert units.load(folder, target, lang) is not None, target
            start = time.perf_counter()
            units.load(folder, target, lang)
            seconds += time.perf_counter() - start
        out[target] = seconds / len(codes) * langs
    return out


def _files(rng: np.random.Generator, target: str, n: int):
    task = TARGET_TASKS[target]
    kind = task.kind.value
    if kind == "qa":
        words = ["river", "old bridge", "tower", "city hall", "museum"]
        data = [{"paragraphs": [{"qas": [{"id": f"q{i}", "answers": [{"text": str(rng.choice(words))}]}
                                         for i in range(n)]}]}]
        return data, {f"q{i}": str(rng.choice(words)) for i in range(n)}
    if kind == "tagging":
        labels = list(task.labels)
        gold = [list(rng.choice(labels, size=12)) for _ in range(n)]
        return gold, [[t if rng.random() < 0.8 else str(rng.choice(labels)) for t in s] for s in gold]
    if target == "bucc2018":
        gold = [f"s{i}\tt{i}" for i in range(n)]
        return gold, [f"s{i}\tt{i if rng.random() < 0.8 else i + 1}" for i in range(n)]
    labels = list(task.labels) or [str(i) for i in range(n)]
    gold = list(rng.choice(labels, n))
    return gold, [g if rng.random() < 0.7 else str(rng.choice(labels)) for g in gold]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one seed, 200 resamples, no reading")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    seeds, resamples = (1, 200) if args.quick else (3, 1000)
    times = [resampling(seeds, resamples) for _ in range(args.repeat)]
    best = min(t for t, _ in times)
    units_per_cell = {t: langs * n for t, (langs, n) in SIZES.items()}
    print(f"resampling: {times[0][1]} cells ({INTERS} settings x {len(SIZES)} targets x {seeds} seeds), "
          f"{resamples} resamples, {sum(units_per_cell.values()):,} units per 9-target seed: "
          f"{best:.1f} s (best of {args.repeat}; all: {', '.join(f'{t:.1f}' for t, _ in times)})")
    if args.quick:
        return
    with tempfile.TemporaryDirectory() as tmp:
        read = reading(Path(tmp))
    print("reading one cell's files into units (s): " + ", ".join(f"{t} {s:.2f}" for t, s in read.items())
          + f"; the grid's {INTERS * seeds} cells per target: {INTERS * seeds * sum(read.values()):.0f} s")


if __name__ == "__main__":
    main()
