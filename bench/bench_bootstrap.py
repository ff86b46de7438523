"""The report's bootstrap on the paper grid: 1,000 resamples of every cell of 13 intermediate
settings x 9 targets x 3 seeds (351 cells), with XTREME-sized evaluation sets.

    python bench/bench_bootstrap.py            # the whole grid, 1,000 resamples, best of --repeat 2
    python bench/bench_bootstrap.py --quick    # one seed per cell (117 cells), 200 resamples
    python bench/bench_bootstrap.py --calibration  # coverage and test rates by simulation (~1 min)

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
  first), i.e. what each of the grid's cells adds before resampling; and the same from the
  units cached in the cell's ``stats/`` folder by an earlier report.
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


def resampling(seeds: int, resamples: int) -> Tuple[float, float, int]:
    """Wall and CPU seconds for the whole grid's resampling, and the number of cells."""
    rng = np.random.default_rng(0)
    data = {(t, lang, inter, seed): synthetic_units(rng, t, n)
            for t, (langs, n) in SIZES.items() for lang in range(langs) for inter in range(INTERS) for seed in range(seeds)}
    start, cpu = time.perf_counter(), time.process_time()
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
    return time.perf_counter() - start, time.process_time() - cpu, len(scores)


def reading(root: Path, measured: int = 2) -> Dict[str, Tuple[float, float]]:
    """Seconds to read one cell's files into units, per target, (from the files, from the
    cell's cache): ``measured`` languages timed (real language codes: MLQA's normaliser depends
    on them), scaled to the target's count."""
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
        cold = cached = 0.0
        for lang in codes:
            # The first load pays first-use costs (MLQA's Unicode scan, seqeval's import) and the
            # label file's entities, which every other cell of the language reuses: not timed.
            assert units.load(folder, target, lang, cache=False) is not None, target
            start = time.perf_counter()
            units.load(folder, target, lang, cache=False)
            cold += time.perf_counter() - start
            units.load(folder, target, lang)  # writes the cache
            start = time.perf_counter()
            units.load(folder, target, lang)
            cached += time.perf_counter() - start
        out[target] = (cold / len(codes) * langs, cached / len(codes) * langs)
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


def calibration(trials: int = 1000) -> List[str]:
    """How often the 95% intervals cover the truth, and how often the paired test finds a
    difference, by simulation (``--calibration``; the figures of docs/statistics.md)."""
    rng = np.random.default_rng(2026)
    lines = []
    for n, truth in ((400, 0.7), (2000, 0.3)):
        data = (rng.random((trials, n)) < truth).astype(float)
        reps = bootstrap.ratio_replicates(data, np.ones_like(data), rng, 1000)
        low, high = np.percentile(reps, [2.5, 97.5], axis=1)
        kind = "Poisson" if n >= bootstrap.POISSON_FROM else "classic"
        lines.append(f"examples only, {n} examples ({kind} bootstrap), accuracy {truth:.0%}: coverage "
                     f"{np.mean((low <= 100 * truth) & (100 * truth <= high)):.1%} of {trials} trials")
    for k in (1, 3, 5, 10):
        covered = []
        for _ in range(trials // 2):
            difficulty = rng.beta(2.1, 0.9, 400)  # one shared test set; population mean 0.7
            effect = rng.normal(0, 0.02, k)  # seed effect: sd 2 points
            d = (rng.random((k, 400)) < np.clip(difficulty[None, :] + effect[:, None], 0, 1)).astype(float)
            reps = bootstrap.config_replicates(bootstrap.ratio_replicates(d, np.ones_like(d), rng, 1000), rng)
            low, high = bootstrap.interval(reps)
            covered.append(low <= 70 <= high)
        lines.append(f"seeds and examples, {k} seed(s) (seed sd 2 points, 400 shared examples of a population "
                     f"at 70%): coverage {np.mean(covered):.1%} of {trials // 2} trials")
    for gain in (0.0, 2.0, 5.0):
        n = 1000
        a = (rng.random((trials, n)) < 0.7).astype(float)
        fix = rng.random((trials, n)) < (0.05 + gain / 200) / 0.3 * (1 - a)
        spoil = rng.random((trials, n)) < (0.05 - gain / 200) / 0.7 * a
        b = np.where(fix, 1.0, np.where(spoil, 0.0, a))
        both = np.vstack([a, b])
        reps = bootstrap.ratio_replicates(both, np.ones_like(both), rng, 1000)
        found = [bootstrap.p_value(100 * (b[t].mean() - a[t].mean()), reps[trials + t] - reps[t]) < 0.05
                 for t in range(trials)]
        lines.append(f"paired test, {n} examples, systems differing on ~10% of them, true gain {gain:+.0f} points: "
                     f"p < 0.05 in {np.mean(found):.1%} of {trials} trials")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one seed, 200 resamples, no reading")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--calibration", action="store_true", help="coverage and test rates by simulation instead")
    parser.add_argument("--classic", action="store_true",
                        help="also time classic counts (n draws) for every language, instead of Poisson from 1,000 units")
    args = parser.parse_args()
    if args.calibration:
        print("\n".join(calibration()))
        return
    seeds, resamples = (1, 200) if args.quick else (3, 1000)
    poisson_from = bootstrap.POISSON_FROM
    for label, threshold in (("", poisson_from), ("classic", 1 << 62)) if args.classic else (("", poisson_from),):
        bootstrap.POISSON_FROM = threshold
        times = [resampling(seeds, resamples) for _ in range(args.repeat)]
        best = min(times)
        print(f"resampling{' (classic counts everywhere)' if label else ''}: {best[2]} cells ({INTERS} settings x "
              f"{len(SIZES)} targets x {seeds} seeds), {resamples} resamples, "
              f"{sum(langs * n for langs, n in SIZES.values()):,} units per 9-target seed: {best[0]:.1f} s wall, "
              f"{best[1]:.1f} s CPU (best of {args.repeat}; all wall: {', '.join(f'{t[0]:.1f}' for t in times)})")
    bootstrap.POISSON_FROM = poisson_from
    if args.quick:
        return
    with tempfile.TemporaryDirectory() as tmp:
        read = reading(Path(tmp))
    cells = INTERS * seeds
    print("reading one cell's files into units, from the files / from the cell's cache (s): "
          + ", ".join(f"{t} {cold:.2f} / {hit:.3f}" for t, (cold, hit) in read.items()))
    print(f"the grid's {cells * len(SIZES)} cells: {cells * sum(c for c, _ in read.values()):.0f} s from the files, "
          f"{cells * sum(h for _, h in read.values()):.1f} s from the caches")

if __name__ == "__main__":
    main()
