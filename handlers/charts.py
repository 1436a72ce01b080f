"""The progress chart: each indicator's share against its target, as a PNG for a phone.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, safe in a
worker thread). DejaVu Sans ships with matplotlib and has every Vietnamese glyph.
Floats appear only here, for drawing; every judgement comes in already made.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

MET = "#2e7d32"
NOT_MET = "#c62828"
OPEN = "#9e9e9e"  # reported, but no verdict (cannot be combined or assessed)
TARGET = "#111111"
FONT = "DejaVu Sans"
# 720 pixels across: phones scale the picture to their width, so what keeps labels
# legible is the text's size relative to the picture, not the pixel count.
LABEL_WIDTH = 30
TITLE_WIDTH = 50
WIDTH_INCHES = 6.0
ROW_INCHES = 0.6
DPI = 120


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # "3.1 Tỷ lệ phủ … cáp quang"
    value: float | None  # percent, None when no figure
    target: float | None  # percent
    met: bool | None  # None: no verdict
    value_text: str  # "58,33%" or "chưa có số liệu"


@dataclass(frozen=True, slots=True)
class Legend:
    met: str
    not_met: str
    target: str


@lru_cache(maxsize=32)
def progress_chart(title: str, bars: tuple[Bar, ...], legend: Legend) -> bytes:
    """A horizontal bar per indicator, in the order given from the top; PNG bytes.

    Drawing takes a few hundred milliseconds, most of it laying out glyphs; the same
    figures asked about again (the next official of the commune, a second look) reuse
    the picture, hence the cache on what is drawn."""
    # Unhinted glyphs draw about a fifth faster and look the same at this resolution.
    # rcParams are process-wide, which is safe because the bot handles one turn at a time.
    with rc_context({"text.hinting": "no_hinting"}):
        return _draw(title, bars, legend)


def _draw(title: str, bars: Sequence[Bar], legend: Legend) -> bytes:
    rows = max(len(bars), 1)
    title_lines = textwrap.wrap(title, TITLE_WIDTH)[:3]
    head = 0.25 + 0.28 * len(title_lines)
    foot = 0.85
    height = head + foot + ROW_INCHES * rows
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    figure.subplots_adjust(left=0.4, right=0.98, top=1 - head / height, bottom=foot / height)
    top = max([100.0, *(b.value or 0.0 for b in bars), *(b.target or 0.0 for b in bars)])
    for row, bar in enumerate(bars):
        y = rows - 1 - row
        colour = OPEN if bar.met is None else MET if bar.met else NOT_MET
        if bar.value is not None:
            axes.barh(y, bar.value, height=0.6, color=colour)
        if bar.target is not None:
            axes.plot([bar.target, bar.target], [y - 0.4, y + 0.4], color=TARGET, linewidth=2.5)
        # A figure goes right of both its bar and the target mark, where nothing is drawn;
        # a line of words without a bar starts at the axis.
        right = max(bar.value, bar.target or 0.0) if bar.value is not None else 0.0
        axes.text(
            right + top * 0.015,
            y,
            bar.value_text,
            va="center",
            ha="left",
            fontsize=10,
            fontfamily=FONT,
            color="#212121" if bar.value is not None else colour,
            fontweight="bold",
        )
    axes.set_yticks(range(rows))
    axes.set_yticklabels([_label(b.label) for b in reversed(bars)], fontsize=10, fontfamily=FONT)
    axes.set_xlim(0, top * 1.3)
    axes.set_xticks([t for t in range(0, int(top) + 1, 20)])
    axes.set_ylim(-0.6, rows - 0.4)
    axes.xaxis.set_major_formatter(lambda x, _pos: f"{x:.0f}%")
    axes.tick_params(axis="x", labelsize=9)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.text(
        0.02,
        1 - 0.12 / height,
        "\n".join(title_lines),
        va="top",
        ha="left",
        fontsize=12,
        fontweight="bold",
        fontfamily=FONT,
    )
    handles = [
        Patch(color=MET, label=legend.met),
        Patch(color=NOT_MET, label=legend.not_met),
        Line2D([0], [0], color=TARGET, linewidth=2.5, label=legend.target),
    ]
    figure.legend(
        handles=handles,
        loc="lower center",
        ncol=3,
        frameon=False,
        prop={"family": FONT, "size": 10},
    )
    out = io.BytesIO()
    # Fast compression: the file is a little larger, the answer comes sooner.
    figure.savefig(out, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return out.getvalue()


def _label(text: str) -> str:
    lines = textwrap.wrap(text, LABEL_WIDTH)
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), LABEL_WIDTH, placeholder="…")]
    return "\n".join(lines)
