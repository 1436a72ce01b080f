"""Reading an exported appendix workbook back: the lines above the table, its header
and its body, wherever the formal parts put them."""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import load_workbook


@dataclass(frozen=True)
class Appendix:
    above: list[str]  # every text above the table, row by row
    header: tuple
    body: list[tuple]

    def column(self, label: str) -> dict[str, object]:
        """The code → value of one column, for the rows that have a value there."""
        at = self.header.index(label)
        return {r[0]: r[at] for r in self.body if r[at]}


def appendix_parts(content: bytes, sheet: str | int = 0) -> Appendix:
    book = load_workbook(io.BytesIO(content))
    ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] in ("STT", "TT") and r[1])
    end = next((i for i in range(start, len(rows)) if not any(rows[i])), len(rows))
    above = [str(c) for r in rows[:start] for c in r if c not in (None, "")]
    return Appendix(above, rows[start], rows[start + 1 : end])
