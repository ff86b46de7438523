"""The paper's published numbers beside ours (``xtask aggregate --compare paper``).

``xtask/resources/paper/phang2020.csv`` holds Phang et al. (2020)'s numbers for XLM-R Large
under the paper's own task names; this module maps them to xtask's and lays the two side by
side for every (setting, target) that both have. A number the file leaves empty shows as ``–``:
it was not transcribed, and nothing is guessed.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

import pandas as pd

from xtask.report.tables import AVG, format_stat, markdown

PAPER_CSV = Path(__file__).resolve().parents[1] / "resources" / "paper" / "phang2020.csv"
HEADLINE = "best_per_target"  # pseudo-row of the headline gain (target ``avg``)
PAPER_MODEL = "xlmr_large"

# Names of the paper's rows and columns that are not a task's own spellings (its spec's name,
# display name, paper name and aliases, see xtask.tasks.by_alias).
SPECIAL_ROWS: Dict[str, str] = {"xlmr": "none", "xlmrlarge": "none", "none": "none", "baseline": "none",
                                "multitask": "multitask", "bestpertarget": HEADLINE, "best": HEADLINE}
SPECIAL_COLUMNS: Dict[str, str] = {"avg": AVG, "average": AVG, "xtreme": AVG}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _map(name: str, special: Mapping[str, str], what: str, path: Path, role: str) -> str:
    from xtask.tasks import TASKS, UnknownTaskError, by_alias

    if _key(name) in special:
        return special[_key(name)]
    try:
        found = by_alias(name)
    except UnknownTaskError:
        found = None
    if found is None or role not in {r.value for r in TASKS[found].roles}:
        known = sorted({*special.values(), *(n for n, t in TASKS.items() if role in {r.value for r in t.roles})})
        raise ValueError(f"{path}: unknown {what} name {name!r}; known: {', '.join(known)}")
    return found


def load_paper(path: Path = PAPER_CSV) -> pd.DataFrame:
    """``inter, target, value, split`` in xtask's names (value NaN where the file has none).

    A QA cell given as ``f1`` and ``exact_match`` rows becomes their mean (the XTREME task
    score); the ``gain`` row is the headline (inter ``best_per_target``, target ``avg``); the
    other ``best_per_target`` rows are the scores of the paper's best model per target."""
    path = Path(path)
    raw = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False, skipinitialspace=True)
    missing = {"inter", "target", "metric", "value"} - set(raw.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    raw["inter"] = [_map(n, SPECIAL_ROWS, "intermediate task", path, "inter") for n in raw["inter"]]
    raw["target"] = [_map(n, SPECIAL_COLUMNS, "target", path, "target") for n in raw["target"]]
    raw["value"] = pd.to_numeric(raw["value"].str.strip().replace("", None), errors="raise").astype(float)
    raw["split"] = raw["split"].str.strip() if "split" in raw.columns else ""
    values: Dict[Tuple[str, str], float] = {}
    splits: Dict[Tuple[str, str], str] = {}
    for (inter, target), group in raw.groupby(["inter", "target"], sort=False):
        by_metric = dict(zip(group["metric"].str.strip(), group["value"]))
        if "score" in by_metric and not math.isnan(by_metric["score"]):
            value = by_metric["score"]
        elif "gain" in by_metric:
            value = by_metric["gain"]
        elif "f1" in by_metric and "exact_match" in by_metric:
            value = (by_metric["f1"] + by_metric["exact_match"]) / 2  # NaN unless both
        else:
            value = by_metric.get("score", math.nan)
        values[(inter, target)] = value
        splits[(inter, target)] = next((s for s in group["split"] if s), "")
    return pd.DataFrame([(i, t, v, splits[(i, t)]) for (i, t), v in values.items()],
                        columns=["inter", "target", "value", "split"])


def _paper_text(value: float, signed: bool = False, split: str = "") -> str:
    if math.isnan(value):
        return "–"
    return (f"{value:+.1f}" if signed else f"{value:.1f}") + (f" ({split})" if split else "")


def compare(
    model: str,
    rows: List[str],
    columns: List[str],
    stats: pd.DataFrame,
    avg: pd.Series,
    summary: Mapping[str, float],
    paper: pd.DataFrame,
    best: Optional[pd.DataFrame] = None,
) -> Tuple[pd.DataFrame, str]:
    """``(csv frame, markdown)``: ours and the paper's number for every (setting, target) that
    both name; the paper's best model per target beside our best intermediate task per target
    (``best``: :func:`xtask.report.tables.best_per_target`'s table); the headline gain."""
    lookup = {(r.inter, r.target): r.value for r in paper.itertuples()}
    split_of = {(r.inter, r.target): r.split for r in paper.itertuples()}
    with_best = best is not None and any(i == HEADLINE and t != AVG for i, t in lookup)
    paper_rows = [r for r in rows if any(i == r for i, _ in lookup)] + ([HEADLINE] if with_best else [])
    paper_cols = [c for c in [*columns, AVG] if any(t == c for i, t in lookup if i != HEADLINE or t != AVG)]
    records = []
    shown = pd.DataFrame("", index=paper_rows, columns=paper_cols, dtype=object)
    for setting in paper_rows:
        for target in paper_cols:
            if (setting, target) not in lookup or (setting, target) == (HEADLINE, AVG):  # the gain: below
                continue
            theirs = lookup[(setting, target)]
            if setting == HEADLINE:
                mean, std, n, ours = _ours_best(best, target)
            elif target == AVG:
                mean, std, n = float(avg.get(setting, math.nan)), math.nan, 0
                ours = _paper_text(mean) if not math.isnan(mean) else "missing"
            elif (setting, target) in stats.index:
                row = stats.loc[(setting, target)]
                mean, std, n = float(row["mean"]), float(row["std"]), int(row["n"])
                ours = format_stat(mean, std, n, row["not_done"], bool(row.get("partial", False)))
            else:
                mean, std, n, ours = math.nan, math.nan, 0, "missing"
            split = split_of.get((setting, target), "")
            shown.loc[setting, target] = f"ours {ours} | paper {_paper_text(theirs, split=split)}"
            records.append({"setting": setting, "target": target, "ours_mean": mean, "ours_std": std, "ours_n": n,
                            "ours": ours, "paper": theirs, "paper_split": split, "ours_minus_paper": mean - theirs})
    theirs = lookup.get((HEADLINE, AVG), math.nan)
    ours_gain = float(summary.get("gain", math.nan))
    records.append({"setting": HEADLINE, "target": "avg_gain", "ours_mean": ours_gain, "ours_std": math.nan,
                    "ours_n": 0, "ours": _paper_text(ours_gain, signed=True), "paper": theirs,
                    "paper_split": split_of.get((HEADLINE, AVG), ""), "ours_minus_paper": ours_gain - theirs})
    frame = pd.DataFrame(records, columns=["setting", "target", "ours_mean", "ours_std", "ours_n", "ours", "paper",
                                           "paper_split", "ours_minus_paper"])
    lines = [
        f"Ours ({model}) beside Phang et al. (2020), XLM-R Large"
        + ("" if model.split(" ·")[0] == PAPER_MODEL else f" — a different model than ours ({model}): expect different levels")
        + ". Paper `–`: not transcribed in xtask/resources/paper/phang2020.csv; `(test)`: a number on XTREME's "
        "test sets, comparable with cells run with target.eval_split=test. Row `best_per_target`: our best "
        "intermediate task of each target [which one] beside the paper's best model for it.",
        "",
        markdown(shown, "inter \\ target") if paper_rows and paper_cols else "(no setting or target in common)",
        "",
        f"Best intermediate task per target, XTREME gain over none: ours {_paper_text(ours_gain, signed=True)}"
        f" | paper {_paper_text(theirs, signed=True, split=split_of.get((HEADLINE, AVG), ''))}",
    ]
    return frame, "\n".join(lines)


def _ours_best(best: Optional[pd.DataFrame], target: str) -> Tuple[float, float, int, str]:
    """(mean, std, n, text) of our best intermediate task for ``target``, named in the text."""
    if best is None or target not in best.index or not best.loc[target, "best_n"]:
        return math.nan, math.nan, 0, "missing"
    row = best.loc[target]
    mean, std, n = float(row["best_mean"]), float(row["best_std"]), int(row["best_n"])
    return mean, std, n, f"{format_stat(mean, std, n, '')} [{row['best_inter']}]"


# --------------------------------------------------------------------------- Table 2's deltas

DELTAS_CSV = PAPER_CSV.parent / "phang2020_v1_table2_deltas.csv"
DELTA_COLUMNS = ["row", "target", "ours_delta", "ci_low", "ci_high", "significant", "paper_delta", "paper_inside",
                 "paper_source"]


def load_deltas(path: Path = DELTAS_CSV) -> pd.DataFrame:
    """``inter, mlm, target, delta, source`` per target of the v1 preprint's Table 2 (dev sets):
    QA as the mean of its F1 and EM deltas (xtask's task score), ``avg`` as printed."""
    raw = pd.read_csv(path, comment="#", dtype={"delta": float, "mlm": str})
    records = []
    for (inter, mlm, target), group in raw.groupby(["inter", "mlm", "target"], sort=False):
        by_metric = dict(zip(group["metric"], group["delta"]))
        delta = (by_metric["f1"] + by_metric["exact_match"]) / 2 if "exact_match" in by_metric else next(iter(by_metric.values()))
        source = group["source"].iloc[0].split(";")[0] + f"; row {group['paper_row'].iloc[0]}; {target}, metric(s) " \
            + "+".join(group["metric"]) + "; v1 preprint"
        records.append({"inter": inter, "mlm": mlm == "yes", "target": target, "delta": float(delta), "source": source})
    return pd.DataFrame(records, columns=["inter", "mlm", "target", "delta", "source"])


def compare_deltas(deltas: pd.DataFrame, table: pd.DataFrame) -> Tuple[pd.DataFrame, str]:
    """Ours (``delta_stats`` rows against their own baseline) beside Table 2's delta for every
    (row, target) both have: a row ``X`` is the paper's X without MLM, ``X+mlm...`` with; rows
    with other variants (``X+tt(...)``, ``X [k=v]``) have no counterpart."""
    lookup = {(r.inter, r.mlm, r.target): (r.delta, r.source) for r in table.itertuples()}
    records = []
    for r in deltas.itertuples():
        if " [" in r.row:
            continue
        base, _, variant = r.row.partition("+")
        if variant and not variant.startswith("mlm"):
            continue
        found = lookup.get((base, bool(variant), r.target))
        if found is None:
            continue
        paper_delta, source = found
        inside = (r.ci_low <= paper_delta <= r.ci_high) if not math.isnan(r.ci_low) else math.nan
        records.append({"row": r.row, "target": r.target, "ours_delta": r.delta, "ci_low": r.ci_low,
                        "ci_high": r.ci_high, "significant": r.significant, "paper_delta": paper_delta,
                        "paper_inside": inside, "paper_source": source})
    frame = pd.DataFrame(records, columns=DELTA_COLUMNS)
    if frame.empty:
        return frame, "Table 2's deltas (v1 preprint): no row and target in common with ours."
    shown = pd.DataFrame("", index=list(dict.fromkeys(frame["row"])), columns=list(dict.fromkeys(frame["target"])),
                         dtype=object)
    for r in frame.itertuples():
        ours = f"{r.ours_delta:+.1f}" + ("" if math.isnan(r.ci_low) else f" [{r.ci_low:+.1f}, {r.ci_high:+.1f}]")
        verdict = "" if isinstance(r.paper_inside, float) else (" (inside)" if r.paper_inside else " (outside)")
        shown.loc[r.row, r.target] = f"ours {ours} | paper {r.paper_delta:+.1f}{verdict}"
    text = "\n".join([
        "Deltas against none beside Phang et al. (2020) **v1 preprint**, Table 2 (development sets, XLM-R Large, "
        "delta from the paper's own XLM-R baseline; QA: the mean of its F1 and EM deltas). Ours: the delta and its 95% "
        "bootstrap interval; `inside`/`outside`: whether the paper's delta lies in our interval.",
        "",
        markdown(shown, "inter \\ target"),
    ])
    return frame, text
