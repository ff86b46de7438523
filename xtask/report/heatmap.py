"""Matrices as heatmap PNGs: the delta matrix (where intermediate training helps, blue, or hurts,
red) and the transfer matrix itself.

Drawn on a bare ``matplotlib.figure.Figure`` (no pyplot, no GUI backend), so it works inside a
Hydra callback or on a headless node. The delta's colour scale is centred on 0 and symmetric, so
equal gains and losses get equally strong colours; the scores' scale is sequential. Missing cells
are grey and unannotated; a matrix with no value at all says why in the picture.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Callable, Optional, Tuple

import numpy as np
import pandas as pd

DPI = 100
# Pixel budget per column / row plus room for labels, title and colour bar.
COL_PX, ROW_PX, MARGIN_W_PX, MARGIN_H_PX = 80, 40, 300, 180
# Width of one title character at fontsize 10 (DejaVu Sans averages ~6 px; some margin for wide
# letters): a title longer than the figure is wrapped, never cut at the figure's edges.
TITLE_CHAR_PX = 7
# The delta scale's smallest half-range, in points: a delta this large is the strongest colour.
MIN_RANGE = 5.0


def size_px(n_rows: int, n_cols: int) -> Tuple[int, int]:
    """The PNG's (width, height) in pixels for a matrix of that shape."""
    return MARGIN_W_PX + COL_PX * n_cols, MARGIN_H_PX + ROW_PX * n_rows


def delta_range(values: np.ndarray) -> float:
    """The colour scale's half-range: at least :data:`MIN_RANGE` points (so that +0.3 is pale, not
    the strongest blue), else the largest |delta| rounded up to a whole point."""
    finite = values[np.isfinite(values)]
    largest = float(np.abs(finite).max()) if finite.size else 0.0
    return float(max(MIN_RANGE, math.ceil(largest)))


def draw(delta: pd.DataFrame, path: Path, title: str, empty_message: str = "no values",
         xlabel: str = "target task", significant: Optional[pd.DataFrame] = None) -> Path:
    """Write ``delta`` (rows x columns of score differences, NaN = missing) as a PNG, on a
    symmetric scale of ±:func:`delta_range` points (stated on the colour bar); with
    ``significant`` (True/False/NaN per cell), the deltas tested and not significant are hatched
    and greyed."""
    from matplotlib.colors import TwoSlopeNorm

    limit = delta_range(delta.to_numpy(dtype=float))
    norm = TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit)
    hatched = None
    if significant is not None:
        hatched = significant.reindex(index=delta.index, columns=delta.columns).map(lambda v: v is False).to_numpy(bool)
    if hatched is not None and hatched.any():
        title += "; hatched: not significant (paired bootstrap, Benjamini-Hochberg 5%)"
    # RdBu is dark at both ends.
    return _draw(delta, path, title, _cmap("RdBu"), norm, "{:+.1f}", f"Δ vs none (points; scale ±{limit:g})", empty_message,
                 dark=lambda shade: abs(shade - 0.5) > 0.3, xlabel=xlabel, hatched=hatched)


def draw_scores(means: pd.DataFrame, path: Path, title: str) -> Path:
    """Write ``means`` (rows x columns of task scores in points, NaN = missing) as a PNG."""
    from matplotlib.colors import Normalize

    finite = means.to_numpy(dtype=float)
    finite = finite[np.isfinite(finite)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 100.0)
    norm = Normalize(vmin=low, vmax=high if high > low else low + 1.0)
    # viridis runs from dark purple to light yellow.
    return _draw(means, path, title, _cmap("viridis"), norm, "{:.1f}", "task score (points)", "no finished cells",
                 dark=lambda shade: shade < 0.6)


def _draw(frame: pd.DataFrame, path: Path, title: str, cmap, norm, fmt: str, bar_label: str,
          empty_message: str, dark: Callable[[float], bool], xlabel: str = "target task",
          hatched: Optional[np.ndarray] = None) -> Path:
    fig = _figure(frame, title, cmap, norm, fmt, bar_label, empty_message, dark, xlabel, hatched)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def _figure(frame: pd.DataFrame, title: str, cmap, norm, fmt: str, bar_label: str,
            empty_message: str, dark: Callable[[float], bool], xlabel: str = "target task",
            hatched: Optional[np.ndarray] = None):
    """The common drawing; ``dark(shade)`` says when a cell's colour needs white text;
    ``hatched`` cells are veiled in grey and hatched (not significant)."""
    from matplotlib.patches import Rectangle

    from matplotlib.figure import Figure

    values = frame.to_numpy(dtype=float)
    width, height = size_px(*values.shape)
    # +0.5 px: the Agg canvas truncates width*dpi, and e.g. 10.3 * 100 can be 1029.999...
    fig = Figure(figsize=((width + 0.5) / DPI, (height + 0.5) / DPI), dpi=DPI)
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
    ax.set_xticks(range(values.shape[1]), labels=[str(c) for c in frame.columns], rotation=45, ha="right",
                  rotation_mode="anchor")
    ax.set_yticks(range(values.shape[0]), labels=[str(r) for r in frame.index])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("intermediate task")
    for (i, j), value in np.ndenumerate(values):
        if math.isfinite(value):
            veiled = hatched is not None and bool(hatched[i, j])
            if veiled:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#e0e0e0", alpha=0.7, hatch="///",
                                       edgecolor="#808080", linewidth=0))
            ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=8,
                    color="white" if dark(float(norm(value))) and not veiled else "black")
    if not np.isfinite(values).any():
        ax.text(0.5, 0.5, empty_message, transform=ax.transAxes, ha="center", va="center", fontsize=9,
                bbox={"facecolor": "white", "edgecolor": "#999999"})
    # Centred on the figure, not on the axes (which the labels and colour bar push off-centre).
    fig.suptitle(textwrap.fill(title, width=max(20, (width - 20) // TITLE_CHAR_PX)), fontsize=10)
    fig.colorbar(image, ax=ax, label=bar_label, shrink=0.9)
    fig.tight_layout()
    # tight_layout leaves a do-nothing layout engine behind, for which savefig would lay every
    # text out once more before drawing it (a sixth of the time; the same pixels without it).
    fig.set_layout_engine(None)
    return fig


def _cmap(name: str):  # -> matplotlib.colors.Colormap
    from matplotlib import colormaps

    # RdBu: red = worse than none, blue = better; viridis for scores (both colour-blind safe);
    # missing cells grey.
    return colormaps[name].with_extremes(bad="#d9d9d9")
