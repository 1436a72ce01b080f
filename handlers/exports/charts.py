"""The progress chart: each indicator's share against its target, as a PNG for a phone.

Drawn with Pillow: every shape here is an upright rectangle, so a plotting library buys
nothing, and matplotlib spent about 150 ms a chart laying out its text objects, which put
the first progress answer over its 200 ms budget. The font is DejaVu Sans (free licence,
handlers/exports/fonts/LICENSE_DEJAVU), shipped with the package because it has every Vietnamese
glyph and a fresh machine may have no fonts at all.
Floats appear only here, for drawing; every judgement comes in already made.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

MET = "#2e7d32"
NOT_MET = "#c62828"
OPEN = "#9e9e9e"  # reported, but no verdict (cannot be combined or assessed)
TARGET = "#111111"
INK = "#212121"  # the figures, a shade softer than the words
BLACK = "#000000"
BACKGROUND = "#ffffff"
# 720 pixels across: phones scale the picture to their width, so what keeps labels
# legible is the text's size relative to the picture, not the pixel count. Sizes are
# those of the earlier matplotlib chart (6 inches at 120 dpi, 10 pt text) to keep its look.
WIDTH = 720
MARGIN = 12
LABEL_RIGHT = 274  # labels end here, right-aligned, a tick's length before the axis
PLOT_LEFT = 288
PLOT_RIGHT = 706
ROW = 72
BAR = 43
MARK = 58
MARK_WIDTH = 4
TICK = 6
TICK_SPACING = 56  # "100%" at TICK_SIZE is about 40 pixels wide
TITLE_STEP = 26
HEAD_PAD = 36
FOOT = 102
TEXT_SIZE = 17
TITLE_SIZE = 20
TICK_SIZE = 15
LINE_GAP = 4
LABEL_LINES = 2
TITLE_LINES = 3
SWATCH = 36
SWATCH_HEIGHT = 16
SWATCH_GAP = 10
ENTRY_GAP = 32

# FreeType faces are not safe to share between threads, and the chart is drawn in a
# worker thread (asyncio.to_thread); drawing takes milliseconds, so one at a time is fine.
_LOCK = threading.Lock()


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


def _font_file(bold: bool = False) -> Path:
    return (
        Path(__file__).resolve().parent
        / "fonts"
        / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    )


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    # Basic layout: the text is composed to precomposed letters first, which DejaVu Sans
    # has for all of Vietnamese, so shaping (Raqm) would only cost time.
    return ImageFont.truetype(str(_font_file(bold)), size, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=32)
def progress_chart(title: str, bars: tuple[Bar, ...], legend: Legend) -> bytes:
    """A horizontal bar per indicator, in the order given from the top; PNG bytes.

    The same figures asked about again (the next official of the commune, a second look)
    reuse the picture, hence the cache on what is drawn."""
    with _LOCK:
        return _draw(title, bars, legend)


def _draw(title: str, bars: Sequence[Bar], legend: Legend) -> bytes:
    title_font = font(TITLE_SIZE, True)
    title_lines = _wrap(_nfc(title), title_font, WIDTH - 2 * MARGIN, TITLE_LINES)
    plot_top = MARGIN + TITLE_STEP * len(title_lines) + HEAD_PAD
    plot_bottom = plot_top + ROW * max(len(bars), 1)
    image = Image.new("RGB", (WIDTH, plot_bottom + FOOT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(title_lines):
        draw.text((MARGIN, MARGIN + TITLE_STEP * n), line, BLACK, title_font)
    top = max([100.0, *(b.value or 0.0 for b in bars), *(b.target or 0.0 for b in bars)])
    # Room right of the longest bar for its figure.
    scale = (PLOT_RIGHT - PLOT_LEFT) / (top * 1.3)
    for row, bar in enumerate(bars):
        _row(draw, bar, plot_top + ROW * row + ROW // 2, top, scale)
    _axes(draw, plot_top, plot_bottom, top, scale)
    _legend(draw, legend, plot_bottom + FOOT - 30)
    out = io.BytesIO()
    # Fast compression: the file is a little larger, the answer comes sooner.
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _row(draw: ImageDraw.ImageDraw, bar: Bar, middle: int, top: float, scale: float) -> None:
    colour = OPEN if bar.met is None else MET if bar.met else NOT_MET
    if bar.value is not None and (end := _x(bar.value, scale) - 1) >= PLOT_LEFT:
        draw.rectangle((PLOT_LEFT, middle - BAR // 2, end, middle + BAR // 2), colour)
    if bar.target is not None:
        left = _x(bar.target, scale) - MARK_WIDTH // 2
        right = left + MARK_WIDTH - 1
        draw.rectangle((left, middle - MARK // 2, right, middle + MARK // 2), TARGET)
    bold = font(TEXT_SIZE, True)
    # A figure goes right of both its bar and the target mark, where nothing is drawn;
    # a line of words without a bar starts at the axis, over the mark if it must be, so
    # a white rim keeps it readable.
    if bar.value is not None:
        at = _x(max(bar.value, bar.target or 0.0) + top * 0.015, scale) + MARK_WIDTH // 2
        draw.text((at, middle), _nfc(bar.value_text), INK, bold, "lm")
    else:
        draw.text((PLOT_LEFT + 6, middle), _nfc(bar.value_text), colour, bold, "lm",
                  stroke_width=2, stroke_fill=BACKGROUND)  # fmt: skip
    draw.line((PLOT_LEFT - TICK, middle, PLOT_LEFT - 1, middle), BLACK)
    text = font(TEXT_SIZE)
    lines = _wrap(_nfc(bar.label), text, LABEL_RIGHT - MARGIN // 2, LABEL_LINES)
    first = middle - (len(lines) * (TEXT_SIZE + LINE_GAP) - LINE_GAP) // 2
    for n, line in enumerate(lines):
        draw.text((LABEL_RIGHT, first + n * (TEXT_SIZE + LINE_GAP)), line, BLACK, text, "ra")


def _axes(draw: ImageDraw.ImageDraw, plot_top: int, plot_bottom: int, top: float,
          scale: float) -> None:  # fmt: skip
    """A left spine and a bottom one with ticks every 20%, past 100% when a value is; wider
    steps when a value far past 100% would crowd the tick labels together."""
    draw.line((PLOT_LEFT - 1, plot_top, PLOT_LEFT - 1, plot_bottom), BLACK)
    draw.line((PLOT_LEFT - 1, plot_bottom, PLOT_RIGHT, plot_bottom), BLACK)
    step = 20
    while step * scale < TICK_SPACING:
        step = {20: 25, 25: 50}.get(step, step * 2)
    small = font(TICK_SIZE)
    for percent in range(0, int(top) + 1, step):
        at = _x(percent, scale) - (1 if percent == 0 else 0)  # on the spine
        draw.line((at, plot_bottom, at, plot_bottom + TICK), BLACK)
        draw.text((at, plot_bottom + TICK + 3), f"{percent}%", BLACK, small, "ma")


def _legend(draw: ImageDraw.ImageDraw, legend: Legend, middle: int) -> None:
    """Centred: the two bar colours and the target mark, each with its word."""
    text = font(TEXT_SIZE)
    entries = [(MET, _nfc(legend.met)), (NOT_MET, _nfc(legend.not_met)),
               (TARGET, _nfc(legend.target))]  # fmt: skip
    widths = [SWATCH + SWATCH_GAP + text.getlength(label) for _, label in entries]
    left = (WIDTH - sum(widths) - ENTRY_GAP * (len(entries) - 1)) / 2
    for (colour, label), width in zip(entries, widths, strict=True):
        start = round(left)
        half = MARK_WIDTH // 2 if colour == TARGET else SWATCH_HEIGHT // 2
        draw.rectangle((start, middle - half, start + SWATCH - 1, middle + half - 1), colour)
        draw.text((start + SWATCH + SWATCH_GAP, middle), label, BLACK, text, "lm")
        left += width + ENTRY_GAP


def _x(percent: float, scale: float) -> int:
    return PLOT_LEFT + round(percent * scale)


def _nfc(text: str) -> str:
    # Some Vietnamese keyboards type a tone mark as a separate combining letter, which the
    # basic layout would set beside its vowel instead of over it.
    return unicodedata.normalize("NFC", text)


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: int, most: int) -> list[str]:
    """Lines of whole words no wider than `width` pixels; past `most` lines, the last is cut
    short with "…"."""
    # Widths add up word by word: measuring every candidate line anew took longer than
    # drawing the whole chart.
    space = _length(face, " ")
    lines: list[list[str]] = []
    used = 0.0
    for word in text.split():
        length = _length(face, word)
        if lines and used + space + length <= width:
            lines[-1].append(word)
            used += space + length
        else:
            lines.append([word])
            used = length
    if len(lines) > most:
        room = width - _length(face, "…")
        rest = [w for line in lines[most - 1 :] for w in line]
        kept: list[str] = []
        used = -space
        for word in rest:
            used += space + _length(face, word)
            if used > room:
                break
            kept.append(word)
        last = " ".join(kept).rstrip(" ,;:—-") if kept else rest[0]
        lines = [*lines[: most - 1], [last + "…"]]
    return [" ".join(line) for line in lines]


@lru_cache(maxsize=4096)
def _length(face: ImageFont.FreeTypeFont, word: str) -> float:
    return face.getlength(word)
