"""The numbers of the report: per-(row, target) statistics over seeds, the transfer and delta
matrices, the best intermediate task per target, per-language tables; and their Markdown,
LaTeX and CSV renderings.

Conventions: a *row* is one group of cells that differ only in their seed (see
:mod:`xtask.report.collect`), named by its setting and whatever else differs; rows are ordered
``none`` first, then the registry's intermediate tasks in the paper's order, then variants.
Columns are the benchmark's targets in its order (XTREME's nine by default), then any other
target found, then ``avg`` = the benchmark score (mean of its task scores, defined only for a
row that has all of them). Scores are task scores in points (0-100). A (row, target) without a
finished seed is shown by its cells' state (``failed``, ``running``, ``predictions only``, ...)
or ``missing``, never dropped; a score averaged over a subset of the task's languages or of a
language's examples is marked ``†``, one computed by an older results version ``(stale)``.
"""

from __future__ import annotations

import math
from typing import Dict, Iterable, List, Mapping, Tuple

import pandas as pd

from xtask.tasks import INTERMEDIATE_TASKS, MULTITASK, NO_INTERMEDIATE, TARGET_TASKS
from xtask.tasks.benchmarks import BENCHMARKS, DEFAULT_BENCHMARK

AVG = "avg"
CORNER = "inter \\ target"  # the matrix's top-left cell (tests/test_sweeps.py looks for it)
PARTIAL_MARK = "†"
LEARNED_NOTHING_MARK = "∅"  # a seed's predictions collapsed to one answer, or its training loss stayed at chance
SIGNIFICANT_MARK = "*"
CHANCE_ROW = "chance (a guess)"
SCORED_STATES = ("done", "stale")
LEGEND = ("Cells: task score (points), mean ± sample std over the seeds of one configuration, then its 95% "
          "bootstrap interval in brackets where the cells' predictions are on disk (seeds and evaluation examples "
          "resampled; examples only for one seed or a `deterministic` cell, which does not depend on the seed and "
          "counts once) (n = seeds; other cells' states after ';'). "
          f"`{LEARNED_NOTHING_MARK}`: a seed learned nothing (its predictions collapsed to one answer in a language, "
          "or its training loss stayed at chance; the notes say which). Only cells that differ in nothing but the seed are averaged; a row's name says "
          f"what else differs. `{PARTIAL_MARK}`: averaged over a subset of the task's languages, or scored on a sample of "
          "a language's examples (not comparable with published numbers; the notes say which); `(stale)`: computed by an older results version; `predictions only`: the evaluation "
          "split has no labels (submit it to the leaderboard). `avg`: the benchmark score, only for a row with all "
          f"its tasks. `{CHANCE_ROW}`: what a guess scores on the same evaluations (uniform over the labels, choices or "
          "candidates; the English training set's most frequent tag; 0 for span QA and BUCC).")


def benchmark_targets(benchmark: str = DEFAULT_BENCHMARK) -> List[str]:
    return list(BENCHMARKS[benchmark])


# --------------------------------------------------------------------------- order


def row_order(rows: Iterable[str]) -> List[str]:
    """``none`` rows first (the baselines), registry tasks in the paper's order, ``multitask``,
    then variants (``base+tag``, ``base [k=v]``) grouped by their base, and unknown names."""
    registry = list(INTERMEDIATE_TASKS)

    def key(row: str) -> Tuple[int, int, str]:
        setting = row.split(" [", 1)[0]
        base, _, variant = setting.partition("+")
        rank = registry.index(base) if base in registry else len(registry) + (0 if base == MULTITASK else 1)
        if base == NO_INTERMEDIATE:
            return (0, 0, row)
        if base not in registry and base != MULTITASK:
            return (3, rank, row)
        if not variant and " [" not in row:
            return (1, rank, row)
        return (2, rank, row)

    found = set(rows)
    return sorted(found if any(r.split(" [", 1)[0] == NO_INTERMEDIATE for r in found) else found | {NO_INTERMEDIATE},
                  key=key)


def column_order(targets: Iterable[str], all_targets: bool = True, benchmark: str = DEFAULT_BENCHMARK) -> List[str]:
    """The benchmark's targets in its order (all of them by default: a missing one is a hole in
    its score; else only those present), then any other target, in the registry's order."""
    present = set(targets)
    members = benchmark_targets(benchmark)
    extra = sorted(present - set(members), key=lambda t: (list(TARGET_TASKS).index(t) if t in TARGET_TASKS else 99, t))
    return [t for t in members if all_targets or t in present] + extra


# --------------------------------------------------------------------------- statistics


def cell_table(long: pd.DataFrame) -> pd.DataFrame:
    """One row per cell (the long table has one per language)."""
    columns = ["sweep", "model", "inter", "setting", "row", "baseline", "group", "target", "seed", "seed_free",
               "task_score", "chance", "state", "partial", "dir"]
    if "chance" not in long.columns:  # a long table written before chance levels were recorded
        long = long.assign(chance=math.nan)
    if "seed_free" not in long.columns:  # ... or before cells said whether they depend on the seed
        long = long.assign(seed_free=False)
    cells = long.drop_duplicates("dir")[columns].copy()
    cells["seed_free"] = cells["seed_free"].astype(object).fillna(False).astype(bool)
    return cells


def used_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The scored cells a (row, target)'s statistics are made of: done cells, or a group's stale
    ones when it has no done cell; of a group whose cells do not depend on the seed
    (``seed_free``: no training, no sampling) only one, the lowest seed's: several seeds of one
    deterministic computation are one observation, not n independent ones."""
    scored = cells[cells["state"].isin(SCORED_STATES) & cells["task_score"].notna()]
    current_groups = set(scored.loc[scored["state"] == "done", "group"])
    used = scored[(scored["state"] == "done") | ~scored["group"].isin(current_groups)]
    free = used["seed_free"].astype(bool) if "seed_free" in used.columns else pd.Series(False, index=used.index)
    fixed = used[free].sort_values("seed").drop_duplicates("group")
    return pd.concat([used[~free], fixed]).sort_index()


def cell_stats(cells: pd.DataFrame) -> pd.DataFrame:
    """Per (row, target): mean, std (sample, ddof=1; NaN for one seed) and n over the scored
    seeds; ``not_done``: the other cells as ``"1 failed, 2 running"``; ``partial`` (any seed
    averaged over a subset of the languages); ``stale`` (the mean is of stale cells only: a
    group's current cells replace its stale ones); ``baseline``: the none row it compares with;
    ``deterministic``: its cells do not depend on the seed (one observation, n = 1, whatever
    the number of seeds run; see :func:`used_cells`)."""
    keys = ["row", "target"]
    if cells.empty:
        return pd.DataFrame(columns=["mean", "std", "n", "not_done", "partial", "stale", "baseline", "deterministic"],
                            index=pd.MultiIndex.from_tuples([], names=keys))
    if "seed_free" not in cells.columns:
        cells = cells.assign(seed_free=False)
    scored = cells[cells["state"].isin(SCORED_STATES) & cells["task_score"].notna()]
    current_groups = set(scored.loc[scored["state"] == "done", "group"])
    used = used_cells(cells)
    index = pd.MultiIndex.from_frame(cells[keys].drop_duplicates())
    stats = used.groupby(keys)["task_score"].agg(mean="mean", std="std", n="count").reindex(index)
    stats["n"] = stats["n"].fillna(0).astype(int)
    scored_elsewhere = scored.index.difference(used.index)  # a deterministic group's other seeds
    others = cells[~cells.index.isin(used.index) & ~cells.index.isin(scored_elsewhere)]
    others = others[~((others["state"] == "stale") & others["group"].isin(current_groups))]
    counts = others.groupby(keys)["state"].agg(
        lambda states: ", ".join(f"{n} {state}" for state, n in sorted(states.value_counts().items())))
    stats["not_done"] = counts.reindex(stats.index).fillna("")
    stats["partial"] = used.groupby(keys)["partial"].any().reindex(stats.index).astype(object).fillna(False).astype(bool)
    stats["stale"] = used.groupby(keys)["state"].agg(lambda s: bool(len(s)) and (s == "stale").all()).reindex(
        stats.index).astype(object).fillna(False).astype(bool)
    stats["baseline"] = cells.groupby(keys)["baseline"].first().reindex(stats.index)
    stats["deterministic"] = used.groupby(keys)["seed_free"].all().reindex(stats.index).astype(object).fillna(
        False).astype(bool)
    return stats


def chance_levels(cells: pd.DataFrame, cols: List[str], benchmark: str = DEFAULT_BENCHMARK) -> pd.Series:
    """Per target, what a guess scores on the evaluations the scored cells ran (see
    :mod:`xtask.pipeline.chance`; the mean over cells, which differ only where their language
    sets or evaluation caps do); ``avg``: the benchmark's mean when every target has one."""
    scored = cells[cells["state"].isin(SCORED_STATES) & cells["chance"].notna()]
    levels = scored.groupby("target")["chance"].mean().reindex(cols).astype(float)
    members = levels.reindex(benchmark_targets(benchmark))
    return pd.concat([levels, pd.Series({AVG: members.mean() if members.notna().all() else math.nan})])


def with_chance_row(text: pd.DataFrame, chance: pd.Series) -> pd.DataFrame:
    """The display matrix with a last row of chance levels (none when no cell has one)."""
    if chance.isna().all():
        return text
    row = pd.DataFrame([[_num(chance.get(c, math.nan)) for c in text.columns]], index=[CHANCE_ROW], columns=text.columns)
    return pd.concat([text, row])


def mean_matrix(stats: pd.DataFrame, rows: List[str], cols: List[str]) -> pd.DataFrame:
    """Rows x targets of means over scored seeds (NaN where none)."""
    if stats.empty:
        return pd.DataFrame(math.nan, index=rows, columns=cols)
    return stats["mean"].unstack("target").reindex(index=rows, columns=cols).astype(float)


def benchmark_average(means: pd.DataFrame, benchmark: str = DEFAULT_BENCHMARK) -> pd.Series:
    """Each row's benchmark score: the mean of its task scores; NaN unless all are there."""
    members = means.reindex(columns=benchmark_targets(benchmark))
    return members.mean(axis=1).where(members.notna().all(axis=1))


xtreme_average = benchmark_average


def delta_matrix(means: pd.DataFrame, avg: pd.Series, stats: pd.DataFrame) -> pd.DataFrame:
    """mean(row) - mean(its baseline row), per target and for ``avg``: a row is compared with
    the ``none`` row of the same phase-2 settings (its ``baseline``); NaN where either is missing."""
    full = means.assign(**{AVG: avg})
    delta = pd.DataFrame(math.nan, index=full.index, columns=full.columns)
    baseline_of: Dict[Tuple[str, str], str] = {k: v for k, v in stats["baseline"].items()} if not stats.empty else {}
    for row in full.index:
        for target in full.columns:
            base = baseline_of.get((row, target))
            if base is None and target == AVG:
                bases = {baseline_of.get((row, t)) for t in means.columns if (row, t) in baseline_of}
                base = bases.pop() if len(bases) == 1 else None
            if base is None:
                base = NO_INTERMEDIATE if " [" not in row else None
            if base is not None and base in full.index:
                delta.loc[row, target] = full.loc[row, target] - full.loc[base, target]
    return delta


def not_done_states(not_done: str) -> str:
    """``"1 failed, 2 running"`` (see :func:`cell_stats`) -> ``"failed/running"``; "" for none."""
    return "/".join(sorted({part.split(" ", 1)[1] for part in not_done.split(", ") if part}))


def format_stat(mean: float, std: float, n: int, not_done: str, partial: bool = False, stale: bool = False,
                deterministic: bool = False, ci: Tuple[float, float] = (math.nan, math.nan), mark: str = "") -> str:
    """``60.0 ± 10.0 [52.1, 67.3] (n=3)``, ``40.0† (n=1; 1 failed)``, ``91.4 (deterministic)``,
    or the state(s) when no seed is scored. ``ci``: the 95% bootstrap interval, shown when
    known; ``mark``: appended to the number (``∅``: learned nothing)."""
    if n == 0:
        return not_done_states(not_done) or "missing"
    text = f"{mean:.1f}" + (PARTIAL_MARK if partial else "") + mark
    text += f" ± {std:.1f}" if n > 1 and not math.isnan(std) else ""
    text += f" [{ci[0]:.1f}, {ci[1]:.1f}]" if not (math.isnan(ci[0]) or math.isnan(ci[1])) else ""
    text += " (deterministic" if deterministic else f" (n={n}"
    text += "; stale" if stale else ""
    return text + (f"; {not_done})" if not_done else ")")


def transfer_text(stats: pd.DataFrame, rows: List[str], cols: List[str], avg: pd.Series,
                  benchmark: str = DEFAULT_BENCHMARK) -> pd.DataFrame:
    """The transfer matrix as display strings, with the ``avg`` column."""
    table = pd.DataFrame("missing", index=rows, columns=[*cols, AVG], dtype=object)
    for (row, target), stat in stats.iterrows():
        if row in table.index and target in table.columns:
            table.loc[row, target] = format_stat(
                stat["mean"], stat["std"], int(stat["n"]), stat["not_done"], bool(stat["partial"]), bool(stat["stale"]),
                bool(stat.get("deterministic", False)), (float(stat.get("ci_low", math.nan)),
                                                         float(stat.get("ci_high", math.nan))),
                LEARNED_NOTHING_MARK if bool(stat.get("learned_nothing", False)) else "")
    members = benchmark_targets(benchmark)
    for row in rows:
        value = avg.get(row, math.nan)
        partial = any(bool(stats["partial"].get((row, t), False)) for t in members) if not stats.empty else False
        if not math.isnan(value):
            table.loc[row, AVG] = f"{value:.1f}" + (PARTIAL_MARK if partial else "")
        else:
            have = int(sum(stats["n"].get((row, t), 0) > 0 for t in members)) if not stats.empty else 0
            table.loc[row, AVG] = f"missing ({have}/{len(members)})"
    return table


# --------------------------------------------------------------------------- best per target


def best_per_target(means: pd.DataFrame, stats: pd.DataFrame, avg: pd.Series,
                    benchmark: str = DEFAULT_BENCHMARK) -> Tuple[pd.DataFrame, Dict[str, float]]:
    """The best intermediate row of each target, and the paper's headline number.

    Per target, the *best intermediate task* is the row other than the ``none`` rows with the
    highest mean over its scored seeds (ties: the earlier row); it is compared with its own
    baseline row. Phang et al. (2020, abstract): "using our best intermediate-task models for
    each target task, we obtain a 5.4 point improvement over XLM-R Large on the XTREME benchmark".

    Summary (NaN unless each of the benchmark's targets has the values it needs):
    ``xtreme_best``: mean over the targets of each one's best intermediate mean; ``xtreme_none``:
    the ``none`` row's benchmark score; ``gain`` = ``xtreme_best - xtreme_none``;
    ``xtreme_best_or_none`` / ``gain_best_or_none``: the same, a target keeping ``none`` where no
    intermediate task beats it.

    Unlike the paper, which picked each target's model on development data and reported test
    scores, the pick here and the score are the same numbers, so these are optimistic
    (selection bias), the more so with few seeds.
    """
    candidates = [row for row in means.index if row.split(" [", 1)[0] != NO_INTERMEDIATE]
    records = []
    for target in means.columns:
        column = means.loc[candidates, target].dropna() if candidates else pd.Series(dtype=float)
        best = str(column.idxmax()) if not column.empty else None
        base = str(stats["baseline"].get((best, target), NO_INTERMEDIATE)) if best else NO_INTERMEDIATE
        none = float(means.loc[base, target]) if base in means.index else math.nan
        best_mean = float(column.max()) if best else math.nan
        records.append({
            "target": target, "best_inter": best, "best_mean": best_mean,
            "best_std": float(stats.loc[(best, target), "std"]) if best else math.nan,
            "best_n": int(stats.loc[(best, target), "n"]) if best else 0,
            "none_mean": none, "delta": best_mean - none,
            "best_or_none": max((v for v in (best_mean, none) if not math.isnan(v)), default=math.nan),
        })
    table = pd.DataFrame(records, columns=["target", "best_inter", "best_mean", "best_std", "best_n", "none_mean",
                                           "delta", "best_or_none"]).set_index("target")
    members = table.reindex(benchmark_targets(benchmark))
    best = members["best_mean"].mean() if members["best_mean"].notna().all() else math.nan
    best_or_none = members["best_or_none"].mean() if members["best_or_none"].notna().all() else math.nan
    baseline = float(avg.get(NO_INTERMEDIATE, math.nan))
    summary = {
        "xtreme_best": float(best), "xtreme_none": baseline, "gain": float(best - baseline),
        "xtreme_best_or_none": float(best_or_none), "gain_best_or_none": float(best_or_none - baseline),
    }
    return table, summary


def best_text(table: pd.DataFrame, summary: Mapping[str, float], benchmark: str = DEFAULT_BENCHMARK) -> str:
    """Markdown: the best intermediate task per target, then the benchmark summary lines."""
    shown = pd.DataFrame(index=table.index)
    shown["best intermediate"] = table["best_inter"].fillna("missing")
    shown["score"] = [format_stat(r.best_mean, r.best_std, r.best_n, "") if r.best_n else "missing" for r in table.itertuples()]
    shown["none"] = table["none_mean"].map(_num)
    shown["Δ vs none"] = table["delta"].map(_signed)
    lines = [markdown(shown, "target"), ""]
    name = benchmark.upper().replace("_", "-")
    count = len(benchmark_targets(benchmark))
    if math.isnan(summary["xtreme_best"]) and math.isnan(summary["xtreme_best_or_none"]):
        lines.append(f"{name} score of the best intermediate task per target: n/a (needs a finished cell for each "
                     f"of the {count} targets)")
        return "\n".join(lines)
    none = f"n/a (needs all {count} none cells)"
    lines.append(f"{name} score, best intermediate task per target: {_num(summary['xtreme_best']) or 'n/a'} "
                 f"(none: {_num(summary['xtreme_none']) or none}; gain {_signed(summary['gain']) or 'n/a'})")
    lines.append(f"{name} score, best of intermediate tasks and none per target: "
                 f"{_num(summary['xtreme_best_or_none'])} (gain {_signed(summary['gain_best_or_none']) or 'n/a'})")
    return "\n".join(lines)


# --------------------------------------------------------------------------- per language


def per_language(long: pd.DataFrame, target: str, rows: List[str]) -> pd.DataFrame:
    """Rows x languages of each language's score (its share of the task score: (EM+F1)/2 for
    QA, else the task metric), mean over scored seeds; the target's languages first."""
    done = long[(long["target"] == target) & long["state"].isin(SCORED_STATES) & long["lang"].notna()]
    table = done.groupby(["row", "lang"])["lang_score"].mean().unstack("lang")
    known = list(TARGET_TASKS[target].languages) if target in TARGET_TASKS else []
    langs = [lang for lang in known if lang in table.columns] + sorted(set(table.columns) - set(known))
    return table.reindex(index=[r for r in rows if r in table.index], columns=langs)


# --------------------------------------------------------------------------- rendering


def _num(value: float) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.1f}"


def _signed(value: float) -> str:
    return "" if value is None or math.isnan(value) else f"{value:+.1f}"


def numbers(frame: pd.DataFrame, signed: bool = False) -> pd.DataFrame:
    """A numeric frame as display strings (one decimal; empty where missing)."""
    return frame.map(_signed if signed else _num)


def markdown(frame: pd.DataFrame, corner: str) -> str:
    """A GitHub Markdown table of display strings (no tabulate needed); ``|`` inside cells escaped."""

    def cell(value: object) -> str:
        text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
        return text.replace("|", "\\|")

    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join([corner, *cols]) + " |", "|" + "---|" * (len(cols) + 1)]
    for index, row in frame.iterrows():
        lines.append("| " + " | ".join([cell(index), *(cell(v) for v in row)]) + " |")
    return "\n".join(lines)
