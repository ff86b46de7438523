"""Which numbers of a report are real: intervals, paired tests, learned-nothing marks, seeds needed.

Functions of the store only: each finished cell's ``predictions/`` and ``labels/`` files
(:mod:`xtask.report.units`), resampled by :mod:`xtask.report.bootstrap`; no cell is rerun.

* Per (cell, language) and per configuration (row, target): a 95% percentile bootstrap
  interval (:data:`bootstrap.RESAMPLES` resamples; seeds and examples, or examples only for
  one seed or a deterministic cell).
* Per delta (row minus its baseline row, per target and for ``avg``): the interval of the
  difference, a two-sided p-value, and ``significant`` after Benjamini-Hochberg over all the
  deltas of the matrix (false discovery rate 5%).
* Per target: how many seeds a given difference needs at 80% power (:func:`seeds_needed`).

An interval or a test is absent (NaN, with the reason in ``ci_method``) when a cell's
predictions are not on disk or do not reproduce its recorded score: never guessed.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Dict, List, Mapping, Optional, Tuple

import numpy as np
import pandas as pd

from xtask.report import bootstrap, units
from xtask.report.tables import AVG, NO_INTERMEDIATE, benchmark_targets, used_cells

log = logging.getLogger(__name__)

ALPHA = 0.05  # the false discovery rate of the significance marks
POWER = 0.80
TOLERANCE = 0.01  # points: a score from the files may differ from results.json by rounding only
# Training loss within this share of the chance loss ln(K) = learned nothing (the Trainer's
# train_loss is the mean over the run, so a model that learned late still ends below it).
LOSS_NOISE = 0.02

DELTA_COLUMNS = ["row", "target", "delta", "ci_low", "ci_high", "p_value", "significant", "baseline", "p_adjusted",
                 "seeds", "paired_seeds", "paired_examples"]


@dataclass
class Analysis:
    """A report's statistics (see the module docstring)."""

    intervals: pd.DataFrame  # (row, target) -> ci_low, ci_high, ci_method
    languages: pd.DataFrame  # per cell and language: score, ci_low, ci_high, n, collapsed
    deltas: pd.DataFrame  # DELTA_COLUMNS
    learned_nothing: Dict[str, List[str]]  # cell folder -> why, one line per reason
    # Per (row, target): seed -> the seed's task-score replicates; seed-variance inputs.
    replicates: Dict[Tuple[str, str], Dict[int, np.ndarray]] = field(default_factory=dict)
    example_variance: Dict[str, float] = field(default_factory=dict)  # target -> var of a delta over examples
    resamples: int = bootstrap.RESAMPLES


def analyse(long: pd.DataFrame, cells: pd.DataFrame, stats: pd.DataFrame, benchmark: str, resamples: int = bootstrap.RESAMPLES,
            seed: int = 0, baselines: Optional[List[str]] = None) -> Analysis:
    """Everything above for one report's long table, cell table and :func:`cell_stats`."""
    used = used_cells(cells)
    langs = long[long["dir"].isin(used["dir"]) & long["lang"].notna()]
    recorded = {(d, lang): float(v) for d, lang, v in zip(langs["dir"], langs["lang"], langs["lang_score"])}
    target_of = dict(zip(used["dir"], used["target"]))
    loaded = units.load_many([(folder, target_of[folder], lang) for folder, lang in recorded])
    lang_reps: Dict[Tuple[str, str], np.ndarray] = {}
    mismatch: Dict[str, str] = {}
    for (target, lang), part in _by_language(loaded, used).items():
        items = []
        for folder in part:
            u = loaded[(folder, lang)]
            if abs(u.score() - recorded[(folder, lang)]) > TOLERANCE:
                mismatch[folder] = (f"its {lang} predictions score {u.score():.2f}, results.json says "
                                    f"{recorded[(folder, lang)]:.2f}")
                continue
            items.append((folder, u.num, u.den))
        for folder, reps in bootstrap.language_replicates(items, seed, (target, lang), resamples).items():
            lang_reps[(folder, lang)] = reps
    languages = _language_table(used, recorded, loaded, lang_reps)
    cell_reps, why_not = _cell_replicates(used, recorded, lang_reps, mismatch)
    replicates: Dict[Tuple[str, str], Dict[int, np.ndarray]] = {}
    reasons: Dict[Tuple[str, str], str] = {}
    for (row, target), part in used.groupby(["row", "target"], sort=False):
        missing = [why_not[d] for d in part["dir"] if d in why_not]
        if missing:
            reasons[(row, target)] = missing[0]
            continue
        replicates[(row, target)] = {int(s): cell_reps[d] for s, d in zip(part["seed"], part["dir"])}
    intervals = _intervals(stats, replicates, reasons, seed)
    row_of = {d: (row, target) for d, row, target in zip(used["dir"], used["row"], used["target"])}
    examples: Dict[Tuple[str, str], set] = {}
    for (folder, lang), u in loaded.items():
        examples.setdefault(row_of[folder], set()).add((lang, u.labels_digest))
    deltas, example_variance = _deltas(stats, replicates, benchmark, seed, baselines or [], examples)
    return Analysis(intervals, languages, deltas, learned_nothing(used, loaded), replicates, example_variance, resamples)


def _by_language(loaded: Mapping[Tuple[str, str], units.Units], used: pd.DataFrame) -> Dict[Tuple[str, str], List[str]]:
    target_of = dict(zip(used["dir"], used["target"]))
    out: Dict[Tuple[str, str], List[str]] = {}
    for folder, lang in loaded:
        out.setdefault((target_of[folder], lang), []).append(folder)
    return out


def _language_table(used: pd.DataFrame, recorded: Mapping[Tuple[str, str], float],
                    loaded: Mapping[Tuple[str, str], units.Units], reps: Mapping[Tuple[str, str], np.ndarray]) -> pd.DataFrame:
    info = used.set_index("dir")
    records = []
    for (folder, lang), score in recorded.items():
        interval = bootstrap.interval(reps[(folder, lang)]) if (folder, lang) in reps else (math.nan, math.nan)
        u = loaded.get((folder, lang))
        records.append({"row": info.loc[folder, "row"], "target": info.loc[folder, "target"],
                        "seed": info.loc[folder, "seed"], "lang": lang, "score": score, "ci_low": interval[0],
                        "ci_high": interval[1], "units": u.n if u else None,
                        "collapsed": (u.collapsed or "") if u else "", "dir": folder})
    return pd.DataFrame(records, columns=["row", "target", "seed", "lang", "score", "ci_low", "ci_high", "units",
                                          "collapsed", "dir"])


def _cell_replicates(used: pd.DataFrame, recorded: Mapping[Tuple[str, str], float],
                     lang_reps: Mapping[Tuple[str, str], np.ndarray],
                     mismatch: Mapping[str, str]) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """Each cell's task-score replicates (the mean of its languages'), or why it has none."""
    reps: Dict[str, np.ndarray] = {}
    why: Dict[str, str] = {}
    langs_of: Dict[str, List[str]] = {}
    for folder, lang in recorded:
        langs_of.setdefault(folder, []).append(lang)
    for folder in used["dir"]:
        langs = sorted(langs_of.get(folder, []))
        lacking = [lang for lang in langs if (folder, lang) not in lang_reps]
        if folder in mismatch:
            why[folder] = f"predictions disagree with results.json ({Path(folder).name}: {mismatch[folder]})"
        elif not langs or lacking:
            why[folder] = (f"no predictions and labels on disk for {', '.join(lacking)} ({Path(folder).name})"
                           if langs else "no scored language")
        else:
            reps[folder] = np.mean([lang_reps[(folder, lang)] for lang in langs], axis=0)
    return reps, why


def _intervals(stats: pd.DataFrame, replicates: Mapping[Tuple[str, str], Dict[int, np.ndarray]],
               reasons: Mapping[Tuple[str, str], str], seed: int) -> pd.DataFrame:
    out = pd.DataFrame({"ci_low": math.nan, "ci_high": math.nan, "ci_method": ""}, index=stats.index)
    for key in stats.index:
        if key in replicates:
            by_seed = replicates[key]
            if len(by_seed) > 1:
                reps = bootstrap.config_replicates(np.stack(list(by_seed.values())), bootstrap.rng_for(seed, "config", *key))
                method = f"bootstrap: {len(by_seed)} seeds and examples"
            else:
                reps = next(iter(by_seed.values()))
                method = ("bootstrap: examples (deterministic cell)" if bool(stats.loc[key].get("deterministic", False))
                          else "bootstrap: examples only (1 seed)")
            out.loc[key, ["ci_low", "ci_high"]] = bootstrap.interval(reps)
            out.loc[key, "ci_method"] = method
        elif key in reasons:
            out.loc[key, "ci_method"] = f"none: {reasons[key]}"
    return out


def _deltas(stats: pd.DataFrame, replicates: Mapping[Tuple[str, str], Dict[int, np.ndarray]], benchmark: str,
            seed: int, extra_baselines: List[str],
            examples: Mapping[Tuple[str, str], set]) -> Tuple[pd.DataFrame, Dict[str, float]]:
    """Every row against its baseline (and against each of ``extra_baselines``), per target and
    ``avg``; BH over each baseline's family (one matrix). ``examples``: per (row, target), its
    cells' (language, label file digest) pairs: the delta is paired over examples when both
    rows have the same, one label file per language."""

    def same_examples(a: Tuple[str, str], b: Tuple[str, str]) -> bool:
        got = examples.get(a, set())
        return bool(got) and got == examples.get(b) and len({lang for lang, _ in got}) == len(got)

    means = stats["mean"] if not stats.empty else pd.Series(dtype=float)
    rows = list(dict.fromkeys(r for r, _ in stats.index))
    targets = list(dict.fromkeys(t for _, t in stats.index))
    members = benchmark_targets(benchmark)
    families: List[List[dict]] = []
    example_var: Dict[str, List[float]] = {}
    for chosen in [None, *extra_baselines]:
        family = []
        for row in rows:
            per_target: Dict[str, np.ndarray] = {}
            bases = set()
            for target in targets:
                base = stats["baseline"].get((row, target)) if chosen is None else chosen
                if (row, target) not in stats.index or base is None or (base, target) not in stats.index or base == row:
                    continue
                if chosen is None and row.split(" [", 1)[0] == NO_INTERMEDIATE:
                    continue
                if int(stats.loc[(row, target), "n"]) == 0 or int(stats.loc[(base, target), "n"]) == 0:
                    continue
                bases.add(base)
                delta = float(means[(row, target)] - means[(base, target)])
                record = {"row": row, "target": target, "delta": delta, "baseline": base,
                          "seeds": f"{len(replicates.get((row, target), {}))}/{len(replicates.get((base, target), {}))}",
                          "paired_examples": same_examples((row, target), (base, target))}
                a, b = replicates.get((row, target)), replicates.get((base, target))
                if a is None or b is None:
                    family.append({**record, "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan})
                    continue
                reps, paired = bootstrap.delta_replicates(a, b, bootstrap.rng_for(seed, "delta", row, base, target))
                per_target[target] = reps
                example_var.setdefault(target, []).append(_example_variance(a, b))
                family.append({**record, **dict(zip(("ci_low", "ci_high"), bootstrap.interval(reps))),
                               "p_value": bootstrap.p_value(delta, reps), "paired_seeds": paired})
            if len(bases) == 1 and all(t in per_target for t in members):
                base = bases.pop()
                delta = float(np.mean([means[(row, t)] - means[(base, t)] for t in members]))
                reps = np.mean([per_target[t] for t in members], axis=0)
                family.append({"row": row, "target": AVG, "delta": delta, "baseline": base, "seeds": "",
                               **dict(zip(("ci_low", "ci_high"), bootstrap.interval(reps))),
                               "p_value": bootstrap.p_value(delta, reps)})
        families.append(family)
    records = []
    for family in families:
        frame = pd.DataFrame(family, columns=DELTA_COLUMNS)
        tested = frame["p_value"].notna()
        frame["p_adjusted"] = math.nan
        frame.loc[tested, "p_adjusted"] = bootstrap.adjust(frame.loc[tested, "p_value"].to_numpy())
        frame["significant"] = (frame["p_adjusted"] < ALPHA).where(tested)
        records.append(frame)
    deltas = pd.concat(records, ignore_index=True) if records else pd.DataFrame(columns=DELTA_COLUMNS)
    deltas = deltas.drop_duplicates(["row", "target", "baseline"]).reset_index(drop=True)
    return deltas[DELTA_COLUMNS], {t: float(np.median(v)) for t, v in example_var.items()}


def _example_variance(a: Mapping[int, np.ndarray], b: Mapping[int, np.ndarray]) -> float:
    """The variance over example resamples alone of mean(a) - mean(b), seeds held fixed."""
    return float(np.var(np.mean(list(a.values()), axis=0) - np.mean(list(b.values()), axis=0), ddof=1))


# --------------------------------------------------------------------------- learned nothing


def learned_nothing(used: pd.DataFrame, loaded: Mapping[Tuple[str, str], units.Units]) -> Dict[str, List[str]]:
    """Cell folder -> why it learned nothing: predictions collapsed in a language (from the
    files), or a training loss at chance (from results.json)."""
    out: Dict[str, List[str]] = {}
    for (folder, lang), u in loaded.items():
        if u.collapsed:
            out.setdefault(folder, []).append(f"{lang}: {u.collapsed}")
    for folder, target in zip(used["dir"], used["target"]):
        why = loss_at_chance(Path(folder), target)
        if why:
            out.setdefault(folder, []).append(why)
    return out


def loss_at_chance(folder: Path, target: str, results: object = None) -> Optional[str]:
    """``training loss 1.102, a uniform guess ln(3) = 1.099`` when a classification cell's mean
    training loss is within :data:`LOSS_NOISE` of ln(number of labels); None otherwise or when unknown.
    ``results``: the cell's results when already read."""
    from xtask.store import records
    from xtask.tasks import TARGET_TASKS

    task = TARGET_TASKS.get(target)
    if task is None or task.kind.value not in ("classification", "multiple_choice") or task.retrieval:
        return None
    choices = len(task.labels) if task.kind.value == "classification" else 2
    if choices < 2:
        return None
    results = records.read_results(folder) if results is None else results
    loss = (getattr(results, "phases", None) or {}).get("target", {}).get("train_loss")
    if not isinstance(loss, (int, float)) or not math.isfinite(loss):
        return None
    chance = math.log(choices)
    if loss >= chance * (1 - LOSS_NOISE) and not beats_chance(getattr(results, "scores", None)):
        return f"training loss {loss:.3f}, a uniform guess ln({choices}) = {chance:.3f}"
    return None


def beats_chance(scores: object) -> bool:
    """Whether a cell's test predictions beat its chance level by more than two binomial standard
    errors (under chance, over all its scored examples). The mean training loss alone misleads:
    a real XNLI cell (e5, 150 steps) averaged 1.085 over its run, within LOSS_NOISE of ln(3), and
    still scored 54.5 against 33.3 on 800 examples."""
    per_language = getattr(scores, "per_language", None) or {}
    chances = (getattr(scores, "extra", None) or {}).get("chance") or {}
    pairs = [(s.score / 100, chances[lang] / 100, s.n) for lang, s in per_language.items()
             if isinstance(chances.get(lang), (int, float)) and s.n]
    total = sum(n for _, _, n in pairs)
    if not total:
        return False
    accuracy = sum(a * n for a, _, n in pairs) / total
    level = sum(c * n for _, c, n in pairs) / total
    return accuracy - level > 2 * math.sqrt(level * (1 - level) / total)


def cell_problems(folder: Path, target: str, langs: List[str], results: object = None) -> List[str]:
    """What :func:`learned_nothing` says of one cell (for ``xtask status``)."""
    found = []
    for lang in langs:
        why = units.collapsed(folder, target, lang)
        if why:
            found.append(f"{lang}: {why}")
    why = loss_at_chance(folder, target, results)
    return found + ([why] if why else [])


# --------------------------------------------------------------------------- seeds needed


def seeds_needed(cells: pd.DataFrame, analysis: Analysis, delta: float, power: float = POWER,
                 alpha: float = ALPHA) -> pd.DataFrame:
    """Per target: the seeds per configuration a two-sided test at level ``alpha`` needs to
    find a ``delta``-point difference with ``power``, from the measured seed variance (pooled
    over the target's configurations with 2+ seeds) and example variance (of the target's
    deltas, over test-set resamples; it does not shrink with seeds, so some deltas cannot be
    reached on this test set at all). Unpaired seeds, one comparison (no correction)."""
    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)
    used = used_cells(cells)
    used = used[~used["seed_free"].astype(bool)]
    records = []
    for target in dict.fromkeys(cells["target"].dropna()):
        part = used[used["target"] == target]
        groups = [g["task_score"].to_numpy(float) for _, g in part.groupby("row") if len(g) > 1]
        dof = sum(len(g) - 1 for g in groups)
        seed_var = sum(float(((g - g.mean()) ** 2).sum()) for g in groups) / dof if dof else math.nan
        example_var = analysis.example_variance.get(target, math.nan)
        record = {"target": target, "delta": delta, "seed_sd": math.sqrt(seed_var) if dof else math.nan,
                  "seed_dof": dof, "example_sd": math.sqrt(example_var) if not math.isnan(example_var) else math.nan,
                  "seeds_needed": math.nan, "note": ""}
        if not dof:
            record["note"] = "too few seeds to estimate: no configuration has 2 finished seeds"
        elif math.isnan(example_var):
            record["note"] = "no example variance: no delta with predictions on disk (example noise taken as 0)"
            record["seeds_needed"] = max(2, math.ceil(2 * z * z * seed_var / delta ** 2))
        elif delta ** 2 <= z * z * example_var:
            record["note"] = (f"not reachable by seeds: the test set's sampling alone (sd {math.sqrt(example_var):.2f}) "
                              f"needs a difference above {z * math.sqrt(example_var):.2f}")
        else:
            record["seeds_needed"] = max(2, math.ceil(2 * z * z * seed_var / (delta ** 2 - z * z * example_var)))
        if dof and dof < 4 and not record["note"]:
            record["note"] = f"rough: the seed variance rests on {dof} degree(s) of freedom"
        records.append(record)
    return pd.DataFrame(records, columns=["target", "delta", "seed_sd", "seed_dof", "example_sd", "seeds_needed", "note"])


def seeds_text(table: pd.DataFrame) -> str:
    lines = [f"seeds per configuration for a {table['delta'].iloc[0]:g}-point difference at {POWER:.0%} power "
             f"(two-sided, {ALPHA:.0%} level):" if not table.empty else "no targets"]
    for r in table.itertuples():
        count = "n/a" if math.isnan(r.seeds_needed) else str(int(r.seeds_needed))
        sd = "" if math.isnan(r.seed_sd) else f"seed sd {r.seed_sd:.2f} ({r.seed_dof} dof)"
        ex = "" if math.isnan(r.example_sd) else f"example sd {r.example_sd:.2f}"
        detail = ", ".join(x for x in (sd, ex) if x)
        lines.append(f"  {r.target:<10} {count:>5}" + (f"  [{detail}]" if detail else "") + (f"  {r.note}" if r.note else ""))
    return "\n".join(lines)
