"""Writing test tables as real .docx and .xlsx files, merged cells included."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import docx
from openpyxl import Workbook


@dataclass(frozen=True)
class Appendix:
    """Rows as printed ("" in a cell a merge covers); merges as (row, col, row, col),
    0-based and inclusive, top-left first."""

    caption: tuple[str, ...]
    rows: list[list[str]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max(len(row) for row in self.rows)


def write_docx(appendix: Appendix, path: Path, *, before: list[list[str]] | None = None) -> Path:
    """The caption as paragraphs, then the table; `before` adds an unrelated table first
    (a signature block, a list of recipients), which the reader must skip."""
    document = docx.Document()
    document.add_paragraph("UỶ BAN NHÂN DÂN")
    if before:
        small = document.add_table(rows=len(before), cols=len(before[0]))
        for r, row in enumerate(before):
            for c, text in enumerate(row):
                small.cell(r, c).text = text
    for line in appendix.caption:
        document.add_paragraph(line)
    table = document.add_table(rows=len(appendix.rows), cols=appendix.width)
    covered: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in appendix.merges:
        table.cell(r0, c0).merge(table.cell(r1, c1))
        covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
    for r, row in enumerate(appendix.rows):
        for c, text in enumerate(row):
            if (r, c) not in covered and text:
                table.cell(r, c).text = text
    document.add_paragraph("Nơi nhận: …")
    document.save(str(path))
    return path


def write_xlsx(appendix: Appendix, path: Path, *, sheet: str = "Phụ lục") -> Path:
    """The caption in the first rows of the sheet, a blank row, then the table."""
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet
    for line in appendix.caption:
        ws.append([line])
    ws.append([])
    offset = len(appendix.caption) + 2  # sheet row of the table's first row
    for row in appendix.rows:
        ws.append([text or None for text in row])
    for r0, c0, r1, c1 in appendix.merges:
        ws.merge_cells(
            start_row=r0 + offset, start_column=c0 + 1, end_row=r1 + offset, end_column=c1 + 1
        )
    workbook.save(path)
    return path
