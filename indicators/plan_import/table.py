"""A table as read from a file: numbered rows of cell texts, independent of the format.

Merged cells carry their text into every grid position they cover (the file readers
see to that), so a "Chủ trì" cell merged over five rows names the lead of all five.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indicators.text import normalize


@dataclass(frozen=True, slots=True)
class Row:
    """One row; `number` is what the official sees: the sheet row, or the table row."""

    number: int
    cells: tuple[str, ...]

    def cell(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    @property
    def blank(self) -> bool:
        return not any(self.cells)


@dataclass(frozen=True, slots=True)
class Table:
    """`caption` is the text just before the table (appendix name, title, "Kèm theo …");
    `where` says which table of the file it is ("bảng 2", "trang tính Kế hoạch")."""

    rows: tuple[Row, ...]
    caption: tuple[str, ...] = ()
    where: str = ""


def clean_cell(text: object) -> str:
    """A cell's text, each line normalised, blank lines dropped, lines joined by "\n".

    Line breaks are kept because inside a cell they separate things ("Phòng Văn hóa và
    Thông tin" / "Các doanh nghiệp viễn thông"); `one_line` joins them for reading.
    """
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    lines = (normalize(line) for line in str(text).replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def one_line(text: str) -> str:
    return " ".join(text.split("\n"))


def make_table(
    rows: Sequence[Sequence[object]],
    *,
    first_number: int = 1,
    caption: tuple[str, ...] = (),
    where: str = "",
) -> Table:
    """A table from raw cell values; rows are numbered from `first_number`."""
    made = tuple(
        Row(first_number + index, tuple(clean_cell(cell) for cell in row))
        for index, row in enumerate(rows)
    )
    return Table(made, tuple(c for c in (clean_cell(line) for line in caption) if c), where)
