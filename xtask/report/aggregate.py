"""``xtask aggregate``: every cell of a grid -> the tables and figure of a paper.

Collects the cells' results into one long table (:mod:`xtask.report.collect`), then, per report
(one per model and data source: they are never averaged together), builds and writes:

* ``transfer_matrix.{csv,md,tex}``: mean ± std [95% bootstrap interval] (n) over seeds, ``avg``
  = XTREME score; ``transfer_stats.csv``: the same numbers unformatted (``ci_low``, ``ci_high``,
  ``ci_method``); ``cell_intervals.csv``: each cell and language's interval;
  ``chance_levels.csv``: what a guess scores per target (also the Markdown matrix's last row);
* ``delta_stats.csv``: each delta's interval, p-value and significance after Benjamini-Hochberg
  (see :mod:`xtask.report.stats`); significant deltas are marked ``*`` in the delta matrices;
* ``score_heatmap.png``: the transfer matrix's means as a picture;
* ``delta_matrix.{csv,md,tex}`` and ``delta_heatmap.png``: each row minus its ``none`` row (a
  grid without ``none`` cells borrows each cell's inter=none twin from the cell store when it
  was run there: same model, target, data, phase-2 settings and seed);
* ``best_per_target.{csv,md}``: the best intermediate task per target and the XTREME score of
  picking it (see :func:`xtask.report.tables.best_per_target` for exactly what is computed);
* ``per_language/TARGET.{csv,md}``: rows x languages, and ``TARGET_delta.png`` (minus ``none``);
* ``compare_prediction.{csv,md}`` with ``--compare prediction``: each target's predicted ranking of
  intermediate tasks (``xtask predict``) against this matrix (:mod:`xtask.predict.quality`);
* ``compare_paper.{csv,md}`` with ``--compare`` (and ``compare_paper_deltas.csv``: the v1
  preprint's Table 2 deltas beside ours and our intervals); ``report.md``: all of it on one page.

The intervals and tests read each cell's prediction and label files (docs/statistics.md) and
keep what they read in the cell's ``stats/`` folder for the next report.

``cells_long.csv`` (and ``.parquet`` on request) is written once for all models.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from xtask.atomic import write_text_atomic
from xtask.report import bootstrap, heatmap, latex, tables
from xtask.report import stats as stats_module
from xtask.report.tables import AVG, CORNER, LEARNED_NOTHING_MARK, LEGEND, NO_INTERMEDIATE, SIGNIFICANT_MARK
from xtask.tasks.benchmarks import DEFAULT_BENCHMARK

log = logging.getLogger(__name__)

DELTA_LEGEND = (f"Each delta is the row's mean minus its baseline row's, then its 95% bootstrap interval; "
                f"`{SIGNIFICANT_MARK}`: significant after Benjamini-Hochberg over the matrix's deltas (false discovery "
                "rate 5%); `delta_stats.csv` has each p-value. The heatmap hatches the deltas that are not significant.")
METHOD = ("**How the intervals and tests are computed.** Each interval is a 95% percentile bootstrap ({resamples} "
          "resamples) that recomputes the task's own metric on evaluation examples resampled within each language "
          "(sentences for tagging, questions for QA, source sentences for BUCC) and, for several seeds, resamples the "
          "seeds too; a single seed or a deterministic cell gets an example-only interval. Each delta is tested by a "
          "paired bootstrap over the same examples (and the same seeds where both rows have them), with a two-sided "
          "p-value from its bootstrap standard error, corrected for the number of deltas by Benjamini-Hochberg "
          "(docs/statistics.md).")


@dataclass
class Report:
    """One report's aggregate (one model and data source): the numbers and their renderings."""

    model: str  # the report's label: model, data source (see collect.report_key)
    long: pd.DataFrame
    stats: pd.DataFrame
    rows: List[str]
    columns: List[str]
    means: pd.DataFrame
    avg: pd.Series
    text: pd.DataFrame
    delta: pd.DataFrame
    best: pd.DataFrame
    summary: Dict[str, float]
    per_language: Dict[str, pd.DataFrame]
    benchmark: str = DEFAULT_BENCHMARK
    chance: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    notes: List[str] = field(default_factory=list)
    out: Optional[Path] = None
    compare_md: Optional[str] = None
    prediction_md: Optional[str] = None  # with --compare prediction (xtask/predict/quality.py)
    prediction_sentence: Optional[str] = None
    analysis: Optional[stats_module.Analysis] = None

    @property
    def delta_stats(self) -> pd.DataFrame:
        """The tests of the delta matrix (its own baselines; ``--baseline`` rows are extra)."""
        if self.analysis is None:
            return pd.DataFrame(columns=stats_module.DELTA_COLUMNS)
        return self.analysis.deltas

    def significance(self) -> pd.DataFrame:
        """The delta matrix's shape: True/False where tested against the row's own baseline, NaN where not."""
        out = pd.DataFrame(math.nan, index=self.delta.index, columns=self.delta.columns, dtype=object)
        tests = self.delta_stats
        for r in tests.itertuples():
            own = r.target == AVG or self.stats["baseline"].get((r.row, r.target)) == r.baseline
            if own and r.row in out.index and r.target in out.columns and isinstance(r.significant, (bool, np.bool_)):
                out.loc[r.row, r.target] = bool(r.significant)
        return out

    def delta_text(self) -> pd.DataFrame:
        """The delta matrix as display strings: ``+2.3* [+0.4, +4.2]`` (``*``: significant)."""
        text = tables.numbers(self.delta, signed=True)
        tests = self.delta_stats
        marks = self.significance()
        for r in tests.itertuples():
            if r.row in text.index and r.target in text.columns and marks.loc[r.row, r.target] in (True, False):
                interval = "" if math.isnan(r.ci_low) else f" [{r.ci_low:+.1f}, {r.ci_high:+.1f}]"
                text.loc[r.row, r.target] += (SIGNIFICANT_MARK if marks.loc[r.row, r.target] is True else "") + interval
        return text

    @property
    def matrix_md(self) -> str:
        return tables.markdown(tables.with_chance_row(self.text, self.chance), CORNER)

    @property
    def best_md(self) -> str:
        return tables.best_text(self.best, self.summary, self.benchmark)

    def console(self) -> str:
        """What a terminal shows: the matrix, then the notes."""
        parts = [f"## {self.model}", self.matrix_md]
        parts += [f"note: {note}" for note in self.notes]
        return "\n\n".join(parts)

    def unfinished_states(self) -> List[str]:
        """The state of each cell that has no score (failed, running, ...), one entry per cell."""
        cells = tables.cell_table(self.long)
        return list(cells.loc[~cells["state"].isin(tables.SCORED_STATES), "state"])


def build(long: pd.DataFrame, label: str, all_targets: bool = True, benchmark: str = DEFAULT_BENCHMARK,
          resamples: int = bootstrap.RESAMPLES, baselines: Optional[List[str]] = None) -> Report:
    """The report of one report's rows of the long table (``all_targets``: a column for each of
    the benchmark's targets even without cells, else only the targets the cells have);
    ``resamples``: of the bootstrap (0: no intervals or tests); ``baselines``: rows every other
    row is also tested against (``--baseline``)."""
    cells = tables.cell_table(long)
    stats = tables.cell_stats(cells)
    analysis = None
    if resamples > 0 and not stats.empty:
        analysis = stats_module.analyse(long, cells, stats, benchmark, resamples, baselines=baselines)
        stats = stats.join(analysis.intervals)
        flagged = set(analysis.learned_nothing)
        used = tables.used_cells(cells)
        stats["learned_nothing"] = used.assign(flag=used["dir"].isin(flagged)).groupby(["row", "target"])["flag"].any(
        ).reindex(stats.index).astype(object).fillna(False).astype(bool)
    rows = tables.row_order(cells["row"])
    columns = tables.column_order(cells["target"], all_targets, benchmark)
    means = tables.mean_matrix(stats, rows, columns)
    avg = tables.benchmark_average(means, benchmark)
    best, summary = tables.best_per_target(means, stats, avg, benchmark)
    report = Report(
        model=label, long=long, stats=stats, rows=rows, columns=columns, means=means, avg=avg,
        text=tables.transfer_text(stats, rows, columns, avg, benchmark), delta=tables.delta_matrix(means, avg, stats),
        best=best, summary=summary, benchmark=benchmark, chance=tables.chance_levels(cells, columns, benchmark),
        per_language={t: tables.per_language(long, t, rows) for t in columns if (long["target"] == t).any()},
        analysis=analysis,
    )
    report.notes.extend(_learned_nothing_notes(analysis))
    report.notes.extend(_interval_notes(stats))
    report.notes.extend(_baseline_notes(means, stats))
    report.notes.extend(_left_out_notes(long))
    return report


def _baseline_notes(means: pd.DataFrame, stats: pd.DataFrame) -> List[str]:
    """Targets that other rows have but their ``none`` baseline has not: no delta, no gain; say how to fix it."""
    lacking = []
    for (row, target), stat in stats.iterrows():
        base = stat["baseline"]
        if row.split(" [", 1)[0] != NO_INTERMEDIATE and stat["n"] > 0 and (
                base not in means.index or target not in means.columns or pd.isna(means.loc[base, target])):
            lacking.append(target)
    lacking = list(dict.fromkeys(lacking))
    if not lacking:
        return []
    return [f"no finished inter=none baseline for {', '.join(lacking)}, so no delta or gain there: run "
            f"`python launch.py -m inter=none target={','.join(lacking)}` with this grid's seeds and other "
            "overrides; reports find such cells in the cell store from then on"]


def _learned_nothing_notes(analysis: Optional[stats_module.Analysis]) -> List[str]:
    """One note per cell that learned nothing (``∅`` in the matrix), with why."""
    if analysis is None:
        return []
    return [f"{LEARNED_NOTHING_MARK} {Path(folder).name} learned nothing: {'; '.join(why)}"
            for folder, why in sorted(analysis.learned_nothing.items())]


def _interval_notes(stats: pd.DataFrame) -> List[str]:
    """Why some entries have no interval (no predictions on disk, ...), one line per reason."""
    if "ci_method" not in stats.columns:
        return []
    lacking = stats[stats["ci_method"].str.startswith("none")]
    if lacking.empty:
        return []
    reasons = dict.fromkeys(m.split(": ", 1)[1] for m in lacking["ci_method"])
    return [f"no interval or test for {len(lacking)} entr{'y' if len(lacking) == 1 else 'ies'} of the matrix: "
            + "; ".join(list(reasons)[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")]


def _left_out_notes(long: pd.DataFrame) -> List[str]:
    """Why a target's scores are partial: the languages left out, and why; the samples scored
    (one line per target)."""
    cells = long.drop_duplicates("dir")
    out = []
    for target, part in cells[cells["left_out"].fillna("") != ""].groupby("target"):
        out.append(f"{target}: {tables.PARTIAL_MARK} scores {part['left_out'].iloc[0]}")
    return out


def build_all(long: pd.DataFrame, all_targets: bool = True, benchmark: str = DEFAULT_BENCHMARK,
              resamples: int = bootstrap.RESAMPLES, baselines: Optional[List[str]] = None) -> List[Report]:
    """One report per model and data source, in order of appearance."""
    return [build(long[long["report"] == key], str(key), all_targets, benchmark, resamples, baselines)
            for key in dict.fromkeys(long["report"].fillna("unknown"))]


# --------------------------------------------------------------------------- writing


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text if text.endswith("\n") else text + "\n")
    return path


def _csv(frame: pd.DataFrame, path: Path, index_label: Optional[str]) -> Path:
    return _write(path, frame.to_csv(index=index_label is not None, index_label=index_label))


def write_long(long: pd.DataFrame, out: Path, fmt: str = "csv") -> List[Path]:
    """``cells_long.csv``, plus ``cells_long.parquet`` when asked for and pyarrow is importable."""
    written = [_csv(long, out / "cells_long.csv", None)]
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            log.warning("--format parquet needs pyarrow (pip install pyarrow): wrote cells_long.csv only")
        else:
            long.to_parquet(out / "cells_long.parquet", index=False)
            written.append(out / "cells_long.parquet")
    return written


def write(report: Report, out: Path, paper: Optional[pd.DataFrame] = None,
          prediction: Optional[PredictionCompare] = None) -> List[Path]:
    """Write one model's report into ``out``; returns the files written. ``prediction``: the
    stored predictions to judge against this matrix (``--compare prediction``)."""
    from xtask.report import paper as paper_module

    report.out = out
    title = f"model {report.model}"
    delta_text = report.delta_text()
    significant = report.significance()
    files = [
        _csv(report.text, out / "transfer_matrix.csv", "inter"),
        _write(out / "transfer_matrix.md", report.matrix_md + "\n\n" + LEGEND),
        _write(out / "transfer_matrix.tex", latex.transfer_matrix(report.stats, report.rows, report.columns, report.avg,
                                                                  f"Transfer matrix, {title}")),
        _csv(report.stats.reset_index(), out / "transfer_stats.csv", None),
        _csv(report.chance.rename("chance").to_frame(), out / "chance_levels.csv", "target"),
        _csv(report.delta, out / "delta_matrix.csv", "inter"),
        _write(out / "delta_matrix.md", tables.markdown(delta_text, CORNER)),
        _write(out / "delta_matrix.tex", latex.delta_matrix(report.delta, f"Delta vs none, {title}", significant)),
        _csv(report.delta_stats, out / "delta_stats.csv", None),
        heatmap.draw(report.delta, out / "delta_heatmap.png",
                     f"Intermediate-task training minus none ({report.model}; task score, points)",
                     empty_message="no delta: no finished inter=none cells\nfor these targets (see report.md, Notes)",
                     significant=significant),
        heatmap.draw_scores(report.means.assign(**{AVG: report.avg}), out / "score_heatmap.png",
                            f"Transfer matrix ({report.model}; task score, mean over seeds)"),
        _csv(report.best, out / "best_per_target.csv", "target"),
        _write(out / "best_per_target.md", report.best_md),
    ]
    if report.analysis is not None:
        files.append(_csv(report.analysis.languages, out / "cell_intervals.csv", None))
    summary = pd.DataFrame([report.summary])
    files.append(_csv(summary, out / "best_per_target_summary.csv", None))
    for target, frame in report.per_language.items():
        files.append(_csv(frame, out / "per_language" / f"{target}.csv", "inter"))
        files.append(_write(out / "per_language" / f"{target}.md", tables.markdown(tables.numbers(frame), "inter \\ lang")))
        delta = per_language_delta(report, target, frame)
        if delta is not None:  # where transfer helps, language by language
            files.append(heatmap.draw(
                delta, out / "per_language" / f"{target}_delta.png",
                f"{target}: intermediate-task training minus none, per language ({report.model})",
                xlabel="language"))
    if paper is not None:
        frame, text = paper_module.compare(report.model, report.rows, report.columns, report.stats, report.avg,
                                           report.summary, paper, best=report.best)
        if report.analysis is not None:
            tests = report.delta_stats
            own = [b == report.stats["baseline"].get((r, t)) or (t == AVG and b.split(" [", 1)[0] == NO_INTERMEDIATE)
                   for r, t, b in zip(tests["row"], tests["target"], tests["baseline"])]
            deltas, deltas_text = paper_module.compare_deltas(tests[own], paper_module.load_deltas())
            text += "\n\n" + deltas_text
            files.append(_csv(deltas, out / "compare_paper_deltas.csv", None))
        report.compare_md = text
        files.append(_csv(frame, out / "compare_paper.csv", None))
        files.append(_write(out / "compare_paper.md", text))
    if prediction is not None:
        files += _write_prediction(report, out, prediction)
    files.append(_write(out / "report.md", _page(report, delta_text)))
    return files


@dataclass(frozen=True)
class PredictionCompare:
    """What ``--compare prediction`` judges: the stored predictions, one signal or all, resamples."""

    predictions: pd.DataFrame
    signal: Optional[str] = None
    resamples: int = bootstrap.RESAMPLES
    seeds: Optional[Tuple[int, ...]] = None  # --prediction-seeds: judge these seeds' predictions only


def _write_prediction(report: Report, out: Path, prediction: PredictionCompare) -> List[Path]:
    """``compare_prediction.{md,csv}``: each target's predicted ranking against this matrix."""
    from xtask.predict import quality

    found = quality.compare(report.long, prediction.predictions, report.columns, prediction.resamples,
                            prediction.signal, prediction_seeds=prediction.seeds)
    report.prediction_md = quality.markdown(found, report.model)
    report.prediction_sentence = quality.sentence(found)
    return [_csv(quality.frame(found), out / "compare_prediction.csv", None),
            _write(out / "compare_prediction.md", report.prediction_md)]


def per_language_delta(report: Report, target: str, frame: pd.DataFrame) -> Optional[pd.DataFrame]:
    """Each non-none row's per-language scores minus its baseline row's; None when there is none."""
    rows = {}
    for row in frame.index:
        base = report.stats["baseline"].get((row, target)) if not report.stats.empty else None
        if row.split(" [", 1)[0] != NO_INTERMEDIATE and base in frame.index:
            rows[row] = frame.loc[row] - frame.loc[base]
    return pd.DataFrame(rows).T.reindex(columns=frame.columns) if rows else None


def _page(report: Report, delta_text: pd.DataFrame) -> str:
    parts = [
        f"# Aggregate report: {report.model}",
        f"{report.long['dir'].nunique()} cells, {int((tables.cell_table(report.long)['state'] == 'done').sum())} done; "
        f"benchmark {report.benchmark}.",
        "## Transfer matrix", report.matrix_md, LEGEND, "![transfer matrix](score_heatmap.png)",
        "## Delta against none", tables.markdown(delta_text, CORNER), DELTA_LEGEND,
        "![delta heatmap](delta_heatmap.png)", METHOD.format(resamples=report.analysis.resamples if report.analysis else 0),
        "## Best intermediate task per target", report.best_md,
    ]
    pictures = [f"![{t}](per_language/{t}_delta.png)" for t, frame in report.per_language.items()
                if per_language_delta(report, t, frame) is not None]
    if pictures:
        parts += ["## Per language, minus none", "\n\n".join(pictures)]
    if report.compare_md:
        parts += ["## Compared with Phang et al. (2020)", report.compare_md]
    if report.prediction_sentence:
        parts += ["## Predicted rankings", report.prediction_sentence]
    if report.notes:
        parts += ["## Notes", "\n".join(f"* {note}" for note in report.notes)]
    return "\n\n".join(parts)


def run(
    long: pd.DataFrame, out: Path, fmt: str = "csv", compare: Optional[str] = None, all_targets: bool = True,
    notes: Optional[List[str]] = None, benchmark: str = DEFAULT_BENCHMARK, resamples: int = bootstrap.RESAMPLES,
    baselines: Optional[List[str]] = None, prediction: Optional[PredictionCompare] = None,
) -> List[Report]:
    """Build and write every report under ``out`` (``out/<report>/`` when there are several);
    ``compare``: ``paper`` or a CSV in its layout; ``prediction``: stored predictions to judge."""
    from xtask.report import paper as paper_module

    paper = None
    if compare:
        paper = paper_module.load_paper(paper_module.PAPER_CSV if compare == "paper" else Path(compare))
    out = Path(out)
    long = long.assign(report=long["report"].fillna("unknown"))
    write_long(long, out, fmt)
    reports = build_all(long, all_targets, benchmark, resamples, baselines)
    for report in reports:
        report.notes[:0] = list(notes or [])
        write(report, out if len(reports) == 1 else out / _safe(report.model), paper, prediction)
    return reports


def aggregate_paths(paths: List[Path], out: Path, all_targets: bool = True, borrow: bool = True,
                    benchmark: str = DEFAULT_BENCHMARK, fmt: str = "csv", compare: Optional[str] = None) -> List[Report]:
    """Find the cells under ``paths``, then :func:`run` (the multirun end and ``xtask aggregate``)."""
    from xtask.report import collect

    long, notes = collect.load_long(paths, borrow=borrow)
    if long.empty:
        return []
    return run(long, out, fmt, compare, all_targets, notes, benchmark)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:80] or "report"
