"""The report's LaTeX: booktabs tables ready to ``\\input`` into a paper.

The transfer matrix is rendered from the numbers, not from the Markdown strings: the paper's
task names (ANLI+, SST-2, CSQA, POS, NER, ...), each cell ``mean`` with the seeds' standard
deviation as a subscript, the best setting of each column in bold, ``--`` where nothing
finished, and the seed count in a comment (a cell with fewer seeds than the rest says so).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Iterable, List, Optional

import pandas as pd

from xtask.report.tables import AVG, not_done_states

_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "±": r"$\pm$", "Δ": r"$\Delta$", "–": "--"}


def escape(text: object) -> str:
    out = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return "".join(_ESCAPES.get(ch, ch) for ch in out)


def setting_name(row: str) -> str:
    """``anli_plus+mlm0.25 [k=v]`` -> ``ANLI+ (+mlm0.25) [k=v]``: the task's name in the paper's
    tables (its spec's ``paper_name``; ``none`` is None); unknown names as they are."""
    from xtask.tasks import TASKS

    setting, bracket, rest = row.partition(" [")
    base, _, variant = setting.partition("+")
    name = "None" if base == "none" else "Multi-task" if base == "multitask" else (
        TASKS[base].paper_name or TASKS[base].display if base in TASKS else base)
    return name + (f" (+{variant})" if variant else "") + (f" [{rest}" if bracket else "")


def target_name(target: str) -> str:
    from xtask.tasks import TASKS

    if target == AVG:
        return "Avg"
    spec = TASKS.get(target)
    return (spec.paper_name or spec.display or target) if spec else target


def tabular(frame: pd.DataFrame, corner: str, caption: str = "", cells_are_latex: bool = False) -> str:
    """A booktabs tabular of ``frame`` (index = first column). Cells are escaped unless
    ``cells_are_latex``; the index, header and corner always are."""
    header = [escape(corner), *(escape(c) for c in frame.columns)]
    cell = (lambda v: str(v)) if cells_are_latex else escape
    body = [[escape(index), *(cell(v) for v in row)] for index, row in zip(frame.index, frame.itertuples(index=False))]
    align = "l" + "r" * len(frame.columns)

    def line(values: Iterable[str]) -> str:
        return " & ".join(values) + r" \\"

    rows = [rf"\begin{{tabular}}{{{align}}}", r"\toprule", line(header), r"\midrule", *map(line, body),
            r"\bottomrule", r"\end{tabular}", ""]
    return (f"% {caption}\n" if caption else "") + "\n".join(rows)


def transfer_matrix(stats: pd.DataFrame, rows: List[str], columns: List[str], avg: pd.Series, caption: str) -> str:
    """The transfer matrix for a paper (see the module docstring); ``stats`` as
    :func:`xtask.report.tables.cell_stats` makes it."""
    counts = [int(stats.loc[(r, c), "n"]) for r in rows for c in columns if (r, c) in stats.index]
    common = Counter(n for n in counts if n > 0).most_common(1)
    seeds = common[0][0] if common else 0
    means = pd.DataFrame(math.nan, index=rows, columns=[*columns, AVG])
    for (setting, target), row in stats.iterrows():
        if setting in means.index and target in means.columns and int(row["n"]) > 0:
            means.loc[setting, target] = float(row["mean"])
    means[AVG] = [float(avg.get(r, math.nan)) for r in rows]
    best = means.round(1).max(axis=0)

    def cell(setting: str, target: str) -> str:
        mean = means.loc[setting, target]
        if math.isnan(mean):
            not_done = str(stats.loc[(setting, target), "not_done"]) if (setting, target) in stats.index else ""
            return escape(not_done_states(not_done)) or "--"
        text = f"{mean:.1f}"
        if round(mean, 1) == best[target]:
            text = rf"\textbf{{{text}}}"
        if target == AVG:
            return text
        row = stats.loc[(setting, target)]
        if bool(row.get("partial", False)):
            text += r"$^\dagger$"
        if bool(row.get("learned_nothing", False)):
            text += r"$^{\emptyset}$"
        if int(row["n"]) > 1 and not math.isnan(float(row["std"])):
            text += rf"$_{{\pm {float(row['std']):.1f}}}$"
        if bool(row.get("deterministic", False)):
            text += r"\textsuperscript{det.}"
        elif int(row["n"]) != seeds:
            text += rf"\textsuperscript{{n={int(row['n'])}}}"
        return text

    table = pd.DataFrame(
        [[cell(r, c) for c in means.columns] for r in rows],
        index=[setting_name(r) for r in rows], columns=[target_name(c) for c in means.columns],
    )
    note = (f"{caption}: mean over {seeds} seed(s), subscript = sample std; bold = best in its column; "
            "-- = no finished seed; superscript n = a cell with another number of seeds; "
            "$\\dagger$ = averaged over a subset of the task's languages or a sample of its examples; "
            "$^{\\emptyset}$ = a seed learned nothing (see the report's notes); det. = deterministic (does not "
            "depend on the seed: one observation); Avg = the benchmark score (all its targets)")
    return tabular(table, "", note, cells_are_latex=True)


def delta_matrix(delta: pd.DataFrame, caption: str, significant: Optional[pd.DataFrame] = None) -> str:
    """Each setting minus ``none``, signed, ``--`` where either side is missing; with
    ``significant`` (True/False/NaN per cell), a significant delta gets a superscript ``*``."""

    def cell(row: str, column: str, value: float) -> str:
        if math.isnan(value):
            return "--"
        mark = significant is not None and significant.get(column, pd.Series(dtype=object)).get(row) is True
        return f"{value:+.1f}" + (r"$^{*}$" if mark else "")

    table = pd.DataFrame(
        [[cell(r, c, float(delta.loc[r, c])) for c in delta.columns] for r in delta.index],
        index=[setting_name(r) for r in delta.index], columns=[target_name(c) for c in delta.columns],
    )
    if significant is not None:
        caption += ("; $^{*}$ = significant (95% paired bootstrap, Benjamini-Hochberg over the table's deltas, "
                    "false discovery rate 5%)")
    return tabular(table, "", caption, cells_are_latex=True)
