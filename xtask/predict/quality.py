"""How good a predicted ranking of intermediate tasks is, against a finished transfer matrix
(``xtask aggregate DIR --compare prediction``).

Per target and signal, the rows that both the prediction and the matrix have are ranked twice:
by the predicted score (higher = predicted better) and by the matrix's task score (the mean over
the seeds of the row's cells, exactly the cells the matrix averages: :func:`xtask.report.tables.used_cells`).
The metrics:

* **Spearman's rho** of the two (``scipy.stats.spearmanr``, ties as mean ranks).
* **NDCG@k** (k = 3): ``DCG@k / IDCG@k`` with ``DCG@k = sum_{i<=k} gain(row at i) / log2(i + 1)``
  and the *gain* of a row = its true score minus the worst ranked row's (the worst row gains 0,
  so the measure does not depend on the task's score level); undefined when every row scores the same.
* **regret@k** (Poth et al. 2021, "What to Pre-Train on?", section 4): the best true score minus
  the best true score among the k rows predicted best, in points and as % of the best.

Ties in the predicted scores are broken uniformly at random, and every metric is its exact
expectation over those orders (NDCG: each position of a tied group gains the group's mean;
regret: order statistics of a random subset of the tied group at the top-k boundary). A random
ranking is the prediction that ties everything, so its expected NDCG@k and regret@k are the same
functions of an all-tied prediction; its expected Spearman is 0 (the predicted ranks are a
uniform permutation, uncorrelated with any fixed ranking in expectation).

**Intervals** resample each row's seeds with replacement (:func:`xtask.report.bootstrap.seed_draws`),
recompute the true means and the metric; the 95% percentile interval covers seed variation of the
truth, not the noise of the test sets (the matrix's own intervals do that). Rows with one seed
(or a deterministic cell) stay fixed: with one seed in every row there is no interval, and the
table says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

K_NDCG = 3
REGRET_KS = (1, 3)
MIN_ROWS = 3  # a ranking of fewer rows is too short to judge
REQUIRED = ("signal", "target", "inter", "model", "score")
SCORED_DIRECTLY = "scored directly"
TOO_SHORT = "too short to judge"
RANKED = "ranked"
NO_PREDICTION = "no prediction"


class PredictionError(ValueError):
    """The predictions cannot be compared (a missing column, an unknown signal)."""


# --------------------------------------------------------------------------- metrics


def _check(predicted: Sequence[float], true: Sequence[float]) -> Tuple[np.ndarray, np.ndarray]:
    p, t = np.asarray(predicted, dtype=float), np.asarray(true, dtype=float)
    if p.shape != t.shape or p.ndim != 1 or p.size == 0:
        raise ValueError(f"a ranking needs one predicted and one true score per row (got {p.shape} and {t.shape})")
    return p, t


def _groups(predicted: np.ndarray) -> List[np.ndarray]:
    """Indices of the rows tied on each predicted score, best group first."""
    values = np.unique(predicted)[::-1]
    return [np.flatnonzero(predicted == v) for v in values]


def spearman(predicted: Sequence[float], true: Sequence[float]) -> float:
    """Spearman's rho; NaN when either side is constant (no ranking to correlate)."""
    from scipy.stats import spearmanr

    p, t = _check(predicted, true)
    if np.ptp(p) == 0 or np.ptp(t) == 0:
        return math.nan
    return float(spearmanr(p, t).statistic)


def ndcg_at(predicted: Sequence[float], true: Sequence[float], k: int = K_NDCG) -> float:
    """NDCG@k with gain = true score minus the lowest true score (module docstring); the
    expectation over the orders of predicted ties; NaN when every row has the same true score."""
    p, t = _check(predicted, true)
    gains = t - t.min()
    k = min(k, t.size)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = float(np.sort(gains)[::-1][:k] @ discounts)
    if ideal == 0:
        return math.nan
    per_position = np.empty(t.size)
    start = 0
    for group in _groups(p):  # every position of a tied group gains the group's mean, in expectation
        per_position[start:start + group.size] = gains[group].mean()
        start += group.size
    return float(per_position[:k] @ discounts) / ideal


def _expected_best_of_subset(values: np.ndarray, m: int) -> np.ndarray:
    """P(the j-th smallest of ``values`` is the largest of a uniform random m-subset), per j."""
    from scipy.special import comb

    g = values.size
    j = np.arange(1, g + 1)
    return comb(j - 1, m - 1) / comb(g, m)


def regret_at(predicted: Sequence[float], true: Sequence[float], k: int) -> float:
    """The best true score minus the best true score among the k rows predicted best (points),
    in expectation over the orders of predicted ties (exact)."""
    p, t = _check(predicted, true)
    best = float(t.max())
    k = min(k, t.size)
    taken = -math.inf
    left = k
    for group in _groups(p):
        if group.size <= left:
            taken = max(taken, float(t[group].max()))
            left -= group.size
            if left == 0:
                break
            continue
        values = np.sort(t[group])  # the boundary group: a uniform random subset of `left` of its rows
        chance = _expected_best_of_subset(values, left)
        return best - float(chance @ np.maximum(values, taken))
    return best - taken


def regret_percent(regret: float, true: Sequence[float]) -> float:
    """Regret as a share of the best true score (%); NaN when the best score is not positive."""
    best = float(np.max(true))
    return 100.0 * regret / best if best > 0 else math.nan


def metrics(predicted: Sequence[float], true: Sequence[float]) -> Dict[str, float]:
    """Every metric of one ranking (the columns of :data:`METRICS`)."""
    out = {"spearman": spearman(predicted, true), f"ndcg{K_NDCG}": ndcg_at(predicted, true, K_NDCG)}
    for k in REGRET_KS:
        out[f"regret{k}"] = regret_at(predicted, true, k)
        out[f"regret{k}_pct"] = regret_percent(out[f"regret{k}"], true)
    return out


def random_expectation(true: Sequence[float]) -> Dict[str, float]:
    """The exact expected value of each metric for a uniformly random ranking of these rows."""
    t = np.asarray(true, dtype=float)
    out = metrics(np.zeros_like(t), t)  # a prediction that ties every row = a random order
    out["spearman"] = 0.0 if np.ptp(t) > 0 else math.nan
    return out


METRICS = ["spearman", f"ndcg{K_NDCG}", *[f"regret{k}{s}" for k in REGRET_KS for s in ("", "_pct")]]


# --------------------------------------------------------------------------- intervals over seeds


def seed_intervals(predicted: Sequence[float], seeds: Sequence[np.ndarray], resamples: int,
                   rng: np.random.Generator, level: float = 0.95) -> Dict[str, Tuple[float, float]]:
    """Per metric, the percentile interval over resamples of each row's seeds (``seeds``: each
    row's per-seed task scores); rows of one seed stay fixed. Empty when no row has two seeds."""
    from xtask.report.bootstrap import seed_draws, seed_mean

    if resamples <= 0 or all(len(s) < 2 for s in seeds):
        return {}
    columns = []
    for scores in seeds:
        scores = np.asarray(scores, dtype=float)
        replicates = np.repeat(scores[:, None], resamples, axis=1)  # seeds x resamples
        columns.append(seed_mean(replicates, seed_draws(rng, resamples, scores.size)))
    truth = np.stack(columns, axis=1)  # resamples x rows
    draws = {name: [] for name in METRICS}
    for row in truth:
        for name, value in metrics(predicted, row).items():
            draws[name].append(value)
    tail = 100 * (1 - level) / 2
    out = {}
    for name, values in draws.items():
        finite = np.asarray(values, dtype=float)
        finite = finite[np.isfinite(finite)]
        out[name] = (tuple(float(v) for v in np.percentile(finite, [tail, 100 - tail]))
                     if finite.size else (math.nan, math.nan))
    return out


# --------------------------------------------------------------------------- against a matrix


@dataclass(frozen=True)
class TargetComparison:
    """One (target, signal): the ranked rows, the metrics, their intervals, the random baseline."""

    target: str
    signal: str
    status: str  # RANKED, TOO_SHORT, SCORED_DIRECTLY, NO_PREDICTION
    rows: Tuple[str, ...] = ()
    predicted: Tuple[float, ...] = ()
    true: Tuple[float, ...] = ()
    seeds: Tuple[int, ...] = ()  # per ranked row
    values: Mapping[str, float] = field(default_factory=dict)
    intervals: Mapping[str, Tuple[float, float]] = field(default_factory=dict)
    random: Mapping[str, float] = field(default_factory=dict)
    lacking_prediction: Tuple[str, ...] = ()  # matrix rows with scores that the prediction does not rank
    lacking_matrix: Tuple[str, ...] = ()  # predicted rows without a finished cell, with why
    note: str = ""
    from_seeds: str = ""  # which seeds' predictions were judged (choose_seeds)

    def top(self, by: str, n: int = 3) -> List[str]:
        scores = self.predicted if by == "predicted" else self.true
        order = sorted(range(len(self.rows)), key=lambda i: -scores[i])
        return [self.rows[i] for i in order[:n]]

    def interval_note(self) -> str:
        if self.status != RANKED:
            return ""
        single = [r for r, s in zip(self.rows, self.seeds) if s < 2]
        if not self.intervals:
            return "no interval: every ranked row has one seed (or is deterministic)"
        if single:
            return f"rows of one seed held fixed: {', '.join(single)}"
        return ""


def read_predictions(root) -> pd.DataFrame:
    """The stored predictions under an outputs tree (``xtask predict``'s store), checked."""
    from xtask.predict.store import load_predictions

    return check_predictions(load_predictions(root), f"the predictions under {root}")


def check_predictions(frame: pd.DataFrame, where: str = "the predictions") -> pd.DataFrame:
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise PredictionError(f"{where} lack the column(s) {', '.join(missing)} (need {', '.join(REQUIRED)})")
    return frame


def signals_of(predictions: pd.DataFrame, signal: Optional[str] = None) -> List[str]:
    """The signals to judge: ``signal``, which the predictions must have, or all of theirs."""
    signals = [str(s) for s in dict.fromkeys(predictions["signal"])]
    if signal is None:
        return signals
    if signal not in signals:
        raise PredictionError(f"no predictions of signal {signal!r}; the predictions have: {', '.join(signals) or 'none'}")
    return [signal]


def _matrix_rows(used: pd.DataFrame, target: str) -> Tuple[Dict[str, str], Dict[str, List[str]]]:
    """(inter -> the one matrix row of that intermediate task, inter -> its rows when several:
    variants the prediction does not name) for one target."""
    part = used[used["target"] == target]
    rows_of: Dict[str, List[str]] = {}
    for inter, row in zip(part["inter"], part["row"]):
        rows_of.setdefault(str(inter), [])
        if row not in rows_of[str(inter)]:
            rows_of[str(inter)].append(row)
    one = {inter: rows[0] for inter, rows in rows_of.items() if len(rows) == 1}
    many = {inter: rows for inter, rows in rows_of.items() if len(rows) > 1}
    return one, many


def _seed_set(values: Any) -> List[int]:
    return sorted({int(v) for v in values if not pd.isna(v)})


def choose_seeds(predictions: pd.DataFrame, matrix_seeds: Sequence[int],
                 wanted: Optional[Sequence[int]] = None) -> Tuple[pd.DataFrame, str]:
    """The predictions to judge, by the seed of the phase-1 encoder (or sample) that made them,
    and a note saying which. ``wanted`` (``--prediction-seeds``): exactly those, each of which must
    exist. Otherwise the seeds the matrix's cells have: a prediction of seed s comes from the very
    phase-1 encoder the matrix's seed-s cells fine-tuned. When the two share no seed (a
    prediction judged on held-out seeds), all the predictions' seeds, said in the note."""
    if "seed" not in predictions.columns or predictions["seed"].isna().all():
        if wanted:
            raise PredictionError("the predictions do not record their seeds: --prediction-seeds cannot choose among them")
        return predictions, ""
    have = _seed_set(predictions["seed"])
    if wanted:
        lacking = sorted(set(int(s) for s in wanted) - set(have))
        if lacking:
            raise PredictionError(f"no predictions of seed(s) {', '.join(map(str, lacking))}; the predictions have "
                                  f"seed(s) {', '.join(map(str, have)) or 'none'}")
        chosen = sorted(set(int(s) for s in wanted))
        how = "as asked"
    else:
        chosen = sorted(set(have) & set(matrix_seeds))
        how = "the matrix's seeds"
        if not chosen:
            chosen, how = have, f"none of them the matrix's (seeds {', '.join(map(str, matrix_seeds))}): held out"
    note = f"predictions of seed(s) {', '.join(map(str, chosen))} ({how}; mean over them)"
    return predictions[predictions["seed"].isin(chosen)], note


def compare(long: pd.DataFrame, predictions: pd.DataFrame, targets: Sequence[str], resamples: int,
            signal: Optional[str] = None, seed: int = 0,
            prediction_seeds: Optional[Sequence[int]] = None) -> List[TargetComparison]:
    """Every (target, signal) of one report's long table (one model and data source) against
    the predictions of that model (of the seeds :func:`choose_seeds` picks)."""
    from xtask.report import tables
    from xtask.report.bootstrap import rng_for
    from xtask.tasks import TARGET_TASKS

    signals = signals_of(check_predictions(predictions), signal)
    cells = tables.cell_table(long)
    used = tables.used_cells(cells)
    models = set(cells["model"].dropna())
    mine = predictions[predictions["model"].isin(models)]
    if not mine.empty or prediction_seeds:
        mine, seeds_note = choose_seeds(mine, _seed_set(used["seed"]), prediction_seeds)
    else:
        seeds_note = ""
    mine = mine.groupby(["signal", "target", "inter"], sort=False)["score"].mean()
    out = []
    for target in [t for t in targets if (cells["target"] == t).any()]:  # the matrix's columns with cells
        task = TARGET_TASKS.get(target)
        if task is not None and task.retrieval is not None:
            out.append(TargetComparison(target, "", SCORED_DIRECTLY,
                                        note="no phase 2: the intermediate encoder is scored directly, nothing to predict"))
            continue
        one, many = _matrix_rows(used, target)
        states = cells[cells["target"] == target]
        for name in signals:
            chosen = mine[(mine.index.get_level_values("signal") == name) & (mine.index.get_level_values("target") == target)]
            predicted = chosen.droplevel(["signal", "target"])
            if predicted.empty:
                out.append(TargetComparison(target, name, NO_PREDICTION,
                                            lacking_prediction=tuple(sorted(one.values()) + sorted(r for rs in many.values() for r in rs)),
                                            note=f"signal {name} has no prediction for {target} ({'/'.join(sorted(models))})",
                                            from_seeds=seeds_note))
                continue
            ranked = [inter for inter in predicted.index if inter in one]
            lacking_matrix = []
            for inter in predicted.index:
                if inter in many:
                    lacking_matrix.append(f"{inter} (several rows: {'; '.join(many[inter])}; the prediction names none of them)")
                elif inter not in one:
                    seen = states.loc[states["inter"] == inter, "state"]
                    lacking_matrix.append(f"{inter} ({'no cell' if seen.empty else 'no finished cell: ' + ', '.join(sorted(set(seen)))})")
            lacking_prediction = [one[i] for i in one if i not in predicted.index]
            lacking_prediction += [r for i, rs in many.items() for r in rs]
            rows = [one[i] for i in ranked]
            seeds = [used.loc[(used["target"] == target) & (used["row"] == r), "task_score"].to_numpy(float) for r in rows]
            pred = [float(predicted[i]) for i in ranked]
            true = [float(s.mean()) for s in seeds]
            base = dict(target=target, signal=name, rows=tuple(rows), predicted=tuple(pred), true=tuple(true),
                        seeds=tuple(len(s) for s in seeds), lacking_prediction=tuple(lacking_prediction),
                        lacking_matrix=tuple(lacking_matrix), from_seeds=seeds_note)
            if len(rows) < MIN_ROWS:
                out.append(TargetComparison(status=TOO_SHORT, note=f"{len(rows)} ranked row(s); a ranking needs {MIN_ROWS}",
                                            **base))
                continue
            out.append(TargetComparison(
                status=RANKED, values=metrics(pred, true), random=random_expectation(true),
                intervals=seed_intervals(pred, seeds, resamples, rng_for(seed, "prediction", target, name)), **base))
    return out


# --------------------------------------------------------------------------- rendering

COLUMNS = ["target", "signal", "status", "rows", "seeds", *[f"{m}{s}" for m in METRICS for s in ("", "_ci_low",
                                                                                                  "_ci_high", "_random")],
           "predicted_top3", "true_top3", "prediction_seeds", "lacking_prediction", "lacking_matrix", "note"]


def frame(comparisons: Sequence[TargetComparison]) -> pd.DataFrame:
    records = []
    for c in comparisons:
        record: Dict[str, object] = {"target": c.target, "signal": c.signal, "status": c.status, "rows": len(c.rows),
                                     "seeds": "/".join(map(str, c.seeds))}
        for m in METRICS:
            low, high = c.intervals.get(m, (math.nan, math.nan))
            record.update({m: c.values.get(m, math.nan), f"{m}_ci_low": low, f"{m}_ci_high": high,
                           f"{m}_random": c.random.get(m, math.nan)})
        record.update({"predicted_top3": "; ".join(c.top("predicted")) if c.rows else "",
                       "true_top3": "; ".join(c.top("true")) if c.rows else "",
                       "prediction_seeds": c.from_seeds,
                       "lacking_prediction": "; ".join(c.lacking_prediction),
                       "lacking_matrix": "; ".join(c.lacking_matrix),
                       "note": "; ".join(x for x in (c.note, c.interval_note()) if x)})
        records.append(record)
    return pd.DataFrame(records, columns=COLUMNS)


def _shown(c: TargetComparison, name: str, signed: bool = False, pct: Optional[str] = None) -> str:
    value = c.values.get(name, math.nan)
    if math.isnan(value):
        return "undefined (every row scores the same)" if name.startswith(("ndcg", "spearman")) else "n/a"
    fmt = "{:+.2f}" if signed else "{:.2f}"
    text = fmt.format(value)
    if pct is not None and not math.isnan(c.values.get(pct, math.nan)):
        text += f" ({c.values[pct]:.1f}%)"
    low, high = c.intervals.get(name, (math.nan, math.nan))
    if not math.isnan(low):
        text += f" [{fmt.format(low)}, {fmt.format(high)}]"
    rnd = c.random.get(name, math.nan)
    return text + ("" if math.isnan(rnd) else f" | random {fmt.format(rnd)}")


LEGEND = ("Per target and signal: the rows ranked by the predicted score against their finished task scores "
          "(mean over seeds, the cells the matrix uses). Spearman's rho; NDCG@3 with gain = score minus the worst "
          "ranked row's; regret@k = the best score minus the best among the k rows predicted best, in points (and % of "
          "the best; Poth et al. 2021). [..]: 95% interval over resampled seeds of each row (rows of one seed held "
          "fixed); `random`: the exact expectation for a random ranking. Ties in a prediction count as random order.")


def markdown(comparisons: Sequence[TargetComparison], model: str) -> str:
    from xtask.report.tables import markdown as table

    ranked = [c for c in comparisons if c.status == RANKED]
    lines = [f"Predicted rankings of intermediate tasks against the finished matrix ({model}).", "", LEGEND, ""]
    judged = [f"Judged: the {seeds}." for seeds in dict.fromkeys(c.from_seeds for c in comparisons) if seeds]
    lines += [*judged, ""] if judged else []
    if ranked:
        shown = pd.DataFrame(
            [{"signal": c.signal, "rows (seeds)": f"{len(c.rows)} ({'/'.join(map(str, c.seeds))})",
              "Spearman": _shown(c, "spearman", signed=True), "NDCG@3": _shown(c, f"ndcg{K_NDCG}"),
              "regret@1": _shown(c, "regret1", pct="regret1_pct"), "regret@3": _shown(c, "regret3", pct="regret3_pct"),
              "predicted top 3": ", ".join(c.top("predicted")), "true top 3": ", ".join(c.top("true"))}
             for c in ranked], index=[c.target for c in ranked])
        lines += [table(shown, "target"), ""]
    for c in comparisons:
        if c.status == SCORED_DIRECTLY:
            lines.append(f"* {c.target}: {SCORED_DIRECTLY} ({c.note}).")
        elif c.status == TOO_SHORT:
            lines.append(f"* {c.target}, {c.signal}: {TOO_SHORT}: {c.note} ({', '.join(c.rows) or 'none'}).")
        elif c.status == NO_PREDICTION:
            lines.append(f"* {c.target}: {c.note}.")
        note = c.interval_note()
        if note and c.status == RANKED:
            lines.append(f"* {c.target}, {c.signal}: {note}.")
        if c.lacking_prediction:
            lines.append(f"* {c.target}, {c.signal}: matrix rows the prediction does not rank: {', '.join(c.lacking_prediction)}.")
        if c.lacking_matrix:
            lines.append(f"* {c.target}, {c.signal}: predicted rows the matrix lacks: {', '.join(c.lacking_matrix)}.")
    if not comparisons:
        lines.append("(no target to compare)")
    return "\n".join(lines).rstrip()


def sentence(comparisons: Sequence[TargetComparison]) -> str:
    """One sentence for report.md: how the predictions fared, per signal, and where the rest is."""
    ranked = [c for c in comparisons if c.status == RANKED]
    if not ranked:
        return ("No target has 3 or more rows that both the prediction and the matrix rank, so the predictions are "
                "not judged here (compare_prediction.md lists what is missing).")
    parts = []
    for name in dict.fromkeys(c.signal for c in ranked):
        mine = [c for c in ranked if c.signal == name]
        rho = [c.values["spearman"] for c in mine if not math.isnan(c.values["spearman"])]
        regret = [c.values["regret1"] for c in mine]
        rnd = [c.random["regret1"] for c in mine]
        rho_text = f"mean Spearman {np.mean(rho):+.2f}" if rho else "Spearman undefined"
        parts.append(f"{name} over {len(mine)} target(s): {rho_text} (random 0), mean regret@1 {np.mean(regret):.2f} "
                     f"points (random {np.mean(rnd):.2f})")
    return "Predicted rankings against this matrix: " + "; ".join(parts) + " (details and intervals in compare_prediction.md)."
