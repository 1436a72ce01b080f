"""The official appendix table as an .xlsx workbook: bytes in memory, no files, no I/O.

One sheet per appendix, laid out as report appendices are printed: a heading, the unit
and period, then STT / name / unit of measure / target / result / assessment /
difficulties and proposals, with each plan group as a bold row above its indicators.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

WIDTHS = (7, 58, 12, 16, 18, 13, 32)
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(wrap_text=True, vertical="center", horizontal="center")
_GROUP_FILL = PatternFill("solid", fgColor="EDEDED")
_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
FONT = "Times New Roman"  # the typeface of Vietnamese administrative documents


@dataclass(frozen=True, slots=True)
class Row:
    code: str
    name: str
    unit: str = ""
    target: str = ""
    result: str | int = ""
    judgement: str = ""
    note: str = ""
    is_group: bool = False


@dataclass(frozen=True, slots=True)
class Sheet:
    tab: str  # the sheet's tab: "Phụ lục 1"
    heading: str
    subheading: str
    columns: tuple[str, str, str, str, str, str, str]
    rows: Sequence[Row]
    status: str = ""  # who has reported: "3/6 thôn đã báo cáo đủ, …", under the subheading
    footer: str = ""  # under the table: whether an official reviewed the figures


def workbook(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for sheet in sheets:
        _write(book, sheet, _tab(sheet.tab, used))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _tab(name: str, used: set[str]) -> str:
    base = name.translate(_FORBIDDEN).strip()[:28] or "Sheet"
    tab, number = base, 2
    while tab in used:
        tab, number = f"{base} {number}", number + 1
    used.add(tab)
    return tab


def _write(book: Workbook, sheet: Sheet, tab: str) -> None:
    ws = book.create_sheet(tab)
    last = get_column_letter(len(WIDTHS))
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for row, text, size in ((1, sheet.heading, 13), (2, sheet.subheading, 12)):
        ws.merge_cells(f"A{row}:{last}{row}")
        cell = ws.cell(row=row, column=1, value=text)
        cell.font = Font(name=FONT, bold=True, size=size)
        cell.alignment = _CENTRE
        ws.row_dimensions[row].height = 34 if row == 1 else 20
    if sheet.status:
        ws.merge_cells(f"A3:{last}3")
        cell = ws.cell(row=3, column=1, value=sheet.status)
        cell.font = Font(name=FONT, italic=True, size=11)
        cell.alignment = _CENTRE
    header = 4
    for index, label in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=header, column=index, value=label)
        cell.font = Font(name=FONT, bold=True)
        cell.alignment = _CENTRE
        cell.border = _BORDER
    ws.row_dimensions[header].height = 32
    for offset, item in enumerate(sheet.rows, start=1):
        number = header + offset
        cells = (
            item.code,
            item.name,
            item.unit,
            item.target,
            item.result,
            item.judgement,
            item.note,
        )
        for index, value in enumerate(cells, start=1):
            cell = ws.cell(row=number, column=index, value=value)
            cell.font = Font(name=FONT, bold=item.is_group)
            cell.alignment = _WRAP if index in (2, 7) else _CENTRE
            cell.border = _BORDER
            if item.is_group:
                cell.fill = _GROUP_FILL
    if sheet.footer:
        below = header + len(sheet.rows) + 2
        ws.merge_cells(f"A{below}:{last}{below}")
        cell = ws.cell(row=below, column=1, value=sheet.footer)
        cell.font = Font(name=FONT, italic=True, size=11)
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
