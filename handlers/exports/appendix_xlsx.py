"""The appendix as an .xlsx workbook: one sheet per appendix, bytes in memory, no I/O.

Draws the model of appendix_table.py: the formal parts in merged rows above the table,
the signature block under it, A4 paper, the table's header repeated on every page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from handlers.exports.appendix_table import FONT, MARGINS_MM, AppendixTable
from indicators.text import writable

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(wrap_text=True, vertical="center", horizontal="center")
_GROUP_FILL = PatternFill("solid", fgColor="EDEDED")
_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
_INCH_MM = 25.4
CELL_LIMIT = 32_767  # characters Excel keeps in one cell


def workbook(tables: Sequence[AppendixTable]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        _write(book.create_sheet(_tab(table.tab, used)), table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _put(ws: Worksheet, row: int, column: int, value: str | int | None) -> Cell:
    """A cell holding `value` as it reads: stored text may hold characters XML cannot
    (rows older than the cleaning of input), and a note starting with "=" is a note,
    never a formula that Excel would run."""
    if not isinstance(value, str):
        return ws.cell(row=row, column=column, value=value)
    cell = ws.cell(row=row, column=column, value=writable(value)[:CELL_LIMIT])
    cell.data_type = "s"
    return cell


def _tab(name: str, used: set[str]) -> str:
    base = writable(name).translate(_FORBIDDEN).strip()[:28] or "Sheet"
    tab, number = base, 2
    while tab in used:
        tab, number = f"{base} {number}", number + 1
    used.add(tab)
    return tab


def _line(
    ws: Worksheet, row: int, first: int, last: int, text: str, font: Font, height: float = 18
) -> None:
    """One line of text across columns first..last."""
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = _put(ws, row, first, text)
    cell.font = font
    cell.alignment = _CENTRE
    ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, height)


def _write(ws: Worksheet, table: AppendixTable) -> None:
    width = len(table.columns)
    for index, column in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    # The issuing body over the left half, the national name and motto over the right.
    split = max(1, width // 2 - 1) if width > 2 else 1
    bold, plain = Font(name=FONT, bold=True, size=12), Font(name=FONT, size=12)
    row = 1
    lines = max(len(table.issuer), len(table.nation))
    for offset in range(lines):
        if offset < len(table.issuer):
            font = plain if offset == 0 and len(table.issuer) > 1 else bold
            _line(ws, row, 1, split, table.issuer[offset], font)
        if offset < len(table.nation) and width > split:
            _line(ws, row, split + 1, width, table.nation[offset], bold)
        row += 1
    row += 1
    if table.title:
        _line(ws, row, 1, width, table.title, Font(name=FONT, bold=True, size=13))
        row += 1
    _line(ws, row, 1, width, table.heading, Font(name=FONT, bold=True, size=13), height=34)
    row += 1
    _line(ws, row, 1, width, table.attached_to, Font(name=FONT, italic=True, size=12))
    row += 1
    _line(ws, row, 1, width, table.subheading, Font(name=FONT, bold=True, size=12))
    row += 1
    if table.status:
        _line(ws, row, 1, width, table.status, Font(name=FONT, italic=True, size=11))
        row += 1
    row += 1
    header = row
    for index, column in enumerate(table.columns, start=1):
        cell = _put(ws, header, index, column.label)
        cell.font = Font(name=FONT, bold=True)
        cell.alignment = _CENTRE
        cell.border = _BORDER
    ws.row_dimensions[header].height = 32
    for offset, item in enumerate(table.rows, start=1):
        for index, (column, value) in enumerate(zip(table.columns, item.cells, strict=True), 1):
            cell = _put(ws, header + offset, index, value)
            cell.font = Font(name=FONT, bold=item.is_group)
            cell.alignment = _WRAP if column.wrap else _CENTRE
            cell.border = _BORDER
            if item.is_group:
                cell.fill = _GROUP_FILL
    row = header + len(table.rows) + 2
    if table.review:
        _line(ws, row, 1, width, table.review, Font(name=FONT, italic=True, size=11))
        row += 2
    first = max(1, width - 2)
    for index, text in enumerate(table.signature):
        font = Font(name=FONT, italic=index in (0, len(table.signature) - 1), bold=index in (1, 2))
        _line(ws, row + index, first, width, text, font)
    _page_setup(ws, header)


def _page_setup(ws: Worksheet, header: int) -> None:
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    inches = {side: mm / _INCH_MM for side, mm in MARGINS_MM.items()}
    ws.page_margins = PageMargins(**inches)
