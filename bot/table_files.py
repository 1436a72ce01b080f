"""Tables out of the files officials have: Word (.docx), Excel (.xlsx) and CSV.

Each file becomes `indicators.plan_import.table.Table`s with merged cells repeated
into every position they cover, so the readers never see a file format.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from indicators.plan_import.table import Table, clean_cell, make_table
from locales import _

# Beyond any real plan or unit list; keeps a hostile or broken sheet from filling memory.
MAX_ROWS = 5000
MAX_COLUMNS = 60
_CAPTION_PARAGRAPHS = 6


class TableFileError(ValueError):
    """A file that cannot be read as tables; the message says why, in Vietnamese."""


def read_tables(path: Path, *, allow: tuple[str, ...] = (".docx", ".xlsx", ".csv")) -> list[Table]:
    suffix = path.suffix.lower()
    if suffix not in allow:
        raise TableFileError(
            _("{name}: chitieu reads {kinds} files; save it in one of these formats.").format(
                name=path.name, kinds=", ".join(allow)
            )
        )
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise TableFileError(
            _("{name}: the file cannot be opened ({reason}).").format(
                name=path.name, reason=exc.strerror or type(exc).__name__
            )
        ) from None
    return tables_from_bytes(path.name, content, allow=allow)


def sent_tables(name: str, content: bytes) -> list[Table]:
    """The tables of a plan file or unit list sent to the bot
    (handlers.services.TableReader)."""
    return tables_from_bytes(name, content, allow=(".docx", ".xlsx", ".csv"))


def tables_from_bytes(
    name: str, content: bytes, *, allow: tuple[str, ...] = (".docx", ".xlsx", ".csv")
) -> list[Table]:
    """The tables of a file received as bytes (a document sent to the bot); `name` gives
    its format by its ending."""
    suffix = Path(name).suffix.lower()
    path = Path(name)
    if suffix not in allow:
        raise TableFileError(
            _("{name}: chitieu reads {kinds} files; save it in one of these formats.").format(
                name=path.name, kinds=", ".join(allow)
            )
        )
    try:
        if suffix == ".docx":
            return docx_tables(content)
        if suffix == ".xlsx":
            return xlsx_tables(content)
        return csv_tables(content)
    except TableFileError:
        raise
    except Exception:
        raise TableFileError(
            _("{name}: the file is damaged or is not really a {kind} file.").format(
                name=path.name, kind=suffix
            )
        ) from None


def docx_tables(content: bytes) -> list[Table]:
    """Every top-level table of a Word document, with the paragraphs just before it."""
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(content))
    tables: list[Table] = []
    caption: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            if block.text.strip():
                caption = [*caption, block.text][-_CAPTION_PARAGRAPHS:]
        elif isinstance(block, DocxTable):
            rows: list[list[Any]] = []
            for row in block.rows[:MAX_ROWS]:
                cells: list[Any] = [""] * row.grid_cols_before
                cells.extend(cell.text for cell in row.cells)
                rows.append(cells[:MAX_COLUMNS])
            where = _("table {number} of the document").format(number=len(tables) + 1)
            tables.append(make_table(rows, caption=tuple(caption), where=where))
            caption = []
    return tables


def xlsx_tables(content: bytes) -> list[Table]:
    """One table per worksheet, numbered by sheet row; merged ranges take the value of
    their top-left cell everywhere."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), data_only=True)
    tables: list[Table] = []
    for sheet in workbook.worksheets:
        last_row = min(sheet.max_row, MAX_ROWS)
        last_column = min(sheet.max_column, MAX_COLUMNS)
        grid = [
            [cell for cell in row]
            for row in sheet.iter_rows(
                min_row=1, max_row=last_row, max_col=last_column, values_only=True
            )
        ]
        for merged in sheet.merged_cells.ranges:
            top, left = merged.min_row - 1, merged.min_col - 1
            if top >= len(grid) or left >= last_column:
                continue
            value = grid[top][left]
            for r in range(top, min(merged.max_row, last_row)):
                for c in range(left, min(merged.max_col, last_column)):
                    grid[r][c] = value
        where = _('sheet "{name}"').format(name=sheet.title)
        tables.append(make_table(grid, where=where))
    return tables


def csv_tables(content: bytes) -> list[Table]:
    """A CSV file as one table; UTF-8 (with or without BOM), separated by , ; or tab."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableFileError(_('The CSV file is not UTF-8; save it as "CSV UTF-8".')) from None
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [
        [clean_cell(c) for c in row[:MAX_COLUMNS]] for row in csv.reader(io.StringIO(text), dialect)
    ]
    return [make_table(rows[:MAX_ROWS], where=_("the CSV file"))]
